"""Simulated printers, selectable by URL like real ones: `dummy://` and `png://DIR`.

Both answer DLE EOT the way a real printer in the simulated state would, and both can be
told to fail, so tests and the demo can walk through paper out, cover open, a dead printer,
a write error, a hung printer and paper running out in the middle of a job:

- `?status=ready|paper_near_end|paper_out|cover_open|offline` (initial state);
- `?fail=none|mute|io|hang|runout` (mute: no reply to DLE EOT; io: the write fails;
  hang: the write never returns; runout: the job goes out but the paper ends halfway);
- for png://DIR, `?keep=N` keeps the newest N jobs (default 1000; 0 keeps all), and a file
  DIR/STATUS holding one of the status or fail words above overrides both while it exists
  (`echo paper_out > var/printer/STATUS`; delete it to refill).
"""

from __future__ import annotations

import enum
import logging
import os
import threading
from datetime import datetime
from pathlib import Path

from PIL import Image

from drivers.printer.model import PrinterState
from drivers.printer.status import status_reply
from drivers.printer.transport import Job

log = logging.getLogger(__name__)


class SimFault(enum.StrEnum):
    """A failure the simulated printer acts out."""

    NONE = "none"
    MUTE = "mute"
    IO = "io"
    HANG = "hang"
    RUNOUT = "runout"


class SimulatedPrinter:
    """State shared by the simulators: what the "hardware" would answer, and the jobs it got."""

    wants_preview = True  # the printer attaches the rendered image to each job
    # In-memory history: None keeps every job (dummy:// in tests); png:// keeps its jobs on disk
    # and only the newest few in memory, so a kiosk left running does not grow.
    memory_jobs: int | None = None
    memory_requests = 1000  # status requests remembered (the watch asks every few seconds, forever)

    def __init__(self, state: PrinterState = PrinterState.READY, fault: SimFault = SimFault.NONE) -> None:
        self.state = state
        self.fault = fault
        self.jobs: list[Job] = []
        self.requests: list[bytes] = []
        self._release = threading.Event()
        self._lock = threading.Lock()

    @property
    def output(self) -> bytes:
        """Every byte of every job, in order."""
        with self._lock:
            return b"".join(j.data for j in self.jobs)

    def _current(self) -> tuple[PrinterState, SimFault]:
        return self.state, self.fault

    def open(self) -> None:
        """Nothing to connect to."""
        self._release.clear()

    def request(self, data: bytes, timeout_s: float) -> bytes:
        """Answer DLE EOT like a printer in the current state would."""
        state, fault = self._current()
        with self._lock:
            self.requests.append(data)
            del self.requests[: -self.memory_requests]
        if fault is SimFault.MUTE:
            return b""
        return status_reply(state, data)

    def write_job(self, job: Job) -> None:
        """Keep the job, or act out the configured fault."""
        state, fault = self._current()
        if fault is SimFault.IO:
            raise OSError("simulated write error")
        if fault is SimFault.HANG:
            self._release.wait()  # until close(): a printer that stopped taking data
            raise OSError("simulated printer released after hanging")
        if not state.can_print:
            # a real printer buffers the job and prints nothing; the kiosk should have asked first
            log.warning("simulated printer got a %s job while %s: nothing printed", job.kind, state.value)
            return
        if fault is SimFault.RUNOUT:
            self.state = PrinterState.PAPER_OUT
            job = Job(job.kind, job.data, _half(job))
        with self._lock:
            self.jobs.append(job)
            if self.memory_jobs is not None:
                del self.jobs[: -self.memory_jobs or len(self.jobs)]
        self._deliver(job, partial=fault is SimFault.RUNOUT)

    def _deliver(self, job: Job, partial: bool) -> None:
        """Hook for the PNG simulator."""

    def close(self) -> None:
        """Let a hung write return."""
        self._release.set()


def _half(job: Job) -> Image.Image | None:
    """What a job looks like when the paper ends halfway: the top half."""
    if job.preview is None:
        return None
    return job.preview.crop((0, 0, job.preview.width, job.preview.height // 2))


class DummyTransport(SimulatedPrinter):
    """dummy://: keeps bytes in memory for tests (`jobs`, `output`)."""


class PngTransport(SimulatedPrinter):
    """png://DIR: each job saved as DIR/<time>-<kind>-<n>.png (what the paper shows) and .bin (the bytes)."""

    memory_jobs = 8  # every job is on disk; `jobs` holds the newest few only

    def __init__(
        self,
        directory: Path,
        state: PrinterState = PrinterState.READY,
        fault: SimFault = SimFault.NONE,
        *,
        keep_jobs: int = 1000,
    ) -> None:
        super().__init__(state, fault)
        self.directory = Path(directory)
        self.keep_jobs = keep_jobs  # older jobs are deleted, so a kiosk left running does not fill the disk
        self._seq = 0

    @property
    def status_file(self) -> Path:
        """Write a state or fault word here to simulate it; delete the file to go back."""
        return self.directory / "STATUS"

    def open(self) -> None:
        super().open()
        self.directory.mkdir(parents=True, exist_ok=True)

    def _current(self) -> tuple[PrinterState, SimFault]:
        try:
            word = self.status_file.read_text(encoding="utf-8").strip().lower()
        except FileNotFoundError:
            return self.state, self.fault
        except OSError as err:
            log.warning("cannot read %s (%s); simulating an offline printer", self.status_file, err)
            return PrinterState.OFFLINE, SimFault.NONE
        if word in PrinterState.__members__.values():
            return PrinterState(word), SimFault.NONE
        if word in SimFault.__members__.values():
            return PrinterState.READY, SimFault(word)
        log.warning("%s says %r, which is no printer state; simulating offline", self.status_file, word)
        return PrinterState.OFFLINE, SimFault.NONE

    def _deliver(self, job: Job, partial: bool) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now()
        while True:  # never overwrite a job (another run may have used the same second and number)
            self._seq += 1
            stem = f"{now:%Y%m%d-%H%M%S}-{job.kind}-{self._seq:04d}{'-PARTIAL' if partial else ''}"
            if not (self.directory / f"{stem}.bin").exists():
                break
        _atomic_write(self.directory / f"{stem}.bin", job.data)
        if job.preview is not None:
            tmp = self.directory / f".{stem}.png.tmp"
            job.preview.save(tmp, format="PNG")
            os.replace(tmp, self.directory / f"{stem}.png")
        log.info("simulated printer saved %s", self.directory / f"{stem}.png")
        self._prune()

    def _prune(self) -> None:
        if self.keep_jobs <= 0:
            return
        jobs = sorted(self.directory.glob("*.bin"), key=lambda f: (f.stat().st_mtime, f.name))  # oldest first
        for old in jobs[: max(0, len(jobs) - self.keep_jobs)]:
            old.unlink(missing_ok=True)
            old.with_suffix(".png").unlink(missing_ok=True)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
