"""At most once, under load and faults: every pulse the boards saw was asked for exactly once."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest

from drivers.lockboard.codec import RequestKind
from drivers.lockboard.sim import Fault
from drivers.lockboard.types import BusUnavailable, UnlockAck

from .conftest import rig


@pytest.mark.parametrize("proto", ["kerong-cu16", "bu-8a", "modbus-relay"])
def test_concurrent_unlocks_with_random_reply_faults(proto: str) -> None:
    rnd = random.Random(20261123)
    with rig(
        proto, 2, 8, unlock_reply_timeout_ms=120, reply_timeout_ms=120, sim_kw={"auto_close_s": 0.05}
    ) as r:
        faults = [Fault.NO_REPLY, Fault.GARBLED_REPLY, Fault.LATE_REPLY, Fault.SHORT_REPLY]
        for _ in range(12):
            r.cab.inject(rnd.choice(faults), board=rnd.choice(r.sim.boards), count=2, delay_s=0.15)
        asked: Counter[tuple[int, int]] = Counter()
        acks: Counter[UnlockAck] = Counter()
        guard = threading.Lock()

        def worker(seed: int) -> None:
            wr = random.Random(seed)
            for _ in range(15):
                board, lock = wr.choice(r.sim.boards), wr.randint(1, 8)
                try:
                    ack = r.bus.unlock(board, lock)
                except BusUnavailable:
                    continue  # withdrawn before it was sent: must not be pulsed
                with guard:
                    asked[(board, lock)] += 1
                    acks[ack] += 1
                if wr.random() < 0.3:
                    try:
                        r.bus.read_board(board)
                    except Exception:
                        pass

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        pulsed = Counter(
            {(b, n): r.cab.pulses(b, n) for b in r.sim.boards for n in range(1, 9) if r.cab.pulses(b, n)}
        )
        assert pulsed == asked
        wire_unlocks = sum(1 for k, _b, _n in r.cab.requests if k is RequestKind.UNLOCK)
        assert wire_unlocks == sum(asked.values()) > 0
        assert acks[UnlockAck.ACKED] > 0
