"""Boot reconciliation after a crash mid-pulse, door/board alarms, and the audit chain."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from locker import audit
from locker.deposits_repo import set_state
from locker.domain import DepositState, UnlockPurpose, UnlockState
from locker.staff import Role
from tests.harness import run_lockerctl, wait_until
from tests.locker.conftest import Harness


def _crash_mid_pickup(h: Harness, deposit_id: str, label: str) -> None:
    """Write what a pickup writes before its pulse, as if the process died right then."""
    now = h.clock.now()
    with h.svc.store.tx() as conn:
        set_state(conn, deposit_id, DepositState.PICKUP_OPENING, now, "kiosk:kiosk")
        conn.execute(
            "INSERT INTO unlocks(compartment, deposit_id, purpose, state, actor, created_at)"
            " VALUES (?,?,?,?,?,?)",
            (
                label,
                deposit_id,
                UnlockPurpose.PICKUP.value,
                UnlockState.INTENT.value,
                "kiosk:kiosk",
                now.timestamp(),
            ),
        )


def test_crash_before_pulse_becomes_unknown_never_replayed(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    label = dep["compartment"]
    _crash_mid_pickup(h, dep["deposit_id"], label)
    pulses = h.pulses(label)
    h.restart()
    assert h.pulses(label) == pulses  # nothing re-sent at boot
    with h.svc.store.read() as conn:
        states = [r[0] for r in conn.execute("SELECT state FROM unlocks WHERE purpose='pickup'")]
        dep_state = conn.execute(
            "SELECT state FROM deposits WHERE deposit_id=?", (dep["deposit_id"],)
        ).fetchone()[0]
    assert states == ["unknown"] and dep_state == "pickup_unknown"
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    alarms = h.req("GET", "/api/v1/alarms", sup).json()
    assert any(a["kind"] == "reconcile_mismatch" and a["compartment"] == label for a in alarms)
    # the code does not open the door again; a supervisor decides (re-issue or withdraw)
    assert h.pickup(code).json()["error"] == "staff_alerted"
    r = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/withdraw", sup)
    assert r.json()["state"] == "withdrawn"


def test_crash_after_pulse_door_seen_open_is_collected(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, _ = h.load(token, "HS-1")
    label = dep["compartment"]
    _crash_mid_pickup(h, dep["deposit_id"], label)
    h.set_door(label, True)  # the pulse did go out and the citizen opened the door
    h.restart()
    with h.svc.store.read() as conn:
        state = conn.execute(
            "SELECT state FROM deposits WHERE deposit_id=?", (dep["deposit_id"],)
        ).fetchone()[0]
    assert state == "collected"
    wait_until(lambda: h.returned.exists(), 5, "returned callback after reconciliation")


def test_reconcile_reports_item_and_door_mismatches(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, _ = h.load(token, "HS-1")
    h.set_item(dep["compartment"], False)  # loaded, but the IR sensor sees nothing
    h.set_item("3", True)  # something inside a free compartment
    sup = h.sign_in("sup1", Role.SUPERVISOR)
    assert h.req("POST", "/api/v1/reconcile", token).status_code == 403
    found = h.req("POST", "/api/v1/reconcile", sup).json()["mismatches"]
    assert {(f["compartment"], f["problem"].split()[0]) for f in found} == {("1", "the"), ("3", "something")}
    # a free compartment with something inside is not offered for loading
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": "HS-2", "phone": "0900000002"})
    assert r.json()["compartment"] == "2"


def test_forced_door_and_left_open_alarms(h: Harness) -> None:
    token = h.sign_in("loader1")
    h.sim.cabinet.inject("door_forced", *h.where("5"))
    alarms = wait_until(
        lambda: [a for a in h.svc.alarms.list() if a["kind"] == "door_forced"], 5, "forced alarm"
    )
    assert alarms[0]["compartment"] == "5"
    h.clock.advance(3 * 60)
    h.svc.monitor.sweep()
    kinds = {(a["kind"], a["compartment"]) for a in h.req("GET", "/api/v1/alarms", token).json()}
    assert ("door_left_open", "5") in kinds
    assert h.req("GET", "/api/v1/health").json()["alarms_open"] >= 2


def test_board_unreachable_alarm_and_health(h: Harness) -> None:
    h.sim.cabinet.inject("no_reply", board=1)
    wait_until(lambda: any(a["kind"] == "board_unreachable" for a in h.svc.alarms.list()), 10, "board alarm")
    health = h.req("GET", "/api/v1/health").json()
    assert health["status"] == "degraded" and health["buses"][0]["boards"]["1"] == "unreachable"
    h.sim.cabinet.clear()
    wait_until(lambda: h.req("GET", "/api/v1/health").json()["status"] == "ok", 10, "health back to ok")


def test_audit_chain_export_and_tamper_detection(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, code = h.load(token, "HS-1")
    h.pickup(code)
    wait_until(lambda: h.svc.health()["outbox_backlog"] == 0, 5, "outbox drained")
    r = h.req("GET", f"/api/v1/audit?deposit_id={dep['deposit_id']}&format=csv", token)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    actions = [x["action"] for x in rows]
    assert actions[0] == "deposit_reserved" and "code_issued" in actions and "pickup_accepted" in actions
    assert h.req("GET", "/api/v1/audit?day=2026-13-01", token).json()["field"] == "day"
    assert h.req("GET", "/api/v1/audit", token).status_code == 422
    db = h.paths.db
    data_dir = str(h.paths.data_dir)
    ok = run_lockerctl("audit", "verify", "--data-dir", data_dir)
    assert ok.returncode == 0 and "OK" in ok.stdout
    out = run_lockerctl("audit", "export", "--deposit-id", dep["deposit_id"], "--data-dir", data_dir)
    assert out.returncode == 0 and out.stdout.count("\n") == len(rows) + 1
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET actor='someone' WHERE seq=2")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor='someone' WHERE seq=2")
    conn.commit()
    conn.row_factory = sqlite3.Row
    result = audit.verify(conn)
    conn.close()
    assert not result.ok and result.first_bad_seq == 2
    bad = run_lockerctl("audit", "verify", "--data-dir", data_dir)
    assert bad.returncode == 1 and "BROKEN at record 2" in bad.stderr


def test_lockerctl_staff_add_from_stdin(tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = ["staff", "add", "sup1", "--role", "supervisor", "--pin-stdin", "--data-dir", str(tmp_path)]
    r = run_lockerctl(*run, stdin="135790\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("otpauth://totp/") and "secret=" in r.stdout and "135790" not in r.stdout
    r = run_lockerctl(*run, stdin="135790\n")
    assert r.returncode == 1 and "already exists" in r.stderr
    short = [*run[:2], "loader2", *run[3:]]
    r = run_lockerctl(*short, stdin="12\n")
    assert r.returncode == 1 and "PIN" in r.stderr
    listed = run_lockerctl("staff", "list", "--data-dir", str(tmp_path))
    assert "sup1" in listed.stdout and "supervisor" in listed.stdout


def test_deposit_in_a_compartment_removed_from_the_map(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness()
    token = h.sign_in("loader1")
    h.load(token, "HS-1", size="large")  # compartment 6
    h.svc.cabinet.compartments.pop("6")  # as if a new config dropped it
    found = h.svc.monitor.reconcile("test")
    assert [f["compartment"] for f in found] == ["6"] and "no longer" in found[0]["problem"]


def test_door_shut_while_daemon_down_confirms_at_boot(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = make_harness(doors={"watch_s": 1.0, "auto_confirm_on_close": True})
    token = h.sign_in("loader1")
    dep = h.req(
        "POST", "/api/v1/deposits", token, json={"dossier_code": "HS-3", "phone": "0900000003"}
    ).json()
    h.svc.monitor.stop()  # the daemon is going down: no more door events handled
    h.set_door(dep["compartment"], False)
    assert h.sms() == []
    h.restart()
    code = h.code_for("HS-3")
    assert h.pickup(code).json()["door"] == "opened"


def test_door_events_waiting_together_share_one_commit_in_order(h: Harness) -> None:
    from drivers.lockboard.types import DoorEvent, EventKind

    at = h.clock.now()
    events = [
        DoorEvent(EventKind.DOOR_OPENED, "bank1", 0, 1, at),
        DoorEvent(EventKind.DOOR_FORCED, "bank1", 0, 2, at),
        DoorEvent(EventKind.DOOR_CLOSED, "bank1", 0, 1, at),
        DoorEvent(EventKind.DOOR_OPENED, "bank1", 9, 9, at),  # no compartment there: ignored
    ]
    commits0 = h.svc.store.commits
    h.svc.monitor.handle_batch(events)
    assert h.svc.store.commits - commits0 == 1
    with h.svc.store.read() as conn:
        rows = conn.execute(
            "SELECT action, compartment FROM audit WHERE actor='sensor' ORDER BY seq"
        ).fetchall()
        assert audit.verify(conn).ok
    assert [tuple(r) for r in rows][-3:] == [
        ("door_opened", "1"),
        ("door_opened_without_command", "2"),
        ("door_closed", "1"),
    ]
    assert [a["kind"] for a in h.svc.alarms.list() if a["compartment"] == "2"] == ["door_forced"]


def test_door_moving_during_boot_reconciliation_is_not_lost(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a door forced open while the restarted daemon compares the database with the sensors: the
    # event is queued (monitor subscribed first) and audited/alarmed once the monitor runs
    from locker.monitor import Monitor

    real = Monitor.reconcile
    moved: list[str] = []

    def reconcile_while_a_door_moves(self: Monitor, actor: str) -> list:  # type: ignore[type-arg]
        found = real(self, actor)
        if not moved:
            moved.append("5")
            h.set_door("5", True)  # returns once the bus has seen it (and emitted its event)
        return found

    monkeypatch.setattr(Monitor, "reconcile", reconcile_while_a_door_moves)
    h.restart()
    assert moved == ["5"]
    wait_until(
        lambda: any(a["kind"] == "door_forced" and a["compartment"] == "5" for a in h.svc.alarms.list()),
        10,
        "door_forced alarm for compartment 5",
    )
    with h.svc.store.read() as conn:
        assert (
            conn.execute(
                "SELECT COUNT(*) FROM audit WHERE action='door_opened_without_command' AND compartment='5'"
            ).fetchone()[0]
            == 1
        )
