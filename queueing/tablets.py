"""Rating tablets paired to counters: a supervisor pairs one (a short code shown once), the tablet
trades the code for its device token, a supervisor can list and revoke them.

Only SHA-256 hashes of codes and tokens are stored (both are random: a slow hash adds nothing);
a code is single use and expires after `pair_code_ttl_min`. Every pairing, claim and revocation
is written to `staff_audit` in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Literal

from common.timestamps import iso_utc
from contracts.ratings import TabletRevoked, TabletRow
from queueing import tablets_repo
from queueing.errors import QueueError
from queueing.staff_repo import audit
from queueing.wiring import Part, Wiring

log = logging.getLogger(__name__)

#: Pairing codes: 8 letters and digits a person reads off a screen and types (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
#: A tablet's `last_seen_at` is written at most this often (each tablet request reads it).
SEEN_EVERY_S = 60.0


def digest(secret: str) -> str:
    """SHA-256 hex of a code or token (what the database keeps)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalize_code(text: str) -> str:
    """'abcd-efgh', 'ABCD EFGH' -> 'ABCDEFGH' (what the supervisor sees is grouped by four)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


@dataclass(frozen=True)
class Tablet:
    """A paired tablet as the rating routes see it."""

    tablet_id: str
    counter: int
    label: str


@dataclass(frozen=True)
class NewPairing:
    """A tablet slot just made: its one-time pairing code (grouped by four) and when it expires."""

    tablet_id: str
    counter: int
    label: str
    pair_code: str
    code_expires_at: str


class Tablets(Part):
    """Pair, claim, authenticate, list and revoke rating tablets (a part on the queue's wiring)."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__(wiring)
        self.cfg = wiring.config.ratings

    def _counter_or_404(self, counter: int) -> None:
        if counter not in {c.number for c in self.config.counters}:
            raise QueueError(404, "unknown_counter", f"There is no counter {counter}.", field="counter")

    def pair(self, counter: int, label: str, actor: str) -> NewPairing:
        """A new tablet slot for `counter` with a one-time pairing code (returned once, never stored)."""
        self._counter_or_404(counter)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        tablet_id = "tab-" + secrets.token_hex(4)
        now = self.w.now_ts()
        expires = now + self.cfg.pair_code_ttl_min * 60
        with self.store.tx() as conn:
            tablets_repo.insert(conn, tablet_id, counter, label, digest(code), expires, now, actor)
            audit(conn, now, actor, "tablet_pairing_started", tablet_id=tablet_id, counter=counter)
        log.info("rating tablet %s: pairing code issued for counter %d by %s", tablet_id, counter, actor)
        return NewPairing(tablet_id, counter, label, f"{code[:4]}-{code[4:]}", iso_utc(expires))

    def claim(self, code: str) -> tuple[str, Tablet]:
        """Trade a pairing code for the tablet's device token (returned once); 404 when the code
        is unknown, used or expired."""
        now = self.w.now_ts()
        token = secrets.token_urlsafe(32)
        with self.store.tx() as conn:
            row = tablets_repo.by_live_code(conn, digest(normalize_code(code)), now)
            if row is None:
                raise QueueError(
                    404,
                    "bad_pairing_code",
                    "Mã ghép không đúng hoặc đã hết hạn; xin trưởng nhóm tạo mã mới. / The pairing code "
                    "is wrong, used or expired; ask a supervisor for a new one.",
                    field="code",
                )
            tablets_repo.set_paired(conn, row["tablet_id"], digest(token), now)
            audit(conn, now, f"tablet:{row['tablet_id']}", "tablet_paired", counter=row["counter"])
        log.info("rating tablet %s paired to counter %d", row["tablet_id"], row["counter"])
        return token, Tablet(row["tablet_id"], int(row["counter"]), row["label"])

    def by_token(self, token: str | None) -> Tablet:
        """The paired, unrevoked tablet holding `token`, or 401 `not_paired`."""
        row = None
        if token:
            with self.store.read() as conn:
                row = tablets_repo.by_token(conn, digest(token))
        if row is None:
            raise QueueError(
                401,
                "not_paired",
                "Máy này chưa được ghép với quầy nào (hoặc đã bị thu hồi). / This tablet is not paired "
                "with a counter (or was revoked): ask a supervisor for a pairing code.",
            )
        now = self.w.now_ts()
        if row["last_seen_at"] is None or now - float(row["last_seen_at"]) > SEEN_EVERY_S:
            with self.store.tx() as conn:
                tablets_repo.set_seen(conn, row["tablet_id"], now)
        return Tablet(row["tablet_id"], int(row["counter"]), row["label"])

    def revoke(self, tablet_id: str, actor: str) -> TabletRevoked:
        """Revoke a tablet (its token and any unused code stop working at once); again: the same."""
        now = self.w.now_ts()
        with self.store.tx() as conn:
            row = tablets_repo.by_id(conn, tablet_id)
            if row is None:
                raise QueueError(404, "unknown_tablet", f"There is no tablet {tablet_id!r}; see the list.")
            if row["revoked_at"] is None:
                tablets_repo.revoke(conn, tablet_id, now, actor)
                audit(conn, now, actor, "tablet_revoked", tablet_id=tablet_id, counter=row["counter"])
                log.info("rating tablet %s (counter %d) revoked by %s", tablet_id, row["counter"], actor)
        return TabletRevoked(tablet_id=tablet_id, revoked=True)

    def listing(self) -> list[TabletRow]:
        """Every tablet with its state: `waiting` (code not yet used), `expired`, `paired`, `revoked`."""
        now = self.w.now_ts()
        with self.store.read() as conn:
            rows = tablets_repo.all_rows(conn)
        out = []
        state: Literal["waiting", "expired", "paired", "revoked"]
        for r in rows:
            if r["revoked_at"] is not None:
                state = "revoked"
            elif r["token_hash"] is not None:
                state = "paired"
            elif r["code_expires_at"] is not None and float(r["code_expires_at"]) > now:
                state = "waiting"
            else:
                state = "expired"
            out.append(
                TabletRow(
                    tablet_id=r["tablet_id"],
                    counter=r["counter"],
                    label=r["label"],
                    state=state,
                    created_at=iso_utc(r["created_at"]),
                    created_by=r["created_by"],
                    paired_at=iso_utc(r["paired_at"]),
                    last_seen_at=iso_utc(r["last_seen_at"]),
                    revoked_at=iso_utc(r["revoked_at"]),
                    revoked_by=r["revoked_by"],
                )
            )
        return out
