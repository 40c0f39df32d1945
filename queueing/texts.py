"""The queueing service's citizen-facing error texts: one table, Vietnamese first, English second.

Phones show an error's `message` as it comes (the remote-ticket page, the ticket status page), so
every text a citizen can meet is written here in both languages, in the kiosk's register
("quý khách"), and sent as "Vietnamese / English". Staff- and developer-facing messages (bad
requests, counter actions) stay in the modules that raise them.
"""

from __future__ import annotations

from datetime import datetime

# key -> (vi, en); {placeholders} are filled by `say`
TABLE: dict[str, tuple[str, str]] = {
    "unknown_ticket": (
        "Không tìm thấy vé này. Xin quý khách kiểm tra lại mã QR trên vé hoặc lấy số mới.",
        "No such ticket. Check the ticket's QR code or take a new ticket.",
    ),
    "unknown_service": (
        "Không có dịch vụ {code!r}. Xin quý khách chọn lại trong danh sách.",
        "No service {code!r}. Use one of: {known}.",
    ),
    "closed_opens_today": (
        "{name_vi} hiện chưa lấy số. Lấy số từ {opens} hôm nay.",
        "{name_en} is not taking tickets now. It opens at {opens} today.",
    ),
    "closed_opens_later": (
        "{name_vi} hiện không lấy số. Trung tâm mở lại lúc {time} {weekday_vi}, {day}.",
        "{name_en} is not taking tickets now. It opens again on {date} at {time}.",
    ),
    "closed_no_hours": (
        "{name_vi} hiện không lấy số. Xin quý khách hỏi cán bộ tại quầy.",
        "{name_en} is not taking tickets now. It has no opening hours set; ask the staff.",
    ),
    "cap_reached": (
        "{name_vi} đã phát hết {cap} số hôm nay. Xin quý khách quay lại vào ngày làm việc tiếp theo.",
        "{name_en} has given all {cap} tickets for today. Please come back on the next working day.",
    ),
    "device_limit": (
        "Điện thoại này đã lấy đủ số vé từ xa cho hôm nay. Xin quý khách dùng vé đã có, "
        "hoặc lấy số tại máy ở trung tâm.",
        "This phone already has the most remote tickets allowed today. "
        "Use a ticket you already have, or take one at the kiosk.",
    ),
    # raised in queueing/api.py (the remote-ticket limiter; the switch): kept here so the phone
    # page's texts live in one table
    "throttled": (
        "Điện thoại này gửi quá nhiều yêu cầu. Xin quý khách chờ một phút rồi thử lại.",
        "Too many requests from this phone. Wait a minute and try again.",
    ),
    "remote_disabled": (
        "Trung tâm không nhận lấy số từ xa. Xin quý khách lấy số tại máy ở trung tâm.",
        "Remote tickets are off here. Take a ticket at the kiosk.",
    ),
    "numbers_exhausted": (
        "Đã hết số thứ tự của {name_vi}: mọi số đều đang chờ hoặc đang được phục vụ. "
        "Xin vui lòng hỏi cán bộ tại quầy.",
        "Every ticket number of {name_en} is still waiting or being served. "
        "Please ask the staff at a counter.",
    ),
    "not_served_yet": (
        "Vé {number} chưa được phục vụ; quý khách đánh giá sau khi xong nhé.",
        "Ticket {number} has not been served yet; rate it afterwards.",
    ),
    "already_rated": (
        "Dịch vụ này đã được đánh giá. Cảm ơn quý khách!",
        "This service was already rated. Thank you!",
    ),
    # the rating tablet at a counter (queueing/ratings_api.py, static/rate.js): keys rate_*
    "rate_pair_title": ("Ghép máy đánh giá với quầy", "Pair this tablet with a counter"),
    "rate_pair_prompt": (
        "Nhập mã ghép do trưởng nhóm cung cấp (trang Máy đánh giá).",
        "Type the pairing code a supervisor made on the Rating tablets page.",
    ),
    "rate_pair_code": ("Mã ghép", "Pairing code"),
    "rate_pair_submit": ("Ghép máy", "Pair"),
    "rate_counter": ("Quầy", "Counter"),
    "rate_idle": ("Kính chào quý khách", "Welcome"),
    "rate_idle_sub": (
        "Sau khi được phục vụ, xin quý khách đánh giá cán bộ tại đây.",
        "After your service, please rate the officer here.",
    ),
    "rate_question": (
        "Quý khách có hài lòng với cán bộ vừa phục vụ không?",
        "How satisfied are you with the officer who served you?",
    ),
    "rate_ticket": ("Vé", "Ticket"),
    "rate_officer": ("Cán bộ", "Officer"),
    "rate_5": ("Rất hài lòng", "Very satisfied"),
    "rate_4": ("Hài lòng", "Satisfied"),
    "rate_3": ("Bình thường", "Neutral"),
    "rate_2": ("Không hài lòng", "Dissatisfied"),
    "rate_reasons": (
        "Xin quý khách cho biết lý do (chọn một hoặc nhiều):",
        "Please tell us why (choose one or more):",
    ),
    "rate_comment": ("Ý kiến thêm (không bắt buộc)", "Anything else? (optional)"),
    "rate_send": ("Gửi đánh giá", "Send"),
    "rate_thanks": ("Cảm ơn quý khách đã đánh giá!", "Thank you for your rating!"),
    "rate_already": (
        "Vé này đã được đánh giá. Cảm ơn quý khách!",
        "This ticket was already rated. Thank you!",
    ),
    "rate_language": ("English", "Tiếng Việt"),
    "rate_error": (
        "Chưa gửi được đánh giá; xin quý khách thử lại hoặc báo cán bộ.",
        "The rating could not be sent; try again or tell the officer.",
    ),
    # appointments (queueing/appointments.py, queueing/appointments_api.py)
    "appointments_disabled": (
        "Trung tâm hiện không nhận đặt lịch hẹn. Xin quý khách lấy số tại trung tâm.",
        "Appointments are off here. Take a ticket at the center.",
    ),
    "no_appointments": (
        "{name_vi} không nhận đặt lịch hẹn. Xin quý khách lấy số tại trung tâm.",
        "{name_en} takes no appointments. Take a ticket at the center.",
    ),
    "day_out_of_range": (
        "Chỉ đặt lịch được từ hôm nay đến {days} ngày tới. Xin quý khách chọn ngày khác.",
        "Appointments can be booked from today up to {days} days ahead. Choose another day.",
    ),
    "invalid_phone": (
        "Số điện thoại chưa đúng. Xin quý khách nhập số di động 10 chữ số, ví dụ 0912 345 678.",
        "That phone number is not valid. Enter a 10-digit mobile number, e.g. 0912 345 678.",
    ),
    "invalid_id_number": (
        "Số CCCD phải có đúng 12 chữ số. Xin quý khách kiểm tra lại hoặc để trống.",
        "The ID number must have exactly 12 digits. Check it, or leave it empty.",
    ),
    "not_a_slot": (
        "Giờ này không còn đặt được. Xin quý khách chọn một giờ trong danh sách.",
        "That time cannot be booked. Choose a time from the list.",
    ),
    "slot_full": (
        "Giờ này vừa hết chỗ. Xin quý khách chọn giờ khác.",
        "That time has just been fully booked. Choose another time.",
    ),
    "phone_limit": (
        "Số điện thoại này đã có {n} lịch hẹn chưa đến. Xin quý khách huỷ bớt một lịch trước khi đặt thêm.",
        "This phone number already holds {n} upcoming appointments. Cancel one before booking another.",
    ),
    "booking_blocked": (
        "Số điện thoại này đã {n} lần đặt lịch mà không đến, nên tạm thời chưa đặt lịch được "
        "(tối đa {days} ngày). Xin quý khách lấy số tại trung tâm.",
        "This phone number missed {n} appointments, so it cannot book for now (up to {days} days). "
        "Take a ticket at the center.",
    ),
    "booking_throttled": (
        "Có quá nhiều lần đặt lịch từ máy này. Xin quý khách thử lại sau ít phút.",
        "Too many booking attempts from here. Try again in a few minutes.",
    ),
    "unknown_appointment": (
        "Không tìm thấy lịch hẹn. Xin quý khách kiểm tra lại mã, hoặc lấy số thường.",
        "No such appointment. Check the code, or take a normal ticket.",
    ),
    "cannot_cancel": (
        "Lịch hẹn này không huỷ được nữa (đã đến hoặc đã qua giờ hẹn).",
        "This appointment can no longer be cancelled (checked in or past its time).",
    ),
    "too_early": (
        "Quý khách đến sớm. Xin quay lại từ {time} {weekday_vi}, {day} để nhận số.",
        "You are early. Come back from {time} on {date} to check in.",
    ),
    "too_late": (
        "Đã quá giờ hẹn. Xin quý khách lấy số thường tại máy.",
        "Your appointment time has passed. Please take a normal ticket.",
    ),
    # the booking pages /book and /a/{token} (queueing/appointments_api.py PAGE_TEXTS)
    "book_title": ("Đặt lịch hẹn", "Book an appointment"),
    "book_intro": (
        "Chọn dịch vụ, ngày và giờ. Khi đến, quý khách quét mã QR hoặc nhập mã lịch hẹn tại máy "
        "lấy số để nhận số; số của quý khách được gọi đúng giờ hẹn.",
        "Choose a service, a day and a time. When you arrive, scan the QR code or type the code at "
        "the kiosk; your number is called at your time.",
    ),
    "book_service": ("1. Dịch vụ", "1. Service"),
    "book_day": ("2. Ngày", "2. Day"),
    "book_slot": ("3. Giờ hẹn", "3. Time"),
    "book_phone": ("4. Số điện thoại di động", "4. Mobile phone number"),
    "book_id_number": (
        "Số CCCD (không bắt buộc: để nhận số bằng thẻ CCCD tại máy)",
        "ID card number (optional: to check in with the ID card at the kiosk)",
    ),
    "book_submit": ("Đặt lịch", "Book"),
    "book_no_slots": (
        "Ngày này không còn giờ trống. Xin quý khách chọn ngày khác.",
        "No free time left on this day. Choose another day.",
    ),
    "book_none": (
        "Hiện chưa có dịch vụ nào nhận đặt lịch hẹn. Xin quý khách lấy số tại trung tâm.",
        "No service takes appointments right now. Take a ticket at the center.",
    ),
    "book_free": ("còn {n} chỗ", "{n} free"),
    "book_done": ("Đặt lịch thành công", "Your appointment is booked"),
    "book_code": ("Mã lịch hẹn", "Appointment code"),
    "book_show_qr": (
        "Khi đến, quý khách quét mã QR này hoặc nhập mã tại máy lấy số.",
        "When you arrive, scan this QR code or type the code at the kiosk.",
    ),
    "book_checkin_window": ("Nhận số từ {start} đến {end}.", "Check in from {start} to {end}."),
    "book_keep": (
        "Xin quý khách lưu trang này (hoặc chụp màn hình) để xem lại mã hoặc huỷ lịch.",
        "Keep this page (or a screenshot) to see the code again or to cancel.",
    ),
    "book_cancel": ("Huỷ lịch hẹn", "Cancel the appointment"),
    "book_cancelled": ("Lịch hẹn đã được huỷ.", "The appointment is cancelled."),
    "book_state_checked_in": ("Quý khách đã nhận số cho lịch hẹn này.", "You have checked in."),
    "book_state_no_show": ("Đã quá giờ hẹn.", "The appointment time has passed."),
    "book_again": ("Đặt lịch khác", "Book another appointment"),
    # moving a booking from its manage page (queueing/appointment_move.py, static/booking.js)
    "moved_enough": (
        "Lịch hẹn này không đổi giờ thêm được nữa (đã đổi {n} lần). Muốn đổi, xin huỷ lịch này rồi "
        "đặt lịch mới.",
        "This appointment cannot be moved again (moved {n} times). To change it, cancel it and book anew.",
    ),
    "cannot_move": (
        "Lịch hẹn này không đổi giờ được nữa (đã huỷ, đã nhận số hoặc đã qua giờ hẹn).",
        "This appointment can no longer be moved (cancelled, checked in or past its time).",
    ),
    "book_move": ("Đổi giờ hẹn", "Change the time"),
    "book_move_pick": ("Chọn ngày và giờ mới:", "Choose a new day and time:"),
    "book_move_confirm": ("Đổi sang {time} · {day}", "Move to {time} · {day}"),
    "book_moved": (
        "Đã đổi giờ hẹn. Mã lịch hẹn giữ nguyên.",
        "The time is changed. The code stays the same.",
    ),
    "book_keep_sms": (
        "Tin nhắn SMS có đường dẫn tới trang này để đổi giờ hoặc huỷ; quý khách được nhắc lịch "
        "hôm trước và trước giờ hẹn.",
        "The SMS links to this page to change or cancel; you get a reminder the day before and "
        "shortly before the time.",
    ),
}

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


#: A ticket's state as a counter officer reads it (the console's errors).
STATE_VI = {
    "pending": "chưa in",
    "waiting": "đang chờ",
    "called": "đã gọi",
    "serving": "đang phục vụ",
    "done": "đã xong",
    "no_show": "vắng mặt",
    "void": "đã huỷ",
    "transferred": "đã chuyển",
}


def state_vi(state: str) -> str:
    """`state` in Vietnamese (the code itself when unknown)."""
    return STATE_VI.get(state, state)


def say(key: str, **fmt: object) -> str:
    """The text `key` as "Vietnamese / English" with the placeholders filled."""
    vi, en = TABLE[key]
    return f"{vi.format(**fmt)} / {en.format(**fmt)}"


def when_fields(moment: datetime) -> dict[str, str]:
    """Placeholders for a local moment: time 07:30, weekday_vi "thứ Hai", day 12/01, date 2026-01-12."""
    return {
        "time": moment.strftime("%H:%M"),
        "weekday_vi": WEEKDAYS_VI[moment.weekday()],
        "day": moment.strftime("%d/%m"),
        "date": moment.strftime("%Y-%m-%d"),
    }
