"""`lockerctl` commissioning commands against the simulator (pty and TCP), in-process."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from drivers.lockboard.cli import main
from drivers.lockboard.codec import RequestKind
from drivers.lockboard.sim import Fault, SimulatorHandle, start_simulator
from tests.harness import wait_until

from .conftest import cli_base as base


def test_open_acknowledged(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base(kerong), "open", "1", "5"]) == 0
    assert capsys.readouterr().out.strip() == "board 1 lock 5: door opened; board acknowledged"
    assert kerong.cabinet.pulses(1, 5) == 1


def test_open_jammed_fails_with_one_line(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    kerong.cabinet.inject(Fault.JAMMED, board=0, lock=2)
    kerong.cabinet.inject(Fault.NO_REPLY, board=0, on=[RequestKind.UNLOCK])
    assert main([*base(kerong), "open", "0", "2", "--watch-s", "0.2"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "door still shut" in err[0]
    assert kerong.cabinet.pulses(0, 2) == 1


def test_status_json(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    kerong.cabinet.set_door(1, 2, True)
    kerong.cabinet.set_item(1, 3, True)
    assert main([*base(kerong), "status", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["board"] == 1
    assert out["doors"]["2"] == "open" and out["doors"]["1"] == "closed" and len(out["doors"]) == 16
    assert out["items"]["3"] is True


def test_status_no_reply_json_unknown(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base(kerong), "status", "7", "--json"]) == 1
    captured = capsys.readouterr()
    assert set(json.loads(captured.out)["doors"].values()) == {"unknown"}
    assert captured.err.count("\n") == 1 and "board 7 did not answer" in captured.err


def test_status_text_with_closed_bit(capsys: pytest.CaptureFixture[str], port: int) -> None:
    with start_simulator("modbus-relay", 1, 8, tcp_port=port, closed_bit=0) as sim:
        sim.cabinet.set_door(1, 8, True)
        assert main([*base(sim), "--closed-bit", "0", "--locks", "8", "status", "1"]) == 0
    out = capsys.readouterr().out
    assert "8:open" in out and "1:closed" in out


def test_probe_finds_the_boards(capsys: pytest.CaptureFixture[str]) -> None:
    with start_simulator("bu-8a", [2, 5], 8) as sim:
        assert main([*base(sim), "--locks", "8", "probe", "--last", "6"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["board 2", "board 5"]


def test_probe_nothing_found(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    kerong.cabinet.inject(Fault.NO_REPLY)
    assert main([*base(kerong), "probe", "--last", "2"]) == 1
    assert "no board answered" in capsys.readouterr().err


def test_watch_prints_events(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    codes: list[int] = []
    t = threading.Thread(
        target=lambda: codes.append(main([*base(kerong), "watch", "--boards", "0,1"], stop=stop))
    )
    t.start()
    out = ""

    def seen(text: str) -> bool:
        nonlocal out
        out += capsys.readouterr().out
        return text in out

    assert wait_until(lambda: seen("board 1: 1:closed"))
    kerong.cabinet.set_door(0, 4, True)
    assert wait_until(lambda: seen("board 0 lock 4: door_opened_without_command"))
    stop.set()
    t.join(10)
    assert codes == [0]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--port", "/nonexistent/ttyUSB0", "--protocol", "bu-8a", "status", "1"], 3, "no device at"),
        (["--port", "nope://x", "--protocol", "bu-8a", "status", "1"], 3, "cannot open nope://x"),
        (["--port", "/dev/null", "--protocol", "abc", "status", "1"], 2, "invalid choice"),
        (["--protocol", "bu-8a", "status", "1"], 2, "--port"),
        (["--port", "x", "--protocol", "bu-8a", "--locks", "99", "status", "1"], 2, "locks_per_board"),
    ],
)
def test_errors_are_one_readable_line(
    argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_refused_bridge(port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", f"socket://127.0.0.1:{port}", "--protocol", "kerong-cu16", "open", "0", "1"]) == 3
    assert "refused" in capsys.readouterr().err


def test_lock_out_of_range(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base(kerong), "open", "0", "17"]) == 2
    assert "lock 17 out of range 1..16" in capsys.readouterr().err
    assert kerong.cabinet.requests == [(RequestKind.STATUS, 0, None)] or all(
        k is not RequestKind.UNLOCK for k, _b, _n in kerong.cabinet.requests
    )


def test_open_json(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*base(kerong), "open", "0", "9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"board": 0, "lock": 9, "ack": "acked", "outcome": "opened", "ok": True}


def test_watch_json_lines(kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    t = threading.Thread(target=lambda: main([*base(kerong), "watch", "--boards", "1", "--json"], stop=stop))
    t.start()
    try:
        assert wait_until(lambda: kerong.cabinet.requests.count((RequestKind.STATUS, 1, None)) >= 2)
        kerong.cabinet.set_door(1, 1, True)
        lines: list[str] = []

        def forced() -> bool:
            lines.extend(capsys.readouterr().out.splitlines())
            return any('"door_opened_without_command"' in line for line in lines)

        assert wait_until(forced)
        record = json.loads(next(line for line in lines if "door_opened_without_command" in line))
        assert (record["board"], record["lock"]) == (1, 1)
    finally:
        stop.set()
        t.join(10)


def test_line_options_may_follow_the_command(
    kerong: SimulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "1", *base(kerong), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["board"] == 1
    assert main(["open", "0", "3", *base(kerong)]) == 0
    assert kerong.cabinet.pulses(0, 3) == 1


def test_open_help_shows_the_line_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["open", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--port URL" in text and "--protocol" in text and "--adapter-echo" in text


def test_wire_log_file_keeps_the_frames(kerong: SimulatorHandle, tmp_path: Path) -> None:
    """`--wire-log FILE`: the technician's record of every frame, written even without -vv."""
    wire = tmp_path / "logs" / "wire.log"
    assert main([*base(kerong), "open", "1", "5", "--wire-log", str(wire)]) == 0
    text = wire.read_text()
    assert text.strip(), "no frames logged"
    assert len(text.splitlines()) >= 2  # the unlock frame and its reply at least
