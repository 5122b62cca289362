"""Runs generated runbooks with this Playbook and with the original, and compares the runs.

Ours runs in this process through its real command line (click's runner); the original runs
through `original_driver.py` in one process of its own Python. Both write a real SQLite state
database, and what is compared is read back from it: the nodes in the order they were
processed, the state each ended in, and the run's status.

The original is found at $PLAYBOOK_ORIGINAL_PYTHON, else at `DEFAULT_ORIGINAL_PYTHON` (where
`.ci/run` creates it): a Python >= 3.13 with `pip install playbook==1.3.1`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from runbook_generator import Case, generate

from playbook.cli import cli

ORIGINAL_VERSION = "1.3.1"
ORIGINAL_PYTHON_VARIABLE = "PLAYBOOK_ORIGINAL_PYTHON"
DEFAULT_ORIGINAL_PYTHON = Path.home() / ".cache" / "playbook-original-1.3.1" / "bin" / "python"
DRIVER = Path(__file__).with_name("original_driver.py")

#: The original's words for node and run states, in ours.
ORIGINAL_NODE_STATES = {"ok": "ok", "nok": "failed", "skipped": "skipped"}
ORIGINAL_RUN_STATES = {"ok": "OK", "nok": "NOK", "aborted": "ABORTED", "running": "RUNNING"}


@dataclass(frozen=True)
class Run:
    """What a run did: (node, final state) in processing order, and the run's status."""

    nodes: tuple[tuple[str, str], ...]
    status: str | None
    output: str = ""

    def same_as(self, other: Run) -> bool:
        return (self.nodes, self.status) == (other.nodes, other.status)

    def describe(self) -> str:
        steps = ", ".join(f"{node}={state}" for node, state in self.nodes)
        return f"{self.status}: {steps or 'nothing ran'}"


@dataclass(frozen=True)
class Comparison:
    case: Case
    ours: Run
    original: Run

    @property
    def agrees(self) -> bool:
        # A case that ours did not run at all is a disagreement even if the original failed too:
        # the generator only writes runbooks that both accept.
        return self.ours.status is not None and self.ours.same_as(self.original)

    def report(self) -> str:
        return (
            f"seed {self.case.seed}\n  ours:     {self.ours.describe()}\n"
            f"  original: {self.original.describe()}\n--- runbook\n{self.case.runbook}"
            f"--- --var {list(self.case.cli_vars)}, env {self.case.env}, "
            f"--vars-file:\n{self.case.file_vars or ''}"
            f"--- ours said\n{self.ours.output[-1500:]}\n"
            f"--- the original said\n{self.original.output[-1500:]}"
        )


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A temporary folder for runbooks and state databases, in memory when the system has one:
    both implementations commit every step with fsync, which costs more than the steps."""
    memory = Path("/dev/shm")
    parent = memory if memory.is_dir() and os.access(memory, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="playbook-differential-", dir=parent) as folder:
        yield Path(folder)


def original_python() -> Path:
    return Path(os.environ.get(ORIGINAL_PYTHON_VARIABLE) or DEFAULT_ORIGINAL_PYTHON)


def why_original_unavailable() -> str | None:
    """None when the original can be run, else why not (the reason a test is skipped)."""
    python = original_python()
    how = (
        f"set {ORIGINAL_PYTHON_VARIABLE} to a Python >= 3.13 with playbook=={ORIGINAL_VERSION}"
        f" installed, or run .ci/run (it creates {DEFAULT_ORIGINAL_PYTHON.parent.parent})"
    )
    if not python.exists():
        return f"the original Playbook is not installed at {python}: {how}"
    probe = subprocess.run(
        [python, "-I", "-c", "import importlib.metadata as m; print(m.version('playbook'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.stdout.strip() != ORIGINAL_VERSION:
        found = probe.stdout.strip() or probe.stderr.strip()[-200:]
        return f"{python} has no playbook=={ORIGINAL_VERSION} ({found}): {how}"
    return None


def _files(case: Case, folder: Path) -> tuple[Path, str | None]:
    folder.mkdir(parents=True, exist_ok=True)
    runbook = folder / f"case-{case.seed}.playbook.toml"
    runbook.write_text(case.runbook, encoding="utf-8")
    vars_file = None
    if case.file_vars is not None:
        path = folder / f"case-{case.seed}.vars.toml"
        path.write_text(case.file_vars, encoding="utf-8")
        vars_file = str(path)
    return runbook, vars_file


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}


def run_original(cases: list[Case], folder: Path) -> list[Run]:
    """Every case through the original, in one process of its own Python."""
    jobs = []
    for case in cases:
        runbook, vars_file = _files(case, folder / "original")
        state = folder / "original" / f"case-{case.seed}.db"
        jobs.append(
            {
                "runbook": str(runbook),
                "state": str(state),
                "args": case.args(vars_file),
                "env": case.env,
                "answers": case.answers,
            }
        )
    home = folder / "original-home"
    home.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [original_python(), "-I", DRIVER],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        cwd=folder,
        env={**_clean_environment(), "HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120"},
        check=False,
        timeout=60 + 5 * len(cases),
    )
    results = [json.loads(line) for line in done.stdout.splitlines()]
    if done.returncode != 0 or len(results) != len(cases):
        raise RuntimeError(f"the original's driver failed:\n{done.stderr[-3000:]}")
    return [_original_run(result) for result in results]


def _original_run(result: dict[str, object]) -> Run:
    executions = result["executions"]
    assert isinstance(executions, list)
    nodes = tuple((node, ORIGINAL_NODE_STATES.get(state, state)) for node, state in executions)
    status = result["status"]
    run_status = ORIGINAL_RUN_STATES.get(status, status) if isinstance(status, str) else None
    return Run(nodes, run_status, str(result["output"]))


def run_ours(case: Case, folder: Path) -> Run:
    """One case through our command line, in this process, with a state database of its own."""
    runbook, vars_file = _files(case, folder / "ours")
    state = folder / "ours" / f"case-{case.seed}.db"
    home = folder / "ours-home"
    home.mkdir(parents=True, exist_ok=True)
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("PLAYBOOK_")}
    env = {**unset, **case.env, "HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120"}
    args = ["run", str(runbook), *case.args(vars_file), "--state-path", str(state)]
    with contextlib.chdir(folder):
        outcome = CliRunner().invoke(cli, args, input=case.answers, env=env)
    output = outcome.output + (outcome.stderr or "")
    if not state.exists():
        return Run((), None, output)
    with contextlib.closing(sqlite3.connect(state)) as db:
        row = db.execute("SELECT id, status FROM runs").fetchone()
        if row is None:
            return Run((), None, output)
        run_id, status = row
        final = dict(
            db.execute("SELECT node_id, state FROM node_states WHERE run_id = ?", (run_id,))
        )
        processed = db.execute(
            "SELECT node_id FROM events WHERE run_id = ? AND node_id IS NOT NULL"
            " AND source = 'pending' ORDER BY id",
            (run_id,),
        )
        order = list(dict.fromkeys(node for (node,) in processed))
    return Run(tuple((node, final[node]) for node in order), status, output)


def compare(cases: list[Case], folder: Path) -> list[Comparison]:
    """Every case run by both implementations."""
    originals = run_original(cases, folder)
    return [
        Comparison(case, run_ours(case, folder), original)
        for case, original in zip(cases, originals, strict=True)
    ]


def compare_seeds(seeds: Iterable[int], folder: Path) -> list[Comparison]:
    return compare([generate(seed) for seed in seeds], folder)
