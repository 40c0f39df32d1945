"""Out-of-service and recovery, out-of-hours home, the real camera driver on sample images."""

from __future__ import annotations

import shutil

import pytest

from common.config import REPO_ROOT
from kiosk.clients.queueing import QueueingClient
from kiosk.services import Services
from tests.harness import QueueingProcess, free_port
from tests.kiosk.live import CLOSED_TOML, SITE_TOML

pytestmark = pytest.mark.kivy


def test_service_down_shows_out_of_service_then_recovers_by_itself(make_harness, tmp_path):
    q = QueueingProcess(SITE_TOML, tmp_path, free_port())
    q.start()
    try:
        h = make_harness(Services(queueing=QueueingClient(q.url, token_file=q.token_file, timeout_s=2)))
        h.idle_workers()
        assert h.screen("home").queue_state == "open"
        q.stop()
        h.tap(h.screen("home").ids.take_btn)
        h.wait(lambda: h.app.current == "out_of_service", what="out-of-service screen")
        oos = h.screen()
        assert "lấy số" in oos.detail.lower()
        q.start()
        h.app.health.poll()  # the timer does this every health_poll_s
        h.wait(lambda: h.app.current == "home", what="recovery to home")
        h.wait(lambda: h.screen("home").queue_state == "open", what="ticketing offered again")
    finally:
        q.stop()


def test_out_of_hours_home_offers_pickup_only_and_says_when(make_harness, tmp_path):
    q = QueueingProcess(CLOSED_TOML, tmp_path, free_port())
    q.start()
    try:
        h = make_harness(Services(queueing=QueueingClient(q.url, token_file=q.token_file, timeout_s=2)))
        home = h.screen("home")
        h.wait(lambda: home.queue_state == "closed", what="closed state")
        assert home.ids.take_btn.disabled
        assert "Ngoài giờ làm việc" in home.ids.take_btn.text
        h.tap(home.ids.take_btn)
        assert h.app.current == "home"
    finally:
        q.stop()


def test_real_camera_driver_reads_a_sample_card(make_harness, queueing_service, tmp_path):
    from drivers.camera.config import load_camera_config
    from drivers.camera.scanner import open_scanner

    folder = tmp_path / "cam"
    folder.mkdir()
    sample = sorted((REPO_ROOT / "assets" / "camera-samples").glob("*cccd*"))[0]
    shutil.copy(sample, folder / sample.name)
    cam_cfg = load_camera_config(
        {
            "camera": {
                "source": f"folder:{folder}",
                "sim_image_hold_s": 0.5,
                "hash_key_file": str(tmp_path / "key"),
            }
        }
    )
    scanner = open_scanner(cam_cfg, hash_key=b"k" * 32)
    client = QueueingClient(queueing_service.url, token_file=queueing_service.token_file)
    h = make_harness(Services(queueing=client, scanner=scanner))
    h.tap(h.screen("home").ids.take_btn)
    h.wait(lambda: h.app.current == "services" and h.screen().services, what="services")
    h.tap(h.screen().tile("ho_tich"))
    scan = h.screen("scan_id")
    h.wait(lambda: scan.card is not None, timeout_s=20, what="card decoded from the sample image")
    assert scan.ids.preview.frames_drawn >= 1
    h.wait(lambda: h.app.current in ("priority", "ticket"), what="auto-continue")
    assert scanner.state.value == "stopped"


class _Down:
    """A client whose health never answers (a locker daemon that is not installed here)."""

    def health(self):
        from kiosk.clients.base import ServiceUnavailable

        raise ServiceUnavailable("locker", "unreachable", "no locker in this test")


def test_recovery_does_not_wait_for_an_unrelated_service(make_harness, tmp_path):
    q = QueueingProcess(SITE_TOML, tmp_path, free_port())
    q.start()
    try:
        client = QueueingClient(q.url, token_file=q.token_file, timeout_s=2)
        h = make_harness(Services(queueing=client, locker=_Down()))
        h.idle_workers()
        assert not h.app.health.is_up("locker")
        q.stop()
        h.tap(h.screen("home").ids.take_btn)
        h.wait(lambda: h.app.current == "out_of_service", what="out-of-service")
        q.start()
        h.app.health.poll()
        h.wait(lambda: h.app.current == "home", what="home although the locker is still down")
    finally:
        q.stop()
