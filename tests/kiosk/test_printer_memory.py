"""`make run` prints to png:// for hours: the simulator must keep its jobs on disk, not in memory."""

from __future__ import annotations

from PIL import Image

from drivers.printer.sim import PngTransport
from drivers.printer.transport import Job


def test_png_simulator_memory_stays_bounded(tmp_path):
    sim = PngTransport(tmp_path / "printer", keep_jobs=5)
    sim.open()
    for i in range(40):
        sim.write_job(Job("ticket", b"\x1b@ticket %d" % i, Image.new("L", (576, 400), 255)))
        sim.request(b"\x10\x04\x01", 1.0)
    assert len(sim.jobs) <= sim.memory_jobs  # the newest few only
    assert sim.jobs[-1].data.endswith(b"39")
    assert len(list((tmp_path / "printer").glob("*.png"))) == 5  # on disk, pruned to keep=
    for _ in range(sim.memory_requests + 50):
        sim.request(b"\x10\x04\x01", 1.0)
    assert len(sim.requests) == sim.memory_requests
