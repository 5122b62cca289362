"""Which workflow a `show` or `info` argument names: a runbook file, or a title.

Tried in order: a runbook file (the runs started from it, also after it was deleted), the title as
written in the runbook (`Deploy to {{ENVIRONMENT}}`), the title as the operator saw it on screen
(`Deploy to prod`). A miss says what is close.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from playbook.diagnostics import PlaybookError, did_you_mean
from playbook.history.queries import HistoryQueries, Selection
from playbook.runtime.store import StateLocation

#: How many recorded titles a miss lists when none is close.
LISTED_TITLES = 5


@dataclass(frozen=True)
class Workflow:
    argument: str  # as the user typed it
    selection: Selection
    matched_by: str  # "file", "title" or "rendered title"


def find_workflow(queries: HistoryQueries, argument: str, database: StateLocation) -> Workflow:
    if not _is_text(argument):
        raise PlaybookError.single(
            f"no runs of {argument!r} in {database}",
            hint="it holds bytes that are not UTF-8 text: check the terminal's encoding",
        )
    path = Path(os.path.expanduser(argument))  # `~name` of an unknown user stays as written
    by_file = Selection("runbook_path", str(path.resolve()))
    if _is_file(path) or queries.count_runs(by_file):
        return Workflow(argument, by_file, "file")
    candidates = [(Selection("title", argument), "title")]
    if queries.has_display_titles:
        candidates.append((Selection("display_title", argument), "rendered title"))
    for selection, matched_by in candidates:
        if queries.count_runs(selection):
            return Workflow(argument, selection, matched_by)
    raise PlaybookError.single(
        f"no runs of {argument!r} in {database}", hint=_miss_hint(queries, argument, database)
    )


def _is_file(path: Path) -> bool:
    """Whether `path` names a file; a title too long to be a file name names none."""
    try:
        return path.is_file()
    except OSError:
        return False


def _is_text(argument: str) -> bool:
    """False for a command-line argument that carried bytes that are not UTF-8."""
    try:
        argument.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _miss_hint(queries: HistoryQueries, argument: str, database: StateLocation) -> str:
    if not queries.count_runs():
        return f"nothing has run with this state database yet; check {database.flags()[0]}"
    names = queries.names()
    titles = sorted({*names["title"], *names.get("display_title", [])})
    files = {Path(path).name: path for path in names["runbook_path"]}
    close_file = difflib.get_close_matches(Path(argument).name, list(files), n=1, cutoff=0.6)
    suggestion = did_you_mean(argument, titles)
    if suggestion is None and close_file:
        suggestion = f"did you mean {files[close_file[0]]!r}?"
    if suggestion is not None:
        return suggestion
    listed = ", ".join(repr(title) for title in titles[:LISTED_TITLES])
    more = f" and {len(titles) - LISTED_TITLES} more" if len(titles) > LISTED_TITLES else ""
    return f"runs are recorded for {listed}{more}; `playbook info` lists every workflow"
