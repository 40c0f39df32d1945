"""Take a number, step 1: choose a service (big tiles, pages, search when there are many)."""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any, ClassVar

from kivy.app import App
from kivy.metrics import sp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.clients.base import ApiError, ServiceError
from kiosk.clients.queueing import ServiceInfo
from kiosk.opening import opens_later_today, parse_moment, when_fields
from kiosk.screens.base import ButtonListScreen
from kiosk.screens.registry import register
from kiosk.textmatch import matches
from kiosk.widgets.common import BigButton

log = logging.getLogger(__name__)

PER_PAGE = 8

DEMO_SERVICES = [
    ServiceInfo(
        "civil", "Hộ tịch (khai sinh, kết hôn)", "Civil status (birth, marriage)", "A", True, None, 4, None
    ),
    ServiceInfo("land", "Đất đai, nhà ở", "Land and housing", "B", True, None, 12, None),
    ServiceInfo("business", "Đăng ký kinh doanh", "Business registration", "C", True, None, 0, None),
    ServiceInfo(
        "justice", "Tư pháp, chứng thực bản sao", "Justice, certified copies", "D", True, None, 7, None
    ),
    ServiceInfo(
        "social",
        "Lao động, thương binh và xã hội",
        "Labour, invalids and social affairs",
        "E",
        False,
        "13:30",
        0,
        "closed",
    ),
    ServiceInfo("build", "Cấp phép xây dựng", "Building permits", "F", False, None, 0, "cap_reached"),
]


def tile_text(s: ServiceInfo, tr: Any, lang: str, now: datetime | None = None) -> str:
    """Name plus a second line: waiting count, or why it is closed and when it opens next."""
    moment = parse_moment(s.opens_next_at)
    if s.open:
        sub = tr("services.waiting", n=s.waiting)
    elif s.reason_closed == "cap_reached":
        sub = tr("services.cap_reached")
    elif moment is not None and now is not None and not opens_later_today(moment, now):
        sub = tr("services.closed_until_day", **when_fields(tr, moment))
    elif s.opens_at:
        sub = tr("services.closed_until", opens_at=s.opens_at)
    else:
        sub = tr("services.closed")
    return f"{s.name(lang)}\n[size=22sp]{sub}[/size]"


@register("services", kv="services.kv", order=10)
class ServicesScreen(ButtonListScreen):
    """Lists services from the queueing service; tapping an open one continues the flow."""

    spoken_props: ClassVar[tuple[str, ...]] = ("message",)  # said when they change (speech on)

    requires = ("queueing",)
    demo_entries = DEMO_SERVICES

    loading = BooleanProperty(False)
    searchable = BooleanProperty(False)
    message = StringProperty("")
    page = NumericProperty(0)
    pages = NumericProperty(1)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.services: list[ServiceInfo] = []
        self.query = ""

    def prepare(self, **_params: Any) -> None:
        """Load the service list in the background."""
        self.reset()
        client = self.ctx.services.queueing
        if client is None:
            return
        self.loading = True
        self.message = self.tr("services.loading")
        self.ctx.worker.submit(client.services, self._loaded, self._failed)

    def on_enter(self, *_args: Any) -> None:
        self.ctx.nav.play_voice("choose_service")

    def reset(self) -> None:
        self.query = ""
        self.page = 0
        if "search" in self.ids:
            self.ids.search.text = ""

    def _loaded(self, services: list[ServiceInfo]) -> None:
        self.loading = False
        self.message = ""
        self.services = services
        self.searchable = len(services) >= self.ctx.config.kiosk.search_min_services
        self.render()

    def load_failed(self, err: BaseException) -> None:
        log.error("service list failed: %s", err)
        self.message = self.tr("common.unexpected") if not isinstance(err, ApiError) else err.message

    def visible(self) -> list[ServiceInfo]:
        """Services matching the search text."""
        q = self.query.strip()
        return [s for s in self.services if not q or matches(q, s.name_vi, s.name_en, s.prefix, s.code)]

    def set_query(self, text: str) -> None:
        """Search box changed."""
        self.query = text
        self.page = 0
        self.render()

    def turn(self, delta: int) -> None:
        """Previous/next page."""
        self.page = max(0, min(self.pages - 1, self.page + delta))
        self.render()

    def render(self) -> None:
        """Rebuild the tiles of the current page."""
        grid = self.ids.grid
        grid.clear_widgets()
        shown = self.visible()
        scale = float(getattr(App.get_running_app(), "text_scale", 1.0))
        per_page = PER_PAGE if scale == 1 else 2  # large text: one column of wide, tall tiles
        self.pages = max(1, math.ceil(len(shown) / per_page))
        self.page = min(self.page, self.pages - 1)
        if self.services and not shown:
            self.message = self.tr("services.none_found", q=self.query)
        elif not self.services and not self.loading:
            self.message = self.tr("services.empty")
        elif not self.loading:
            self.message = ""
        for s in shown[self.page * per_page : (self.page + 1) * per_page]:
            btn = BigButton(
                text=tile_text(s, self.tr, self.ctx.lang, self.ctx.clock.now()).replace(
                    "[size=22sp]", f"[size={int(sp(22) * scale)}]"
                ),
                markup=True,
                font_size=sp(28) * scale,
                kind="primary" if s.open else "neutral",
                disabled=not s.open,
            )
            btn.entry_code = s.code  # type: ignore[attr-defined]
            btn.bind(on_release=lambda _b, svc=s: self.choose(svc))
            grid.add_widget(btn)
        # keep the grid shape stable on a short last page
        for _ in range(per_page - len(grid.children)):
            grid.add_widget(Widget())

    def entries(self) -> list[ServiceInfo]:
        return self.services

    def tile(self, code: str) -> BigButton:
        """The tile of service `code` on the current page (tests tap it)."""
        return self.entry_button(code)  # type: ignore[no-any-return]

    def choose(self, service: ServiceInfo) -> None:
        """Continue with `service`: ID scan (if enabled) or the priority question."""
        if not service.open:
            return
        if self.ctx.config.kiosk.scan_id_enabled:
            self.ctx.nav.go("scan_id", service=service)
        else:
            self.ctx.nav.go("priority", service=service, card=None)


__all__ = ["ServiceError", "ServicesScreen"]
