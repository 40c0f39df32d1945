"""Test helpers: QR frames of invented cards, and waiting on a predicate with a deadline."""

from __future__ import annotations

import cv2
import numpy as np
import qrcode

CARD = "001099012345|123456789|Nguyễn Văn An|01021999|Nam|Số 1 Đường Mẫu, Hà Nội|15062021"
CARD_2024 = "079305001234||Trần Thị Bình|31122005|Nữ|12 Ấp Minh Họa, Cần Thơ|02082024||||"
RECEIPT = "000.00.12.H26-261120-0042|27/11/2026"


def qr_frame(
    text: str,
    *,
    module_px: int = 4,
    size: tuple[int, int] = (640, 480),
    at: tuple[int, int] = (60, 60),
    invert: bool = False,
) -> np.ndarray:
    """A BGR frame with a clean QR of `text` (UTF-8 bytes) pasted on a light-gray background."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_px, border=2)
    qr.add_data(text.encode("utf-8"))
    qr.make(fit=True)
    code = np.array(qr.make_image(fill_color="black", back_color="white").convert("L"))
    frame = np.full((size[1], size[0]), 200, np.uint8)
    x, y = at
    frame[y : y + code.shape[0], x : x + code.shape[1]] = code
    if invert:
        frame = 255 - frame
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
