"""GET /api/v1/handover-photos (issue 16): a supervisor lists the pickups whose photo is kept, to
pick one to view at the kiosk; a loader may not; an erased photo leaves the list."""

from __future__ import annotations

from collections.abc import Callable

from contracts.handover import KeptPhotos
from locker.staff import Role
from tests.locker.conftest import Harness
from tests.locker.test_handover_photo import audit_of, collect, jpeg, send


def test_supervisor_lists_kept_photos_loader_refused(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(handover_photo={"enabled": True, "retention_days": 30})
    loader = h.sign_in("loader1", Role.LOADER)
    with_photo = collect(h, loader, "HS-L-1")
    assert send(h, with_photo, jpeg()).status_code == 200
    collect(h, loader, "HS-L-2")  # collected, no photo sent: not listed

    r = h.req("GET", "/api/v1/handover-photos", loader)
    assert (r.status_code, r.json()["error"]) == (403, "supervisor_required")
    boss = h.sign_in("super1", Role.SUPERVISOR)
    r = h.req("GET", "/api/v1/handover-photos", boss)
    assert r.status_code == 200, r.text
    kept = KeptPhotos.model_validate(r.json())
    assert kept.enabled is True and kept.retention_days == 30
    assert [(p.pickup_id, p.dossier_code) for p in kept.photos] == [(with_photo, "HS-L-1")]
    assert audit_of(h, "handover_photo_viewed") == []  # a list shows no image: nothing audited

    h.clock.advance(31 * 86400)
    h.svc.monitor.sweep()
    boss = h.sign_in("super1")
    assert h.req("GET", "/api/v1/handover-photos", boss).json()["photos"] == []


def test_feature_off_lists_nothing(h: Harness) -> None:
    boss = h.sign_in("super1", Role.SUPERVISOR)
    r = h.req("GET", "/api/v1/handover-photos", boss)
    assert r.status_code == 200 and r.json() == {"enabled": False, "retention_days": 30, "photos": []}
