"""The one translation table of the kiosk (Vietnamese first, English second) and `tr()`.

Every string a citizen or staff member sees comes from TABLE. Keys are dotted by screen.
Part B (pickup and staff screens) keeps its keys in its own marked block below.
Missing keys show the key itself (and are logged once) rather than crashing a screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

# key -> (vi, en)
TABLE: dict[str, tuple[str, str]] = {
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
    "services.empty": ("Hiện chưa có dịch vụ nào. Vui lòng hỏi nhân viên.",
                       "No services are offered right now. Please ask a member of staff."),
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
        "Cấu hình: mã QR trên vé chỉ mở được trên máy này, điện thoại không mở được "
        "([queueing] public_base_url).",
        "Config: ticket QR codes open only on this computer, never on a phone "
        "([queueing] public_base_url).",
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
    # ===== part B: pickup and staff (owner: part B) =====
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
    # ===== end part B =====
    # ----- appointments: check-in by code (kiosk/screens/checkin.py) -----
    "home.checkin": ("Có lịch hẹn? Nhận số tại đây", "Have an appointment? Check in here"),
    "checkin.title": ("Nhận số theo lịch hẹn", "Check in for an appointment"),
    "checkin.prompt": (
        "Nhập mã lịch hẹn 6 chữ số, hoặc đưa mã QR lịch hẹn (hay thẻ CCCD đã khai khi đặt lịch) "
        "vào camera.",
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
    "checkin.printing": ("Đang in vé…", "Printing your ticket…"),
    "checkin.printed": (
        "Mời quý khách nhận vé. Số của quý khách được gọi từ {time}.",
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
        "Xin chào quý khách. Nút bên trái: lấy số thứ tự. Nút bên phải: nhận hồ sơ tại tủ 24 giờ. "
        "Nút gọi nhân viên ở trên cùng bên phải.",
        "Welcome. Left button: take a queue number. Right button: collect your result from the "
        "24-hour locker. The call staff button is at the top right.",
    ),
    "speech.services": (
        "Mời quý khách chọn dịch vụ. Chạm vào một dịch vụ để nghe tên.",
        "Please choose a service. Touch a service to hear its name.",
    ),
    "speech.priority": (
        "Quý khách có thuộc diện ưu tiên không? Nếu không, chọn nút Không ưu tiên.",
        "Do you have priority? If not, choose the no priority button.",
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
        "Mời quý khách nhập mã lịch hẹn 6 chữ số ở bàn phím bên phải, hoặc đưa mã QR lịch hẹn "
        "vào camera.",
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

_warned: set[str] = set()


class Translator:
    """Current language plus lookup; listeners are told when the language changes."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._listeners: list[Callable[[str], None]] = []

    def set_language(self, lang: str) -> None:
        """Switch language ("vi" or "en") and notify listeners."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; use one of {LANGUAGES}")
        self.lang = lang
        for cb in list(self._listeners):
            cb(lang)

    def on_change(self, cb: Callable[[str], None]) -> None:
        """Call `cb(lang)` after each language change."""
        self._listeners.append(cb)

    def tr(self, key: str, **fmt: object) -> str:
        """The text for `key` in the current language, formatted with `fmt`."""
        return self.tr_in(self.lang, key, **fmt)

    def tr_in(self, lang: str, key: str, **fmt: object) -> str:
        """The text for `key` in `lang`, formatted with `fmt`."""
        entry = TABLE.get(key)
        if entry is None:
            if key not in _warned:
                _warned.add(key)
                log.warning("missing translation key %r", key)
            return key
        text = entry[1] if lang == "en" else entry[0]
        if fmt:
            try:
                return text.format(**fmt)
            except (KeyError, IndexError, ValueError):
                log.warning("translation %r: bad placeholders for %s", key, sorted(fmt))
                return text
        return text


translator = Translator()


def tr(key: str, **fmt: object) -> str:
    """Translate `key` into the current language of the app's translator."""
    return translator.tr(key, **fmt)
