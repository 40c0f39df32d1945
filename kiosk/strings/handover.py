"""Texts of evidence of handover (issue 16): what the pickup screen says before the code is typed
when the locker photographs the door opening."""

from __future__ import annotations

# key -> (vi, en); merged into kiosk.i18n.TABLE (keys must not repeat across modules)
STRINGS: dict[str, tuple[str, str]] = {
    "handover.notice": (
        "Lưu ý: khi cửa tủ mở, camera của máy chụp một ảnh để làm bằng chứng quý khách đã nhận hồ sơ. "
        "Ảnh được mã hoá, chỉ lãnh đạo trung tâm được xem khi có khiếu nại, và tự xoá sau {days} ngày.",
        "Please note: when the door opens, the kiosk's camera takes one photo as proof that you "
        "collected your documents. It is encrypted, only a center supervisor may see it if there is "
        "a dispute, and it is erased after {days} days.",
    ),
}
