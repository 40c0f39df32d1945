"""Site files for the real queueing service the kiosk tests start (`tests.harness.QueueingProcess`)."""

from __future__ import annotations

ALL_DAY = '["00:00-23:59"]'


def week(hours: str) -> str:
    """The seven `day = hours` lines of a [..hours] table."""
    return "".join(f"{day} = {hours}\n" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))


SITE_TOML = f"""
[queueing.hours]
{week(ALL_DAY)}
[[queueing.services]]
code = "ho_tich"
name_vi = "Hộ tịch"
name_en = "Civil status registration"
prefix = "A"
last_ticket_before_close_min = 0

[[queueing.services]]
code = "dat_dai"
name_vi = "Đất đai"
name_en = "Land"
prefix = "B"
daily_cap_tickets = 1
last_ticket_before_close_min = 0

[[queueing.services]]
code = "kinh_doanh"
name_vi = "Đăng ký kinh doanh"
name_en = "Business registration"
prefix = "C"
last_ticket_before_close_min = 0
[queueing.services.hours]
{week("[]")}
[[queueing.counters]]
number = 1
name = "Quầy 1"
services = ["ho_tich", "dat_dai", "kinh_doanh"]
"""


CLOSED_TOML = f"""
[queueing.hours]
{week("[]")}"""
