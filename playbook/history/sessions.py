"""A run's sessions: the stretches of time a process was driving it, read from its events.

A run starts with `create` and, after ABORTED, continues with each `resume`; a session ends with
`finish`, `fail` or `abort`. A session whose process died (SIGKILL, crash, reboot) has no end
of its own: `set-status` closes it where the run recorded its last event, not when someone
noticed. A run's duration is the sum of its sessions, so the hours an aborted run waited for its
resume are not counted as running time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from playbook.history.clock import parse_time
from playbook.history.queries import EventRow

#: The run events that start a session, and how `show` names them.
STARTS = {"create": "run", "resume": "resume"}
#: The run events by which a session's own process ended it (`complete` in older databases).
ENDINGS = frozenset({"finish", "complete", "fail", "abort"})
SET_BY_HAND = "set-status"


@dataclass(frozen=True)
class Session:
    how: str  # "run" or "resume"
    operator: str
    started_at: dt.datetime
    ended_at: dt.datetime | None  # None: the session is still going
    ended_by: str | None  # the event that ended it

    def seconds(self, now: dt.datetime) -> float:
        end = self.ended_at if self.ended_at is not None else now
        return max(0.0, (end - self.started_at).total_seconds())


def sessions_of(
    events: Iterable[EventRow], time_before: Callable[[EventRow], str | None]
) -> list[Session]:
    """The sessions in a run's own events (those without a node), oldest first.

    `time_before(event)` gives when the run recorded its last event before `event`; it is
    asked only for a `set-status` that closes a session.
    """
    sessions: list[Session] = []
    current: Session | None = None
    for event in events:
        if event.trigger in STARTS:
            if current is not None:  # two starts in a row: the first one's end was never written
                sessions.append(current)
            current = Session(
                STARTS[event.trigger], event.operator, parse_time(event.at), None, None
            )
        elif current is not None and (event.trigger in ENDINGS or event.trigger == SET_BY_HAND):
            at = event.at if event.trigger in ENDINGS else (time_before(event) or event.at)
            end = max(parse_time(at), current.started_at)
            sessions.append(
                Session(current.how, current.operator, current.started_at, end, event.trigger)
            )
            current = None
    if current is not None:
        sessions.append(current)
    return sessions


def active_seconds(sessions: Iterable[Session], now: dt.datetime) -> float:
    return sum(session.seconds(now) for session in sessions)


def actions(events: Iterable[EventRow]) -> list[str]:
    """What was done to the run, in order: run, resume, set-status."""
    return [
        STARTS.get(event.trigger, event.trigger)
        for event in events
        if event.trigger in STARTS or event.trigger == SET_BY_HAND
    ]


def ending(events: Iterable[EventRow]) -> EventRow | None:
    """The event that gave the run its current status, if it has ended or was set by hand."""
    last = None
    for event in events:
        if event.trigger in ENDINGS or event.trigger == SET_BY_HAND:
            last = event
        elif event.trigger in STARTS:
            last = None
    return last
