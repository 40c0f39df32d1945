"""Pausing a counter with a reason, and resuming it.

A paused counter calls nobody and is not counted in wait estimates. A pause needs one of the
configured reasons (`[[queueing.pause_reasons]]`); the time it lasts, by reason and officer, is
kept by `queueing.counter_time` in the same transaction (and the province hub is told).
"""

from __future__ import annotations

import logging
import sqlite3

from common.timestamps import iso_utc
from contracts.counter_time import CounterPaused, PauseReason, PauseState
from queueing import appointment_calls, counter_time_repo, counters_repo, events_repo
from queueing.counters import CounterDesk
from queueing.domain import CounterStatus
from queueing.errors import QueueError
from queueing.staff import Session
from queueing.wiring import Part

log = logging.getLogger(__name__)


class CounterPauses(Part):
    """The console's pause and resume (a part on the desk's wiring)."""

    def __init__(self, desk: CounterDesk) -> None:
        super().__init__(desk.w)
        self.desk = desk
        self.estimates = desk.estimates

    def pause(self, session: Session, paused: bool, reason: str | None = None) -> CounterPaused:
        """Pause for a configured `reason` (422 without one), or resume.

        Pausing again for the same reason changes nothing (a retried request); for another
        reason it is refused (409 `already_paused`): resume first, so each pause has one reason.
        Resuming a counter that is not paused changes nothing.
        """
        cfg = self.desk.at_counter(session)
        if paused:
            reason = self.reason(reason)
        now = self.w.now_ts()
        with self.store.tx() as conn:
            row = counters_repo.pause_state(conn, cfg.number)
            was_paused = row is not None and row["status"] == CounterStatus.PAUSED.value
            if was_paused == paused and (not paused or row is None or row["pause_reason"] == reason):
                return self.view(conn, cfg.number)
            if was_paused and paused:
                raise QueueError(
                    409,
                    "already_paused",
                    "Quầy đang tạm dừng vì lý do khác: bấm “Tiếp tục” rồi tạm dừng lại. "
                    "The counter is paused for another reason: resume it, then pause again.",
                )
            status = CounterStatus.PAUSED if paused else CounterStatus.OPEN
            counters_repo.set_pause(conn, cfg.number, status.value, reason if paused else None)
            events_repo.append(
                conn, now, "counter", {"counter": cfg.number, "status": status.value, "reason": reason}
            )
        self.estimates.set_counter_open(cfg.number, not paused)
        log.info(
            "counter %d %s by %s%s",
            cfg.number,
            status.value,
            session.staff.staff_id,
            f" ({reason})" if paused else "",
        )
        with self.store.read() as conn:
            return self.view(conn, cfg.number)

    def reason(self, code: str | None) -> str:
        """`code` when it is a configured pause reason; else 422 naming the choices."""
        choices = ", ".join(f"{r.code} ({r.name_vi} / {r.name_en})" for r in self.config.pause_reasons)
        if not code:
            raise QueueError(
                422,
                "pause_reason_required",
                f"Chọn lý do tạm dừng. Choose why the counter pauses: {choices}.",
                field="reason",
            )
        if self.config.pause_reason(code) is None:
            raise QueueError(
                422,
                "unknown_pause_reason",
                f"Không có lý do tạm dừng này. Unknown pause reason; choose one of: {choices}.",
                field="reason",
            )
        return code

    def state(self, session: Session) -> PauseState:
        """The counter's pause (reason, since when) and the reasons to choose from."""
        cfg = self.desk.at_counter(session)
        with self.store.read() as conn:
            view = self.view(conn, cfg.number)
        reasons = [PauseReason.model_validate(r.model_dump()) for r in self.config.pause_reasons]
        return PauseState(**view.model_dump(), reasons=reasons)

    def view(self, conn: sqlite3.Connection, counter: int) -> CounterPaused:
        """The counter's status; while paused its reason and since when (ISO 8601 UTC, and HH:MM
        in the center's time zone)."""
        row = counters_repo.pause_state(conn, counter)
        status = CounterStatus(row["status"]) if row is not None else CounterStatus.CLOSED
        if row is None or status is not CounterStatus.PAUSED:
            return CounterPaused(counter=counter, status=status)
        since = counter_time_repo.pause_since(conn, counter)

        return CounterPaused(
            counter=counter,
            status=status,
            reason=row["pause_reason"],
            since=iso_utc(since),
            since_local=appointment_calls.hhmm(since, self.tz),
        )
