"""The central catalogue's models and wire shapes (docs/hub.md "Central catalogue"), shared by the
hub, the uplink and the queueing service. Here, not in `contracts/` (a leaf of pydantic only):
they are built on the queueing service's own config models.

A catalogue holds the three things a province decides for its centers: the services (the very
`queueing.config.ServiceConfig` a center's `[[queueing.services]]` holds), the opening hours
(`OpeningHours`) and the public holidays. The hub keeps one for all centers and, per center, its
differences, merged per service, per weekday and per holiday (`hub.catalogue_merge`, docs/hub.md).
What a center receives is always whole: every key present, and its ETag is the SHA-256 of the
catalogue's canonical JSON, so a cut or altered body is recognised (`digest_of`) and refused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from queueing.config import Holiday, OpeningHours, ServiceConfig, unique_services


class Catalogue(BaseModel):
    """A whole catalogue: every key required (a partial one is refused, never completed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    services: list[ServiceConfig] = Field(min_length=1)
    hours: OpeningHours
    holidays: list[Holiday]

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        unique_services(self.services)
        return self


class CatalogueOut(BaseModel):
    """`GET /api/v1/catalogue`: what a center serves (ETag header = `etag`)."""

    center_id: str
    version: int  # the hub's catalogue version (grows with every change, any scope)
    etag: str  # SHA-256 hex of canonical_json(catalogue)
    catalogue: Catalogue


class CatalogueStatusIn(BaseModel):
    """`POST /api/v1/catalogue/status`: what a center did with the catalogue it pulled."""

    model_config = ConfigDict(extra="forbid")

    etag: str = Field(max_length=128)
    version: int = Field(ge=0)
    outcome: Literal["applied", "refused"]
    reason: str = Field(default="", max_length=2000)


def canonical_json(document: dict[str, Any]) -> str:
    """One text per catalogue: sorted keys, no spaces, UTF-8 kept (what the digest covers)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest_of(document: dict[str, Any]) -> str:
    """The catalogue's ETag value (SHA-256 hex of its canonical JSON)."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def dump(catalogue: Catalogue) -> dict[str, Any]:
    """The JSON form stored and sent."""
    return catalogue.model_dump(mode="json")
