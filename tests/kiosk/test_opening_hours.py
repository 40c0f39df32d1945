"""What home and the ticket screen say about opening hours, and what staff see about the site
config, against the real queueing service (in this process, on an injected clock).

(issue 13, items 7 and 8: "the demo is closed half the week"; "không còn lấy số" on a closed day
and nothing about when the center opens; QR codes no phone can open, with no warning.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from kiosk.clients.queueing import QueueingClient, ServiceInfo
from kiosk.i18n import Translator
from kiosk.opening import TICKET_KEYS, closed_sentence, parse_moment
from kiosk.services import Services
from queueing.config import OpeningHours, QueueingConfig, load_config
from queueing.kiosk_token import TOKEN_FILE_NAME
from tests.harness import QueueingServer, free_port
from tests.queueing.helpers import make_config

pytestmark = pytest.mark.kivy

#: Sunday 7 December 2025, 10:00 in Ho Chi Minh City; the center opens again Monday 08/12 07:30.
SUNDAY = datetime(2025, 12, 7, 3, 0, tzinfo=UTC)
CLOSED_VI = "Hôm nay đã hết giờ làm việc. Trung tâm mở lại lúc 07:30 thứ Hai, 08/12."
CLOSED_EN = "Closed now. Opens again Monday 08/12 at 07:30."


def kiosk_client(srv: QueueingServer) -> QueueingClient:
    """The kiosk's queueing client, with the token the service made in its data dir."""
    return QueueingClient(srv.url, timeout_s=5, token_file=srv.data_dir / TOKEN_FILE_NAME)


def office_hours(**over: Any) -> QueueingConfig:
    """The shipped hours (Mon-Fri 07:30-11:30 + 13:00-17:00, Sat morning)."""
    data = make_config().model_dump(mode="json")
    data["hours"] = OpeningHours().model_dump()
    data.update(over)
    return QueueingConfig.model_validate(data)


@pytest.fixture
def real_center(tmp_path: Path) -> Iterator[QueueingServer]:
    """A real center's queueing service, started from a site file with public_base_url on loopback."""
    port = free_port()
    cfg = office_hours(public_base_url=f"http://127.0.0.1:{port}", port=port)
    with QueueingServer(cfg, tmp_path / "q", port, ManualClock(SUNDAY), site_config=True) as srv:
        yield srv


def test_the_sentences_in_both_languages() -> None:
    tr = Translator("vi")
    opens = parse_moment("2025-12-08T07:30+07:00")
    assert closed_sentence(tr.tr, opens, SUNDAY) == CLOSED_VI
    assert closed_sentence(tr.tr, parse_moment("2025-12-07T13:00+07:00"), SUNDAY) == (
        "Ngoài giờ làm việc. Lấy số từ 13:00."
    )
    assert "không còn lấy số" not in closed_sentence(tr.tr, None, SUNDAY)
    tr.set_language("en")
    assert closed_sentence(tr.tr, opens, SUNDAY) == CLOSED_EN
    assert closed_sentence(tr.tr, opens, SUNDAY, TICKET_KEYS) == (
        "This service is not issuing numbers now. The center opens again Monday 08/12 at 07:30."
    )
    # late on Sunday evening in Vietnam is already Monday in UTC+8 … the service's offset decides
    assert parse_moment("2025-12-08T07:30") is None  # no offset: not trusted


def test_closed_home_says_when_the_center_opens(
    make_harness, real_center: QueueingServer, tmp_path: Path
) -> None:
    h = make_harness(Services(queueing=kiosk_client(real_center)), clock=ManualClock(SUNDAY))
    home = h.screen("home")
    h.wait(lambda: home.queue_state == "closed", what="home closed")
    assert home.ids.take_btn.disabled
    assert home.status_text == CLOSED_VI  # no locker here: no "24h locker" note
    assert "Ngoài giờ làm việc" in home.ids.take_btn.text and "không còn lấy số" not in home.ids.take_btn.text
    h.pump(4)
    h.app.snapshot(tmp_path / "home-closed-sunday-vi.png")  # looked at by hand
    h.app.set_language("en")
    assert home.status_text == CLOSED_EN
    h.pump(4)
    h.app.snapshot(tmp_path / "home-closed-sunday-en.png")
    # the service list says it per tile too
    h.app.set_language("vi")
    h.app.go("services")
    h.wait(lambda: h.screen().services, what="service list")
    assert "Mở lại 07:30 thứ Hai, 08/12" in h.screen().tile("ho_tich").text


