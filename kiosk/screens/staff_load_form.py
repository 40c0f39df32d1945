"""The loading form's extras (issue 16), mixed into `StaffLoadScreen`:

- the authorised person: their ID card number (typed on the keypad, or read from their card's QR
  with "Scan ID card") and optionally their phone, sent with the deposit; the locker keeps the ID
  only as a keyed digest and sends the code to that phone too;
- a full cabinet: the locker's 409 `no_free_compartment` becomes an offer on the form, "Use a
  bigger one" (its `next_size`) and "Keep at the counter" (the citizen gets an SMS saying so).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from kivy.properties import StringProperty

from drivers.camera.model import ScanResult
from kiosk.clients.base import ApiError

log = logging.getLogger(__name__)

AUTH_FIELDS = ("auth_id", "auth_phone")
ID_RE = re.compile(r"^([0-9]{9}|[0-9]{12})$")
COUNTER_ONLY = "counter"  # the offer when no bigger size is free


class LoadFormExtras:
    """Mixin: the authorised person's fields and the full-cabinet offer (see the module doc)."""

    auth_id = StringProperty("")
    auth_phone = StringProperty("")
    offer = StringProperty("")  # "" no offer; a size: use it or the counter; "counter": counter only
    scan_for = StringProperty("dossier")  # what the camera is reading: dossier | auth_id

    if TYPE_CHECKING:  # provided by StaffLoadScreen / StaffScreen (never defined here: MRO)
        field: str
        phone: str
        ids: Any
        ctx: Any
        client: Any
        busy: bool
        scanning: bool

        def say(self, key: str | None, kind: str = "info", **fmt: Any) -> None: ...
        def tr(self, key: str, **fmt: object) -> str: ...
        def run(self, fn: Any, on_done: Any, on_error: Any = None) -> None: ...
        def choose_size(self, size: str) -> None: ...
        def open_compartment(self) -> None: ...
        def toggle_scan(self) -> None: ...
        def _clear(self) -> None: ...

    # ----- keypad fields -----
    def keypad_text(self, field: str, phone: str, auth_id: str, auth_phone: str) -> str:
        """What the keypad shows for the field being typed (kv binds the four)."""
        return {"auth_id": auth_id, "auth_phone": auth_phone}.get(field, phone)

    def set_keypad(self, value: str) -> None:
        """Digits from the keypad into the field being typed."""
        if self.field == "auth_id":
            self.auth_id = value[:12]
        elif self.field == "auth_phone":
            self.auth_phone = value
        else:
            self.phone = value
        self.offer = ""  # the form changed: the old offer no longer applies

    def clear_extras(self) -> None:
        """An empty authorised person and no offer."""
        self.auth_id = self.auth_phone = self.offer = ""
        self.scan_for = "dossier"

    # ----- the authorised person -----
    def authorised_ok(self, phone_re: re.Pattern[str]) -> bool:
        """Check the authorised person's fields before asking the locker (False: said why)."""
        if self.auth_id and not ID_RE.match(self.auth_id):
            self.field = "auth_id"
            self.say("loading.need_auth_id", "error")
            return False
        if self.auth_phone and not phone_re.match(self.auth_phone):
            self.field = "auth_phone"
            self.say("staff.need_phone", "error")
            return False
        if self.auth_phone and not self.auth_id:
            self.field = "auth_id"
            self.say("loading.auth_phone_needs_id", "error")
            return False
        return True

    def authorised_payload(self) -> dict[str, str]:
        """The deposit body's authorised-person fields (empty ones are left out by the client)."""
        return {"authorised_id_number": self.auth_id, "authorised_phone": self.auth_phone}

    def scan_card(self) -> None:
        """Start (or stop) the camera for the authorised person's ID card QR."""
        if self.scanning:
            was = self.scan_for
            self.toggle_scan()  # stops, whatever it was reading
            if was == "auth_id":
                return
        self.scan_for = "auth_id"
        self.toggle_scan()
        if self.scanning:
            self.say("loading.scan_card_hint")

    def scanned(self, result: ScanResult) -> bool:
        """A QR read while scanning for the ID card: True when this mixin handled it."""
        if self.scan_for != "auth_id":
            return False
        if result.kind == "cccd" and result.cccd is not None:
            self.auth_id = result.cccd.id_number  # never logged; sent once, kept as a digest
            self.field = "auth_phone"
            self.ctx.nav.play_voice("beep")
            self.toggle_scan()  # stops the camera (and reads dossiers again next time)
            self.say("loading.card_read", "ok", masked=result.cccd.id_masked)
        else:
            self.say("loading.not_card", "error")
        return True

    # ----- a full cabinet -----
    def show_offer(self, err: ApiError, size: str) -> None:
        """409 `no_free_compartment`: offer the next size up (if the locker named one) and the counter."""
        self.offer = str(err.extra.get("next_size") or COUNTER_ONLY)
        self._asked_size = size
        self._say_offer()

    def _say_offer(self) -> None:
        if self.offer == COUNTER_ONLY:
            self.say("loading.full_counter", "error")
        else:
            asked = getattr(self, "_asked_size", "") or "small"
            self.say(
                "loading.full_offer",
                "error",
                size=self.tr(f"staff.size_{asked}").lower(),
                bigger=self.tr(f"staff.size_{self.offer}").lower(),
            )

    def offer_text(self, offer: str, _lang: str) -> str:
        """Label of the "use a bigger one" button."""
        if not offer or offer == COUNTER_ONLY:
            return ""
        return self.tr("loading.take_bigger", bigger=self.tr(f"staff.size_{offer}").lower())

    def take_offer(self) -> None:
        """Load into the offered bigger size."""
        size, self.offer = self.offer, ""
        if size and size != COUNTER_ONLY:
            self.choose_size(size)
            self.open_compartment()

    def keep_at_counter(self) -> None:
        """Record that the result stays at the counter; the locker sends the citizen's SMS."""
        if self.busy:
            return
        code = self.ids.dossier_input.text.strip().upper()
        client, phone = self.client, self.phone
        self.busy = True
        self.run(lambda: client.keep_at_counter(code, phone), self._kept, self._counter_refused)

    def _kept(self, kept: Any) -> None:
        self.busy = False
        self._clear()
        self.say("loading.kept_at_counter", "ok", code=kept.dossier_code, phone=kept.phone_masked)

    def _counter_refused(self, err: BaseException) -> bool:
        self.busy = False
        self.offer = ""
        if isinstance(err, ApiError) and err.code == "dossier_in_locker":
            self.say("staff.dossier_in_locker", "error")
            return True
        if isinstance(err, ApiError) and err.code == "invalid_request" and err.extra.get("field") == "phone":
            self.field = "phone"
            self.say("staff.need_phone", "error")
            return True
        return False

    def stage_form_extras(self, state: str) -> None:
        """Screenshots: the form's demo states (invented data)."""
        if state == "typing":
            self.say("staff.need_dossier")
            return
        self.auth_id, self.auth_phone = "079188006789", "0900000002"
        if state == "scanning":  # the layout with the camera preview (no camera in screenshots)
            self.auth_id, self.scanning, self.scan_for = "", True, "auth_id"  # type: ignore[misc]
            self.say("loading.scan_card_hint")
        elif state == "full":
            self._asked_size, self.offer = "small", "medium"
            self.choose_size("small")
            self.offer = "medium"
            self._say_offer()
        else:
            self.say("staff.need_dossier")

    def on_language(self, lang: str) -> None:
        super().on_language(lang)  # type: ignore[misc]
        if self.offer:
            self._say_offer()
