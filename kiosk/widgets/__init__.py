"""Reusable big-target widgets: buttons, header, numeric keypad, wrapping labels."""

from kiosk.widgets.common import BigButton, Header, WrapLabel
from kiosk.widgets.keypad import NumericKeypad

__all__ = ["BigButton", "Header", "NumericKeypad", "WrapLabel"]
