"""The booking's SMS over real HTTP on loopback with the clock advanced by hand: the confirmation
sent once, the reminders at their times and only once, none after a cancel, the phone sealed at
rest and erased when the appointment ends, retries through a gateway outage, and every template
within one SMS with the longest configured values.

The sender's thread does not run in these servers (`run_sweeper=False`): each test runs its
rounds itself (`run_once`), so what is sent depends only on the clock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.clock import ManualClock
from common.config import REPO_ROOT, ConfigError
from common.sms_text import SEGMENT_SEPTETS, septets
from drivers.gateways.sms import read_messages
from queueing.app import create_app
from queueing.appointment_sms import AppointmentSms
from queueing.appointment_sms_texts import TEMPLATE_KEYS, check_templates, longest_values, render
from queueing.config import load_config
from tests.harness import MONDAY_9AM, QueueingServer, free_port, wait_until
from tests.queueing.helpers import make_config

TUESDAY_10 = "2026-01-06T10:00+07:00"
HOUR = 3600


def appt_config(tmp: Path, **sms: Any) -> dict[str, Any]:
    """[queueing.appointments] with keys in `tmp`: one service, 20-minute slots, two places each."""
    return {
        "id_hash_key_file": str(tmp / "id-hash.key"),
        "booking_max_per_address": 1000,
        "services": [
            {"code": "ho_tich", "slot_length_min": 20, "capacity_per_slot": 2, "counter_share_pct": 35}
        ],
        "sms": {"center_name": "TT HCC thu nghiem", **sms},
    }


@pytest.fixture(name="clock")
def clock_fixture() -> ManualClock:
    return ManualClock(MONDAY_9AM)


@pytest.fixture(name="srv")
def srv_fixture(tmp_path: Path, clock: ManualClock) -> Iterator[QueueingServer]:
    cfg = make_config(appointments=appt_config(tmp_path))
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as server:
        yield server


def sms_of(srv: QueueingServer) -> AppointmentSms:
    sms = srv.app.state.appointments.sms
    assert isinstance(sms, AppointmentSms)
    return sms


def inbox(srv: QueueingServer) -> list[dict[str, str]]:
    folder = srv.data_dir / "sms"
    return read_messages(folder) if folder.exists() else []


def book(srv: QueueingServer, start: str, phone: str = "0912345100") -> dict[str, Any]:
    r = requests.post(
        f"{srv.url}/api/v1/appointments",
        json={"service": "ho_tich", "start": start, "phone": phone},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def token_of(booking: dict[str, Any]) -> str:
    return str(booking["manage_url"].rsplit("/", 1)[1])


def db_bytes(data_dir: Path) -> bytes:
    """The database, its WAL and shared memory as a copy of the data directory would hold them."""
    out = b""
    for suffix in ("", "-wal", "-shm"):
        path = data_dir / f"queue.sqlite3{suffix}"
        if path.exists():
            out += path.read_bytes()
    return out


def contact_of(srv: QueueingServer, appointment_id: str) -> Any:
    db = sqlite3.connect(srv.data_dir / "queue.sqlite3")
    try:
        return db.execute(
            "SELECT contact_sealed FROM appointments WHERE appointment_id = ?", (appointment_id,)
        ).fetchone()[0]
    finally:
        db.close()


def test_confirmation_sent_once_with_the_short_link(srv: QueueingServer) -> None:
    booking = book(srv, TUESDAY_10)
    sms = sms_of(srv)
    assert sms.run_once() == 1
    assert sms.run_once() == 0  # sent: never again
    [msg] = inbox(srv)
    assert msg["to"] == "+84912345100"
    assert booking["code"] in msg["text"] and booking["manage_url"] in msg["text"]
    assert "Ho tich 10:00 ngay 06/01" in msg["text"] and msg["text"].startswith("TT HCC thu nghiem:")
    assert len(token_of(booking)) == 16
    n = septets(msg["text"])
    assert n is not None and n <= SEGMENT_SEPTETS  # GSM-7, one SMS


def test_reminders_the_day_before_and_an_hour_before_each_once(
    srv: QueueingServer, clock: ManualClock
) -> None:
    booking = book(srv, TUESDAY_10)
    sms = sms_of(srv)
    sms.run_once()  # the confirmation
    clock.advance(8 * HOUR - 60)  # Monday 16:59
    sms.run_once()
    assert len(inbox(srv)) == 1
    clock.advance(60)  # 17:00: the day before
    sms.run_once()
    texts = [m["text"] for m in inbox(srv)]
    assert len(texts) == 2 and any("ngay mai 06/01" in t for t in texts)
    clock.advance(30 * 60)
    sms.run_once()
    assert len(inbox(srv)) == 2  # once only
    clock.advance(15 * HOUR + 29 * 60)  # Tuesday 08:59
    sms.run_once()
    assert len(inbox(srv)) == 2
    clock.advance(60)  # 09:00, an hour before
    sms.run_once()
    texts = [m["text"] for m in inbox(srv)]
    assert len(texts) == 3 and any("luc 10:00 hom nay" in t for t in texts)
    assert all(booking["manage_url"] in t for t in texts)
    clock.advance(30 * 60)
    sms.run_once()
    assert len(inbox(srv)) == 3
    # past its check-in window (10:10): the number is erased
    assert contact_of(srv, booking["appointment_id"]) is not None
    clock.advance(HOUR + 11 * 60)  # 10:41
    sms.run_once()
    assert contact_of(srv, booking["appointment_id"]) is None


def test_late_booking_gets_no_reminder_already_due(srv: QueueingServer, clock: ManualClock) -> None:
    clock.advance(11 * HOUR)  # Monday 20:00: the day-before time has passed
    book(srv, TUESDAY_10, phone="0912345101")
    sms = sms_of(srv)
    sms.run_once()
    clock.advance(13 * HOUR)  # Tuesday 09:00
    sms.run_once()
    kinds = [m["file"].split("-")[-2] for m in inbox(srv)]
    assert sorted(kinds) == ["confirm", "remind_hour"]  # no day-before reminder after the fact


def test_a_missed_day_before_reminder_is_not_sent_on_the_day(srv: QueueingServer, clock: ManualClock) -> None:
    book(srv, "2026-01-06T15:00+07:00", phone="0912345107")
    sms = sms_of(srv)
    sms.run_once()
    clock.advance(24 * HOUR)  # the sender did not run at 17:00 the day before; now Tuesday 09:00
    sms.run_once()
    assert len(inbox(srv)) == 1  # "tomorrow" would now be wrong: not sent
    clock.advance(5 * HOUR)  # 14:00
    sms.run_once()
    assert [m["file"].split("-")[-2] for m in inbox(srv)] == ["confirm", "remind_hour"]


def test_no_sms_after_a_cancel_and_the_number_is_erased(srv: QueueingServer, clock: ManualClock) -> None:
    sms = sms_of(srv)
    booking = book(srv, TUESDAY_10, phone="0912345102")
    sms.run_once()  # its confirmation
    # another, cancelled before its confirmation went out: nothing at all is sent for it
    early = book(srv, "2026-01-06T10:20+07:00", phone="0912345105")
    for b in (booking, early):
        r = requests.post(f"{srv.url}/api/v1/appointments/manage/{token_of(b)}/cancel", timeout=10)
        assert r.json()["state"] == "cancelled"
        assert contact_of(srv, b["appointment_id"]) is None
    for hours in (8, 16):  # Monday 17:00, Tuesday 09:00: no reminder
        clock.advance(hours * HOUR)
        sms.run_once()
    assert [m["to"] for m in inbox(srv)] == ["+84912345102"]


def test_number_sealed_at_rest_and_erased_at_check_in(srv: QueueingServer, clock: ManualClock) -> None:
    phone = "0987654321"
    booking = book(srv, "2026-01-05T10:00+07:00", phone=phone)
    sms = sms_of(srv)
    sms.run_once()
    assert [m["to"] for m in inbox(srv)] == ["+84987654321"]
    sealed = contact_of(srv, booking["appointment_id"])
    assert sealed.startswith("aesgcm1:")
    files = db_bytes(srv.data_dir)
    for form in (phone, phone[1:], "84" + phone[1:]):
        assert form.encode() not in files, form
    assert token_of(booking).encode() not in files  # the manage link is sealed too
    # checked in at the kiosk: the appointment is over, the number goes
    clock.advance(45 * 60)  # 09:45
    r = requests.post(
        f"{srv.url}/api/v1/appointments/check-in",
        json={"code": booking["code"]},
        headers=srv.kiosk_headers,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert contact_of(srv, booking["appointment_id"]) is None
    clock.advance(15 * 60)  # 10:00: the hour-before reminder would have been due at 09:00 anyway
    sms.run_once()
    assert len(inbox(srv)) == 1
    # erased for good: once the WAL is copied back, not even the sealed form is left in the file
    db = sqlite3.connect(srv.data_dir / "queue.sqlite3")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    db.close()
    assert sealed.encode() not in db_bytes(srv.data_dir)
    assert sealed[8:40].encode() not in db_bytes(srv.data_dir)


def test_gateway_outage_is_retried_then_counted(tmp_path: Path, clock: ManualClock) -> None:
    outbox = tmp_path / "phone"
    outbox.write_text("")  # a file where the simulated phone's folder should be: every send fails
    cfg = make_config(
        appointments=appt_config(tmp_path, outbox_dir=str(outbox), first_retry_s=10, max_attempts=3)
    )
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as srv:
        first = book(srv, TUESDAY_10, phone="0912345103")
        book(srv, "2026-01-06T10:20+07:00", phone="0912345104")
        sms = sms_of(srv)
        assert sms.run_once() == 2
        assert sms.run_once() == 0  # waiting for the retry delay
        clock.advance(10)
        assert sms.run_once() == 2
        # the gateway works again before the third try of the first; the second gives up
        outbox.unlink()
        outbox.mkdir()
        db = sqlite3.connect(srv.data_dir / "queue.sqlite3")
        db.execute(
            "UPDATE appointment_sms SET next_attempt_at = 1e12 WHERE appointment_id != ?",
            (first["appointment_id"],),
        )
        db.commit()
        db.close()
        clock.advance(20)
        assert sms.run_once() == 1
        assert [m["to"] for m in read_messages(outbox)] == ["+84912345103"]
        outbox.rename(tmp_path / "moved-away")
        outbox.write_text("")
        db = sqlite3.connect(srv.data_dir / "queue.sqlite3")
        db.execute("UPDATE appointment_sms SET next_attempt_at = 0 WHERE state = 'pending'")
        db.commit()
        db.close()
        assert sms.run_once() == 1  # third failure: given up
        boss = supervisor(srv)
        report = boss.get(f"{srv.url}/api/v1/reports/appointments", params={"day": "2026-01-06"}, timeout=10)
        assert report.status_code == 200, report.text
        rows = {r["service"]: r for r in report.json()["rows"]}
        assert (rows["ho_tich"]["sms_sent"], rows["ho_tich"]["sms_failed"]) == (1, 1)
        assert (rows["all"]["sms_sent"], rows["all"]["sms_failed"]) == (1, 1)
        url = f"{srv.url}/api/v1/reports/appointments"
        csv = boss.get(url, params={"day": "2026-01-06", "format": "csv"}, timeout=10).text
        assert csv.splitlines()[0].endswith(",sms_sent,sms_failed")


def supervisor(srv: QueueingServer) -> requests.Session:
    """A supervisor's session (the simulated center's demo supervisor cb03)."""
    boss = requests.Session()
    r = boss.post(f"{srv.url}/api/v1/counter/sessions", json={"staff_id": "cb03", "pin": "3333"}, timeout=10)
    assert r.ok, r.text
    return boss


def test_a_message_waiting_at_a_restart_is_sent_after_it(tmp_path: Path, clock: ManualClock) -> None:
    cfg = make_config(appointments=appt_config(tmp_path))
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as srv:
        booking = book(srv, TUESDAY_10, phone="0912345108")  # stopped before the sender's round
    with QueueingServer(cfg, tmp_path / "data", free_port(), clock) as again:
        assert sms_of(again).run_once() == 1
        [msg] = inbox(again)
        assert msg["to"] == "+84912345108" and booking["code"] in msg["text"]
        assert token_of(booking) in msg["text"]  # the link still opens: the sealed token survived


def test_the_sender_thread_sends_at_once_after_a_booking(srv: QueueingServer) -> None:
    sms = sms_of(srv)
    sms.start()  # as the service's start-up does (these test servers leave it off)
    try:
        booking = book(srv, TUESDAY_10, phone="0912345106")
        wait_until(lambda: len(inbox(srv)) == 1, 10, "the confirmation")  # woken by the booking
    finally:
        sms.stop()
    assert booking["code"] in inbox(srv)[0]["text"]


def test_every_default_template_fits_one_sms_with_the_longest_values() -> None:
    cfg = load_config()
    sms = cfg.appointments.sms
    names = [s.name_vi for s in cfg.services if cfg.appointments.slots_of(s.code)]
    # a long LAN address for the manage link (the check at start uses the configured one)
    values = longest_values(sms.center_name, names, "http://192.168.100.200:8720")
    for key in TEMPLATE_KEYS.values():
        text = render(getattr(sms, key), values)
        n = septets(text)
        assert n is not None and n <= SEGMENT_SEPTETS, (key, n, text)


def test_the_site_example_passes_the_start_up_check() -> None:
    site = load_config(REPO_ROOT / "config" / "site.example.toml")
    sms = site.appointments.sms
    assert sms.type == "http" and sms.center_name
    names = [s.name_vi for s in site.services if site.appointments.slots_of(s.code)]
    assert check_templates(sms, sms.center_name, names, site.public_base_url) == []


def test_a_template_too_long_for_one_sms_stops_the_start(tmp_path: Path) -> None:
    long = "{center}: " + "x" * 120 + " {link}"
    cfg = make_config(appointments=appt_config(tmp_path, remind_day_template=long))
    cfg = cfg.model_copy(update={"public_base_url": "http://127.0.0.1:8720"})
    with pytest.raises(ConfigError, match="remind_day_template"):
        create_app(cfg, tmp_path / "data", clock=ManualClock(MONDAY_9AM), run_sweeper=False)
    bad = make_config(appointments=appt_config(tmp_path, confirm_template="{center} {phone}"))
    bad = bad.model_copy(update={"public_base_url": "http://127.0.0.1:8720"})
    with pytest.raises(ConfigError, match="confirm_template.*placeholder"):
        create_app(bad, tmp_path / "data", clock=ManualClock(MONDAY_9AM), run_sweeper=False)


def test_a_missing_gateway_token_file_is_one_line_naming_the_key(tmp_path: Path) -> None:
    from queueing.appointment_sms import build_gateway
    from queueing.appointments_config import AppointmentSmsConfig

    missing = tmp_path / "sms.token"
    cfg = AppointmentSmsConfig(type="http", url="https://sms.example/send", token_file=str(missing))
    with pytest.raises(
        ConfigError,
        match=r"\[queueing.appointments.sms\] token_file .*sms.token: cannot read it \(No such file",
    ):
        build_gateway(cfg, tmp_path)
    missing.write_text("secret-token\n", encoding="utf-8")
    assert build_gateway(cfg, tmp_path).__class__.__name__ == "HttpSmsGateway"


def test_a_strangers_number_gets_only_so_many_messages_and_a_booking_so_many_moves(
    srv: QueueingServer, clock: ManualClock
) -> None:
    """Anyone may type a phone number: moving a booking again and again (or booking, cancelling
    and booking again) sent one SMS each time to that number. A booking moves at most
    `moves_per_booking` times, and a number gets at most `sms_per_phone_per_day` booking
    messages a day; the booking itself still holds."""
    booking = book(srv, TUESDAY_10)
    token = token_of(booking)
    url = f"{srv.url}/api/v1/appointments/manage/{token}/move"
    sms = sms_of(srv)
    assert sms.run_once() == 1  # the confirmation
    starts = ["2026-01-06T10:20+07:00", "2026-01-06T10:40+07:00", "2026-01-06T11:00+07:00"]
    for start in starts:  # three moves: each sends its message
        assert requests.post(url, json={"start": start}, timeout=10).status_code == 200
        assert sms.run_once() == 1
    fourth = requests.post(url, json={"start": TUESDAY_10}, timeout=10)
    assert fourth.status_code == 409 and fourth.json()["error"] == "cannot_move", fourth.text
    assert "không đổi giờ thêm được nữa (đã đổi 3 lần)" in fourth.json()["message"]
    # two more bookings with the same number reach the day's 6; a third booking holds, unsent
    cancel = f"{srv.url}/api/v1/appointments/manage/{token}/cancel"
    assert requests.post(cancel, timeout=10).status_code == 200
    book(srv, "2026-01-07T10:00+07:00")
    later = book(srv, "2026-01-07T10:20+07:00")
    assert sms.run_once() == 2
    requests.post(f"{srv.url}/api/v1/appointments/manage/{token_of(later)}/cancel", timeout=10)
    held = book(srv, "2026-01-08T10:00+07:00")
    assert held["code"] and sms.run_once() == 0
    assert len(inbox(srv)) == 6
    clock.advance(24 * HOUR + 60)  # the next day the number may be told again
    book(srv, "2026-01-08T10:20+07:00", phone="0912345101")  # another number is never held back
    assert sms.run_once() == 1
