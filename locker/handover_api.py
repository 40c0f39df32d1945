"""Routes of the handover photos (`locker.handover`): the kiosk's upload and a supervisor's view."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.responses import Response

from common.api_errors import error_responses
from contracts.handover import KeptPhotos, PhotoBody, PhotoStored, PhotoViewBody
from locker.handover import HandoverPhotos
from locker.service import LockerService
from locker.staff import StaffSession


def handover_photos(svc: LockerService) -> HandoverPhotos:
    """The service's photo keeper, built once (key file next to the code key unless configured)."""
    return HandoverPhotos(svc.cfg, svc.store, svc.clock, svc.cfg.photo_key_path(svc.paths.code_key))


def handover_routes(app: FastAPI, photos: HandoverPhotos, kiosk: Any, supervisor: Any) -> None:
    """Add the three routes; `kiosk` and `supervisor` are the app's dependencies for each caller."""
    Kiosk = Annotated[str, Depends(kiosk)]
    Super = Annotated[StaffSession, Depends(supervisor)]

    @app.post(
        "/api/v1/pickups/{pickup_id}/photo",
        response_model=PhotoStored,
        responses=error_responses(401, 404, 409, 410, 413, 422),
    )
    def pickup_photo(pickup_id: str, body: PhotoBody, kid: Kiosk) -> PhotoStored:
        """The kiosk's one still JPEG of its pickup, taken as the door opened (when the locker's
        kiosk config says `handover_photo`); kept sealed for `retention_days`."""
        return photos.store(kid, pickup_id, body.jpeg_base64)

    @app.get("/api/v1/handover-photos", response_model=KeptPhotos, responses=error_responses(401, 403))
    def kept_photos(sess: Super) -> KeptPhotos:
        """The pickups whose photo is kept (newest first, at most 100), for a supervisor to pick one
        to view; no image and nothing is audited here."""
        return photos.kept(sess)

    @app.post(
        "/api/v1/pickups/{pickup_id}/photo/view",
        response_class=Response,
        responses={
            **error_responses(401, 403, 404, 410, 422),
            200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
        },
    )
    def view_photo(pickup_id: str, body: PhotoViewBody, sess: Super) -> Response:
        """A supervisor's look at a pickup's photo, with the reason (both go in the audit log)."""
        jpeg, meta = photos.view(sess, pickup_id, body.reason)
        headers = {
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="handover-{pickup_id}.jpg"',
            "X-Photo-Taken-At": meta["taken_at"],
            "X-Photo-Kiosk": meta["kiosk"],
        }
        return Response(jpeg, media_type="image/jpeg", headers=headers)
