"""Evidence of handover (locker, optional): the kiosk's photo of a pickup and a supervisor's view.

POST /api/v1/pickups/{pickup_id}/photo (kiosk token) sends one still JPEG frame taken as the
door opened; POST /api/v1/pickups/{pickup_id}/photo/view (supervisor session) answers the JPEG
itself (`image/jpeg`), once a reason is given; GET /api/v1/handover-photos (supervisor session)
lists the pickups whose photo is kept, so a supervisor can pick one. Whether the kiosk should take
photos at all is `KioskConfig.handover_photo` (GET /api/v1/kiosk/config).
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field


class HandoverErrorCode(enum.StrEnum):
    """The codes these routes answer besides the common ones."""

    PHOTO_OFF = "handover_photo_off"  # 404: the locker keeps no photos (the feature is off)
    UNKNOWN_PICKUP = "unknown_pickup"  # 404: no such pickup from this kiosk
    DOOR_NOT_OPEN = "door_not_open"  # 409: the pickup's door was not seen open
    ALREADY_STORED = "photo_already_stored"  # 409: one photo per pickup
    WINDOW_OVER = "photo_window_over"  # 410: sent too long after the door opened
    TOO_LARGE = "photo_too_large"  # 413: more than handover_photo.max_jpeg_bytes
    NO_PHOTO = "no_photo"  # 404: none kept for this pickup (never taken, or erased)
    UNREADABLE = "photo_unreadable"  # 410: the file is gone or does not open with the key file


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class PhotoBody(_Body):
    """POST /api/v1/pickups/{pickup_id}/photo: the JPEG, base64 (the services take only JSON)."""

    jpeg_base64: str = Field(min_length=4, max_length=14_000_000)


class PhotoViewBody(_Body):
    """POST /api/v1/pickups/{pickup_id}/photo/view: why the supervisor looks (audited)."""

    reason: str = Field(min_length=3, max_length=200)


class PhotoStored(BaseModel):
    """The locker kept the photo (sealed) for the configured number of days."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    pickup_id: str
    size_bytes: int
    keep_days: int


class KeptPhoto(BaseModel):
    """One kept photo: which pickup and deposit it shows (no image, no personal data)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    pickup_id: str
    dossier_code: str
    compartment: str
    kiosk: str
    taken_at: str  # ISO 8601, the locker's clock


class KeptPhotos(BaseModel):
    """GET /api/v1/handover-photos: the photos a supervisor may view, newest first.

    `enabled` is whether kiosks take photos now (photos kept from before stay listed until erased);
    `retention_days` is how long each is kept.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    enabled: bool
    retention_days: int
    photos: list[KeptPhoto]
