"""Texts of the staff loading form's issue-16 extras: the authorised person and a full cabinet."""

from __future__ import annotations

# key -> (vi, en); merged into kiosk.i18n.TABLE (keys must not repeat across modules)
STRINGS: dict[str, tuple[str, str]] = {
    # ----- the authorised person (kiosk/screens/staff_load_form.py) -----
    "loading.auth_id": (
        "Người được ủy quyền nhận (không bắt buộc): số CCCD, số điện thoại",
        "Authorised person (optional): ID card number, phone",
    ),
    "loading.scan_card": ("Quét CCCD", "Scan ID card"),
    "loading.scan_card_hint": (
        "Đưa mã QR trên thẻ CCCD của người được ủy quyền vào camera.",
        "Show the authorised person's ID card QR code to the camera.",
    ),
    "loading.card_read": (
        "Đã đọc CCCD {masked} của người được ủy quyền.",
        "Read the authorised person's ID {masked}.",
    ),
    "loading.not_card": ("Đây không phải mã QR trên thẻ CCCD.", "That is not an ID card QR code."),
    "loading.need_auth_id": (
        "Số CCCD gồm 12 chữ số (CMND cũ: 9 chữ số).",
        "The ID card number has 12 digits (old ID: 9 digits).",
    ),
    "loading.auth_phone_needs_id": (
        "Nhập cả số CCCD của người được ủy quyền; chỉ số điện thoại thì chưa đủ.",
        "Give the authorised person's ID number too; a phone alone is not enough.",
    ),
    # ----- a full cabinet -----
    "loading.full_offer": (
        "Không còn ngăn {size} trống. Dùng ngăn {bigger}, hoặc giữ hồ sơ tại quầy "
        "(quý khách sẽ nhận tin nhắn).",
        "No {size} compartment is free. Use a {bigger} one, or keep the result at the counter (the "
        "citizen gets an SMS).",
    ),
    "loading.full_counter": (
        "Tủ đã hết ngăn trống. Giữ hồ sơ tại quầy: quý khách sẽ nhận tin nhắn đến quầy nhận kết quả.",
        "The locker is full. Keep the result at the counter: the citizen gets an SMS to collect it there.",
    ),
    "loading.take_bigger": ("Dùng ngăn {bigger}", "Use a {bigger} one"),
    "loading.keep_at_counter": ("Giữ tại quầy", "Keep at the counter"),
    "loading.kept_at_counter": (
        "Hồ sơ {code} được giữ tại quầy; đã gửi tin nhắn tới {phone}.",
        "Dossier {code} stays at the counter; an SMS was sent to {phone}.",
    ),
}
