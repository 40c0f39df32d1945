"""A center's override merged over the province's catalogue, key by key (docs/hub.md "Central
catalogue"): what a center serves is the province's catalogue with its own differences on top.

- `services`: matched by `code`. An entry for a province service sets only the fields it names
  (`{"code": "ho_tich", "daily_cap_tickets": 50}`: that cap, everything else as the province
  says, including later changes); `{"code": "dat_dai", "removed": true}` drops a province service
  at this center; an entry with a code the province does not have is a service of the center's
  own and must be whole. Order: the province's, then the center's own in their order.
- `hours`: by weekday; the days named replace the province's (`{"sat": []}`: closed Saturdays).
- `holidays`: the province's **and** the center's (a local festival adds to the national days);
  `holidays_removed` takes province days away (a center open on one of them).

The merged result is checked by the very model a center checks (`Catalogue`); a center still
refuses a bad or partial catalogue and keeps its last good one.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from queueing.catalogue_model import Catalogue, dump
from queueing.config import WEEKDAYS, Holiday, OpeningHours, ServiceConfig

#: The keys an override may hold.
OVERRIDE_KEYS = ("services", "hours", "holidays", "holidays_removed")
#: A service's fields an override may set (its `code` names it).
SERVICE_FIELDS = frozenset(ServiceConfig.model_fields) - {"code"}


class ServicePatch(BaseModel):
    """One service of an override: its code, then the fields it sets, or `removed`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    removed: bool = False

    @field_validator("removed")
    @classmethod
    def _only_true(cls, value: bool) -> bool:
        if value is False:
            raise ValueError("`removed` is only ever true (leave it out to keep the service)")
        return value

    def fields(self) -> dict[str, Any]:
        """The service fields this entry sets."""
        return dict(self.model_extra or {})


class CenterOverride(BaseModel):
    """A center's differences from the province's catalogue (every key optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    services: list[ServicePatch] | None = Field(default=None, max_length=200)
    hours: dict[str, list[str]] | None = None
    holidays: list[Holiday] | None = Field(default=None, max_length=400)
    holidays_removed: list[Holiday] | None = Field(default=None, max_length=400)

    @field_validator("services")
    @classmethod
    def _services(cls, value: list[ServicePatch] | None) -> list[ServicePatch] | None:
        if value is None:
            return None
        codes = [p.code for p in value]
        if len(set(codes)) != len(codes):
            raise ValueError("a service code is named twice; one entry per service")
        for patch in value:
            unknown = sorted(set(patch.fields()) - SERVICE_FIELDS)
            if unknown:
                raise ValueError(f"{patch.code}: {', '.join(unknown)} is not a service field")
            if patch.removed and patch.fields():
                raise ValueError(f"{patch.code}: a removed service sets no fields")
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is None:
            return None
        unknown = sorted(set(value) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a weekday (mon, tue, wed, thu, fri, sat, sun)")
        OpeningHours.model_validate(value)  # each period 'HH:MM-HH:MM', start before end
        return value


def parse(document: dict[str, Any]) -> dict[str, Any]:
    """An override in stored form (ValidationError naming the field; empty keys left out)."""
    model = CenterOverride.model_validate(document)
    out = model.model_dump(mode="json", exclude_none=True)
    if "services" in out:
        out["services"] = [
            {"code": p.code, **({"removed": True} if p.removed else p.fields())} for p in model.services or []
        ]
    return out


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """The province's catalogue `base` with a stored override on top (not yet validated)."""
    merged = dict(base)
    patches = override.get("services")
    if patches is not None:
        by_code = {p["code"]: p for p in patches}
        services = []
        for service in base.get("services") or []:
            patch = by_code.pop(service.get("code"), None)
            if patch is None:
                services.append(service)
            elif not patch.get("removed"):
                services.append({**service, **patch})
        services += [p for p in by_code.values() if not p.get("removed")]  # the center's own
        merged["services"] = services
    if "hours" in override:
        merged["hours"] = {**(base.get("hours") or {}), **override["hours"]}
    if "holidays" in override or "holidays_removed" in override:
        days = set(base.get("holidays") or []) | set(override.get("holidays") or [])
        merged["holidays"] = sorted(days - set(override.get("holidays_removed") or []))
    return merged


def whole(base: dict[str, Any] | None, override: dict[str, Any] | None) -> dict[str, Any]:
    """The merged catalogue checked whole, in stored form; ValidationError whose locations name
    a service by its code (`services.ho_tich.prefix`), since its index differs from the override's."""
    document = merge(base or {}, override or {})
    try:
        return dump(Catalogue.model_validate(document))
    except ValidationError as err:
        codes = [s.get("code", str(i)) if isinstance(s, dict) else str(i)
                 for i, s in enumerate(document.get("services") or [])]  # fmt: skip
        raise MergeInvalid(_name_services(err, codes)) from err


class MergeInvalid(ValueError):
    """The merged catalogue is not whole or not valid; the message names each field."""


def _name_services(err: ValidationError, codes: list[str]) -> str:
    problems = []
    for e in err.errors():
        loc = [str(p) for p in e["loc"]]
        if len(loc) > 1 and loc[0] == "services" and loc[1].isdigit() and int(loc[1]) < len(codes):
            loc[1] = codes[int(loc[1])]
        problems.append(f"{'.'.join(loc) or 'catalogue'}: {e['msg']}")
    return "; ".join(problems)
