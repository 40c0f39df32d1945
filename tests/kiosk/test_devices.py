"""Paper out (and the camera gone) reach staff: polled on a timer, reported to the locker, cleared.

The printer is the real PNG simulator (its STATUS file is the paper sensor); the locker is a
small HTTP endpoint on 127.0.0.1 that records what the kiosk posts, with or without the
device-state route.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts.locker import DeviceState
from drivers.camera.model import CameraState
from drivers.printer.printer import open_printer
from kiosk.clients.locker import LockerClient
from kiosk.devices import DeviceWatch, Reading
from kiosk.services import Services
from tests.harness import HandlerThread, JsonHandler, free_port
from tests.kiosk.fakes import InlineWorker

TOKEN = "kiosk-token-for-tests"


class FakeLocker:
    """Records POSTs; `devices_route=False` answers the device route like a daemon without it."""

    def __init__(self, devices_route: bool = True) -> None:
        self.devices_route = devices_route
        self.posts: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        outer = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self.send_json(401, {"error": "not_kiosk", "message": "wrong kiosk token"})
                    return
                if self.path == "/api/v1/kiosk/devices" and not outer.devices_route:
                    self.send_json(404, {"detail": "Not Found"})
                    return
                outer.posts.append((self.path, body, dict(self.headers)))
                self.send_json(200, {"ok": True})

        self.http = HandlerThread(Handler)
        self.url = self.http.url

    def bodies(self, path: str = "/api/v1/kiosk/devices") -> list[dict[str, Any]]:
        return [b for p, b, _h in self.posts if p == path]

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def locker() -> Iterator[FakeLocker]:
    fake = FakeLocker()
    yield fake
    fake.close()


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[Any]:
    p = open_printer(f"png://{tmp_path / 'printer'}", status_timeout_s=0.5)
    yield p
    p.close()


def paper(tmp_path: Path, word: str | None) -> None:
    """The paper sensor: a word in the simulator's STATUS file, or refilled (no file)."""
    status = tmp_path / "printer" / "STATUS"
    status.parent.mkdir(parents=True, exist_ok=True)
    if word is None:
        status.unlink(missing_ok=True)
    else:
        status.write_text(word + "\n", encoding="utf-8")


class Camera:
    """A scanner whose state the test sets (the real one reopens a missing device with backoff)."""

    state = CameraState.RUNNING

    def start(self, on_result: Any, on_frame: Any = None, on_state: Any = None) -> None:
        """Not used by the watch."""

    def stop(self) -> None:
        """Not used by the watch."""


def watch(services: Services, seen: list[dict[str, Reading]]) -> DeviceWatch:
    return DeviceWatch(services, InlineWorker(), seen.append, printer_enabled=True, camera_enabled=True)


def test_paper_out_is_reported_and_the_refill_clears_it(locker, printer, tmp_path) -> None:
    client = LockerClient(locker.url, kiosk_token=TOKEN, client_id="kiosk-3")
    camera = Camera()
    seen: list[dict[str, Reading]] = []
    w = watch(Services(locker=client, printer=printer, scanner=camera), seen)
    w.poll()
    assert [(b["device"], b["state"]) for b in locker.bodies()] == [("printer", "ok"), ("camera", "ok")]
    assert w.problems() == []

    paper(tmp_path, "paper_out")
    w.poll()
    last = locker.bodies()[-1]
    assert (last["device"], last["state"]) == ("printer", "paper_out") and last["detail"]
    assert [r.state for r in w.problems()] == [DeviceState.PAPER_OUT]
    headers = locker.posts[-1][2]
    assert headers["X-Kiosk-Id"] == "kiosk-3"
    w.poll()  # unchanged: nothing sent again
    assert len(locker.bodies()) == 3

    paper(tmp_path, "cover_open")
    w.poll()
    assert locker.bodies()[-1]["state"] == "cover_open"

    paper(tmp_path, None)  # refilled and closed: seen at the next poll, not at the next ticket
    w.poll()
    assert (locker.bodies()[-1]["device"], locker.bodies()[-1]["state"]) == ("printer", "ok")
    assert w.problems() == []

    camera.state = CameraState.UNAVAILABLE  # unplugged
    w.poll()
    assert (locker.bodies()[-1]["device"], locker.bodies()[-1]["state"]) == ("camera", "missing")
    assert [r.device for r in w.problems()] == ["camera"]
    assert len(seen) == 5  # initial, paper out, cover open, refill, camera


