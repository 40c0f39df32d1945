"""Evidence of handover (issue 16): the kiosk's photo of a pickup is kept sealed, shown only to a
supervisor who says why (audited), refused when out of place, and erased by the retention sweep."""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Callable
from typing import Any

import pytest
import requests
from PIL import Image, UnidentifiedImageError

from common.config import ConfigError
from locker.staff import Role
from tests.locker.conftest import Harness, make_config

PHOTO_ON = {"handover_photo": {"enabled": True}}


def jpeg(width: int = 160, height: int = 120, seed: int = 1, quality: int = 80) -> bytes:
    """An invented frame: noise, so no run of its bytes can turn up anywhere by chance."""
    rnd = random.Random(seed)
    noise = bytes(rnd.getrandbits(8) for _ in range(width * height * 3))
    img = Image.frombytes("RGB", (width, height), noise)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def send(h: Harness, pickup_id: str, data: bytes, kiosk: str | None = None) -> requests.Response:
    headers = dict(h.kiosk_headers)
    if kiosk:
        headers["X-Kiosk-Id"] = kiosk
    body: dict[str, Any] = {"jpeg_base64": base64.b64encode(data).decode()}
    return h.req("POST", f"/api/v1/pickups/{pickup_id}/photo", headers=headers, json=body)


def view(h: Harness, token: str, pickup_id: str, reason: Any) -> requests.Response:
    return h.req("POST", f"/api/v1/pickups/{pickup_id}/photo/view", token, json={"reason": reason})


def collect(h: Harness, loader: str, dossier: str, kiosk: str | None = None) -> str:
    """Load `dossier`, collect it at `kiosk`; the pickup id (the door was seen open)."""
    _, code = h.load(loader, dossier)
    headers = dict(h.kiosk_headers)
    if kiosk:
        headers["X-Kiosk-Id"] = kiosk
    r = h.req("POST", "/api/v1/pickups", headers=headers, json={"code": code})
    assert r.status_code == 200, r.text
    assert r.json()["door"] == "opened"
    return str(r.json()["pickup_id"])


def audit_of(h: Harness, action: str) -> list[dict[str, Any]]:
    with h.svc.store.read() as conn:
        rows = conn.execute("SELECT actor, detail FROM audit WHERE action=?", (action,)).fetchall()
    return [{"actor": r["actor"], "detail": r["detail"]} for r in rows]


def test_sealed_on_disk_and_shown_only_to_a_supervisor_with_a_reason(
    make_harness: Callable[..., Harness],
) -> None:
    h = make_harness(**PHOTO_ON)
    loader = h.sign_in("loader1", Role.LOADER)
    r = h.kiosk("GET", "/api/v1/kiosk/config")
    assert r.json()["handover_photo"] is True and r.json()["handover_photo_max_bytes"] == 45000
    pickup_id = collect(h, loader, "HS-1")
    photo = jpeg()
    r = send(h, pickup_id, photo)
    assert r.status_code == 200, r.text
    assert r.json() == {"pickup_id": pickup_id, "size_bytes": len(photo), "keep_days": 30}

    # on disk: an owner-only file that is not the JPEG, holds no run of it, and opens as no image
    sealed = h.paths.data_dir / "handover" / f"{pickup_id}.sealed"
    data = sealed.read_bytes()
    assert sealed.stat().st_mode & 0o777 == 0o600
    assert (h.paths.data_dir / "photo.key").stat().st_mode & 0o777 == 0o600
    assert not data.startswith(b"\xff\xd8") and photo not in data
    for start in range(0, len(photo) - 32, 997):
        assert photo[start : start + 32] not in data
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(data))
    for suffix in ("", "-wal"):  # nor is it in the database
        db = h.paths.db.with_name(h.paths.db.name + suffix)
        if db.exists():
            assert photo[100:164] not in db.read_bytes()

    # a loader may not look; a supervisor must say why
    assert view(h, loader, pickup_id, "kiểm tra khiếu nại").status_code == 403
    boss = h.sign_in("super1", Role.SUPERVISOR)
    for reason in ("", "   ", "x" * 201):
        r = view(h, boss, pickup_id, reason)
        assert r.status_code == 422, (reason, r.text)
        assert r.json()["field"] == "reason"
    r = h.req("POST", f"/api/v1/pickups/{pickup_id}/photo/view", boss, json={})
    assert r.status_code == 422
    assert audit_of(h, "handover_photo_viewed") == []

    reason = "Công dân báo chưa nhận hồ sơ HS-1"
    r = view(h, boss, pickup_id, reason)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/jpeg" and r.headers["cache-control"] == "no-store"
    assert r.content == photo
    seen = audit_of(h, "handover_photo_viewed")
    assert len(seen) == 1 and seen[0]["actor"] == "super1" and reason in seen[0]["detail"]
    assert pickup_id in audit_of(h, "handover_photo_stored")[0]["detail"]
    r = h.req("GET", "/api/v1/audit", boss, params={"day": h.clock.now().date().isoformat()})
    assert r.json()["chain_ok"] is True


