"""hub/citizen_rollups.py on a real PostgreSQL: appointments (held, moved between days, cancelled,
checked in, no-shows, punctual calls) and ratings by level, source and reason in a center's
summary, each event counted once even when its batch comes twice."""

from __future__ import annotations

from typing import Any

from tests.harness import HubServer
from tests.hub.conftest import DAY, tokens
from tests.hub.test_hub_api import post, summary

TUE = "2026-01-06"


def ev(seq: int, kind: str, day: str = DAY, **data: Any) -> dict[str, Any]:
    return {"seq": seq, "at": 1767578400.0 + seq, "day": day, "kind": kind, "data": {"service": "HT", **data}}


def test_appointments_and_ratings_reach_the_summary_once(hub: HubServer, database_url: str) -> None:
    t = tokens(database_url, "C1")
    batch = [
        ev(1, "appointment.booked", slot_min=600),
        ev(2, "appointment.booked", slot_min=620),
        ev(3, "appointment.booked", slot_min=620),
        ev(4, "appointment.booked", slot_min=660),
        ev(5, "appointment.cancelled", slot_min=620),
        ev(6, "appointment.moved", TUE, slot_min=540, from_day=DAY),
        ev(7, "appointment.checked_in", slot_min=600, late_min=-15.0),
        ev(8, "ticket.called", wait_s=60.0, late_min=3.0),
        ev(9, "ticket.called", wait_s=60.0),  # a walk-in: not an appointment's call
        ev(10, "appointment.no_show", slot_min=620),
        ev(11, "ticket.rated", rating=2, source="tablet", reasons=["slow", "attitude"]),
        ev(12, "ticket.rated", rating=3, source="tablet", reasons=["slow"]),
        ev(13, "ticket.rated", rating=5, source="phone"),
        ev(14, "ticket.rated", rating=4),  # from a center older than the source field: the phone
    ]
    assert post(hub, t["C1"], batch[:8]).json()["acked_seq"] == 8
    # the whole day again (the uplink lost the first answer), then the rest
    assert post(hub, t["C1"], batch).json() == {
        "stream": "queueing",
        "acked_seq": 14,
        "stored": 6,
        "duplicates": 8,
    }
    s = summary(hub, t["reader"])
    got = {k: s[k] for k in s if k.startswith(("appointments_", "checkin", "mean_checkin", "punctual"))}
    assert got == {
        "appointments_booked": 2,  # 4 booked, 1 cancelled, 1 moved to Tuesday
        "appointments_cancelled": 1,
        "appointments_moved": 0,
        "appointments_checked_in": 1,
        "appointments_no_show": 1,
        "checkin_rate": 0.5,
        "mean_checkin_min": -15.0,
        "appointments_called": 1,
        "punctual_share": 1.0,
    }
    assert s["ratings"] == 4 and s["mean_rating"] == 3.5
    assert s["ratings_by_level"] == {"5": 1, "4": 1, "3": 1, "2": 1, "1": 0}
    assert s["ratings_by_source"] == {"tablet": 2, "phone": 2}
    assert s["rating_reasons"] == [{"reason": "slow", "n": 2}, {"reason": "attitude", "n": 1}]
    tue = summary(hub, t["reader"], day=TUE)
    assert (tue["appointments_booked"], tue["appointments_moved"]) == (1, 1)
    assert tue["ratings_by_level"]["5"] == 0 and tue["rating_reasons"] == []
