"""Pickup codes never reach the database in clear: the outbox keeps SMS texts sealed under a key
outside it, yet a message waiting at a crash or restart is still sent (issue 12)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from locker.staff import Role
from tests.harness import wait_until
from tests.locker.conftest import Harness


def _db_bytes(h: Harness) -> dict[str, bytes]:
    out = {}
    for suffix in ("", "-wal", "-shm"):
        path = h.paths.db.with_name(h.paths.db.name + suffix)
        if path.exists():
            out[path.name] = path.read_bytes()
    return out


def _create_and_confirm(h: Harness, token: str, dossier: str) -> str:
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": dossier, "phone": "0900000009"})
    assert r.status_code == 200, r.text
    dep = r.json()
    h.set_item(dep["compartment"], True)
    h.set_door(dep["compartment"], False)
    assert h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/confirm", token).status_code == 200
    return str(dep["deposit_id"])


def test_no_code_in_the_database_files_sent_or_waiting(make_harness: Callable[..., Harness]) -> None:
    # 10-digit codes: a chance match with other digits in the files is out of the question
    h = make_harness(codes={"length_digits": 10})
    token = h.sign_in("loader1", Role.LOADER)
    sent = [h.load(token, f"HS-{i}", phone="0900000001")[1] for i in range(1, 4)]
    # the SMS gateway fails from now on: the next codes wait in the outbox
    blocked = h.sms_dir.rename(h.tmp / "sms-delivered")
    h.sms_dir.write_text("")
    waiting_ids = [_create_and_confirm(h, token, f"HS-W{i}") for i in range(2)]
    with h.svc.store.read() as conn:
        rows = conn.execute("SELECT idem_key, payload, state FROM outbox WHERE kind='sms'").fetchall()
    waiting = []
    for row in rows:
        payload = json.loads(row["payload"])
        assert "Ma nhan" not in row["payload"] and set(payload) >= {"to", "deposit_id"}
        if row["state"] == "pending":
            text = h.svc.codes.sms_box.open(payload["sealed_text"], f"sms:{row['idem_key']}")
            waiting.append(re.search(r"Ma nhan: (\d+)", text).group(1))  # type: ignore[union-attr]
    assert len(waiting) == len(waiting_ids) == 2
    files = _db_bytes(h)  # what a copy of the data directory would hold right now
    assert files and any(len(b) for b in files.values())
    for name, data in files.items():
        assert b"Ma nhan" not in data, name
        for code in sent + waiting:
            assert code.encode() not in data, (name, code)
    # the waiting messages survive a restart and go out once the gateway works again
    h.sms_dir.unlink()
    blocked.rename(h.sms_dir)
    h.restart()
    h.clock.advance(2)  # past the retry delay of a send that already failed
    for i, code in enumerate(waiting):
        assert h.code_for(f"HS-W{i}") == code
    wait_until(lambda: h.svc.health()["outbox_backlog"] == 0, 10, "outbox drained")
