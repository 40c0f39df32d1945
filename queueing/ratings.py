"""Citizens' satisfaction ratings: one rule for every way a rating comes (the counter's tablet or
the phone's status page), and what the tablet at a counter asks about.

The rule (`record`): a ticket is rated once, after it was served; the rating is tied to the
ticket, the officer who served it (`staff_id`), the counter and the service. The row in
`ticket_ratings` (primary key: the ticket) and the ticket's `rating` are written in one
transaction with the province event `ticket.rated` (score, service, counter, source and the
reasons' codes: never their texts or the comment, `common.outbox` keeps free text out).

One scale: the phone's 1..5 (5 Rất hài lòng … 1 Rất không hài lòng); the tablet offers its four
top levels 5, 4, 3, 2 (Rất hài lòng, Hài lòng, Bình thường, Không hài lòng), the same words.
"""

from __future__ import annotations

import logging
import sqlite3
import unicodedata
from typing import TYPE_CHECKING, Any, Literal

from common import outbox
from contracts.queueing_tickets import Rated
from contracts.ratings import PendingTicket, RatingReason, TabletRated, TabletState
from queueing import ratings_repo, texts
from queueing.domain import TicketState
from queueing.errors import QueueError
from queueing.tablets import Tablet
from queueing.wiring import Part, Wiring

if TYPE_CHECKING:
    from queueing.service import QueueService

log = logging.getLogger(__name__)

Source = Literal["tablet", "phone"]
#: The tablet's four levels, best first (scores on the phone's scale).
TABLET_SCORES = (5, 4, 3, 2)


def clean_comment(text: str | None, max_chars: int) -> str | None:
    """The comment without control characters and outer spaces (None when empty); 422 past
    `max_chars`. Stored as typed: every page that shows it escapes it."""
    if not text:
        return None
    kept = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text).strip()
    if len(kept) > max_chars:
        raise QueueError(
            422,
            "invalid_request",
            f"Ý kiến dài tối đa {max_chars} ký tự. / The comment may be at most {max_chars} characters.",
            field="comment",
        )
    return kept or None


def record(
    conn: sqlite3.Connection,
    now: float,
    row: Any,
    score: int,
    source: Source,
    reasons: list[str] | None = None,
    comment: str | None = None,
    tablet_id: str | None = None,
) -> Rated:
    """Rate the ticket `row` once (in the caller's transaction); 409 when not served or rated."""
    if row["state"] != TicketState.DONE.value:
        raise QueueError(
            409, "not_served_yet", texts.say("not_served_yet", number=row["number"]), state=row["state"]
        )
    if row["rating"] is not None or ratings_repo.exists(conn, row["ticket_id"]):
        raise QueueError(409, "already_rated", texts.say("already_rated"))
    ratings_repo.insert(conn, row, now, score, source, tablet_id, reasons or [], comment)
    outbox.ticket(  # for the hub: the score, source and reason codes (from config), never the comment
        conn,
        now,
        {**dict(row), "rating": score, "rating_source": source, "rating_reasons": reasons or []},
        "rated",
    )
    log.info("ticket %s rated %d from the %s", row["number"], score, source)
    return Rated(ticket_id=row["ticket_id"], rating=score)


def rate_from_phone(q: QueueService, ticket_id: str, score: int) -> Rated:
    """POST /api/v1/tickets/{id}/rating: the citizen's phone rates the live ticket."""
    live = q.follow(ticket_id)
    with q.store.tx() as conn:
        return record(conn, q.now_ts(), q.ticket_row(conn, live), score, "phone")


class TabletRatings(Part):
    """What a counter's tablet asks about, and its answers (a part on the queue's `Wiring`)."""

    def __init__(self, wiring: Wiring, staff_names: Any) -> None:
        super().__init__(wiring)
        self.cfg = wiring.config.ratings
        self._staff_names = staff_names  # () -> {staff_id: name}

    def _latest(self, conn: sqlite3.Connection, counter: int) -> Any:
        """The newest ticket served at `counter` within `tablet_accept_s` (released ones excluded)."""
        return ratings_repo.last_served_at(conn, counter, self.w.now_ts() - self.cfg.tablet_accept_s)

    def state(self, tablet: Tablet) -> TabletState:
        """GET /api/v1/tablet: the counter, the question's settings and the ticket to ask about."""
        with self.store.read() as conn:
            row = self._latest(conn, tablet.counter)
        pending = None
        if row is not None and row["rating"] is None:
            svc = self.config.service(row["service"])
            pending = PendingTicket(
                ticket_id=row["ticket_id"],
                number=row["number"],
                service_name_vi=svc.name_vi if svc else row["service"],
                service_name_en=svc.name_en if svc else row["service"],
                officer=self._staff_names().get(row["staff_id"] or "", ""),
            )
        counter = next((c for c in self.config.counters if c.number == tablet.counter), None)
        return TabletState(
            tablet_id=tablet.tablet_id,
            counter=tablet.counter,
            counter_name=(counter.name if counter and counter.name else f"Quầy {tablet.counter}"),
            pending=pending,
            scores=list(TABLET_SCORES),
            reasons_at_or_below=self.cfg.reasons_at_or_below,
            reasons=[RatingReason.model_validate(r.model_dump()) for r in self.cfg.reasons],
            comment_max_chars=self.cfg.comment_max_chars,
            idle_after_s=self.cfg.tablet_idle_after_s,
        )

    def rate(
        self, tablet: Tablet, ticket_id: str, score: int, reasons: list[str], comment: str | None
    ) -> TabletRated:
        """POST /api/v1/tablet/rating: the citizen at the tablet's counter rates its last ticket."""
        if score not in TABLET_SCORES:
            raise QueueError(
                422, "invalid_request", f"score must be one of {list(TABLET_SCORES)}.", field="score"
            )
        unique = list(dict.fromkeys(reasons))
        unknown = [r for r in unique if self.cfg.reason(r) is None]
        if unknown:
            known = ", ".join(r.code for r in self.cfg.reasons)
            raise QueueError(
                422, "unknown_reason", f"Unknown reason {unknown[0]!r}; use one of: {known}.", field="reasons"
            )
        text = clean_comment(comment, self.cfg.comment_max_chars)
        if (unique or text) and score > self.cfg.reasons_at_or_below:
            raise QueueError(
                422,
                "invalid_request",
                f"Reasons and a comment go with a score of {self.cfg.reasons_at_or_below} or lower.",
                field="reasons" if unique else "comment",
            )
        with self.store.tx() as conn:
            row = self._latest(conn, tablet.counter)
            if row is None or row["ticket_id"] != ticket_id:
                raise QueueError(
                    409,
                    "not_rateable_here",
                    "This ticket is not the last one served at this tablet's counter (or it was served "
                    "too long ago); the tablet asks again after the next one.",
                )
            rated = record(conn, self.w.now_ts(), row, score, "tablet", unique, text, tablet.tablet_id)
        return TabletRated(ticket_id=rated.ticket_id, rating=rated.rating)