def test_a_report_the_locker_did_not_take_is_sent_again(printer, tmp_path) -> None:
    port = free_port()
    client = LockerClient(f"http://127.0.0.1:{port}", kiosk_token=TOKEN, timeout_s=2)
    paper(tmp_path, "paper_out")
    w = watch(Services(locker=client, printer=printer), [])
    w.poll()  # nobody listens: not reported
    assert [r.state for r in w.problems()] == [DeviceState.PAPER_OUT, DeviceState.MISSING]
    fake = FakeLocker()
    try:
        client.base_url = fake.url
        w.poll()
        states = {(b["device"], b["state"]) for b in fake.bodies()}
        assert states == {("printer", "paper_out"), ("camera", "missing")}
    finally:
        fake.close()


def test_a_daemon_without_the_device_route_still_gets_an_alarm(printer, tmp_path) -> None:
    fake = FakeLocker(devices_route=False)
    try:
        client = LockerClient(fake.url, kiosk_token=TOKEN)
        w = watch(Services(locker=client, printer=printer, scanner=Camera()), [])
        w.poll()  # all ok: nothing to raise
        assert fake.posts == []
        paper(tmp_path, "paper_out")
        w.poll()
        alarms = fake.bodies("/api/v1/alarms")
        assert len(alarms) == 1 and alarms[0]["kind"] == "printer_paper_out" and alarms[0]["message"]
        paper(tmp_path, None)
        w.poll()
        assert len(fake.posts) == 1  # "ok" cannot clear there; staff acknowledge the alarm
    finally:
        fake.close()


def test_no_printer_on_purpose_is_not_a_problem(locker) -> None:
    client = LockerClient(locker.url, kiosk_token=TOKEN)
    services = Services(locker=client, printer=None, printer_error="printer disabled", scanner=None)
    w = DeviceWatch(services, InlineWorker(), lambda _r: None, printer_enabled=False, camera_enabled=False)
    w.poll()
    assert w.problems() == [] and locker.posts == []
    w = DeviceWatch(services, InlineWorker(), lambda _r: None, printer_enabled=True, camera_enabled=True)
    w.poll()
    assert {(r.device, r.state) for r in w.problems()} == {
        ("printer", DeviceState.OFFLINE),
        ("camera", DeviceState.MISSING),
    }


@pytest.mark.kivy
def test_home_shows_a_discreet_mark_while_the_paper_is_out(make_harness, locker, printer, tmp_path) -> None:
    from kivy.core.window import Window
    from kivy.metrics import dp

    paper(tmp_path, "paper_out")
    client = LockerClient(locker.url, kiosk_token=TOKEN)
    h = make_harness(Services(locker=client, printer=printer), default_language="en")
    home = h.screen("home")
    h.wait(lambda: h.app.device_note != "", what="the device mark")
    mark = home.ids.device_mark
    assert "Printer out of paper" in home.ids.device_mark_text.text and mark.opacity == 1
    assert mark.height <= dp(32) and mark.width < Window.width / 3  # small
    assert mark.right <= Window.width and mark.y >= 0 and mark.y < dp(20)  # bottom-right corner
    for btn in (home.ids.take_btn, home.ids.collect_btn):
        bx, by = btn.to_window(btn.x, btn.y)
        assert mark.top <= by or mark.right <= bx or mark.x >= bx + btn.width  # never over a button
    h.app.set_language("vi")
    assert "Máy in hết giấy" in home.ids.device_mark_text.text
    paper(tmp_path, None)
    h.app.devices.poll()  # the timer does this every device_poll_s
    h.wait(lambda: h.app.device_note == "", what="the mark cleared after the refill")
    assert mark.opacity == 0
    assert locker.bodies()[-1]["state"] == "ok"


