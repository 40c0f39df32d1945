"""The kiosk's worker: results come back on the UI thread, and none after the worker is closed."""

from __future__ import annotations

import threading

from kivy.clock import Clock

from kiosk.work import Worker
from tests.harness import wait_until


def test_a_result_comes_back_through_the_clock() -> None:
    worker = Worker(max_threads=1)
    got: list[int] = []
    worker.submit(lambda: 41 + 1, got.append)
    wait_until(lambda: worker.pending == 0, 5, "the callback", between=Clock.tick)
    assert got == [42]
    worker.close()


def test_a_job_finishing_after_close_calls_nobody_back() -> None:
    # the app stops while a print or an HTTP call is still running: its callback would update a
    # screen whose kv rules need the running app (gone), so it is dropped, and the count settles
    worker = Worker(max_threads=1)
    release = threading.Event()
    done: list[object] = []
    failed: list[BaseException] = []
    worker.submit(lambda: release.wait(5), done.append, failed.append)
    worker.close()
    release.set()
    wait_until(lambda: worker.pending == 0, 5, "the dropped callback", between=Clock.tick)
    assert done == [] and failed == []
    assert worker.submit(lambda: 1, done.append) is None  # closed: no new work either
