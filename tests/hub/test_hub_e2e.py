"""A center and its hub end to end: the real queueing service and the real locker on its simulated
boards (HTTP on loopback), `python -m uplink` and `python -m hub` as processes, a real PostgreSQL.
The hub's summary matches what the center did, also after the hub was killed for a while or the
uplink was killed -9 mid-stream; no personal value used at the center reaches the hub's database."""

from __future__ import annotations

import re
import signal
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from common import outbox
from common.clock import ManualClock
from locker.staff import Role
from tests.harness import MONDAY_9AM, HubProcess, QueueingServer, UplinkProcess, wait_until
from tests.hub.conftest import DAY, bearer, pg_dump, site_file, tokens
from tests.locker.conftest import Harness
from tests.locker.conftest import make_config as locker_config
from tests.queueing.helpers import make_config
from tests.queueing.test_appointments import _confirm, appt_config, book, check_in
from tests.queueing.test_queue_api import counter, issue
from tests.queueing.test_ratings_api import paired_tablet, supervisor

CENTER = "HN-TEST"


def summary(hub: HubProcess, reader: str) -> dict[str, Any]:
    r = requests.get(
        f"{hub.url}/api/v1/centers/{CENTER}/summary", params={"day": DAY}, headers=bearer(reader), timeout=10
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def counts(s: dict[str, Any]) -> tuple[int, int, int, int]:
    return s["tickets_issued"], s["tickets_called"], s["tickets_served"], s["tickets_no_show"]


def serve(url: str, desk: requests.Session, n: int) -> None:
    for _ in range(n):
        assert desk.post(f"{url}/api/v1/counter/call-next").status_code == 200
        assert desk.post(f"{url}/api/v1/counter/start").status_code == 200
        assert desk.post(f"{url}/api/v1/counter/finish").json()["state"] == "done"


def wait_summary(
    hub: HubProcess, reader: str, want: tuple[int, int, int, int], uplink: UplinkProcess
) -> None:
    def caught_up() -> bool:
        return counts(summary(hub, reader)) == want

    try:
        wait_until(caught_up, 60, f"hub summary {want}")
    except AssertionError:
        raise AssertionError(
            f"hub has {counts(summary(hub, reader))}, want {want}; uplink log:\n"
            + uplink.log_path.read_text()[-3000:]
        ) from None


@pytest.mark.slow
def test_center_serves_through_a_hub_outage_and_the_hub_catches_up_exactly(
    database_url: str, tmp_path: Path
) -> None:
    t = tokens(database_url, CENTER)
    queue_dir = tmp_path / "queue"
    with (
        HubProcess(database_url, tmp_path) as hub,
        QueueingServer(make_config(), queue_dir, _port(), ManualClock(MONDAY_9AM)) as center,
    ):
        site = site_file(tmp_path, hub.url, t[CENTER], CENTER, queue_dir)
        with UplinkProcess(site, tmp_path) as uplink:
            first = issue(center.url, "ho_tich")
            for _ in range(4):
                issue(center.url, "ho_tich")
            desk = counter(center.url, 1)
            serve(center.url, desk, 3)
            wait_summary(hub, t["reader"], (5, 3, 3, 0), uplink)
            # the hub goes down: the center keeps issuing and serving, nothing waits on the hub
            hub.kill()
            for _ in range(4):
                issue(center.url, "ho_tich")
            serve(center.url, desk, 2)
            assert desk.post(f"{center.url}/api/v1/counter/call-next").status_code == 200
            assert desk.post(f"{center.url}/api/v1/counter/no-show").json()["state"] == "no_show"
            hub.start()
            wait_summary(hub, t["reader"], (9, 6, 5, 1), uplink)
            # a citizen rates from the ticket page (it has no token): the rating reaches the hub too
            done = requests.get(f"{center.url}/api/v1/tickets/{first['ticket_id']}", timeout=10).json()
            assert done["can_rate"] is True
            rated = requests.post(
                f"{center.url}/api/v1/tickets/{first['ticket_id']}/rating", json={"score": 4}
            )
            assert rated.status_code == 200, rated.text
            wait_until(lambda: summary(hub, t["reader"])["ratings"] == 1, 30, "rating at the hub")
            assert summary(hub, t["reader"])["mean_rating"] == 4.0
            beat = requests.get(f"{hub.url}/api/v1/centers", headers=bearer(t["reader"]), timeout=10).json()
            assert beat[0]["status"] == "online"
    with psycopg.connect(database_url) as conn:
        # each once: 9 issued, 6 called, 5 served, 1 no-show, 1 rated, and counter 1 opened
        assert conn.execute("SELECT count(*), max(seq) FROM events").fetchone() == (23, 23)
        kinds = conn.execute("SELECT kind, data FROM events WHERE kind LIKE 'counter.%'").fetchall()
        assert kinds == [("counter.opened", {"counter": 1})]


def _port() -> int:
    from tests.harness import free_port

    return free_port()


@pytest.mark.slow
def test_uplink_killed_mid_stream_loses_nothing_and_counts_nothing_twice(
    database_url: str, tmp_path: Path
) -> None:
    t = tokens(database_url, CENTER)
    queue_dir = tmp_path / "queue"
    queue_dir.mkdir()
    total = 3000
    with sqlite3.connect(queue_dir / "queue.sqlite3", isolation_level=None) as conn:
        outbox.ensure(conn)
        conn.execute("BEGIN")
        for i in range(total):
            kind = ("ticket.issued", "ticket.called", "ticket.served")[i % 3]
            outbox.add(conn, 1767578400.0 + i, DAY, kind, service="ho_tich", wait_s=60)
        conn.execute("COMMIT")
    with HubProcess(database_url, tmp_path) as hub:
        site = site_file(tmp_path, hub.url, t[CENTER], CENTER, queue_dir, batch_max_events=10)
        uplink = UplinkProcess(site, tmp_path)
        with psycopg.connect(database_url, autocommit=True) as pg:

            def acked() -> int:
                row = pg.execute("SELECT acked_seq FROM streams").fetchone()
                return int(row[0]) if row else 0

            for _round in range(3):  # killed -9 three times while batches are flowing
                uplink.start()
                before = acked()
                wait_until(lambda b=before: acked() > b, 30, "some batches acknowledged")  # type: ignore[misc]
                uplink.kill(signal.SIGKILL)
                assert acked() < total
            uplink.start()
            try:
                wait_until(lambda: acked() == total, 120, "every event acknowledged")
            finally:
                uplink.kill(signal.SIGTERM)
            assert pg.execute("SELECT count(*), min(seq), max(seq) FROM events").fetchone() == (
                total,
                1,
                total,
            )
        assert outbox.read_acked(queue_dir, "queueing") == total  # the queue may prune up to here
        s = summary(hub, t["reader"])
        assert counts(s) == (total // 3, total // 3, total // 3, 0)
        assert s["mean_wait_s"] == 60.0


@pytest.mark.slow
def test_no_personal_data_reaches_the_hub(database_url: str, tmp_path: Path) -> None:
    t = tokens(database_url, CENTER)
    queue_dir = tmp_path / "queue"
    id_hash = "f3a9c2e1d4b5a6978877665544332211deadbeefcafe0123"
    cfg = make_config(appointments=appt_config(tmp_path))
    with (
        HubProcess(database_url, tmp_path) as hub,
        QueueingServer(cfg, queue_dir, _port(), ManualClock(MONDAY_9AM)) as center,
    ):
        site = site_file(tmp_path, hub.url, t[CENTER], CENTER, queue_dir)
        # a booking with a phone and an ID number: its service and slot time go, nothing else
        booking = book(center.url, f"{DAY}T10:00+07:00", "0987 654 321", id_number="079203001234")
        assert booking.status_code == 201, booking.text
        tickets = [
            issue(center.url, "ho_tich", id_hash=id_hash, birth_date="1950-03-07"),
            issue(center.url, "ho_tich", priority="disabled"),
            issue(center.url, "ho_tich"),
        ]
        phone = requests.Session()
        assert phone.get(f"{center.url}/remote").status_code == 200
        device = phone.cookies["qdevice"]
        remote = phone.post(f"{center.url}/api/v1/tickets", json={"service": "ho_tich", "channel": "remote"})
        assert remote.status_code == 201, remote.text
        desk = counter(center.url, 2)
        serve(center.url, desk, 2)
        with UplinkProcess(site, tmp_path) as uplink:
            issued = 4
            wait_summary(hub, t["reader"], (issued, 2, 2, 0), uplink)
    dump = pg_dump(database_url)
    secrets = [id_hash, "1950", "07031950", "disabled", "cb01", device]
    secrets += [tk["ticket_id"] for tk in tickets] + [tk["number"] for tk in tickets]
    secrets += [remote.json()["ticket_id"], remote.json()["number"]]
    b = booking.json()
    secrets += ["0987654321", "84987654321", "079203001234", b["code"], b["appointment_id"]]
    secrets += [b["manage_url"].rsplit("/", 1)[1]]
    found = [s for s in secrets if s in dump]
    assert found == [], f"personal or identifying values in the hub's database: {found}"
    with psycopg.connect(database_url) as conn:
        keys = {k for (data,) in conn.execute("SELECT data FROM events") for k in data}
    assert keys <= set(outbox.ALLOWED_DATA), keys


def locker_counts(s: dict[str, Any]) -> tuple[int, int, int]:
    return s["deposits_loaded"], s["deposits_collected"], s["alarms_open"]


@pytest.mark.slow
def test_locker_deposit_and_alarm_reach_the_hub_without_personal_data(
    database_url: str, tmp_path: Path
) -> None:
    t = tokens(database_url, CENTER)
    dossier, phone, note = "HS-2026-550177", "0987654321", "khay giay het 4471"
    with HubProcess(database_url, tmp_path) as hub:
        locker = Harness(tmp_path / "locker", locker_config())
        try:
            site = site_file(
                tmp_path, hub.url, t[CENTER], CENTER, tmp_path / "no-queue", locker.paths.data_dir
            )
            with UplinkProcess(site, tmp_path) as uplink:

                def wait_for(want: tuple[int, int, int]) -> None:
                    try:
                        wait_until(lambda: locker_counts(summary(hub, t["reader"])) == want, 60, f"{want}")
                    except AssertionError:
                        raise AssertionError(
                            f"hub has {locker_counts(summary(hub, t['reader']))}, want {want}; uplink log:\n"
                            + uplink.log_path.read_text()[-3000:]
                        ) from None

                token = locker.sign_in("loader1")
                dep, code = locker.load(token, dossier, phone=phone)
                assert locker.pickup(code).json()["door"] == "opened"
                wait_for((1, 1, 0))
                raised = locker.kiosk(
                    "POST", "/api/v1/alarms", json={"kind": "printer_paper_out", "message": note}
                )
                assert raised.json()["raised"] is True, raised.text
                wait_for((1, 1, 1))
                sup = locker.sign_in("sup1", Role.SUPERVISOR)
                acked = locker.req("POST", f"/api/v1/alarms/{raised.json()['alarm_id']}/ack", sup)
                assert acked.status_code == 200, acked.text
                wait_for((1, 1, 0))
        finally:
            locker.close()
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT stream, kind, data FROM events ORDER BY seq").fetchall()
        assert rows == [
            ("locker", "deposit.loaded", {"size": "small"}),
            ("locker", "deposit.collected", {"size": "small"}),
            ("locker", "alarm.raised", {"alarm": "printer_paper_out"}),
            ("locker", "alarm.cleared", {"alarm": "printer_paper_out"}),
        ]
        assert conn.execute("SELECT stream, acked_seq FROM streams").fetchall() == [("locker", 4)]
    dump = pg_dump(database_url)
    secrets = [dossier, phone, phone[1:], "+84" + phone[1:], dep["deposit_id"], note, "loader1", "sup1"]
    found = [s for s in secrets if s in dump]
    if re.search(rf"(?<![0-9]){code}(?![0-9])", dump):
        found.append("the pickup code")
    assert found == [], f"personal or identifying values in the hub's database: {found}"


@pytest.mark.slow
def test_appointments_and_a_tablet_rating_reach_the_hub_once(database_url: str, tmp_path: Path) -> None:
    t = tokens(database_url, CENTER)
    queue_dir = tmp_path / "queue"
    clock = ManualClock(MONDAY_9AM)
    cfg = make_config(appointments=appt_config(tmp_path))
    comment = "Cán bộ Trần Thị Bích nói 0912 111 222"
    with (
        HubProcess(database_url, tmp_path) as hub,
        QueueingServer(cfg, queue_dir, _port(), clock) as center,
    ):
        site = site_file(tmp_path, hub.url, t[CENTER], CENTER, queue_dir)
        kept = book(center.url, f"{DAY}T10:00+07:00", "0912 345 601").json()
        missed = book(center.url, f"{DAY}T10:00+07:00", "0912 345 602").json()
        _, tablet = paired_tablet(center.url, supervisor(center.url), 1)
        clock.advance(50 * 60)  # 09:50: ten minutes early
        ticket = check_in(center, code=kept["code"])
        assert ticket.status_code == 201, ticket.text
        _confirm(center, ticket.json()["ticket_id"])
        desk = counter(center.url, 1)
        clock.advance(12 * 60)  # 10:02: called two minutes after the slot began
        assert desk.post(f"{center.url}/api/v1/counter/call-next").json()["number"] == ticket.json()["number"]
        desk.post(f"{center.url}/api/v1/counter/start")
        assert desk.post(f"{center.url}/api/v1/counter/finish").json()["state"] == "done"
        rated = tablet.post(
            f"{center.url}/api/v1/tablet/rating",
            json={"ticket_id": ticket.json()["ticket_id"], "score": 2, "reasons": ["slow", "unclear"],
                  "comment": comment},
        )  # fmt: skip
        assert rated.status_code == 201, rated.text
        clock.advance(10 * 60)  # 10:12: the other booking's window (to 10:10) has passed
        assert center.app.state.appointments.sweep_no_shows() == 1
        with UplinkProcess(site, tmp_path) as uplink:

            def arrived() -> bool:
                s = summary(hub, t["reader"])
                return s["appointments_no_show"] == 1 and s["ratings"] == 1

            try:
                wait_until(arrived, 60, "appointments and rating at the hub")
            except AssertionError:
                raise AssertionError(uplink.log_path.read_text()[-3000:]) from None
        assert center.app.state.appointments.sweep_no_shows() == 0
        s = summary(hub, t["reader"])
    assert {k: s[k] for k in s if k.startswith(("appointments_", "checkin", "mean_checkin", "punctual"))} == {
        "appointments_booked": 2,
        "appointments_cancelled": 0,
        "appointments_moved": 0,
        "appointments_checked_in": 1,
        "appointments_no_show": 1,
        "checkin_rate": 0.5,
        "mean_checkin_min": -10.0,
        "appointments_called": 1,
        "punctual_share": 1.0,
    }
    assert s["ratings_by_level"] == {"5": 0, "4": 0, "3": 0, "2": 1, "1": 0}
    assert s["ratings_by_source"] == {"tablet": 1, "phone": 0}
    assert s["rating_reasons"] == [{"reason": "slow", "n": 1}, {"reason": "unclear", "n": 1}]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall()
    kinds: dict[str, int] = dict(rows)
    assert {k: v for k, v in kinds.items() if k.startswith("appointment.")} == {
        "appointment.booked": 2,
        "appointment.checked_in": 1,
        "appointment.no_show": 1,
    }
    assert kinds["ticket.rated"] == 1
    dump = pg_dump(database_url)
    for secret in ("0912345601", "0912345602", kept["code"], missed["code"], "Trần", "0912 111 222", "Bích"):
        assert secret not in dump, secret
