"""The FastAPI application: wiring, error translation, web pages, the pending-ticket sweeper."""

from __future__ import annotations

import base64
import io
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import qrcode
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from common.api_errors import document_errors, install_error_handlers
from common.clock import Clock, SystemClock
from common.config import REPO_ROOT, ConfigError
from common.http_guard import GuardPolicy, HttpGuard
from common.periodic import Periodic
from common.serving import is_loopback, local_base_url, origin_of
from contracts.queueing import QueueErrorBody
from queueing.api import build_router, storage_error_response
from queueing.appointment_sms import AppointmentSms
from queueing.appointments import Appointments
from queueing.appointments_api import build_appointments_router
from queueing.catalogue import LiveCatalogue
from queueing.config import QueueingConfig
from queueing.counter_api import build_counter_router
from queueing.counter_time_api import build_counter_time_router
from queueing.counters import CounterDesk
from queueing.events import EventHub
from queueing.kiosk_help import KioskHelp
from queueing.kiosk_token import NAMED_FILE_NAME, KioskToken, token_path
from queueing.ratings_api import build_ratings_router
from queueing.service import QueueService
from queueing.staff_accounts import ensure_schema
from queueing.store import Store, StoreError

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
FAVICON = REPO_ROOT / "assets" / "images" / "favicon.ico"
SWEEP_EVERY_S = 5.0


class Sweeper:
    """A background thread (`common.periodic`) voiding unconfirmed kiosk tickets (the ghost-ticket
    rule), then the `also` rounds, then applying the hub's catalogue."""

    def __init__(
        self, queue: QueueService, every_s: float = SWEEP_EVERY_S, catalogue: LiveCatalogue | None = None
    ) -> None:
        self.queue = queue
        self.catalogue = catalogue  # the hub's catalogue, applied when the uplink stored a new one
        self.every_s = every_s
        self.also: list[Callable[[], object]] = []  # more rounds after the tickets' (appointments)
        self._job = Periodic("queue-sweeper", every_s, self.round, join_s=5)

    def start(self) -> None:
        """Start the thread (the first round after `every_s`)."""
        self._job.start()

    @property
    def alive(self) -> bool:
        """True while the thread runs (false before start and after a crash)."""
        return self._job.alive

    def stop(self) -> None:
        """Stop and join the thread."""
        self._job.stop()

    def round(self) -> None:
        """One round; the catalogue is applied even when the sweep failed."""
        try:
            self.queue.sweep()
            for extra in self.also:
                extra()
        except Exception:
            log.exception("sweeping pending tickets failed; will retry")
        try:
            if self.catalogue is not None:
                self.catalogue.poll()
        except Exception:
            log.exception("applying the hub's catalogue failed; will retry")


def qr_png_data_uri(data: str) -> str:
    """A QR code as a PNG data URI (for the printable door poster)."""
    buf = io.BytesIO()
    qrcode.make(data, box_size=12, border=3).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def with_public_base_url(config: QueueingConfig, site: bool = True) -> QueueingConfig:
    """`config` with the base URL of every link and QR code, which only ever comes from config.

    A request's Host header never shapes a link (anyone can send any Host). So `public_base_url`
    is required when the service listens on a non-loopback address (ConfigError); on a loopback
    bind an empty one becomes this machine's own address, with a loud warning in a site config
    (`site`; the shipped simulated center only notes it).
    """
    if config.public_base_url:
        try:
            origin = origin_of(config.public_base_url)
        except ValueError:  # a port past 65535, say
            origin = ""
        if not origin.startswith(("http://", "https://")) or origin.endswith("://"):
            raise ConfigError(
                f"[queueing] public_base_url = {config.public_base_url!r} is not an http(s) address; "
                'write e.g. "http://192.168.1.10:8720"'
            )
        return config
    if not is_loopback(config.host):
        raise ConfigError(
            f"[queueing] public_base_url is empty but host = {config.host!r} serves the LAN; set "
            'public_base_url to the address phones and counters open, e.g. "http://192.168.1.10:8720"'
        )
    base = local_base_url(config.host, config.port, config.tls)
    log.log(
        logging.WARNING if site else logging.INFO,
        "[queueing] public_base_url is empty: ticket QR codes and the /remote poster point at %s, "
        "which only this computer can open; set public_base_url for phones and other PCs",
        base,
    )
    return config.model_copy(update={"public_base_url": base})


