"""Typed configuration of the queueing service (`[queueing]` in config/default.toml)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from common.config import DEFAULT_CONFIG, ConfigError, load_raw, read_toml, section, site_file, validate
from common.serving import HttpServing
from queueing.appointments_config import AppointmentsConfig
from queueing.ratings_config import RatingsConfig

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OrderingPolicy(StrEnum):
    """How a counter picks the next waiting ticket of a service."""

    STRICT_PRIORITY = "strict_priority"
    AGING = "aging"
    ONE_PER_N = "one_per_n"
    FIFO = "fifo"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _one_line(value: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise ValueError("one line of printable characters (no tab, newline or control character)")
    return value


#: A name shown to citizens (a service's, a priority's): not blank, one line, at most 120 characters.
DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), AfterValidator(_one_line)
]
#: A public holiday: a day of this era (a typo like 0202-09-02 is refused, not silently useless).
Holiday = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2199, 12, 31))]


def parse_hhmm(value: str) -> time:
    """'07:30' -> time(7, 30); raises ValueError with a hint otherwise."""
    if not _HHMM.match(value):
        raise ValueError(f"{value!r} is not a time of day as HH:MM (24-hour), e.g. '07:30'")
    hh, mm = value.split(":")
    return time(int(hh), int(mm))


class OpeningHours(_Strict):
    """Opening hours: a list of 'HH:MM-HH:MM' periods for each day of the week."""

    mon: list[str] = ["07:30-11:30", "13:00-17:00"]
    tue: list[str] = ["07:30-11:30", "13:00-17:00"]
    wed: list[str] = ["07:30-11:30", "13:00-17:00"]
    thu: list[str] = ["07:30-11:30", "13:00-17:00"]
    fri: list[str] = ["07:30-11:30", "13:00-17:00"]
    sat: list[str] = ["07:30-11:30"]
    sun: list[str] = []

    @field_validator("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    @classmethod
    def _periods(cls, value: list[str]) -> list[str]:
        for period in value:
            start, sep, end = period.partition("-")
            if not sep:
                raise ValueError(f"{period!r} must be 'HH:MM-HH:MM', e.g. '07:30-11:30'")
            if parse_hhmm(start.strip()) >= parse_hhmm(end.strip()):
                raise ValueError(f"{period!r}: the start must be before the end")
        return value

    def periods(self, weekday: int) -> list[tuple[time, time]]:
        """Periods for a weekday (0 = Monday) as (start, end) times, sorted."""
        raw: list[str] = getattr(self, WEEKDAYS[weekday])
        out = []
        for period in raw:
            start, _, end = period.partition("-")
            out.append((parse_hhmm(start.strip()), parse_hhmm(end.strip())))
        return sorted(out)


class ServiceConfig(_Strict):
    """One service (a queue): its names, ticket numbers, counters and limits."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    name_vi: DisplayName
    name_en: DisplayName
    prefix: str = Field(pattern=r"^[A-Z]$")
    number_min: int = Field(default=1, ge=0, le=9999)
    number_max: int = Field(default=999, ge=1, le=9999)
    number_digits: int = Field(default=3, ge=1, le=4)
    daily_cap_tickets: int = Field(default=0, ge=0, le=100_000)  # 0 = no cap
    policy: OrderingPolicy = OrderingPolicy.AGING
    # AGING: every minute waited adds this much weight (a priority of weight 3 is overtaken
    # by a normal ticket that waited 3 / aging_weight_per_min minutes longer).
    aging_weight_per_min: float = Field(default=0.2, ge=0, le=100)
    # ONE_PER_N: after N normal tickets, one priority ticket (if any waits).
    one_per_n_normal: int = Field(default=3, ge=1, le=1000)
    hours: OpeningHours | None = None  # None: the center's [queueing.hours]
    # Minutes before closing after which no ticket is issued (work would run past closing).
    last_ticket_before_close_min: int = Field(default=0, ge=0, le=720)

    @model_validator(mode="after")
    def _range(self) -> ServiceConfig:
        if self.number_min > self.number_max:
            raise ValueError("number_min must not be greater than number_max")
        if len(str(self.number_max)) > self.number_digits:
            raise ValueError("number_max has more digits than number_digits")
        return self


