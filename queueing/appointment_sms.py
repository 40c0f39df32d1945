"""The booking's SMS: a confirmation when booked (and when moved), a reminder the day before and
one shortly before the slot, each with the short manage link to cancel or move.

What is kept, and for how long: to remind a citizen, the phone number (and the manage link, whose
token the database otherwise holds only as a hash) must outlive the booking request. They are kept
in `appointments.contact_sealed`, sealed with AES-256-GCM (`common.sealed.SecretBox`) under a key
file outside the database and bound to the appointment's id, and erased (set to NULL) as soon as
the appointment ends: checked in, cancelled, or past its check-in window (the sweep). The database
file, its WAL and a copy of either never hold the number in clear.

The outbox (`appointment_sms`) holds which message is due for which appointment, never its text:
the worker renders the text when it sends, from the appointment as it is then (a moved booking's
pending messages were dropped by the move) and the opened contact. A message whose appointment has
ended is dropped, not sent, so nothing goes out after a cancel. Each message has an idempotency key
(appointment, kind, slot start): enqueued at most once, and sent once per key by the gateway.
Failed sends are retried with the locker's rule (`common.outbox_retry`).

Texts are folded to GSM-7 and `check_templates` proves at start, with the longest configured
values, that each fits one SMS (`queueing.appointment_sms_texts`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from common.config import GATEWAY_TOKEN_HINT, ConfigError, read_token_file, resolve_path
from common.outbox_retry import after_failure
from common.periodic import AGAIN, Periodic, Wait
from common.sealed import SealError, SecretBox, read_or_create_secret
from drivers.gateways.errors import GatewayError
from drivers.gateways.sms import FileSmsGateway, HttpSmsGateway, SmsGateway
from queueing import appointment_sms_repo
from queueing.appointment_sms_texts import (
    CONFIRM,
    MOVED,
    REMIND_DAY,
    REMIND_HOUR,
    TEMPLATE_KEYS,
    check_templates,
    manage_link,
    render,
)
from queueing.appointments_config import AppointmentSmsConfig
from queueing.store import StoreError
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)

#: Messages sent per round (the rest go in the next one, at once).
BATCH = 20
#: After a database error the sender waits this long (not `poll_interval_s`) before its next round.
STORE_BACKOFF_S = 10.0


def build_gateway(cfg: AppointmentSmsConfig, data_dir: Path) -> SmsGateway:
    """The configured SMS gateway (the simulated phone writes files under the data directory)."""
    if cfg.type == "http":
        if not cfg.url:
            raise ConfigError("[queueing.appointments.sms] type = 'http' needs url")
        token = read_token_file(cfg.token_file, "[queueing.appointments.sms] token_file", GATEWAY_TOKEN_HINT)
        return HttpSmsGateway(cfg.url, token, cfg.timeout_s)
    return FileSmsGateway(resolve_path(cfg.outbox_dir) if cfg.outbox_dir else data_dir / "sms")


def idem_key(appointment_id: str, kind: str, slot_start: float) -> str:
    """A message's idempotency key: one message of a kind per appointment and slot."""
    return f"appt-{appointment_id}-{kind}-{int(slot_start)}"


def e164(phone: str) -> str:
    """0912345678 -> +84912345678."""
    return "+84" + phone[1:]


