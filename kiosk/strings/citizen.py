"""Texts of the citizen screens: common words, home, services, ID scan, priority, ticket,
out of service, days, site warnings, devices."""

from __future__ import annotations

# key -> (vi, en); merged into kiosk.i18n.TABLE (keys must not repeat across modules)
STRINGS: dict[str, tuple[str, str]] = {
    # ----- common -----
    "common.back": ("Quay lại", "Back"),
    "common.home": ("Về trang chủ", "Home"),
    "common.cancel": ("Huỷ", "Cancel"),
    "common.ok": ("Đồng ý", "OK"),
    "common.next": ("Tiếp tục", "Continue"),
    "common.skip": ("Bỏ qua", "Skip"),
    "common.retry": ("Thử lại", "Try again"),
    "common.clear": ("Xoá", "Clear"),
    "common.delete": ("Xoá 1 số", "Delete"),
    "common.show": ("Hiện", "Show"),
    "common.hide": ("Ẩn", "Hide"),
    "common.please_wait": ("Vui lòng chờ…", "Please wait…"),
    "common.language_other": ("English", "Tiếng Việt"),
    "common.hotline": ("Cần hỗ trợ? Gọi {hotline}", "Need help? Call {hotline}"),
    "common.minutes_range": ("khoảng {lo}–{hi} phút", "about {lo}–{hi} min"),
    "common.unexpected": (
        "Đã có lỗi. Vui lòng thử lại hoặc hỏi nhân viên.",
        "Something went wrong. Please try again or ask a member of staff.",
    ),
    # ----- home -----
    "home.welcome": ("Xin chào! Quý khách cần gì?", "Welcome! What would you like to do?"),
    "home.take_number": ("Lấy số thứ tự", "Take a number"),
    "home.take_number_sub": ("Xếp hàng chờ đến lượt tại quầy", "Queue for a service counter"),
    # not "Nhận kết quả": that is also the name of a counter service in the queue
    "home.collect": ("Nhận hồ sơ tại tủ 24h", "Collect from the 24h locker"),
    "home.collect_sub": ("Mở tủ bằng mã đã nhận qua SMS", "Open a locker with the code from your SMS"),
    "home.closed_now": (
        "Ngoài giờ làm việc. Lấy số từ {opens_at}.",
        "Outside office hours. Numbers from {opens_at}.",
    ),
    # closed until another day; the time and date come from the service (`opens_next_at`)
    "home.closed_until": (
        "Hôm nay đã hết giờ làm việc. Trung tâm mở lại lúc {time} {weekday}, {day}.",
        "Closed now. Opens again {weekday} {day} at {time}.",
    ),
    # closed, and the service does not say when it opens (no hours set)
    "home.closed_today": (
        "Ngoài giờ làm việc. Xin quý khách hỏi cán bộ về giờ mở cửa.",
        "Outside office hours. Please ask a member of staff when the center opens.",
    ),
    "home.closed_short": ("Ngoài giờ làm việc", "Outside office hours"),
    # [queueing] open_all_hours: the shipped simulated center
    "home.simulated": ("Trung tâm mô phỏng, mở cả ngày", "Simulated center, open at any hour"),
    "home.queue_unavailable": ("Tạm thời không lấy số được", "Numbers are unavailable right now"),
    "home.pickup_unavailable": ("Tủ nhận kết quả tạm ngưng", "Result lockers are unavailable right now"),
    "home.always_open": (
        "Tủ 24h vẫn mở để nhận hồ sơ, kể cả ngoài giờ.",
        "The 24h locker is open for collecting documents at any hour.",
    ),
    # ----- services -----
    "services.title": ("Chọn dịch vụ", "Choose a service"),
    "services.search_hint": ("Tìm dịch vụ…", "Search services…"),
    "services.none_found": ('Không tìm thấy dịch vụ "{q}"', 'No service matches "{q}"'),
    "services.waiting": ("{n} người đang chờ", "{n} waiting"),
    "services.closed_until": ("Mở lúc {opens_at}", "Opens at {opens_at}"),
    "services.closed_until_day": ("Mở lại {time} {weekday}, {day}", "Opens {weekday} {day} at {time}"),
    "services.closed": ("Đã đóng", "Closed"),
    "services.cap_reached": ("Hết số hôm nay", "No more numbers today"),
    "services.loading": ("Đang tải danh sách dịch vụ…", "Loading services…"),
    "services.empty": (
        "Hiện chưa có dịch vụ nào. Vui lòng hỏi nhân viên.",
        "No services are offered right now. Please ask a member of staff.",
    ),
    "services.page": ("Trang {page}/{pages}", "Page {page}/{pages}"),
    "services.prev": ("‹ Trước", "‹ Previous"),
    "services.more": ("Tiếp ›", "Next ›"),
    # ----- scan id -----
    "scan.title": ("Quét mã QR trên căn cước công dân", "Scan the QR code on your ID card"),
    "scan.hint": (
        "Đưa mặt sau thẻ (có mã QR) vào khung",
        "Hold the back of the card (with the QR code) in the frame",
    ),
    "scan.optional": (
        "Không bắt buộc: giúp ưu tiên người cao tuổi.",
        "Optional: lets us give priority to elderly citizens.",
    ),
    "scan.read_ok": ("Đã đọc thẻ của {name}", "Card read: {name}"),
    "scan.not_id": (
        "Mã này không phải căn cước. Hãy đưa mã QR trên thẻ căn cước.",
        "That is not an ID card QR code. Please show the QR code on your ID card.",
    ),
    "scan.camera_unavailable": (
        'Camera không hoạt động. Bấm "Bỏ qua" để tiếp tục.',
        'The camera is not working. Press "Skip" to continue.',
    ),
    "scan.no_signal": (
        'Camera không có hình. Bấm "Bỏ qua" để tiếp tục.',
        'The camera shows no picture. Press "Skip" to continue.',
    ),
    "scan.starting": ("Đang bật camera…", "Starting the camera…"),
    # ----- priority -----
    "priority.title": ("Quý khách có thuộc diện ưu tiên không?", "Do you qualify for priority service?"),
    "priority.none": ("Không, tôi xếp hàng bình thường", "No, normal queue"),
    "priority.elderly": ("Người cao tuổi", "Elderly person"),
    "priority.auto_elderly": (
        "Quý khách từ {age} tuổi trở lên: được ưu tiên tự động.",
        "You are {age} or older: priority is given automatically.",
    ),
    # ----- ticket -----
    "ticket.your_number": ("Số của quý khách", "Your number"),
    "ticket.service": ("Dịch vụ: {name}", "Service: {name}"),
    "ticket.ahead": ("{n} người đứng trước", "{n} people ahead of you"),
    "ticket.ahead_none": ("Không có ai đứng trước", "Nobody is ahead of you"),
    "ticket.wait": ("Thời gian chờ: {lo}–{hi} phút", "Waiting time: {lo}–{hi} min"),
    "ticket.wait_unknown": ("Chưa ước tính được thời gian chờ", "Waiting time not yet known"),
    "ticket.issuing": ("Đang lấy số…", "Getting your number…"),
    "ticket.printing": ("Đang in phiếu…", "Printing your ticket…"),
    "ticket.printed": (
        "Mời nhận phiếu bên dưới và chờ gọi số.",
        "Please take your ticket below and wait to be called.",
    ),
    "ticket.print_failed": (
        "Máy in đang lỗi. Hãy chụp ảnh mã QR hoặc ghi nhớ số.",
        "The printer is not working. Photograph the QR code or note your number.",
    ),
    "ticket.qr_hint": ("Quét để theo dõi lượt trên điện thoại", "Scan to follow your turn on a phone"),
    "ticket.done": ("Xong", "Done"),
    "ticket.other_service": ("Chọn dịch vụ khác", "Choose another service"),
    "ticket.home_in": ("Tự động về trang chủ sau {s} giây", "Back to the start in {s} s"),
    "ticket.priority": ("Ưu tiên: {name}", "Priority: {name}"),
    "ticket.err_closed": (
        "Dịch vụ này đã ngừng lấy số. Mở lại lúc {opens_at}.",
        "This service has stopped issuing numbers. It opens again at {opens_at}.",
    ),
    "ticket.err_closed_until": (
        "Dịch vụ này hiện không lấy số. Trung tâm mở lại lúc {time} {weekday}, {day}.",
        "This service is not issuing numbers now. The center opens again {weekday} {day} at {time}.",
    ),
    "ticket.err_closed_today": (
        "Dịch vụ này hiện không lấy số. Xin quý khách hỏi cán bộ tại quầy.",
        "This service is not issuing numbers now. Please ask a member of staff.",
    ),
    "ticket.err_numbers_exhausted": (
        "Dịch vụ này đã hết số hôm nay. Xin vui lòng hỏi cán bộ tại quầy.",
        "This service has run out of numbers for today. Please ask a member of staff at a counter.",
    ),
    "ticket.err_cap": (
        "Dịch vụ này đã hết số hôm nay. Vui lòng quay lại ngày làm việc tiếp theo.",
        "No more numbers for this service today. Please come back on the next working day.",
    ),
    "ticket.err_unknown_service": (
        "Dịch vụ không còn trong danh sách. Vui lòng chọn lại.",
        "That service is no longer offered. Please choose again.",
    ),
    "ticket.err_generic": (
        "Không lấy được số. Vui lòng thử lại hoặc hỏi nhân viên.",
        "Could not get a number. Please try again or ask a member of staff.",
    ),
    # ----- out of service -----
    "oos.title": ("Tạm ngưng phục vụ", "Temporarily out of service"),
    "oos.body": (
        "Hệ thống đang kết nối lại. Màn hình sẽ tự trở lại khi sẵn sàng.",
        "The system is reconnecting. This screen comes back by itself when it is ready.",
    ),
    "oos.queueing": ("Dịch vụ lấy số", "Queue service"),
    "oos.locker": ("Tủ nhận kết quả", "Result lockers"),
    "oos.hotline": (
        "Cần gấp? Gọi {hotline} hoặc hỏi nhân viên.",
        "Urgent? Call {hotline} or ask a member of staff.",
    ),
    # ----- days of the week (datetime.weekday(): 0 = Monday) -----
    "weekday.0": ("thứ Hai", "Monday"),
    "weekday.1": ("thứ Ba", "Tuesday"),
    "weekday.2": ("thứ Tư", "Wednesday"),
    "weekday.3": ("thứ Năm", "Thursday"),
    "weekday.4": ("thứ Sáu", "Friday"),
    "weekday.5": ("thứ Bảy", "Saturday"),
    "weekday.6": ("Chủ nhật", "Sunday"),
    # ----- site-config warnings the services report in their health (staff screens) -----
    "warning.public_url_loopback": (
        "Cấu hình: mã QR trên phiếu chỉ mở được trên máy này, điện thoại không mở được "
        "([queueing] public_base_url).",
        "Config: ticket QR codes open only on this computer, never on a phone ([queueing] public_base_url).",
    ),
    "warning.verify_url_loopback": (
        "Cấu hình: mã QR trên biên nhận chỉ mở được trên máy này ([locker] verify_base_url).",
        "Config: receipt QR codes open only on this computer ([locker] verify_base_url).",
    ),
    "warning.open_all_hours": (
        "Cấu hình: lấy số mọi giờ, bỏ qua giờ làm việc ([queueing] open_all_hours).",
        "Config: numbers at any hour, opening hours ignored ([queueing] open_all_hours).",
    ),
    # ----- devices -----
    "device.printer_unavailable": ("Máy in không sẵn sàng", "Printer unavailable"),
    "device.camera_unavailable": ("Camera không sẵn sàng", "Camera unavailable"),
    # the discreet mark in home's corner (for staff) while a device is not ok
    "device.printer_paper_out": ("Máy in hết giấy", "Printer out of paper"),
    "device.printer_cover_open": ("Máy in mở nắp", "Printer cover open"),
    "device.printer_offline": ("Máy in mất kết nối", "Printer offline"),
    "device.printer_missing": ("Không thấy máy in", "Printer not found"),
    "device.camera_missing": ("Không thấy camera", "Camera not found"),
    "device.camera_offline": ("Camera không có hình", "Camera shows no picture"),
}
