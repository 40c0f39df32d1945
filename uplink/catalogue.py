"""Pull the central catalogue from the hub when it changed (ETag), check it, keep it or refuse it.

Every `[hub] catalogue_interval_s` the uplink asks `GET /api/v1/catalogue` with `If-None-Match`
naming the catalogue it holds (and the last one it refused, so a bad one is not fetched and
refused again every round). A new one is checked against this center's own `[queueing]` config
(`queueing.catalogue.check`); a whole, valid one is stored as the last good one for the queueing
service to apply; a partial or bad one is refused: the last good one stays, the reason goes to
the log, the center's audit file and the hub (`POST /api/v1/catalogue/status`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from queueing import catalogue as center_catalogue
from queueing.config import QueueingConfig

log = logging.getLogger(__name__)


class CataloguePuller:
    """The uplink's catalogue step (called from its loop; every failure is logged, never raised)."""

    def __init__(
        self,
        base_url: str,
        http: requests.Session,
        config: QueueingConfig,
        data_dir: Path,
        interval_s: float,
        timeout_s: float,
        verify: bool | str = True,
        monotonic: Callable[[], float] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        import time

        self.url = base_url.rstrip("/") + "/api/v1/catalogue"
        self.http = http
        self.config = config
        self.data_dir = data_dir
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.verify = verify
        self._monotonic = monotonic or time.monotonic
        self._now = now
        self._next = float("-inf")
        held = center_catalogue.read_good(data_dir)
        self.held_etag: str | None = str(held["etag"]) if held and held.get("etag") else None
        self.refused_etag: str | None = None
        self._unreported: dict[str, Any] | None = None

    def due(self) -> bool:
        """Time for the next pull."""
        return self._monotonic() >= self._next

    def step(self) -> str:
        """Pull once (and send a status the hub has not had yet); returns what happened:
        'unchanged', 'none', 'applied', 'refused' or 'failed'."""
        self._next = self._monotonic() + self.interval_s
        try:
            outcome = self._pull()
        except requests.RequestException as err:
            log.warning("catalogue: cannot reach the hub (%s); keeping the one held", err)
            return "failed"
        except OSError as err:  # the data dir: full, read-only, gone
            log.error("catalogue: cannot store it in %s (%s); keeping the last good one", self.data_dir, err)
            return "failed"
        if self._unreported is not None:
            self._report()
        return outcome

    def _pull(self) -> str:
        tags = [f'"{t}"' for t in (self.held_etag, self.refused_etag) if t]
        headers = {"If-None-Match": ", ".join(tags)} if tags else {}
        resp = self.http.get(self.url, headers=headers, timeout=self.timeout_s, verify=self.verify)
        if resp.status_code == 304:
            return "unchanged"
        if resp.status_code == 404:
            return "none"  # nothing published for this center: it keeps its own config
        if resp.status_code != 200:
            log.warning("catalogue: GET %s answered HTTP %d: %s", self.url, resp.status_code, resp.text[:200])
            return "failed"
        header_etag = resp.headers.get("ETag", "").strip('"')
        try:
            delivered: Any = resp.json()
        except ValueError:
            delivered = None
        try:
            if not isinstance(delivered, dict) or delivered.get("etag") != header_etag:
                raise center_catalogue.CatalogueRefused(
                    "partial answer: the body does not match its ETag header"
                )
            new = center_catalogue.check(self.config, delivered)
        except center_catalogue.CatalogueRefused as err:
            self._refuse(header_etag, delivered, str(err))
            return "refused"
        center_catalogue.store_good(self.data_dir, delivered)
        self.held_etag = header_etag
        self.refused_etag = None
        changes = center_catalogue.summary(self.config, new)
        log.info("catalogue version %s accepted (%s)", delivered.get("version"), changes)
        center_catalogue.audit(
            self.data_dir,
            self._now(),
            "uplink",
            "accepted",
            etag=header_etag,
            version=delivered.get("version"),
            changes=changes,
        )
        self._unreported = {
            "etag": header_etag,
            "version": _version(delivered),
            "outcome": "applied",
            "reason": "",
        }
        return "applied"

    def _refuse(self, etag: str, delivered: Any, reason: str) -> None:
        self.refused_etag = etag or None
        version = _version(delivered)
        log.error(
            "catalogue version %s from the hub refused, keeping the last good one (%s): %s",
            version,
            self.held_etag or "this center's own config",
            reason,
        )
        center_catalogue.audit(
            self.data_dir, self._now(), "uplink", "refused", etag=etag, version=version, reason=reason
        )
        self._unreported = {
            "etag": etag[:128],
            "version": version,
            "outcome": "refused",
            "reason": reason[:2000],
        }

    def _report(self) -> None:
        try:
            resp = self.http.post(
                self.url + "/status", json=self._unreported, timeout=self.timeout_s, verify=self.verify
            )
        except requests.RequestException as err:
            log.warning("catalogue: cannot report to the hub (%s); will retry", err)
            return
        if resp.status_code == 204:
            self._unreported = None
        else:
            log.warning(
                "catalogue: the hub refused the status report: HTTP %d %s", resp.status_code, resp.text[:200]
            )


def _version(delivered: Any) -> int:
    value = delivered.get("version") if isinstance(delivered, dict) else None
    return value if isinstance(value, int) and value >= 0 else 0
