"""Attempt limits on pickup codes: per deposit, per kiosk (growing delays) and cabinet-wide.

Failures are counted in the database (they survive restarts); every one is audited, never with
the typed code.

Check and record are one step: `fail` re-checks the throttle (and, for a second factor, the
deposit's lock) inside the write transaction that records the failure, under the store's one
writer lock. A snapshot read may answer a throttled kiosk early, but only the check under the
lock admits a try, so N concurrent wrong tries count N and a brake admits no more than its rate
whatever the concurrency. The right code takes the same check in the transaction that writes its
unlock intent (`locker.pickup`), so a try that was not admitted never opens a door and its answer
(429, 423) does not depend on whether the code was right.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from datetime import datetime, timedelta

from common.clock import Clock
from common.timestamps import epoch
from locker import audit, deposits_repo, failures_repo
from locker.alarms import Alarms
from locker.config import LockerConfig
from locker.deposits_repo import deposit_row
from locker.domain import kiosk_delay_s
from locker.errors import Locked, Throttled
from locker.failures_repo import CABINET
from locker.store import Store

log = logging.getLogger(__name__)


class Attempts:
    """Counts failed attempts and decides when a kiosk must wait."""

    def __init__(self, cfg: LockerConfig, store: Store, clock: Clock, alarms: Alarms) -> None:
        self._cfg = cfg
        self._store = store
        self._clock = clock
        self._alarms = alarms

    def check(self, conn: sqlite3.Connection, kiosk: str, now: datetime) -> bool:
        """Raise Throttled while this kiosk (or the whole cabinet) must wait; returns whether the
        cabinet-wide brake is on (and this try is its one for the pause).

        On a read snapshot this is only an early answer for a kiosk that is already throttled;
        the admission itself is `admit_in`, inside a `Store.tx()`."""
        c = self._cfg.codes
        now_s = epoch(now)
        # Cabinet-wide: after burst_failures failures in a row (no quiet window between them), one
        # attempt per cabinet_delay_after_burst_s from any kiosk, so several kiosks or forged
        # kiosk ids cannot multiply the guessing rate. Staff acknowledging the alarm lifts it.
        cab = failures_repo.run_of(conn, CABINET)
        braked = False
        if cab is not None and cab[0] >= c.burst_failures:
            last = cab[1]
            pause = last + c.cabinet_delay_after_burst_s - now_s
            quiet = now_s - last > c.burst_window_min * 60
            braked = not quiet
            if pause > 0 and not quiet:
                secs = max(1, math.ceil(pause))
                raise Throttled(
                    "throttled",
                    f"too many wrong codes at this locker; wait {secs} s and try again",
                    retry_after_s=secs,
                )
        run = failures_repo.run_of(conn, kiosk)
        if run is None:
            return braked
        delay = kiosk_delay_s(run[0], c.kiosk_free_failures, c.kiosk_first_delay_s, c.kiosk_max_delay_s)
        wait = run[1] + delay - now_s
        if wait > 0:
            secs = max(1, math.ceil(wait))
            raise Throttled(
                "throttled",
                f"too many wrong codes at this kiosk; wait {secs} s and try again",
                retry_after_s=secs,
            )
        return braked

    def admit_in(self, conn: sqlite3.Connection, kiosk: str, now: datetime) -> None:
        """Admit one try that records no failure (a right code, a refusal that tells something
        about the code) inside a write transaction, or raise Throttled.

        Under the cabinet-wide brake the admitted try takes the pause whatever its outcome: the
        cabinet row's time moves to now, so a wrong code right after a right one still waits
        (the brake admits one try per pause, not one failure)."""
        if self.check(conn, kiosk, now):
            failures_repo.touch(conn, CABINET, now)

    @staticmethod
    def forget_in(conn: sqlite3.Connection, kiosk: str) -> None:
        """A right code at `kiosk`: its growing delay starts over (inside the caller's transaction)."""
        failures_repo.forget(conn, kiosk)

    def admit(self, kiosk: str) -> None:
        """`admit_in` in a write transaction of its own."""
        with self._store.tx() as conn:
            self.admit_in(conn, kiosk, self._clock.now())

    def locked_error(self) -> Locked:
        """The answer to any try on a deposit locked after too many wrong tries."""
        return Locked(
            "deposit_locked",
            "this deposit is locked after too many wrong tries; "
            f"call the hotline {self._cfg.hotline} or come to the counter",
        )

    def fail(
        self,
        kiosk: str,
        reason: str,
        deposit_id: str | None = None,
        compartment: str | None = None,
        count_on_deposit: bool = False,
        refuse_if_locked: bool = False,
    ) -> int | None:
        """Admit and record one failed attempt in one write transaction; returns tries left on
        the deposit when counted there.

        Raises Throttled (nothing recorded: the try was not admitted) when the kiosk or the
        cabinet must wait. With `refuse_if_locked`, a try on a deposit that is already locked is
        recorded as `deposit_locked` (not counted on the deposit again) and Locked is raised
        once that is committed.
        """
        c = self._cfg.codes
        tries_left = None
        refused = False
        with self._store.tx() as conn:
            now = self._clock.now()  # under the writer lock: failures are recorded in time order
            self.check(conn, kiosk, now)  # admitted: the failure recorded below takes the pause
            if deposit_id and refuse_if_locked and deposit_row(conn, deposit_id)["locked"]:
                reason, count_on_deposit, refused = "deposit_locked", False, True
            self._record(conn, now, kiosk, reason, deposit_id, compartment, count_on_deposit)
            if count_on_deposit and deposit_id:
                wrong = int(deposit_row(conn, deposit_id)["wrong_tries"])
                tries_left = max(0, c.max_wrong_per_deposit - wrong)
        if refused:
            raise self.locked_error()
        return tries_left

    def _record(
        self,
        conn: sqlite3.Connection,
        now: datetime,
        kiosk: str,
        reason: str,
        deposit_id: str | None,
        compartment: str | None,
        count_on_deposit: bool,
    ) -> None:
        """Write one failure: kiosk and cabinet runs, the deposit's count, audit and alarms."""
        c = self._cfg.codes
        # forged kiosk ids each leave a row: rows idle for kiosk_failures_forget_h go (the brake
        # bounds how fast new ones come, so the table stays small)
        failures_repo.forget_idle(conn, now - timedelta(hours=c.kiosk_failures_forget_h))
        consecutive = failures_repo.count(conn, kiosk, now)
        failures_repo.add(conn, kiosk, now)
        # The cabinet-wide run of failures: restarts after a quiet window, or when staff
        # acknowledge the code_guessing alarm (locker.alarms.Alarms.ack).
        failures_repo.count(conn, CABINET, now, quiet_since=now - timedelta(minutes=c.burst_window_min))
        if deposit_id and count_on_deposit:
            # read and written under the writer lock: concurrent wrong tries each count
            row = deposit_row(conn, deposit_id)
            wrong = int(row["wrong_tries"]) + 1
            locked = wrong >= c.max_wrong_per_deposit
            deposits_repo.set_wrong_tries(conn, deposit_id, wrong, locked or bool(row["locked"]))
            if locked and not row["locked"]:
                audit.append(
                    conn,
                    now,
                    "system",
                    "deposit_locked",
                    deposit_id=deposit_id,
                    compartment=compartment,
                    wrong_tries=wrong,
                )
                self._alarms.raise_in(
                    conn,
                    "deposit_locked",
                    compartment,
                    f"deposit {deposit_id} locked after {wrong} wrong tries",
                )
        audit.append(
            conn,
            now,
            f"kiosk:{kiosk}",
            "pickup_failed",
            deposit_id=deposit_id,
            compartment=compartment,
            reason=reason,
        )
        if consecutive >= c.kiosk_alarm_failures:
            # a slow, patient guesser never makes a burst: alarm on the run of failures too
            self._alarms.raise_in(
                conn, "code_guessing", None, f"{consecutive} wrong codes in a row at kiosk {kiosk}"
            )
        n = failures_repo.recent(conn, now - timedelta(minutes=c.burst_window_min))
        if n >= c.burst_failures:
            self._alarms.raise_in(
                conn,
                "code_guessing",
                None,
                f"{n} failed pickup attempts in {c.burst_window_min:g} minutes",
            )
