"""What both services' contracts share: the error body, the common error codes, config warnings."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field


class CommonErrorCode(enum.StrEnum):
    """Codes either service may answer, from the shared handlers and the HTTP guard."""

    INVALID_REQUEST = "invalid_request"  # 422: a field is missing or invalid (`field` names it)
    NOT_FOUND = "not_found"  # 404: no such path
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405
    HTTP_ERROR = "http_error"  # another framework-level HTTP error
    INTERNAL_ERROR = "internal_error"  # 500: the message gives the hotline
    CROSS_ORIGIN = "cross_origin"  # 403: a state-changing request from another site's page
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # 415: a body that is not JSON
    BAD_CONTENT_LENGTH = "bad_content_length"  # 400
    BODY_TOO_LARGE = "body_too_large"  # 413 (`max_body_bytes`)
    LENGTH_REQUIRED = "length_required"  # 411: a chunked body where a length is required (the hub's events)


class ErrorBody(BaseModel):
    """Every error body of both HTTP services: `{"error": code, "message": what to do, ...}`."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    error: str = Field(description="Stable machine-readable code, e.g. invalid_request, not_found.")
    message: str = Field(description="What went wrong and what to do next, for a person.")
    field: str | None = Field(None, description="The invalid field (validation errors only).")
    retry_after_s: int | None = Field(None, description="Seconds to wait (rate limits only).")


class ConfigWarning(BaseModel):
    """A site-config problem staff must fix, listed in a service's health answer."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str
    message: str
