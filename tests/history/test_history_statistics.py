"""Statistics of real runs — retried, skipped by the operator, aborted, resumed — against values
computed by hand.

The runs are real; only their clocks are pinned afterwards (run events and attempt durations), so
that the durations below can be worked out on paper.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from history_support import DRILL_TITLE, Drill
from state_databases import StateDatabase, both_backends

from playbook.history.statistics import median, percentile
from playbook.runtime.store.schema import SCHEMA_VERSION

DAY = "2024-03-01T"
#: Each run's own events (create, [abort, resume,] end) at these times; active time in brackets.
RUN_EVENT_TIMES = {
    "clean": ["10:00:00", "10:00:30"],  # OK [30 s]
    "retried": ["11:00:00", "11:01:00"],  # OK [60 s]
    "skipped": ["12:00:00", "12:00:10"],  # NOK [10 s]
    "resumed": ["13:00:00", "13:00:20", "15:00:00", "15:00:40"],  # OK [20 + 40 s, 2 h apart]
    "aborted": ["14:00:00", "14:00:50"],  # ABORTED: resumable, so not counted in durations
    "declined": ["16:00:00", "16:02:00"],  # NOK [120 s]
}
#: Measured duration of each `deploy` attempt, by run and attempt number.
DEPLOY_SECONDS = {
    ("clean", 1): 5.0,
    ("retried", 1): 1.0,
    ("retried", 2): 6.0,
    ("skipped", 1): 7.0,
    ("resumed", 1): 2.0,
    ("resumed", 2): 8.0,
    ("aborted", 1): 3.0,
    ("aborted", 2): 4.0,
    ("declined", 1): 9.0,
}
#: How long the operator took to answer the Manual `approve` step (nothing is measured for it).
APPROVAL_SECONDS = {"clean": 20, "retried": 30, "skipped": 40, "resumed": 50, "declined": 100}


pytestmark = both_backends


@pytest.fixture(scope="module")
def pinned(drill: Drill, tmp_path_factory: pytest.TempPathFactory) -> StateDatabase:
    """A copy of the drill's database with the clocks above."""
    db = drill.copy(tmp_path_factory.mktemp("pinned"))
    for label, times in RUN_EVENT_TIMES.items():
        run_id = drill.ids[label]
        events = drill.ws.rows(
            "SELECT id FROM events WHERE run_id = ? AND node_id IS NULL ORDER BY id", run_id
        )
        assert len(events) == len(times), label
        for event, at in zip(events, times, strict=True):
            db.execute("UPDATE events SET at = ? WHERE id = ?", f"{DAY}{at}+00:00", event["id"])
    for (label, attempt), seconds in DEPLOY_SECONDS.items():
        db.execute(
            "UPDATE attempts SET duration_s = ? WHERE run_id = ? AND node_id = 'deploy'"
            " AND attempt = ?",
            seconds,
            drill.ids[label],
            attempt,
        )
    for label, seconds in APPROVAL_SECONDS.items():
        (approval,) = drill.ws.attempts(drill.ids[label], "approve")
        assert approval["duration_s"] is None
        db.execute(
            "UPDATE attempts SET started_at = ?, finished_at = ? WHERE run_id = ?"
            " AND node_id = 'approve'",
            f"{DAY}09:00:00+00:00",
            f"{DAY}09:{seconds // 60:02d}:{seconds % 60:02d}+00:00",
            drill.ids[label],
        )
    return db


def test_the_drill_left_what_the_hand_computation_assumes(drill: Drill) -> None:
    statuses = {label: drill.ws.status(run_id) for label, run_id in drill.ids.items()}
    assert statuses == {
        "clean": "OK",
        "retried": "OK",
        "skipped": "NOK",
        "resumed": "OK",
        "aborted": "ABORTED",
        "declined": "NOK",
    }
    assert drill.ws.attempt_counts(drill.ids["resumed"]) == {
        "build": 1,
        "deploy": 2,
        "verify": 1,
        "approve": 1,
    }


def test_workflow_statistics_match_the_hand_computed_values(
    drill: Drill, pinned: StateDatabase
) -> None:
    data = drill.json("info", DRILL_TITLE, db=pinned)
    assert data["version"] == 1
    assert data["kind"] == "workflow"
    workflow = data["workflow"]
    assert workflow["runs"] == 6
    assert workflow["by_status"] == {"ABORTED": 1, "NOK": 2, "OK": 3}
    # OK among runs not in progress: 3 of 6. The aborted-then-resumed run counts once, as OK.
    assert workflow["success_rate"] == 0.5
    # Over runs that are over: 30, 60, 10, 20 + 40, 120 → sorted 10 30 60 60 120.
    assert workflow["duration_s"] == {"median": 60.0, "p90": 120.0}
    assert workflow["last_run"]["id"] == drill.ids["declined"]
    assert workflow["runbooks"] == [str(drill.file)]
    assert (workflow["query"], workflow["matched_by"]) == (DRILL_TITLE, "title")


