"""Texts of the pickup and staff screens."""

from __future__ import annotations

# key -> (vi, en); merged into kiosk.i18n.TABLE (keys must not repeat across modules)
STRINGS: dict[str, tuple[str, str]] = {
    # pickup: code entry
    "pickup.title": ("Nhận hồ sơ tại tủ 24h", "Collect from the 24h locker"),
    "pickup.enter_code": (
        "Nhập mã {n} chữ số trong tin nhắn SMS",
        "Enter the {n}-digit code from your SMS",
    ),
    "pickup.enter_phone4": (
        "Nhập 4 số cuối của số điện thoại đã nhận SMS",
        "Enter the last 4 digits of the phone that got the SMS",
    ),
    "pickup.enter_id": (
        "Đưa mã QR trên căn cước vào camera, hoặc nhập số căn cước 12 chữ số",
        "Show your ID card's QR code to the camera, or type the 12-digit ID number",
    ),
    "pickup.open_btn": ("Mở tủ", "Open the locker"),
    "pickup.continue_btn": ("Tiếp tục", "Continue"),
    "pickup.checking": ("Đang kiểm tra mã…", "Checking your code…"),
    "pickup.too_short": (
        "Mã gồm {n} chữ số. Vui lòng nhập đủ.",
        "The code has {n} digits. Please enter all of them.",
    ),
    "pickup.phone4_short": ("Vui lòng nhập đủ 4 chữ số.", "Please enter all 4 digits."),
    "pickup.id_short": ("Số căn cước gồm 12 chữ số.", "The ID number has 12 digits."),
    "pickup.id_read": ("Đã đọc căn cước. Đang mở tủ…", "ID card read. Opening the locker…"),
    "pickup.not_id": (
        "Mã này không phải căn cước. Hãy đưa mã QR trên thẻ căn cước.",
        "That is not an ID card QR code. Please show the QR code on your ID card.",
    ),
    "pickup.wrong_code": (
        "Mã chưa đúng. Còn {n} lần thử. Hãy xem lại tin nhắn SMS và nhập lại.",
        "That code is not right. {n} tries left. Check your SMS and enter it again.",
    ),
    "pickup.wrong_code_last": (
        "Mã chưa đúng. Chỉ còn 1 lần thử. Hãy kiểm tra kỹ tin nhắn SMS trước khi nhập.",
        "That code is not right. Only 1 try left. Check your SMS carefully before entering it.",
    ),
    "pickup.wrong_code_plain": (
        "Mã chưa đúng. Hãy xem lại tin nhắn SMS và nhập lại.",
        "That code is not right. Check your SMS and enter it again.",
    ),
    "pickup.factor_wrong_phone": (
        "4 số cuối điện thoại chưa đúng. Hãy nhập 4 số cuối của số đã nhận SMS.",
        "Those are not the right last 4 digits. Enter the last 4 digits of the phone that got the SMS.",
    ),
    "pickup.factor_wrong_id": (
        "Căn cước không khớp với hồ sơ. Hãy dùng căn cước của người nộp hồ sơ.",
        "That ID card does not match the dossier. Please use the applicant's ID card.",
    ),
    "pickup.locked": (
        "Ngăn tủ này đã bị khoá do nhập sai mã nhiều lần. Vui lòng gọi {hotline} hoặc gặp nhân viên.",
        "This locker is blocked after too many wrong codes. Please call {hotline} or ask a member of staff.",
    ),
    "pickup.throttled": (
        "Nhập sai quá nhiều lần. Vui lòng chờ {s} giây rồi thử lại, hoặc gọi {hotline}.",
        "Too many wrong tries. Please wait {s} seconds and try again, or call {hotline}.",
    ),
    "pickup.throttled_over": ("Bây giờ quý khách có thể thử lại.", "You can try again now."),
    "pickup.expired": (
        "Mã này đã hết hạn. Hồ sơ đã được chuyển về quầy trả kết quả. "
        "Vui lòng gọi {hotline} hoặc đến quầy trong giờ làm việc.",
        "This code has expired. Your documents went back to the results counter. "
        "Please call {hotline} or come to the counter in office hours.",
    ),
    "pickup.bad_input": ("Chỉ nhập chữ số, rồi thử lại.", "Please enter digits only, then try again."),
    "pickup.error": (
        "Không mở được tủ lúc này. Vui lòng thử lại hoặc gọi {hotline}.",
        "The locker cannot be opened right now. Please try again or call {hotline}.",
    ),
    # pickup: door
    "pickup.opening": ("Ngăn số {label} đang mở", "Compartment {label} is opening"),
    "pickup.is_open": ("Ngăn số {label} đã mở", "Compartment {label} is open"),
    "pickup.guidance": (
        "Lấy hồ sơ ở ngăn được tô vàng, rồi đóng chặt cửa lại.",
        "Take your documents from the yellow compartment, then close the door firmly.",
    ),
    "pickup.jammed": (
        'Cửa ngăn số {label} chưa mở. Hãy đẩy nhẹ cửa rồi bấm "Thử lại lần nữa".',
        'The door of compartment {label} did not open. Push the door gently, then press "Try once more".',
    ),
    "pickup.try_again": ("Thử lại lần nữa", "Try once more"),
    "pickup.unknown": (
        'Không xác nhận được cửa ngăn số {label} đã mở. Nếu cửa vẫn đóng, bấm "Thử lại lần nữa".',
        "We could not confirm that compartment {label} opened. "
        'If its door is still shut, press "Try once more".',
    ),
    "pickup.compartment": ("Ngăn số {label}", "Compartment {label}"),
    "pickup.retrying": ("Đang mở lại…", "Opening again…"),
    "pickup.staff_alerted": (
        "Cửa vẫn chưa mở. Nhân viên đã được báo và sẽ đến hỗ trợ. Cần gấp, gọi {hotline}.",
        "The door still did not open. Staff have been alerted and will come to help. Urgent: call {hotline}.",
    ),
    "pickup.printing": ("Đang in biên nhận…", "Printing your receipt…"),
    "pickup.printed": ("Mời nhận biên nhận bên dưới.", "Please take your receipt below."),
    "pickup.print_failed": (
        "Không in được biên nhận. Việc nhận hồ sơ đã được ghi lại; có thể xin biên nhận tại quầy.",
        "The receipt could not be printed. Your collection is recorded; ask at the counter for a receipt.",
    ),
    "pickup.dossier": ("Hồ sơ: {code}", "Dossier: {code}"),
    "pickup.done": ("Xong", "Done"),
    # staff: sign in
    "staff.title": ("Nhân viên đăng nhập", "Staff sign-in"),
    "staff.staff_id": ("Mã nhân viên", "Staff ID"),
    "staff.pin": ("Mã PIN", "PIN"),
    "staff.totp": ("Mã xác thực (6 số)", "Authenticator code (6 digits)"),
    "staff.sign_in": ("Đăng nhập", "Sign in"),
    "staff.signing_in": ("Đang đăng nhập…", "Signing in…"),
    "staff.missing": (
        "Vui lòng điền đủ mã nhân viên, PIN và mã xác thực.",
        "Please fill in staff ID, PIN and authenticator code.",
    ),
    "staff.bad_credentials": (
        "Mã nhân viên, PIN hoặc mã xác thực chưa đúng. Kiểm tra ứng dụng xác thực rồi thử lại.",
        "Staff ID, PIN or authenticator code is wrong. Check your authenticator app and try again.",
    ),
    "staff.locked_out": (
        "Tài khoản tạm khoá do đăng nhập sai nhiều lần. Vui lòng chờ hoặc báo trưởng nhóm.",
        "The account is locked after failed sign-ins. Please wait or ask a supervisor.",
    ),
    "staff.session_ended": (
        "Phiên làm việc đã hết. Vui lòng đăng nhập lại.",
        "Your session ended. Please sign in again.",
    ),
    "staff.tap_field": (
        "Chạm vào một ô rồi nhập bằng bàn phím bên phải",
        "Tap a field, then type on the keys on the right",
    ),
    "staff.tap_field_card": (
        "Đưa thẻ nhân viên vào camera, hoặc chạm vào một ô rồi nhập bằng bàn phím bên phải",
        "Show your staff card to the camera, or tap a field and type on the keys on the right",
    ),
    "keyboard.delete": ("Xoá 1 ký tự", "Delete"),
    "keyboard.clear": ("Xoá hết", "Clear all"),
    "staff.card_read": (
        "Đã đọc thẻ nhân viên {staff_id}. Nhập mã PIN và mã xác thực.",
        "Staff card read: {staff_id}. Enter your PIN and authenticator code.",
    ),
    "staff.not_staff_card": (
        "Đây không phải thẻ nhân viên. Đưa thẻ nhân viên hoặc nhập mã nhân viên.",
        "That is not a staff card. Show your staff card or type your staff ID.",
    ),
    # staff: menu
    "staff.menu_title": ("Nhân viên: {staff_id} ({role})", "Staff: {staff_id} ({role})"),
    "staff.role_loader": ("nạp tủ", "loader"),
    "staff.role_supervisor": ("trưởng nhóm", "supervisor"),
    "staff.load": ("Nạp hồ sơ vào tủ", "Load a compartment"),
    "staff.withdraw": ("Rút hồ sơ quá hạn", "Withdraw expired items"),
    "staff.alarms": ("Cảnh báo", "Alarms"),
    "staff.alarms_n": ("Cảnh báo ({n} chưa xử lý)", "Alarms ({n} open)"),
    "staff.cabinet": ("Sơ đồ tủ", "Cabinet view"),
    "staff.reissue": ("Cấp lại mã / mở khoá", "Reissue code / unblock"),
    "staff.supervisor_only": ("Chỉ trưởng nhóm", "Supervisors only"),
    "staff.sign_out": ("Đăng xuất", "Sign out"),
    "staff.idle_note": (
        "Tự động đăng xuất khi không thao tác.",
        "You are signed out automatically when idle.",
    ),
    # staff: load
    "staff.load_title": ("Nạp hồ sơ vào tủ", "Load a compartment"),
    "staff.dossier_code": ("Mã hồ sơ", "Dossier code"),
    "staff.scan_dossier": ("Quét mã QR phiếu hẹn", "Scan the receipt QR"),
    "staff.stop_scan": ("Tắt camera", "Stop camera"),
    "staff.scan_hint": (
        "Đưa mã QR của phiếu hẹn vào camera",
        "Hold the dossier receipt's QR code to the camera",
    ),
    "staff.not_dossier": ("Mã này không phải phiếu hẹn hồ sơ.", "That is not a dossier receipt QR code."),
    "staff.dossier_read": ("Đã đọc hồ sơ {code}", "Read dossier {code}"),
    "staff.phone": ("Số điện thoại người nhận", "Citizen's phone number"),
    "staff.size": ("Cỡ ngăn", "Compartment size"),
    "staff.size_auto": ("Tự động", "Automatic"),
    "staff.size_small": ("Nhỏ", "Small"),
    "staff.size_medium": ("Vừa", "Medium"),
    "staff.size_large": ("Lớn", "Large"),
    "staff.open_compartment": ("Mở ngăn tủ", "Open a compartment"),
    "staff.need_dossier": ("Nhập hoặc quét mã hồ sơ.", "Type or scan the dossier code."),
    "staff.need_phone": (
        "Số điện thoại phải có 10 chữ số, bắt đầu bằng 0.",
        "The phone number must have 10 digits starting with 0.",
    ),
    "staff.opening": ("Đang mở ngăn tủ…", "Opening a compartment…"),
    "staff.put_in": (
        "Ngăn số {label} đã mở. Đặt hồ sơ vào rồi đóng chặt cửa: mã được gửi khi cửa đóng "
        '(nếu màn hình chưa chuyển, bấm "Đã đóng cửa").',
        "Compartment {label} is open. Put the documents in and shut the door: the code is sent when "
        'it closes (if this screen does not move on, press "Door closed").',
    ),
    "staff.door_jammed": (
        'Ngăn số {label} chưa mở. Bấm "Mở lại" hoặc "Ngăn lớn hơn".',
        'Compartment {label} did not open. Press "Open again" or "Bigger one".',
    ),
    "staff.confirm_closed": ("Đã đóng cửa", "Door closed"),
    "staff.reopen": ("Mở lại", "Open again"),
    "staff.bigger": ("Ngăn lớn hơn", "Bigger one"),
    "staff.cancel_load": ("Huỷ nạp", "Cancel loading"),
    "staff.door_open": (
        "Cửa vẫn đang mở. Đóng chặt cửa rồi bấm lại.",
        "The door is still open. Shut it firmly and press again.",
    ),
    "staff.code_sent": (
        "Đã gửi mã cho người dân. Hạn nhận: {expires}.",
        "The code was sent to the citizen. Collect by: {expires}.",
    ),
    "staff.slip_printing": ("Đang in phiếu nạp…", "Printing the loading slip…"),
    "staff.slip_printed": ("Đã in phiếu nạp.", "Loading slip printed."),
    "staff.slip_failed": (
        "Không in được phiếu nạp ({why}). Việc nạp đã được ghi lại.",
        "The loading slip did not print ({why}). The load is recorded.",
    ),
    "staff.load_another": ("Nạp hồ sơ khác", "Load another"),
    "staff.menu": ("Menu nhân viên", "Staff menu"),
    "staff.cancelled": (
        "Đã huỷ nạp. Ngăn tủ được giải phóng.",
        "Loading cancelled. The compartment is free again.",
    ),
    "staff.no_free": (
        "Không còn ngăn trống cỡ này. Chọn cỡ khác hoặc rút hồ sơ quá hạn.",
        "No free compartment of that size. Choose another size or withdraw expired items.",
    ),
    "staff.unknown_dossier": (
        "Không tìm thấy hồ sơ này. Kiểm tra lại mã.",
        "That dossier is unknown. Check the code.",
    ),
    "staff.error": ("Thao tác không thành công: {why}", "That did not work: {why}"),
    # staff: deposits, alarms, cabinet
    "staff.withdraw_title": ("Hồ sơ quá hạn cần rút", "Expired items to withdraw"),
    "staff.reissue_title": ("Cấp lại mã / mở khoá", "Reissue a code / unblock"),
    "staff.none_expired": ("Không có hồ sơ quá hạn.", "No expired items."),
    "staff.none_deposits": ("Không có hồ sơ nào trong tủ.", "No items in the lockers."),
    "staff.deposit_row": ("Ngăn {label} · {code} · {phone}", "Compartment {label} · {code} · {phone}"),
    "staff.withdraw_btn": ("Rút", "Withdraw"),
    "staff.reissue_btn": ("Cấp lại mã", "New code"),
    "staff.unblock_btn": ("Mở khoá", "Unblock"),
    "staff.withdrawn": (
        "Ngăn số {label} đã mở. Lấy hồ sơ ra và đóng cửa.",
        "Compartment {label} is open. Take the item out and close the door.",
    ),
    "staff.reissued": (
        "Đã gửi mã mới cho hồ sơ {code}. Mã cũ hết hiệu lực.",
        "A new code was sent for {code}. The old code no longer works.",
    ),
    "staff.unblocked": ("Đã mở khoá hồ sơ {code}.", "Dossier {code} is unblocked."),
    "staff.alarms_title": ("Cảnh báo", "Alarms"),
    "staff.no_alarms": ("Không có cảnh báo.", "No alarms."),
    "staff.ack": ("Đã xử lý", "Acknowledge"),
    "staff.acked": ("đã xử lý", "acknowledged"),
    "staff.alarm_row": ("{time} · {what}{where}", "{time} · {what}{where}"),
    "staff.alarm_where": (" · ngăn {label}", " · compartment {label}"),
    "staff.alarm_kiosk": (" · máy kiosk {kiosk}", " · kiosk {kiosk}"),
    "staff.cabinet_title": ("Sơ đồ tủ", "Cabinet"),
    "staff.refresh": ("Làm mới", "Refresh"),
    "staff.loading": ("Đang tải…", "Loading…"),
    "staff.forbidden": ("Thao tác này chỉ dành cho trưởng nhóm.", "Only a supervisor can do that."),
    "state.free": ("trống", "free"),
    "state.reserved": ("đang nạp", "reserved"),
    "state.loaded": ("có hồ sơ", "loaded"),
    "state.open": ("đang mở", "open"),
    "state.disabled": ("ngưng dùng", "disabled"),
    "state.expired": ("quá hạn", "expired"),
    "state.locked": ("bị khoá", "locked"),
    "state.code_sent": ("đã gửi mã", "code sent"),
    "state.loading": ("đang nạp", "loading"),
    "state.attention": ("cần nhân viên", "needs staff"),
    "door.closed": ("cửa đóng", "door closed"),
    "staff.compartment_detail": (
        "Ngăn {label} ({size}): {state}, {door}, có đồ: {item}",
        "Compartment {label} ({size}): {state}, {door}, item inside: {item}",
    ),
    "staff.force_open": ("Mở cửa ngăn này", "Open this door"),
    "staff.item_yes": ("có", "yes"),
    "staff.item_no": ("không", "no"),
    "staff.item_unknown": ("không rõ", "unknown"),
    "staff.tap_compartment": ("Chạm vào một ngăn để xem chi tiết.", "Tap a compartment for details."),
    "staff.forced": ("Ngăn {label} đã được mở (đã ghi nhật ký).", "Compartment {label} was opened (logged)."),
    "state.pickup_jammed": ("kẹt khi nhận", "jammed at pickup"),
    "state.pickup_unknown": ("chưa rõ khi nhận", "pickup unclear"),
    "alarm.door_left_open": ("Cửa bị để mở", "Door left open"),
    "alarm.door_forced": ("Cửa mở không có lệnh", "Door opened without a command"),
    "alarm.board_unreachable": ("Mất kết nối bo mạch khoá", "Lock board unreachable"),
    "alarm.sensor_fault": ("Lỗi cảm biến cửa", "Door sensor fault"),
    "alarm.printer_paper": ("Máy in hết giấy", "Printer out of paper"),
    "alarm.screen_out_of_service": ("Ki-ốt tạm ngưng phục vụ", "Kiosk out of service"),
    "alarm.door_jammed": ("Cửa bị kẹt, người dân cần hỗ trợ", "Door jammed, a citizen needs help"),
    "alarm.code_guessing": ("Nhiều lần nhập sai mã (nghi dò mã)", "Burst of wrong codes (possible guessing)"),
    "alarm.deposit_locked": ("Hồ sơ bị khoá do nhập sai mã", "Deposit locked after wrong codes"),
    "alarm.bus_down": ("Mất kết nối đường truyền tủ", "Lock bus down"),
    "alarm.reconcile_mismatch": (
        "Trạng thái tủ không khớp khi khởi động",
        "Cabinet state mismatch at start-up",
    ),
    "alarm.outbox_failed": ("Không gửi được SMS / báo một cửa", "SMS or back-office message failed"),
    "door.open": ("cửa đang mở", "door open"),
    "pickup.already_collected": (
        "Mã này đã được dùng, hồ sơ đã được nhận. Nếu không phải quý khách nhận, gọi {hotline}.",
        "This code was already used and the documents collected. If that was not you, call {hotline}.",
    ),
    "staff.dossier_in_locker": ("Hồ sơ này đã có trong tủ.", "That dossier is already in the locker."),
    "staff.door_unknown": (
        "Không đọc được cảm biến cửa ngăn {label}. Kiểm tra cửa đã đóng rồi bấm lại.",
        "The door sensor of compartment {label} does not answer. Check the door is shut and press again.",
    ),
    "staff.phone_optional": (
        "Số điện thoại (để trống nếu hệ thống một cửa đã có)",
        "Citizen's phone (leave empty if the back office has it)",
    ),
    "door.unknown": ("không rõ trạng thái cửa", "door state unknown"),
    "staff.door_note": ("Ngăn {label}: {door}", "Compartment {label}: {door}"),
}
