"""The statuses history shows, and what each one means for statistics.

A run's shown status is derived here from what is stored, in one place: a status that is read
rather than written (a RUNNING run whose process is gone, say) is one more entry in `RUN_STATUSES`
and one more rule in `shown_status`, and every table, JSON document and statistic follows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunStatus:
    name: str
    #: The run is over: its duration is final and counts in duration statistics.
    over: bool
    #: The run is still going: it counts in no rate yet.
    in_progress: bool
    meaning: str


RUN_STATUSES: dict[str, RunStatus] = {
    status.name: status
    for status in (
        RunStatus("OK", over=True, in_progress=False, meaning="every node ended ok or skipped"),
        RunStatus("NOK", over=True, in_progress=False, meaning="a node ended failed"),
        RunStatus("ABORTED", over=False, in_progress=False, meaning="stopped; it can be resumed"),
        RunStatus("RUNNING", over=False, in_progress=True, meaning="a process is driving it"),
        RunStatus(
            "ORPHANED",
            over=False,
            in_progress=False,
            meaning="RUNNING, but the process that ran it is gone: `playbook resume` takes it over",
        ),
    )
}
SUCCESS = "OK"

#: A node's states in the order tables list them.
NODE_STATES = ("ok", "failed", "skipped", "pending", "running", "interrupted")
#: States of a node that has not reached an outcome.
UNFINISHED_STATES = ("pending", "running", "interrupted")


def shown_status(stored: str, owned: bool) -> str:
    """The status to show for a run stored as `stored`: one RUNNING without a live owner is
    ORPHANED; any other (one this Playbook does not know included) is shown as stored."""
    return "ORPHANED" if stored == "RUNNING" and not owned else stored


def describe(status: str) -> RunStatus:
    """What `status` means for statistics; an unknown one is treated as still in progress."""
    return RUN_STATUSES.get(status) or RunStatus(status, False, True, "unknown status")
