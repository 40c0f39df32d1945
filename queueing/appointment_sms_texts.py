"""The booking SMS's texts: the kinds of message, their templates' placeholders, the short manage
link, rendering folded to GSM-7 (`common.sms_text`) and the start-up check that every template
fits one SMS with the longest values the configuration allows. No I/O."""

from __future__ import annotations

from collections.abc import Iterable

from common.sms_text import SEGMENT_SEPTETS, septets, to_gsm7
from queueing.appointments_config import AppointmentSmsConfig

CONFIRM, MOVED, REMIND_DAY, REMIND_HOUR = "confirm", "moved", "remind_day", "remind_hour"
TEMPLATE_KEYS = {
    CONFIRM: "confirm_template",
    MOVED: "moved_template",
    REMIND_DAY: "remind_day_template",
    REMIND_HOUR: "remind_hour_template",
}
PLACEHOLDERS = ("center", "service", "time", "date", "code", "link")
#: Characters of a manage link's token (base64url of 12 random bytes: 96 bits), so the link is short.
TOKEN_BYTES = 12
TOKEN_CHARS = 16
#: Digits of a booking's code (made by `queueing.appointment_booking`, counted in the SMS check).
CODE_DIGITS = 6


def manage_link(base_url: str, token: str) -> str:
    """The short link of a booking's page: `<public_base_url>/a/<token>`."""
    return f"{base_url.rstrip('/')}/a/{token}"


def render(template: str, values: dict[str, str]) -> str:
    """A text with its values, folded to GSM-7 as a whole (the center's and service's names too)."""
    return to_gsm7(template.format(**values))


def longest_values(center: str, service_names: Iterable[str], base_url: str) -> dict[str, str]:
    """The longest value each placeholder can take with this configuration."""
    return {
        "center": center,
        "service": max(service_names, key=lambda n: len(to_gsm7(n)), default=""),
        "time": "23:59",
        "date": "31/12",
        "code": "9" * CODE_DIGITS,
        "link": manage_link(base_url, "x" * TOKEN_CHARS),
    }


def check_templates(
    cfg: AppointmentSmsConfig, center: str, service_names: list[str], base_url: str
) -> list[str]:
    """What is wrong with the templates (each must fit one SMS with the longest values), naming the key."""
    values = longest_values(center, service_names, base_url)
    problems = []
    for key in TEMPLATE_KEYS.values():
        template = getattr(cfg, key)
        try:
            text = render(template, values)
        except (KeyError, IndexError, ValueError, AttributeError) as err:
            names = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            problems.append(f"[queueing.appointments.sms] {key}: {err} is not a placeholder (use {names})")
            continue
        n = septets(text) or 0
        if n > SEGMENT_SEPTETS:
            problems.append(
                f"[queueing.appointments.sms] {key}: with the center name {center!r}, the longest service "
                f"name and the manage link of {base_url} it takes {n} characters, more than one SMS "
                f"({SEGMENT_SEPTETS}); shorten the template or set a short center_name"
            )
    return problems
