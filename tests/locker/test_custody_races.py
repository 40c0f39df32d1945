"""Staff actions against a citizen's pickup (found by the locker review): a withdraw kills the code
before its door opens, a re-issue is refused once a pickup has begun, and a jammed pickup's
record never blocks the pickup with the re-issued code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from locker.domain import UnlockPurpose
from locker.staff import Role
from tests.locker.conftest import Harness


def test_a_pickup_during_a_withdraw_is_refused_and_the_code_dies_with_it(
    make_harness: Callable[..., Harness],
) -> None:
    h = make_harness()
    sup, loader = h.sign_in("sup1", Role.SUPERVISOR), h.sign_in("ld1", Role.LOADER)
    dep, code = h.load(loader, "HS-1")
    loaded = h.pulses(dep["compartment"])
    pulse = h.svc.cabinet.pulse
    during: dict[str, Any] = {}

    def pickup_while_withdrawing(label: str, purpose: UnlockPurpose, actor: str, **kw: Any) -> Any:
        result = pulse(label, purpose, actor, **kw)
        if purpose is UnlockPurpose.WITHDRAW:  # the door is open for staff, WITHDRAWN not yet written
            during["pickup"] = h.pickup(code)
        return result

    h.svc.cabinet.pulse = pickup_while_withdrawing  # type: ignore[method-assign]
    try:
        withdrawn = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/withdraw", sup)
    finally:
        h.svc.cabinet.pulse = pulse  # type: ignore[method-assign]
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn", withdrawn.text
    assert during["pickup"].status_code in (401, 403, 404, 409, 422), during["pickup"].text
    assert h.pulses(dep["compartment"]) == loaded + 1  # staff's door only


def test_a_crash_after_the_withdraw_pulse_leaves_no_live_code(make_harness: Callable[..., Harness]) -> None:
    h = make_harness()
    sup, loader = h.sign_in("sup1", Role.SUPERVISOR), h.sign_in("ld1", Role.LOADER)
    dep, code = h.load(loader, "HS-1")
    loaded = h.pulses(dep["compartment"])
    pulse = h.svc.cabinet.pulse

    def crash_after(label: str, purpose: UnlockPurpose, actor: str, **kw: Any) -> Any:
        pulse(label, purpose, actor, **kw)
        raise SystemExit("the daemon dies before WITHDRAWN is written")

    h.svc.cabinet.pulse = crash_after  # type: ignore[method-assign]
    try:
        h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/withdraw", sup)
    except SystemExit:
        pass
    finally:
        h.svc.cabinet.pulse = pulse  # type: ignore[method-assign]
    h.set_door(dep["compartment"], False)  # staff took the result and shut the door
    h.restart()
    late = h.pickup(code)
    assert late.status_code != 200, late.text  # the old SMS code opens nothing any more
    assert h.pulses(dep["compartment"]) == loaded + 1


def test_a_reissue_after_a_jammed_pickup_opens_with_the_new_code(
    make_harness: Callable[..., Harness],
) -> None:
    h = make_harness()
    sup, loader = h.sign_in("sup1", Role.SUPERVISOR), h.sign_in("ld1", Role.LOADER)
    dep, code = h.load(loader, "HS-1")
    board, lock = h.where(dep["compartment"])
    h.sim.cabinet.inject("jammed", board=board, lock=lock)
    assert h.pickup(code).json().get("door") != "opened"
    h.sim.cabinet.clear("jammed")
    reissued = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/reissue", sup)
    assert reissued.status_code == 200, reissued.text
    opened = h.pickup(h.code_for("HS-1", 2))
    assert opened.status_code == 200 and opened.json()["door"] == "opened", opened.text  # it was 500


def test_no_reissue_once_a_pickup_has_begun(make_harness: Callable[..., Harness]) -> None:
    from locker.deposits_repo import set_state
    from locker.domain import DepositState

    h = make_harness()
    sup, loader = h.sign_in("sup1", Role.SUPERVISOR), h.sign_in("ld1", Role.LOADER)
    dep, _code = h.load(loader, "HS-1")
    issue = h.svc.deposits.issue_code

    def pickup_begins_first(actor: str, deposit_id: str, reissue: bool, item: bool | None = None) -> Any:
        with h.svc.store.tx() as conn:  # a citizen's pickup reached pickup_opening meanwhile
            set_state(conn, deposit_id, DepositState.PICKUP_OPENING, h.clock.now(), "kiosk")
        return issue(actor, deposit_id, reissue, item)

    h.svc.deposits.issue_code = pickup_begins_first  # type: ignore[method-assign]
    refused = h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/reissue", sup)
    assert refused.status_code == 409 and refused.json()["error"] == "not_reissuable", refused.text
