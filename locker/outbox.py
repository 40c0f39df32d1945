"""Durable outbox: SMS and back-office calls written with the state change, sent by a worker.

A message is enqueued inside the caller's transaction, so it exists if and only if the state
change committed. The worker sends with the row's idempotency key, retries with doubling delays
and gives up (status `failed`, alarm) after `max_attempts` or a permanent error.

An SMS text can carry a live pickup code, so it is never written in clear: `enqueue_sms` stores it
sealed (AES-256-GCM, `CodeBook.sms_box`, a key kept outside the database and bound to the row's
idempotency key) and the worker opens it only to hand it to the gateway. The database, its WAL and
a copy of either hold no code; the sealed text is replaced by a note once sent. Sealing rather than
keeping the text in memory keeps the outbox durable: after a crash or a restart the message is
still sent (a text held only in memory would be lost, and the citizen left without a code).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime
from typing import Any

from common.clock import Clock
from common.outbox_retry import after_failure
from common.periodic import AGAIN, Periodic, Wait
from common.sealed import SealError, SecretBox
from common.timestamps import epoch
from drivers.gateways.backoffice import BackOffice
from drivers.gateways.errors import GatewayError
from drivers.gateways.sms import SmsGateway
from locker import audit
from locker.config import OutboxConfig
from locker.errors import StorageFailed
from locker.store import Store

log = logging.getLogger(__name__)

SMS = "sms"
RETURNED = "backoffice_returned"


def enqueue(
    conn: sqlite3.Connection, now: datetime, kind: str, idem_key: str, payload: dict[str, Any]
) -> None:
    """Add a message in the caller's transaction (a repeated key is ignored: at most one send)."""
    conn.execute(
        "INSERT OR IGNORE INTO outbox(kind, idem_key, payload, next_attempt_at, created_at)"
        " VALUES (?,?,?,?,?)",
        (kind, idem_key, json.dumps(payload, ensure_ascii=False), epoch(now), epoch(now)),
    )


def forget_payloads(conn: sqlite3.Connection, cutoff: float) -> None:
    """Blank the payloads of messages sent or given up before `cutoff` (epoch s; personal-data
    retention)."""
    conn.execute(
        "UPDATE outbox SET payload='{}' WHERE state IN ('sent', 'failed') AND created_at < ?"
        " AND payload != '{}'",
        (cutoff,),
    )


def _sms_aad(idem_key: str) -> str:
    return f"sms:{idem_key}"


def enqueue_sms(
    conn: sqlite3.Connection,
    now: datetime,
    box: SecretBox,
    idem_key: str,
    to: str,
    text: str,
    deposit_id: str | None,
) -> None:
    """Add an SMS in the caller's transaction, its text sealed (see the module docstring)."""
    payload = {"to": to, "sealed_text": box.seal(text, _sms_aad(idem_key)), "deposit_id": deposit_id}
    enqueue(conn, now, SMS, idem_key, payload)


def backlog(store: Store) -> int:
    """Messages not yet sent (pending, including those waiting for a retry)."""
    with store.read() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE state='pending'").fetchone()[0])


