"""The kiosk's calls for evidence of handover (contracts.handover): the pickup screen's upload,
POST /api/v1/pickups/{id}/photo, and a signed-in supervisor's list and view of the kept photos.

Kept beside `kiosk.clients.locker` rather than in it (that module is past its size): it uses the
locker client's kiosk-token plumbing, so a rotated token is re-read the same way.
"""

from __future__ import annotations

import base64

from contracts.handover import KeptPhotos, PhotoStored
from kiosk.clients.locker import LockerClient


def send_photo(client: LockerClient, pickup_id: str, jpeg: bytes) -> PhotoStored:
    """Send the door-open photo of `pickup_id`; ApiError/ServiceUnavailable as every locker call."""
    body = {"jpeg_base64": base64.b64encode(jpeg).decode("ascii")}
    answer = client._kiosk("POST", f"/api/v1/pickups/{pickup_id}/photo", json=body)
    return client._parse(PhotoStored, answer, "handover photo")


def kept_photos(client: LockerClient) -> KeptPhotos:
    """GET /api/v1/handover-photos with the staff session (403 `supervisor_required` for a loader)."""
    return client._parse(KeptPhotos, client._staff("GET", "/api/v1/handover-photos"), "kept photos")


def view_photo(client: LockerClient, pickup_id: str, reason: str) -> bytes:
    """The JPEG of `pickup_id` for the signed-in supervisor, who says why (the locker audits it)."""
    path = f"/api/v1/pickups/{pickup_id}/photo/view"
    jpeg: bytes = client._staff("POST", path, json={"reason": reason}, raw=True)
    return jpeg
