"""How long guessing a pickup code takes at the rate the locker enforces.

Drives the real Pickups service (SQLite, throttle, audit) with a controlled clock: an attacker
at one kiosk sends wrong codes as fast as allowed, waiting exactly the Retry-After it is told.
The measured steady-state rate gives the expected time to hit one of K live codes in the
10^digits code space (expected guesses = 10^digits / (2K) without repeats).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import print_table, write_results
from common.clock import ManualClock
from locker.alarms import Alarms
from locker.codes import CodeBook
from locker.config import LockerConfig
from locker.errors import AuthError, Throttled
from locker.pickup import Pickups
from locker.store import Store
from locker.wiring import Wiring

ATTEMPTS = 300


def attack(cfg: LockerConfig, attempts: int = ATTEMPTS, rotate_kiosk_ids: bool = False) -> dict[str, float]:
    """Run `attempts` wrong codes honouring Retry-After; returns timing and how many were refused."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-brute-"))
    store = Store(tmp / "l.db")
    store.open()
    clock = ManualClock()
    codes = CodeBook("22" * 32, cfg.codes.length_digits)
    alarms = Alarms(store, clock)
    # no door is ever reached: no cabinet
    pickups = Pickups(Wiring(cfg, store, clock, codes, None, alarms))  # type: ignore[arg-type]
    start = clock.monotonic()
    tried = throttled = 0
    last_gap = 0.0
    t_prev = start
    while tried < attempts:
        try:
            kiosk = f"forged-{tried}" if rotate_kiosk_ids else "attacker"
            pickups.pickup(kiosk, f"{tried:0{cfg.codes.length_digits}d}", None, None)
        except Throttled as err:
            throttled += 1
            clock.advance(float(err.extra["retry_after_s"]))
            continue
        except AuthError:
            tried += 1
            last_gap = clock.monotonic() - t_prev
            t_prev = clock.monotonic()
    elapsed = clock.monotonic() - start
    burst_alarm = any(a["kind"] == "code_guessing" for a in alarms.list())
    store.close()
    return {
        "attempts": tried,
        "elapsed_s": elapsed,
        "steady_gap_s": last_gap,
        "throttled": throttled,
        "burst_alarm": float(burst_alarm),
    }


def main() -> None:
    """Print the table and write bench/results/bruteforce.json."""
    cfg = LockerConfig()
    space = 10**cfg.codes.length_digits
    rows = []
    out: dict[str, object] = {}
    for who, rotate in (("one kiosk", False), ("forged kiosk ids", True)):
        r = attack(cfg, rotate_kiosk_ids=rotate)
        out[who] = dict(r)
        print(
            f"{who}: {r['attempts']:.0f} wrong codes took {r['elapsed_s'] / 3600:.1f} h of enforced waiting "
            f"({r['throttled']:.0f} refusals with Retry-After); code_guessing alarm: {bool(r['burst_alarm'])}"
        )
        for live in (1, 24, 100):
            guesses = space / (2 * live)
            seconds = guesses * r["steady_gap_s"]
            rows.append(
                [
                    who,
                    live,
                    f"{guesses:,.0f}",
                    f"{r['steady_gap_s']:.0f}",
                    f"{seconds / 86400:,.0f}",
                    f"{seconds / 86400 / 365:,.1f}",
                ]
            )
            out[f"{who}, live {live}"] = {"expected_guesses": guesses, "expected_days": seconds / 86400}
    print_table(
        f"guessing a {cfg.codes.length_digits}-digit code at the enforced rate",
        ["attacker", "live codes", "expected guesses", "s/guess", "days", "years"],
        rows,
    )
    write_results("bruteforce", out)


if __name__ == "__main__":
    main()
