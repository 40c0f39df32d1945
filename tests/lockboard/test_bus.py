"""The real bus against the simulator over a real pty: every fault, at-most-once unlocks."""

from __future__ import annotations

import errno
import threading
from typing import Any

import pytest
import serial

from drivers.lockboard.bus import BusState, SerialLockBus
from drivers.lockboard.codec import RequestKind
from drivers.lockboard.config import BusConfig
from drivers.lockboard.sim import Fault
from drivers.lockboard.types import (
    BoardTimeout,
    BusPermissionError,
    BusUnavailable,
    DoorOutcome,
    DoorState,
    UnlockAck,
)
from tests.harness import wait_until

from .conftest import rig

PROTOS = ["kerong-cu16", "bu-8a", "modbus-relay"]


@pytest.mark.parametrize("proto", PROTOS)
def test_open_door_opens_and_events_follow(proto: str) -> None:
    with rig(proto, 2, sim_kw={"auto_close_s": 0.3}) as r:
        board = r.sim.boards[1]
        result = r.bus.open_door(board, 3, watch_s=2)
        assert (result.ack, result.outcome) == (UnlockAck.ACKED, DoorOutcome.OPENED)
        assert result.pulse_sent_at is not None
        assert r.cab.pulses(board, 3) == 1
        assert wait_until(lambda: ("door_closed", board, 3) in r.kinds())
        assert ("door_opened", board, 3) in r.kinds()
        assert ("door_opened_without_command", board, 3) not in r.kinds()
        status = r.bus.last_status(board)
        assert status is not None and status.doors[3] is DoorState.CLOSED


@pytest.mark.parametrize("proto", ["bu-8a", "modbus-relay"])
def test_lost_unlock_reply_is_never_resent(proto: str) -> None:
    with rig(proto, sim_kw={"auto_close_s": None}) as r:
        board = r.sim.boards[0]
        r.cab.inject(Fault.NO_REPLY, board=board, count=1, on=[RequestKind.UNLOCK])
        result = r.bus.open_door(board, 2, watch_s=2)
        assert result.ack is UnlockAck.NO_REPLY
        assert result.outcome is DoorOutcome.OPENED  # the door decides
        r.bus.read_board(board)
        assert r.cab.pulses(board, 2) == 1
        assert [k for k, b, n in r.cab.requests if k is RequestKind.UNLOCK] == [RequestKind.UNLOCK]


def test_kerong_silence_after_unlock_is_normal() -> None:
    with rig("kerong-cu16", sim_kw={"auto_close_s": None}) as r:
        r.cab.inject(Fault.NO_REPLY, board=0, count=1, on=[RequestKind.UNLOCK])
        assert r.bus.unlock(0, 1) is UnlockAck.NO_ACK_EXPECTED
        assert r.cab.pulses(0, 1) == 1


@pytest.mark.parametrize("proto", PROTOS)
def test_garbled_unlock_reply_not_resent_and_line_recovers(proto: str) -> None:
    with rig(proto, sim_kw={"auto_close_s": None}) as r:
        board = r.sim.boards[0]
        r.cab.inject(Fault.GARBLED_REPLY, board=board, count=1, on=[RequestKind.UNLOCK])
        assert r.bus.unlock(board, 1) is UnlockAck.NO_REPLY
        assert r.cab.pulses(board, 1) == 1
        assert r.bus.read_board(board).doors[1] is DoorState.OPEN


@pytest.mark.parametrize("proto", PROTOS)
def test_garbled_status_is_read_again_once(proto: str) -> None:
    with rig(proto, poll_interval_ms=60_000) as r:
        board = r.sim.boards[0]
        r.cab.set_door(board, 4, True)
        r.cab.inject(Fault.GARBLED_REPLY, board=board, count=1, on=[RequestKind.STATUS])
        assert r.bus.read_board(board).doors[4] is DoorState.OPEN


