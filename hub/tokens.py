"""API tokens: a center's (posts its own events) and a reader's (reads everything, changes nothing).

A token is 256 random bits shown once; only its SHA-256 is stored (a fast hash is enough for a
secret that long: there is nothing to guess from the hash).
"""

from __future__ import annotations

import hashlib
import secrets
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


def add_center(conn: psycopg.Connection, center_id: str, name: str) -> str:
    """Register a center (or give an existing one a new token); returns its token."""
    if not CENTER_ID_RE.match(center_id):
        raise TokenError(
            f"center id {center_id!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (e.g. HN-BADINH)"
        )
    if not name.strip():
        raise TokenError("--name must not be empty")
    token = _new_token()
    with conn.transaction():
        conn.execute(
            "INSERT INTO centers(center_id, name) VALUES (%s, %s) "
            "ON CONFLICT (center_id) DO UPDATE SET name = excluded.name",
            (center_id, name.strip()),
        )
        conn.execute(
            "INSERT INTO tokens(token_hash, role, center_id, name) VALUES (%s, 'center', %s, %s)",
            (token_hash(token), center_id, name.strip()),
        )
    return token


def add_reader(conn: psycopg.Connection, name: str) -> str:
    """A read-only API token for `name` (a dashboard, an integrator); returns it."""
    if not name.strip():
        raise TokenError("the reader's NAME must not be empty")
    token = _new_token()
    with conn.transaction():
        conn.execute(
            "INSERT INTO tokens(token_hash, role, name) VALUES (%s, 'reader', %s)",
            (token_hash(token), name.strip()),
        )
    return token


def lookup(conn: psycopg.Connection, token: str) -> Caller | None:
    """The caller a token belongs to, or None (unknown or revoked)."""
    row = conn.execute(
        "SELECT role, name, center_id FROM tokens WHERE token_hash = %s AND revoked_at IS NULL",
        (token_hash(token),),
    ).fetchone()
    return None if row is None else Caller(role=row[0], name=row[1], center_id=row[2])
