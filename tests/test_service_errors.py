"""One base class for the services' domain errors, one answer shape (common/errors.py)."""

from __future__ import annotations

import pytest

from common.errors import ServiceError
from hub.auth import HubError
from locker.errors import Conflict, InvalidInput, Throttled
from queueing.errors import QueueError


@pytest.mark.parametrize(
    ("err", "status", "body", "headers"),
    [
        (
            Throttled("too_many_attempts", "Wait.", retry_after_s=60),
            429,
            {"error": "too_many_attempts", "message": "Wait.", "retry_after_s": 60},
            {"Retry-After": "60"},
        ),
        (
            InvalidInput("phone", "phone: ten digits."),
            422,
            {"error": "invalid_request", "message": "phone: ten digits.", "field": "phone"},
            {},
        ),
        (Conflict("wrong_state", "Reload."), 409, {"error": "wrong_state", "message": "Reload."}, {}),
        (
            QueueError(503, "numbers_exhausted", "Wait.", retry_after_s=5),
            503,
            {"error": "numbers_exhausted", "message": "Wait.", "retry_after_s": 5},
            {"Retry-After": "5"},
        ),
        (
            HubError(413, "batch_too_large", "Send fewer."),
            413,
            {"error": "batch_too_large", "message": "Send fewer."},
            {},
        ),
    ],
)
def test_every_service_error_answers_the_same_shape(
    err: ServiceError, status: int, body: dict[str, object], headers: dict[str, str]
) -> None:
    assert isinstance(err, ServiceError)
    assert (err.status, err.body(), err.headers()) == (status, body, headers)
