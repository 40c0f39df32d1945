"""Staff sign-in: staff ID, PIN and the authenticator (TOTP) code.

Reached by the long press in home's corner or by showing a staff QR card (`STAFF:<staff_id>`,
on home or here): the card fills the staff ID only; PIN and authenticator code are always typed.
The staff ID can also be typed (letters allowed); PIN and code go through the big keypad into
whichever field is selected. A citizen's ID card shown here is refused with a plain message.
Wrong credentials clear the PIN and code, never the ID; a lockout is explained.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from drivers.camera.model import ScanResult
from kiosk.camera_use import ScanSession
from kiosk.clients.base import ApiError
from kiosk.clients.locker import StaffSession
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
    field = StringProperty("pin")  # which field the keypad types into: pin | totp
    busy = BooleanProperty(False)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.camera = ScanSession(ctx, self.on_scan, where="staff sign-in")

    def prepare(self, **params: Any) -> None:
        """`message`: a translation key to show (e.g. session ended); `staff_id`: prefill
        (`from_card`: it came from a staff card)."""
        end_staff_session(self.ctx)  # whoever was signed in on this kiosk is signed out first
        self.clear_fields()
        if params.get("staff_id"):
            self.ids.staff_id_input.text = str(params["staff_id"])
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
            self.pin = ""
            self.totp = ""
            self.field = "pin"
            self.ids.staff_id_input.text = result.staff.staff_id
            self.say("staff.card_read", "ok", staff_id=result.staff.staff_id)
        else:
            # a citizen's ID card or a receipt: say so; nothing from it is kept or filled in
            self.say("staff.not_staff_card", "error")

    def reset(self) -> None:
        self.camera.stop()
        super().reset()
        self.clear_fields()
        if "staff_id_input" in self.ids:
            self.ids.staff_id_input.text = ""

    def clear_fields(self) -> None:
        """Forget PIN and code; the keypad goes back to the PIN."""
        self.pin = ""
        self.totp = ""
        self.field = "pin"
        self.busy = False

    def select(self, field: str) -> None:
        """Tap on the PIN or code field."""
        self.field = field
        self.ctx.nav.touch_activity()

    def keypad_value(self, field: str, pin: str, totp: str) -> str:
        """What the keypad shows for the selected field (kv binding)."""
        return pin if field == "pin" else totp

    def on_keypad(self, value: str) -> None:
        """Keypad edited the selected field; a full PIN moves on to the code."""
        if self.field == "pin":
            self.pin = value[:PIN_MAX]
        else:
            self.totp = value[:TOTP_DIGITS]
        self.ctx.nav.touch_activity()

    @staticmethod
    def dots(value: str) -> str:
        """Masked display of a secret."""
        return "\u2022" * len(value)

    def sign_in(self) -> None:
        """Send the three values to the locker."""
        staff_id = self.ids.staff_id_input.text.strip()
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
        return ["empty", "bad_credentials"]

    def stage_demo(self, state: str) -> None:
        self.clear_fields()
        self.ids.staff_id_input.text = "nv-loan"
        self.pin = "123456"
        if state == "bad_credentials":
            self.pin = ""
            self.say("staff.bad_credentials", "error")
        else:
            self.field = "totp"
            self.totp = "42"
            self.say("staff.tap_field_card")