class PriorityConfig(_Strict):
    """A priority class offered on the kiosk (elderly, disabled, pregnant, ...)."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    name_vi: DisplayName
    name_en: DisplayName
    weight: float = Field(default=3.0, gt=0, le=1000)


class CounterConfig(_Strict):
    """A counter (quầy): its number as announced and the services it serves."""

    number: int = Field(ge=1, le=99)
    name: str = ""
    services: list[str] = Field(min_length=1)


class PauseReasonConfig(_Strict):
    """A reason a counter may pause: the console's pause asks for one (docs/queueing.md)."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_]{0,31}$")  # kept in reports, sent to the province hub
    name_vi: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)


#: Staff ids: what `python -m queueing staff add` accepts and a demo account may use.
STAFF_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,32}$"


class DemoStaffConfig(_Strict):
    """A demo counter account of the simulated center (PIN in clear: it is published).

    Seeded into the queueing database (as a slow hash) at start; a service bound to a
    non-loopback address refuses to start while any is configured. Real accounts are created
    with `python -m queueing staff add`.
    """

    staff_id: str = Field(pattern=STAFF_ID_PATTERN)
    name: str = Field(min_length=1)
    pin: str = Field(pattern=r"^[0-9]{4,12}$")  # ASCII only: \d also accepts other digits
    supervisor: bool = False


def unique_services(services: list[ServiceConfig]) -> list[str]:
    """The services' codes; ValueError when two share a code or a prefix (site file or catalogue)."""
    codes = [s.code for s in services]
    if len(set(codes)) != len(codes):
        raise ValueError("two services share a code; each services[].code must be unique")
    prefixes = [s.prefix for s in services]
    if len(set(prefixes)) != len(prefixes):
        raise ValueError("two services share a prefix; each services[].prefix must be unique")
    return codes


