"""A kiosk's printer, camera and screen states, as alarms staff see (`POST /api/v1/kiosk/devices`).

A problem state raises the alarm `{device}_{state}` for that kiosk, once while it is open; `ok`
acknowledges that kiosk's open alarms of the device (attributed to `kiosk:<id>`), so staff see a
refilled printer drop off the list without touching it. The kiosk is named in the alarm's
message (`kiosk <id>: …`, as `POST /api/v1/alarms` writes it): that prefix is how one kiosk's
alarms are told from another's (the id is already reduced to letters, digits, `-` and `_`).

The kiosk's screen is reported the same way: device `screen`, `out_of_service` (detail: the
services it waits for) raises `screen_out_of_service`, `in_service` acknowledges it. A kiosk that
cannot reach the locker cannot report; the province hub then sees the locker unreachable.

A citizen's "Call staff" button is reported the same way: device `help`, state `requested` with the
screen as detail raises `kiosk_help` (`kiosk <id>: help requested on <screen>`); `ok` (the citizen
cancelled) acknowledges it. A kiosk may raise at most `HELP_CALLS_PER_WINDOW` help alarms per
`HELP_WINDOW_S` (a stuck or played-with button cannot flood the alarm list): beyond that the call
is refused with 429 and `retry_after_s`; a request while one is open is the same alarm.
"""

from __future__ import annotations

from common.clock import Clock, SystemClock
from common.rate_limit import RateLimiter
from contracts.locker import Device, DeviceState  # the contract's words are the daemon's
from locker.alarms import Alarms, open_kiosk_alarms
from locker.errors import InvalidInput, Throttled
from locker.store import Store

#: a kiosk raises at most this many help alarms per HELP_WINDOW_S
HELP_CALLS_PER_WINDOW = 3
HELP_WINDOW_S = 600.0
HELP_KIND = "kiosk_help"
_SCREEN_STATES = (DeviceState.IN_SERVICE, DeviceState.OUT_OF_SERVICE)


class KioskDevices:
    """Turns device reports from kiosks into raised and cleared alarms, in one transaction each."""

    def __init__(self, store: Store, alarms: Alarms, clock: Clock | None = None) -> None:
        self._store = store
        self._alarms = alarms
        self._help_limit = RateLimiter(
            HELP_CALLS_PER_WINDOW, HELP_WINDOW_S, clock=(clock or SystemClock()).monotonic
        )

    def problems(self) -> dict[str, dict[str, str]]:
        """Each kiosk's devices with an open problem alarm: {kiosk id: {device: state}} (for the
        health answer the province hub's heartbeat reads; a device not listed is ok or unheard of)."""
        out: dict[str, dict[str, str]] = {}
        with self._store.read() as conn:
            rows = open_kiosk_alarms(conn)
        for row in rows:
            kiosk = str(row["message"])[6:].split(":", 1)[0]
            for device in (Device.PRINTER, Device.CAMERA, Device.SCREEN):
                prefix = f"{device.value}_"
                if str(row["kind"]).startswith(prefix):
                    out.setdefault(kiosk, {})[device.value] = str(row["kind"])[len(prefix) :]
        return out

    def report(self, kiosk: str, device: Device, state: DeviceState, detail: str) -> int | None:
        """Record `kiosk`'s `device` being `state`; the new alarm's id, or None (ok, or already open)."""
        prefix = f"kiosk {kiosk}: "
        actor = f"kiosk:{kiosk}"
        helping = device is Device.HELP
        if helping and state not in (DeviceState.OK, DeviceState.REQUESTED):
            raise InvalidInput("state", "help is `requested` or `ok` (cancelled)")
        if not helping and state is DeviceState.REQUESTED:
            raise InvalidInput("state", f"{device.value} cannot be `requested`; that state is for help")
        screen = device is Device.SCREEN
        if screen != (state in _SCREEN_STATES):
            raise InvalidInput(
                "state",
                "the screen is `in_service` or `out_of_service`"
                if screen
                else f"{device.value} cannot be `{state.value}`; that state is for the screen",
            )
        if state is DeviceState.IN_SERVICE:
            state = DeviceState.OK
        kind_prefix = HELP_KIND if helping else f"{device.value}_"
        with self._store.tx() as conn:
            rows = open_kiosk_alarms(conn, kind_prefix, kiosk)
            if state is DeviceState.OK:
                reason = (
                    "the citizen cancelled the call"
                    if helping
                    else "back in service"
                    if screen
                    else f"{device.value} ok again"
                )
                for row in rows:
                    self._alarms.ack_in(conn, row, actor, reason=reason)
                return None
            kind = HELP_KIND if helping else f"{device.value}_{state.value}"
            if any(r["kind"] == kind for r in rows):
                return None
            if helping:
                wait = self._help_limit.retry_after(kiosk)
                if wait:
                    raise Throttled(
                        "throttled",
                        f"this kiosk called staff {HELP_CALLS_PER_WINDOW} times in "
                        f"{HELP_WINDOW_S / 60:.0f} min; wait {wait} s or ask at the counter",
                        retry_after_s=wait,
                    )
                message = f"{prefix}help requested on {detail or 'an unnamed screen'}"
            else:
                message = f"{prefix}{device.value} {state.value.replace('_', ' ')} ({detail or state.value})"
            return self._alarms.record_in(conn, kind, None, message, actor=actor)