@pytest.mark.parametrize("proto", PROTOS)
def test_late_reply_is_flushed_not_matched_to_the_next_request(proto: str) -> None:
    with rig(proto, 2, poll_interval_ms=60_000, quiet_ms=30, quiet_max_ms=400) as r:
        a, b = r.sim.boards
        r.cab.set_door(b, 1, True)
        r.cab.inject(Fault.LATE_REPLY, board=a, count=1, delay_s=0.4, on=[RequestKind.STATUS])
        with pytest.raises(BoardTimeout, match=f"board {a} did not answer"):
            r.bus.read_board(a)
        status = r.bus.read_board(b)
        assert status.board == b and status.doors[1] is DoorState.OPEN
        assert r.bus.read_board(a).doors[1] is DoorState.CLOSED


@pytest.mark.parametrize("proto", PROTOS)
def test_jammed_lock(proto: str) -> None:
    with rig(proto) as r:
        board = r.sim.boards[0]
        r.cab.inject(Fault.JAMMED, board=board, lock=5)
        result = r.bus.open_door(board, 5, watch_s=0.3)
        assert (result.ack, result.outcome) == (UnlockAck.ACKED, DoorOutcome.JAMMED)
        assert r.cab.pulses(board, 5) == 1


def test_already_open_door() -> None:
    with rig("kerong-cu16") as r:
        r.cab.set_door(0, 2, True)
        assert r.bus.open_door(0, 2).outcome is DoorOutcome.ALREADY_OPEN


@pytest.mark.parametrize("proto", PROTOS)
def test_door_opened_without_command_is_reported(proto: str) -> None:
    with rig(proto) as r:
        board = r.sim.boards[0]
        assert wait_until(lambda: r.bus.health()["boards"] == {board: "ok"})
        r.cab.inject(Fault.DOOR_FORCED, board=board, lock=6)
        assert wait_until(lambda: ("door_opened_without_command", board, 6) in r.kinds())
        assert ("door_opened", board, 6) not in r.kinds()


def test_inverted_sensor_and_the_bank_polarity_setting() -> None:
    with rig("bu-8a", poll_interval_ms=60_000) as r:
        r.cab.inject(Fault.INVERTED_SENSOR, board=1)
        doors = r.bus.read_board(1).doors
        assert set(doors.values()) == {DoorState.OPEN}  # all shut, but read as open
    with rig("bu-8a", poll_interval_ms=60_000, closed_bit=0, sim_kw={"closed_bit": 0}) as r:
        r.cab.set_door(1, 7, True)
        doors = r.bus.read_board(1).doors
        assert doors[7] is DoorState.OPEN and doors[1] is DoorState.CLOSED


@pytest.mark.parametrize("proto", PROTOS)
def test_board_unreachable_after_three_misses_and_back(proto: str) -> None:
    with rig(proto, 2) as r:
        a, b = r.sim.boards
        assert wait_until(lambda: r.bus.health()["boards"] == {a: "ok", b: "ok"})
        r.cab.inject(Fault.NO_REPLY, board=b)
        assert wait_until(lambda: ("board_unreachable", b, None) in r.kinds())
        status = r.bus.last_status(b)
        assert status is not None and set(status.doors.values()) == {DoorState.UNKNOWN}
        assert r.bus.health()["boards"] == {a: "ok", b: "unreachable"}
        stat_a = r.bus.last_status(a)
        assert stat_a is not None and stat_a.doors[1] is DoorState.CLOSED
        r.cab.clear()
        assert wait_until(lambda: ("board_back", b, None) in r.kinds())
        assert r.kinds().count(("board_unreachable", b, None)) == 1


