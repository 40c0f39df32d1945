"""An independent check: our driver prints to the `emupos` printer emulator over TCP.

emupos (PyPI, needs Python 3.13) emulates an Epson TM-T20III at the wire level: it renders each
job to PNG and text, reports unknown commands, and answers DLE EOT from faults set through
its control API. It is installed into a venv in the system temp folder on first use (20-40 s,
then reused by later runs and clones on the same machine; EMUPOS_VENV overrides the place).
Skipped cleanly when Python 3.13 or the package cannot be had; set EMUPOS_PYTHON to point at
a Python 3.13 interpreter, or EMUPOS_SKIP=1 to skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from drivers.printer.model import PrintError, PrinterState
from drivers.printer.printer import open_printer
from drivers.printer.samples import sample_loading_slip, sample_pickup_receipt, sample_ticket
from tests.harness import free_port

PACKAGE = "emupos>=0.4,<0.5"
VENV = Path(os.environ.get("EMUPOS_VENV") or Path(tempfile.gettempdir()) / "kiosk-emupos-0.4-venv")


def _python313() -> str | None:
    candidates = [os.environ.get("EMUPOS_PYTHON", ""), shutil.which("python3.13") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
    for exe in filter(None, candidates):
        try:
            out = subprocess.run(
                [exe, "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
                capture_output=True,
                text=True,
                timeout=20,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.stdout.strip() == "True":
            return exe
    return None


def _emupos() -> Path:
    if os.environ.get("EMUPOS_SKIP") == "1":
        pytest.skip("EMUPOS_SKIP=1")
    exe = VENV / "bin" / "emupos"
    done = VENV / ".installed"
    if done.exists():
        return exe
    shutil.rmtree(VENV, ignore_errors=True)  # a half-made venv from an interrupted run
    python = _python313()
    if python is None:
        pytest.skip("Python 3.13 not found (set EMUPOS_PYTHON): emupos check skipped")
    try:
        subprocess.run([python, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=120)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "--quiet", PACKAGE],
            check=True,
            capture_output=True,
            timeout=240,
        )
    except (OSError, subprocess.SubprocessError) as err:
        shutil.rmtree(VENV, ignore_errors=True)
        pytest.skip(f"could not install {PACKAGE} for Python 3.13: {err}")
    done.touch()
    return exe


@dataclass
class Emulator:
    """A running emupos with one printer ("kiosk") on a TCP port."""

    printer_port: int
    api: str
    log: Path
    serial_link: Path  # the emulated printer's serial port (a pty)

    def receipts(self) -> list[dict[str, object]]:
        reply = requests.get(f"{self.api}/devices/kiosk/receipts", timeout=5)
        reply.raise_for_status()
        return list(reply.json())

    def text(self, receipt_id: str) -> str:
        return requests.get(f"{self.api}/devices/kiosk/receipts/{receipt_id}/text", timeout=5).text

    def fault(self, name: str, active: bool) -> None:
        method = requests.put if active else requests.delete
        method(f"{self.api}/devices/kiosk/faults/{name}", timeout=5).raise_for_status()

    def wait_for_receipts(self, count: int, timeout_s: float = 10.0) -> list[dict[str, object]]:
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.receipts()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)  # polling the emulator's API against a deadline, not waiting blindly


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    exe = _emupos()
    work = tmp_path_factory.mktemp("emupos")
    printer_port, api_port = free_port(), free_port()
    (work / "emupos.yaml").write_text(
        "schema: 1\n"
        f"api: {{ host: 127.0.0.1, port: {api_port} }}\n"
        "devices:\n"
        "  - id: kiosk\n"
        "    type: printer\n"
        "    profile: epson-tm-t20iii\n"
        f"    connections: [ {{ tcp: {{ port: {printer_port} }} }}, {{ serial: {{ pty: true }} }} ]\n"
        "    receipts_dir: ./receipts\n"
    )
    log = work / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(exe), "run", "--config", "emupos.yaml"],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TMPDIR": str(work)},  # its serial port appears as WORK/emupos/kiosk
        )
    api = f"http://127.0.0.1:{api_port}/api/v1"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                requests.get(f"{api}/health", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.skip(f"emupos did not start: {log.read_text()[-500:]}")
                time.sleep(0.1)
        yield Emulator(printer_port, api, log, work / "emupos" / "kiosk")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
@pytest.mark.parametrize("width_mm", [58, 80])
def test_every_layout_prints_with_no_unknown_command(emulator: Emulator, width_mm: int) -> None:
    before = len(emulator.receipts())
    with open_printer(
        f"tcp://127.0.0.1:{emulator.printer_port}", paper_width_mm=width_mm, confirm_printed=True
    ) as p:
        for lang in ("vi", "en"):
            p.print_ticket(sample_ticket(lang))
            p.print_pickup_receipt(sample_pickup_receipt(lang))
            p.print_loading_slip(sample_loading_slip(lang))
    receipts = emulator.wait_for_receipts(before + 6)
    assert len(receipts) == before + 6
    assert all(r["boundary"] == "cut" for r in receipts[:6])  # each job ended by its own cut
    texts = [emulator.text(str(r["id"])) for r in receipts[:6]]
    # the emulator decoded our native QR codes itself
    assert sum(f"[qr {sample_ticket().status_url}]" in t for t in texts) == 2
    assert sum(f"[qr {sample_pickup_receipt().verify_url}]" in t for t in texts) == 2
    log = emulator.log.read_text()
    assert "printer.command.unknown" not in log and "unsupported" not in log, log


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "state"),
    [
        ("paper-out", PrinterState.PAPER_OUT),
        ("cover-open", PrinterState.COVER_OPEN),
        ("paper-near-end", PrinterState.PAPER_NEAR_END),
        ("offline", PrinterState.OFFLINE),
        (None, PrinterState.READY),
    ],
)
def test_status_matches_the_emulated_fault(
    emulator: Emulator, fault: str | None, state: PrinterState
) -> None:
    if fault:
        emulator.fault(fault, True)
    try:
        with open_printer(f"tcp://127.0.0.1:{emulator.printer_port}", status_timeout_s=2.0) as p:
            assert p.status() is state
            if not state.can_print:
                before = len(emulator.receipts())
                with pytest.raises(PrintError):
                    p.print_ticket(sample_ticket())
                assert len(emulator.receipts()) == before  # nothing was sent, nothing held to print later
    finally:
        if fault:
            emulator.fault(fault, False)


@pytest.mark.slow
def test_serial_port_prints_and_reports_paper_out(emulator: Emulator) -> None:
    """The same printer on its emulated serial port (9600 8N1, as its profile sets)."""
    url = f"serial://{emulator.serial_link}?baudrate=9600"
    before = len(emulator.receipts())
    with open_printer(url, paper_width_mm=58, status_timeout_s=2.0) as p:
        p.print_pickup_receipt(sample_pickup_receipt())
        assert len(emulator.wait_for_receipts(before + 1)) == before + 1
        emulator.fault("paper-out", True)
        try:
            assert p.status() is PrinterState.PAPER_OUT
        finally:
            emulator.fault("paper-out", False)
        assert p.status() is PrinterState.READY
    assert "framing-mismatch" not in emulator.log.read_text()


@pytest.mark.slow
def test_unconfirmed_job_is_reported(emulator: Emulator) -> None:
    """Paper out with the pre-check off: the emulator holds the job, so GS r 1 is never answered."""
    emulator.fault("paper-out", True)
    try:
        url = f"tcp://127.0.0.1:{emulator.printer_port}"
        with open_printer(url, timeout_s=1.5, require_status=False, confirm_printed=True) as p:
            with pytest.raises(PrintError, match="not confirmed") as info:
                p.print_loading_slip(sample_loading_slip())
            assert info.value.state is PrinterState.PAPER_OUT
    finally:
        emulator.fault("paper-out", False)
