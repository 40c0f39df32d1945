"""Pure appointment rules: slots of a day, capacity under the counters' share, the check-in
window, phone numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from common.config import ConfigError
from queueing.appointments_config import AppointmentsConfig, SlotConfig
from queueing.config import OpeningHours
from queueing.slots import CheckIn, check_in_verdict, day_slots, mask_phone, normalize_phone, slot_capacity

MONDAY = date(2026, 1, 5)


def test_slots_fill_each_period_and_never_run_past_its_end() -> None:
    hours = OpeningHours(mon=["07:30-11:30", "13:00-16:50"])
    got = day_slots(hours, MONDAY, 20)
    assert got[0] == (datetime(2026, 1, 5, 7, 30), datetime(2026, 1, 5, 7, 50))
    assert got[11][1] == datetime(2026, 1, 5, 11, 30)  # 12 slots fill the morning exactly
    assert got[12][0] == datetime(2026, 1, 5, 13, 0)
    assert got[-1] == (
        datetime(2026, 1, 5, 16, 20),
        datetime(2026, 1, 5, 16, 40),
    )  # 16:40-17:00 would overrun
    assert len(got) == 12 + 11
    assert day_slots(hours, MONDAY, 20, holidays={MONDAY}) == []
    assert day_slots(hours, date(2026, 1, 11), 20) == []  # Sunday: no hours


@pytest.mark.parametrize(
    ("counters", "length", "share", "service_min", "cap", "want"),
    [
        (3, 20, 35, 10, 2, 2),  # 2.1 places of counter time: the configured 2
        (3, 15, 30, 10, 2, 1),  # 1.35: one place, the rest of the time stays for walk-ins
        (1, 30, 40, 20, 1, 0),  # 0.6: no place at all
        (10, 60, 100, 5, 7, 7),  # plenty of time: capacity_per_slot bounds it
        (0, 20, 50, 10, 2, 0),  # no counter serves it
    ],
)
def test_capacity_keeps_the_walk_in_share(
    counters: int, length: int, share: float, service_min: float, cap: int, want: int
) -> None:
    cfg = SlotConfig(
        code="x",
        slot_length_min=length,
        counter_share_pct=share,
        service_min=service_min,
        capacity_per_slot=cap,
    )
    assert slot_capacity(cfg, counters) == want


def test_check_in_window_edges() -> None:
    slot = datetime(2026, 1, 5, 10, 0)
    assert check_in_verdict(slot, datetime(2026, 1, 5, 9, 29, 59), 30, 10) is CheckIn.TOO_EARLY
    assert check_in_verdict(slot, datetime(2026, 1, 5, 9, 30), 30, 10) is CheckIn.OK
    assert check_in_verdict(slot, datetime(2026, 1, 5, 10, 10), 30, 10) is CheckIn.OK
    assert check_in_verdict(slot, datetime(2026, 1, 5, 10, 10, 1), 30, 10) is CheckIn.TOO_LATE


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(091) 234-5678", "0912345678"),
        ("0212345678", None),  # not a mobile prefix
        ("091234567", None),
        ("09123456789", None),
        ("０９１２３４５６７８", None),  # full-width digits
        ("", None),
    ],
)
def test_phone_numbers(raw: str, want: str | None) -> None:
    assert normalize_phone(raw) == want


def test_mask_phone() -> None:
    assert mask_phone("0912345678") == "091****678"


def test_config_refuses_unknown_or_repeated_services() -> None:
    cfg = AppointmentsConfig(services=[SlotConfig(code="a"), SlotConfig(code="a")])
    with pytest.raises(ValueError, match="twice"):
        cfg.check(["a"])
    with pytest.raises(ValueError, match="unknown service 'a'"):
        AppointmentsConfig(services=[SlotConfig(code="a")]).check(["b"])


def test_a_site_with_its_own_services_books_none_until_it_says_so(tmp_path: Path) -> None:
    from queueing.config import load_config

    own = (
        '[[queueing.services]]\ncode = "cap_doi"\nname_vi = "Cấp đổi"\nname_en = "Renewals"\nprefix = "K"\n'
        '[[queueing.counters]]\nnumber = 1\nservices = ["cap_doi"]\n'
    )
    site = tmp_path / "site.toml"
    site.write_text(own, encoding="utf-8")
    assert load_config(site).appointments.services == []  # the default's list names other services
    site.write_text(own + '[[queueing.appointments.services]]\ncode = "cap_doi"\n', encoding="utf-8")
    assert [s.code for s in load_config(site).appointments.services] == ["cap_doi"]
    site.write_text(own + '[[queueing.appointments.services]]\ncode = "nope"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown service 'nope'"):
        load_config(site)
    assert [s.code for s in load_config().appointments.services] == ["ho_tich", "dat_dai"]
