"""Rating tablets over real HTTP on loopback: a supervisor pairs a tablet to a counter (code shown
once, token stored hashed, audited), a revoked token is refused, one rating per ticket whether it
comes from the tablet or the phone, reasons validated, comment length-limited and kept off every
public page, the satisfaction report (JSON, CSV) and the hub event (reason codes and source, never
the comment)."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import contracts.ratings as ratings_contract
from common.clock import ManualClock
from tests.conftest import REPO_ROOT
from tests.contracts.scan import strict
from tests.harness import QueueingServer
from tests.queueing.fixtures import clock_fixture, server_fixture  # noqa: F401 - fixtures
from tests.queueing.test_queue_api import counter, issue


def supervisor(url: str) -> requests.Session:
    s = requests.Session()
    assert s.post(f"{url}/api/v1/counter/sessions", json={"staff_id": "cb03", "pin": "3333"}).ok
    return s


def paired_tablet(
    url: str, boss: requests.Session, number: int = 1
) -> tuple[dict[str, Any], requests.Session]:
    """Pair a tablet to counter `number`: the supervisor's answer and the tablet's session (cookie)."""
    made = boss.post(f"{url}/api/v1/tablets", json={"counter": number, "label": "bàn 1"})
    assert made.status_code == 201, made.text
    tablet = requests.Session()
    claimed = tablet.post(f"{url}/api/v1/tablets/pair", json={"code": made.json()["pair_code"].lower()})
    assert claimed.status_code == 200, claimed.text
    assert "qtablet" in tablet.cookies and claimed.json()["counter"] == number
    return made.json(), tablet


def served(url: str, desk: requests.Session, **body: Any) -> dict[str, Any]:
    """A ticket called, started and finished at the counter of `desk`."""
    t = issue(url, **body)
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == t["number"]
    desk.post(f"{url}/api/v1/counter/start")
    assert desk.post(f"{url}/api/v1/counter/finish").json()["state"] == "done"
    return t


def db(server: QueueingServer) -> sqlite3.Connection:
    conn = sqlite3.connect(server.data_dir / "queue.sqlite3")
    conn.row_factory = sqlite3.Row
    return conn


def test_pairing_is_for_supervisors_shown_once_hashed_audited_and_revocable(server: QueueingServer) -> None:
    url = server.url
    staff = counter(url, 2)
    refused = staff.post(f"{url}/api/v1/tablets", json={"counter": 1})
    assert refused.status_code == 403 and refused.json()["error"] == "supervisor_required"
    assert requests.post(f"{url}/api/v1/tablets", json={"counter": 1}).json()["error"] == "not_signed_in"
    boss = supervisor(url)
    nowhere = boss.post(f"{url}/api/v1/tablets", json={"counter": 42})
    assert nowhere.status_code == 404 and nowhere.json()["error"] == "unknown_counter"
    made, tablet = paired_tablet(url, boss)
    assert made["pair_url"] == f"{url}/rate?code={made['pair_code']}"
    assert made["pair_qr"].startswith("data:image/png;base64,")
    # the code is single use
    again = requests.post(f"{url}/api/v1/tablets/pair", json={"code": made["pair_code"]})
    assert again.status_code == 404 and again.json()["error"] == "bad_pairing_code"
    state = tablet.get(f"{url}/api/v1/tablet").json()
    assert state["counter"] == 1 and state["pending"] is None and state["scores"] == [5, 4, 3, 2]
    assert state["idle_after_s"] == 30 and [r["code"] for r in state["reasons"]][0] == "slow"
    # neither code nor token is stored: only their hashes
    token = tablet.cookies["qtablet"]
    with db(server) as conn:
        row = conn.execute("SELECT * FROM tablets").fetchone()
        dump = "\n".join(conn.iterdump())
        audit = [r["action"] for r in conn.execute("SELECT action FROM staff_audit ORDER BY seq")]
    assert row["code_hash"] is None and len(row["token_hash"]) == 64
    assert token not in dump and made["pair_code"].replace("-", "") not in dump
    assert "tablet_pairing_started" in audit and "tablet_paired" in audit
    listed = boss.get(f"{url}/api/v1/tablets").json()
    assert [(t["tablet_id"], t["state"], t["created_by"]) for t in listed] == [
        (made["tablet_id"], "paired", "cb03")
    ]
    # revoked: cookie and bearer both refused at once; revoking again is the same answer
    assert boss.delete(f"{url}/api/v1/tablets/{made['tablet_id']}").json() == {
        "tablet_id": made["tablet_id"],
        "revoked": True,
    }
    assert boss.delete(f"{url}/api/v1/tablets/{made['tablet_id']}").status_code == 200
    gone = tablet.get(f"{url}/api/v1/tablet")
    assert gone.status_code == 401 and gone.json()["error"] == "not_paired"
    bearer = requests.get(f"{url}/api/v1/tablet", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert boss.get(f"{url}/api/v1/tablets").json()[0]["state"] == "revoked"
    assert boss.delete(f"{url}/api/v1/tablets/tab-nope").json()["error"] == "unknown_tablet"
    with db(server) as conn:
        assert (
            conn.execute("SELECT COUNT(*) FROM staff_audit WHERE action = 'tablet_revoked'").fetchone()[0]
            == 1
        )


def test_an_expired_code_is_refused(server: QueueingServer, clock: ManualClock) -> None:
    boss = supervisor(server.url)
    made = boss.post(f"{server.url}/api/v1/tablets", json={"counter": 2}).json()
    clock.advance(11 * 60)  # pair_code_ttl_min = 10
    late = requests.post(f"{server.url}/api/v1/tablets/pair", json={"code": made["pair_code"]})
    assert late.status_code == 404 and late.json()["error"] == "bad_pairing_code"
    assert boss.get(f"{server.url}/api/v1/tablets").json()[0]["state"] == "expired"


def test_one_rating_per_ticket_from_tablet_or_phone(server: QueueingServer, clock: ManualClock) -> None:
    url = server.url
    _, tablet = paired_tablet(url, supervisor(url), 2)
    desk = counter(url, 2)
    first = served(url, desk)
    pending = tablet.get(f"{url}/api/v1/tablet").json()["pending"]
    assert pending["ticket_id"] == first["ticket_id"] and pending["officer"] == "Nguyễn Văn An"
    rated = tablet.post(f"{url}/api/v1/tablet/rating", json={"ticket_id": first["ticket_id"], "score": 4})
    assert rated.status_code == 201 and rated.json() == {"ticket_id": first["ticket_id"], "rating": 4}
    assert tablet.get(f"{url}/api/v1/tablet").json()["pending"] is None
    # the phone comes second: the same rule says no
    phone = requests.post(f"{url}/api/v1/tickets/{first['ticket_id']}/rating", json={"score": 1})
    assert phone.status_code == 409 and phone.json()["error"] == "already_rated"
    # the phone first, then the tablet
    second = served(url, desk)
    assert requests.post(f"{url}/api/v1/tickets/{second['ticket_id']}/rating", json={"score": 5}).ok
    late = tablet.post(f"{url}/api/v1/tablet/rating", json={"ticket_id": second["ticket_id"], "score": 2})
    assert late.status_code == 409 and late.json()["error"] == "already_rated"
    # "call next" finishes the ticket being served: the tablet asks about it too
    busy, next_one = issue(url), issue(url)
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == busy["number"]
    desk.post(f"{url}/api/v1/counter/start")
    assert desk.post(f"{url}/api/v1/counter/call-next").json()["number"] == next_one["number"]
    assert tablet.get(f"{url}/api/v1/tablet").json()["pending"]["ticket_id"] == busy["ticket_id"]
    desk.post(f"{url}/api/v1/counter/start")
    desk.post(f"{url}/api/v1/counter/finish")
    # a tablet rates only the last ticket served at its own counter, recently
    elsewhere = served(url, counter(url, 5, "cb02", "2222"))
    other = tablet.post(f"{url}/api/v1/tablet/rating", json={"ticket_id": elsewhere["ticket_id"], "score": 5})
    assert other.status_code == 409 and other.json()["error"] == "not_rateable_here"
    third = served(url, desk)
    clock.advance(181)  # tablet_accept_s = 180
    stale = tablet.post(f"{url}/api/v1/tablet/rating", json={"ticket_id": third["ticket_id"], "score": 5})
    assert stale.status_code == 409 and stale.json()["error"] == "not_rateable_here"
    with db(server) as conn:
        rows = {r["ticket_id"]: dict(r) for r in conn.execute("SELECT * FROM ticket_ratings")}
        hub = [
            json.loads(r["data"])
            for r in conn.execute("SELECT data FROM hub_events WHERE kind = 'ticket.rated'")
        ]
    assert (
        rows[first["ticket_id"]] | {"source": "tablet", "staff_id": "cb01", "counter": 2, "score": 4}
        == (rows[first["ticket_id"]])
    )
    assert rows[second["ticket_id"]]["source"] == "phone" and rows[second["ticket_id"]]["staff_id"] == "cb01"
    assert [h["rating"] for h in hub] == [4, 5] and all(h["counter"] == 2 for h in hub)
    assert [h["source"] for h in hub] == ["tablet", "phone"] and [h["reasons"] for h in hub] == [[], []]


def test_reasons_and_comment_are_checked_and_the_comment_stays_inside(server: QueueingServer) -> None:
    url = server.url
    _, tablet = paired_tablet(url, supervisor(url), 2)
    desk = counter(url, 2)
    t = served(url, desk)

    def rate(**body: Any) -> requests.Response:
        return tablet.post(f"{url}/api/v1/tablet/rating", json={"ticket_id": t["ticket_id"], **body})

    assert rate(score=1).json()["field"] == "score"  # the tablet offers four levels: 5..2
    unknown = rate(score=2, reasons=["slow", "bribe"])
    assert unknown.status_code == 422 and unknown.json() | {
        "error": "unknown_reason",
        "field": "reasons",
    } == (unknown.json())
    high = rate(score=5, reasons=["slow"])
    assert high.status_code == 422 and high.json()["field"] == "reasons"
    long = rate(score=2, reasons=["slow"], comment="x" * 201)  # comment_max_chars = 200
    assert long.status_code == 422 and long.json()["field"] == "comment"
    evil = '<img src=x onerror="alert(1)"> =HYPERLINK("x")\x00\x1b'
    ok = rate(score=2, reasons=["attitude", "slow", "slow"], comment=evil)
    assert ok.status_code == 201, ok.text
    with db(server) as conn:
        row = conn.execute("SELECT reasons, comment FROM ticket_ratings").fetchone()
        hub = conn.execute("SELECT data FROM hub_events WHERE kind = 'ticket.rated'").fetchone()["data"]
    assert json.loads(row["reasons"]) == ["attitude", "slow"]
    assert row["comment"] == '<img src=x onerror="alert(1)"> =HYPERLINK("x")'  # control characters gone
    assert "img" not in hub and "HYPERLINK" not in hub  # no free text leaves the center
    # the reasons' codes (from config, never their texts) and the source do
    sent = json.loads(hub)
    assert sent | {"reasons": ["attitude", "slow"], "source": "tablet", "rating": 2} == sent
    # no public page or answer shows it
    for path in (
        f"/t/{t['ticket_id']}",
        f"/api/v1/tickets/{t['ticket_id']}",
        "/api/v1/display/state",
        "/rate",
    ):
        assert "onerror" not in requests.get(f"{url}{path}").text, path
    assert "onerror" not in tablet.get(f"{url}/api/v1/tablet").text
    # the supervisors' report has it as data (pages put it in with textContent); never in the CSV
    boss = supervisor(url)
    rep = boss.get(f"{url}/api/v1/reports/ratings", params={"group": "staff"}).json()
    assert rep["comments"][0]["comment"].startswith("<img") and rep["comments"][0]["score"] == 2
    assert "onerror" not in boss.get(f"{url}/api/v1/reports/ratings", params={"format": "csv"}).text


def test_satisfaction_report_per_officer_counter_service_and_day(server: QueueingServer) -> None:
    url = server.url
    boss = supervisor(url)
    _, tablet = paired_tablet(url, boss, 2)
    an = counter(url, 2)
    binh = counter(url, 5, "cb02", "2222")
    for score, reasons in ((5, []), (2, ["slow", "unclear"]), (2, ["slow"])):
        t = served(url, an)
        body = {"ticket_id": t["ticket_id"], "score": score, "reasons": reasons}
        assert tablet.post(f"{url}/api/v1/tablet/rating", json=body).status_code == 201
    served(url, an)  # served, not rated
    t = served(url, binh)
    assert requests.post(f"{url}/api/v1/tickets/{t['ticket_id']}/rating", json={"score": 3}).ok
    staff_only = counter(url, 1, "cb01", "1111")
    assert staff_only.get(f"{url}/api/v1/reports/ratings").json()["error"] == "supervisor_required"
    rep = boss.get(f"{url}/api/v1/reports/ratings", params={"group": "staff"}).json()
    rows = {r["group"]: r for r in rep["rows"]}
    assert (
        rows["cb01"]
        | {
            "label": "Nguyễn Văn An",
            "served": 4,
            "rated": 3,
            "rated_pct": 75.0,
            "tablet": 3,
            "phone": 0,
            "very_satisfied": 1,
            "dissatisfied": 2,
            "satisfied_pct": 33.3,
        }
        == rows["cb01"]
    )
    assert [(r["code"], r["count"]) for r in rows["cb01"]["reasons"]] == [("slow", 2), ("unclear", 1)]
    assert rows["cb02"]["neutral"] == 1 and rows["cb02"]["phone"] == 1
    assert rows["all"]["served"] == 5 and rows["all"]["rated"] == 4 and rows["all"]["rated_pct"] == 80.0
    assert rep["reasons"][0] == {
        "code": "slow",
        "name_vi": "Chờ lâu, xử lý chậm",
        "name_en": "Long wait, slow handling",
        "count": 2,
    }
    by_counter = boss.get(f"{url}/api/v1/reports/ratings", params={"group": "counter"}).json()
    assert [r["group"] for r in by_counter["rows"]] == ["2", "5", "all"]
    by_service = boss.get(f"{url}/api/v1/reports/ratings", params={"group": "service"}).json()
    assert by_service["rows"][0]["group"] == "ho_tich" and by_service["rows"][0]["rated"] == 4
    by_day = boss.get(
        f"{url}/api/v1/reports/ratings", params={"group": "day", "start": "2026-01-01", "end": "2026-01-05"}
    ).json()
    assert [r["group"] for r in by_day["rows"]] == ["2026-01-05", "all"]
    text = boss.get(f"{url}/api/v1/reports/ratings", params={"group": "staff", "format": "csv"}).text
    table = list(csv.DictReader(io.StringIO(text)))
    assert (
        table[0]["group"] == "cb01"
        and table[0]["reasons"] == "slow:2 unclear:1"
        and table[-1]["group"] == "all"
    )
    backwards = boss.get(f"{url}/api/v1/reports/ratings", params={"start": "2026-01-05", "end": "2026-01-01"})
    assert backwards.status_code == 422 and backwards.json()["field"] == "end"


def test_pairing_attempts_are_limited_per_address(server: QueueingServer) -> None:
    answers = [
        requests.post(f"{server.url}/api/v1/tablets/pair", json={"code": f"WRONG{i:03d}"}).status_code
        for i in range(11)
    ]
    assert answers[:10] == [404] * 10 and answers[10] == 429


def test_the_admin_cli_pairs_lists_and_revokes(server: QueueingServer) -> None:
    def cli(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "queueing", "tablet", *words, "--data-dir", str(server.data_dir)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    made = cli("pair", "--counter", "3", "--label", "cửa sổ")
    assert made.returncode == 0, made.stderr
    code = re.search(r"the code ([A-Z0-9]{4}-[A-Z0-9]{4})", made.stdout)
    assert code and "/rate" in made.stdout
    assert re.search(r"before \d\d:\d\d \(\d{4}-\d\d-\d\d, Asia/Ho_Chi_Minh; shown only now\)", made.stdout)
    tablet = requests.Session()
    claimed = tablet.post(f"{server.url}/api/v1/tablets/pair", json={"code": code.group(1)}).json()
    assert claimed["counter"] == 3
    listed = cli("list")
    assert claimed["tablet_id"] in listed.stdout and "paired" in listed.stdout and "cửa sổ" in listed.stdout
    assert cli("revoke", claimed["tablet_id"]).returncode == 0
    assert tablet.get(f"{server.url}/api/v1/tablet").status_code == 401
    nowhere = cli("pair", "--counter", "77")
    assert nowhere.returncode == 1 and "There is no counter 77" in nowhere.stderr
    with db(server) as conn:
        rows = conn.execute("SELECT actor FROM staff_audit WHERE action LIKE 'tablet_%' ORDER BY seq")
        actors = [r["actor"] for r in rows]
    assert actors == ["cli", f"tablet:{claimed['tablet_id']}", "cli"]


def test_random_answers_from_a_paired_tablet_never_cause_a_500(server: QueueingServer) -> None:
    url = server.url
    _, tablet = paired_tablet(url, supervisor(url), 2)
    t = served(url, counter(url, 2))
    texts = st.text(max_size=300) | st.sampled_from(["slow", "attitude", "", "\x00", "<script>"])
    bodies = st.fixed_dictionaries(
        {},
        optional={
            "ticket_id": st.sampled_from([t["ticket_id"], "nope", ""]) | st.integers(),
            "score": st.integers(-3, 7) | st.text(max_size=3) | st.none(),
            "reasons": st.lists(texts | st.integers(), max_size=14) | texts,
            "comment": texts | st.none() | st.integers(),
        },
    )

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies)
    def check(body: dict[str, Any]) -> None:
        r = tablet.post(f"{url}/api/v1/tablet/rating", json=body, timeout=10)
        assert r.status_code < 500, (body, r.text)
        if r.status_code >= 400:
            assert isinstance(r.json()["error"], str) and isinstance(r.json()["message"], str)

    check()


def test_tablet_and_phones_rating_at_once_make_one_rating(server: QueueingServer) -> None:
    url = server.url
    _, tablet = paired_tablet(url, supervisor(url), 2)
    t = served(url, counter(url, 2))
    start = threading.Barrier(12)

    def from_tablet(score: int) -> int:
        start.wait()
        body = {"ticket_id": t["ticket_id"], "score": score}
        return tablet.post(f"{url}/api/v1/tablet/rating", json=body, timeout=20).status_code

    def from_phone(score: int) -> int:
        start.wait()
        return requests.post(
            f"{url}/api/v1/tickets/{t['ticket_id']}/rating", json={"score": score}, timeout=20
        ).status_code

    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(from_tablet, s) for s in (5, 4, 3, 2, 5, 4)]
        futures += [pool.submit(from_phone, s) for s in (1, 2, 3, 4, 5, 1)]
        answers = [f.result() for f in futures]
    assert sum(a in (200, 201) for a in answers) == 1, answers  # the phone says 200, the tablet 201
    assert {a for a in answers if a not in (200, 201)} == {409}, answers
    with db(server) as conn:
        assert conn.execute("SELECT COUNT(*) FROM ticket_ratings").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM hub_events WHERE kind = 'ticket.rated'").fetchone()[0] == 1


def test_every_answer_is_its_contract_model_exactly(server: QueueingServer) -> None:
    url = server.url

    def check(model: Any, r: requests.Response) -> Any:
        assert r.ok, r.text
        TypeAdapter(strict(model)).validate_python(r.json())  # a field the contract lacks is drift too
        return r.json()

    boss = supervisor(url)
    made = check(ratings_contract.TabletPairing, boss.post(f"{url}/api/v1/tablets", json={"counter": 2}))
    tablet = requests.Session()
    check(
        ratings_contract.TabletPaired,
        tablet.post(f"{url}/api/v1/tablets/pair", json={"code": made["pair_code"]}),
    )
    check(ratings_contract.TabletState, tablet.get(f"{url}/api/v1/tablet"))
    t = served(url, counter(url, 2))
    assert check(ratings_contract.TabletState, tablet.get(f"{url}/api/v1/tablet"))["pending"] is not None
    body = {"ticket_id": t["ticket_id"], "score": 2, "reasons": ["slow"], "comment": "chậm"}
    check(ratings_contract.TabletRated, tablet.post(f"{url}/api/v1/tablet/rating", json=body))
    for group in ("staff", "counter", "service", "day"):
        check(ratings_contract.SatisfactionReport, boss.get(f"{url}/api/v1/reports/ratings?group={group}"))
    check(list[ratings_contract.TabletRow], boss.get(f"{url}/api/v1/tablets"))
    check(ratings_contract.TabletRevoked, boss.delete(f"{url}/api/v1/tablets/{made['tablet_id']}"))
