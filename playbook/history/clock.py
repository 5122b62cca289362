"""Time as the state database records it (ISO 8601 UTC strings) and the durations it implies."""

from __future__ import annotations

import datetime as dt


def parse_time(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def elapsed(started_at: str, finished_at: str) -> float:
    """Seconds from one recorded time to another (never negative: clocks can step back)."""
    return max(0.0, (parse_time(finished_at) - parse_time(started_at)).total_seconds())


def attempt_seconds(
    status: str, duration_s: float | None, started_at: str | None, finished_at: str | None
) -> float | None:
    """How long an attempt took: as measured while it ran, else from its start to its end.

    None when its end is unknown: still running, or interrupted by a crash and closed later.
    """
    if duration_s is not None:
        return duration_s
    if status in ("running", "interrupted") or started_at is None or finished_at is None:
        return None
    return elapsed(started_at, finished_at)