def test_paper_out_reaches_the_real_locker_daemon_and_the_refill_clears_it(printer, tmp_path) -> None:
    from tests.locker.conftest import Harness as LockerHarness
    from tests.locker.conftest import make_config

    daemon = LockerHarness(tmp_path / "locker", make_config())
    try:
        staff = daemon.sign_in("loader1")

        def open_alarms() -> list[tuple[str, str]]:
            r = daemon.req("GET", "/api/v1/alarms?open_only=true", staff)
            assert r.status_code == 200, r.text
            return [(a["kind"], a["message"]) for a in r.json()]

        client = LockerClient(daemon.base, kiosk_token=daemon.svc.kiosk_token, client_id="kiosk-3")
        w = watch(Services(locker=client, printer=printer, scanner=Camera()), [])
        w.poll()
        assert open_alarms() == []
        paper(tmp_path, "paper_out")
        w.poll()
        [(kind, message)] = open_alarms()
        assert kind == "printer_paper_out" and "kiosk-3" in message
        paper(tmp_path, None)
        w.poll()
        assert open_alarms() == []
        assert client._devices_route  # the daemon has the route: no fallback to POST /api/v1/alarms
    finally:
        daemon.close()


def test_the_screen_going_out_of_service_and_back_is_reported_at_once(locker) -> None:
    client = LockerClient(locker.url, kiosk_token=TOKEN, client_id="kiosk-3")
    services = Services(locker=client, printer=None, scanner=None)
    w = DeviceWatch(services, InlineWorker(), lambda _r: None, printer_enabled=False, camera_enabled=False)
    w.set_screen(False)
    w.set_screen(False)  # unchanged: nothing sent again
    w.set_screen(True, "queueing")
    w.poll()  # the timer's poll: already reported
    w.set_screen(False)
    assert [(b["device"], b["state"], b["detail"]) for b in locker.bodies()] == [
        ("screen", "in_service", "in_service"),
        ("screen", "out_of_service", "queueing"),
        ("screen", "in_service", "in_service"),
    ]
    assert w.problems() == []  # the screen is no device mark on home


def test_a_screen_report_the_locker_did_not_take_is_sent_at_the_next_poll() -> None:
    port = free_port()
    client = LockerClient(f"http://127.0.0.1:{port}", kiosk_token=TOKEN, timeout_s=2)
    services = Services(locker=client, printer=None, scanner=None)
    w = DeviceWatch(services, InlineWorker(), lambda _r: None, printer_enabled=False, camera_enabled=False)
    w.set_screen(True, "queueing")  # nobody listens: not reported
    fake = FakeLocker()
    try:
        client.base_url = fake.url
        w.poll()
        assert [(b["device"], b["state"]) for b in fake.bodies()] == [("screen", "out_of_service")]
    finally:
        fake.close()


@pytest.mark.kivy
def test_the_kiosk_reports_its_screen_out_of_service_and_back(make_harness, locker, tmp_path) -> None:
    from kiosk.clients.queueing import QueueingClient
    from tests.harness import QueueingProcess
    from tests.kiosk.live import SITE_TOML

    q = QueueingProcess(SITE_TOML, tmp_path, free_port())
    q.start()
    try:
        client = LockerClient(locker.url, kiosk_token=TOKEN)
        queueing = QueueingClient(q.url, token_file=q.token_file, timeout_s=2)
        h = make_harness(Services(queueing=queueing, locker=client))
        h.idle_workers()
        screen = lambda: [(b["state"], b["detail"]) for b in locker.bodies() if b["device"] == "screen"]  # noqa: E731
        h.wait(lambda: screen() == [("in_service", "in_service")], what="in service at start")
        q.stop()
        h.tap(h.screen("home").ids.take_btn)
        h.wait(lambda: h.app.current == "out_of_service", what="out-of-service screen")
        h.wait(lambda: len(screen()) == 2, what="the out-of-service report")
        assert screen()[1] == ("out_of_service", "queueing")
        q.start()
        h.app.health.poll()
        h.wait(lambda: h.app.current == "home", what="recovery to home")
        h.wait(lambda: len(screen()) == 3, what="the back-in-service report")
        assert screen()[2][0] == "in_service"
    finally:
        q.stop()