def test_weekday_evening_ticket_refusal_says_tomorrow(make_harness, real_center: QueueingServer) -> None:
    monday_evening = ManualClock(datetime(2025, 12, 8, 11, 30, tzinfo=UTC))  # 18:30 local
    real_center.app.state.queue.clock = monday_evening
    h = make_harness(
        Services(queueing=kiosk_client(real_center)),
        clock=monday_evening,
        scan_id_enabled=False,
    )
    svc = ServiceInfo("ho_tich", "Hộ tịch", "Civil status registration", "A", True, None, 0, None)
    h.app.go("ticket", service=svc)  # the citizen chose it just before closing
    ticket = h.screen("ticket")
    h.wait(lambda: ticket.state == "error", what="closed error")
    assert ticket.error_code == "service_closed"
    assert ticket.ids.message.text == (
        "Dịch vụ này hiện không lấy số. Trung tâm mở lại lúc 07:30 thứ Ba, 09/12."
    )


def test_simulated_center_is_open_on_sunday_night_and_says_so(make_harness, tmp_path: Path) -> None:
    cfg = load_config(None, {"port": free_port()})  # the shipped default: open_all_hours
    night = ManualClock(datetime(2025, 12, 7, 14, 0, tzinfo=UTC))  # Sunday 21:00 local
    with QueueingServer(cfg, tmp_path / "q", cfg.port, night) as srv:
        h = make_harness(Services(queueing=kiosk_client(srv)), clock=night)
        home = h.screen("home")
        h.wait(lambda: home.queue_state == "open", what="home open")
        assert not home.ids.take_btn.disabled
        assert "Trung tâm mô phỏng, mở cả ngày" in home.status_text
        h.app.set_language("en")
        assert "Simulated center, open at any hour" in home.status_text
        h.pump(4)
        h.app.snapshot(tmp_path / "home-simulated-en.png")


def test_staff_screens_show_the_loopback_warning(
    make_harness, real_center: QueueingServer, tmp_path: Path
) -> None:
    health = requests.get(f"{real_center.url}/api/v1/health", timeout=5).json()
    assert [w["code"] for w in health["warnings"]] == ["public_url_loopback"]
    h = make_harness(Services(queueing=kiosk_client(real_center)), clock=ManualClock(SUNDAY))
    h.wait(lambda: bool(h.app.config_warnings), what="warnings from health")
    assert "điện thoại không mở được" in h.app.config_warnings
    h.app.go("staff_menu")
    strip = h.screen().ids.config_warnings
    h.pump(3)
    assert strip.text == h.app.config_warnings and strip.height > 20 and strip.opacity == 1
    h.app.snapshot(tmp_path / "staff-menu-warning-vi.png")
    alarms = h.screen("staff_alarms")  # built, not shown: it needs a locker to list alarms
    assert alarms.ids.config_warnings.text == h.app.config_warnings
    h.app.set_language("en")
    assert "never on a phone" in strip.text and "never on a phone" in alarms.ids.config_warnings.text
    # the locker's health may say the same of its receipt QRs; an unknown code shows its own text
    h.app.take_health(
        "locker",
        {"warnings": [{"code": "verify_url_loopback", "message": "x"}, {"code": "new", "message": "[x] y"}]},
    )
    assert "receipt QR codes open only on this computer" in strip.text and "[x] y" in strip.text
    h.app.take_health("locker", {})
    assert "receipt" not in strip.text and "never on a phone" in strip.text
    # home (citizens) never shows it
    assert "public_base_url" not in h.screen("home").status_text


def test_the_simulated_center_warns_nobody(make_harness, tmp_path: Path) -> None:
    cfg = load_config(None, {"port": free_port()})
    with QueueingServer(cfg, tmp_path / "q", cfg.port, ManualClock(SUNDAY)) as srv:  # no site file
        h = make_harness(Services(queueing=kiosk_client(srv)), clock=ManualClock(SUNDAY))
        h.wait(lambda: h.screen("home").queue_state == "open", what="home open")
        h.idle_workers()
        assert h.app.config_warnings == ""
        h.app.go("staff_menu")
        h.pump(3)
        assert h.screen().ids.config_warnings.height == 0


def test_numbers_exhausted_is_explained(make_harness, tmp_path: Path) -> None:
    port = free_port()
    data = make_config().model_dump(mode="json")
    data["services"][0].update(number_min=1, number_max=1, number_digits=1)
    cfg = QueueingConfig.model_validate(data)
    with QueueingServer(cfg, tmp_path / "q", port) as srv:
        held = requests.post(
            f"{srv.url}/api/v1/tickets",
            json={"service": "ho_tich", "channel": "remote"},
            headers={"Idempotency-Key": "only-number"},
            timeout=5,
        )
        assert held.status_code == 201
        h = make_harness(Services(queueing=kiosk_client(srv)), scan_id_enabled=False)
        svc = ServiceInfo("ho_tich", "Hộ tịch", "Civil status registration", "A", True, None, 1, None)
        h.app.go("ticket", service=svc)
        ticket = h.screen("ticket")
        h.wait(lambda: ticket.state == "error", what="exhausted error")
        assert ticket.error_code == "numbers_exhausted"
        assert ticket.ids.message.text.startswith("Dịch vụ này đã hết số hôm nay. Xin vui lòng hỏi cán bộ")
        assert not ticket.retryable
        h.app.set_language("en")
        assert "run out of numbers" in ticket.ids.message.text
