"""The test harness itself: wait_until names what it waited for; site files read back as written;
staff enrolled through lockerctl."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import requests

from tests.harness import (
    ChildService,
    HandlerThread,
    JsonHandler,
    LockerProcess,
    cabinet_site,
    enrol_locker_staff,
    queueing_site,
    sign_in_locker_staff,
    site_toml,
    wait_until,
)
from tests.queueing.helpers import make_config


def test_wait_until_returns_the_value_or_fails_naming_what() -> None:
    calls = iter([None, 0, "ready"])
    assert wait_until(lambda: next(calls), 5, "the third poll", interval_s=0) == "ready"
    with pytest.raises(AssertionError, match="waiting for the door to close"):
        wait_until(lambda: False, 0, "the door to close")


def test_wait_until_runs_between_instead_of_pausing() -> None:
    frames: list[int] = []
    assert wait_until(lambda: len(frames) >= 3, 5, "three frames", between=lambda: frames.append(1))
    assert frames == [1, 1, 1]


def test_site_toml_reads_back_as_the_data_it_was_given() -> None:
    data = {
        "hotline": "1900 1234",
        "verify_base_url": 'http://127.0.0.1:1/"q"',
        "skipped": None,
        "codes": {"kiosk_first_delay_s": 2.0, "second_factor": "none"},
        "buses": [{"name": "bank1", "simulate": False, "boards": [0, 1]}],
        "compartments": [{"label": "1", "lock": 1}, {"label": "2", "lock": 2}],
    }
    read = tomllib.loads(site_toml("locker", data))["locker"]
    assert read == {k: v for k, v in data.items() if v is not None}


def test_a_cabinet_site_is_a_locker_config_with_its_overrides_merged() -> None:
    from locker.config import LockerConfig

    site = cabinet_site(
        "socket://127.0.0.1:9",
        [0, 1],
        [("A1", 0, 1, 0, 0), ("B7", 1, 7, 1, 6)],
        bus={"poll_interval_ms": 40},
        doors={"auto_confirm_on_close": True},
        outbox={"poll_interval_s": 0.1},
    )
    cfg = LockerConfig.model_validate(tomllib.loads(site_toml("locker", site))["locker"])
    (bus,) = cfg.buses
    keys = bus.bus_keys()
    assert (keys["url"], keys["boards"]) == ("socket://127.0.0.1:9", [0, 1])
    assert (keys["poll_interval_ms"], keys["door_debounce_reads"]) == (40, 1)
    assert [(c.label, c.board, c.lock, c.column, c.row) for c in cfg.compartments] == [
        ("A1", 0, 1, 0, 0),
        ("B7", 1, 7, 1, 6),
    ]
    assert cfg.doors.auto_confirm_on_close and cfg.doors.watch_s == 0.5  # merged, not replaced
    assert cfg.outbox.poll_interval_s == 0.1 and cfg.codes.kiosk_free_failures == 100000


def test_a_whole_queueing_config_reads_back() -> None:
    config = make_config()
    read = tomllib.loads(queueing_site(config))["queueing"]
    assert type(config).model_validate(read) == config


def test_a_child_that_stops_at_start_gives_its_exit_status(tmp_path: Path) -> None:
    child = ChildService("json.tool", ["--no-such-option"], tmp_path / "child.log", "http://127.0.0.1:9")
    assert child.start_or_exit(30) == 2
    assert "--no-such-option" in child.log()


def test_lockerctl_enrols_staff_who_then_sign_in(tmp_path: Path) -> None:
    totp = enrol_locker_staff(tmp_path / "data", "nv-harness", "loader", "482916")
    with pytest.raises(AssertionError, match="lockerctl staff add nv-harness failed"):
        enrol_locker_staff(tmp_path / "data", "nv-harness", "loader", "482916")  # already enrolled
    with LockerProcess(tmp_path, data_dir=tmp_path / "data", cwd=tmp_path) as daemon:
        assert sign_in_locker_staff(daemon.url, "nv-harness", "482916", totp)
        with pytest.raises(AssertionError, match="sign-in of nv-harness: 401"):
            sign_in_locker_staff(daemon.url, "nv-harness", "000000", totp)


def test_a_fake_outside_system_answers_json_on_loopback() -> None:
    class Echo(JsonHandler):
        def do_GET(self) -> None:  # http.server's name
            self.send_json(201, {"path": self.path}, {"ETag": '"7"'})

    with HandlerThread(Echo) as fake:
        r = requests.get(fake.url + "/a?b=1", timeout=5)
        assert r.status_code == 201 and r.json() == {"path": "/a?b=1"} and r.headers["ETag"] == '"7"'
    with pytest.raises(requests.ConnectionError):  # closed: nothing listens there any more
        requests.get(fake.url, timeout=5)
