"""Open calls for staff from kiosks ("Gọi nhân viên / Call staff"), for the counter consoles.

Held in memory only (a call is worth minutes; a restart forgets it, the locker's alarm list
keeps the record): at most `MAX_KIOSKS` kiosks, a new call replaces that kiosk's previous one.
Every change is a `kiosk_help` event in the queue's event stream, so every console shows it and
drops it together: `{"kiosk", "screen", "state": "requested" | "ok" | "acked", "by"?}`.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from contracts.queueing_counter import HelpRequest, KioskHelpAnswer
from queueing import events_repo
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)

#: Kiosks whose open call is kept; past this the oldest call is dropped (kiosk ids are client data).
MAX_KIOSKS = 64
KIOSK_ID_MAX = 32


def kiosk_name(header: str | None) -> str:
    """The `X-Kiosk-Id` header reduced to ASCII letters, digits, '-' and '_' (≤ 32), else 'kiosk'."""
    kid = (header or "kiosk")[:KIOSK_ID_MAX]
    return "".join(ch for ch in kid if (ch.isascii() and ch.isalnum()) or ch in "-_") or "kiosk"


class KioskHelp(Part):
    """The open calls, oldest first (thread-safe); a part on the queue's `Wiring`."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__(wiring)
        self._lock = threading.Lock()
        self._open: OrderedDict[str, HelpRequest] = OrderedDict()

    def set(self, kiosk: str, screen: str, state: str) -> KioskHelpAnswer:
        """A kiosk's call (`requested`) or its cancel (`ok`); published to the consoles."""
        now = self.w.now_ts()
        with self._lock:
            if state == "requested":
                self._open.pop(kiosk, None)
                self._open[kiosk] = HelpRequest(kiosk=kiosk, screen=screen, since=now)
                while len(self._open) > MAX_KIOSKS:
                    dropped, _ = self._open.popitem(last=False)
                    log.warning(
                        "more than %d kiosks calling staff: dropped the oldest (%s)", MAX_KIOSKS, dropped
                    )
            else:
                self._open.pop(kiosk, None)
            is_open = kiosk in self._open
        self._publish({"kiosk": kiosk, "screen": screen, "state": state}, now)
        return KioskHelpAnswer(kiosk=kiosk, open=is_open)

    def ack(self, kiosk: str, staff_id: str) -> KioskHelpAnswer:
        """A member of staff is on the way: the call leaves every console (logged)."""
        with self._lock:
            call = self._open.pop(kiosk, None)
        if call is not None:
            log.info(
                "staff %s answered the call for staff from kiosk %s (screen %s)",
                staff_id,
                kiosk,
                call.screen,
            )
            self._publish({"kiosk": kiosk, "screen": call.screen, "state": "acked", "by": staff_id})
        return KioskHelpAnswer(kiosk=kiosk, open=False)

    def open_calls(self) -> list[HelpRequest]:
        """The open calls, oldest first."""
        with self._lock:
            return list(self._open.values())

    def _publish(self, data: dict[str, Any], now: float | None = None) -> None:
        with self.store.tx() as conn:
            events_repo.append(conn, self.w.now_ts() if now is None else now, "kiosk_help", data)