def test_unlock_jumps_ahead_of_a_queued_read() -> None:
    with rig("kerong-cu16", 2, poll_interval_ms=600_000, reply_timeout_ms=400) as r:
        assert wait_until(lambda: len(r.cab.requests) >= 2)  # the two start-up polls
        start = len(r.cab.requests)
        r.cab.inject(Fault.NO_REPLY, board=0, count=1, on=[RequestKind.STATUS])
        errors: list[BaseException] = []

        def run(fn: Any, *args: int) -> threading.Thread:
            def body() -> None:
                try:
                    fn(*args)
                except Exception as err:
                    errors.append(err)

            t = threading.Thread(target=body)
            t.start()
            return t

        t1 = run(r.bus.read_board, 0)  # occupies the line for reply_timeout
        assert wait_until(lambda: len(r.cab.requests) > start)
        t2 = run(r.bus.read_board, 1)
        assert wait_until(lambda: r.bus._queue.qsize() == 1)
        t3 = run(r.bus.unlock, 1, 4)
        for t in (t1, t2, t3):
            t.join(10)
        order = [(k, b) for k, b, _n in r.cab.requests[start:]]
        assert order == [(RequestKind.STATUS, 0), (RequestKind.UNLOCK, 1), (RequestKind.STATUS, 1)]
        assert len(errors) == 1 and isinstance(errors[0], BoardTimeout)


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_adapter_unplugged_and_back(transport: str, port: int) -> None:
    with rig("modbus-relay", tcp_port=port if transport == "tcp" else None) as r:
        assert wait_until(lambda: r.bus.health()["boards"] == {1: "ok"})
        r.cab.inject(Fault.UNPLUG)
        assert wait_until(lambda: ("bus_down", None, None) in r.kinds())
        assert r.bus.health()["connected"] is False
        with pytest.raises(BusUnavailable):
            r.bus.unlock(1, 1)
        result = r.bus.open_door(1, 1)
        assert (result.outcome, result.pulse_sent_at) == (DoorOutcome.UNKNOWN, None)
        r.cab.inject(Fault.REPLUG)
        assert wait_until(lambda: ("bus_up", None, None) in r.kinds())
        assert r.bus.open_door(1, 2).outcome is DoorOutcome.OPENED
        assert r.cab.pulses(1, 1) == 0 and r.cab.pulses(1, 2) == 1
        all_off = [k for k, _b, _n in r.cab.requests if k is RequestKind.ALL_OFF]
        assert len(all_off) == 2  # relays switched off at start and after the reconnect


def test_reconnect_budget_is_bounded() -> None:
    with rig("kerong-cu16", reconnect_fast_attempts=3, reconnect_slow_interval_ms=60_000) as r:
        r.sim.unplug()
        assert wait_until(lambda: r.bus._port.attempt >= 3)
        # after the fast budget the next attempt is a minute away: no tight loop
        attempts = r.bus._port.attempt
        with pytest.raises(AssertionError):  # no new attempt within 0.3 s
            wait_until(lambda: r.bus._port.attempt > attempts, timeout_s=0.3)
        assert r.bus.state is BusState.RECONNECTING


def test_permission_denied_is_fatal_with_a_clear_message() -> None:
    def denied(url: str, **kw: Any) -> serial.Serial:
        raise serial.SerialException(errno.EACCES, f"could not open port {url}: [Errno 13] Permission denied")

    bus = SerialLockBus(BusConfig(url="/dev/ttyUSB9"), serial_factory=denied)
    with pytest.raises(BusPermissionError, match="dialout"):
        bus.open(require_connected=False)


def test_missing_device_message(tmp_path: Any) -> None:
    bus = SerialLockBus(BusConfig(url=str(tmp_path / "ttyUSB0")))
    with pytest.raises(BusUnavailable, match="no device at"):
        bus.open()
    bus.open(require_connected=False)  # the daemon's choice: keep trying in the background
    assert bus.health()["state"] == "reconnecting"
    with pytest.raises(BusUnavailable):
        bus.read_board(0)
    bus.close()


def test_refused_tcp_bridge(port: int) -> None:
    bus = SerialLockBus(BusConfig(url=f"socket://127.0.0.1:{port}"))
    with pytest.raises(BusUnavailable, match="refused"):
        bus.open()


