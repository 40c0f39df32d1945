"""The site doctor against the simulated center (nothing fails) and a broken site (each problem named).

HTTP (the locker daemon's health, the hub) and system commands (the clock) are injected, so the
result never depends on what else runs on this machine. The outputs printed here are the ones
quoted in docs/operations.md.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import requests

from doctor.__main__ import main, run_all
from doctor.checks import check_clock
from doctor.report import Level


def no_daemon(url: str, **_: object) -> object:
    raise requests.ConnectionError(f"nothing listens at {url}")


def synced(argv: Sequence[str]) -> subprocess.CompletedProcess[str] | None:
    if argv[0] == "timedatectl":
        return subprocess.CompletedProcess(list(argv), 0, "yes\n", "")
    return None


BROKEN_SITE = """
[center]
data_dir = "{tmp}/data"

[locker]
data_dir = "{tmp}/data/locker"
code_key_file = "{tmp}/data/locker/code.key"
kiosk_token_file = "{tmp}/data/locker/kiosk.token"

[[locker.buses]]
name = "bank1"
simulate = false
url = "{tmp}/ttyUSB-missing"
protocol = "kerong-cu16"
boards = [0]

[[locker.compartments]]
label = "A01"
bus = "bank1"
board = 0
lock = 1

[queueing]
host = "0.0.0.0"
public_base_url = "http://127.0.0.1:8720"
data_dir = "{tmp}/data/queueing"

