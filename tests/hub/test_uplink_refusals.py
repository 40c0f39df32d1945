"""The uplink when the hub refuses or has lost something (found by the failure review): a refused
batch holds back its own stream only and is said once as a refusal; a 413 halves the batches; a
token replaced at the hub is picked up from token_file; a hub restored from an older backup is
named in the log and `python -m hub stream skip` lets the stream go on."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from common import outbox
from common.clock import ManualClock
from tests.harness import MONDAY_9AM, HubServer
from tests.hub.conftest import bearer, hub_cli, site_file, tokens
from uplink import sender
from uplink.config import load_setup
from uplink.sender import Uplink

DAY = "2026-01-05"


def _outbox(path: Path, n: int, day: str = DAY) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        outbox.ensure(conn)
        for _ in range(n):
            outbox.add(conn, MONDAY_9AM.timestamp(), day, "ticket.issued", service="HT")


def _issued(hub: HubServer, reader: str) -> int:
    url = f"{hub.url}/api/v1/centers/C1/summary?day={DAY}"
    return int(requests.get(url, headers=bearer(reader), timeout=10).json()["tickets_issued"])


def _rounds(uplink: Uplink, n: int = 6) -> None:
    for _ in range(n):
        if not uplink.send_round():
            break


def test_a_refused_batch_holds_its_own_stream_only_and_is_said_once(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    t = tokens(database_url, "C1")
    queue_db, locker_db = tmp_path / "q" / "queue.sqlite3", tmp_path / "l" / "locker.db"
    _outbox(queue_db, 2, day="1899-12-31")  # a day the hub refuses (422)
    _outbox(locker_db, 3)
    with HubServer(database_url, ManualClock(MONDAY_9AM)) as hub:
        uplink = Uplink(
            load_setup(site_file(tmp_path, hub.url, t["C1"], "C1", queue_db.parent, locker_db.parent))
        )
        try:
            with caplog.at_level(logging.ERROR, logger="uplink.sender"):
                for _ in range(3):
                    uplink.send_round()
            assert _issued(hub, t["reader"]) == 3  # the locker's events went
        finally:
            uplink.close()
    refusals = [r for r in caplog.records if "refused a batch of queueing" in r.getMessage()]
    assert len(refusals) == 1 and "422" in refusals[0].getMessage()
    assert "the batch held seqs 1-2" in refusals[0].getMessage()


class _SlowLink(requests.adapters.HTTPAdapter):
    """The center's link as the uplink meets it: a batch of more than `most` events does not get
    through (what a slow mobile link does to a large body), as `how` says: the hub's 408, no answer
    in time, or the connection broken after `request_timeout_s` (the 408 never read); `most`
    None: a good link. `clock` is the uplink's monotonic clock, moved on by the time it took."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.most: int | None = 8
        self.how = how
        self.clock = 0.0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        body = request.body or b""
        events = json.loads(body).get("events", []) if request.url and "/events" in request.url else []
        if self.most is not None and len(events) > self.most:
            self.clock += 5.0  # the uplink's request_timeout_s in these tests
            if self.how == "hub-408":  # the hub's own word: the request was not whole in time
                resp = requests.Response()
                resp.status_code, resp.url = 408, request.url or ""
                resp._content = b'{"error": "request_timeout"}'
                return resp
            if self.how == "broken":
                raise requests.ConnectionError("connection reset by peer (simulated slow link)")
            raise requests.ReadTimeout("read timed out (simulated slow link)", request=request)
        return super().send(request, *args, **kwargs)


