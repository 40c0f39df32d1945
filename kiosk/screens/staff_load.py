"""Staff: load a compartment. Dossier code (scanned or typed), phone, size → the door opens →
the door is shut (the locker's door sensor confirms by itself, or "Door closed" asks it to) → the
code is sent → the loading slip prints.

While the door is open the screen follows the deposit on the locker (every FOLLOW_S): once the
daemon says the code is sent, the screen shows it, whoever confirmed. The deadline shown and
printed is always the daemon's (never a value kept from before the code was sent), in the
center's time zone. While the door is open the staff member can ask for it to open again, for a
bigger compartment, or cancel; all three are the daemon's calls, allowed until the code is sent.
"""

from __future__ import annotations

import enum
import logging
import re
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from drivers.camera.model import CameraState, ScanResult
from drivers.printer.model import LoadingSlipData, PrintError
from kiosk.camera_use import ScanSession
from kiosk.clients.base import ApiError, ServiceError
from kiosk.clients.locker import DoorOutcome, NotSignedIn
from kiosk.clients.locker_views import Cabinet, CabinetSlot, Deposit
from kiosk.screens.registry import register
from kiosk.screens.staff_base import StaffScreen
from kiosk.screens.staff_load_form import AUTH_FIELDS, LoadFormExtras
from kiosk.widgets.cabinet import CabinetView  # noqa: F401 - registers the kv class

log = logging.getLogger(__name__)

PHONE_RE = re.compile(r"^0\d{9}$")
SIZES = ("", "small", "medium", "large")  # "" = let the locker choose
FOLLOW_S = 1.5  # while the door is open: how often to ask the locker whether the code was sent
BEFORE_CODE = ("reserved", "loading")  # deposit states in which the door step goes on
GONE = ("cancelled", "withdrawn")


class LoadStep(enum.StrEnum):
    """Where the loading is."""

    FORM = "form"
    OPEN = "open"  # door opened (or jammed): put the item in, then confirm
    DONE = "done"  # code sent


