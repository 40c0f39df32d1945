"""The kiosk says which kiosk it is on every locker call, and survives a rotated kiosk token.

Against the real locker daemon (tests/kiosk/locker_rig.py): the token file is replaced and the
daemon restarted (how a token is rotated), while the kiosk's client still holds the old token.
"""

from __future__ import annotations

import logging
import secrets

from kiosk.clients.locker import from_config
from kiosk.config import load_app_config
from tests.kiosk.locker_fixtures import rig_fixture, rig_pool  # noqa: F401


def test_rotated_token_is_reread_once_and_the_audit_names_the_kiosk(rig, caplog) -> None:
    config = load_app_config(None, overrides={"locker_url": rig.url, "kiosk_id": "kiosk-7"})
    config.raw.setdefault("locker", {})["kiosk_token_file"] = str(rig.token_file)
    client = from_config(config)
    dep = rig.load("HS-ID-0001", phone="0900000071")
    try:
        code = rig.wait_code("HS-ID-0001")
        assert client.kiosk_settings().code_length >= 4  # the client now holds the current token

        rig.token_file.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        rig.restart_daemon()  # the daemon reads its (new) token at start

        caplog.set_level(logging.INFO, logger="kiosk.clients.locker")
        result = client.pickup(code)
        assert result.door.is_open and result.compartment == dep["compartment"]
        rereads = [r for r in caplog.records if "re-reading" in r.getMessage()]
        assert len(rereads) == 1 and "not_kiosk" in rereads[0].getMessage()
        assert client.cabinet().slots  # and the calls after it go straight through
        assert len([r for r in caplog.records if "re-reading" in r.getMessage()]) == 1

        records = rig.api("GET", f"/api/v1/audit?deposit_id={dep['deposit_id']}", "setup")["records"]
        kiosk_actors = {r["actor"] for r in records if r["actor"].startswith("kiosk:")}
        assert kiosk_actors == {"kiosk:kiosk-7"}
    finally:
        rig.close_door(dep["compartment"])
        client.close()