@contextmanager
def _over_a_slow_link(
    database_url: str, tmp_path: Path, events: int, how: str, most: int | None = 8, clock: bool = True
) -> Iterator[tuple[HubServer, Uplink, _SlowLink, str]]:
    """A hub, `events` in a center's queue outbox and its uplink (32 a batch at most) over a
    `_SlowLink` (`clock` false: no time passes on the uplink's clock); yields the reader token too."""
    t = tokens(database_url, "C1")
    queue_db = tmp_path / "q" / "queue.sqlite3"
    _outbox(queue_db, events)
    link = _SlowLink(how)
    link.most = most
    session = requests.Session()
    session.mount("http://", link)
    with HubServer(database_url, ManualClock(MONDAY_9AM)) as hub:
        site = site_file(tmp_path, hub.url, t["C1"], "C1", queue_db.parent, batch_max_events=32)
        uplink = Uplink(
            load_setup(site), session=session, monotonic=(lambda: link.clock) if clock else (lambda: 0.0)
        )
        try:
            yield hub, uplink, link, t["reader"]
        finally:
            uplink.close()


@pytest.mark.parametrize("how", ["read-timeout", "hub-408", "broken"])
def test_a_batch_too_slow_for_the_link_is_halved_and_grows_back(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    """With batches of 2,000 events a slow link may not carry one in time: the stream's batches
    halve until they get through (nothing lost, nothing stuck), a size grown back to that fails
    again waits twice as long before the next try, and once the link is good again the batches
    grow back to full size."""
    monkeypatch.setattr(sender, "GROW_AFTER", 2)
    monkeypatch.setattr(sender, "SLOW_BATCH_MIN", 2)  # this test's batches are small
    queue_db = tmp_path / "q" / "queue.sqlite3"
    with _over_a_slow_link(database_url, tmp_path, 40, how) as (hub, uplink, link, reader):
        with caplog.at_level(logging.WARNING, logger="uplink.sender"):
            _rounds(uplink, 30)
            # 32 and 16 too slow, 8 passes; after 2 full batches 16 again: too slow (now 4)
            assert _issued(hub, reader) == 40
            _outbox(queue_db, 200)  # still slow: 16 tried after 4 full batches, then after 8
            _rounds(uplink, 60)
            assert _issued(hub, reader) == 240 and uplink.batch["queueing"] <= 16
        slow = [r for r in caplog.records if "did not reach the hub in time" in r.getMessage()]
        assert len(slow) == 5, [r.getMessage() for r in slow]  # 12 if the wait did not grow
        link.most = None  # the link is good again: 16, then 32 a batch
        _outbox(queue_db, 1000)
        _rounds(uplink, 150)
        assert _issued(hub, reader) == 1240 and uplink.batch["queueing"] == 32


def test_a_full_size_that_is_too_slow_again_waits_longer_too(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A link that carries 16 but not 32 (the full size): growing back to 32 fails each time, and
    each time the next try waits twice as long (it did not when the size was back to full)."""
    monkeypatch.setattr(sender, "GROW_AFTER", 2)
    monkeypatch.setattr(sender, "SLOW_BATCH_MIN", 2)
    with _over_a_slow_link(database_url, tmp_path, 400, "read-timeout", most=16) as (hub, uplink, _, reader):
        with caplog.at_level(logging.WARNING, logger="uplink.sender"):
            _rounds(uplink, 80)
        assert _issued(hub, reader) == 400
    slow = [r for r in caplog.records if "did not reach the hub in time" in r.getMessage()]
    assert len(slow) == 4, [r.getMessage() for r in slow]  # 32 at once, after 2, 4 and 8; else 12


def test_a_few_events_too_slow_are_the_hub_or_link_being_slow_not_a_size(
    database_url: str, tmp_path: Path
) -> None:
    """Three live events that get no answer in time do not shrink the batches (eleven such rounds
    took the size from 2,000 to 1): the uplink retries them as 'unreachable'."""
    with _over_a_slow_link(database_url, tmp_path, 3, "read-timeout", most=0) as (_, uplink, _, _):
        for _ in range(3):
            with pytest.raises(sender.UplinkError) as err:
                uplink.send_round()
            assert not isinstance(err.value, sender.TooSlow)
        assert uplink.batch["queueing"] == 32


def test_a_hub_that_refuses_the_connection_at_once_is_unreachable_not_slow(
    database_url: str, tmp_path: Path
) -> None:
    """A connection refused or reset at once (the hub down) does not shrink the batches."""
    with _over_a_slow_link(database_url, tmp_path, 40, "broken", clock=False) as (_, uplink, _, _):
        with pytest.raises(sender.UplinkError) as err:  # its ack asked (an empty batch), then 32
            uplink.send_round()
        assert not isinstance(err.value, sender.TooSlow) and uplink.batch["queueing"] == 32


def test_a_batch_too_large_for_the_hub_is_halved(database_url: str, tmp_path: Path) -> None:
    t = tokens(database_url, "C1")
    queue_db = tmp_path / "q" / "queue.sqlite3"
    _outbox(queue_db, 40)
    with HubServer(database_url, ManualClock(MONDAY_9AM), max_batch_events=16) as hub:
        site = site_file(tmp_path, hub.url, t["C1"], "C1", queue_db.parent, batch_max_events=50)
        uplink = Uplink(load_setup(site))
        try:
            _rounds(uplink, 12)
            assert _issued(hub, t["reader"]) == 40 and uplink.batch["queueing"] <= 16
        finally:
            uplink.close()


def test_a_token_replaced_at_the_hub_is_taken_from_token_file(database_url: str, tmp_path: Path) -> None:
    t = tokens(database_url, "C1")
    queue_db = tmp_path / "q" / "queue.sqlite3"
    _outbox(queue_db, 2)
    with HubServer(database_url, ManualClock(MONDAY_9AM)) as hub:
        site = site_file(tmp_path, hub.url, t["C1"], "C1", queue_db.parent)
        uplink = Uplink(load_setup(site))
        try:
            again = hub_cli(database_url, "center", "add", "C1", "--name", "Trung tâm C1")
            assert again.returncode == 0, again.stderr
            (tmp_path / "hub.token").write_text(again.stdout, encoding="utf-8")  # the technician's step
            _rounds(uplink)  # no restart of the uplink
            assert _issued(hub, t["reader"]) == 2
        finally:
            uplink.close()


def test_a_hub_restored_from_an_older_backup_is_named_and_skipped_by_its_operator(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    t = tokens(database_url, "C1")
    queue_db = tmp_path / "q" / "queue.sqlite3"
    _outbox(queue_db, 5)
    with sqlite3.connect(queue_db) as conn:  # 1-3 were acknowledged and pruned long ago
        conn.execute(f"DELETE FROM {outbox.TABLE} WHERE seq <= 3")
    with HubServer(database_url, ManualClock(MONDAY_9AM)) as hub:  # a hub that never had them
        uplink = Uplink(load_setup(site_file(tmp_path, hub.url, t["C1"], "C1", queue_db.parent)))
        try:
            with caplog.at_level(logging.ERROR, logger="uplink.sender"):
                for _ in range(3):
                    assert uplink.send_round() is False  # no tight loop on a stuck ack
            said = [
                r.getMessage() for r in caplog.records if "pruned after the hub had them" in r.getMessage()
            ]
            assert len(said) == 1 and "stream skip CENTER_ID queueing --to 3" in said[0]
            assert uplink.acked["queueing"] == 0
            skipped = hub_cli(database_url, "stream", "skip", "C1", "queueing", "--to", "3")
            assert skipped.returncode == 0 and "acknowledged up to 5 (was 0)" in skipped.stdout, (
                skipped.stderr
            )
            uplink.acked["queueing"] = None  # the next round asks the hub again, as after a failure
            _rounds(uplink)
            assert uplink.acked["queueing"] == 5
        finally:
            uplink.close()
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (2,)
    refused = hub_cli(database_url, "stream", "skip", "C9", "queueing", "--to", "3")
    assert refused.returncode == 2 and "no center 'C9'" in refused.stderr