class AppointmentSms(Part):
    """Seals and erases contacts, enqueues the booking's messages, and sends them (its own thread);
    a part on the queue's `Wiring`."""

    def __init__(
        self, wiring: Wiring, data_dir: Path, center_name: str, gateway: SmsGateway | None = None
    ) -> None:
        super().__init__(wiring)
        self.cfg = wiring.config.appointments.sms
        self.enabled = self.cfg.enabled and bool(wiring.config.appointments.services)
        self.center = self.cfg.center_name or center_name
        self.base_url = wiring.config.public_base_url
        self._key_path = self.cfg.key_path(data_dir)
        self._box: SecretBox | None = None
        self.gateway = gateway or build_gateway(self.cfg, data_dir)
        self._run_lock = threading.Lock()
        self._job = Periodic(
            "appointment-sms", self.cfg.poll_interval_s, self._round, join_s=15, first_at_once=True
        )

    def check(self) -> None:
        """ConfigError at start when a template could take more than one SMS."""
        if not self.enabled:
            return
        names = [
            svc.name_vi
            for slot in self.config.appointments.services
            if (svc := self.config.service(slot.code)) is not None
        ]
        problems = check_templates(self.cfg, self.center, names, self.base_url)
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def box(self) -> SecretBox:
        """The contact key's box (the key file is read, or made 0600, at first use)."""
        if self._box is None:
            self._box = SecretBox(read_or_create_secret(self._key_path), self._key_path)
        return self._box

    # ------------------------------------------------------------------ inside booking transactions

    def seal_contact(self, appointment_id: str, phone: str, token: str) -> str | None:
        """The sealed phone and manage token of a new booking (None when SMS are off)."""
        if not self.enabled:
            return None
        return self.box.seal(json.dumps({"phone": phone, "token": token}), f"appointment:{appointment_id}")

    def open_contact(self, appointment_id: str, sealed: str) -> tuple[str, str]:
        """(phone, token) of a sealed contact; SealError when it does not open."""
        data = json.loads(self.box.open(sealed, f"appointment:{appointment_id}"))
        return str(data["phone"]), str(data["token"])

    def enqueue(
        self,
        conn: sqlite3.Connection,
        appointment_id: str,
        kind: str,
        slot_start: float,
        day: str,
        now: float,
    ) -> int:
        """Add a message in the caller's transaction (once per appointment, kind and slot); 1 when
        added, 0 when it was there already."""
        if not self.enabled:
            return 0
        if kind in (CONFIRM, MOVED):  # anyone may type a number: it gets only so many a day
            sent = appointment_sms_repo.confirmations_to_phone(conn, appointment_id, now - 86_400)
            if sent >= self.w.config.appointments.sms_per_phone_per_day:
                log.warning(
                    "appointment %s: no %s SMS, its number had %d in 24 h (sms_per_phone_per_day)",
                    appointment_id[:4],
                    kind,
                    sent,
                )
                return 0
        return appointment_sms_repo.add_sms(
            conn, appointment_id, kind, idem_key(appointment_id, kind, slot_start), day, now
        )

    @staticmethod
    def drop_pending(conn: sqlite3.Connection, appointment_id: str) -> None:
        """Messages not yet sent for this appointment will not be (a cancel, a move)."""
        appointment_sms_repo.drop_pending_sms(conn, appointment_id)

    def erase(self, conn: sqlite3.Connection, appointment_id: str) -> None:
        """The appointment ended: its phone and link are erased and nothing more is sent."""
        appointment_sms_repo.erase_contact(conn, appointment_id)
        self.drop_pending(conn, appointment_id)

    def kick(self) -> None:
        """Something was enqueued: send now rather than at the next poll."""
        self._job.kick()

    # ------------------------------------------------------------------ the sweep and the sending

    def run_once(self) -> int:
        """Erase ended appointments' contacts, enqueue due reminders, send due messages once;
        returns how many sends were attempted (the thread's round; tests call it directly)."""
        if not self.enabled:
            return 0
        with self._run_lock:
            self.sweep()
            return self.deliver()

    def sweep(self) -> int:
        """Erase the contacts of appointments that ended; enqueue the reminders now due; how many.

        The day-before reminder goes at `remind_day_before_at` on the day before the slot (and
        only that day: it says "tomorrow"), the other `remind_before_min` before the slot; each
        only for a booking made (or moved) before it fell due, and once (its idempotency key).
        Every round reads; it writes only when something ended or fell due."""
        now = self.w.now_ts()
        before_s = self.cfg.remind_before_min * 60
        with self.store.read() as conn:
            ended = appointment_sms_repo.ended_with_contact(
                conn, self.config.appointments.checkin_after_min * 60, now
            )
            due = [
                (r["appointment_id"], REMIND_HOUR, r["slot_start"], r["day"])
                for r in appointment_sms_repo.due_soon(conn, REMIND_HOUR, now, before_s)
            ]
            window = self._day_before_window(now)
            if window is not None:  # it is the day before, past remind_day_before_at
                due_at, tomorrow_from, tomorrow_until = window
                due += [
                    (r["appointment_id"], REMIND_DAY, r["slot_start"], r["day"])
                    for r in appointment_sms_repo.due_tomorrow(
                        conn, REMIND_DAY, tomorrow_from, tomorrow_until, now + before_s, due_at
                    )
                ]
        if not ended and not due:
            return 0
        added = 0
        with self.store.tx() as conn:
            for appointment_id in ended:  # an ended appointment stays ended: no need to look again
                self.erase(conn, appointment_id)
            for appointment_id, kind, slot_start, day in due:  # a cancel since: dropped when sending
                added += self.enqueue(conn, appointment_id, kind, slot_start, day, now)
        if ended:
            log.info("appointment contacts erased: %d ended appointment(s)", len(ended))
        return added

    def _day_before_window(self, now: float) -> tuple[float, float, float] | None:
        """(when today's day-before reminders fell due, start of tomorrow, start of the day after)
        once `remind_day_before_at` has passed today; None before it."""
        local = datetime.fromtimestamp(now, self.tz)
        hh, mm = (int(x) for x in self.cfg.remind_day_before_at.split(":"))
        due_at = local.replace(hour=hh, minute=mm, second=0, microsecond=0)
        if local < due_at:
            return None
        tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), self.tz)
        after = datetime.combine(local.date() + timedelta(days=2), time(0), self.tz)
        return due_at.timestamp(), tomorrow.timestamp(), after.timestamp()

    def deliver(self) -> int:
        """Send each due message once and record the outcomes in one transaction."""
        now = self.w.now_ts()
        with self.store.read() as conn:
            rows = appointment_sms_repo.sms_due(conn, now, BATCH)
        if not rows:
            return 0
        outcomes = [(row, self._send(row, now)) for row in rows]
        now = self.w.now_ts()
        with self.store.tx() as conn:
            for row, outcome in outcomes:
                self._record(conn, row, outcome, now)
        return len(rows)

    def _send(self, row: Any, now: float) -> str | GatewayError:
        """'sent', 'dropped' (the appointment ended), or the gateway's error."""
        if row["appt_state"] != "booked" or row["contact_sealed"] is None or row["slot_start"] <= now:
            return "dropped"
        try:
            phone, token = self.open_contact(row["appointment_id"], row["contact_sealed"])
        except (SealError, ValueError, KeyError) as err:
            return GatewayError(
                f"the booking's contact does not open with {self._key_path} (the key was replaced?): {err}",
                permanent=True,
            )
        start = datetime.fromtimestamp(float(row["slot_start"]), self.tz)
        svc = self.config.service(row["service"])
        values = {
            "center": self.center,
            "service": svc.name_vi if svc else row["service"],
            "time": f"{start:%H:%M}",
            "date": f"{start:%d/%m}",
            "code": row["code"],
            "link": manage_link(self.base_url, token),
        }
        text = render(getattr(self.cfg, TEMPLATE_KEYS[row["kind"]]), values)
        try:
            self.gateway.send(e164(phone), text, row["idem_key"])
        except GatewayError as err:
            return err
        return "sent"

    def _record(self, conn: sqlite3.Connection, row: Any, outcome: str | GatewayError, now: float) -> None:
        attempts = int(row["attempts"]) + 1
        if outcome == "dropped":
            appointment_sms_repo.sms_dropped(conn, row["msg_id"])
        elif outcome == "sent":
            appointment_sms_repo.sms_sent(conn, row["msg_id"], attempts, now)
        else:
            assert isinstance(outcome, GatewayError)
            give_up, delay = after_failure(self.cfg, attempts, outcome.permanent)
            appointment_sms_repo.sms_failed(conn, row["msg_id"], attempts, give_up, now + delay, str(outcome))
            log.warning(
                "appointment SMS %s (%s) failed, attempt %d%s: %s",
                row["msg_id"],
                row["kind"],
                attempts,
                ", given up" if give_up else "",
                outcome,
            )

    def counts(self, day: str) -> dict[str, dict[str, int]]:
        """{service: {"sent": n, "failed": n}} of the day's appointments' messages."""
        with self.store.read() as conn:
            rows = appointment_sms_repo.sms_counts(conn, day)
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            out.setdefault(r["service"], {"sent": 0, "failed": 0})[r["state"]] = int(r["n"])
        return out

    # ------------------------------------------------------------------ the thread

    def start(self) -> None:
        """Start the sending thread (`common.periodic`; nothing when SMS are off): a round at start,
        then one after each `poll_interval_s` or `kick()`, at once while a round filled its batch."""
        if self.enabled:
            self._job.start()

    def stop(self) -> None:
        """Stop the thread (a send in progress finishes first)."""
        self._job.stop()

    def _round(self) -> Wait | None:
        """The thread's round (a failed one, any one bad message, is logged by the job)."""
        try:
            busy = self.run_once() >= BATCH
        except StoreError as err:
            # the database is locked or gone: step back, so this thread does not keep taking the
            # store's lock for a busy time-out every second while requests need it
            log.warning("appointment SMS round failed (next in %g s): %s", STORE_BACKOFF_S, err)
            return Wait(max(self.cfg.poll_interval_s, STORE_BACKOFF_S))
        return AGAIN if busy else None
