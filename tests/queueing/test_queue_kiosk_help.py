"""A kiosk's "Call staff" on the counter consoles (issue 18): kiosk token only, shown in every
console's view and event stream, cleared by the kiosk's cancel or a staff member's ack, bounded."""

from __future__ import annotations

import requests

from tests.harness import QueueingServer
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures


def _help(srv: QueueingServer, kiosk: str, state: str = "requested", screen: str = "pickup", **kw: object):
    headers = {**srv.kiosk_headers, "X-Kiosk-Id": kiosk} if kw.get("token", True) else {"X-Kiosk-Id": kiosk}
    return requests.post(
        f"{srv.url}/api/v1/kiosk/help", json={"screen": screen, "state": state}, headers=headers, timeout=10
    )


def _desk(srv: QueueingServer, staff: str = "cb01", pin: str = "1111", counter: int = 1) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{srv.url}/api/v1/counter/sessions", json={"staff_id": staff, "pin": pin, "counter": counter})
    assert r.ok, r.text
    return s


def _calls(desk: requests.Session, srv: QueueingServer) -> list[dict[str, object]]:
    r = desk.get(f"{srv.url}/api/v1/counter", timeout=10)
    assert r.ok, r.text
    return r.json()["help_requests"]


def test_kiosk_token_required_and_the_call_reaches_every_console(server: QueueingServer) -> None:
    r = _help(server, "k1", token=False)
    assert r.status_code == 401 and r.json()["error"] == "not_kiosk"
    desk = _desk(server)
    assert _calls(desk, server) == []
    assert (
        desk.post(f"{server.url}/api/v1/kiosk/help", json={"screen": "x", "state": "requested"}).status_code
        == 401
    )
    bad = _help(server, "k1", state="maybe")
    assert bad.status_code == 422
    r = _help(server, "sàn-1<b>", screen="pickup")
    assert r.ok and r.json() == {"kiosk": "sn-1b", "open": True}
    calls = _calls(desk, server)
    assert [(c["kiosk"], c["screen"]) for c in calls] == [("sn-1b", "pickup")]
    assert isinstance(calls[0]["since"], float)
    events = [e for e in server.app.state.queue.store.events_since(0) if e["kind"] == "kiosk_help"]
    assert events[-1]["data"] == {"kiosk": "sn-1b", "screen": "pickup", "state": "requested"}
    _help(server, "sn-1b", screen="ticket")  # a new call replaces the kiosk's previous one
    assert [(c["kiosk"], c["screen"]) for c in _calls(desk, server)] == [("sn-1b", "ticket")]
    assert _help(server, "sn-1b", state="ok").json() == {"kiosk": "sn-1b", "open": False}
    assert _calls(desk, server) == []


def test_staff_ack_clears_it_for_every_console_and_65_kiosks_keep_64(server: QueueingServer) -> None:
    desk = _desk(server)
    other = _desk(server, "cb02", "2222", 2)
    _help(server, "k2", screen="home")
    assert requests.post(f"{server.url}/api/v1/counter/help/k2/ack", timeout=10).status_code == 401
    assert len(_calls(other, server)) == 1
    r = desk.post(f"{server.url}/api/v1/counter/help/k2/ack", timeout=10)
    assert r.ok and r.json() == {"kiosk": "k2", "open": False}
    assert _calls(other, server) == [] and _calls(desk, server) == []
    events = [e for e in server.app.state.queue.store.events_since(0) if e["kind"] == "kiosk_help"]
    assert events[-1]["data"] == {"kiosk": "k2", "screen": "home", "state": "acked", "by": "cb01"}
    assert desk.post(f"{server.url}/api/v1/counter/help/k2/ack", timeout=10).ok  # twice: no harm
    for i in range(65):
        assert _help(server, f"k{i:02d}").ok
    kiosks = [c["kiosk"] for c in _calls(desk, server)]
    assert len(kiosks) == 64 and kiosks[0] == "k01" and kiosks[-1] == "k64"
