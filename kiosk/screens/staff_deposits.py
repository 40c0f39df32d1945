"""Staff: withdraw expired items, or (supervisor) reissue a code / unblock a locked deposit."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from kivy.properties import StringProperty

from kiosk.clients.locker import DoorOutcome
from kiosk.clients.locker_views import Deposit, DepositSummary
from kiosk.screens.registry import register
from kiosk.screens.staff_base import StaffScreen, find_button, make_row

log = logging.getLogger(__name__)

# Deposits with a code a supervisor may re-issue (the daemon's rule).
REISSUABLE = ("code_sent", "expired", "pickup_jammed", "pickup_unknown")
# What a supervisor may take back besides expired items (a loader: expired only).
SUPERVISOR_WITHDRAW = ("expired", "code_sent", "pickup_jammed", "pickup_unknown")


@register("staff_deposits", kv="staff_deposits.kv", order=33)
class StaffDepositsScreen(StaffScreen):
    """`mode` "withdraw": expired items, each with "Withdraw"; "reissue": waiting items with
    "New code", and "Unblock" for deposits locked after wrong codes."""

    mode = StringProperty("withdraw")

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.rows: list[DepositSummary] = []

    def prepare(self, **params: Any) -> None:
        """Load the list for `mode`."""
        self.mode = "reissue" if params.get("mode") == "reissue" else "withdraw"
        self.rows = []
        self.render()
        self.refresh()

    def refresh(self) -> None:
        """Ask the locker for the list again (all deposits, filtered here by role and mode)."""
        self.say("staff.loading")
        client = self.client
        loader_withdraw = self.mode == "withdraw" and not (self.session and self.session.is_supervisor)
        self.run(lambda: client.deposits("expired" if loader_withdraw else None), self._loaded)

    def _loaded(self, rows: list[DepositSummary]) -> None:
        supervisor = bool(self.session and self.session.is_supervisor)
        if self.mode == "withdraw":
            keep = SUPERVISOR_WITHDRAW if supervisor else ("expired",)
        else:
            keep = REISSUABLE
        # expired first: they are what a withdrawal round is for
        self.rows = sorted(
            (r for r in rows if r.state in keep), key=lambda r: (r.state != "expired", r.compartment)
        )
        empty = "staff.none_expired" if self.mode == "withdraw" else "staff.none_deposits"
        self.say(None if self.rows else empty)
        self.render()

    def render(self) -> None:
        """Rebuild the rows."""
        box = self.ids.rows
        box.clear_widgets()
        for r in self.rows:
            text = self.tr(
                "staff.deposit_row", label=r.compartment, code=r.dossier_code, phone=r.phone_masked
            )
            text += (
                f"  ({self.tr('state.' + r.state)})"
                if f"state.{r.state}" in _state_keys()
                else f"  ({r.state})"
            )
            buttons: list[Any] = []
            if self.mode == "withdraw":
                buttons.append(
                    (
                        self.tr("staff.withdraw_btn"),
                        "primary",
                        lambda d=r: self.act(d, "withdraw"),
                        f"withdraw-{r.deposit_id}",
                    )
                )
            else:
                if r.locked:
                    buttons.append(
                        (
                            self.tr("staff.unblock_btn"),
                            "secondary",
                            lambda d=r: self.act(d, "unblock"),
                            f"unblock-{r.deposit_id}",
                        )
                    )
                buttons.append(
                    (
                        self.tr("staff.reissue_btn"),
                        "primary",
                        lambda d=r: self.act(d, "reissue"),
                        f"reissue-{r.deposit_id}",
                    )
                )
            box.add_widget(make_row(text, buttons))

    def button(self, test_id: str) -> Any:
        """A row button by id, e.g. "withdraw-<deposit_id>" (tests tap it)."""
        return find_button(self.ids.rows, test_id)

    def act(self, row: DepositSummary, action: str) -> None:
        """Withdraw / reissue / unblock one deposit."""
        client = self.client
        self.say("common.please_wait")
        self.run(
            lambda: client.deposit_action(row.deposit_id, action), lambda dep: self._done(row, action, dep)
        )

    def _done(self, row: DepositSummary, action: str, dep: Deposit) -> None:
        if action == "withdraw":
            label = dep.compartment or row.compartment
            if dep.door.is_open or dep.door is DoorOutcome.UNKNOWN:
                self.say("staff.withdrawn", "ok", label=label)
            else:
                self.say("staff.door_jammed", "error", label=label)
            self.rows = [r for r in self.rows if r.deposit_id != row.deposit_id]
        elif action == "reissue":
            self.say("staff.reissued", "ok", code=row.dossier_code)
        else:
            self.say("staff.unblocked", "ok", code=row.dossier_code)
            self.rows = [replace(r, locked=False) if r.deposit_id == row.deposit_id else r for r in self.rows]
        self.render()

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self.render()

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["withdraw", "reissue"]

    def stage_demo(self, state: str) -> None:
        self.mode = state
        if state == "withdraw":
            self.rows = [
                DepositSummary("d1", "H26.1-241101-0007", "3", "expired", None, "090****001"),
                DepositSummary("d2", "H26.1-241102-0012", "14", "expired", None, "090****002"),
            ]
        else:
            self.rows = [
                DepositSummary("d3", "H26.1-241120-0031", "5", "code_sent", None, "090****003"),
                DepositSummary("d4", "H26.1-241121-0044", "9", "code_sent", None, "090****004", locked=True),
            ]
        self.say(None)
        self.render()


def _state_keys() -> set[str]:
    from kiosk.i18n import TABLE

    return {k for k in TABLE if k.startswith("state.")}
