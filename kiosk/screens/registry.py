"""The screen registry: each screen module registers itself; the app and screenshots discover them.

A new screen is one module in kiosk/screens/ decorated with `@register("name", kv="name.kv")`
plus its kv file in kiosk/kv/. `discover()` imports every module of the package, so nothing
else has to be edited to add a screen.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from kiosk.screens.base import KioskScreen

log = logging.getLogger(__name__)
KV_DIR = Path(__file__).resolve().parent.parent / "kv"
#: The two screens the app itself shows (built at start; the others on first use).
HOME = "home"
OUT_OF_SERVICE = "out_of_service"
S = TypeVar("S", bound="type[KioskScreen]")


@dataclass(frozen=True)
class ScreenSpec:
    """A registered screen: its name, class, kv file and order in screenshots."""

    name: str
    cls: type[KioskScreen]
    kv: Path | None
    order: int


_REGISTRY: dict[str, ScreenSpec] = {}


def register(name: str, kv: str | None = None, order: int = 100) -> Callable[[S], S]:
    """Class decorator: register a KioskScreen subclass under `name` with its kv file."""

    def deco(cls: S) -> S:
        path = KV_DIR / kv if kv else None
        if path is not None and not path.is_file():
            raise FileNotFoundError(f"screen {name!r}: kv file {path} is missing")
        _REGISTRY[name] = ScreenSpec(name=name, cls=cls, kv=path, order=order)
        cls.screen_name = name
        return cls

    return deco


def discover() -> list[ScreenSpec]:
    """Import every module in kiosk.screens and return the registered screens in order.

    A module that fails to import is logged and left out (the kiosk keeps its other flows).
    """
    import kiosk.screens as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name in ("registry", "base"):
            continue
        try:
            importlib.import_module(f"kiosk.screens.{info.name}")
        except Exception:  # one broken screen must not take the whole kiosk down
            log.exception(
                "screen module kiosk.screens.%s failed to load; its screens are left out", info.name
            )
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))
