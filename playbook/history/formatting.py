"""Times, durations and rates in the units people read, shared by the terminal and the report."""

from __future__ import annotations

import datetime as dt

from playbook.history.clock import parse_time

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def duration(seconds: float | None) -> str:
    """`0.42s`, `12.3s`, `3m 05s`, `2h 07m`, `3d 4h`; `-` when unknown."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < MINUTE:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < HOUR:
        return f"{whole // MINUTE}m {whole % MINUTE:02d}s"
    if whole < DAY:
        return f"{whole // HOUR}h {whole % HOUR // MINUTE:02d}m"
    return f"{whole // DAY}d {whole % DAY // HOUR}h"


def local(at: str | dt.datetime | None) -> dt.datetime | None:
    if at is None:
        return None
    moment = parse_time(at) if isinstance(at, str) else at
    return moment.astimezone()


def timestamp(at: str | dt.datetime | None) -> str:
    """A stored UTC time as local date and time to the second; empty when unknown."""
    moment = local(at)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def clock(at: str | dt.datetime | None) -> str:
    moment = local(at)
    return moment.strftime("%H:%M:%S") if moment else ""


def zone() -> str:
    """The local time zone as people write it: `UTC`, `CEST (UTC+02:00)`."""
    moment = dt.datetime.now().astimezone()
    name = moment.tzname() or ""
    offset = moment.strftime("%z")
    numeric = f"UTC{offset[:3]}:{offset[3:]}" if offset not in ("", "+0000") else "UTC"
    return numeric if name in ("", "UTC", numeric) else f"{name} ({numeric})"


def percent(fraction: float | None) -> str:
    return "-" if fraction is None else f"{fraction:.0%}"


def number(value: float | None) -> str:
    """A median count: `2`, `1.5`; `-` when there is none."""
    if value is None:
        return "-"
    return f"{value:g}"
