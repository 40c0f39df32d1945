"""Texts of a supervisor's view of a handover photo at the kiosk (issue 16, staff side): pick a
collected deposit whose photo is kept, say why, see the photo."""

from __future__ import annotations

# key -> (vi, en); merged into kiosk.i18n.TABLE (keys must not repeat across modules)
STRINGS: dict[str, tuple[str, str]] = {
    "photos.menu": ("Ảnh bàn giao", "Handover photos"),
    "photos.title": ("Ảnh bàn giao hồ sơ", "Handover photos"),
    "photos.row": (
        "Ô {label} · {code} · nhận lúc {when}",
        "Compartment {label} · {code} · collected {when}",
    ),
    "photos.view_btn": ("Xem ảnh", "View photo"),
    "photos.intro": (
        "Chỉ trưởng nhóm được xem. Mỗi lần xem được ghi nhật ký cùng lý do. Ảnh tự xoá sau {days} ngày.",
        "Supervisors only. Each view is logged with its reason. Photos are erased after {days} days.",
    ),
    "photos.none_kept": (
        "Chưa có ảnh bàn giao nào được lưu (ảnh tự xoá sau {days} ngày).",
        "No handover photo is kept (photos are erased after {days} days).",
    ),
    "photos.off": (
        "Tủ không chụp ảnh bàn giao (tính năng đang tắt) và không còn ảnh nào được lưu.",
        "This locker takes no handover photos (the feature is off) and keeps none.",
    ),
    "photos.reason_title": ("Xem ảnh của ô {label} · {code}", "Photo of compartment {label} · {code}"),
    "photos.reason_label": (
        "Lý do xem ảnh (bắt buộc, {min}–{max} ký tự, ghi vào nhật ký):",
        "Why do you look at this photo? (required, {min}–{max} characters, logged):",
    ),
    "photos.reason_placeholder": ("Ví dụ: KHIEU NAI CHUA NHAN HO SO", "e.g. CITIZEN SAYS NOT COLLECTED"),
    "photos.reason_short": (
        "Nhập lý do ít nhất {min} ký tự rồi bấm Xem ảnh.",
        "Type a reason of at least {min} characters, then tap View photo.",
    ),
    "photos.show_btn": ("Xem ảnh", "View photo"),
    "photos.back_btn": ("Quay lại danh sách", "Back to the list"),
    "photos.shown": (
        "Ảnh chụp lúc {when} tại {kiosk}. Lần xem này đã được ghi nhật ký.",
        "Taken {when} at {kiosk}. This view has been logged.",
    ),
    "photos.gone": (
        "Không còn ảnh cho lần nhận này: ảnh không được chụp hoặc đã bị xoá sau {days} ngày.",
        "No photo is kept for this pickup: none was taken, or it was erased after {days} days.",
    ),
    "photos.unreadable": (
        "Không mở được ảnh này (tệp ảnh hoặc khoá bị mất). Vui lòng báo nhà cung cấp.",
        "This photo cannot be opened (its file or key is missing). Please call the supplier.",
    ),
    "keyboard.space": ("Dấu cách", "Space"),
}
