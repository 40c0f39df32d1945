"""The heartbeat's device states, read from the services' own health answers.

Only the services of this center are asked (those with an outbox database here, as for the
events), each on its `GET /api/v1/health` where the kiosk finds it, with a session of its own:
the hub's token never goes to them. Names and states (at most 64, each at most 32 characters):

- `queueing`, `locker`: the service's `status` (ok, degraded, failed) or `unreachable`;
- `bus <name>`: `ok` while connected, else the bus state; `board <bus>/<n>`: ok, unreachable, unknown;
- `kiosk <id> printer`, `kiosk <id> camera`: a kiosk device with an open problem at the locker
  (paper_out, cover_open, offline, missing); a device not listed is ok;
- `kiosk <id> screen`: `out_of_service` while that kiosk shows "Tạm ngưng phục vụ" (reported by
  the kiosk to the locker); a kiosk not listed serves citizens.

Beside the devices: the tickets waiting now (the queue's `waiting`) and the locker's compartment
count (its `compartments`: total and out of service), for the hub's occupancy share.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import requests

from uplink.config import Source

log = logging.getLogger(__name__)


def from_health(stream: str, body: dict[str, Any] | None) -> dict[str, str]:
    """One service's devices from its health answer (None: it did not answer)."""
    if body is None:
        return {stream: "unreachable"}
    out = {stream: str(body.get("status") or "unknown")}
    for bus in body.get("buses") or []:
        if not isinstance(bus, dict):
            continue
        name = str(bus.get("bus", "?"))
        out[f"bus {name}"] = "ok" if bus.get("connected") else str(bus.get("state") or "down")
        for board, state in sorted((bus.get("boards") or {}).items()):
            out[f"board {name}/{board}"] = str(state)
    for kiosk, states in sorted((body.get("kiosk_devices") or {}).items()):
        for device, state in sorted(dict(states).items()):
            out[f"kiosk {kiosk} {device}"] = str(state)
    return out


def waiting_from_health(body: dict[str, Any] | None) -> int | None:
    """Tickets waiting now, from the queueing service's health answer."""
    value = (body or {}).get("waiting")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def compartments_from_health(body: dict[str, Any] | None) -> dict[str, int] | None:
    """The locker's `{"total", "out_of_service"}` from its health answer; None when it did not
    answer or is too old to say (the hub then keeps what it last heard)."""
    found = (body or {}).get("compartments")
    if not isinstance(found, dict):
        return None
    total, out = found.get("total"), found.get("out_of_service", 0)
    if not (isinstance(total, int) and isinstance(out, int)):
        return None
    if isinstance(total, bool) or isinstance(out, bool) or min(total, out) < 0:
        return None
    return {"total": total, "out_of_service": out}


class Readings(NamedTuple):
    """What the heartbeat carries from the services' health answers."""

    devices: dict[str, str]
    waiting: int | None
    compartments: dict[str, int] | None


class DeviceReader:
    """Asks each service of this center for its health (plain HTTP(S), no hub token)."""

    def __init__(self, timeout_s: float, verify: bool | str) -> None:
        self.http = requests.Session()
        self.timeout_s = timeout_s
        self.verify = verify

    def health(self, source: Source) -> dict[str, Any] | None:
        """The service's health body (also a 503 `failed` one), or None if it did not answer."""
        try:
            resp = self.http.get(source.health_url, timeout=self.timeout_s, verify=self.verify)
            body = resp.json()
        except (requests.RequestException, ValueError) as err:
            log.debug("%s health %s: %s", source.stream, source.health_url, err)
            return None
        return body if isinstance(body, dict) else None

    def read(self, sources: list[Source]) -> Readings:
        """Every device of the services run here, the tickets waiting now, the locker's size."""
        devices: dict[str, str] = {}
        waiting = None
        compartments = None
        for source in sources:
            if not source.health_url or not source.db_path.exists():
                continue  # not run on this machine
            body = self.health(source)
            devices.update(from_health(source.stream, body))
            if source.stream == "queueing":
                waiting = waiting_from_health(body)
            elif source.stream == "locker":
                compartments = compartments_from_health(body)
        return Readings(dict(list(devices.items())[:64]), waiting, compartments)

    def close(self) -> None:
        """Close the session."""
        self.http.close()
