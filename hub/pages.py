"""The hub's pages: province overview, a center's trends, fleet alarms.

A page holds no data: its script asks for a reader token once per browser tab (kept in the
tab's `sessionStorage`) and reads the API with it; the same token downloads the CSV files.
Each page is in one language (`?lang=vi` by default, `?lang=en`), with a link to the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub import texts
from hub.texts import Lang
from hub.trends import TREND_COLUMNS

HERE = Path(__file__).resolve().parent
#: The overview table's columns, in order (labels in hub.texts).
OVERVIEW_COLUMNS = (
    "center", "status", "waiting_now", "tickets_issued", "tickets_served", "mean_wait_min",
    "share_over_target", "mean_rating", "alarms_open", "last_seen", "results_waiting", "lockers_in_use",
)  # fmt: skip
ALARM_COLUMNS = ("center", "alarm", "started", "ended", "alarm_state", "minutes")
DEVICE_COLUMNS = ("center", "status", "device", "device_state", "since")


def register(app: FastAPI, timezone: str) -> None:
    """Add the pages' routes to `app` (times shown in `timezone`, the province's)."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    def render(request: Request, name: str, lang: Lang, **extra: Any) -> HTMLResponse:
        other: Lang = "en" if lang == "vi" else "vi"
        context = {
            "lang": lang,
            "other": other,
            "timezone": timezone,
            "t": lambda key: texts.text(key, lang),
            "page_texts": texts.page_texts(lang),
            **extra,
        }
        return templates.TemplateResponse(request, name, context)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(request: Request, lang: Lang = "vi") -> HTMLResponse:
        """The province overview."""
        return render(request, "overview.html", lang, columns=OVERVIEW_COLUMNS)

    @app.get("/centers/{center_id}", response_class=HTMLResponse, include_in_schema=False)
    def center_page(request: Request, center_id: str, lang: Lang = "vi") -> HTMLResponse:
        """A center's trends by day, week or month."""
        return render(request, "center.html", lang, center_id=center_id, columns=TREND_COLUMNS)

    @app.get("/alarms", response_class=HTMLResponse, include_in_schema=False)
    def alarms_page(request: Request, lang: Lang = "vi") -> HTMLResponse:
        """Fleet alarms and devices not ok."""
        return render(
            request, "alarms.html", lang, alarm_columns=ALARM_COLUMNS, device_columns=DEVICE_COLUMNS
        )
