"""Rating tablets: time from the officer's "finish" to the question on the paired tablet.

Three counters, each with a paired tablet (/rate in one headless Chromium, its own context), a
display board page on the same event stream; ROUNDS rounds of: each counter serves a ticket, the
time from just before the finish request to the question being visible on that counter's tablet
is measured (Playwright waits on the page, no sleeps). The issue's goal: within a second.

`python -m bench rate_tablet` -> bench/results/rate_tablet.json (env BENCH_RATE_ROUNDS=N, default 20)
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import percentile, print_table, write_results
from common.chromium import CHROMIUM
from queueing.screenshots import CHROMIUM_ARGS

#: (counter, staff, PIN): the simulated center's demo accounts.
DESKS = [(1, "cb01", "1111"), (2, "cb02", "2222"), (5, "cb03", "3333")]


def _serve_and_measure(url: str, kiosk: dict[str, str], desk: requests.Session, page: Any, n: int) -> float:
    """One ticket through the counter of `desk`; ms from before its finish to the tablet's question."""
    t = requests.post(
        f"{url}/api/v1/tickets",
        json={"service": "ho_tich"},
        headers={"Idempotency-Key": f"rt-{n}-{time.monotonic_ns()}", **kiosk},
        timeout=10,
    ).json()
    requests.post(
        f"{url}/api/v1/tickets/{t['ticket_id']}/confirm", json={"delivery": "printed"}, headers=kiosk
    )
    desk.post(f"{url}/api/v1/counter/call-next").raise_for_status()
    desk.post(f"{url}/api/v1/counter/start").raise_for_status()
    before = time.perf_counter()
    desk.post(f"{url}/api/v1/counter/finish").raise_for_status()
    page.locator("#number", has_text=t["number"]).wait_for(timeout=10_000)
    page.wait_for_selector("#ask:not(.hidden)", timeout=10_000)
    elapsed = (time.perf_counter() - before) * 1000
    page.click(".level.l5")  # rated: the tablet thanks and waits for the next one
    return elapsed


def main() -> None:
    """Measure and write bench/results/rate_tablet.json."""
    from playwright.sync_api import sync_playwright

    from tests.harness import QueueingServer, free_port
    from tests.queueing.helpers import make_config

    rounds = int(os.environ.get("BENCH_RATE_ROUNDS", "20"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-rate-"))
    with QueueingServer(make_config(), tmp, free_port()) as srv, sync_playwright() as pw:
        url = srv.url
        boss = requests.Session()
        boss.post(
            f"{url}/api/v1/counter/sessions", json={"staff_id": "cb03", "pin": "3333"}
        ).raise_for_status()
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        board = browser.new_page()
        board.goto(f"{url}/display")  # another listener on the same stream, as in a center
        desks, pages = [], []
        for number, staff, pin in DESKS:
            code = boss.post(f"{url}/api/v1/tablets", json={"counter": number}).json()["pair_code"]
            page = browser.new_context(viewport={"width": 1024, "height": 700}).new_page()
            page.goto(f"{url}/rate?code={code}")
            page.click("#pair-form button")
            page.wait_for_selector("#idle:not(.hidden)")
            desk = requests.Session()
            desk.post(
                f"{url}/api/v1/counter/sessions", json={"staff_id": staff, "pin": pin, "counter": number}
            ).raise_for_status()
            desks.append(desk)
            pages.append(page)
        samples: list[float] = []
        for n in range(rounds):
            for desk, page in zip(desks, pages, strict=True):
                samples.append(_serve_and_measure(url, srv.kiosk_headers, desk, page, n))
        browser.close()
    figures = {
        "tablets": len(DESKS),
        "samples": len(samples),
        "p50_ms": round(percentile(samples, 50), 1),
        "p90_ms": round(percentile(samples, 90), 1),
        "max_ms": round(max(samples), 1),
        "goal_ms": 1000,
    }
    print_table(
        "finish -> question on the tablet (ms)",
        ["tablets", "samples", "p50", "p90", "max"],
        [[figures["tablets"], figures["samples"], figures["p50_ms"], figures["p90_ms"], figures["max_ms"]]],
    )
    write_results("rate_tablet", figures)