def config_warnings(config: QueueingConfig, site: bool) -> list[dict[str, str]]:
    """What a site config (`site`: anything but the shipped simulated center) leaves wrong that
    staff must fix: listed by /api/v1/health (the kiosk shows them on its staff screens).

    `config` is the one served (public_base_url filled in by `with_public_base_url`).
    """
    if not site:
        return []
    out = []
    host = urlsplit(config.public_base_url).hostname or ""
    if is_loopback(host):
        out.append(
            {
                "code": "public_url_loopback",
                "message": f"[queueing] public_base_url is {config.public_base_url}: ticket QR codes and "
                "the /remote poster open only on this computer, never on a phone; set it to the "
                'address phones reach, e.g. "http://192.168.1.10:8720"',
            }
        )
    if config.open_all_hours:
        out.append(
            {
                "code": "open_all_hours",
                "message": "[queueing] open_all_hours = true: tickets are issued at any hour, whatever "
                "the opening hours say (the simulated center's setting); set it to false",
            }
        )
    return out


def create_app(  # noqa: C901 - its route closures count toward it
    config: QueueingConfig,
    data_dir: Path,
    clock: Clock | None = None,
    center_name_vi: str = "",
    center_name_en: str = "",
    run_sweeper: bool = True,
    kiosk_token_file: Path | None = None,
    site_config: bool = False,
) -> FastAPI:
    """Build the app; the database opens at start-up and closes at shut-down.

    The kiosk token lives in `kiosk_token_file` (default: as `[queueing] kiosk_token_file` says,
    else kiosk.token in `data_dir`), created at the first start. `site_config`: started from a
    site file, not the shipped simulated center (leftover loopback addresses and demo switches are
    warned about: log and health).
    """
    config = with_public_base_url(config, site=site_config)
    clock = clock or SystemClock()
    store = Store(
        data_dir / "queue.sqlite3",
        synchronous=config.sqlite_synchronous,
        busy_timeout_s=config.sqlite_busy_timeout_s,
    )
    queue = QueueService(config, store, clock)
    queue.warnings = config_warnings(config, site_config)
    for warning in queue.warnings:
        log.warning("site config: %s (staff see this on the kiosk)", warning["message"])
    desk = CounterDesk(queue.wiring, queue.states, queue.estimates)
    appointment_sms = AppointmentSms(queue.wiring, data_dir, center_name_vi)
    appointment_sms.check()  # ConfigError when a template could take more than one SMS
    kiosk_token = KioskToken(kiosk_token_file or token_path(config, data_dir), data_dir / NAMED_FILE_NAME)
    hub = EventHub(config.events_max_streams_per_client, config.events_max_streams_total)
    store.on_commit_events.append(hub.notify)
    catalogue = LiveCatalogue(config, data_dir, clock.now)
    sweeper = Sweeper(queue, catalogue=catalogue)
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Open the database and start the sweeper; undo both at shutdown."""
        store.open()
        ensure_schema(store)
        desk.staff.accounts.sync_demo(config.demo_staff)
        kiosk_token.load()
        catalogue.poll()  # the last good catalogue from the hub, before the first ticket
        queue.load()
        queue.sweep()
        if run_sweeper:
            sweeper.start()
            appointment_sms.start()
        log.info(
            "queueing service ready (%d services, %d counters)", len(config.services), len(config.counters)
        )
        try:
            yield
        finally:
            hub.close()
            sweeper.stop()
            appointment_sms.stop()
            store.close()

    app = FastAPI(title="Queueing service", version="1", lifespan=lifespan, docs_url="/api/docs")
    app.state.queue = queue
    app.state.desk = desk
    app.state.hub = hub
    app.state.kiosk_token = kiosk_token
    app.state.catalogue = catalogue

    @app.exception_handler(StoreError)
    async def _storage(request: Request, err: StoreError) -> JSONResponse:
        log.error("storage problem on %s %s: %s", request.method, request.url.path, err)
        return storage_error_response(err)

    install_error_handlers(
        app,
        log=log,
        docs_path="/api/docs",
        unexpected_message=lambda: (
            "Something went wrong on the queue server; try again, "
            "and tell the center's IT staff if it keeps happening."
        ),
    )
    document_errors(app, QueueErrorBody)
    # Outermost (added last): bodies, Origin and headers for every request.
    app.add_middleware(
        HttpGuard,
        policy=GuardPolicy.for_service(
            config.max_body_bytes, [config.public_base_url], ["/api/docs", "/api/docs/oauth2-redirect"]
        ),
    )
    kiosk_help = KioskHelp(queue.wiring)  # the kiosks' open "call staff" requests, shown on every console
    app.include_router(
        build_router(queue, desk, hub, kiosk_token, kiosk_help, lambda: not run_sweeper or sweeper.alive)
    )
    app.include_router(build_counter_router(queue, desk, kiosk_help))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.mount("/fonts", StaticFiles(directory=str(REPO_ROOT / "assets" / "fonts")), name="fonts")

    def page(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        """Render a template with the center's names and the config."""
        base = {"center_vi": center_name_vi, "center_en": center_name_en, "config": config}
        return templates.TemplateResponse(request, name, {**base, **ctx})

    app.state.appointments = appts = Appointments(queue, appointment_sms)
    sweeper.also.append(appts.sweep_no_shows)  # no-shows for the province hub
    app.include_router(build_appointments_router(appts, desk, kiosk_token, page, qr_png_data_uri))
    app.include_router(build_ratings_router(queue, desk, page, qr_png_data_uri))  # rating tablets
    app.include_router(build_counter_time_router(queue, desk))  # pause reasons, time paused and idle

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        """The tab icon browsers ask every page for (shared with the locker's /verify pages)."""
        return FileResponse(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        """Links to the pages."""
        return page(request, "index.html")

    @app.get("/counter", response_class=HTMLResponse)
    def counter_page(request: Request) -> HTMLResponse:
        """The counter console."""
        return page(request, "counter.html")

    @app.get("/display", response_class=HTMLResponse)
    def display_page(request: Request) -> HTMLResponse:
        """The display board."""
        return page(request, "display.html")

    @app.get("/remote", response_class=HTMLResponse)
    def remote_page(request: Request) -> Response:
        """Take a ticket from a phone (sets a device cookie for rate limits)."""
        response = page(request, "remote.html")
        if "qdevice" not in request.cookies:
            response.set_cookie("qdevice", secrets.token_urlsafe(12), max_age=400 * 86400, samesite="lax")
        return response

    @app.get("/remote/poster", response_class=HTMLResponse)
    def remote_poster(request: Request) -> HTMLResponse:
        """A printable poster with the QR code of the remote-ticket page."""
        target = f"{config.public_base_url.rstrip('/')}/remote"
        return page(request, "poster.html", qr_src=qr_png_data_uri(target), target=target)

    @app.get("/t/{ticket_id}", response_class=HTMLResponse)
    def ticket_page(request: Request, ticket_id: str) -> Response:
        """A ticket's phone status page (follows transfers)."""
        live = queue.follow(ticket_id)
        if live != ticket_id:
            return RedirectResponse(f"/t/{live}", status_code=303)
        return page(request, "ticket.html", ticket_id=ticket_id)

    @app.get("/reports", response_class=HTMLResponse)
    def reports_page(request: Request) -> HTMLResponse:
        """The reports page."""
        return page(request, "reports.html")

    return app
