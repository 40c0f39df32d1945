"""Routes a kiosk calls besides pickups: its config and the state of its printer, camera and screen."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

from typing import Annotated, Any

from fastapi import Depends, FastAPI

from common.api_errors import error_responses
from contracts.locker_kiosk import DeviceReported, KioskConfig, KioskDeviceBody
from locker.handover import HandoverPhotos
from locker.service import LockerService


def kiosk_routes(app: FastAPI, svc: LockerService, photos: HandoverPhotos, kiosk: Any) -> None:
    """Add the kiosk's config and device routes; `kiosk` is the app's kiosk-token dependency."""
    Kiosk = Annotated[str, Depends(kiosk)]

    @app.get("/api/v1/kiosk/config", response_model=KioskConfig, responses=error_responses(401))
    def kiosk_config(_: Kiosk) -> dict[str, Any]:
        return {
            "second_factor": svc.cfg.codes.second_factor.value,
            "code_length": svc.cfg.codes.length_digits,
            "hotline": svc.cfg.hotline,
            "center_name": svc.cfg.center_name,
            "handover_photo": photos.enabled,
            "handover_photo_max_bytes": svc.cfg.handover_photo.max_jpeg_bytes,
            "handover_photo_keep_days": svc.cfg.handover_photo.retention_days,
        }

    @app.post(
        "/api/v1/kiosk/devices", response_model=DeviceReported, responses=error_responses(401, 422, 429)
    )
    def kiosk_device(body: KioskDeviceBody, kid: Kiosk) -> dict[str, Any]:
        """The kiosk's printer or camera state: a problem raises `{device}_{state}` for this kiosk
        (once while open); `ok` acknowledges this kiosk's open alarms of that device; `help`
        `requested` raises `kiosk_help` (rate-limited per kiosk), `ok` cancels it."""
        svc.kiosk_devices.report(kid, body.device, body.state, body.detail)
        return {}
