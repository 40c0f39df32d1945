"""Who may call: the bearer token's owner checked for the route's role, and the hub's error answer."""

from __future__ import annotations

from typing import Annotated

import psycopg
from fastapi import Header

from common.errors import ServiceError
from hub.tokens import Caller, lookup


class HubError(ServiceError):
    """An error answer: status, stable code, what to do (common.errors)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code, message, status=status)


#: The `Authorization: Bearer <token>` header (checked inside each route, on the route's connection).
AuthHeader = Annotated[str | None, Header(alias="Authorization")]


def authorize(conn: psycopg.Connection, authorization: str | None, role: str) -> Caller:
    """The token's owner if it has `role`; else 401 (no or unknown token) or 403 (other role).

    Done inside the route on its one pooled connection: a dependency holding a connection while
    the route waits for a worker thread would let 40 waiting requests starve the pool.
    """
    scheme, _, token = (authorization or "").partition(" ")
    found = lookup(conn, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if found is None:
        raise HubError(
            401, "unauthorized", "Send Authorization: Bearer <token> with a token from `python -m hub`."
        )
    if role == "center" and (found.role != "center" or found.center_id is None):
        raise HubError(403, "forbidden", "Only a center's token may send events and heartbeats.")
    if role == "reader" and found.role != "reader":
        raise HubError(403, "forbidden", "A center's token cannot read; use a reader token.")
    return found
