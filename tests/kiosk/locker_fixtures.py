"""Fixtures and helpers shared by the pickup and staff tests. Import them explicitly."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.printer.printer import open_printer
from kiosk.clients.locker import LockerClient
from kiosk.services import Services
from tests.conftest import REPO_ROOT
from tests.kiosk.harness import Harness
from tests.kiosk.locker_rig import LockerRig

SAMPLES = REPO_ROOT / "assets" / "camera-samples"
SAMPLE_CARD_ID = "046305209926"  # the invented ID number in 1-cccd-2021-format.jpg
SAMPLE_DOSSIER = "000.00.12.H26-261120-0042"  # in 3-dossier-receipt.jpg


@pytest.fixture(scope="session")
def rig_pool() -> Iterator[dict[str, LockerRig]]:
    """Locker daemons by [locker.codes] settings, shared by the modules that ask for the same ones."""
    pool: dict[str, LockerRig] = {}
    yield pool
    # daemons shut down together, not one after another (each takes a few seconds to stop)
    threads = [threading.Thread(target=r.close) for r in pool.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)


@pytest.fixture(scope="module", name="rig")
def rig_fixture(
    rig_pool: dict[str, LockerRig], tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> LockerRig:
    """A real locker daemon (+ simulator); module-level RIG_CODES tunes [locker.codes], RIG_DOORS
    [locker.doors] (the rig's default: no auto-confirm, a 0.8 s door watch), RIG_PHOTO
    [locker.handover_photo]."""
    codes = getattr(request.module, "RIG_CODES", {})
    doors = getattr(request.module, "RIG_DOORS", {})
    photo = getattr(request.module, "RIG_PHOTO", {})  # [locker.handover_photo]
    key = json.dumps([codes, doors, photo], sort_keys=True)
    if key not in rig_pool:
        r = LockerRig(tmp_path_factory.mktemp("locker"), doors=doors, photo=photo, **codes)
        r.add_staff("setup", "supervisor")  # for set-up calls through the API only
        rig_pool[key] = r
    return rig_pool[key]


def services_for(rig: LockerRig, tmp: Path, printer_url: str | None = "png", scanner: Any = None) -> Services:
    """Real clients/devices: the locker client on the rig, a PNG printer simulator (or none)."""
    printer = None
    if printer_url == "png":
        printer = open_printer(f"png://{tmp / 'printer'}")
    elif printer_url:
        printer = open_printer(printer_url)
    return Services(
        locker=LockerClient(rig.url, token_file=rig.token_file, timeout_s=15),
        printer=printer,
        printer_error="no printer in this test",
        scanner=scanner,
        camera_error="no camera in this test",
    )


def folder_scanner(tmp: Path, sample: str) -> Any:
    """The real camera driver reading one sample image from a folder."""
    from drivers.camera.config import load_camera_config
    from drivers.camera.scanner import open_scanner

    folder = tmp / "cam"
    folder.mkdir(exist_ok=True)
    shutil.copy(SAMPLES / sample, folder / sample)
    cfg = load_camera_config(
        {"camera": {"source": f"folder:{folder}", "sim_image_hold_s": 0.5, "hash_key_file": str(tmp / "key")}}
    )
    return open_scanner(cfg, hash_key=b"k" * 32)


def type_digits(h: Harness, keypad: Any, digits: str) -> None:
    """Tap each digit on a NumericKeypad."""
    for d in digits:
        h.tap(keypad.key_button(d))


def submit_code(h: Harness, pickup: Any, code: str) -> Any:
    """Type `code` on the pickup screen `pickup` and submit it; the door screen, once it shows."""
    type_digits(h, pickup.ids.keypad, code)
    h.tap(pickup.ids.submit_btn)
    h.wait(lambda: h.app.current == "pickup_open", timeout_s=20, what="the door screen")
    return h.screen("pickup_open")


def type_text(h: Harness, keyboard: Any, text: str) -> None:
    """Tap each character on a TextKeyboard, switching between capitals and small letters (or, on a
    paged keyboard, between its letter and digit pages) as needed."""
    for ch in text:
        if keyboard.paged:
            page = "letters" if ch.isalpha() else "digits"
            if keyboard.page != page:
                h.tap(keyboard.key_button(page))
        elif ch.isalpha() and ch.isupper() != keyboard.caps:
            h.tap(keyboard.key_button("caps"))
        h.tap(keyboard.key_button(ch))


def printed_pngs(tmp: Path) -> list[Path]:
    """What the PNG printer simulator wrote."""
    return sorted((tmp / "printer").glob("*.png"))
