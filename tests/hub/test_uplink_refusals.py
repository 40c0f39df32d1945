"""The uplink when the hub refuses or has lost something (found by the failure review): a refused
batch holds back its own stream only and is said once as a refusal; a 413 halves the batches; a
token replaced at the hub is picked up from token_file; a hub restored from an older backup is
named in the log and `python -m hub stream skip` lets the stream go on."""

from __future__ import annotations

import json
import logging
import sqlite3
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
    its answer in time (what a slow mobile link does to a large body); `most` None: a good link."""

    def __init__(self) -> None:
        super().__init__()
        self.most: int | None = 8
        self.answer_408 = False

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        body = request.body or b""
        events = json.loads(body).get("events", []) if request.url and "/events" in request.url else []
        if self.most is not None and len(events) > self.most:
            if self.answer_408:  # the hub's own word: the request was not whole in time
                resp = requests.Response()
                resp.status_code, resp.url = 408, request.url or ""
                resp._content = b'{"error": "request_timeout"}'
                return resp
            raise requests.ReadTimeout("read timed out (simulated slow link)", request=request)
        return super().send(request, *args, **kwargs)


@pytest.mark.parametrize("answer_408", [False, True], ids=["read-timeout", "hub-408"])
def test_a_batch_too_slow_for_the_link_is_halved_and_grows_back(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    answer_408: bool,
) -> None:
    """With batches of 2,000 events a slow link may not carry one within the time-out: the stream's
    batches halve until they arrive (nothing lost, nothing stuck), and grow back once the link is
    good again."""
    monkeypatch.setattr(sender, "GROW_AFTER", 2)
    t = tokens(database_url, "C1")
    queue_db = tmp_path / "q" / "queue.sqlite3"
    _outbox(queue_db, 40)
    link = _SlowLink()
    link.answer_408 = answer_408
    session = requests.Session()
    session.mount("http://", link)
    with HubServer(database_url, ManualClock(MONDAY_9AM)) as hub:
        site = site_file(tmp_path, hub.url, t["C1"], "C1", queue_db.parent, batch_max_events=32)
        uplink = Uplink(load_setup(site), session=session)
        try:
            with caplog.at_level(logging.WARNING, logger="uplink.sender"):
                _rounds(uplink, 30)
                assert _issued(hub, t["reader"]) == 40  # 32 and 16 too slow, then 8 a batch
                _outbox(queue_db, 200)  # still slow: 16 is tried again after 2 batches, then 4, 8, 16
                _rounds(uplink, 60)
                assert _issued(hub, t["reader"]) == 240 and uplink.batch["queueing"] <= 16
            slow = [r for r in caplog.records if "did not reach the hub in time" in r.getMessage()]
            assert 4 <= len(slow) <= 6, [r.getMessage() for r in slow]  # every 2nd batch: 12
            link.most = None  # the link is good again: 16 and then 32 a batch, after as many batches
            _outbox(queue_db, 600)  # stored in a row as it last waited (up to 16 here)
            _rounds(uplink, 80)
            assert _issued(hub, t["reader"]) == 840 and uplink.batch["queueing"] == 32
        finally:
            uplink.close()


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