[printer]
url = "dummy://?status=paper_out"
"""


def test_simulated_center_is_all_green(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([], get=no_daemon, run=synced) == 0
    out = capsys.readouterr().out
    print(out)
    assert "[FAIL]" not in out and "[WARN]" not in out
    assert "[ OK ] lock board bank1/0: answers" in out
    assert "[ OK ] printer: png://var/printer: ready" in out
    assert "[ OK ] camera:" in out
    assert "ready to open" in out


def test_broken_site_names_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site.toml"
    site.write_text(BROKEN_SITE.format(tmp=tmp_path), encoding="utf-8")
    assert main(["--config", str(site)], get=no_daemon, run=synced) == 1
    out = capsys.readouterr().out
    print(out)
    lines = out.splitlines()

    def line(prefix: str) -> str:
        found = [x for x in lines if x.startswith(prefix)]
        assert found, f"no line starting {prefix!r} in:\n{out}"
        return found[0]

    assert "does not exist" in line("[FAIL] serial port bank1:") and "dialout" in line("[FAIL] serial port")
    assert "paper_out" in line("[FAIL] printer:") and "new roll" in line("[FAIL] printer:")
    assert "127.0.0.1" in line("[FAIL] queueing public_url_loopback:")
    assert "127.0.0.1" in line("[FAIL] locker verify_url_loopback:")
    assert "demo_staff = []" in line("[FAIL] demo accounts:")
    assert line("[SKIP] lock bus bank1:")
    assert "simulator" in line("[WARN] camera:")


def test_results_carry_advice_on_every_failure(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(BROKEN_SITE.format(tmp=tmp_path), encoding="utf-8")
    for result in run_all(str(site), get=no_daemon, run=synced):
        if result.level in (Level.FAIL, Level.WARN):
            assert result.todo, result


def test_invalid_config_fails_with_the_key_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[printer]\npaper_width_mm = 99\n", encoding="utf-8")
    assert main(["--config", str(site)], get=no_daemon, run=synced) == 1
    assert "[FAIL] config [printer]: invalid configuration in [printer]: printer.paper_width_mm" in (
        capsys.readouterr().out
    )


def test_lock_boards_are_asked_through_a_running_daemon() -> None:
    class Answer:
        def json(self) -> dict[str, object]:
            return {"buses": [{"bus": "bank1", "connected": True, "boards": {"0": "ok", "1": "unreachable"}}]}

    results = {r.check: r for r in run_all(None, get=lambda url, **_: Answer(), run=synced)}
    assert results["lock board bank1/0"].level is Level.OK
    assert results["lock board bank1/1"].level is Level.FAIL


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"timedatectl": (0, "yes\n")}, Level.OK),
        ({"timedatectl": (0, "no\n")}, Level.FAIL),
        ({"chronyc": (0, "Reference ID : 0A000001\nLeap status     : Normal\n")}, Level.OK),
        ({"chronyc": (0, "Leap status     : Not synchronised\n")}, Level.FAIL),
        ({}, Level.WARN),
    ],
)
def test_clock(answers: dict[str, tuple[int, str]], level: Level) -> None:
    def run(argv: Sequence[str]) -> subprocess.CompletedProcess[str] | None:
        if argv[0] not in answers:
            return None
        rc, out = answers[argv[0]]
        return subprocess.CompletedProcess(list(argv), rc, out, "")

    [result] = check_clock(run)
    assert result.level is level
    if level is not Level.OK:
        assert "NTP" in result.todo


def test_low_disk_fails_and_tight_disk_warns() -> None:
    from collections import namedtuple

    from doctor.checks import check_disk, load_site

    site, _ = load_site(None)
    usage = namedtuple("usage", "total used free")
    mb = 1024 * 1024
    assert {r.level for r in check_disk(site, lambda p: usage(0, 0, 100 * mb))} == {Level.FAIL}
    assert {r.level for r in check_disk(site, lambda p: usage(0, 0, 1000 * mb))} == {Level.WARN}
    assert {r.level for r in check_disk(site, lambda p: usage(0, 0, 9000 * mb))} == {Level.OK}


def test_unreadable_tls_files_fail_with_the_key_named(tmp_path: Path) -> None:
    site_file = tmp_path / "site.toml"
    site_file.write_text(
        f'[queueing]\ntls_cert_file = "{tmp_path}/missing.crt"\ntls_key_file = "{tmp_path}/missing.key"\n',
        encoding="utf-8",
    )
    results = {r.check: r for r in run_all(str(site_file), get=no_daemon, run=synced)}
    tls = results["TLS [queueing]"]
    assert tls.level is Level.FAIL and "tls_cert_file" in tls.found and "missing.crt" in tls.found


def test_hub_is_asked_for_its_health_at_the_uplinks_url() -> None:
    from types import SimpleNamespace

    from doctor.checks import load_site
    from doctor.devices import check_hub

    site, _ = load_site(None)
    assert check_hub(site)[0].level is Level.SKIP  # no [hub] url: the center works alone
    site.raw["hub"] = {"url": "https://hub.province.example/"}
    asked: list[str] = []

    def answers(status: int) -> Callable[..., object]:
        def get(url: str, **_: object) -> object:
            asked.append(url)
            return SimpleNamespace(status_code=status)

        return get

    assert check_hub(site, answers(200))[0].level is Level.OK
    assert asked == ["https://hub.province.example/api/v1/health"]
    assert check_hub(site, answers(503))[0].level is Level.WARN
    assert check_hub(site, no_daemon)[0].level is Level.WARN


def test_a_kiosk_url_that_cannot_reach_its_service_fails(tmp_path: Path) -> None:
    """Queueing on HTTPS and another port (TLS steps 1-5), the kiosk's URL left as shipped: the
    kiosk would show "out of service" for ever, and the doctor said "ready to open"."""
    site = tmp_path / "site.toml"
    site.write_text(
        f'[queueing]\nport = 28721\ntls_cert_file = "{tmp_path}/q.crt"\ntls_key_file = "{tmp_path}/q.key"\n'
        "[kiosk]\nstart_services = false\n",
        encoding="utf-8",
    )
    results = {r.check: r for r in run_all(str(site), get=no_daemon, run=synced)}
    url = results["kiosk queueing_url"]
    assert url.level is Level.FAIL and "https://…:28721" in url.found and "[kiosk] queueing_url" in url.todo
    assert results["kiosk locker_url"].level is Level.OK


def test_a_kiosk_pc_whose_queue_runs_elsewhere_is_not_failed(tmp_path: Path) -> None:
    """A second kiosk PC reaches the queueing server on the LAN (or through a proxy, by name): its
    own [queueing] section is not where that service runs, so nothing is compared."""
    site = tmp_path / "site.toml"
    site.write_text(
        '[kiosk]\nstart_services = false\nqueueing_url = "https://queue.center.example"\n'
        'locker_url = "http://127.0.0.1:8710"\n',
        encoding="utf-8",
    )
    results = {r.check: r for r in run_all(str(site), get=no_daemon, run=synced)}
    assert (
        results["kiosk queueing_url"].level is Level.OK
        and "another machine" in results["kiosk queueing_url"].found
    )
