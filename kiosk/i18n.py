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
    "home.collect": ("Nhận kết quả", "Collect your result"),
    "home.collect_sub": ("Mở tủ bằng mã đã nhận qua SMS", "Open a locker with the code from your SMS"),
    "home.closed_now": (
        "Ngoài giờ làm việc. Lấy số từ {opens_at}.",
        "Outside office hours. Numbers from {opens_at}.",
    ),
    "home.closed_today": (
        "Ngoài giờ làm việc. Hôm nay không còn lấy số.",
        "Outside office hours. No more numbers today.",
    ),
    "home.queue_unavailable": ("Tạm thời không lấy số được", "Numbers are unavailable right now"),
    "home.pickup_unavailable": ("Tủ nhận kết quả tạm ngưng", "Result lockers are unavailable right now"),
    "home.always_open": ("Nhận kết quả 24 giờ, kể cả ngoài giờ", "Results can be collected 24 hours a day"),
    # ----- services -----
    "services.title": ("Chọn dịch vụ", "Choose a service"),
    "services.search_hint": ("Tìm dịch vụ…", "Search services…"),
    "services.none_found": ('Không tìm thấy dịch vụ "{q}"', 'No service matches "{q}"'),
    "services.waiting": ("{n} người đang chờ", "{n} waiting"),
    "services.closed_until": ("Mở lúc {opens_at}", "Opens at {opens_at}"),
    "services.closed": ("Đã đóng", "Closed"),
    "services.cap_reached": ("Hết số hôm nay", "No more numbers today"),
    "services.loading": ("Đang tải danh sách dịch vụ…", "Loading services…"),
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
    "ticket.home_in": ("Tự động về trang chủ sau {s} giây", "Back to the start in {s} s"),
    "ticket.priority": ("Ưu tiên: {name}", "Priority: {name}"),
    "ticket.err_closed": (
        "Dịch vụ này đã ngừng lấy số. Mở lại lúc {opens_at}.",
        "This service has stopped issuing numbers. It opens again at {opens_at}.",
    ),
    "ticket.err_closed_today": (
        "Dịch vụ này đã ngừng lấy số hôm nay.",
        "This service has stopped issuing numbers today.",
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
    # ----- devices -----
    "device.printer_unavailable": ("Máy in không sẵn sàng", "Printer unavailable"),
    "device.camera_unavailable": ("Camera không sẵn sàng", "Camera unavailable"),
    # ===== part B: pickup and staff (owner: part B) =====
    # ===== end part B =====
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
