"""The central catalogue in PostgreSQL: the province's (scope '*') and each center's override,
versioned, every change audited in the same transaction.

A center receives `effective(center)`: the province's catalogue with its override merged over
it key by key (`hub.catalogue_merge`: services by code and field, hours by weekday, holidays as
a union less the ones removed). Its ETag is the digest of that whole document, so a change that
does not alter what a center serves (another center's override) does not make it pull again.
A change that would leave some center with no valid catalogue is refused, naming the center.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from pydantic import ValidationError

from hub.catalogue_merge import MergeInvalid, parse, whole
from hub.supervisors import audit
from queueing.catalogue_model import Catalogue, digest_of, dump

ALL = "*"


class CatalogueConflict(Exception):
    """The catalogue changed since the editor read it (another supervisor saved first)."""


class CatalogueInvalid(ValueError):
    """A catalogue or override does not validate; the message names the field."""


@dataclass(frozen=True)
class Stored:
    """One scope's stored document."""

    scope: str
    document: dict[str, Any]
    version: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class Effective:
    """What one center serves."""

    version: int
    etag: str
    document: dict[str, Any]


def explain(err: ValidationError) -> str:
    """A pydantic error as one line per problem, naming the field (services.2.prefix: ...)."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'catalogue'}: {e['msg']}" for e in err.errors())


def validate(scope: str, document: dict[str, Any]) -> dict[str, Any]:
    """The document in stored form, or CatalogueInvalid: whole for '*', an override otherwise."""
    try:
        clean = dump(Catalogue.model_validate(document)) if scope == ALL else parse(document)
    except ValidationError as err:
        raise CatalogueInvalid(explain(err)) from err
    if not clean:
        raise CatalogueInvalid(
            "an override sets at least one of services, hours, holidays, holidays_removed (to drop it, "
            "remove the override)"
        )
    return clean


def _check_fits(conn: psycopg.Connection, scope: str, clean: dict[str, Any]) -> None:
    """CatalogueInvalid when saving `clean` would leave a center without a valid catalogue: the
    center's own merge (an override over the province's), or every override over a new province
    catalogue."""
    if scope != ALL:
        # FOR SHARE: a province change saved meanwhile waits, and then checks this override
        base = conn.execute("SELECT document FROM catalogue WHERE scope = %s FOR SHARE", (ALL,)).fetchone()
        if base is not None:
            try:
                whole(base[0], clean)
            except MergeInvalid as err:
                raise CatalogueInvalid(f"what {scope} would serve is not valid: {err}") from err
        return
    for override in overrides(conn):
        try:
            whole(clean, override.document)
        except MergeInvalid as err:
            raise CatalogueInvalid(
                f"center {override.scope}'s override would not fit this catalogue ({err}); change or "
                "remove that override first"
            ) from err


def preview(conn: psycopg.Connection, center_id: str, document: dict[str, Any] | None) -> dict[str, Any]:
    """What `center_id` would serve with `document` as its override (None: its stored one);
    CatalogueInvalid when that is not a valid whole catalogue."""
    override = read(conn, center_id)
    clean = validate(center_id, document) if document is not None else (override.document if override else {})
    base = read(conn, ALL)
    try:
        return whole(base.document if base else None, clean)
    except MergeInvalid as err:
        if base is None:
            raise CatalogueInvalid(
                f"no catalogue for all centers yet, and the override is not whole: {err}"
            ) from err
        raise CatalogueInvalid(str(err)) from err


def read(conn: psycopg.Connection, scope: str) -> Stored | None:
    """One scope's document, or None."""
    row = conn.execute(
        "SELECT scope, document, version, updated_at, updated_by FROM catalogue WHERE scope = %s", (scope,)
    ).fetchone()
    return None if row is None else Stored(*row)


def overrides(conn: psycopg.Connection) -> list[Stored]:
    """Every center's override, by center id."""
    rows = conn.execute(
        "SELECT scope, document, version, updated_at, updated_by FROM catalogue WHERE scope <> %s "
        "ORDER BY scope",
        (ALL,),
    ).fetchall()
    return [Stored(*r) for r in rows]


def effective(conn: psycopg.Connection, center_id: str) -> Effective | None:
    """The whole catalogue `center_id` serves, or None while nothing whole is published for it."""
    rows = conn.execute(
        "SELECT scope, document, version FROM catalogue WHERE scope IN (%s, %s)", (ALL, center_id)
    ).fetchall()
    by_scope = {r[0]: (r[1], int(r[2])) for r in rows}
    return _merge(by_scope.get(ALL), by_scope.get(center_id))


def effective_all(conn: psycopg.Connection, center_ids: list[str]) -> dict[str, Effective | None]:
    """`effective` for many centers from one read (centers without an override share one result)."""
    rows = conn.execute("SELECT scope, document, version FROM catalogue").fetchall()
    by_scope = {r[0]: (r[1], int(r[2])) for r in rows}
    common = _merge(by_scope.get(ALL), None)
    return {c: _merge(by_scope.get(ALL), by_scope[c]) if c in by_scope else common for c in center_ids}


