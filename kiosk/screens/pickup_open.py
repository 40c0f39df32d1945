"""Collect your result, step 2: "Compartment 12 is opening", the cabinet picture, the receipt.

The door sensor decides what is said: opened / already open → guidance to take the documents and
close the door, and the receipt prints; jammed / unknown → "try once more" (one second pulse via
POST /pickups/{id}/retry); if that fails too, or the locker answers `staff_alerted`, the citizen is
told that staff have been alerted, with the hotline.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime
from typing import Any, ClassVar

from kivy.clock import Clock
from kivy.properties import ObjectProperty, StringProperty

from drivers.printer.model import PickupReceiptData, PrintError
from kiosk.clients.base import ApiError, ServiceUnavailable
from kiosk.clients.locker import DoorOutcome
from kiosk.clients.locker_views import Cabinet, CabinetSlot, PickupResult, parse_time
from kiosk.handover import HandoverCamera
from kiosk.screens.base import KioskScreen
from kiosk.screens.registry import register
from kiosk.widgets.cabinet import CabinetView  # noqa: F401 - registers the kv class

log = logging.getLogger(__name__)


class DoorView(enum.StrEnum):
    """What the screen shows about the door."""

    OPEN = "open"
    JAMMED = "jammed"  # a second pulse may be asked for
    RETRYING = "retrying"
    STAFF_ALERTED = "staff_alerted"


class PrintView(enum.StrEnum):
    """Receipt printing feedback."""

    NONE = "none"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


def receipt_data(result: PickupResult, center_name: str, lang: str, now: datetime) -> PickupReceiptData:
    """The printer's receipt from the locker's answer (fields missing in it are filled sensibly)."""
    r = result.receipt
    return PickupReceiptData(
        center_name=str(r.get("center_name") or center_name),
        dossier_code=str(r.get("dossier_code") or result.dossier_code),
        compartment=str(r.get("compartment") or result.compartment),
        collected_at=parse_time(r.get("collected_at")) or now,
        citizen_name_masked=str(r["citizen_name_masked"]) if r.get("citizen_name_masked") else None,
        verify_url=str(r.get("verify_url") or ""),
        language=lang,
        collected_by=str(r.get("collected_by") or ""),
        collector_masked=str(r.get("collector_masked") or ""),
    )


@register("pickup_open", kv="pickup_open.kv", order=21)
class PickupOpenScreen(KioskScreen):
    """Shows which door opened and drives the receipt and the one retry."""

    # said when they change (speech on)
    spoken_props: ClassVar[tuple[str, ...]] = ("headline", "detail", "print_text")

    def speech_prompt(self) -> str:
        """The door's state and what to do (the compartment is named; no code, no name)."""
        return f"{self.headline} {self.detail}"

    requires = ("locker",)

    door_view = StringProperty(DoorView.OPEN.value)
    print_view = StringProperty(PrintView.NONE.value)
    label = StringProperty("")
    headline = StringProperty("")
    detail = StringProperty("")
    print_text = StringProperty("")
    cabinet = ObjectProperty(None, allownone=True)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.result: PickupResult | None = None
        self.hotline = ctx.config.center.hotline
        self._retried = False
        self._printed = False
        self._door: DoorOutcome = DoorOutcome.UNKNOWN
        self._home_ev: Any = None
        self._warn_ev: Any = None
        self.handover = HandoverCamera(ctx)
        self._photo_max_bytes = 0

    def prepare(self, **params: Any) -> None:
        """`result`: the PickupResult; `hotline`: from the locker's kiosk config; `photo_max_bytes`:
        photograph the door opening within this many bytes (0: no photo, `kiosk.handover`)."""
        self.reset()
        result: PickupResult | None = params.get("result")
        if result is None:
            return
        self._photo_max_bytes = int(params.get("photo_max_bytes") or 0)
        self.result = result
        self.hotline = params.get("hotline") or self.ctx.config.center.hotline
        self.label = result.compartment
        self._set_door(result.door)
        client = self.ctx.services.locker
        if client is not None:
            self.ctx.worker.submit(client.cabinet, self._got_cabinet, self._cabinet_failed)

    def reset(self) -> None:
        self._cancel_home()
        self.handover.reset()
        self._photo_max_bytes = 0
        self.result = None
        self._retried = False
        self._printed = False
        self.label = ""
        self.cabinet = None
        self.door_view = DoorView.OPEN.value
        self.print_view = PrintView.NONE.value
        self.headline = self.detail = self.print_text = ""

    # ----- door -----
    def _set_door(self, door: DoorOutcome) -> None:
        self._door = door
        if door.is_open:
            self.door_view = DoorView.OPEN.value
            if self._photo_max_bytes and self.result is not None:
                self.handover.capture(self.result.pickup_id, self._photo_max_bytes)
            self.ctx.nav.play_voice("pickup_open")
            self._print_receipt()
            # the next citizen must not find this one's compartment on screen
            self._schedule_home()
        elif self._retried:
            self.door_view = DoorView.STAFF_ALERTED.value
        else:
            self.door_view = DoorView.JAMMED.value
        self._render()

    def _render(self) -> None:
        label = self.label
        view = self.door_view
        if view == DoorView.OPEN.value:
            key = "pickup.opening" if self._door == DoorOutcome.OPENED else "pickup.is_open"
            self.headline = self.tr(key, label=label)
            self.detail = self.tr("pickup.guidance")
        elif view == DoorView.JAMMED.value:
            self.headline = self.tr("pickup.compartment", label=label)
            key = "pickup.unknown" if self._door == DoorOutcome.UNKNOWN else "pickup.jammed"
            self.detail = self.tr(key, label=label)
        elif view == DoorView.RETRYING.value:
            self.headline = self.tr("pickup.opening", label=label)
            self.detail = self.tr("pickup.retrying")
        else:
            self.headline = self.tr("pickup.compartment", label=label)
            self.detail = self.tr("pickup.staff_alerted", hotline=self.hotline)
        self.print_text = {
            PrintView.PRINTING.value: self.tr("pickup.printing"),
            PrintView.PRINTED.value: self.tr("pickup.printed"),
            PrintView.FAILED.value: self.tr("pickup.print_failed"),
        }.get(self.print_view, "")

    def on_language(self, lang: str) -> None:
        if self.label:
            self._render()

    def try_again(self) -> None:
        """The citizen asks for the one second pulse."""
        client = self.ctx.services.locker
        if self.result is None or client is None or self.door_view != DoorView.JAMMED.value:
            return
        self._retried = True
        self.door_view = DoorView.RETRYING.value
        self._render()
        pickup_id = self.result.pickup_id
        self.ctx.worker.submit(lambda: client.retry_pickup(pickup_id), self._set_door, self._retry_failed)

    def _retry_failed(self, err: BaseException) -> None:
        if isinstance(err, ServiceUnavailable):
            self.ctx.nav.service_failed("locker", err)
            return
        if isinstance(err, ApiError):
            log.warning("pickup retry refused: %s", err.code)
        else:
            log.error("pickup retry failed: %s", err, exc_info=err)
        self.door_view = DoorView.STAFF_ALERTED.value
        self._render()

    # ----- cabinet picture -----
    def _got_cabinet(self, cabinet: Cabinet) -> None:
        if self.result is not None:
            self.cabinet = cabinet

    def _cabinet_failed(self, err: BaseException) -> None:
        log.warning("cabinet layout unavailable (%s); the picture is left out", err)

    # ----- receipt -----
    def _print_receipt(self) -> None:
        if self._printed or self.result is None:
            return
        self._printed = True
        printer = self.ctx.services.printer
        if printer is None:
            log.warning("pickup receipt not printed: %s", self.ctx.services.printer_error)
            self.print_view = PrintView.FAILED.value
            return
        data = receipt_data(
            self.result, self.ctx.config.center.name(self.ctx.lang), self.ctx.lang, self.ctx.clock.now()
        )
        self.print_view = PrintView.PRINTING.value
        self.ctx.worker.submit(
            lambda: printer.print_pickup_receipt(data), self._printed_ok, self._print_failed
        )

    def _printed_ok(self, _res: object) -> None:
        self.print_view = PrintView.PRINTED.value
        self._render()

    def _print_failed(self, err: BaseException) -> None:
        if isinstance(err, PrintError):
            log.error("pickup receipt not printed (%s): %s", err.state, err)
        else:
            log.error("pickup receipt: printer driver failed: %s", err, exc_info=err)
        self.print_view = PrintView.FAILED.value
        self._render()

    def _cancel_home(self) -> None:
        if self._home_ev is not None:
            self._home_ev.cancel()
            self._home_ev = None
        if self._warn_ev is not None:
            self._warn_ev.cancel()
            self._warn_ev = None

    def _schedule_home(self) -> None:
        """Home after message_home_after_s (longer with speech or large text), warned before."""
        self._cancel_home()
        home_after = self.timeout_s(self.ctx.config.kiosk.message_home_after_s)
        self._home_ev = Clock.schedule_once(lambda _dt: self._auto_home(), home_after)
        warn_after = max(0.0, home_after - self.ctx.config.kiosk.idle_warning_s)
        left = int(home_after - warn_after)
        self._warn_ev = Clock.schedule_once(lambda _dt: self.warn_timeout(left, show=True), warn_after)

    def more_time(self) -> None:
        """The citizen touched the warning: the return home starts again."""
        if self._home_ev is not None:
            self._schedule_home()

    def _auto_home(self) -> None:
        self._home_ev = None
        if self.manager is not None and self.manager.current == self.name:
            self.ctx.nav.go_home()

    def on_leave(self, *_args: Any) -> None:
        self._cancel_home()
        self.handover.cancel()

    def done(self) -> None:
        """Finished: back to the start (everything entered is forgotten)."""
        self.ctx.nav.go_home()

    # ----- screenshots -----
    @classmethod
    def demo_states(cls) -> list[str]:
        return ["opened", "jammed", "staff_alerted"]

    def stage_demo(self, state: str) -> None:
        self.reset()
        slots = []
        for col in range(3):
            for row in range(6):
                n = col * 6 + row + 1
                slots.append(CabinetSlot(str(n), "small", col, row, 1, "loaded"))
        self.cabinet = Cabinet(columns=3, slots=tuple(slots))
        self.label = "12"
        self.result = PickupResult("demo", "12", DoorOutcome.OPENED, "H26.1-241123-0001", {})
        if state == "opened":
            self._door = DoorOutcome.OPENED
            self.door_view = DoorView.OPEN.value
            self.print_view = PrintView.PRINTED.value
        elif state == "jammed":
            self._door = DoorOutcome.JAMMED
            self.door_view = DoorView.JAMMED.value
        else:
            self._door = DoorOutcome.JAMMED
            self._retried = True
            self.door_view = DoorView.STAFF_ALERTED.value
        self._render()