def test_forced_event_only_without_recent_command() -> None:
    with rig("kerong-cu16", sim_kw={"auto_close_s": None}) as r:
        assert wait_until(lambda: r.bus.health()["boards"] == {0: "ok"})
        assert r.bus.unlock(0, 1) is UnlockAck.ACKED
        assert wait_until(lambda: ("door_opened", 0, 1) in r.kinds())
        r.cab.set_door(0, 1, False)
        assert wait_until(lambda: ("door_closed", 0, 1) in r.kinds())
        r.cab.set_door(0, 1, True)  # second opening: no command this time
        assert wait_until(lambda: ("door_opened_without_command", 0, 1) in r.kinds())


def test_items_are_reported_for_kerong() -> None:
    with rig("kerong-cu16", poll_interval_ms=60_000) as r:
        r.cab.set_item(0, 3, True)
        status = r.bus.read_board(0)
        assert status.items[3] is True and status.items[4] is False


def test_bad_lock_numbers_are_rejected_before_the_wire() -> None:
    with rig("kerong-cu16") as r:
        with pytest.raises(ValueError, match="lock 9 out of range 1..8"):
            r.bus.unlock(0, 9)
        with pytest.raises(ValueError, match="board 16"):
            r.bus.read_board(16)


def test_withdrawn_unlock_is_never_sent_late(monkeypatch: pytest.MonkeyPatch) -> None:
    with rig("kerong-cu16", poll_interval_ms=600_000, reply_timeout_ms=400) as r:
        start = len(r.cab.requests)
        r.cab.inject(Fault.NO_REPLY, board=0, count=1, on=[RequestKind.STATUS])
        reader = threading.Thread(target=lambda: pytest.raises(BoardTimeout, r.bus.read_board, 0))
        reader.start()  # holds the line for 400 ms
        assert wait_until(lambda: len(r.cab.requests) > start)
        monkeypatch.setattr(r.bus, "_unlock_wait_s", lambda: 0.05)
        with pytest.raises(BusUnavailable, match="withdrawn before it was sent"):
            r.bus.unlock(0, 3)
        reader.join(5)
        r.bus.read_board(0)  # the line is free again; the withdrawn unlock must not have gone
        assert r.cab.pulses(0, 3) == 0
        assert all(k is not RequestKind.UNLOCK for k, _b, _n in r.cab.requests)


def test_bu_board_answering_unlock_late_is_still_acked() -> None:
    # 8A/BU firmware answers an unlock 0.5-1 s later: the protocol default timeout covers it
    with rig("bu-8a", unlock_reply_timeout_ms=0) as r:
        assert r.bus.config.unlock_reply_timeout_ms == 1500
        r.cab.inject(Fault.LATE_REPLY, board=1, count=1, delay_s=0.6, on=[RequestKind.UNLOCK])
        assert r.bus.unlock(1, 1) is UnlockAck.ACKED


def test_second_program_on_the_same_port_is_refused() -> None:
    with rig("kerong-cu16") as r:
        other = SerialLockBus(BusConfig(url=r.sim.url))
        with pytest.raises(BusUnavailable, match="in use by another program"):
            other.open()


def test_permission_lost_on_reconnect_stops_the_bus_with_the_fix_in_the_message() -> None:
    from drivers.lockboard.sim import start_simulator

    calls: list[str] = []

    def factory(url: str, **kw: Any) -> serial.SerialBase:
        calls.append(url)
        if len(calls) > 1:
            raise serial.SerialException(
                errno.EACCES, f"could not open port {url}: [Errno 13] Permission denied"
            )
        return serial.serial_for_url(url, **kw)

    with start_simulator("kerong-cu16", 1, 8) as sim:
        cfg = BusConfig(url=sim.url, locks_per_board=8, reconnect_initial_delay_ms=10, poll_interval_ms=20)
        bus = SerialLockBus(cfg, serial_factory=factory)
        events: list[str] = []
        bus.subscribe(lambda e: events.append(e.kind.value))
        bus.open()
        try:
            sim.unplug()
            assert wait_until(lambda: bus.state is BusState.FAILED)
            assert "bus_down" in events
            health = bus.health()
            assert health["state"] == "failed" and "dialout" in str(health["error"])
            with pytest.raises(BusPermissionError, match="dialout"):
                bus.unlock(0, 1)
            assert len(calls) == 2  # fatal: no further attempts
        finally:
            bus.close()


