"""Evidence of handover (optional, `[locker.handover_photo]`): one photo per pickup, sealed at rest.

When the feature is on, the kiosk sends one still JPEG frame taken as the pickup's door opened.
The locker checks it (that kiosk's own pickup, door seen open, within `upload_window_s`, once,
at most `max_jpeg_bytes`, really a JPEG), seals it with AES-256-GCM under a key file kept outside
the database (`photo.key`, 0600, bound to the pickup id as associated data) and writes it as
`handover/<pickup_id>.sealed` beside the database; a row of `handover_photos` links it to the
pickup. The file never holds the JPEG's bytes, so a copy of the data directory shows no face.

Only a supervisor who gives a reason sees a photo; each view is audited with the reason. The
monitor's retention sweep (`erase_expired`) deletes rows and files `retention_days` after the
photo was taken, also once the feature has been turned off. The photos are not in
`lockerctl backup` folders: a backup never keeps a photo past its erasure (docs/privacy.md).
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from common.clock import Clock
from common.sealed import SealError, SecretBox, read_or_create_secret, read_secret
from common.timestamps import epoch, iso
from contracts.handover import HandoverErrorCode as Code
from contracts.handover import KeptPhotos, PhotoStored
from drivers.lockboard.types import DOOR_SEEN_OPEN
from locker import audit, pickups_repo
from locker.config import LockerConfig
from locker.errors import Conflict, Gone, InvalidInput, LockerError, NotFound
from locker.staff import StaffSession, require_supervisor
from locker.store import Store

log = logging.getLogger(__name__)

PHOTO_DIR = "handover"
"""Folder of the sealed photos, beside the database."""
SUFFIX = ".sealed"
MAX_PIXELS = 4096 * 4096
"""A JPEG declaring more pixels than this is refused unread (a small file can claim a huge image)."""


class TooLarge(LockerError):
    """The photo is larger than the configured cap (413)."""

    status = 413


def photo_dir(data_dir: Path) -> Path:
    """Where the sealed photos of the database in `data_dir` are."""
    return data_dir / PHOTO_DIR


def _aad(pickup_id: str) -> str:
    return f"handover:{pickup_id}"


def check_jpeg(data: bytes) -> tuple[int, int]:
    """(width, height) of a complete baseline or progressive JPEG; InvalidInput otherwise."""
    problem = "jpeg_base64 must be one JPEG image (a still camera frame); send the frame again"
    if not (data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9")):
        raise InvalidInput("jpeg_base64", problem)
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise InvalidInput("jpeg_base64", f"the image is {width}x{height}; send at most 4096x4096")
            img.load()  # decodes it all: a truncated or corrupt file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise InvalidInput("jpeg_base64", problem) from err
    return width, height


def erase_expired(conn: sqlite3.Connection, data_dir: Path, now: datetime, retention_days: int) -> int:
    """The retention sweep's part (inside its transaction): rows and files of photos taken more
    than `retention_days` ago, and files without a row (a write whose commit failed); the count
    of photos erased."""
    cutoff = epoch(now) - retention_days * 86400
    erased, kept = pickups_repo.erase_photos_before(conn, cutoff)
    folder = photo_dir(data_dir)
    if not folder.is_dir():
        return erased
    for path in folder.iterdir():
        if path.suffix == SUFFIX and path.stem not in kept:
            path.unlink(missing_ok=True)
    return erased


class HandoverPhotos:
    """Store a kiosk's photo of a pickup; show it to a supervisor with a reason."""

    def __init__(self, cfg: LockerConfig, store: Store, clock: Clock, key_file: Path) -> None:
        self._cfg = cfg.handover_photo
        self._hotline = cfg.hotline
        self._store = store
        self._clock = clock
        self._dir = photo_dir(store.path.parent)
        self.key_file = key_file
        # Off: no key is made, but photos kept from before stay viewable until they are erased.
        key_hex = read_or_create_secret(key_file) if self._cfg.enabled else read_secret(key_file)
        self._box = SecretBox(key_hex, key_file) if key_hex else None

    @property
    def enabled(self) -> bool:
        """Whether kiosks should take photos (`[locker.handover_photo] enabled`)."""
        return self._cfg.enabled

    # ----- the kiosk's photo -----
    def store(self, kiosk: str, pickup_id: str, jpeg_base64: str) -> PhotoStored:
        """Check, seal and keep the photo of `kiosk`'s pickup `pickup_id` (see the module docstring)."""
        if not self._cfg.enabled or self._box is None:
            raise NotFound(Code.PHOTO_OFF, "this locker keeps no handover photos (handover_photo is off)")
        try:
            data = base64.b64decode(jpeg_base64, validate=True)
        except (binascii.Error, ValueError) as err:
            raise InvalidInput("jpeg_base64", "jpeg_base64 must be the JPEG's bytes in base64") from err
        cap = self._cfg.max_jpeg_bytes
        if len(data) > cap:
            raise TooLarge(
                Code.TOO_LARGE,
                f"the photo has {len(data)} bytes; send at most {cap} (a smaller or lower-quality frame)",
                max_jpeg_bytes=cap,
            )
        check_jpeg(data)
        now = self._clock.now()
        box = self._box
        sealed = box.seal_bytes(data, _aad(pickup_id))
        with self._store.tx() as conn:  # the checks and the write on the store's one writer
            pickup = pickups_repo.with_compartment(conn, pickup_id)
            if pickup is None or pickup["kiosk"] != kiosk:
                raise NotFound(Code.UNKNOWN_PICKUP, "this kiosk made no pickup with this id")
            if pickups_repo.photo(conn, pickup_id) is not None:
                raise Conflict(Code.ALREADY_STORED, "this pickup's photo is already kept; send it only once")
            if pickup["door"] not in DOOR_SEEN_OPEN:
                raise Conflict(Code.DOOR_NOT_OPEN, "the door of this pickup was not seen open; no photo")
            if epoch(now) - pickup["created_at"] > self._cfg.upload_window_s:
                raise Gone(
                    Code.WINDOW_OVER,
                    f"a photo is taken only as the door opens: more than {self._cfg.upload_window_s:g} s "
                    "have passed since this pickup",
                )
            pickups_repo.add_photo(conn, pickup_id, pickup["deposit_id"], kiosk, now, len(data))
            self._write(pickup_id, sealed)
            audit.append(
                conn,
                now,
                f"kiosk:{kiosk}",
                "handover_photo_stored",
                deposit_id=pickup["deposit_id"],
                compartment=pickup["compartment"],
                pickup_id=pickup_id,
                size_bytes=len(data),
            )
        return PhotoStored(pickup_id=pickup_id, size_bytes=len(data), keep_days=self._cfg.retention_days)

    def _write(self, pickup_id: str, sealed: bytes) -> None:
        """The sealed file, owner-only and on disk before the row's COMMIT. A file left by a write
        whose commit failed has no row: it is overwritten here or erased by the sweep."""
        self._dir.mkdir(mode=0o700, exist_ok=True)
        path = self._dir / f"{pickup_id}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())

    # ----- a supervisor's view -----
    def kept(self, sess: StaffSession, limit: int = 100) -> KeptPhotos:
        """The pickups whose photo is kept, newest first (read-only, not audited: no image)."""
        require_supervisor(sess)
        with self._store.read() as conn:
            rows = pickups_repo.photos(conn, limit)
        return KeptPhotos.model_validate(
            {"enabled": self._cfg.enabled, "retention_days": self._cfg.retention_days, "photos": rows}
        )

    def view(self, sess: StaffSession, pickup_id: str, reason: str) -> tuple[bytes, dict[str, Any]]:
        """The JPEG and its row, for a supervisor who gives a reason; the view is audited."""
        require_supervisor(sess)
        reason = " ".join(reason.split())
        if len(reason) < 3:
            raise InvalidInput("reason", "say why you look at this photo (it goes in the audit log)")
        with self._store.read() as conn:
            row = pickups_repo.photo(conn, pickup_id)
        if row is None:
            raise NotFound(
                Code.NO_PHOTO,
                "no handover photo is kept for this pickup: none was taken, or it was erased after "
                f"{self._cfg.retention_days} days",
            )
        path = self._dir / f"{pickup_id}{SUFFIX}"
        try:
            if self._box is None:
                raise SealError(f"no key file {self.key_file}")
            jpeg = self._box.open_bytes(path.read_bytes(), _aad(pickup_id))
        except (OSError, SealError) as err:
            log.error("handover photo of %s cannot be opened: %s", pickup_id, err)
            raise Gone(
                Code.UNREADABLE,
                f"the photo of this pickup cannot be opened (its file or the key file {self.key_file.name} "
                "is missing or was replaced); restore both from the same backup or call the supplier",
            ) from err
        with self._store.tx() as conn:
            audit.append(
                conn,
                self._clock.now(),
                sess.staff_id,
                "handover_photo_viewed",
                deposit_id=row["deposit_id"],
                pickup_id=pickup_id,
                reason=reason,
            )
        return jpeg, {
            "taken_at": iso(row["taken_at"]),
            "kiosk": row["kiosk"],
            "deposit_id": row["deposit_id"],
        }