def test_refused_out_of_place(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(handover_photo={"enabled": True, "max_jpeg_bytes": 8000})
    loader = h.sign_in("loader1", Role.LOADER)
    pickup_id = collect(h, loader, "HS-1", kiosk="kiosk-1")
    small = jpeg(64, 48)
    assert len(small) < 8000

    r = send(h, pickup_id, small, kiosk="kiosk-2")  # another kiosk's pickup
    assert (r.status_code, r.json()["error"]) == (404, "unknown_pickup")
    r = send(h, "p000000000000", small, kiosk="kiosk-1")
    assert (r.status_code, r.json()["error"]) == (404, "unknown_pickup")
    big = jpeg(200, 150)
    assert len(big) > 8000
    r = send(h, pickup_id, big, kiosk="kiosk-1")
    assert (r.status_code, r.json()["error"], r.json()["max_jpeg_bytes"]) == (413, "photo_too_large", 8000)
    png = io.BytesIO()
    Image.new("RGB", (64, 48)).save(png, "PNG")
    for not_jpeg in (png.getvalue(), b"\xff\xd8\xff" + b"\x00" * 500 + b"\xff\xd9", small[: len(small) // 2]):
        r = send(h, pickup_id, not_jpeg, kiosk="kiosk-1")
        assert (r.status_code, r.json()["field"]) == (422, "jpeg_base64"), r.text
    r = h.req(
        "POST",
        f"/api/v1/pickups/{pickup_id}/photo",
        headers={**h.kiosk_headers, "X-Kiosk-Id": "kiosk-1"},
        json={"jpeg_base64": "not base64!"},
    )
    assert (r.status_code, r.json()["field"]) == (422, "jpeg_base64")

    assert send(h, pickup_id, small, kiosk="kiosk-1").status_code == 200
    r = send(h, pickup_id, jpeg(64, 48, seed=2), kiosk="kiosk-1")  # once
    assert (r.status_code, r.json()["error"]) == (409, "photo_already_stored")

    late = collect(h, loader, "HS-2", kiosk="kiosk-1")
    h.clock.advance(121)
    r = send(h, late, small, kiosk="kiosk-1")
    assert (r.status_code, r.json()["error"]) == (410, "photo_window_over")
    assert not (h.paths.data_dir / "handover" / f"{late}.sealed").exists()
    # without a kiosk token nothing is taken at all
    r = h.req("POST", f"/api/v1/pickups/{late}/photo", json={"jpeg_base64": base64.b64encode(small).decode()})
    assert r.status_code == 401


def test_no_photo_of_a_door_that_did_not_open(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(**PHOTO_ON)
    loader = h.sign_in("loader1", Role.LOADER)
    dep, code = h.load(loader, "HS-1")
    h.sim.cabinet.inject("jammed", *h.where(dep["compartment"]))
    r = h.pickup(code)
    assert r.status_code == 200 and r.json()["door"] == "jammed"
    r = send(h, r.json()["pickup_id"], jpeg())
    assert (r.status_code, r.json()["error"]) == (409, "door_not_open")


def test_off_by_default_nothing_taken(h: Harness) -> None:
    loader = h.sign_in("loader1", Role.LOADER)
    assert h.kiosk("GET", "/api/v1/kiosk/config").json()["handover_photo"] is False
    pickup_id = collect(h, loader, "HS-1")
    r = send(h, pickup_id, jpeg())
    assert (r.status_code, r.json()["error"]) == (404, "handover_photo_off")
    assert not (h.paths.data_dir / "photo.key").exists()
    assert not (h.paths.data_dir / "handover").exists()


def test_erased_by_the_retention_sweep(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(handover_photo={"enabled": True, "retention_days": 30})
    loader = h.sign_in("loader1", Role.LOADER)
    pickup_id = collect(h, loader, "HS-1")
    assert send(h, pickup_id, jpeg()).status_code == 200
    folder = h.paths.data_dir / "handover"
    (folder / "p0rphan000000.sealed").write_bytes(b"left by a write whose commit failed")
    boss = h.sign_in("super1", Role.SUPERVISOR)

    h.clock.advance(29 * 86400)
    h.svc.monitor.sweep()
    assert (folder / f"{pickup_id}.sealed").exists()
    assert not (folder / "p0rphan000000.sealed").exists()
    boss = h.sign_in("super1")
    assert view(h, boss, pickup_id, "before the deadline").status_code == 200

    h.clock.advance(2 * 86400)
    h.svc.monitor.sweep()
    assert list(folder.iterdir()) == []
    with h.svc.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM handover_photos").fetchone()[0] == 0
    boss = h.sign_in("super1")
    r = view(h, boss, pickup_id, "after the deadline")
    assert (r.status_code, r.json()["error"]) == (404, "no_photo")
    erased = audit_of(h, "handover_photos_erased")
    assert len(erased) == 1 and '"photos": 1' in erased[0]["detail"]


def test_a_photo_cap_that_cannot_fit_a_request_body_stops_the_start() -> None:
    with pytest.raises((ConfigError, ValueError), match="max_jpeg_bytes"):
        make_config(handover_photo={"enabled": True, "max_jpeg_bytes": 60000})
    make_config(handover_photo={"enabled": False, "max_jpeg_bytes": 60000})  # off: no matter
