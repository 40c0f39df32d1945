"""Out of service: shown while a needed service does not answer; the app leaves it by itself."""

from __future__ import annotations

from typing import Any, ClassVar

from kivy.properties import StringProperty

from kiosk.screens.base import KioskScreen
from kiosk.screens.registry import register


@register("out_of_service", kv="out_of_service.kv", order=900)
class OutOfServiceScreen(KioskScreen):
    """Friendly message, which part is down, and the hotline. No buttons to get stuck on."""

    spoken_props: ClassVar[tuple[str, ...]] = ("detail",)  # said when they change (speech on)

    idle_home: ClassVar[bool] = False
    detail = StringProperty("")

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.waiting_for: list[str] = []

    def prepare(self, **params: Any) -> None:
        """`services`: names of the services that do not answer."""
        self.waiting_for = list(params.get("services", []))
        self._render()

    def on_language(self, lang: str) -> None:
        self._render()

    def _render(self) -> None:
        names = [self.tr(f"oos.{s}") for s in self.waiting_for]
        self.detail = " · ".join(names)

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["queueing"]

    def stage_demo(self, state: str) -> None:
        self.prepare(services=[state])