class OutboxWorker:
    """Sends due messages on its own thread (`common.periodic`): a round at start, then one after
    each `poll_interval_s` or `kick()` (plus `gather_s`), and at once while rounds find messages."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        cfg: OutboxConfig,
        sms: SmsGateway,
        backoffice: BackOffice,
        raise_alarm: Any = None,
        gather_s: float = 0.2,
        sms_box: SecretBox | None = None,
    ) -> None:
        self._sms_box = sms_box  # opens sealed SMS texts (CodeBook.sms_box)
        self._store = store
        self._clock = clock
        self._cfg = cfg
        self._sms = sms
        self._backoffice = backoffice
        self._raise_alarm = raise_alarm
        # several pickups in a row: their messages go out in one round with one commit (and the
        # round does not compete with the next pulses for the CPU); a failed round (any one bad
        # message) is logged by the job, which keeps going
        self._job = Periodic(
            "locker-outbox",
            cfg.poll_interval_s,
            self._round,
            join_s=15,
            first_at_once=True,
            gather_s=gather_s,
        )

    def start(self) -> None:
        """Start the sending thread."""
        self._job.start()

    def stop(self) -> None:
        """Stop the thread (a message being sent finishes first)."""
        self._job.stop()

    def kick(self) -> None:
        """Something was enqueued: look now rather than at the next poll."""
        self._job.kick()

    def _round(self) -> Wait | None:
        """The thread's round: again at once while messages were due, else wait for a poll or kick."""
        try:
            sent = self.run_once()
        except StorageFailed:  # logged once by the store's guard; health says 503
            return None
        return AGAIN if sent else None

    def run_once(self) -> int:
        """Send every due message once; returns how many were attempted.

        The outcomes of one round are recorded in one transaction (one fsync for the round). A
        crash before that commit resends the round's messages with the same idempotency keys,
        which the gateways deduplicate.
        """
        now = self._clock.now()
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM outbox WHERE state='pending' AND next_attempt_at <= ?"
                " ORDER BY msg_id LIMIT 20",
                (epoch(now),),
            ).fetchall()
        if not rows:
            return 0
        outcomes = [(dict(row), self._deliver(dict(row))) for row in rows]
        given_up: list[tuple[dict[str, Any], GatewayError]] = []
        now = self._clock.now()

        def record(conn: sqlite3.Connection) -> None:  # one unit of work for the store's writer
            for row, error in outcomes:
                if self._record(conn, now, row, error):
                    assert error is not None
                    given_up.append((row, error))

        self._store.write(record)
        for row, error in outcomes:
            if error is not None:
                log.warning(
                    "outbox message %s (%s) failed (attempt %d): %s",
                    row["msg_id"],
                    row["kind"],
                    int(row["attempts"]) + 1,
                    error,
                )
        if self._raise_alarm is not None:
            for row, error in given_up:
                self._raise_alarm(
                    "outbox_failed", None, f"{row['kind']} message {row['msg_id']} could not be sent: {error}"
                )
        return len(rows)

    def _deliver(self, row: dict[str, Any]) -> GatewayError | None:
        """Hand one message to its gateway; the error, or None when it was accepted."""
        payload = json.loads(row["payload"])
        try:
            if row["kind"] == SMS:
                self._sms.send(payload["to"], self._sms_text(row["idem_key"], payload), row["idem_key"])
            elif row["kind"] == RETURNED:
                self._backoffice.returned(payload["dossier_code"], payload["event"], row["idem_key"])
            else:
                return GatewayError(f"unknown outbox kind {row['kind']!r}", permanent=True)
        except GatewayError as err:
            return err
        return None

    def _sms_text(self, idem_key: str, payload: dict[str, Any]) -> str:
        """The clear text of an SMS (sealed by `enqueue_sms`; older rows hold it in clear)."""
        if "sealed_text" not in payload:
            return str(payload["text"])
        if self._sms_box is None:
            raise GatewayError("no key to open sealed SMS texts (wiring error)", permanent=True)
        try:
            return self._sms_box.open(payload["sealed_text"], _sms_aad(idem_key))
        except SealError as err:
            raise GatewayError(
                "the SMS text does not open with the code key (the key was replaced?); "
                "re-issue the code from the staff screen",
                permanent=True,
            ) from err

    def _record(
        self, conn: sqlite3.Connection, now: datetime, row: dict[str, Any], error: GatewayError | None
    ) -> bool:
        """Record one delivery attempt (sent, or retry later with backoff, or given up) with its
        audit record; True when the message was given up (staff need an alarm)."""
        payload = json.loads(row["payload"])
        attempts = int(row["attempts"]) + 1
        give_up = False
        if error is None:
            if row["kind"] == SMS:
                payload.pop("sealed_text", None)
                payload["text"] = "[sent; text removed because it may hold a pickup code]"
            conn.execute(
                "UPDATE outbox SET state='sent', attempts=?, sent_at=?, payload=?, last_error=NULL"
                " WHERE msg_id=?",
                (attempts, epoch(now), json.dumps(payload, ensure_ascii=False), row["msg_id"]),
            )
            extra: dict[str, Any] = {}
        else:
            give_up, delay = after_failure(self._cfg, attempts, error.permanent)
            conn.execute(
                "UPDATE outbox SET state=?, attempts=?, next_attempt_at=?, last_error=? WHERE msg_id=?",
                (
                    "failed" if give_up else "pending",
                    attempts,
                    epoch(now) + delay,
                    str(error),
                    row["msg_id"],
                ),
            )
            extra = {"error": str(error), "gave_up": give_up}
        audit.append(
            conn,
            now,
            "outbox",
            f"{row['kind']}_{'sent' if error is None else 'failed'}",
            deposit_id=payload.get("deposit_id"),
            msg_id=row["msg_id"],
            attempts=attempts,
            **extra,
        )
        return give_up
