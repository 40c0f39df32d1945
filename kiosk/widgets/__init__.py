"""Reusable big-target widgets: buttons, header, numeric keypad, staff keyboard and field, labels."""

from kiosk.widgets.access import AccessBar, HelpView
from kiosk.widgets.common import BigButton, Header, WrapLabel
from kiosk.widgets.keyboard import TextField, TextKeyboard
from kiosk.widgets.keypad import NumericKeypad
from kiosk.widgets.longpress import LongPressArea
from kiosk.widgets.preview import CameraPreview

__all__ = [
    "AccessBar",
    "BigButton",
    "CameraPreview",
    "Header",
    "HelpView",
    "LongPressArea",
    "NumericKeypad",
    "TextField",
    "TextKeyboard",
    "WrapLabel",
]
