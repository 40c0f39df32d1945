"""Take a number, step 3: the priority question, answered automatically from the card's birth date."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import sp
from kivy.properties import BooleanProperty, StringProperty

from drivers.camera.model import CccdInfo
from kiosk.ages import age_on
from kiosk.clients.queueing import PriorityInfo, ServiceInfo
from kiosk.screens.base import ButtonListScreen
from kiosk.screens.registry import register
from kiosk.widgets.common import BigButton

log = logging.getLogger(__name__)

ELDERLY = "elderly"

DEMO_PRIORITIES = [
    PriorityInfo("elderly", "Người cao tuổi", "Elderly"),
    PriorityInfo("disabled", "Người khuyết tật", "Person with a disability"),
    PriorityInfo("pregnant", "Phụ nữ mang thai, người bế con nhỏ", "Pregnant or with a small child"),
    PriorityInfo("merit", "Người có công với cách mạng", "Person of merit"),
]


@register("priority", kv="priority.kv", order=12)
class PriorityScreen(ButtonListScreen):
    """Asks for a priority class; skipped when the card already shows the citizen is elderly, and
    without "elderly" when the card shows they are younger."""

    spoken_props: ClassVar[tuple[str, ...]] = ("message",)  # said when they change (speech on)

    requires = ("queueing",)
    demo_state = "question"
    demo_entries = DEMO_PRIORITIES
    loading = BooleanProperty(False)
    message = StringProperty("")

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.service: ServiceInfo | None = None
        self.card: CccdInfo | None = None
        self.priorities: list[PriorityInfo] = []

    def prepare(self, **params: Any) -> None:
        """`service` and optional `card`: decide automatically or load the priority classes."""
        self.service = params.get("service")
        self.card = params.get("card")
        self.message = ""
        if self.card is not None and self._is_elderly(self.card):
            log.info("priority: elderly from the ID card's birth date")
            self.priorities = []
            self.ids.grid.clear_widgets()
            self.loading = True
            # go on once this screen is current (nav.go sets it right after prepare)
            Clock.schedule_once(lambda _dt: self.choose(ELDERLY, auto=True))
            return
        client = self.ctx.services.queueing
        if client is None:
            return
        self.loading = True
        self.message = self.tr("common.please_wait")
        self.ids.grid.clear_widgets()
        self.ctx.worker.submit(client.priorities, self._loaded, self._failed)

    def _is_elderly(self, card: CccdInfo) -> bool:
        today = self.ctx.clock.now().date()
        return age_on(card.birth_date, today) >= self.ctx.config.kiosk.elderly_age(self.ctx.config.raw)

    def reset(self) -> None:
        self.service = None
        self.card = None
        self.priorities = []
        self.message = ""
        if "grid" in self.ids:
            self.ids.grid.clear_widgets()

    def _loaded(self, priorities: list[PriorityInfo]) -> None:
        self.loading = False
        self.message = ""
        if self.card is not None:
            # the card's birth date says the citizen is not elderly (else we never got here):
            # offering "elderly" anyway would invite a wrong answer
            priorities = [p for p in priorities if p.code != ELDERLY]
        self.priorities = priorities
        if not priorities:
            self.choose(None)
            return
        self.render()

    def load_failed(self, err: BaseException) -> None:
        log.warning("priorities unavailable (%s): continuing in the normal queue", err)
        self.choose(None)

    def render(self) -> None:
        """One big button per priority class."""
        grid = self.ids.grid
        grid.clear_widgets()
        for p in self.priorities:
            scale = float(getattr(App.get_running_app(), "text_scale", 1.0))
            btn = BigButton(text=p.name(self.ctx.lang), kind="secondary", font_size=sp(28) * scale)
            btn.entry_code = p.code  # type: ignore[attr-defined]
            btn.bind(on_release=lambda _b, code=p.code: self.choose(code))
            grid.add_widget(btn)

    def entries(self) -> list[PriorityInfo]:
        return self.priorities

    def button(self, code: str) -> BigButton:
        """The button of priority `code` (tests tap it)."""
        return self.entry_button(code)  # type: ignore[no-any-return]

    def choose(self, code: str | None, auto: bool = False) -> None:
        """Issue the ticket with priority `code` (None = normal queue)."""
        if self.manager is None or self.manager.current != self.name or self.service is None:
            return
        card = self.card
        self.ctx.nav.go(
            "ticket",
            service=self.service,
            priority=code,
            auto_priority=auto,
            id_hash=card.id_hash if card else None,
            birth_date=card.birth_date if card else None,
        )
