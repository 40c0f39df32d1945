"""The guessing limits hold for an attacker who waits exactly as long as told."""

from __future__ import annotations

from bench.bench_bruteforce import attack
from locker.config import LockerConfig


def test_enforced_rate_and_alarm() -> None:
    cfg = LockerConfig.model_validate({"codes": {"kiosk_max_delay_s": 64, "kiosk_alarm_failures": 10}})
    r = attack(cfg, attempts=40)
    assert r["attempts"] == 40
    assert r["steady_gap_s"] == 64  # capped delay reached: one guess per 64 s at best
    # 3 free, then 2+4+...+64 (6 doublings) and 64 s for each of the remaining guesses
    assert r["elapsed_s"] >= (2 + 4 + 8 + 16 + 32 + 64) + (40 - 3 - 6 - 1) * 64
    assert r["burst_alarm"] == 1.0


def test_default_rate_makes_guessing_take_years() -> None:
    r = attack(LockerConfig(), attempts=20)
    assert r["steady_gap_s"] == 300
    assert 10**6 / 2 * r["steady_gap_s"] / 86400 / 365 > 4


def test_forged_kiosk_ids_do_not_multiply_the_rate() -> None:
    r = attack(LockerConfig(), attempts=40, rotate_kiosk_ids=True)
    assert r["steady_gap_s"] == 60  # cabinet-wide: one attempt per minute after 20 failures
    assert r["burst_alarm"] == 1.0