def test_node_statistics_match_the_hand_computed_values(
    drill: Drill, pinned: StateDatabase
) -> None:
    nodes = {node["id"]: node for node in drill.json("info", DRILL_TITLE, db=pinned)["nodes"]}
    assert list(nodes) == ["build", "deploy", "verify", "approve", "announce"]
    expected = {
        # ran, ok, failed, failure rate, attempts (total, median), operator skips, skipped
        "build": (6, 6, 0, 0.0, 6, 1, 0, 0),
        # attempts per run 1 2 1 2 2 1 (the resumed run's failure and its retry after the resume
        # count in that run); only the run aborted for good ended it failed.
        "deploy": (6, 5, 1, 1 / 6, 9, 1.5, 0, 0),
        # never reached in the aborted run; failed and skipped by the operator once.
        "verify": (5, 4, 1, 0.2, 5, 1, 1, 0),
        "approve": (5, 4, 1, 0.2, 5, 1, 1, 0),
        # runs only for prod: skipped by its condition in four runs, never reached in one.
        "announce": (1, 1, 0, 0.0, 1, 1, 0, 4),
    }
    for node_id, values in expected.items():
        node = nodes[node_id]
        actual = (
            node["ran"],
            node["ok"],
            node["failed"],
            node["failure_rate"],
            node["attempts"]["total"],
            node["attempts"]["median"],
            node["operator_skips"],
            node["condition_skips"],
        )
        assert actual == pytest.approx(values), node_id
    # Attempts 5 1 6 7 2 8 3 4 9 s → sorted 1…9: median 5, nearest-rank p90 the 9th value.
    assert nodes["deploy"]["duration_s"] == {"median": 5.0, "p90": 9.0}
    # A Manual step has no measured time: from the question to the answer, 20 30 40 50 100 s.
    assert nodes["approve"]["duration_s"] == {"median": 40.0, "p90": 100.0}


def test_a_resumed_run_lasts_its_sessions_not_the_wait_between_them(
    drill: Drill, pinned: StateDatabase
) -> None:
    run = drill.json("show", DRILL_TITLE, drill.ids["resumed"], db=pinned)["run"]
    assert run["duration_s"] == 60.0
    assert [(s["how"], s["operator"], s["ended_by"]) for s in run["sessions"]] == [
        ("run", "ops-tester", "abort"),
        ("resume", "night-shift", "finish"),
    ]
    assert run["history"] == ["run", "resume"]
    assert run["operators"] == ["ops-tester", "night-shift"]


def test_info_lists_every_workflow_with_its_statistics(drill: Drill, tmp_path: Path) -> None:
    db = drill.copy(tmp_path / "state")
    hello = Path(__file__).resolve().parents[2] / "examples" / "hello.playbook.toml"
    assert drill.ws.cli("run", hello, *db.flags).code == 0
    data = drill.json("info", db=db)
    assert data["kind"] == "info"
    assert data["database"] == {
        **db.location.as_json(),
        "exists": True,
        "schema": SCHEMA_VERSION,
    }
    titles = [workflow["title"] for workflow in data["workflows"]]
    assert titles == ["Hello, Playbook", DRILL_TITLE]  # the most recently run first
    hello_stats = data["workflows"][0]
    assert (hello_stats["runs"], hello_stats["by_status"]) == (1, {"OK": 1})
    assert hello_stats["success_rate"] == 1.0

    text = drill.cli("info", db=db)
    assert text.exit_code == 0, text.output
    assert "Release drill {{ENV}}" in text.stdout
    header = next(line.split() for line in text.stdout.splitlines() if line.startswith("workflow"))
    assert header == [
        "workflow",
        "runs",
        "OK",
        "NOK",
        "ABORTED",
        "success",
        "median",
        "p90",
        "last",
        "run",
    ]
    drill_line = next(line for line in text.stdout.splitlines() if "Release drill" in line)
    assert drill_line.split()[3:8] == ["6", "3", "2", "1", "50%"]  # runs, OK, NOK, ABORTED


def test_info_for_one_workflow_reads_as_a_table(drill: Drill, pinned: StateDatabase) -> None:
    result = drill.cli("info", drill.file, db=pinned)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "50% (OK among runs not in progress)" in text
    assert "median 1m 00s · p90 2m 00s" in text
    deploy = next(line for line in text.splitlines() if line.lstrip().startswith("deploy"))
    assert deploy.split() == ["deploy", "6", "17%", "1.5", "5.00s", "9.00s", "0", "0"]
    announce = next(line for line in text.splitlines() if line.lstrip().startswith("announce"))
    assert announce.split()[-1] == "4"
    assert "op. skip: failures the operator skipped" in text


def test_a_run_without_run_events_is_left_out_of_durations(drill: Drill, tmp_path: Path) -> None:
    """A database edited by hand may lose a run's own events: its duration is unknown, and the
    statistics are made of the others."""
    db = drill.copy(tmp_path / "state")
    before = drill.json("info", drill.file, db=db)["workflow"]["duration_s"]
    db.execute("DELETE FROM events WHERE run_id = ? AND node_id IS NULL", drill.ids["resumed"])
    result = drill.cli("info", db=db)
    assert result.exit_code == 0, result.output
    after = drill.json("info", drill.file, db=db)["workflow"]["duration_s"]
    assert after != before and after["median"] is not None
    for show in (("show", drill.file), ("show", drill.file, str(drill.ids["resumed"]))):
        shown = drill.cli(*show, db=db)
        assert shown.exit_code == 0, shown.output


@pytest.mark.parametrize(
    ("values", "middle", "p90"),
    [
        ([], None, None),
        ([7], 7, 7),
        ([3, 1], 2, 3),
        ([5, 1, 4, 2, 3], 3, 5),
        (list(range(1, 11)), 5.5, 9),
        (list(range(1, 21)), 10.5, 18),
    ],
)
def test_median_and_nearest_rank_percentile(values: list[float], middle: float, p90: float) -> None:
    assert median(values) == middle
    assert percentile(values, 0.9) == p90
