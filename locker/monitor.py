"""Background duties: door events, boot reconciliation, doors left open, expiry and reminders.

Reconciliation never pulses a door: it compares the sensors with the database, settles what the
sensors prove, and raises an alarm for everything else.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from datetime import datetime
from typing import Any

from common import outbox as hub_outbox
from common.periodic import Periodic
from common.timestamps import epoch, iso
from drivers.lockboard.types import DoorEvent, DoorState, EventKind, LockBoardError
from locker import audit, authorised, deposits_repo, handover, outbox, status_sms, unlocks_repo
from locker.deposits import Deposits
from locker.deposits_repo import mark_collected, set_state
from locker.domain import DepositState, UnlockState, sensor_mismatch
from locker.errors import StorageFailed
from locker.wiring import Part, Wiring

log = logging.getLogger(__name__)

_BATCH_MAX = 64
"""At most this many queued door events share one transaction."""
_GATHER_S = 0.05
"""After a door event, wait this long for others (under load, pickups' doors open and close
every few ms) so that they share one transaction and its fsync; audited that much later."""
_DOOR_KINDS = (EventKind.DOOR_OPENED, EventKind.DOOR_FORCED, EventKind.DOOR_CLOSED)


class Monitor(Part):
    """Owns the event thread and the periodic sweep."""

    def __init__(self, wiring: Wiring, deposits: Deposits) -> None:
        super().__init__(wiring)
        self._deposits = deposits
        self._events: queue.Queue[DoorEvent | None] = queue.Queue()
        self._open_since: dict[str, float] = {}
        self._stop = threading.Event()
        self._events_thread: threading.Thread | None = None
        self._sweeps: Periodic | None = None  # the periodic sweep (`start`)
        self._subscribed = False

    # ----- wiring -----
    def on_event(self, event: DoorEvent) -> None:
        """Bus callback (bus thread): just queue it (dropped once stopped: the bus has no
        unsubscribe, and a stopped monitor's queue is never read again)."""
        if not self._stop.is_set():
            self._events.put(event)

    def subscribe(self) -> None:
        """Start queueing the buses' door events (handled once `start` runs). Called before boot
        reconciliation, so a door that moves while the database is compared with the sensors is
        still audited and alarmed afterwards, never lost in between."""
        if self._subscribed:
            return
        self._subscribed = True
        for bus in self._cabinet.buses.values():
            bus.subscribe(self.on_event)

    def start(self, sweep_interval_s: float = 5.0) -> None:
        """Subscribe (if not yet), then start the event and sweep threads; events queued since
        `subscribe` are handled first."""
        self.subscribe()
        self._events_thread = threading.Thread(target=self._event_loop, name="locker-events", daemon=True)
        self._events_thread.start()
        self._sweeps = Periodic("locker-sweep", sweep_interval_s, self._sweep_round, join_s=10)
        self._sweeps.start()

    def stop(self) -> None:
        """Stop both threads."""
        self._stop.set()
        self._events.put(None)
        if self._events_thread is not None:
            self._events_thread.join(timeout=10)
        if self._sweeps is not None:
            self._sweeps.stop()

    def _event_loop(self) -> None:
        while not self._stop.is_set():
            event = self._events.get()
            if event is None:
                return
            if event.kind in _DOOR_KINDS:  # board and bus alarms are raised at once
                self._stop.wait(_GATHER_S)
            batch = [event]
            while len(batch) < _BATCH_MAX:  # under load, events waiting share one commit (fsync)
                try:
                    more = self._events.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._events.put(None)  # stop after this batch
                    break
                batch.append(more)
            try:
                self.handle_batch(batch)
            except StorageFailed:  # logged once by the store's guard; health says 503
                log.warning("door events not recorded (storage failed): %s", batch)
            except Exception:  # one bad event must not stop door monitoring
                log.exception("while handling %s", batch)

    def _sweep_round(self) -> None:
        try:
            self.sweep()
        except StorageFailed:  # logged once by the store's guard; health says 503
            pass

    # ----- events -----
    def handle(self, event: DoorEvent) -> None:
        """React to one door/board event."""
        self.handle_batch([event])

    def handle_batch(self, events: list[DoorEvent]) -> None:
        """React to door/board events in order; the door events' audit records and alarms are
        written in one transaction (one fsync however many doors moved)."""
        doors: list[tuple[DoorEvent, str]] = []
        for event in events:
            if event.kind is EventKind.BOARD_UNREACHABLE:
                self._alarms.raise_(
                    "board_unreachable",
                    None,
                    f"bus {event.bus} board {event.board} does not answer; check its power and RS485 cable",
                )
            elif event.kind is EventKind.BUS_DOWN:
                self._alarms.raise_(
                    "bus_down", None, f"bus {event.bus}: the serial adapter is gone; check the USB cable"
                )
            else:
                label = self._cabinet.label_at(event.bus, event.board, event.lock)
                if label is not None and event.kind in _DOOR_KINDS:
                    doors.append((event, label))
        if not doors:
            return
        now_mono = self._clock.monotonic()
        to_confirm: list[str] = []

        def record(conn: sqlite3.Connection) -> None:  # one unit of work for the store's writer
            for event, label in doors:
                if event.kind is EventKind.DOOR_CLOSED:
                    self._open_since.pop(label, None)
                    audit.append(conn, self._clock.now(), "sensor", "door_closed", compartment=label)
                    loading = deposits_repo.in_state_at(conn, label, DepositState.LOADING)
                    if loading is not None and self._cfg.doors.auto_confirm_on_close:
                        to_confirm.append(loading)
                    continue
                self._open_since.setdefault(label, now_mono)
                audit.append(conn, self._clock.now(), "sensor", event.kind.value, compartment=label)
                if event.kind is EventKind.DOOR_FORCED:
                    self._alarms.raise_in(
                        conn, "door_forced", label, f"compartment {label} opened without a command"
                    )

        self._store.write(record)
        for deposit_id in to_confirm:
            try:
                self._deposits.confirm("door-sensor", deposit_id)
            except Exception as err:  # noqa: BLE001 - staff can still confirm by hand
                log.info("automatic confirm of %s not done: %s", deposit_id, err)

    # ----- periodic -----
    def sweep(self) -> None:
        """Doors left open, reminders, expiry, personal-data retention."""
        self._doors_left_open()
        self._expiry()
        self._forget_personal_data()

    def _forget_personal_data(self) -> None:
        """Blank phone, name and ID digest of deposits finished more than the retention period ago;
        erase handover photos older than theirs (`[locker.handover_photo] retention_days`)."""
        now = self._clock.now()
        cutoff = epoch(now) - self._cfg.personal_data_retention_days * 86400
        with self._store.tx() as conn:
            forgotten = deposits_repo.forget_personal_data(conn, cutoff)
            outbox.forget_payloads(conn, cutoff)
            photos = handover.erase_expired(
                conn, self._store.path.parent, now, self._cfg.handover_photo.retention_days
            )
            if photos:
                audit.append(
                    conn,
                    now,
                    "system",
                    "handover_photos_erased",
                    photos=photos,
                    older_than_days=self._cfg.handover_photo.retention_days,
                )
            # province hub events the hub holds, KEEP_ACKED_DAYS after (what the uplink recorded)
            hub_outbox.prune_acked(conn, self._store.path.parent, "locker", now.timestamp())
            if forgotten:
                audit.append(
                    conn,
                    now,
                    "system",
                    "personal_data_erased",
                    deposits=forgotten,
                    older_than_days=self._cfg.personal_data_retention_days,
                )

    def _doors_left_open(self) -> None:
        now_mono = self._clock.monotonic()
        for label in list(self._cabinet.compartments):
            if self._cabinet.door(label) is DoorState.OPEN:
                since = self._open_since.setdefault(label, now_mono)
                with self._store.read() as conn:
                    loading = deposits_repo.in_state_at(
                        conn, label, DepositState.RESERVED, DepositState.LOADING
                    )
                limit_min = (
                    self._cfg.doors.loading_open_alarm_min if loading else self._cfg.doors.left_open_alarm_min
                )
                if now_mono - since >= limit_min * 60:
                    self._alarms.raise_(
                        "door_left_open",
                        label,
                        f"compartment {label} has been open for over {limit_min:g} minutes",
                    )
            else:
                self._open_since.pop(label, None)

    def _expiry(self) -> None:
        now = self._clock.now()
        now_s = epoch(now)
        remind_before_s = self._cfg.codes.reminder_before_expiry_h * 3600
        sms = self._cfg.sms
        with self._store.tx() as conn:
            for row in deposits_repo.waiting(conn):
                expires = float(row["expires_at"])
                once = f"{row['deposit_id']}:%s:{iso(expires)}"  # once per code (its deadline)
                if expires <= now_s:
                    set_state(conn, row["deposit_id"], DepositState.EXPIRED, now, "system")
                    hub_outbox.add_now(conn, now, self._tz, "deposit.expired", size=row["size"])
                    outbox.enqueue_sms(
                        conn,
                        now,
                        self._codes.sms_box,
                        once % "expired",
                        row["phone"],
                        status_sms.text(self._cfg, self._tz, sms.expired_template, row),
                        row["deposit_id"],
                    )
                elif remind_before_s and not row["reminder_sent"] and expires - remind_before_s <= now_s:
                    deposits_repo.mark_reminded(conn, row["deposit_id"])
                    text = status_sms.text(self._cfg, self._tz, sms.reminder_template, row)
                    for suffix, to in authorised.recipients(row):
                        outbox.enqueue_sms(
                            conn,
                            now,
                            self._codes.sms_box,
                            once % "reminder" + suffix,
                            to,
                            text,
                            row["deposit_id"],
                        )
                    audit.append(
                        conn,
                        now,
                        "system",
                        "reminder_queued",
                        deposit_id=row["deposit_id"],
                        compartment=row["compartment"],
                    )
        self._kick()

    # ----- reconciliation -----
    def _read_boards(self) -> dict[tuple[str, int], dict[str, Any] | None]:
        """Each board's doors and items once (None, and a board alarm, for one that does not answer)."""
        statuses: dict[tuple[str, int], dict[str, Any] | None] = {}
        for comp in self._cabinet.compartments.values():
            key = (comp.bus, comp.board)
            if key in statuses:
                continue
            try:
                board_status = self._cabinet.buses[comp.bus].read_board(comp.board)
                statuses[key] = {"doors": board_status.doors, "items": board_status.items}
            except LockBoardError as err:
                statuses[key] = None
                self._alarms.raise_(
                    "board_unreachable",
                    None,
                    f"reconciliation: bus {comp.bus} board {comp.board} does not answer ({err})",
                )
        return statuses

    def _settle_stale_unlocks(self, conn: sqlite3.Connection, now: datetime, actor: str) -> int:
        """Unlock intents left by a stop become `unknown` (audited): the door decides, not a resend."""
        stale = unlocks_repo.in_flight(conn)
        for u in stale:
            unlocks_repo.finish(conn, u["unlock_id"], UnlockState.UNKNOWN, now)
            audit.append(
                conn,
                now,
                actor,
                "unlock_unknown_after_restart",
                deposit_id=u["deposit_id"],
                compartment=u["compartment"],
                unlock_id=u["unlock_id"],
                purpose=u["purpose"],
            )
        return len(stale)

    def _mismatch(
        self, conn: sqlite3.Connection, label: str, dep: Any, door: str, item: bool | None, problem: str
    ) -> dict[str, Any]:
        """One reconciliation finding, with its alarm."""
        self._alarms.raise_in(conn, "reconcile_mismatch", label, f"compartment {label}: {problem}")
        return {
            "compartment": label,
            "deposit_id": dep["deposit_id"] if dep else None,
            "door": door,
            "item_present": item,
            "problem": problem,
        }

    def reconcile(self, actor: str = "boot") -> list[dict[str, Any]]:
        """Settle in-flight unlocks and compare every door and item sensor with the database."""
        now = self._clock.now()
        statuses = self._read_boards()
        findings: list[dict[str, Any]] = []
        shut_while_down: list[str] = []
        with self._store.tx() as conn:
            stale = self._settle_stale_unlocks(conn, now, actor)
            active = {r["compartment"]: r for r in deposits_repo.active_rows(conn)}
            for label, comp in self._cabinet.compartments.items():
                st = statuses[(comp.bus, comp.board)]
                door = st["doors"].get(comp.lock, DoorState.UNKNOWN) if st else DoorState.UNKNOWN
                item = st["items"].get(comp.lock) if st and comp.has_item_sensor else None
                dep: Any = active.get(label)
                state = DepositState(dep["state"]) if dep else None
                problem = None
                if state is DepositState.PICKUP_OPENING and dep is not None:
                    if door is DoorState.OPEN or item is False:
                        mark_collected(conn, now, actor, dep, tz=self._tz, note="seen open at reconciliation")
                    else:
                        set_state(conn, dep["deposit_id"], DepositState.PICKUP_UNKNOWN, now, actor)
                        problem = "pickup interrupted: the door was not seen open; check the compartment"
                elif state is DepositState.LOADING and door is DoorState.CLOSED and dep is not None:
                    shut_while_down.append(dep["deposit_id"])  # loaded and shut while we were down
                elif door is not DoorState.UNKNOWN:  # unknown: the board alarm is already raised
                    problem = sensor_mismatch(state, door, item)
                if problem:
                    findings.append(self._mismatch(conn, label, dep, door.value, item, problem))
            for label, dep in active.items():
                if label not in self._cabinet.compartments:
                    problem = "a deposit is in a compartment that is no longer in the cabinet map"
                    findings.append(self._mismatch(conn, label, dep, "unknown", None, problem))
            audit.append(conn, now, actor, "reconciled", unknown_unlocks=stale, mismatches=len(findings))
        if self._cfg.doors.auto_confirm_on_close:
            for deposit_id in shut_while_down:
                try:
                    self._deposits.confirm("door-sensor", deposit_id)
                except Exception as err:  # noqa: BLE001 - staff can still confirm by hand
                    log.info("confirm of %s at reconciliation not done: %s", deposit_id, err)
        self._kick()
        return findings
