"""Routes of the dossier lookup (kiosk token): GET /api/v1/dossiers/{code} and POST .../resend."""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path

from common.api_errors import error_responses
from contracts.dossiers import DOSSIER_CODE_PATTERN, CodeResent, DossierAnswer
from locker.dossiers import DossierDesk

#: The code as a path parameter: a malformed one is 422 `invalid_request` naming `code`.
Code = Annotated[str, Path(pattern=DOSSIER_CODE_PATTERN, description="The dossier code on the receipt.")]


def dossier_routes(app: FastAPI, desk: DossierDesk, kiosk: Any) -> None:
    """Add the two routes; `kiosk` is the app's kiosk-token dependency (it yields the kiosk's id)."""
    Kiosk = Annotated[str, Depends(kiosk)]

    @app.get(
        "/api/v1/dossiers/{code}",
        response_model=DossierAnswer,
        responses=error_responses(401, 404, 422, 429, 503, 504),
    )
    def dossier(code: Code, kid: Kiosk) -> dict[str, Any]:
        """Where the dossier is: the back office's status merged with the locker's deposits."""
        return desk.lookup(kid, code)

    @app.post(
        "/api/v1/dossiers/{code}/resend",
        response_model=CodeResent,
        responses=error_responses(401, 409, 422, 429),
    )
    def resend(code: Code, kid: Kiosk) -> dict[str, Any]:
        """A new pickup code to the phone on file; the old code dies at once."""
        return desk.resend(kid, code)
