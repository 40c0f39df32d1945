"""API tokens: a center's (posts its own events) and a reader's (reads everything, changes nothing).

A token is 256 random bits shown once; only its SHA-256 is stored (a fast hash is enough for a
secret that long: there is nothing to guess from the hash).
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

import psycopg

from common.outbox import CENTER_ID_RE


class TokenError(ValueError):
    """A token or center cannot be created as asked; the message says what to change."""


@dataclass(frozen=True)
class Caller:
    """Who a valid token belongs to."""

    role: str  # "center" or "reader"
    name: str
    center_id: str | None


def token_hash(token: str) -> bytes:
    """What is stored and looked up for `token`."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


#: A center's or reader's name: shown on the province's pages and in its CSVs.
NAME_MAX = 120


def _name(name: str, what: str) -> str:
    """`name` stripped, or TokenError: empty, too long, or holding a control character."""
    name = name.strip()
    if not name:
        raise TokenError(f"{what} must not be empty")
    if len(name) > NAME_MAX or any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in name):
        raise TokenError(f"{what}: at most {NAME_MAX} printable characters, on one line")
    return name


def _check_center_id(center_id: str) -> None:
    if not CENTER_ID_RE.match(center_id):
        raise TokenError(
            f"center id {center_id!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (e.g. HN-BADINH)"
        )


def add_center(conn: psycopg.Connection, center_id: str, name: str) -> str:
    """Register a center, or give an existing one a new token and revoke its earlier ones (a
    leaked token is shut out by this alone); returns the token."""
    _check_center_id(center_id)
    name = _name(name, "--name")
    token = _new_token()
    with conn.transaction():
        conn.execute(
            "INSERT INTO centers(center_id, name) VALUES (%s, %s) "
            "ON CONFLICT (center_id) DO UPDATE SET name = excluded.name",
            (center_id, name),
        )
        conn.execute(
            "UPDATE tokens SET revoked_at = now() WHERE role = 'center' AND center_id = %s "
            "AND revoked_at IS NULL",
            (center_id,),
        )
        conn.execute(
            "INSERT INTO tokens(token_hash, role, center_id, name) VALUES (%s, 'center', %s, %s)",
            (token_hash(token), center_id, name),
        )
    return token


def add_reader(conn: psycopg.Connection, name: str) -> str:
    """A read-only API token for `name` (a dashboard, an integrator); returns it."""
    name = _name(name, "the reader's NAME")
    token = _new_token()
    with conn.transaction():
        conn.execute(
            "INSERT INTO tokens(token_hash, role, name) VALUES (%s, 'reader', %s)",
            (token_hash(token), name),
        )
    return token


def revoke(conn: psycopg.Connection, role: str, who: str) -> int:
    """Revoke every live token of center `who` (role "center") or of reader `who` (role
    "reader"); returns how many; TokenError when there was none."""
    column = "center_id" if role == "center" else "name"
    if role == "center":
        _check_center_id(who)
    revoked = conn.execute(
        f"UPDATE tokens SET revoked_at = now() WHERE role = %s AND {column} = %s "  # noqa: S608 - our column name
        "AND revoked_at IS NULL",
        (role, who.strip() if role == "reader" else who),
    ).rowcount
    if not revoked:
        raise TokenError(f"no live {role} token for {who!r}: nothing revoked")
    return revoked


def lookup(conn: psycopg.Connection, token: str) -> Caller | None:
    """The caller a token belongs to, or None (unknown or revoked)."""
    row = conn.execute(
        "SELECT role, name, center_id FROM tokens WHERE token_hash = %s AND revoked_at IS NULL",
        (token_hash(token),),
    ).fetchone()
    return None if row is None else Caller(role=row[0], name=row[1], center_id=row[2])
