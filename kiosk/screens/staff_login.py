"""Staff sign-in: staff ID, PIN and the authenticator (TOTP) code.

Reached by the long press in home's corner or by showing a staff QR card (`STAFF:<staff_id>`,
on home or here): the card fills the staff ID only; PIN and authenticator code are always typed.
The staff ID can also be typed on the kiosk's own keyboard (letters, digits, '-' and '_'), shown
beside the form while that field is selected; PIN and code go through the big keypad in the same
place. The selected field carries the focus frame. A citizen's ID card shown here is refused with
a plain message, but only once someone is using the screen: a card lying in front of the camera
(or the simulator's looping samples) says nothing to nobody. Wrong credentials clear the PIN and
code, never the ID; a lockout is explained.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from drivers.camera.model import ScanResult
from kiosk.camera_use import ScanSession
from kiosk.clients.base import ApiError
from kiosk.clients.locker_views import StaffSession
from kiosk.screens.registry import register
from kiosk.screens.staff_base import MENU, StaffScreen, end_staff_session

log = logging.getLogger(__name__)

PIN_MAX = 12
TOTP_DIGITS = 6


@register("staff_login", kv="staff_login.kv", order=30)
class StaffLoginScreen(StaffScreen):
    """Sign in; success goes to the staff menu."""

    pin = StringProperty("")
    totp = StringProperty("")
    field = StringProperty("staff_id")  # the field being typed: staff_id (keyboard) | pin | totp
    busy = BooleanProperty(False)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.camera = ScanSession(ctx, self.on_scan, where="staff sign-in")
        self._in_use = False  # someone touched a field or a key since the screen was shown

    def prepare(self, **params: Any) -> None:
        """`message`: a translation key to show (e.g. session ended); `staff_id`: prefill
        (`from_card`: it came from a staff card)."""
        end_staff_session(self.ctx)  # whoever was signed in on this kiosk is signed out first
        self._in_use = bool(params.get("from_card"))
        if params.get("staff_id"):
            self.ids.staff_id_input.text = str(params["staff_id"])
        self.clear_fields()
        if params.get("message"):
            self.say(str(params["message"]), "error")
        elif params.get("from_card") and params.get("staff_id"):
            self.say("staff.card_read", "ok", staff_id=str(params["staff_id"]))
        else:
            self.say(self._hint())

    def _hint(self) -> str:
        return "staff.tap_field_card" if self.camera.available else "staff.tap_field"

    def on_enter(self, *_args: Any) -> None:
        self.camera.start()  # staff cards only; no preview (a card is held up, not aimed)

    def on_pre_leave(self, *_args: Any) -> None:
        self.camera.stop()

    def on_leave(self, *_args: Any) -> None:
        self.camera.stop()

    def on_scan(self, result: ScanResult) -> None:
        """A QR was read here (UI thread): a staff card fills the ID and moves to the PIN."""
        if self.busy or self.manager is None or self.manager.current != self.name:
            return
        self.ctx.nav.touch_activity()
        if result.kind == "staff" and result.staff is not None:
            if result.staff.staff_id == self.ids.staff_id_input.text.strip():
                return  # the same card still in view: keep what is being typed
            self.ctx.nav.play_voice("beep")
            self._in_use = True
            self.pin = ""
            self.totp = ""
            self.field = "pin"
            self.ids.staff_id_input.text = result.staff.staff_id
            self.say("staff.card_read", "ok", staff_id=result.staff.staff_id)
        elif self._in_use:
            # a citizen's ID card or a receipt: say so; nothing from it is kept or filled in
            self.say("staff.not_staff_card", "error")
        else:
            log.debug("staff sign-in: a %s QR while nobody uses the screen; not answered", result.kind)

    def reset(self) -> None:
        self.camera.stop()
        super().reset()
        if "staff_id_input" in self.ids:
            self.ids.staff_id_input.text = ""
        self.clear_fields()
        self._in_use = False

    def clear_fields(self) -> None:
        """Forget PIN and code; typing starts at the staff ID if it is empty, else at the PIN."""
        self.pin = ""
        self.totp = ""
        has_id = "staff_id_input" in self.ids and bool(self.ids.staff_id_input.text.strip())
        self.field = "pin" if has_id else "staff_id"
        self.busy = False

    def select(self, field: str) -> None:
        """Tap on a field: the keyboard or keypad beside the form types into it."""
        self.field = field if field in ("staff_id", "pin", "totp") else "pin"
        self._in_use = True
        self.ctx.nav.touch_activity()

    def keypad_value(self, field: str, pin: str, totp: str) -> str:
        """What the keypad shows for the selected field (kv binding)."""
        return pin if field == "pin" else (totp if field == "totp" else "")

    def on_keyboard(self, value: str) -> None:
        """The keyboard edited the staff ID."""
        self.ids.staff_id_input.text = value
        self._in_use = True
        self.ctx.nav.touch_activity()

    def on_keypad(self, value: str) -> None:
        """Keypad edited the selected field."""
        if self.field == "pin":
            self.pin = value[:PIN_MAX]
        elif self.field == "totp":
            self.totp = value[:TOTP_DIGITS]
        self._in_use = True
        self.ctx.nav.touch_activity()

    @staticmethod
    def dots(value: str) -> str:
        """Masked display of a secret."""
        return "\u2022" * len(value)

    def sign_in(self) -> None:
        """Send the three values to the locker."""
        staff_id = self.ids.staff_id_input.text.strip()
        self._in_use = True
        if self.busy:
            return
        if not staff_id or not self.pin or len(self.totp) != TOTP_DIGITS:
            self.say("staff.missing", "error")
            return
        self.busy = True
        self.say("staff.signing_in")
        client, pin, totp = self.client, self.pin, self.totp
        self.run(lambda: client.sign_in(staff_id, pin, totp), self._signed_in, self._refused)

    def _signed_in(self, session: StaffSession) -> None:
        self.busy = False
        self.clear_fields()
        self.ids.staff_id_input.text = ""
        self.say(None)
        log.info("staff %s (%s) on the kiosk", session.staff_id, session.role)
        self.ctx.nav.go(MENU)

    def _refused(self, err: BaseException) -> bool:
        self.busy = False
        if not isinstance(err, ApiError):
            return False
        self.pin = ""
        self.totp = ""
        self.field = "pin"
        if err.code == "bad_credentials":
            self.say("staff.bad_credentials", "error")
        elif err.status in (423, 429) or "lock" in err.code:
            self.say("staff.locked_out", "error")
        else:
            self.say("staff.error", "error", why=err.message or err.code)
        return True

    def back(self) -> None:
        """Leave without signing in."""
        self.ctx.nav.go_home()

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["empty", "typing_id", "bad_credentials"]

    def stage_demo(self, state: str) -> None:
        self.ids.staff_id_input.text = ""
        self.clear_fields()
        if state == "empty":
            self.say(self._hint())
            return
        if state == "typing_id":
            self.ids.staff_id_input.text = "NV-LOAN"
            self.field = "staff_id"
            self.say(self._hint())
            return
        self.ids.staff_id_input.text = "nv-loan"
        self.field = "pin"
        self.say("staff.bad_credentials", "error")
