"""Every text of the catalogue editor page: one table, Vietnamese first, English second."""

from __future__ import annotations

# key -> (vi, en)
TABLE: dict[str, tuple[str, str]] = {
    "title": ("Danh mục dịch vụ dùng chung", "Central catalogue"),
    "signin_title": ("Đăng nhập giám sát viên", "Supervisor sign-in"),
    "name": ("Tên đăng nhập", "Name"),
    "pin": ("Mã PIN", "PIN"),
    "totp": ("Mã xác thực (ứng dụng)", "Authenticator code"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Thoát", "Sign out"),
    "signed_in_as": ("Đang đăng nhập:", "Signed in as:"),
    "scope": ("Áp dụng cho", "Applies to"),
    "scope_all": ("Tất cả trung tâm", "All centers"),
    "version": ("Phiên bản", "Version"),
    "none_yet": (
        "Chưa có danh mục chung: các trung tâm dùng cấu hình riêng.",
        "No catalogue yet: centers use their own.",
    ),
    "own": ("Riêng cho trung tâm này", "This center's own"),
    "inherited": ("Theo danh mục chung", "As for all centers"),
    "services": ("Dịch vụ", "Services"),
    "code": ("Mã", "Code"),
    "name_vi": ("Tên tiếng Việt", "Vietnamese name"),
    "name_en": ("Tên tiếng Anh", "English name"),
    "prefix": ("Chữ đầu số", "Prefix"),
    "daily_cap_tickets": ("Tối đa/ngày (0: không giới hạn)", "Cap per day (0: none)"),
    "add_service": ("Thêm dịch vụ", "Add a service"),
    "remove": ("Xóa", "Remove"),
    "hours": (
        "Giờ làm việc (HH:MM-HH:MM, cách nhau dấu phẩy)",
        "Opening hours (HH:MM-HH:MM, comma-separated)",
    ),
    "mon": ("Thứ Hai", "Monday"),
    "tue": ("Thứ Ba", "Tuesday"),
    "wed": ("Thứ Tư", "Wednesday"),
    "thu": ("Thứ Năm", "Thursday"),
    "fri": ("Thứ Sáu", "Friday"),
    "sat": ("Thứ Bảy", "Saturday"),
    "sun": ("Chủ Nhật", "Sunday"),
    "closed": ("nghỉ cả ngày", "closed all day"),
    "holidays": ("Ngày nghỉ lễ (mỗi dòng một ngày YYYY-MM-DD)", "Holidays (one YYYY-MM-DD per line)"),
    "merge_rule": (
        "Phần riêng của trung tâm chỉ ghi những gì khác danh mục chung: với mỗi dịch vụ (theo mã) chỉ "
        "các trường đã sửa, dịch vụ bỏ đi hoặc dịch vụ riêng; giờ làm việc theo từng ngày; ngày nghỉ "
        "thêm vào ngày nghỉ chung, bỏ ngày nào thì trung tâm làm việc ngày đó. Phần còn lại theo danh "
        "mục chung, kể cả khi danh mục chung thay đổi sau này.",
        "A center's override holds only what differs from the common catalogue: for each service (by "
        "code) only the fields changed, services removed or its own services; hours day by day; "
        "holidays added to the common ones, a common one removed means the center is open that day. "
        "Everything else follows the common catalogue, also when it changes later.",
    ),
    "merged_title": ("Trung tâm này sẽ nhận", "What this center will get"),
    "merged_holidays": ("Ngày nghỉ:", "Holidays:"),
    "merged_legend": (
        "Chữ xanh đậm: khác danh mục chung; gạch ngang: dịch vụ trung tâm này không có.",
        "Bold blue: differs from the common catalogue; struck through: a service this center does not offer.",
    ),
    "removed_here": ("Trung tâm này không có dịch vụ này", "This center does not offer this service"),
    "preview": ("Xem trước thay đổi", "Preview the changes"),
    "save": ("Lưu và gửi tới các trung tâm", "Save and send to the centers"),
    "remove_override": ("Bỏ phần riêng, dùng danh mục chung", "Remove the override, use the common one"),
    "saved": ("Đã lưu phiên bản", "Saved as version"),
    "not_saved": ("Chưa lưu", "Not saved"),
    "centers": ("Tình trạng tại các trung tâm", "At the centers"),
    "center": ("Trung tâm", "Center"),
    "override": ("Có phần riêng", "Own override"),
    "outcome": ("Kết quả", "Outcome"),
    "up_to_date": ("Đã cập nhật", "Up to date"),
    "pending": ("Chờ trung tâm lấy về", "Waiting for the center"),
    "applied": ("Đã áp dụng", "Applied"),
    "refused": ("Bị từ chối", "Refused"),
    "never": ("Chưa báo", "Not reported"),
    "reason": ("Lý do", "Reason"),
    "at": ("Lúc", "At"),
    "audit": ("Nhật ký thay đổi", "Audit trail"),
    "actor": ("Người thực hiện", "Who"),
    "action": ("Việc", "What"),
    "detail": ("Chi tiết", "Detail"),
    "action_set_all": ("Sửa danh mục chung", "Catalogue for all changed"),
    "action_set_center": ("Sửa phần riêng", "Center's override changed"),
    "action_clear_center": ("Bỏ phần riêng", "Center's override removed"),
    "action_migrate_override": (
        "Chuyển phần riêng sang cách gộp mới",
        "Override kept as it served (per-key merge)",
    ),
    "action_center_applied": ("Trung tâm đã áp dụng", "Applied by the center"),
    "action_center_refused": ("Trung tâm từ chối", "Refused by the center"),
    "action_signed_in": ("Đăng nhập", "Signed in"),
    "action_signin_failed": ("Đăng nhập sai", "Failed sign-in"),
    "action_locked_out": ("Khóa tài khoản", "Account locked"),
    "action_supervisor_added": ("Tạo tài khoản", "Account created"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "bad_signin": (
        "Sai tên, mã PIN hoặc mã xác thực, hoặc tài khoản đang bị khóa do nhập sai nhiều lần. "
        "Xin thử lại sau.",
        "Wrong name, PIN or code, or the account is locked after too many failures. Try again later.",
    ),
    "session_ended": ("Phiên làm việc đã hết, xin đăng nhập lại.", "Your session ended; sign in again."),
}


def both(key: str) -> str:
    """`Vietnamese / English` for `key`."""
    vi, en = TABLE[key]
    return f"{vi} / {en}"


def all_both() -> dict[str, str]:
    """Every text as `Vietnamese / English` (handed to the page's script)."""
    return {key: both(key) for key in TABLE}
