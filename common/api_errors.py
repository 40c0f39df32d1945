"""The error contract shared by both HTTP services (locker daemon and queueing service).

Every error either service returns is one JSON object, ``{"error": code, "message": text, ...}``:
``error`` is a stable machine code (``invalid_request``, ``not_found``, ``wrong_code`` …) and
``message`` tells a person what to do next. Validation errors add ``field``; rate limits add
``retry_after_s`` and a ``Retry-After`` header. This module holds that shape once:

- :class:`contracts.common.ErrorBody` is the schema (each service narrows it to its own error
  codes in its contract module), so the OpenAPI documents describe the real bodies;
- :func:`error_responses` builds a route's ``responses=`` for the statuses it can return;
- :func:`install_error_handlers` maps every service's domain errors (`common.errors.ServiceError`),
  FastAPI's own validation errors, unknown paths and unexpected exceptions onto that shape;
- :func:`document_errors` replaces FastAPI's default 422 schema (``HTTPValidationError``,
  which neither service ever sends) with :class:`ErrorBody` in the generated OpenAPI document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.errors import ServiceError
from common.http_guard import CRASH_HEADERS
from contracts.common import ErrorBody

__all__ = ["ErrorBody", "document_errors", "error_responses", "install_error_handlers"]

#: What each status means in both services (the OpenAPI description of that response).
STATUS_MEANING: dict[int, str] = {
    400: "The request cannot be carried out as sent; `message` says why.",
    401: "Not signed in, wrong credentials or a wrong code; `message` says what to do.",
    403: "Signed in, but this role may not do this.",
    404: "No such item or path.",
    409: "The item is in a state that does not allow this now (reload and try again).",
    410: "The item existed but is gone (expired, collected or withdrawn).",
    422: "A field is missing or invalid; `field` names it.",
    423: "Locked until staff unlock it.",
    429: "Too many attempts or requests; wait `retry_after_s` seconds (also in `Retry-After`).",
    500: "Unexpected server error; the message gives the hotline.",
    503: "A device or the database is unavailable right now; try again shortly.",
    504: "An outside system (the back office) did not answer in time; try again shortly.",
}

_SCHEMA_REF = "#/components/schemas/ErrorBody"


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` for the error statuses it can return, all with :class:`ErrorBody`."""
    return {
        status: {"model": ErrorBody, "description": STATUS_MEANING.get(status, "Error.")}
        for status in statuses
    }


def validation_message(err: RequestValidationError) -> tuple[str, str]:
    """The field FastAPI rejected and a sentence saying how to fix it."""
    errors = err.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or "body"
    kind = first.get("type")
    if kind == "json_invalid":
        return "body", "The request body is not valid JSON. Send a JSON object."
    if kind in ("model_attributes_type", "dict_type"):
        return "body", "The request body must be a JSON object."
    return field, f"{field}: {first.get('msg', 'invalid value')}. Fix this field and send again."


def install_error_handlers(
    app: FastAPI,
    *,
    log: logging.Logger,
    docs_path: str,
    unexpected_message: Callable[[], str],
) -> None:
    """Map validation errors, unknown paths/methods and crashes onto :class:`ErrorBody`.

    ``unexpected_message`` is called per crash so it can name a hotline read from live config.
    """

    @app.exception_handler(ServiceError)
    async def _domain(_: Request, err: ServiceError) -> JSONResponse:
        return JSONResponse(err.body(), status_code=err.status, headers=err.headers())

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        field, message = validation_message(err)
        body = {"error": "invalid_request", "message": message, "field": field}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, err: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "http_error")
        message = {
            404: f"No such page or API path. The API is listed at {docs_path}.",
            405: f"This path does not accept that method. See {docs_path}.",
        }.get(err.status_code, str(err.detail))
        return JSONResponse({"error": code, "message": message}, status_code=err.status_code)

    @app.exception_handler(Exception)
    async def _crash(request: Request, err: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=err)
        body = {"error": "internal_error", "message": unexpected_message()}
        return JSONResponse(body, status_code=500, headers=CRASH_HEADERS)  # outside the guard


def document_errors(app: FastAPI, error_model: type[BaseModel] = ErrorBody) -> None:
    """Make the app's OpenAPI document describe the error bodies it really sends.

    FastAPI declares its own ``HTTPValidationError`` for every 422; both services answer 422
    with their error body instead, so every 422 (and every other error response) is pointed
    at ``ErrorBody`` (the schema of ``error_model``: the service's contract with its error-code
    enum) and the unused default schemas are removed.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        error_schema = error_model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error_schema.pop("$defs", {}))  # the error-code enums
        components["ErrorBody"] = error_schema
        for item in schema.get("paths", {}).values():
            for op in item.values():
                if not isinstance(op, dict):
                    continue
                for status, resp in op.get("responses", {}).items():
                    if status[:1] in ("4", "5"):
                        resp["content"] = {"application/json": {"schema": {"$ref": _SCHEMA_REF}}}
                        resp.setdefault("description", STATUS_MEANING.get(int(status), "Error."))
                if "422" in op.get("responses", {}):
                    op["responses"]["422"]["description"] = STATUS_MEANING[422]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
