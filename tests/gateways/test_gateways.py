"""SMS and back-office adapters against real HTTP servers on 127.0.0.1, and their simulators."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.gateways.backoffice import FileBackOffice, HttpBackOffice
from drivers.gateways.errors import GatewayError
from drivers.gateways.sms import FileSmsGateway, HttpSmsGateway, read_messages
from tests.harness import HandlerThread, JsonHandler


class Recorder:
    """A tiny HTTP server recording requests and answering from a script of status codes."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.body: dict[str, Any] = {}
        rec = self

        class Handler(JsonHandler):
            def _handle(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                rec.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(raw) if raw else None,
                    }
                )
                status = rec.statuses.pop(0) if rec.statuses else 200
                self.send_json(status, rec.body)

            do_GET = do_POST = _handle

        self.http = HandlerThread(Handler)
        self.url = self.http.url

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def rec() -> Iterator[Recorder]:
    r = Recorder()
    yield r
    r.close()


def test_http_sms_posts_json_with_token_and_key(rec: Recorder) -> None:
    gw = HttpSmsGateway(rec.url + "/sms", token="tok-123")
    gw.send("+84900000001", "Mã nhận: 123456", "d1:code:1")
    req = rec.requests[0]
    assert req["method"] == "POST" and req["path"] == "/sms"
    assert req["json"] == {"to": "+84900000001", "text": "Mã nhận: 123456"}
    assert (
        req["headers"]["Authorization"] == "Bearer tok-123"
        and req["headers"]["Idempotency-Key"] == "d1:code:1"
    )


def test_http_sms_errors_are_classified(rec: Recorder) -> None:
    gw = HttpSmsGateway(rec.url + "/sms")
    rec.statuses = [503, 400, 429]
    with pytest.raises(GatewayError) as e1:
        gw.send("+84900000001", "x", "k")
    assert not e1.value.permanent and rec.url in str(e1.value)
    with pytest.raises(GatewayError) as e2:
        gw.send("+84900000001", "x", "k")
    assert e2.value.permanent
    with pytest.raises(GatewayError) as e3:
        gw.send("+84900000001", "x", "k")
    assert not e3.value.permanent
    down = HttpSmsGateway("http://127.0.0.1:9/sms", timeout_s=1)
    with pytest.raises(GatewayError) as e4:
        down.send("+84900000001", "x", "k")
    assert not e4.value.permanent


def test_file_sms_is_readable_and_idempotent(tmp_path: Path) -> None:
    gw = FileSmsGateway(tmp_path / "sms")
    gw.send("+84900000001", "Hồ sơ HS-1: mã 123456", "d1:code:1")
    gw.send("+84900000001", "Hồ sơ HS-1: mã 123456", "d1:code:1")
    msgs = read_messages(tmp_path / "sms")
    assert len(msgs) == 1 and msgs[0]["to"] == "+84900000001" and "mã 123456" in msgs[0]["text"]
    # the number is in the file (0600), never in its name: a listing or the log line would show it
    assert "900000001" not in msgs[0]["file"]


def test_http_backoffice_lookup_and_returned(rec: Recorder) -> None:
    bo = HttpBackOffice(rec.url + "/api", token="t")
    rec.body = {"citizen_name": "Nguyễn Văn An", "phone": "+84900000001"}
    d = bo.lookup("HS 1/2")
    assert (
        d is not None and d.phone == "+84900000001" and rec.requests[0]["path"] == "/api/dossiers/HS%201%2F2"
    )
    rec.statuses = [404]
    assert bo.lookup("NOPE") is None
    bo.returned("HS-1", {"status": "returned_to_citizen"}, "d1:collected")
    req = rec.requests[-1]
    assert (
        req["path"] == "/api/dossiers/HS-1/returned" and req["headers"]["Idempotency-Key"] == "d1:collected"
    )
    rec.statuses = [500]
    with pytest.raises(GatewayError):
        bo.returned("HS-1", {}, "k")


def test_file_backoffice(tmp_path: Path) -> None:
    dossiers = tmp_path / "d.json"
    dossiers.write_text(json.dumps({"HS-1": {"citizen_name": "Trần Thị Bình", "phone": "+84900000002"}}))
    bo = FileBackOffice(dossiers, tmp_path / "r.jsonl")
    assert bo.lookup("HS-1").citizen_name == "Trần Thị Bình"  # type: ignore[union-attr]
    assert bo.lookup("HS-2") is None
    bo.returned("HS-1", {"status": "returned_to_citizen"}, "k1")
    bo.returned("HS-1", {"status": "returned_to_citizen"}, "k1")
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 1
    dossiers.write_text("{not json")
    with pytest.raises(GatewayError, match="cannot read"):
        bo.lookup("HS-1")


def test_file_sms_is_owner_only_and_errors_are_gateway_errors(tmp_path: Path) -> None:
    gw = FileSmsGateway(tmp_path / "sms")
    gw.send("+84900000001", "Ma nhan: 123456", "d1:code:1")
    (path,) = (tmp_path / "sms").iterdir()
    assert path.stat().st_mode & 0o777 == 0o600  # it holds a live pickup code
    assert (tmp_path / "sms").stat().st_mode & 0o777 == 0o700
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    with pytest.raises(GatewayError) as err:
        FileSmsGateway(blocked).send("+84900000001", "x", "k")
    assert not err.value.permanent
