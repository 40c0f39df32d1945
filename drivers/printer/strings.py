"""Every fixed string printed on tickets, receipts and slips, in Vietnamese and English.

One table, so translators find everything in one place and `tests/test_fonts.py` can check
that the bundled font draws every character of every template.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("vi", "en")

STRINGS: Mapping[str, Mapping[str, str]] = {
    "vi": {
        "ticket_title": "SỐ THỨ TỰ CỦA QUÝ KHÁCH",
        "service": "Dịch vụ",
        "priority": "Ưu tiên",
        "ahead": "Số người chờ trước quý khách",
        "wait": "Thời gian chờ dự kiến",
        "wait_range": "{lo}–{hi} phút",
        "wait_about": "khoảng {lo} phút",
        "wait_soon": "sắp đến lượt",
        "wait_unknown": "chưa đủ dữ liệu để ước tính",
        "issued_at": "Giờ lấy số",
        "ticket_qr": "Quét mã QR để theo dõi lượt của quý khách trên điện thoại",
        "ticket_guidance": "Vui lòng theo dõi màn hình và loa gọi số. "
        "Nếu quá lượt, vui lòng liên hệ quầy hướng dẫn.",
        "receipt_title": "BIÊN NHẬN TRẢ KẾT QUẢ",
        "dossier": "Mã hồ sơ",
        "compartment": "Ngăn tủ",
        "collected_at": "Thời gian nhận",
        "recipient": "Người nhận",
        "authorised": "Người nhận thay (ủy quyền), CCCD",
        "receipt_qr": "Quét mã QR để xác minh biên nhận này",
        "receipt_footer": "Vui lòng giữ biên nhận này. Xin cảm ơn!",
        "slip_title": "PHIẾU BÀN GIAO NẠP TỦ",
        "staff": "Cán bộ nạp",
        "loaded_at": "Thời gian nạp",
        "expires_at": "Hạn nhận kết quả",
        "slip_signature": "Ký xác nhận:",
        "slip_footer": "Lưu phiếu này cùng sổ bàn giao hồ sơ.",
        "sample_center": "Trung tâm Phục vụ hành chính công tỉnh (mẫu in thử)",
    },
    "en": {
        "ticket_title": "YOUR QUEUE NUMBER",
        "service": "Service",
        "priority": "Priority",
        "ahead": "People ahead of you",
        "wait": "Estimated wait",
        "wait_range": "{lo}–{hi} min",
        "wait_about": "about {lo} min",
        "wait_soon": "you are next soon",
        "wait_unknown": "not enough data to estimate",
        "issued_at": "Issued at",
        "ticket_qr": "Scan the QR code to follow your turn on your phone",
        "ticket_guidance": "Please watch the display and listen for your number. "
        "If you miss your turn, ask at the help desk.",
        "receipt_title": "RESULT PICKUP RECEIPT",
        "dossier": "Dossier code",
        "compartment": "Compartment",
        "collected_at": "Collected at",
        "recipient": "Recipient",
        "authorised": "Collected by the authorised person, ID",
        "receipt_qr": "Scan the QR code to verify this receipt",
        "receipt_footer": "Please keep this receipt. Thank you!",
        "slip_title": "LOCKER LOADING SLIP",
        "staff": "Loaded by",
        "loaded_at": "Loaded at",
        "expires_at": "Pick up by",
        "slip_signature": "Signature:",
        "slip_footer": "File this slip with the dossier handover book.",
        "sample_center": "Provincial Public Administrative Service Center (test print)",
    },
}


def strings_for(language: str) -> Mapping[str, str]:
    """The table for a language; unknown languages fall back to Vietnamese, the default."""
    return STRINGS.get(language, STRINGS["vi"])
