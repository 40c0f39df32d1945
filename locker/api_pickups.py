"""Routes of a citizen's pickup: the code that opens the door, and the one retry."""

# no `from __future__ import annotations`: FastAPI must see the local Annotated aliases themselves

from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from common.api_errors import error_responses
from contracts.locker_pickup import PickupAnswer, PickupBody, PickupRetryAnswer
from locker.service import LockerService


def pickup_routes(app: FastAPI, svc: LockerService, kiosk: Any) -> None:
    """Add the two pickup routes; `kiosk` is the app's kiosk-token dependency."""
    Kiosk = Annotated[str, Depends(kiosk)]

    @app.post(
        "/api/v1/pickups",
        response_model=PickupAnswer,
        responses=error_responses(401, 409, 410, 422, 423, 429, 503),
    )
    def pickup(body: PickupBody, kid: Kiosk) -> JSONResponse:
        answer = svc.pickups.pickup(kid, body.code, body.id_number, body.phone_last4)
        return JSONResponse(answer.model_dump(mode="json"))

    @app.post(
        "/api/v1/pickups/{pickup_id}/retry",
        response_model=PickupRetryAnswer,
        responses=error_responses(401, 404, 409),
    )
    def pickup_retry(pickup_id: str, kid: Kiosk) -> PickupRetryAnswer:
        return svc.pickups.retry(kid, pickup_id)