def _merge(
    base: tuple[dict[str, Any], int] | None, override: tuple[dict[str, Any], int] | None
) -> Effective | None:
    try:
        document = whole(base[0] if base else None, override[0] if override else None)
    except MergeInvalid:
        return None  # no province catalogue, and the override alone is not whole
    version = max(part[1] for part in (base, override) if part is not None)
    return Effective(version, digest_of(document), document)


def save(
    conn: psycopg.Connection, scope: str, document: dict[str, Any], actor: str, base_version: int | None
) -> int:
    """Store a scope's document (validated) if unchanged since `base_version`; returns the new version.

    `base_version` is the version the editor read (0: the scope did not exist); None skips the check.
    """
    clean = validate(scope, document)
    with conn.transaction():
        if (
            scope != ALL
            and conn.execute("SELECT 1 FROM centers WHERE center_id = %s", (scope,)).fetchone() is None
        ):
            raise CatalogueInvalid(f"no center {scope!r}; register it with `python -m hub center add`")
        old = conn.execute(
            "SELECT document, version FROM catalogue WHERE scope = %s FOR UPDATE", (scope,)
        ).fetchone()
        _check_base(scope, old, base_version)
        _check_fits(conn, scope, clean)
        row = conn.execute("SELECT nextval('catalogue_version')").fetchone()
        assert row is not None
        version = int(row[0])
        conn.execute(
            "INSERT INTO catalogue(scope, document, version, updated_at, updated_by) "
            "VALUES (%s, %s, %s, now(), %s) ON CONFLICT (scope) DO UPDATE SET document = excluded.document, "
            "version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (scope, Jsonb(clean), version, actor),
        )
        action = "set_all" if scope == ALL else "set_center"
        audit(conn, actor, action, scope, old[0] if old else None, clean, _changes(old, clean), version)
    return version


def clear(conn: psycopg.Connection, center_id: str, actor: str, base_version: int | None) -> int:
    """Remove a center's override (it serves the province's catalogue again); returns the new version."""
    with conn.transaction():
        old = conn.execute(
            "SELECT document, version FROM catalogue WHERE scope = %s FOR UPDATE", (center_id,)
        ).fetchone()
        if old is None:
            raise CatalogueInvalid(f"center {center_id!r} has no override to remove")
        _check_base(center_id, old, base_version)
        row = conn.execute("SELECT nextval('catalogue_version')").fetchone()
        assert row is not None
        conn.execute("DELETE FROM catalogue WHERE scope = %s", (center_id,))
        audit(conn, actor, "clear_center", center_id, old[0], None, "override removed", int(row[0]))
    return int(row[0])


def _check_base(scope: str, old: Any, base_version: int | None) -> None:
    current = int(old[1]) if old else 0
    if base_version is not None and base_version != current:
        raise CatalogueConflict(
            f"the catalogue of {scope!r} changed since you opened it (version {base_version} -> "
            f"{current}); reload it, redo your change and save again"
        )


def _changes(old: Any, new: dict[str, Any]) -> str:
    """A one-line summary of what changed (the audit row also keeps both documents)."""
    before: dict[str, Any] = dict(old[0]) if old else {}
    changed = [k for k in sorted(set(before) | set(new)) if before.get(k) != new.get(k)]
    return "changed: " + (", ".join(changed) if changed else "nothing")


def record_status(
    conn: psycopg.Connection,
    center_id: str,
    etag: str,
    version: int,
    outcome: str,
    reason: str,
    now: datetime,
) -> None:
    """What a center did with a pulled catalogue; audited when the outcome or etag changes."""
    with conn.transaction():
        old = conn.execute(
            "SELECT etag, outcome, reason FROM catalogue_status WHERE center_id = %s FOR UPDATE", (center_id,)
        ).fetchone()
        conn.execute(
            "INSERT INTO catalogue_status(center_id, etag, version, outcome, reason, at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (center_id) DO UPDATE SET "
            "etag = excluded.etag, version = excluded.version, outcome = excluded.outcome, "
            "reason = excluded.reason, at = excluded.at",
            (center_id, etag, version, outcome, reason, now),
        )
        if old is None or tuple(old) != (etag, outcome, reason):
            audit(conn, f"center:{center_id}", f"center_{outcome}", center_id, None, None, reason, version)


def statuses(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every center with what it last reported (None: never reported)."""
    rows = conn.execute(
        "SELECT c.center_id, c.name, s.etag, s.version, s.outcome, s.reason, s.at FROM centers c "
        "LEFT JOIN catalogue_status s USING (center_id) ORDER BY c.center_id"
    ).fetchall()
    keys = ("center_id", "name", "etag", "version", "outcome", "reason", "at")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def audit_trail(conn: psycopg.Connection, limit: int) -> list[dict[str, Any]]:
    """The newest audit rows first."""
    rows = conn.execute(
        "SELECT id, at, actor, action, scope, version, detail, before, after FROM catalogue_audit "
        "ORDER BY id DESC LIMIT %s",
        (limit,),
    ).fetchall()
    keys = ("id", "at", "actor", "action", "scope", "version", "detail", "before", "after")
    return [dict(zip(keys, r, strict=True)) for r in rows]
