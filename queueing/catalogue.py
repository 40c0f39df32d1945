"""The central catalogue at the center: check a pulled one, keep the last good one, apply it live.

The uplink pulls the hub's catalogue, `check`s it against this center's own `[queueing]` config
(the same pydantic models: a catalogue that leaves a counter serving an unknown service is as bad
as a wrong prefix) and stores it with `store_good` only when whole and valid, atomically, as
`catalogue.json` in the queueing data dir. That file is the last good catalogue: a refused one
never replaces it. The queueing service (`LiveCatalogue`, polled by its sweeper every few
seconds and once at start) applies the file to the running config: new tickets get the new
services, names, prefixes, caps, hours and holidays; tickets already issued keep what they have.
Both sides append what they did to `catalogue-audit.jsonl` next to it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from queueing.catalogue_model import Catalogue, digest_of
from queueing.config import QueueingConfig

log = logging.getLogger(__name__)

CATALOGUE_FILE = "catalogue.json"
AUDIT_FILE = "catalogue-audit.jsonl"


class CatalogueRefused(ValueError):
    """A pulled catalogue is partial, altered or does not fit this center; the message says why."""


def _explain(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'catalogue'}: {e['msg']}" for e in err.errors())


def check(config: QueueingConfig, delivered: Any) -> QueueingConfig:
    """The config this center would run with `delivered` ({version, etag, catalogue}) applied.

    Raises CatalogueRefused naming what is wrong: not whole (a key missing, a body cut short: the
    digest does not match its ETag), a field invalid, or the whole `[queueing]` config invalid with
    it (a counter or bookable service naming a service the catalogue dropped, ...).
    """
    if not isinstance(delivered, dict) or not isinstance(delivered.get("catalogue"), dict):
        raise CatalogueRefused("the answer holds no catalogue object")
    document: dict[str, Any] = delivered["catalogue"]
    if digest_of(document) != delivered.get("etag"):
        raise CatalogueRefused("partial or altered catalogue: its content does not match its ETag")
    try:
        catalogue = Catalogue.model_validate(document)
    except ValidationError as err:
        raise CatalogueRefused(f"invalid catalogue: {_explain(err)}") from err
    data = config.model_dump()
    data.update(services=catalogue.services, hours=catalogue.hours, holidays=catalogue.holidays)
    try:
        return QueueingConfig.model_validate(data)
    except ValidationError as err:
        raise CatalogueRefused(f"does not fit this center's [queueing] config: {_explain(err)}") from err


def store_good(data_dir: Path, delivered: dict[str, Any]) -> None:
    """Write the checked catalogue as the last good one: a temp file, fsync, rename, fsync the dir."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / CATALOGUE_FILE
    tmp = path.with_name(f"{CATALOGUE_FILE}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(delivered, fh, ensure_ascii=False, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_good(data_dir: Path) -> dict[str, Any] | None:
    """The last good catalogue stored, or None (none yet, or unreadable: logged)."""
    path = data_dir / CATALOGUE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        log.error("cannot read the stored catalogue %s (%s); serving without it", path, err)
        return None
    return data if isinstance(data, dict) else None


def audit(data_dir: Path, now: datetime, actor: str, action: str, **fields: Any) -> None:
    """Append one line (who, when, what) to the center's catalogue audit file."""
    line = json.dumps({"at": now.isoformat(), "actor": actor, "action": action, **fields}, ensure_ascii=False)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / AUDIT_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as err:
        log.error("cannot append to the catalogue audit %s: %s", data_dir / AUDIT_FILE, err)


def summary(old: QueueingConfig, new: QueueingConfig) -> str:
    """What changed, for the log and the audit (services added, removed, changed; hours; holidays)."""
    before = {s.code: s for s in old.services}
    after = {s.code: s for s in new.services}
    parts = []
    for label, codes in (
        ("added", [c for c in after if c not in before]),
        ("removed", [c for c in before if c not in after]),
        ("changed", [c for c in after if c in before and after[c] != before[c]]),
    ):
        if codes:
            parts.append(f"services {label}: {', '.join(codes)}")
    if old.hours != new.hours:
        parts.append("opening hours changed")
    if old.holidays != new.holidays:
        parts.append(f"holidays: {len(new.holidays)}")
    return "; ".join(parts) or "no change"


class LiveCatalogue:
    """Applies the stored catalogue to the running config when the file changes.

    Every part of the service (issuing, calling, counters, pages) reads the one config object it
    was built with, so the new values are swapped into that object in one step (its `__dict__`
    replaced whole): whatever reads it next sees either the old catalogue or the new, never a mix.
    """

    def __init__(self, config: QueueingConfig, data_dir: Path, now: Any) -> None:
        self.config = config
        self.data_dir = data_dir
        self._now = now  # () -> aware datetime (the service's clock)
        self._seen: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self.etag: str | None = None  # the catalogue applied now (None: the site config's own)

    def poll(self) -> bool:
        """Apply the stored catalogue if its file changed since the last poll; True if applied."""
        path = self.data_dir / CATALOGUE_FILE
        try:
            st = path.stat()
        except FileNotFoundError:
            return False
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp == self._seen:
                return False
            self._seen = stamp
            delivered = read_good(self.data_dir)
            if delivered is None:
                return False
            try:
                new = check(self.config, delivered)
            except CatalogueRefused as err:
                log.error("stored catalogue not applied (%s); keeping the one in use", err)
                audit(
                    self.data_dir,
                    self._now(),
                    "queueing",
                    "refused",
                    etag=delivered.get("etag"),
                    reason=str(err),
                )
                return False
            changes = summary(self.config, new)
            fields = {k: getattr(new, k) for k in ("services", "hours", "holidays")}
            object.__setattr__(self.config, "__dict__", {**self.config.__dict__, **fields})
            self.etag = str(delivered.get("etag"))
            log.info("catalogue version %s applied to new tickets: %s", delivered.get("version"), changes)
            audit(
                self.data_dir,
                self._now(),
                "queueing",
                "applied",
                etag=self.etag,
                version=delivered.get("version"),
                changes=changes,
            )
            return True
