"""`lockerctl` is one parser: port commands run commissioning, staff/audit run administration."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from drivers.lockboard import cli as commissioning
from drivers.lockboard.sim import start_simulator
from locker import admin_cli
from locker.cli import main

LEAVES = [
    "open", "status", "probe", "watch", "set-pulse",
    "staff", "add", "list", "disable", "enable", "reenrol", "reset-key",
    "audit", "verify", "export", "backup", "restore",
]  # fmt: skip


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, argparse.Namespace]]:
    """Which runner `lockerctl` called, with the parsed arguments (nothing touches a port or a DB)."""
    calls: list[tuple[str, argparse.Namespace]] = []

    def fake_commissioning(args: argparse.Namespace, *, stop: object = None) -> int:
        calls.append(("commissioning", args))
        return 0

    def fake_admin(args: argparse.Namespace) -> int:
        calls.append(("administration", args))
        return 0

    monkeypatch.setattr(commissioning, "run", fake_commissioning)
    monkeypatch.setattr(admin_cli, "run", fake_admin)
    return calls


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "socket://127.0.0.1:7001", "--protocol", "bu-8a", "open", "1", "3"],
        ["--port", "/dev/ttyUSB0", "--protocol", "kerong-cu16", "--baud", "9600", "--closed-bit", "0",
         "open", "1", "2"],
        ["--port=loop://", "--protocol", "bu-8a", "status", "1", "--json"],
        ["status", "1", "--port", "loop://", "--protocol", "bu-8a"],
        ["--port", "loop://", "probe", "--protocol", "kerong-cu16", "--broadcast"],
        ["watch", "--port", "loop://", "--protocol", "modbus-relay", "--boards", "1,2", "-v"],
        ["set-pulse", "0", "600", "--port", "loop://", "--protocol", "kerong-cu16"],
    ],
)  # fmt: skip
def test_port_commands_go_to_commissioning(
    argv: list[str], ran: list[tuple[str, argparse.Namespace]]
) -> None:
    assert main(argv) == 0
    [(runner, args)] = ran
    assert runner == "commissioning"
    assert args.port in ("socket://127.0.0.1:7001", "/dev/ttyUSB0", "loop://")
    assert args.protocol and isinstance(args.baud, int) and isinstance(args.verbose, int)


def test_line_options_before_and_after_the_command_are_the_same(
    ran: list[tuple[str, argparse.Namespace]],
) -> None:
    line = [
        "--port",
        "loop://",
        "--protocol",
        "kerong-cu16",
        "--baud",
        "9600",
        "--closed-bit",
        "0",
        "--adapter-echo",
    ]
    assert main([*line, "open", "1", "2"]) == 0
    assert main(["open", "1", "2", *line]) == 0
    before, after = (vars(args) for _, args in ran)
    assert before == after
    assert (before["baud"], before["closed_bit"], before["adapter_echo"], before["locks"]) == (
        9600,
        0,
        True,
        0,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["staff", "add", "S1", "--role", "loader", "--pin-stdin"],
        ["audit", "verify", "--data-dir", "/tmp/x"],
        ["--data-dir", "/tmp/x", "staff", "list"],
        ["--config", "site.toml", "audit", "export", "--day", "2026-01-02"],
    ],
)
def test_admin_commands_go_to_administration(
    argv: list[str], ran: list[tuple[str, argparse.Namespace]]
) -> None:
    assert main(argv) == 0
    [(runner, args)] = ran
    assert runner == "administration"
    assert args.group in ("staff", "audit") and args.cmd


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "COMMAND"),
        (["probe", "--port", "loop://"], "probe needs --protocol"),
        (["--protocol", "bu-8a", "status", "1"], "status needs --port"),
        (["--data-dir", "/tmp/x", "staff", "add", "S1"], "--role"),
        (["--port", "loop://", "staff", "list"], "--port: only for open, status"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_and_run_nothing(
    argv: list[str],
    message: str,
    ran: list[tuple[str, argparse.Namespace]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert ran == []


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for word in LEAVES:
        assert f" {word}" in text, word
    assert main(["open", "--help"]) == 0
    sub = capsys.readouterr().out
    for option in (
        "--port",
        "--protocol",
        "--baud",
        "--closed-bit",
        "--locks",
        "--timeout-ms",
        "--adapter-echo",
    ):
        assert option in sub, option


def test_one_parser_runs_a_real_board_command(capsys: pytest.CaptureFixture[str]) -> None:
    with start_simulator("bu-8a", 1, 8, auto_close_s=None) as sim:
        line = ["--port", sim.url, "--protocol", "bu-8a", "--locks", "8", "--timeout-ms", "300"]
        assert main([*line, "open", "1", "3"]) == 0
        assert main(["open", "1", "4", *line]) == 0
        assert (sim.cabinet.pulses(1, 3), sim.cabinet.pulses(1, 4)) == (1, 1)
    out = capsys.readouterr().out
    assert "board 1 lock 3: door opened" in out and "board 1 lock 4: door opened" in out


def test_a_broken_site_file_stops_staff_commands_before_any_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "site.toml"
    broken.write_text("[locker\n", encoding="utf-8")
    for config in (tmp_path / "nosuch.toml", broken):
        data = tmp_path / "data"
        with pytest.raises(SystemExit) as stopped:
            main(["--config", str(config), "--data-dir", str(data), "staff", "list"])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(config.name) in err, err
        assert not data.exists()  # no database, no staff key made anywhere
