"""Memory handed back between citizens: rate-limited collection + malloc_trim, run from home."""

from __future__ import annotations

from common.clock import ManualClock
from kiosk.memory import MemoryReleaser
from kiosk.services import Services


def test_release_is_rate_limited():
    clock = ManualClock()
    rel = MemoryReleaser(20.0, clock=clock.monotonic)
    assert rel.release() and rel.runs == 1
    assert not rel.release()  # again at once: skipped
    clock.advance(19)
    assert not rel.release()
    clock.advance(2)
    assert rel.release() and rel.runs == 2


def test_home_releases_memory_after_a_flow(make_harness):
    h = make_harness(Services())
    home = h.screen("home")
    h.wait(lambda: home.memory.runs == 1, what="release after home first shows")
    h.app.go("services")
    h.clock.advance(30)
    h.app.go_home()
    h.wait(lambda: home.memory.runs == 2, what="release when home shows again")
