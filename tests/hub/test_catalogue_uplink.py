"""The uplink's catalogue step against a hub that misbehaves (a real HTTP server on 127.0.0.1
answering what the test says): a body cut short or not matching its ETag is refused and
reported, the last good one stays, a refused catalogue is not fetched again, 304 costs nothing,
and a report the hub did not take is sent again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests

from queueing.catalogue import AUDIT_FILE, read_good
from queueing.catalogue_model import digest_of
from tests.harness import HandlerThread
from tests.queueing.helpers import make_config
from tests.queueing.test_catalogue_apply import catalogue_of, delivered
from uplink.catalogue import CataloguePuller


class FakeHub:
    """Answers GET /api/v1/catalogue with the next queued answer; records every request."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str], bytes]] = []
        self.status_code = 204
        self.url = ""  # where it listens, once the fixture serves it
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                hub.requests.append(("GET", self.path, dict(self.headers), None))
                self._send(*hub.answers.pop(0))

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hub.requests.append(("POST", self.path, dict(self.headers), body))
                self._send(hub.status_code, {}, b"")

        self.handler = Handler

    def answer(self, delivered_: dict[str, Any], etag: str | None = None, cut: int = 0) -> None:
        body = json.dumps(delivered_).encode()
        tag = etag or str(delivered_["etag"])
        self.answers.append(
            (200, {"ETag": f'"{tag}"', "Content-Type": "application/json"}, body[: len(body) - cut])
        )

    def posts(self) -> list[Any]:
        return [r[3] for r in self.requests if r[0] == "POST"]


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    hub = FakeHub()
    with HandlerThread(hub.handler) as http:
        hub.url = http.url
        yield hub


def test_partial_and_mismatched_answers_are_refused_and_reported(fake_hub: FakeHub, tmp_path: Path) -> None:
    config = make_config()
    puller = CataloguePuller(fake_hub.url, requests.Session(), config, tmp_path, 60, 5)
    good = delivered(catalogue_of(config, holidays=["2026-09-02"]))
    fake_hub.answer(good)
    assert puller.step() == "applied"
    assert read_good(tmp_path) == good
    assert fake_hub.posts()[-1] == {"etag": good["etag"], "version": 1, "outcome": "applied", "reason": ""}
    # unchanged: the uplink names what it holds, the hub answers 304
    fake_hub.answers.append((304, {"ETag": f'"{good["etag"]}"'}, b""))
    assert puller.step() == "unchanged"
    assert fake_hub.requests[-1][2]["If-None-Match"] == f'"{good["etag"]}"'
    # a new catalogue whose body was cut short (not JSON): refused, the last good one stays
    new = delivered(catalogue_of(config, holidays=["2026-09-02", "2026-09-03"]), version=2)
    fake_hub.answer(new, cut=40)
    assert puller.step() == "refused"
    assert fake_hub.posts()[-1]["outcome"] == "refused"
    assert "partial answer" in fake_hub.posts()[-1]["reason"]
    assert read_good(tmp_path) == good
    # the refused one is not fetched again while the hub still serves it
    fake_hub.answers.append((304, {}, b""))
    assert puller.step() == "unchanged"
    assert fake_hub.requests[-1][2]["If-None-Match"] == f'"{good["etag"]}", "{new["etag"]}"'
    # a whole body whose content does not match its ETag (altered on the way)
    altered = dict(new, catalogue={**new["catalogue"], "holidays": ["2026-12-25"]})
    fake_hub.answer(altered)
    assert puller.step() == "refused"
    assert "partial or altered" in fake_hub.posts()[-1]["reason"]
    assert read_good(tmp_path) == good
    audit = [json.loads(x) for x in (tmp_path / AUDIT_FILE).read_text().splitlines()]
    assert [a["action"] for a in audit] == ["accepted", "refused", "refused"]


def test_a_report_the_hub_did_not_take_is_sent_again(fake_hub: FakeHub, tmp_path: Path) -> None:
    config = make_config()
    puller = CataloguePuller(fake_hub.url, requests.Session(), config, tmp_path, 60, 5)
    doc = catalogue_of(config)
    del doc["hours"]  # partial: a key missing
    bad = {"center_id": "C1", "version": 3, "etag": digest_of(doc), "catalogue": doc}
    fake_hub.status_code = 503
    fake_hub.answer(bad)
    assert puller.step() == "refused"
    assert "hours: Field required" in fake_hub.posts()[-1]["reason"]
    fake_hub.status_code = 204
    fake_hub.answers.append((304, {}, b""))
    assert puller.step() == "unchanged"
    assert len(fake_hub.posts()) == 2 and fake_hub.posts()[-1]["outcome"] == "refused"
    fake_hub.answers.append((304, {}, b""))
    puller.step()
    assert len(fake_hub.posts()) == 2  # taken: not sent a third time
    assert read_good(tmp_path) is None  # never a good one: the site config's own services apply
