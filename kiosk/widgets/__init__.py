"""Reusable big-target widgets: buttons, header, numeric keypad, staff keyboard and field, labels."""

from kiosk.widgets.common import BigButton, Header, WrapLabel
from kiosk.widgets.keyboard import TextField, TextKeyboard
from kiosk.widgets.keypad import NumericKeypad
from kiosk.widgets.longpress import LongPressArea
from kiosk.widgets.preview import CameraPreview

__all__ = [
    "BigButton",
    "CameraPreview",
    "Header",
    "LongPressArea",
    "NumericKeypad",
    "TextField",
    "TextKeyboard",
    "WrapLabel",
]
