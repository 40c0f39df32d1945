"""Every text of the hub's pages: one table, Vietnamese first, English second."""

from __future__ import annotations

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
    "last_seen": ("Liên lạc lần cuối", "Last seen"),
    "online": ("Trực tuyến", "Online"),
    "offline": ("Mất liên lạc", "Offline"),
    "never_seen": ("Chưa kết nối", "Never seen"),
    "empty": ("Chưa có trung tâm nào.", "No centers yet."),
}


def both(key: str) -> str:
    """`Vietnamese / English` for `key`."""
    vi, en = TABLE[key]
    return f"{vi} / {en}"