class QueueingConfig(HttpServing, _Strict):
    """The whole `[queueing]` section (with the HTTP keys every service shares: common.serving)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8720, ge=1, le=65535)
    data_dir: str = "var/queueing"
    public_base_url: str = ""  # e.g. "http://192.168.1.10:8720"; empty: loopback binds only
    kiosk_token_file: str = ""  # empty: kiosk.token in data_dir (created 0600 at first start)
    timezone: str = "Asia/Ho_Chi_Minh"
    pending_timeout_s: float = Field(default=120, gt=0)
    # The shipped simulated center only: every service issues at any hour. A site file that does
    # not set it gets false (see load_config), so a real center never inherits it by accident.
    open_all_hours: bool = False
    # Days the center is closed all day (public holidays): no tickets, and "opens next" skips them.
    holidays: list[Holiday] = Field(default_factory=list)
    sqlite_synchronous: str = Field(default="NORMAL", pattern=r"^(OFF|NORMAL|FULL|EXTRA)$")
    elderly_priority: str = "elderly"
    elderly_age_years: int = Field(default=60, ge=1, le=120)  # Law on the Elderly 2009: 60+
    wait_min_samples: int = Field(default=5, ge=1)
    service_time_window: int = Field(default=20, ge=1)
    wait_spread_pct: float = Field(default=30, ge=0, le=100)
    wait_target_min: float = Field(default=30, gt=0)
    remote_enabled: bool = True
    remote_tickets_per_device_per_day: int = Field(default=2, ge=1)
    remote_rate_window_s: float = Field(default=60, gt=0)
    remote_max_per_window: int = Field(default=3, ge=1)
    remote_rate_max_keys: int = Field(default=10_000, ge=100, le=1_000_000)
    session_hours: float = Field(default=10, gt=0)
    signin_max_failures: int = Field(default=5, ge=1, le=100)
    signin_lockout_s: float = Field(default=300, gt=0, le=86_400)
    signin_device_trust_days: float = Field(default=90, ge=0, le=3_650)
    display_recent_calls: int = Field(default=8, ge=1, le=30)
    display_voice: bool = True
    display_voice_english: bool = False
    recall_cooldown_s: float = Field(default=5, ge=0)
    hours: OpeningHours = OpeningHours()
    services: list[ServiceConfig] = Field(min_length=1)
    priorities: list[PriorityConfig] = []
    counters: list[CounterConfig] = Field(min_length=1)
    pause_reasons: list[PauseReasonConfig] = Field(
        default=[PauseReasonConfig(code="other", name_vi="Việc khác", name_en="Other")], min_length=1
    )
    # A write waits at most this long for the database when another program holds its lock (and
    # as long again for the service's own lock), then answers 503 with Retry-After. Both waits
    # together must stay under the kiosk's [kiosk] request_timeout_s (5 s).
    sqlite_busy_timeout_s: float = Field(default=2.0, gt=0, le=30)
    # Server-sent event streams (/api/v1/events: display boards, counter consoles) open at once,
    # per client address and in all; more are refused with 503 too_many_streams.
    events_max_streams_per_client: int = Field(default=8, ge=1)
    events_max_streams_total: int = Field(default=200, ge=1)
    demo_staff: list[DemoStaffConfig] = []
    appointments: AppointmentsConfig = AppointmentsConfig()  # queueing.appointments
    ratings: RatingsConfig = RatingsConfig()  # queueing.ratings (rating tablets)

    @model_validator(mode="before")
    @classmethod
    def _no_staff_in_config(cls, data: Any) -> Any:
        if isinstance(data, dict) and "staff" in data:
            raise ValueError(
                "[[queueing.staff]] is no longer read: counter accounts live in the queueing database "
                "with hashed PINs. Remove it and create each account with `python -m queueing staff add "
                "ID --name NAME [--supervisor] --pin-stdin` "
                "(demo accounts: demo_staff, simulated center only)"
            )
        return data

    @model_validator(mode="after")
    def _cross(self) -> QueueingConfig:
        codes = unique_services(self.services)
        numbers = [c.number for c in self.counters]
        if len(set(numbers)) != len(numbers):
            raise ValueError("two counters share a number; each counters[].number must be unique")
        for c in self.counters:
            for s in c.services:
                if s not in codes:
                    raise ValueError(f"counter {c.number} serves unknown service {s!r}")
        prios = [p.code for p in self.priorities]
        if len(set(prios)) != len(prios):
            raise ValueError("two priorities share a code")
        reasons = [r.code for r in self.pause_reasons]
        if len(set(reasons)) != len(reasons):
            raise ValueError("two pause_reasons share a code; each pause_reasons[].code must be unique")
        ids = [s.staff_id for s in self.demo_staff]
        if len(set(ids)) != len(ids):
            raise ValueError("two demo_staff accounts share a staff_id")
        self.appointments.check(codes)
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(self.timezone)
        except Exception as err:  # any lookup failure means a bad name
            raise ValueError(f"timezone {self.timezone!r} is unknown; use e.g. 'Asia/Ho_Chi_Minh'") from err
        return self

    def service(self, code: str) -> ServiceConfig | None:
        """The service with this code, or None."""
        return next((s for s in self.services if s.code == code), None)

    def priority(self, code: str) -> PriorityConfig | None:
        """The priority class with this code, or None."""
        return next((p for p in self.priorities if p.code == code), None)

    def counter(self, number: int) -> CounterConfig | None:
        """The counter with this number, or None."""
        return next((c for c in self.counters if c.number == number), None)

    def pause_reason(self, code: str) -> PauseReasonConfig | None:
        """The pause reason with this code, or None."""
        return next((r for r in self.pause_reasons if r.code == code), None)


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> QueueingConfig:
    """Read `[queueing]` (default file plus an optional site file), apply overrides, validate."""
    raw = load_raw(path)
    data = dict(section(raw, "queueing"))
    if not data:
        raise ConfigError(f"no [queueing] section in {path or DEFAULT_CONFIG}")
    site = site_file(path)
    site_q = section(read_toml(site), "queueing") if site is not None else {}
    if site is not None and "open_all_hours" not in site_q:
        # the simulated default's "open at any hour" never leaks into a real center's site file
        data["open_all_hours"] = False
    if "services" in site_q and "services" not in site_q.get("appointments", {}):
        # the default's bookable services name the default's services: a site listing its own
        # services books none until its [[queueing.appointments.services]] says which
        data["appointments"] = {**data.get("appointments", {}), "services": []}
    if "timezone" not in data and isinstance(raw.get("center"), dict) and "timezone" in raw["center"]:
        data["timezone"] = raw["center"]["timezone"]
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
    return validate(QueueingConfig, data, "queueing")


def center_names(path: str | Path | None = None) -> tuple[str, str]:
    """(name_vi, name_en) of the center from `[center]`."""
    center = section(load_raw(path), "center")
    return str(center.get("name_vi", "")), str(center.get("name_en", ""))
