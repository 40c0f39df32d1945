"""Whatever a client sends, the answer is a JSON 2xx/4xx with an error code, never a 500."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import QueueingServer, free_port
from tests.queueing.helpers import make_config

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
ticket_like = st.fixed_dictionaries(
    {},
    optional={
        "service": st.sampled_from(["ho_tich", "dat_dai", "nope", ""]) | st.text(max_size=40) | st.integers(),
        "priority": st.sampled_from(["elderly", "vip", None]) | st.integers(),
        "birth_date": st.sampled_from(["1940-01-01", "2999-12-31", "01/01/1950", ""]) | st.integers(),
        "channel": st.sampled_from(["kiosk", "remote", "fax"]),
        "id_hash": st.text(max_size=200),
    },
)
PATHS = [
    "/api/v1/tickets",
    "/api/v1/tickets/x/confirm",
    "/api/v1/tickets/x/rating",
    "/api/v1/tickets/x/void",
    "/api/v1/counter/sessions",
    "/api/v1/counter/call",
    "/api/v1/counter/transfer",
    "/api/v1/tablets/pair",
    "/api/v1/tablet/rating",
]


def test_random_bodies_never_cause_a_500(tmp_path: Path) -> None:
    with QueueingServer(make_config(), tmp_path, free_port()) as srv, requests.Session() as http:

        @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            path=st.sampled_from(PATHS),
            body=json_values | ticket_like,
            raw=st.booleans(),
            key=st.text(max_size=20),
        )
        def check(path: str, body: Any, raw: bool, key: str) -> None:
            data = json.dumps(body).encode() if not raw else json.dumps(body).encode()[:-1] or b"{"
            headers = {"Content-Type": "application/json"}
            if key.isascii() and key.isprintable() and key == key.strip():  # else the client refuses it
                headers["Idempotency-Key"] = key
            r = http.post(srv.url + path, data=data, headers=headers, timeout=10)
            assert r.status_code < 500, (path, body, r.text)
            answer = r.json()
            if r.status_code >= 400:
                assert isinstance(answer["error"], str) and isinstance(answer["message"], str)

        check()
