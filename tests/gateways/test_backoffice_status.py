"""The back office's status call: the REST adapter against real HTTP on 127.0.0.1 (a slow one
too), and the simulator's dossiers in every state."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from contracts.dossiers import CollectAt, DossierStatus
from drivers.gateways.backoffice import FileBackOffice, HttpBackOffice, NoBackOffice
from drivers.gateways.errors import GatewayError, GatewayTimeout
from locker.daemon import SAMPLE_DOSSIERS, _sample_dossiers
from tests.harness import HandlerThread, JsonHandler

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


class StatusServer:
    """Answers GET /dossiers/{code}/status (and GET /dossiers/{code}) from `bodies`; a code in
    `hold` gets no answer until the test releases it (a back office that hangs)."""

    def __init__(self) -> None:
        self.bodies: dict[str, Any] = {}
        self.paths: list[str] = []
        self.release = threading.Event()
        srv = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                srv.paths.append(self.path)
                parts = self.path.split("/")
                code = parts[-2] if parts[-1] == "status" else parts[-1]
                if code == "HOLD":
                    srv.release.wait(10)
                body = srv.bodies.get(code)
                self.send_json(200 if body is not None else 404, body or {})

        self.http = HandlerThread(Handler)
        self.url = self.http.url

    def close(self) -> None:
        self.release.set()
        self.http.close()


@pytest.fixture
def srv() -> Iterator[StatusServer]:
    s = StatusServer()
    yield s
    s.close()


def test_http_status_is_typed(srv: StatusServer) -> None:
    srv.bodies["HS-1"] = {
        "procedure": "Cấp bản sao trích lục khai sinh",
        "status": "supplement_requested",
        "missing": "Bản chụp CCCD",
        "collect_at": "post",
        "citizen_name": "Nguyễn Văn An",
        "received_at": "2026-12-01T08:30:00+07:00",
        "due_at": "2026-12-08",
    }
    bo = HttpBackOffice(srv.url + "/api", token="t", status_timeout_s=2)
    rep = bo.status("HS-1")
    assert rep is not None and srv.paths == ["/api/dossiers/HS-1/status"]
    assert rep.status is DossierStatus.SUPPLEMENT_REQUESTED and rep.collect_at is CollectAt.POST
    assert rep.missing == "Bản chụp CCCD" and rep.received_at == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    assert rep.due_at == datetime(2026, 12, 8, tzinfo=UTC)  # a date alone: midnight UTC
    assert bo.status("NOPE") is None


@pytest.mark.parametrize(
    "body", [{"status": "lost"}, {"status": "received", "due_at": "tomorrow"}, [1, 2], b"not json"]
)
def test_http_status_malformed_is_a_gateway_error(srv: StatusServer, body: Any) -> None:
    srv.bodies["HS-1"] = body
    with pytest.raises(GatewayError) as err:
        HttpBackOffice(srv.url).status("HS-1")
    assert not isinstance(err.value, GatewayTimeout) and srv.url in str(err.value)


@pytest.mark.parametrize("body", [[1, 2], b"not json"])
def test_http_lookup_malformed_is_a_gateway_error(srv: StatusServer, body: Any) -> None:
    srv.bodies["HS-1"] = body
    with pytest.raises(GatewayError, match="HS-1") as err:
        HttpBackOffice(srv.url).lookup("HS-1")
    assert srv.url in str(err.value)


def test_http_status_times_out_instead_of_hanging(srv: StatusServer) -> None:
    bo = HttpBackOffice(srv.url, status_timeout_s=0.2)
    with pytest.raises(GatewayTimeout, match="no answer within 0.2 s"):
        bo.status("HOLD")
    srv.release.set()


def test_http_status_down_is_a_gateway_error() -> None:
    srv = StatusServer()
    url = srv.url
    srv.close()  # nothing listens there any more
    with pytest.raises(GatewayError, match="ConnectionError"):
        HttpBackOffice(url, status_timeout_s=1).status("HS-1")


def test_simulator_holds_a_dossier_in_every_state(tmp_path: Path) -> None:
    path = tmp_path / "bo" / "dossiers.json"
    _sample_dossiers(path)
    bo = FileBackOffice(path, tmp_path / "r.jsonl", now=lambda: NOW)
    reports = {code: bo.status(code) for code in SAMPLE_DOSSIERS if "simulate" not in SAMPLE_DOSSIERS[code]}
    assert {r.status for r in reports.values() if r} == set(DossierStatus)
    late = reports["000.00.12.H26-261120-0042"]  # the sample receipt's dossier
    assert late is not None and late.due_at is not None and late.due_at < NOW
    assert late.status is DossierStatus.IN_PROGRESS
    progress = reports["000.00.19.H26-261201-0002"]
    assert progress is not None and progress.due_at == NOW + timedelta(days=2)  # relative: never ages
    assert reports["000.00.19.H26-261201-0003"].missing  # type: ignore[union-attr]
    assert {r.collect_at for r in reports.values() if r} == set(CollectAt)
    with pytest.raises(GatewayTimeout):
        bo.status("000.00.19.H26-261201-0098")
    with pytest.raises(GatewayError):
        bo.status("000.00.19.H26-261201-0099")
    assert bo.status("HS-0000") is None
    assert NoBackOffice().status("HS-2026-000123") is None


def test_an_older_sample_file_gets_the_status_keys(tmp_path: Path) -> None:
    path = tmp_path / "dossiers.json"
    path.write_text(json.dumps({"HS-2026-000123": {"citizen_name": "Tên Sửa", "phone": "+84900000009"}}))
    _sample_dossiers(path)
    data = json.loads(path.read_text())
    assert data["HS-2026-000123"]["citizen_name"] == "Tên Sửa"  # the demo's edit is kept
    assert data["HS-2026-000123"]["status"] == "done_waiting" and "000.00.19.H26-261201-0001" in data
    bo = FileBackOffice(path, tmp_path / "r.jsonl")
    assert bo.lookup("HS-2026-000123").phone == "+84900000009"  # type: ignore[union-attr]
