"""Every text of the hub's pages and CSV files: one table, Vietnamese first, English second.

A page is in one language (`?lang=vi`, the default, or `?lang=en`) with a link to the other;
CSV headings and the API's `label`s carry both (`Vietnamese / English`).
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")

# key -> (vi, en)
TABLE: dict[str, tuple[str, str]] = {
    "title": ("Tổng quan các trung tâm", "Centers overview"),
    "token_label": ("Mã truy cập (chỉ xem)", "Access token (read-only)"),
    "sign_in": ("Xem", "Show"),
    "sign_out": ("Thoát", "Sign out"),
    "bad_token": (
        "Mã truy cập không đúng. Xin nhập mã do quản trị hệ thống cấp (python -m hub reader add).",
        "Wrong access token. Enter the one the hub's operator gave you (python -m hub reader add).",
    ),
    "center": ("Trung tâm", "Center"),
    "status": ("Trạng thái", "Status"),
    "waiting_now": ("Đang chờ", "Waiting now"),
    "tickets_issued": ("Số đã phát hôm nay", "Tickets today"),
    "tickets_served": ("Đã phục vụ", "Served"),
    "mean_wait_min": ("Chờ trung bình (phút)", "Mean wait (min)"),
    "mean_rating": ("Mức hài lòng (1-5)", "Satisfaction (1-5)"),
    "alarms_open": ("Cảnh báo", "Alarms"),
    "results_waiting": ("Kết quả chờ nhận trong tủ", "Results waiting in the locker"),
    "lockers_in_use": ("Ngăn tủ đang dùng", "Locker compartments in use"),
    "lockers_in_use_hint": (
        "Ngăn đang dùng / ngăn đang hoạt động (tỷ lệ); — : trung tâm không có tủ",
        "In use / in service (share); — : no locker at the center",
    ),
    "lockers_total": ("Tổng số ngăn tủ", "Locker compartments"),
    "lockers_out_of_service": ("Ngăn tủ ngừng dùng", "Compartments out of service"),
    "locker_occupancy": ("Tỷ lệ ngăn tủ đang dùng (%)", "Locker occupancy (%)"),
    "out_of_service_short": ("ngừng dùng", "out of service"),
    "last_seen": ("Liên lạc lần cuối", "Last seen"),
    "online": ("Trực tuyến", "Online"),
    "offline": ("Mất liên lạc", "Offline"),
    "never_seen": ("Chưa kết nối", "Never seen"),
    "empty": ("Chưa có trung tâm nào.", "No centers yet."),
    "other_lang": ("English", "Tiếng Việt"),
    "nav_overview": ("Tổng quan", "Overview"),
    "nav_alarms": ("Cảnh báo", "Alarms"),
    "nav_catalogue": ("Danh mục dịch vụ", "Service catalogue"),
    "download_csv": ("Tải CSV", "Download CSV"),
    "share_over_target": ("Tỷ lệ chờ quá mục tiêu", "Share over wait target"),
    # the center page
    "trends": ("Diễn biến", "Trends"),
    "by_day": ("Theo ngày", "By day"),
    "by_week": ("Theo tuần", "By week"),
    "by_month": ("Theo tháng", "By month"),
    "period": ("Kỳ", "Period"),
    "issued": ("Số đã phát", "Tickets issued"),
    "deposits_loaded": ("Hồ sơ gửi vào tủ", "Deposits loaded"),
    "deposits_collected": ("Hồ sơ đã nhận", "Deposits collected"),
    "counter_openings": ("Lượt mở quầy", "Counter openings"),
    "counter_hours": ("Giờ quầy mở", "Counter-hours open"),
    "wait_target": ("Mục tiêu thời gian chờ: {n} phút", "Wait target: {n} min"),
    "unknown_center": ("Không có trung tâm này.", "No such center."),
    # the center page's day of appointments and ratings (hub/citizen_rollups.py)
    "today_title": ("Lịch hẹn và đánh giá trong ngày", "Appointments and ratings of the day"),
    "appointments_booked": ("Lịch hẹn đã đặt", "Appointments booked"),
    "appointments_checked_in": ("Đã đến và lấy số", "Checked in"),
    "appointments_no_show": ("Không đến", "No-shows"),
    "checkin_rate": ("Tỷ lệ đến", "Check-in rate"),
    "punctual_share": ("Được gọi đúng giờ (trong 10 phút)", "Called on time (within 10 min)"),
    "ratings_by_level": ("Đánh giá theo mức (5 → 1)", "Ratings by level (5 → 1)"),
    "rating_reasons": ("Lý do chưa hài lòng", "Reasons after low ratings"),
    "version": ("Phiên bản", "Version"),
    # the fleet alarms page
    "alarms_title": ("Cảnh báo các trung tâm", "Fleet alarms"),
    "alarm": ("Cảnh báo", "Alarm"),
    "started": ("Bắt đầu", "Started"),
    "ended": ("Kết thúc", "Ended"),
    "alarm_state": ("Tình trạng", "State"),
    "open": ("Đang mở", "Open"),
    "closed": ("Đã kết thúc", "Ended"),
    "minutes": ("Thời gian (phút)", "Duration (min)"),
    "no_alarms": ("Không có cảnh báo.", "No alarms."),
    "devices_title": ("Thiết bị không bình thường", "Devices not OK"),
    "device": ("Thiết bị", "Device"),
    "device_state": ("Trạng thái thiết bị", "Device state"),
    "since": ("Từ lúc", "Since"),
    "no_devices": ("Mọi thiết bị đều bình thường.", "Every device is OK."),
}

#: Device states a heartbeat reports, in words (another state is shown as it is).
DEVICE_STATES: dict[str, tuple[str, str]] = {
    "ok": ("bình thường", "ok"),
    "unreachable": ("không trả lời", "unreachable"),
    "unknown": ("chưa rõ", "unknown"),
    "degraded": ("hoạt động hạn chế", "degraded"),
    "failed": ("hỏng", "failed"),
    "down": ("mất kết nối", "down"),
    "paper_out": ("hết giấy", "paper out"),
    "cover_open": ("mở nắp", "cover open"),
    "offline": ("không hoạt động", "offline"),
    "missing": ("không thấy", "missing"),
    "out_of_service": ("tạm ngừng phục vụ", "out of service"),
}

#: Alarm kinds (the locker's alarm codes, and the hub's own `center_offline`) in words.
ALARMS: dict[str, tuple[str, str]] = {
    "center_offline": ("Trung tâm mất liên lạc", "Center offline"),
    "door_forced": ("Cửa tủ bị mở không có lệnh", "Door forced"),
    "door_left_open": ("Cửa tủ để mở", "Door left open"),
    "door_jammed": ("Cửa tủ bị kẹt", "Door jammed"),
    "board_unreachable": ("Bo mạch khóa không trả lời", "Lock board unreachable"),
    "bus_down": ("Mất kết nối đường truyền tủ", "Locker bus down"),
    "locker_nearly_full": ("Tủ gần đầy", "Locker nearly full"),
    "printer_paper_out": ("Máy in hết giấy", "Printer out of paper"),
    "printer_cover_open": ("Máy in mở nắp", "Printer cover open"),
    "printer_offline": ("Máy in không hoạt động", "Printer offline"),
    "printer_missing": ("Không thấy máy in", "Printer missing"),
    "camera_offline": ("Camera không hoạt động", "Camera offline"),
    "camera_missing": ("Không thấy camera", "Camera missing"),
    "screen_out_of_service": ("Ki-ốt tạm ngưng phục vụ", "Kiosk out of service"),
    "code_guessing": ("Nhập sai mã nhiều lần", "Repeated wrong codes"),
    "deposit_locked": ("Hồ sơ bị khóa do nhập sai mã", "Deposit locked after wrong codes"),
    "reconcile_mismatch": ("Đối soát tủ không khớp", "Cabinet reconciliation mismatch"),
    "kiosk_help": ("Người dân gọi hỗ trợ", "A citizen called for help"),
}


def both(key: str) -> str:
    """`Vietnamese / English` for `key`."""
    vi, en = TABLE[key]
    return f"{vi} / {en}"


def text(key: str, lang: Lang) -> str:
    """`key` in `lang`."""
    vi, en = TABLE[key]
    return vi if lang == "vi" else en


def page_texts(lang: Lang) -> dict[str, str]:
    """Every text in `lang`, alarm kinds as `alarm.<kind>` and device states as `state.<state>`
    (what a page's script needs)."""
    out = {key: text(key, lang) for key in TABLE}
    index = 0 if lang == "vi" else 1
    out.update({f"alarm.{k}": v[index] for k, v in ALARMS.items()})
    out.update({f"state.{k}": v[index] for k, v in DEVICE_STATES.items()})
    return out


def alarm_label(kind: str) -> str:
    """An alarm kind as `Vietnamese / English`; a kind not known here (a newer center's) as itself."""
    found = ALARMS.get(kind)
    return f"{found[0]} / {found[1]}" if found else kind