@pytest.mark.parametrize("proto", PROTOS)
def test_short_reply(proto: str) -> None:
    with rig(proto, poll_interval_ms=60_000, sim_kw={"auto_close_s": None}) as r:
        board = r.sim.boards[0]
        r.cab.inject(Fault.SHORT_REPLY, board=board, count=1, on=[RequestKind.UNLOCK])
        assert r.bus.unlock(board, 2) is UnlockAck.NO_REPLY
        assert r.cab.pulses(board, 2) == 1
        r.cab.inject(Fault.SHORT_REPLY, board=board, count=1, on=[RequestKind.STATUS])
        assert r.bus.read_board(board).doors[2] is DoorState.OPEN  # read again once, then fine


@pytest.mark.parametrize("proto", PROTOS)
def test_adapter_that_echoes_what_we_send(proto: str) -> None:
    with rig(proto, adapter_echo=True, sim_kw={"echo": True}) as r:
        board = r.sim.boards[0]
        result = r.bus.open_door(board, 1)
        assert (result.ack, result.outcome) == (UnlockAck.ACKED, DoorOutcome.OPENED)
        assert r.bus.read_board(board).doors[1] is DoorState.OPEN


def test_kerong_without_item_sensors_reports_no_items() -> None:
    with rig("kerong-cu16", poll_interval_ms=60_000, item_sensors=False, sim_kw={"has_items": False}) as r:
        assert r.bus.read_board(0).items == {}


def _in_thread(fn: Any, *args: int) -> tuple[threading.Thread, list[Any]]:
    """Run fn(*args) in a thread; the list gets its result or its exception."""
    out: list[Any] = []

    def body() -> None:
        try:
            out.append(fn(*args))
        except Exception as err:
            out.append(err)

    t = threading.Thread(target=body)
    t.start()
    return t, out


def test_reads_of_one_board_queued_together_share_one_read_on_the_wire() -> None:
    with rig("kerong-cu16", 2, poll_interval_ms=600_000, reply_timeout_ms=400) as r:
        start = len(r.cab.requests)
        r.cab.inject(Fault.NO_REPLY, board=0, count=1, on=[RequestKind.STATUS])
        holder = _in_thread(r.bus.read_board, 0)  # occupies the line for reply_timeout
        assert wait_until(lambda: len(r.cab.requests) > start)
        waiting = [_in_thread(r.bus.read_board, b) for b in (1, 1, 0, 1)]  # queued meanwhile
        assert wait_until(lambda: r.bus._queue.qsize() == 4)
        r.cab.set_door(1, 5, True)  # changed after they asked: each must see it
        for t, _ in (holder, *waiting):
            t.join(10)
        assert isinstance(holder[1][0], BoardTimeout)
        results = [out[0] for _, out in waiting]
        assert all(not isinstance(x, BaseException) for x in results), results
        assert [x.doors[5] for x in (results[0], results[1], results[3])] == [DoorState.OPEN] * 3
        reads = [(k, b) for k, b, _n in r.cab.requests[start:]]
        # board 0: the failed read, then one fresh read (not answered by the one on the wire when
        # it was queued); board 1: one read for its three callers
        assert reads == [(RequestKind.STATUS, 0), (RequestKind.STATUS, 1), (RequestKind.STATUS, 0)]
        assert r.bus._queue.shared_reads == 2


