"""A kiosk's printer and camera states, as alarms staff see (`POST /api/v1/kiosk/devices`).

A problem state raises the alarm `{device}_{state}` for that kiosk, once while it is open; `ok`
acknowledges that kiosk's open alarms of the device (attributed to `kiosk:<id>`), so staff see a
refilled printer drop off the list without touching it. The kiosk is named in the alarm's
message (`kiosk <id>: …`, as `POST /api/v1/alarms` writes it): that prefix is how one kiosk's
alarms are told from another's (the id is already reduced to letters, digits, `-` and `_`).
"""

from __future__ import annotations

import enum

from locker.doors import Alarms
from locker.store import Store


class Device(enum.StrEnum):
    """A kiosk device the locker hears about."""

    PRINTER = "printer"
    CAMERA = "camera"


class DeviceState(enum.StrEnum):
    """What the kiosk says about a device (kiosk.devices.DeviceState is the same vocabulary)."""

    OK = "ok"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    MISSING = "missing"


class KioskDevices:
    """Turns device reports from kiosks into raised and cleared alarms, in one transaction each."""

    def __init__(self, store: Store, alarms: Alarms) -> None:
        self._store = store
        self._alarms = alarms

    def report(self, kiosk: str, device: Device, state: DeviceState, detail: str) -> int | None:
        """Record `kiosk`'s `device` being `state`; the new alarm's id, or None (ok, or already open)."""
        prefix = f"kiosk {kiosk}: "
        actor = f"kiosk:{kiosk}"
        with self._store.tx() as conn:
            rows = conn.execute(
                "SELECT * FROM alarms WHERE acked=0 AND compartment IS NULL AND kind LIKE ? "
                "AND substr(message, 1, ?) = ? ORDER BY alarm_id",
                (f"{device.value}%", len(prefix), prefix),
            ).fetchall()
            rows = [r for r in rows if str(r["kind"]).startswith(f"{device.value}_")]
            if state is DeviceState.OK:
                for row in rows:
                    self._alarms.ack_in(conn, row, actor, reason=f"{device.value} ok again")
                return None
            kind = f"{device.value}_{state.value}"
            if any(r["kind"] == kind for r in rows):
                return None
            message = f"{prefix}{device.value} {state.value.replace('_', ' ')} ({detail or state.value})"
            return self._alarms.record_in(conn, kind, None, message, actor=actor)
