"""Collect your result, step 1: the code from the SMS, then the second factor when the locker asks.

A big keypad with a masked entry (show/hide, clear, delete, back). The locker's kiosk config says
how long the code is and which second factor it wants (last 4 phone digits, or the ID number from
the card's QR / typed). Every refusal says what to do next; nothing typed is lost on an error
except a wrong code, which is cleared so the citizen types it afresh.
"""

from __future__ import annotations

import enum
import logging
from typing import Any, ClassVar

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from drivers.camera.model import CameraState, ScanResult
from kiosk.camera_use import ScanSession
from kiosk.clients.base import ApiError, ServiceError, ServiceUnavailable
from kiosk.clients.locker_views import KioskSettings, PickupResult
from kiosk.screens.base import KeyedMessage, KioskScreen
from kiosk.screens.registry import register

log = logging.getLogger(__name__)

# refusals that send the citizen back to the code with one message (and the hotline)
_BACK_AND_SAY = {
    "deposit_locked": "pickup.locked",
    "code_expired": "pickup.expired",
    "already_collected": "pickup.already_collected",
    "staff_alerted": "pickup.staff_alerted",
}

ID_DIGITS = 12
PHONE_DIGITS = 4


class Step(enum.StrEnum):
    """What the keypad is entering."""

    CODE = "code"
    PHONE_LAST4 = "phone_last4"
    ID_NUMBER = "id_number"


