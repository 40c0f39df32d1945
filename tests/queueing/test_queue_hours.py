"""Opening hours as a citizen meets them: closed on a Sunday, a weekday evening and a holiday,
with the moment the center opens next given by the service (`opens_next_at`, center time zone);
the simulated center open at any hour; site-config warnings in the log and in health."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from queueing import domain
from queueing.app import config_warnings, with_public_base_url
from queueing.config import OpeningHours, QueueingConfig, load_config
from tests.harness import QueueingServer, free_port, kiosk_headers_for
from tests.queueing.helpers import make_config

#: Sunday 11 January 2026, 10:00 in Ho Chi Minh City (UTC+7).
SUNDAY_10AM = datetime(2026, 1, 11, 3, 0, tzinfo=UTC)
#: Monday 5 January 2026, 18:30 there: after the afternoon period.
MONDAY_EVENING = datetime(2026, 1, 5, 11, 30, tzinfo=UTC)


def office_hours(**over: Any) -> QueueingConfig:
    """The shipped office hours (Mon-Fri 07:30-11:30 + 13:00-17:00, Sat morning), not open all hours."""
    data = make_config().model_dump(mode="json")
    data["hours"] = OpeningHours().model_dump()
    data.update(over)
    return QueueingConfig.model_validate(data)


def take(url: str, key: str) -> requests.Response:
    return requests.post(
        f"{url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={**kiosk_headers_for(url), "Idempotency-Key": key},
        timeout=10,
    )


def test_next_opening_skips_holidays_and_looks_past_a_week() -> None:
    hours = OpeningHours()
    monday_evening = datetime(2026, 1, 5, 18, 30)
    assert domain.next_opening(hours, monday_evening) == datetime(2026, 1, 6, 7, 30)
    tet = {date(2026, 1, 6) + (date(2026, 1, 2) - date(2026, 1, 1)) * i for i in range(10)}  # Tue 6 .. Thu 15
    assert domain.next_opening(hours, monday_evening, tet) == datetime(2026, 1, 16, 7, 30)
    assert domain.opening_at(hours, datetime(2026, 1, 7, 9, 0), 0, tet) == domain.Opening(False, None)
    assert domain.opening_at(hours, datetime(2026, 1, 7, 9, 0)).open
    assert (
        domain.next_opening(OpeningHours(mon=[], tue=[], wed=[], thu=[], fri=[], sat=[]), monday_evening)
        is None
    )


def test_sunday_says_monday_0730_in_the_center_time_zone(tmp_path: Path) -> None:
    with QueueingServer(office_hours(), tmp_path, free_port(), ManualClock(SUNDAY_10AM)) as srv:
        listed = requests.get(f"{srv.url}/api/v1/services", timeout=10).json()
        assert {s["open"] for s in listed} == {False}
        first = listed[0]
        assert first["opens_next_at"] == "2026-01-12T07:30+07:00"
        assert first["opens_at"] is None and first["open_all_hours"] is False
        r = take(srv.url, "sun")
        assert r.status_code == 409 and r.json()["error"] == "service_closed"
        body = r.json()
        assert body["opens_next_at"] == "2026-01-12T07:30+07:00"
        vi, en = body["message"].split(" / ")
        assert vi.startswith("Hộ tịch hiện không lấy số") and "07:30 thứ Hai, 12/01" in vi
        assert "2026-01-12 at 07:30" in en


def test_weekday_evening_says_tomorrow_morning_and_holidays_are_skipped(tmp_path: Path) -> None:
    cfg = office_hours(holidays=["2026-01-06"])  # Tuesday off
    with QueueingServer(cfg, tmp_path, free_port(), ManualClock(MONDAY_EVENING)) as srv:
        first = requests.get(f"{srv.url}/api/v1/services", timeout=10).json()[0]
        assert first["open"] is False and first["opens_next_at"] == "2026-01-07T07:30+07:00"
        assert "thứ Tư, 07/01" in take(srv.url, "eve").json()["message"]
        srv.app.state.queue.clock = ManualClock(datetime(2026, 1, 6, 2, 0, tzinfo=UTC))  # the holiday, 09:00
        closed = requests.get(f"{srv.url}/api/v1/services", timeout=10).json()[0]
        assert closed["open"] is False and closed["opens_next_at"] == "2026-01-07T07:30+07:00"
        srv.app.state.queue.clock = ManualClock(datetime(2026, 1, 7, 2, 0, tzinfo=UTC))  # Wed 09:00
        assert take(srv.url, "wed").status_code == 201


def test_simulated_center_issues_on_sunday_evening(tmp_path: Path) -> None:
    cfg = load_config(None, {"port": free_port()})  # the shipped default
    assert cfg.open_all_hours is True
    sunday_night = ManualClock(datetime(2026, 1, 11, 14, 0, tzinfo=UTC))  # 21:00 local
    with QueueingServer(cfg, tmp_path, cfg.port, sunday_night) as srv:
        listed = requests.get(f"{srv.url}/api/v1/services", timeout=10).json()
        assert all(s["open"] and s["open_all_hours"] and s["opens_next_at"] is None for s in listed)
        assert take(srv.url, "night").status_code == 201


def test_a_site_file_never_inherits_open_all_hours(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[queueing]\nport = 8799\n", encoding="utf-8")
    assert load_config(site).open_all_hours is False
    site.write_text("[queueing]\nopen_all_hours = true\n", encoding="utf-8")
    assert load_config(site).open_all_hours is True  # said in so many words: kept (and warned about)


def test_site_config_on_loopback_warns_in_log_and_health(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    cfg = office_hours(public_base_url=f"http://localhost:{port}", port=port, open_all_hours=True)
    with caplog.at_level(logging.WARNING, logger="queueing.app"):
        srv = QueueingServer(cfg, tmp_path, port, site_config=True)
    assert "ticket QR codes and the /remote poster open only on this computer" in caplog.text
    assert "open_all_hours = true" in caplog.text
    with srv:
        health = requests.get(f"{srv.url}/api/v1/health", timeout=10).json()
    assert [w["code"] for w in health["warnings"]] == ["public_url_loopback", "open_all_hours"]
    assert all(w["message"].startswith("[queueing]") for w in health["warnings"])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="queueing.app"):  # an empty one is filled in, loudly
        filled = with_public_base_url(
            office_hours(public_base_url="", host="127.0.0.1", port=8799), site=True
        )
    assert "public_base_url is empty" in caplog.text
    assert config_warnings(filled, site=True)[0]["code"] == "public_url_loopback"


def test_the_simulated_center_and_a_lan_address_have_no_warnings(caplog: pytest.LogCaptureFixture) -> None:
    demo = make_config(public_base_url="", host="127.0.0.1", port=8799)
    with caplog.at_level(logging.WARNING, logger="queueing.app"):
        filled = with_public_base_url(demo, site=False)
    assert caplog.text == ""  # noted at INFO only: the demo does not cry wolf
    assert config_warnings(filled, site=False) == []
    lan = make_config(public_base_url="http://192.0.2.10:8720")
    assert config_warnings(lan, site=True) == []
    for loop in ("http://127.0.0.1:8720", "http://localhost:8720", "https://127.1.2.3"):
        assert (
            config_warnings(make_config(public_base_url=loop), site=True)[0]["code"] == "public_url_loopback"
        )


def test_python_m_queueing_with_a_site_file_warns(tmp_path: Path) -> None:
    """The real start-up path: `python -m queueing --config site.toml` on loopback."""
    from tests.harness import QueueingProcess
    from tests.kiosk.live import SITE_TOML

    q = QueueingProcess(SITE_TOML, tmp_path, free_port())
    q.start()
    try:
        health = requests.get(f"{q.url}/api/v1/health", timeout=5).json()
    finally:
        q.stop()
    assert [w["code"] for w in health["warnings"]] == ["public_url_loopback"]
    log_text = q.log_path.read_text(encoding="utf-8")
    assert "WARNING" in log_text and "open only on this computer, never on a phone" in log_text


def test_every_citizen_text_is_vietnamese_first_in_one_register() -> None:
    from queueing import texts

    # a language switch names the other language in that language ("English" on the Vietnamese page)
    switches = {"rate_language"}
    for key, (vi, en) in texts.TABLE.items():
        assert vi != en and "bạn" not in vi.lower(), key
        vietnamese = any(ord(ch) > 127 and ch.isalpha() for ch in vi)
        assert key in switches or vietnamese, f"{key}: the first part is not Vietnamese"
    sample = texts.say("throttled")
    assert sample.startswith("Điện thoại này") and sample.endswith("Wait a minute and try again.")