@register("staff_load", kv="staff_load.kv", order=32)
class StaffLoadScreen(LoadFormExtras, StaffScreen):
    """The loading flow (the authorised person and the full-cabinet offer: staff_load_form)."""

    step = StringProperty(LoadStep.FORM.value)
    phone = StringProperty("")
    field = StringProperty("dossier")  # the field being typed: dossier (keyboard) | phone (keypad)
    box_size = StringProperty("")  # compartment size asked for; "" = automatic
    busy = BooleanProperty(False)
    scanning = BooleanProperty(False)
    label = StringProperty("")
    door = StringProperty("")
    slip = StringProperty("")  # slip printing feedback
    cabinet = ObjectProperty(None, allownone=True)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.deposit: Deposit | None = None
        self.dossier_code = ""
        self._slip: tuple[str, dict[str, Any]] | None = None
        self._follow_ev: Any = None
        self._following = False
        self.camera = ScanSession(ctx, self.on_scan, self._camera_state, where="loading")

    def prepare(self, **_params: Any) -> None:
        """A fresh form."""
        self._clear()
        self.say("staff.need_dossier")

    def reset(self) -> None:
        self._clear()
        super().reset()

    def _clear(self) -> None:
        self._stop_scan()
        self._stop_following()
        self.step = LoadStep.FORM.value
        self.deposit = None
        self.dossier_code = ""
        self.phone = ""
        self.field = "dossier"
        self.box_size = ""
        self.busy = False
        self.label = self.door = ""
        self._set_slip(None)
        self.cabinet = None
        self.clear_extras()
        if "dossier_input" in self.ids:
            self.ids.dossier_input.text = ""

    def on_leave(self, *_args: Any) -> None:
        self._stop_scan()
        self._stop_following()

    # ----- form -----
    def select(self, field: str) -> None:
        """Tap on a field: the keyboard (dossier code) or keypad (phone) beside it types into it."""
        self.field = field if field in ("phone", *AUTH_FIELDS) else "dossier"
        self.ctx.nav.touch_activity()

    def on_keyboard(self, value: str) -> None:
        """The keyboard edited the dossier code."""
        self.ids.dossier_input.text = value
        self.ctx.nav.touch_activity()

    def on_keypad(self, value: str) -> None:
        """Digits from the keypad (phone, or the authorised person's ID number or phone)."""
        self.set_keypad(value)
        self.ctx.nav.touch_activity()

    def choose_size(self, size: str) -> None:
        """Size button ("" = automatic)."""
        self.box_size = size if size in SIZES else ""
        self.offer = ""

    def size_text(self, size: str, _lang: str) -> str:
        """Label of a size button."""
        return self.tr(f"staff.size_{size or 'auto'}")

    def open_compartment(self) -> None:
        """Validate and ask the locker for a compartment."""
        if self.busy:
            return
        code = self.ids.dossier_input.text.strip().upper()
        if not code:
            self.field = "dossier"
            self.say("staff.need_dossier", "error")
            return
        if self.phone and not PHONE_RE.match(self.phone):
            self.field = "phone"
            self.say("staff.need_phone", "error")
            return
        if not self.authorised_ok(PHONE_RE):
            return
        self._stop_scan()
        self.dossier_code = code
        self.busy = True
        self.say("staff.opening")
        client, phone, size, more = self.client, self.phone, self.box_size or None, self.authorised_payload()
        self.run(lambda: client.create_deposit(code, phone, size, **more), self._opened, self._refused)

    def _refused(self, err: BaseException) -> bool:
        self.busy = False
        if not isinstance(err, ApiError):
            return False
        if err.code == "code_already_sent" and self.step == LoadStep.OPEN.value and self.deposit is not None:
            # the door sensor confirmed the load by itself (auto-confirm on close): that is
            # success; the deadline is in the daemon's state now, not in what we kept
            self._fetch_final(self.deposit.deposit_id)
        elif err.code == "no_free_compartment" and self.step == LoadStep.FORM.value:
            self.show_offer(err, self.box_size)
        elif err.code in ("no_free_compartment", "no_bigger_compartment"):
            self.say("staff.no_free", "error")
        elif err.code == "dossier_in_locker":
            self.say("staff.dossier_in_locker", "error")
        elif err.code == "door_not_opened":
            self.say("staff.door_jammed", "error", label=self.label)
        elif err.code == "door_unknown":
            self.say("staff.door_unknown", "error", label=self.label)
        elif err.code == "invalid_request" and err.extra.get("field") == "phone":
            self.say("staff.need_phone", "error")
        elif err.code == "door_open":
            self.say("staff.door_open", "error")
        else:
            return False
        return True

    # ----- door open -----
    def _opened(self, deposit: Deposit) -> None:
        self.busy = False
        self.deposit = deposit
        self.step = LoadStep.OPEN.value
        self.label = deposit.compartment
        self.door = deposit.door.value
        self._door_message()
        self.run(self.client.cabinet, self._got_cabinet, lambda _e: True)
        self._start_following()

    def _door_message(self) -> None:
        if DoorOutcome.parse(self.door).is_open:
            self.say("staff.put_in", "info", label=self.label)
        else:
            self.say("staff.door_jammed", "error", label=self.label)

    def _got_cabinet(self, cabinet: Cabinet) -> None:
        self.cabinet = cabinet

    def action(self, name: str) -> None:
        """Reopen / bigger / cancel while the door is open."""
        if self.deposit is None or self.busy:
            return
        self.busy = True
        client, dep_id = self.client, self.deposit.deposit_id
        done = self._cancelled if name == "cancel" else self._opened
        self.run(lambda: client.deposit_action(dep_id, name), done, self._refused)

    def _cancelled(self, _dep: Deposit) -> None:
        self._clear()
        self.say("staff.cancelled", "ok")

    def confirm_closed(self) -> None:
        """The staff member closed the door: the locker checks and sends the code."""
        if self.deposit is None or self.busy:
            return
        self.busy = True
        client, dep_id = self.client, self.deposit.deposit_id
        self.run(lambda: client.deposit_action(dep_id, "confirm"), self._confirmed, self._refused)

    def _confirmed(self, dep: Deposit) -> None:
        self.busy = False
        if dep.expires_at is None or dep.state in BEFORE_CODE:
            self._fetch_final(dep.deposit_id)  # an answer without the deadline: ask for the state
            return
        self._done(dep)

    def _fetch_final(self, deposit_id: str) -> None:
        self.busy = True
        client = self.client
        self.run(lambda: client.get_deposit(deposit_id), self._final, self._refused)

    def _final(self, dep: Deposit) -> None:
        self.busy = False
        if dep.state in GONE:
            self._clear()
            self.say("staff.cancelled", "ok")
        elif dep.state not in BEFORE_CODE:
            self._done(dep)

    def _done(self, dep: Deposit) -> None:
        """The code is sent (`dep` is the daemon's state): show the deadline, print the slip."""
        if self.step != LoadStep.OPEN.value:
            return  # already shown (the follow and the button can both get here)
        self._stop_following()
        self.deposit = dep
        self.step = LoadStep.DONE.value
        expires = self.ctx.center_time(dep.expires_at) if dep.expires_at else "—"
        if dep.expires_at is None:
            log.warning("deposit %s: the locker gave no deadline after sending the code", dep.deposit_id)
        self.say("staff.code_sent", "ok", expires=expires)
        self._print_slip(dep)

    # ----- following the deposit while the door is open -----
    def _start_following(self) -> None:
        if self._follow_ev is None:
            self._follow_ev = Clock.schedule_interval(lambda _dt: self.follow(), FOLLOW_S)

    def _stop_following(self) -> None:
        if self._follow_ev is not None:
            self._follow_ev.cancel()
            self._follow_ev = None

    def follow(self) -> None:
        """Ask the locker for the deposit's state (the timer calls this while the door is open)."""
        if self.step != LoadStep.OPEN.value or self.deposit is None or self.busy or self._following:
            return
        self._following = True
        client, dep_id = self.client, self.deposit.deposit_id
        self.ctx.worker.submit(lambda: client.get_deposit(dep_id), self._followed, self._follow_failed)

    def _followed(self, dep: Deposit) -> None:
        self._following = False
        if self.busy or self.deposit is None or dep.deposit_id != self.deposit.deposit_id:
            return  # a button's call is under way or the deposit changed: its answer decides
        if dep.state not in BEFORE_CODE:
            log.info("deposit %s is %s on the locker: the door step is over", dep.deposit_id, dep.state)
            self._final(dep)

    def _follow_failed(self, err: BaseException) -> None:
        self._following = False
        if isinstance(err, NotSignedIn):
            self.failed(err)
        elif isinstance(err, ServiceError):
            log.info("following the deposit: %s (the buttons still work)", err)
        else:
            log.error("following the deposit failed: %s", err, exc_info=err)

    # ----- slip -----
    def _print_slip(self, dep: Deposit) -> None:
        printer = self.ctx.services.printer
        session = self.session
        if printer is None:
            self._set_slip("staff.slip_failed", why=self.tr("device.printer_unavailable"))
            return
        data = LoadingSlipData(
            center_name=self.ctx.config.center.name(self.ctx.lang),
            dossier_code=self.dossier_code,
            compartment=self.label,
            staff_id=session.staff_id if session else "?",
            loaded_at=self.ctx.clock.now(),
            expires_at=dep.expires_at,
            language=self.ctx.lang,
        )
        self._set_slip("staff.slip_printing")
        self.ctx.worker.submit(lambda: printer.print_loading_slip(data), self._slip_ok, self._slip_failed)

    def _slip_ok(self, _res: object) -> None:
        self._set_slip("staff.slip_printed")

    def _set_slip(self, key: str | None, **fmt: Any) -> None:
        self._slip = (key, fmt) if key else None
        self.slip = self.tr(key, **fmt) if key else ""

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        if self._slip is not None:
            self._set_slip(self._slip[0], **self._slip[1])

    def _slip_failed(self, err: BaseException) -> None:
        why = getattr(err, "state", None) or type(err).__name__
        if not isinstance(err, PrintError):
            log.error("loading slip: printer driver failed: %s", err, exc_info=err)
        self._set_slip("staff.slip_failed", why=str(why))

    def load_another(self) -> None:
        """Back to an empty form."""
        self._clear()
        self.say("staff.need_dossier")

    # ----- scanning the dossier receipt -----
    def toggle_scan(self) -> None:
        """Start or stop the camera for the dossier QR."""
        if self.scanning:
            self._stop_scan()
            return
        if not self.camera.start(self.ids.preview.offer_frame):
            self.say("scan.camera_unavailable", "error")  # type the code instead
            return
        self.scanning = True
        self.say("staff.scan_hint")

    def _camera_state(self, state: CameraState) -> None:
        if state == CameraState.UNAVAILABLE and self.scanning:
            self.say("scan.camera_unavailable", "error")

    def _stop_scan(self) -> None:
        self.camera.stop()
        self.scanning = False
        self.scan_for = "dossier"
        if "preview" in self.ids:
            self.ids.preview.clear()

    def on_scan(self, result: ScanResult) -> None:
        """A QR was read (UI thread): a dossier receipt fills the code."""
        if not self.scanning:
            return
        self.ctx.nav.touch_activity()
        if self.scanned(result):  # the authorised person's ID card
            return
        if result.kind == "dossier" and result.dossier is not None:
            self.ids.dossier_input.text = result.dossier.dossier_code
            self.field = "phone"  # the code is in: on to the phone
            self.ctx.nav.play_voice("beep")
            self._stop_scan()
            self.say("staff.dossier_read", "ok", code=result.dossier.dossier_code)
        else:
            self.say("staff.not_dossier", "error")

    # ----- screenshots -----
    @classmethod
    def demo_states(cls) -> list[str]:
        return ["typing", "form", "scanning", "full", "open", "done"]

    def stage_demo(self, state: str) -> None:
        self._clear()
        self.ids.dossier_input.text = "H26.1-241123-0001"
        self.phone = "0900000001"
        self.box_size = "medium"
        self.field = "phone"
        if state == "typing":
            self.ids.dossier_input.text = "H26.1-2411"
            self.phone = ""
            self.box_size = ""
            self.field = "dossier"
        if state in ("typing", "form", "scanning", "full"):
            self.stage_form_extras(state)  # the authorised person, the full-cabinet offer
            return
        slots = tuple(
            CabinetSlot(str(c * 6 + r + 1), "small", c, r, 1, "free") for c in range(3) for r in range(6)
        )
        self.cabinet = Cabinet(3, slots)
        self.label = "7"
        self.door = "opened"
        self.step = LoadStep.OPEN.value
        self.say("staff.put_in", label="7")
        if state == "done":
            self.step = LoadStep.DONE.value
            self.say("staff.code_sent", "ok", expires="30/11/2026 17:00")
            self._set_slip("staff.slip_printed")
