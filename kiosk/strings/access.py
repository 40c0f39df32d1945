"""Texts of appointment check-in and of the accessibility bar (speech, large text, contrast, call staff)."""

from __future__ import annotations

# key -> (vi, en); merged into kiosk.i18n.TABLE (keys must not repeat across modules)
STRINGS: dict[str, tuple[str, str]] = {
    # ----- appointments: check-in by code (kiosk/screens/checkin.py) -----
    "home.checkin": ("Có lịch hẹn? Nhận số tại đây", "Have an appointment? Check in here"),
    "checkin.title": ("Nhận số theo lịch hẹn", "Check in for an appointment"),
    "checkin.prompt": (
        "Nhập mã lịch hẹn 6 chữ số, hoặc đưa mã QR lịch hẹn (hay thẻ CCCD đã khai khi đặt lịch) vào camera.",
        "Type the 6-digit appointment code, or show the booking's QR code (or the ID card given "
        "when booking) to the camera.",
    ),
    "checkin.not_booking_qr": (
        "Đây không phải mã QR lịch hẹn. Xin quý khách đưa mã QR trên trang đặt lịch, hoặc nhập mã.",
        "That is not a booking QR code. Show the QR code from your booking page, or type the code.",
    ),
    "checkin.submit": ("Nhận số", "Get my number"),
    "checkin.too_short": ("Mã lịch hẹn gồm 6 chữ số.", "The appointment code has 6 digits."),
    "checkin.checking": ("Đang kiểm tra lịch hẹn…", "Checking your appointment…"),
    "checkin.unknown": (
        "Không tìm thấy lịch hẹn. Xin quý khách kiểm tra lại mã, hoặc lấy số thường.",
        "No appointment found. Check the code, or take a normal number.",
    ),
    "checkin.too_early": (
        "Quý khách đến sớm. Xin quay lại từ {time} ngày {day} để nhận số.",
        "You are early. Please come back from {time} on {day} to check in.",
    ),
    "checkin.too_late": (
        "Đã quá giờ hẹn. Xin quý khách lấy số thường.",
        "Your appointment time has passed. Please take a normal number.",
    ),
    "checkin.take_number": ("Lấy số thường", "Take a normal number"),
    "checkin.appointment": ("Lịch hẹn {time}", "Appointment {time}"),
    "checkin.printing": ("Đang in phiếu…", "Printing your ticket…"),
    "checkin.printed": (
        "Mời quý khách nhận phiếu. Số của quý khách được gọi từ {time}.",
        "Please take your ticket. Your number is called from {time}.",
    ),
    "checkin.print_failed": (
        "Máy in đang lỗi: xin quý khách ghi nhớ số này. Số được gọi từ {time}.",
        "The printer is not working: please remember this number. It is called from {time}.",
    ),
    "checkin.error": (
        "Chưa nhận số được. Xin quý khách thử lại hoặc hỏi cán bộ.",
        "Could not check in. Please try again or ask a member of staff.",
    ),
    "checkin.done": ("Xong", "Done"),
    # ----- accessibility bar (every citizen screen): speech, large text, contrast, call staff -----
    "a11y.listen": ("Nghe hướng dẫn", "Listen"),
    "a11y.listen_off": ("Tắt tiếng nói", "Stop speech"),
    "a11y.volume_down": ("Nhỏ tiếng hơn", "Quieter"),
    "a11y.volume_up": ("To tiếng hơn", "Louder"),
    "a11y.volume_now": ("Âm lượng {n} trên {of}.", "Volume {n} of {of}."),
    "a11y.large": ("Chữ lớn", "Large text"),
    "a11y.large_off": ("Chữ thường", "Normal text"),
    "a11y.contrast": ("Tương phản cao", "High contrast"),
    "a11y.contrast_off": ("Màu thường", "Normal colours"),
    "a11y.help": ("Gọi nhân viên", "Call staff"),
    "a11y.speech_on": (
        "Đã bật hướng dẫn bằng giọng nói. Chạm một lần vào nút để nghe, chạm lần nữa để chọn.",
        "Speech is on. Touch a button once to hear it, touch it again to choose it.",
    ),
    "a11y.large_on": ("Đã bật chữ lớn.", "Large text is on."),
    "a11y.contrast_on": ("Đã bật màu tương phản cao.", "High contrast is on."),
    "a11y.button": ("Nút {label}. Chạm lần nữa để chọn.", "{label} button. Touch again to choose."),
    "a11y.digit_entered": ("Đã nhập {n} số.", "{n} digits entered."),
    "a11y.keypad": (
        "Bàn phím số bên phải: hàng trên 1 2 3, hàng dưới cùng Xoá, 0, Xoá 1 số. "
        "Các số quý khách bấm sẽ không được đọc to.",
        "Number keys on the right: 1 2 3 on the top row, Clear, 0, Delete on the bottom row. "
        "The digits you press are not read aloud.",
    ),
    "help.calling": ("Đang gọi nhân viên…", "Calling a member of staff…"),
    "help.coming": (
        "Nhân viên sẽ đến ngay. Quý khách vui lòng đứng chờ tại máy.",
        "Staff are coming. Please wait at the kiosk.",
    ),
    "help.cancel": ("Huỷ gọi", "Cancel the call"),
    "help.close": ("Đóng", "Close"),
    "help.cancelled": ("Đã huỷ gọi nhân viên.", "The call for staff is cancelled."),
    "help.limited": (
        "Quý khách vừa gọi nhân viên. Vui lòng chờ {s} giây rồi gọi lại, hoặc gọi {hotline}.",
        "You called staff a moment ago. Please wait {s} seconds before calling again, or call {hotline}.",
    ),
    "help.failed": (
        "Chưa gọi được nhân viên. Vui lòng hỏi tại quầy hoặc gọi {hotline}.",
        "Staff could not be called. Please ask at a counter or call {hotline}.",
    ),
    "idle.warning": (
        "Quý khách cần thêm thời gian? Chạm vào màn hình. Sau {s} giây máy sẽ về trang đầu.",
        "Do you need more time? Touch the screen. In {s} seconds the kiosk goes back to the start.",
    ),
    # spoken prompt of each citizen screen (what the screen asks)
    "speech.home": (
        "Xin chào quý khách. Ba nút lớn giữa màn hình, từ trái sang phải: lấy số thứ tự, nhận hồ sơ "
        "tại tủ 24 giờ, tra cứu hồ sơ. Nút dài bên dưới: nhận số theo lịch hẹn. "
        "Nút gọi nhân viên ở trên cùng bên phải.",
        "Welcome. Three large buttons across the middle, from left to right: take a queue number, "
        "collect your result from the 24-hour locker, check a dossier. The long button below: "
        "check in for an appointment. The call staff button is at the top right.",
    ),
    "speech.services": (
        "Mời quý khách chọn dịch vụ. Chạm vào một dịch vụ để nghe tên.",
        "Please choose a service. Touch a service to hear its name.",
    ),
    "speech.priority": (
        "Quý khách có thuộc diện ưu tiên không? Nếu không, chọn nút Không, tôi xếp hàng bình thường, "
        "ở góc dưới bên trái.",
        "Do you have priority? If not, choose the button No, normal queue, at the bottom left.",
    ),
    "speech.scan_id": (
        "Mời quý khách đưa mã QR trên thẻ căn cước vào khung bên trái, hoặc bấm bỏ qua.",
        "Please hold the QR code of your ID card in the frame on the left, or press skip.",
    ),
    "speech.ticket": (
        "Mời quý khách nhận phiếu và chờ gọi số.",
        "Please take your ticket and wait for your number.",
    ),
    "speech.ticket_number": ("Số của quý khách là {number}.", "Your number is {number}."),
    "speech.card_read": ("Đã đọc thẻ căn cước.", "ID card read."),
    "speech.checkin": (
        "Mời quý khách nhập mã lịch hẹn 6 chữ số ở bàn phím bên phải, hoặc đưa mã QR lịch hẹn vào camera.",
        "Please type the 6-digit appointment code on the keys on the right, or show the booking's "
        "QR code to the camera.",
    ),
    "speech.pickup": (
        "Mời quý khách nhập mã nhận hồ sơ trong tin nhắn.",
        "Please enter the pickup code from your text message.",
    ),
    "speech.out_of_service": (
        "Máy tạm ngừng phục vụ. Vui lòng hỏi nhân viên tại quầy.",
        "This kiosk is out of service. Please ask at a counter.",
    ),
}
