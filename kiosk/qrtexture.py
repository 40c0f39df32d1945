"""QR codes as Kivy textures (the ticket's status link when the printer fails)."""

from __future__ import annotations

import qrcode
from kivy.graphics.texture import Texture
from PIL import Image


def qr_image(data: str, box_px: int = 10) -> Image.Image:
    """A black-on-white QR code (medium error correction, 4-module quiet zone) as an RGB image."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_px, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white")
    rgb: Image.Image = img.get_image().convert("RGB") if hasattr(img, "get_image") else img.convert("RGB")
    return rgb


def qr_texture(data: str, box_px: int = 10) -> Texture:
    """The QR for `data` as a texture (nearest filtering keeps the modules sharp)."""
    img = qr_image(data, box_px).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    tex = Texture.create(size=img.size, colorfmt="rgb")
    tex.blit_buffer(img.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
    tex.mag_filter = "nearest"
    tex.min_filter = "nearest"
    return tex
