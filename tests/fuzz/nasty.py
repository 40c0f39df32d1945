"""Hand-written nasty requests shared by both services' fuzz tests, and the check they must pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from tests.fuzz.runner import error_shape_problem

#: 1 MB: far past any field limit, well under what a loopback test can afford to send.
ONE_MB = 1024 * 1024
#: JSON texts Python's json module accepts but UTF-8 cannot encode (unpaired surrogates).
LONE_SURROGATE = '"\\ud800x"'
LOW_SURROGATE = '"a\\udfffb"'


@dataclass
class Nasty:
    """One raw request: method, path, body bytes (or None) and headers."""

    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    ok_statuses: tuple[int, ...] = ()

    def send(self, http: requests.Session, base: str, auth: dict[str, str] | None) -> requests.Response:
        """Send it as is (no client-side JSON encoding), with `auth` headers unless it sets its own."""
        headers = {**(auth or {}), **self.headers}
        return http.request(self.method, base + self.path, data=self.body, headers=headers, timeout=30)


def json_body(text: str) -> bytes:
    """A body that is exactly this JSON text (UTF-8; surrogate escapes stay escapes)."""
    return text.encode("utf-8")


def problem(case: Nasty, r: requests.Response) -> str | None:
    """Why this answer breaks the rule (never 5xx; 4xx is a JSON error with a message), or None."""
    if r.status_code >= 500:
        return f"{case.name}: {r.status_code} {r.text[:300]}"
    if 200 <= r.status_code < 300 and case.ok_statuses and r.status_code not in case.ok_statuses:
        return f"{case.name}: unexpected {r.status_code} {r.text[:200]}"
    shape = error_shape_problem(
        case.path.split("?")[0], r.status_code, r.headers.get("content-type", ""), r.text
    )
    return f"{case.name}: {shape}" if shape else None


def run_all(http: requests.Session, base: str, cases: list[Nasty], auths: dict[str, Any]) -> list[str]:
    """Send every case as every caller; collect the broken answers."""
    broken: list[str] = []
    for case in cases:
        for who, auth in auths.items():
            try:
                r = case.send(http, base, auth)
            except requests.RequestException as err:
                broken.append(f"{case.name} [{who}]: transport error {err!r}")
                continue
            why = problem(case, r)
            if why:
                broken.append(f"[{who}] {why}")
    return broken


def body_cases(path: str, fields: dict[str, Any], method: str = "POST") -> list[Nasty]:
    """The body attacks on one JSON endpoint whose normal body is `fields`."""
    import json

    def with_field(name: str, raw_json_value: str) -> bytes:
        parts = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in fields.items() if k != name]
        parts.append(f"{json.dumps(name)}: {raw_json_value}")
        return json_body("{" + ", ".join(parts) + "}")

    ct = {"Content-Type": "application/json"}
    cases = [
        Nasty(f"{path} invalid JSON", method, path, b'{"a": ', ct),
        Nasty(f"{path} JSON array", method, path, b"[1, 2, 3]", ct),
        Nasty(f"{path} JSON null", method, path, b"null", ct),
        Nasty(f"{path} empty body", method, path, b"", ct),
        Nasty(f"{path} not UTF-8", method, path, b'{"x": "\xff\xfe"}', ct),
        Nasty(
            f"{path} text/plain", method, path, json.dumps(fields).encode(), {"Content-Type": "text/plain"}
        ),
        Nasty(
            f"{path} form-encoded",
            method,
            path,
            b"a=1&b=2",
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        Nasty(f"{path} 1 MB garbage", method, path, b"\x00" * ONE_MB, ct),
        Nasty(f"{path} deep nesting", method, path, b"[" * 5000 + b"]" * 5000, ct),
    ]
    for name in fields:
        cases += [
            Nasty(f"{path} {name}=1 MB string", method, path, with_field(name, json.dumps("9" * ONE_MB)), ct),
            Nasty(f"{path} {name} with NUL", method, path, with_field(name, '"12\\u00003"'), ct),
            Nasty(f"{path} {name} lone high surrogate", method, path, with_field(name, LONE_SURROGATE), ct),
            Nasty(f"{path} {name} lone low surrogate", method, path, with_field(name, LOW_SURROGATE), ct),
            Nasty(f"{path} {name}=-1", method, path, with_field(name, "-1"), ct),
            Nasty(f"{path} {name}=huge int", method, path, with_field(name, "9" * 40), ct),
            Nasty(f"{path} {name}=1e400", method, path, with_field(name, "1e400"), ct),
            Nasty(f"{path} {name}=object", method, path, with_field(name, '{"$gt": ""}'), ct),
            Nasty(f"{path} {name}=list", method, path, with_field(name, '["a", "b"]'), ct),
            Nasty(f"{path} {name}=true", method, path, with_field(name, "true"), ct),
        ]
    return cases


#: Path-segment attacks for ids: traversal, NUL, huge numbers, non-ASCII, SQL-looking text.
BAD_IDS = [
    "..%2F..%2Fetc%2Fpasswd",
    "..",
    "%2e%2e",
    "a%00b",
    "%ED%A0%80",  # an unpaired surrogate, percent-encoded UTF-8-ish bytes
    "%FF",
    "-1",
    "0",
    "9" * 40,
    "1e999",
    "x" * 5000,
    "1%27%20OR%20%271%27%3D%271",
    "%E1%BB%93",  # ồ
]