@register("pickup", kv="pickup.kv", order=20)
class PickupScreen(KeyedMessage, KioskScreen):
    """Code entry and second factor; success goes to `pickup_open`."""

    spoken_props: ClassVar[tuple[str, ...]] = ("message",)  # said when they change (speech on)

    def speech_prompt(self) -> str:
        """What to type, and where the keys are (the digits typed are never said)."""
        notice = self.photo_notice(self.photo_days, self.ctx.lang) if self.step == Step.CODE.value else ""
        prompt = self.prompt_for(self.step, self.ctx.lang, self.max_length)
        return " ".join(part for part in (notice, prompt, self.tr("a11y.keypad")) if part)

    requires = ("locker",)

    step = StringProperty(Step.CODE.value)
    entry = StringProperty("")
    masked = BooleanProperty(True)
    busy = BooleanProperty(False)
    max_length = NumericProperty(6)
    wait_s = NumericProperty(0)  # throttled: seconds until the next try is allowed
    camera_state = StringProperty(CameraState.STOPPED.value)
    factor = StringProperty("none")  # the second factor the locker wants
    photo_days = NumericProperty(0)  # evidence of handover: kept this many days (0: no photo)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.settings = KioskSettings(second_factor="none", code_length=6, hotline=ctx.config.center.hotline)
        self.code = ""
        self._countdown: Any = None
        self.camera = ScanSession(
            ctx, self.on_scan, lambda state: setattr(self, "camera_state", state.value), where="pickup"
        )

    # ----- lifecycle -----
    def prepare(self, **_params: Any) -> None:
        """Fresh entry; ask the locker for code length, second factor and hotline."""
        self.reset()
        client = self.ctx.services.locker
        if client is not None:
            self.ctx.worker.submit(client.kiosk_settings, self._got_settings, self._settings_failed)

    def reset(self) -> None:
        self._stop_camera()
        self._stop_countdown()
        self.code = ""
        self.entry = ""
        self.masked = True
        self.busy = False
        self.step = Step.CODE.value
        self.max_length = self.settings.code_length
        self.say(None)

    def on_leave(self, *_args: Any) -> None:
        self._stop_camera()

    def _got_settings(self, settings: KioskSettings) -> None:
        self.settings = settings
        self.factor = settings.second_factor
        self.photo_days = settings.handover_photo_keep_days if settings.handover_photo else 0
        if self.step == Step.CODE.value:
            self.max_length = settings.code_length
            self.entry = self.entry[: settings.code_length]

    def _settings_failed(self, err: BaseException) -> None:
        if isinstance(err, ServiceUnavailable):
            self.ctx.nav.service_failed("locker", err)
        else:
            log.warning("kiosk config from the locker failed: %s; using defaults", err)

    @property
    def hotline(self) -> str:
        """The hotline from the locker, else from [center]."""
        return self.settings.hotline or self.ctx.config.center.hotline

    def on_language(self, lang: str) -> None:
        self.rerender_message()

    def prompt_for(self, step: str, _lang: str, n: float) -> str:
        """The instruction above the entry (kv passes the properties it depends on)."""
        if step == Step.PHONE_LAST4.value:
            return self.tr("pickup.enter_phone4")
        if step == Step.ID_NUMBER.value:
            return self.tr("pickup.enter_id")
        return self.tr("pickup.enter_code", n=int(n))

    def photo_notice(self, days: float, _lang: str) -> str:
        """That the door opening is photographed, and why (empty when the locker takes none)."""
        return self.tr("handover.notice", days=int(days)) if days else ""

    @staticmethod
    def shown_entry(entry: str, masked: bool, n: float, step: str) -> str:
        """The entry as displayed: dots when masked, underscores for the digits still to come."""
        shown = "\u2022" * len(entry) if masked and step == Step.CODE.value else entry
        return " ".join(shown + "_" * max(0, int(n) - len(entry)))

    # ----- keypad and buttons -----
    def on_keypad(self, value: str) -> None:
        """Keypad edited the entry."""
        self.entry = value
        self.ctx.nav.touch_activity()
        if self.message_kind == "error" and self.wait_s <= 0:
            self.say(None)

    def toggle_mask(self) -> None:
        """Show or hide the digits."""
        self.masked = not self.masked

    def back(self) -> None:
        """Back one step (factor -> code keeps the code), or home from the code."""
        if self.step != Step.CODE.value:
            self._stop_camera()
            self.step = Step.CODE.value
            self.max_length = self.settings.code_length
            self.entry = self.code
            self.say(None)
            return
        self.ctx.nav.go_home()

    def submit(self) -> None:
        """Continue/open: validate length, ask for the second factor if needed, then call the locker."""
        if self.busy or self.wait_s > 0:
            return
        if self.step == Step.CODE.value:
            n = self.settings.code_length
            if len(self.entry) != n:
                self.say("pickup.too_short", "error", n=n)
                return
            self.code = self.entry
            if self.settings.second_factor in (Step.PHONE_LAST4.value, Step.ID_NUMBER.value):
                self._ask_factor(self.settings.second_factor)
                return
            self._send()
        elif self.step == Step.PHONE_LAST4.value:
            if len(self.entry) != PHONE_DIGITS:
                self.say("pickup.phone4_short", "error")
                return
            self._send(phone_last4=self.entry)
        else:
            if len(self.entry) != ID_DIGITS:
                self.say("pickup.id_short", "error")
                return
            self._send(id_number=self.entry)

    def _ask_factor(self, factor: str) -> None:
        self.step = factor
        self.entry = ""
        self.masked = False
        self.max_length = PHONE_DIGITS if factor == Step.PHONE_LAST4.value else ID_DIGITS
        self.say(None)
        if factor == Step.ID_NUMBER.value:
            self._start_camera()

    def _send(self, id_number: str | None = None, phone_last4: str | None = None) -> None:
        client = self.ctx.services.locker
        if client is None:
            return
        self.busy = True
        self.say("pickup.checking")
        code = self.code
        self.ctx.worker.submit(
            lambda: client.pickup(code, id_number=id_number, phone_last4=phone_last4),
            self._opened,
            self._refused,
        )

    # ----- answers -----
    def _opened(self, result: PickupResult) -> None:
        self.busy = False
        self._stop_camera()
        code_len = self.settings.code_length
        hotline = self.hotline
        photo = self.settings.handover_photo_max_bytes if self.settings.handover_photo else 0
        self.reset()
        self.ctx.nav.go(
            "pickup_open", result=result, hotline=hotline, code_length=code_len, photo_max_bytes=photo
        )

    def _refused(self, err: BaseException) -> None:
        self.busy = False
        if isinstance(err, ServiceUnavailable) and err.code == "locker_unavailable":
            # the daemon answers but this door cannot be driven now: say so, do not blank the screen
            self.say("pickup.error", "error", hotline=self.hotline)
            return
        if isinstance(err, ServiceUnavailable):
            self.ctx.nav.service_failed("locker", err)
            return
        if not isinstance(err, ApiError):
            log.error("pickup failed unexpectedly: %s", err, exc_info=err)
            self.say("pickup.error", "error", hotline=self.hotline)
            return
        log.info("pickup refused: %s (%s)", err.code, err.status)
        code, extra = err.code, err.extra
        if code in _BACK_AND_SAY:
            self._back_to_code()
            self.say(_BACK_AND_SAY[code], "error", hotline=self.hotline)
        elif code == "wrong_code":
            self._back_to_code()
            self._wrong_code(extra.get("tries_left"))
        elif code in ("second_factor_required", "second_factor_wrong"):
            self._factor_refused(code, extra.get("factor"))
        elif code == "throttled":
            self._back_to_code(keep=True)
            self._throttle(extra.get("retry_after_s"))
        elif code == "invalid_request":
            self.say("pickup.bad_input", "error")
        else:
            self.say("pickup.error", "error", hotline=self.hotline)

    def _wrong_code(self, left: object) -> None:
        if isinstance(left, int) and left > 1:
            self.say("pickup.wrong_code", "error", n=left)
        elif left == 1:
            self.say("pickup.wrong_code_last", "error")
        elif left == 0:
            self.say("pickup.locked", "error", hotline=self.hotline)
        else:
            self.say("pickup.wrong_code_plain", "error")

    def _factor_refused(self, code: str, factor_given: object) -> None:
        if code == "second_factor_required":
            factor = str(factor_given or self.settings.second_factor)
            known = factor in (Step.PHONE_LAST4.value, Step.ID_NUMBER.value)
            self._ask_factor(factor if known else Step.PHONE_LAST4.value)
            self.say("pickup.enter_phone4" if self.step == Step.PHONE_LAST4.value else "pickup.enter_id")
            return
        factor = str(factor_given or self.step)
        if self.step == Step.CODE.value:
            self._ask_factor(factor)
        self.entry = ""
        wrong_id = factor == Step.ID_NUMBER.value
        self.say("pickup.factor_wrong_id" if wrong_id else "pickup.factor_wrong_phone", "error")

    def _back_to_code(self, keep: bool = False) -> None:
        self._stop_camera()
        self.step = Step.CODE.value
        self.max_length = self.settings.code_length
        self.entry = self.code if keep else ""
        if not keep:
            self.code = ""

    # ----- throttling countdown -----
    def _throttle(self, retry_after: object) -> None:
        try:
            seconds = max(1, int(float(str(retry_after))))
        except (TypeError, ValueError):
            seconds = 30
        self._stop_countdown()
        self.wait_s = seconds
        self.say("pickup.throttled", "error", s=seconds, hotline=self.hotline)
        self._countdown = Clock.schedule_interval(self._tick, 1.0)

    def _tick(self, _dt: float) -> None:
        self.wait_s = max(0, int(self.wait_s) - 1)
        if self.wait_s > 0:
            self.say("pickup.throttled", "error", s=int(self.wait_s), hotline=self.hotline)
        else:
            self._stop_countdown()
            self.say("pickup.throttled_over")

    def _stop_countdown(self) -> None:
        if self._countdown is not None:
            self._countdown.cancel()
            self._countdown = None
        self.wait_s = 0

    # ----- camera (ID card as second factor) -----
    def _start_camera(self) -> None:
        if not self.camera.start(self.ids.preview.offer_frame):
            self.camera_state = CameraState.UNAVAILABLE.value

    def _stop_camera(self) -> None:
        self.camera.stop()
        if "preview" in self.ids:
            self.ids.preview.clear()
        self.camera_state = CameraState.STOPPED.value

    def on_scan(self, result: ScanResult) -> None:
        """A QR was read while asking for the ID number (UI thread)."""
        if self.step != Step.ID_NUMBER.value or self.busy:
            return
        self.ctx.nav.touch_activity()
        if result.kind == "cccd" and result.cccd is not None:
            self.ctx.nav.play_voice("beep")
            self.entry = result.cccd.id_number
            self._stop_camera()
            self.say("pickup.id_read")
            self._send(id_number=result.cccd.id_number)
        else:
            self.say("pickup.not_id", "error")

    # ----- screenshots -----
    @classmethod
    def demo_states(cls) -> list[str]:
        return ["code", "wrong_code", "phone_last4", "throttled", "photo_notice"]

    def stage_demo(self, state: str) -> None:
        self.reset()
        self.photo_days = 0
        self.entry = "4821"
        if state == "wrong_code":
            self.entry = ""
            self.say("pickup.wrong_code", "error", n=3)
        elif state == "phone_last4":
            self.code = "482193"
            self._ask_factor("phone_last4")
            self.entry = "00"
        elif state == "photo_notice":  # evidence of handover on: told before the code
            self.photo_days = 30
        elif state == "throttled":
            self.entry = "482193"
            self.wait_s = 45
            self.say("pickup.throttled", "error", s=45, hotline=self.hotline)


__all__ = ["PickupScreen", "ServiceError", "Step"]
