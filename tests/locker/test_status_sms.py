"""Issue 16, status messages: each through the outbox, one GSM-7 segment, sent exactly once
however often the sweep runs (a ManualClock moves time; nothing sleeps). Loading sends only the
code SMS (it already says the result is in compartment N); a reminder one day before expiry, once
per code; the expiry message once; "moved back to the counter" when staff withdraw the result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from common import sms_text
from locker.staff import Role
from tests.harness import wait_until
from tests.locker.conftest import Harness

REMINDER = "se het han"
EXPIRED = "het han nhan tai tu"
WITHDRAWN = "da chuyen tu tu ve quay"


def _drained(h: Harness) -> list[dict[str, str]]:
    wait_until(lambda: h.svc.health()["outbox_backlog"] == 0, 5, "outbox drained")
    return h.sms()


def _with(h: Harness, words: str) -> list[dict[str, str]]:
    return [m for m in _drained(h) if words in m["text"]]


def _one_segment(messages: list[dict[str, str]]) -> None:
    for m in messages:
        assert sms_text.septets(m["text"]) is not None and sms_text.segments(m["text"]) == 1, m["text"]


def _until(h: Harness, when: datetime) -> None:
    h.clock.advance((when - h.clock.now()).total_seconds())


def test_loading_sends_one_message_that_says_where_the_result_is(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    (msg,) = _drained(h)
    assert code in msg["text"] and f"o tu {dep['compartment']}" in msg["text"]
    _one_segment([msg])


def test_a_reminder_one_day_before_expiry_exactly_once_per_code(h: Harness) -> None:
    token = h.sign_in("loader1")
    h.add_staff("sup1", Role.SUPERVISOR)
    dep, _ = h.load(token, "HS-1", authorised_id_number="079188006789", authorised_phone="0900000002")
    expires = datetime.fromisoformat(h.svc.custody.get(dep["deposit_id"])["expires_at"])
    _until(h, expires - _day(1.01))
    h.svc.monitor.sweep()
    assert _with(h, REMINDER) == []
    h.clock.advance(0.02 * 86400)  # now less than a day before the deadline
    for _ in range(3):
        h.svc.monitor.sweep()
    reminders = _with(h, REMINDER)
    assert sorted(m["to"] for m in reminders) == ["+84900000001", "+84900000002"]  # both phones, once
    _one_segment(reminders)
    # a re-issued code has a new deadline and its own reminder, once
    sup = h.sign_in("sup1")
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/reissue", sup)
    assert r.status_code == 200, r.text
    _until(h, datetime.fromisoformat(r.json()["expires_at"]) - _day(0.5))
    h.svc.monitor.sweep()
    h.svc.monitor.sweep()
    assert len(_with(h, REMINDER)) == 4


def test_no_reminder_right_after_the_code_sms(make_harness: Callable[..., Harness]) -> None:
    # valid_days = 1, loaded at 15:00 local: the deadline is 33 h away, a reminder 24 h before it
    # would come 9 h after the code SMS that gave the same deadline
    h = make_harness(codes={"valid_days": 1})
    token = h.sign_in("loader1")
    h.load(token, "HS-1")
    for _ in range(6):
        h.clock.advance(0.3 * 86400)
        h.svc.monitor.sweep()
    assert _with(h, REMINDER) == [] and len(_with(h, EXPIRED)) == 1


def test_expired_once_then_moved_back_to_the_counter_once(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    h.clock.advance(9 * 86400)
    token = h.sign_in("loader1")
    for _ in range(3):
        h.svc.monitor.sweep()
    expired = _with(h, EXPIRED)
    assert len(expired) == 1 and expired[0]["to"] == "+84900000001"
    assert _with(h, WITHDRAWN) == []
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/withdraw", token)
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    h.svc.monitor.sweep()
    withdrawn = _with(h, WITHDRAWN)
    assert len(withdrawn) == 1 and "HS-1" in withdrawn[0]["text"] and code not in withdrawn[0]["text"]
    _one_segment(expired + withdrawn)


def _day(n: float) -> timedelta:
    return timedelta(days=n)