def test_callers_sharing_a_read_that_fails_all_hear_the_error() -> None:
    with rig("kerong-cu16", 2, poll_interval_ms=600_000, reply_timeout_ms=300) as r:
        start = len(r.cab.requests)
        r.cab.inject(Fault.NO_REPLY, board=0, count=1, on=[RequestKind.STATUS])
        holder = _in_thread(r.bus.read_board, 0)
        assert wait_until(lambda: len(r.cab.requests) > start)
        r.cab.inject(Fault.NO_REPLY, board=1, count=1, on=[RequestKind.STATUS])
        waiting = [_in_thread(r.bus.read_board, 1) for _ in range(3)]
        assert wait_until(lambda: r.bus._queue.qsize() == 3)
        for t, _ in (holder, *waiting):
            t.join(10)
        assert all(isinstance(out[0], BoardTimeout) for _, out in waiting)
        assert [b for k, b, _n in r.cab.requests[start:] if k is RequestKind.STATUS] == [0, 1]
        assert isinstance(r.bus.read_board(1).doors, dict)  # the next read is a read of its own


def test_a_pulse_queued_ahead_is_waited_for_later_and_sent_once() -> None:
    with rig("kerong-cu16", sim_kw={"auto_close_s": None}) as r:
        wait = r.bus.queue_read_then_pulse(0, 4)
        status, ack, sent_at = wait()
        assert status is not None and status.doors[4] is DoorState.CLOSED
        assert ack is UnlockAck.ACKED and sent_at is not None
        assert r.cab.pulses(0, 4) == 1
        result = r.bus.open_door(0, 5, watch_s=2, queued=r.bus.queue_read_then_pulse(0, 5))
        assert result.outcome is DoorOutcome.OPENED and r.cab.pulses(0, 5) == 1
        r.bus.close()
        with pytest.raises(BusUnavailable):
            r.bus.queue_read_then_pulse(0, 6)
        assert r.cab.pulses(0, 6) == 0


def test_pulses_queued_together_on_one_board_share_the_read_before_them() -> None:
    with rig(
        "kerong-cu16", 2, poll_interval_ms=600_000, reply_timeout_ms=400, sim_kw={"auto_close_s": None}
    ) as r:
        start = len(r.cab.requests)
        r.cab.inject(Fault.NO_REPLY, board=0, count=1, on=[RequestKind.STATUS])
        holder = _in_thread(r.bus.read_board, 0)  # occupies the line for reply_timeout
        assert wait_until(lambda: len(r.cab.requests) > start)
        r.cab.set_door(0, 6, True)  # already open before its pulse: the shared read must say so
        waiting = [_in_thread(r.bus.read_then_pulse, b, lk) for b, lk in ((0, 5), (1, 2), (0, 6), (0, 7))]
        assert wait_until(lambda: r.bus._queue.qsize() == 4)
        for t, _ in (holder, *waiting):
            t.join(10)
        results = [out[0] for _, out in waiting]
        assert all(isinstance(x, tuple) for x in results), results
        assert all(ack is UnlockAck.ACKED for _, ack, _ in results)
        assert results[2][0] is not None and results[2][0].doors[6] is DoorState.OPEN
        assert results[0][0] is results[2][0] is results[3][0]  # board 0's pulses: one read
        wire = [(k, b, n) for k, b, n in r.cab.requests[start:]]
        assert [(k, b) for k, b, _n in wire] == [
            (RequestKind.STATUS, 0),  # the holder's read (no answer)
            (RequestKind.STATUS, 0),  # one read for board 0's three pulses ...
            (RequestKind.UNLOCK, 0),
            (RequestKind.UNLOCK, 0),
            (RequestKind.UNLOCK, 0),  # ... each pulse once, in the order asked
            (RequestKind.STATUS, 1),
            (RequestKind.UNLOCK, 1),
        ]
        assert [r.cab.pulses(0, lk) for lk in (5, 6, 7)] == [1, 1, 1] and r.cab.pulses(1, 2) == 1
        assert r.bus._queue.grouped_pulses == 2
