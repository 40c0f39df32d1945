"""The kiosk's call for evidence of handover: POST /api/v1/pickups/{id}/photo (contracts.handover).

Kept beside `kiosk.clients.locker` rather than in it (that module is past its size): it uses the
locker client's kiosk-token plumbing, so a rotated token is re-read the same way.
"""

from __future__ import annotations

import base64

from contracts.handover import PhotoStored
from kiosk.clients.locker import LockerClient


def send_photo(client: LockerClient, pickup_id: str, jpeg: bytes) -> PhotoStored:
    """Send the door-open photo of `pickup_id`; ApiError/ServiceUnavailable as every locker call."""
    body = {"jpeg_base64": base64.b64encode(jpeg).decode("ascii")}
    answer = client._kiosk("POST", f"/api/v1/pickups/{pickup_id}/photo", json=body)
    return client._parse(PhotoStored, answer, "handover photo")
