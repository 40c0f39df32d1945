"""The display board on the wire: what it shows on (re)connect and the announcement it plays
(docs/queueing.md)."""

from __future__ import annotations

from contracts.queueing import Answer, ServiceName, TicketState


class DisplayCall(Answer):
    """A recent call on the display board."""

    number: str
    counter: int | None
    service: str
    called_at: str | None
    state: TicketState


class DisplayService(ServiceName):
    """A service on the display board."""

    prefix: str


class DisplayState(Answer):
    """GET /api/v1/display/state: what a board shows on (re)connect."""

    seq: int
    calls: list[DisplayCall]
    waiting: dict[str, int]
    services: list[DisplayService]


class Announcement(Answer):
    """GET /api/v1/voice/announcement: the clips to play and the text."""

    clips: list[str]
    text_vi: str
    text_en: str
