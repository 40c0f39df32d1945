"""Check a dossier, driven through the real widgets against a real locker daemon whose simulated back
office holds the sample dossiers: the receipt's QR and a Code 128 barcode read by the real camera
driver from image files, the code typed on the kiosk keyboard; unknown, slow and down back office;
the result in the locker and "send the code again"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import requests
import zxingcpp

from tests.kiosk.locker_fixtures import (  # noqa: F401 - fixtures
    SAMPLE_DOSSIER,
    folder_scanner,
    rig_fixture,
    rig_pool,
    services_for,
    type_text,
)

RIG_CODES = {"second_factor": "none"}  # the pickup flow's daemon: shared, so dossier codes here are ours


def _open(h: Any) -> Any:
    h.idle_workers()
    home = h.screen("home")
    h.wait(lambda: not home.ids.dossier_btn.disabled, what="the dossier tile enabled")
    h.tap(home.ids.dossier_btn)
    h.wait(lambda: h.app.current == "dossier", what="dossier screen")
    return h.screen("dossier")


def _barcode_scanner(tmp: Path, text: str) -> Any:
    """The real camera driver reading one Code 128 barcode printed on white, from a folder."""
    from drivers.camera.config import load_camera_config
    from drivers.camera.scanner import open_scanner

    folder = tmp / "cam"
    folder.mkdir(exist_ok=True)
    bars = np.array(zxingcpp.write_barcode(zxingcpp.BarcodeFormat.Code128, text, width=900, height=160))
    page = np.full((480, 1100), 255, dtype=np.uint8)
    page[160 : 160 + bars.shape[0], 100 : 100 + bars.shape[1]] = bars
    cv2.imwrite(str(folder / "receipt-barcode.png"), page)
    cfg = load_camera_config(
        {"camera": {"source": f"folder:{folder}", "sim_image_hold_s": 0.5, "hash_key_file": str(tmp / "key")}}
    )
    return open_scanner(cfg, hash_key=b"k" * 32)


def test_the_receipt_qr_at_the_camera_shows_a_late_dossier_and_the_apology(make_harness, rig, tmp_path):
    scanner = folder_scanner(tmp_path, "3-dossier-receipt.jpg")
    h = make_harness(services_for(rig, tmp_path, scanner=scanner))
    scr = _open(h)
    h.wait(lambda: scr.state == "result", timeout_s=30, what="the receipt read and looked up")
    assert scr.entry == SAMPLE_DOSSIER and scr.answer.dossier_code == SAMPLE_DOSSIER
    assert scr.ids.headline.text == "Đang giải quyết" and scr.late
    assert "xin lỗi" in scr.ids.late.text and "27/11/2026" in scr.ids.details.text
    assert "quầy trả kết quả" in scr.ids.details.text and "H**** V** Em" in scr.ids.details.text
    assert "Hoàng" not in scr.ids.details.text
    assert scanner.state.value == "stopped"  # the camera rests while the answer is shown
    h.app.set_language("en")
    assert scr.ids.headline.text == "Being handled" and "apologises" in scr.ids.late.text
    assert "Result promised for: 27/11/2026" in scr.ids.details.text
    h.tap(scr.ids.home_btn)
    assert h.app.current == "home"


def test_a_code_128_barcode_at_the_camera(make_harness, rig, tmp_path):
    code = "000.00.19.H26-261201-0003"
    scanner = _barcode_scanner(tmp_path, code)
    h = make_harness(services_for(rig, tmp_path, scanner=scanner), default_language="en")
    scr = _open(h)
    h.wait(lambda: scr.state == "result", timeout_s=30, what="the barcode read and looked up")
    assert scr.answer.dossier_code == code and scr.ids.headline.text == "More documents are needed"
    assert "Please bring to the reception counter: Bản vẽ thiết kế mặt bằng" in scr.ids.details.text
    assert not scr.late and scr.ids.resend_btn.disabled


def test_typed_codes_unknown_and_a_slow_back_office(make_harness, rig, tmp_path):
    h = make_harness(services_for(rig, tmp_path))
    scr = _open(h)
    kb = scr.ids.keyboard
    type_text(h, kb, "HS")
    h.tap(scr.ids.submit_btn)
    assert "3 đến 40 ký tự" in scr.ids.message.text and scr.state == "entry"  # nothing sent
    h.pump(4)  # the message panel laid out in place of the keyboard
    h.tap(scr.ids.edit_btn)  # the message gives the keyboard back
    h.pump(4)
    assert not scr.message
    h.tap(kb.key_button("digits"))
    h.tap(kb.key_button("clear"))
    type_text(h, kb, "000.00.19.H26-261201-0001")
    assert scr.ids.entry.text.startswith("000.00.19.H26-261201-0001")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "result", timeout_s=20, what="typed code looked up")
    assert scr.ids.headline.text == "Đã tiếp nhận, đang chờ giải quyết"
    assert "bưu điện" in scr.ids.details.text and not scr.late
    h.tap(scr.ids.another_btn)
    assert scr.state == "entry" and scr.entry == ""
    type_text(h, kb, "000.00.19.H26-261201-7777")
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "entry" and not scr.busy, timeout_s=20, what="unknown code answered")
    assert "Không tìm thấy hồ sơ 000.00.19.H26-261201-7777" in scr.ids.message.text
    assert scr.entry == "000.00.19.H26-261201-7777"  # kept to correct
    h.tap(scr.ids.entry)  # touching the field gives the keyboard back too
    h.pump(4)
    for _ in range(4):
        h.tap(kb.key_button("delete"))
    type_text(h, kb, "0098")  # the back office does not answer in time
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "entry" and not scr.busy, timeout_s=20, what="time-out answered")
    assert "thử lại sau ít phút, hoặc hỏi tại quầy" in scr.ids.message.text
    assert h.app.current == "dossier" and not scr.ids.submit_btn.disabled  # never out of service
    h.pump(4)
    h.tap(scr.ids.edit_btn)
    h.pump(4)
    for _ in range(4):
        h.tap(kb.key_button("delete"))
    type_text(h, kb, "0099")  # unreachable
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "entry" and not scr.busy, timeout_s=20, what="back office down answered")
    assert "hỏi tại quầy" in scr.ids.message.text and h.app.current == "dossier"


def test_the_result_in_the_locker_and_the_code_sent_again(make_harness, rig, tmp_path):
    dossier = "HS-D-0001"  # unknown to the back office: the locker's own knowledge answers
    dep = rig.load(dossier, phone="0900000077")
    old = rig.wait_code(dossier)
    h = make_harness(services_for(rig, tmp_path), default_language="en")
    scr = _open(h)
    type_text(h, scr.ids.keyboard, dossier)
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "result", timeout_s=20, what="looked up")
    assert scr.ids.headline.text == "Ready: your result is waiting"
    assert f"The result is in locker {dep['compartment']} since" in scr.ids.details.text
    assert "Collect at: the 24-hour locker" in scr.ids.details.text
    assert not scr.ids.resend_btn.disabled
    h.tap(scr.ids.resend_btn)
    h.wait(lambda: "new code was sent" in scr.ids.result_message.text, timeout_s=20, what="code sent again")
    assert "+84*****0077" in scr.ids.result_message.text and scr.ids.resend_btn.disabled
    new = rig.wait_code(dossier, nth=2)
    assert new != old
    h.tap(scr.ids.another_btn)
    type_text(h, scr.ids.keyboard, dossier)
    h.tap(scr.ids.submit_btn)
    h.wait(lambda: scr.state == "result", timeout_s=20, what="looked up again")
    assert scr.ids.resend_btn.disabled  # once per period
    # the old code is refused, the new one opens the door (then shut: the daemon is shared)
    headers = {"Authorization": f"Bearer {rig.token_file.read_text().strip()}", "X-Kiosk-Id": "dossier-test"}
    r = requests.post(f"{rig.url}/api/v1/pickups", json={"code": old}, headers=headers, timeout=15)
    assert r.status_code == 401 and r.json()["error"] == "wrong_code"
    r = requests.post(f"{rig.url}/api/v1/pickups", json={"code": new}, headers=headers, timeout=15)
    assert r.status_code == 200 and r.json()["compartment"] == dep["compartment"]
    rig.close_door(dep["compartment"])
