"""`playbook show`: a workflow's runs, one run in full, its output; found by file or title."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_support import CANARY, DRILL_TITLE, Drill, invoke
from runtime_support import Workspace
from state_databases import both_backends

pytestmark = both_backends


def rows_of(text: str) -> list[list[str]]:
    """The data rows of a runs table: lines that start with a run id."""
    return [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]


def test_runs_are_listed_newest_first_with_how_each_one_went(drill: Drill) -> None:
    result = drill.cli("show", DRILL_TITLE)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert f"Runs of '{DRILL_TITLE}' (title): 6 runs, newest first" in text
    ids = drill.ids
    rows = {int(row[0]): " ".join(row) for row in rows_of(text)}
    assert list(rows) == sorted(ids.values(), reverse=True)
    # status, operator(s), how it went, then nodes ok, failed, skipped, left
    assert rows[ids["resumed"]].endswith("OK ops-tester +1 run, resume 4 0 1 0")
    assert rows[ids["aborted"]].endswith("ABORTED ops-tester run 1 1 0 3")
    assert rows[ids["skipped"]].endswith("NOK ops-tester run 3 1 1 0")
    assert rows[ids["retried"]].endswith("OK ops-tester run 5 0 0 0")
    assert f"one run in full: playbook show '{DRILL_TITLE}' RUN_ID" in text


@pytest.mark.parametrize(
    ("argument", "matched_by", "labels"),
    [
        (DRILL_TITLE, "title", ["clean", "retried", "skipped", "resumed", "aborted", "declined"]),
        ("Release drill prod", "rendered title", ["retried"]),
        (
            "Release drill staging",
            "rendered title",
            ["clean", "skipped", "resumed", "aborted", "declined"],
        ),
    ],
)
def test_a_workflow_is_found_by_its_raw_or_its_rendered_title(
    drill: Drill, argument: str, matched_by: str, labels: list[str]
) -> None:
    data = drill.json("show", argument)
    assert data["kind"] == "runs"
    assert data["workflow"] == {"query": argument, "matched_by": matched_by}
    assert [run["id"] for run in data["runs"]] == sorted(
        (drill.ids[label] for label in labels), reverse=True
    )


def test_a_workflow_is_found_by_its_runbook_file(
    drill: Drill, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(drill.file.parent)
    for argument in (drill.file, drill.file.name, f"./{drill.file.name}"):
        data = drill.json("show", argument)
        assert data["workflow"]["matched_by"] == "file"
        assert data["page"]["total"] == 6
        assert {run["runbook"] for run in data["runs"]} == {str(drill.file)}


@pytest.mark.parametrize(
    ("argument", "hint"),
    [
        ("Release dril staging", "did you mean 'Release drill staging'?"),
        ("release drill {{ENV}}", "did you mean 'Release drill {{ENV}}'?"),
        ("dril.playbook.toml", "did you mean '{file}'?"),
        (
            "Quarterly report",
            "runs are recorded for 'Release drill prod', 'Release drill staging',"
            " 'Release drill {{ENV}}'; `playbook info` lists every workflow",
        ),
    ],
)
def test_a_miss_names_what_is_close(drill: Drill, argument: str, hint: str) -> None:
    result = drill.cli("show", argument)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: no runs of {argument!r} in {drill.state.shown}",
        f"  hint: {hint.replace('{file}', str(drill.file))}",
    ]
    assert result.stdout == ""


def test_pages_of_runs(drill: Drill) -> None:
    ids = sorted(drill.ids.values(), reverse=True)
    first = drill.cli("show", DRILL_TITLE, "--limit", "4")
    assert [int(row[0]) for row in rows_of(first.stdout)] == ids[:4]
    assert f"runs 1 to 4 of 6 · older: playbook show '{DRILL_TITLE}' --page 2" in first.stdout
    second = drill.cli("show", DRILL_TITLE, "--limit", "4", "--page", "2")
    assert [int(row[0]) for row in rows_of(second.stdout)] == ids[4:]
    assert "runs 5 to 6 of 6" in second.stdout
    assert "--page 3" not in second.stdout
    past = drill.cli("show", DRILL_TITLE, "--limit", "4", "--page", "3")
    assert past.exit_code == 0
    assert "Page 3 is past the last page (2)." in past.stdout
    every = drill.cli("show", DRILL_TITLE, "--limit", "4", "--all")
    assert [int(row[0]) for row in rows_of(every.stdout)] == ids
    page = drill.json("show", DRILL_TITLE, "--limit", "4", "--page", "2")
    assert page["page"] == {"number": 2, "size": 4, "total": 6}
    assert [run["id"] for run in page["runs"]] == ids[4:]


def test_one_run_in_full(drill: Drill) -> None:
    run_id = drill.ids["resumed"]
    result = drill.cli("show", drill.file, run_id)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Release drill staging" in text.splitlines()[0]
    assert f"{run_id} of '{DRILL_TITLE}'" in text
    assert "run by ops-tester, resume by night-shift" in text
    assert "ENV = staging · TOKEN = [REDACTED]" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # Every attempt, who decided what after it, and who approved.
    assert any(
        line.startswith("2 deploy failed 1") and "abort by ops-tester" in line for line in lines
    )
    assert any(line.startswith("ok 2 ") and line.endswith("exit code 0") for line in lines)
    assert any(line.startswith("1 build ok 1") and line.endswith("exit code 0") for line in lines)
    assert any(line.startswith("3 verify ok 1") for line in lines)
    assert "Command · Verify staging" in lines  # the name as the operator saw it
    assert any(
        line.startswith("4 approve ok 1") and "approved by night-shift" in line for line in lines
    )
    assert any(
        line.startswith("5 announce skipped") and "condition is false: ENV == 'prod'" in line
        for line in lines
    )
    # Captured output, redacted when it was recorded, and the event timeline.
    assert "deploy · attempt 1 · stderr" in lines
    assert "│ deploy.sh staging: simulated failure" in lines
    assert "│ curl -H token: [REDACTED] staging.example: done" in lines
    assert any("resume ABORTED → RUNNING night-shift resumed" in line for line in lines)
    assert any(
        "abort RUNNING → ABORTED ops-tester operator aborted at 'deploy'" in line for line in lines
    )
    assert CANARY not in result.output


def test_one_run_as_json(drill: Drill) -> None:
    run_id = drill.ids["declined"]
    data = drill.json("show", DRILL_TITLE, run_id)
    assert (data["version"], data["kind"]) == (1, "run")
    run = data["run"]
    assert (run["id"], run["status"], run["rendered_title"]) == (
        run_id,
        "NOK",
        "Release drill staging",
    )
    assert run["ended"]["trigger"] == "finish"
    assert run["ended"]["detail"] == "failed nodes: approve"
    assert run["variables"] == {"ENV": "staging", "TOKEN": "[REDACTED]"}
    steps = {step["id"]: step for step in run["steps"]}
    assert [step["id"] for step in run["steps"]] == [
        "build",
        "deploy",
        "verify",
        "approve",
        "announce",
    ]
    approve = steps["approve"]
    assert (approve["state"], approve["decision"], approve["position"]) == ("failed", "skip", 4)
    (attempt,) = approve["attempts"]
    assert attempt["error"] == "not approved: Release staging?"
    assert (attempt["decision"], attempt["decided_by"]) == ("skip", "ops-tester")
    assert attempt["ended_by"] == "ops-tester"
    assert steps["verify"]["name"] == "Verify staging"
    assert (
        steps["verify"]["attempts"][0]["stdout"]
        == "curl -H token: [REDACTED] staging.example: done\n"
    )
    assert steps["announce"]["attempts"] == []
    assert steps["announce"]["reason"] == "condition is false: ENV == 'prod'"
    assert len(run["events"]) == len(drill.ws.events(run_id))
    assert CANARY not in str(data)


def test_output_shows_a_node_whole(ws: Workspace) -> None:
    book = ws.runbook(
        """\
        [runbook]
        title = "Chatty"

        [count]
        type = "Command"
        command_name = "for i in $(seq 1 30); do echo line $i; done; echo oops >&2"
        prompt_after = ""
        """
    )
    assert ws.run(book).code == 0
    run_id = ws.last_run()
    folded = invoke(ws, "show", "Chatty", run_id)
    lines = [line.strip() for line in folded.stdout.splitlines()]
    assert "count · attempt 1 · stdout (30 lines)" in lines
    assert "│ … 24 earlier lines" in lines
    assert "│ line 25" in lines and "│ line 30" in lines and "│ line 24" not in lines
    assert f"all of them: playbook show Chatty {run_id} --output NODE" in folded.stdout

    whole = invoke(ws, "show", "Chatty", run_id, "--output", "count")
    assert whole.exit_code == 0, whole.output
    assert whole.stdout == (
        "── count · attempt 1 · stdout ──\n"
        + "".join(f"line {i}\n" for i in range(1, 31))
        + "── count · attempt 1 · stderr ──\noops\n"
    )
    unknown = invoke(ws, "show", "Chatty", run_id, "--output", "cuont")
    assert unknown.exit_code == 1
    assert f"run {run_id} has no node 'cuont'" in unknown.stderr
    assert "did you mean 'count'?" in unknown.stderr


def test_a_run_of_another_workflow_is_refused(drill: Drill, tmp_path: Path) -> None:
    other = drill.ws.runbook(
        '[runbook]\ntitle = "Other"\n\n[a]\ntype = "Command"\ncommand_name = "true"\nprompt_after = ""\n',
        "other.playbook.toml",
    )
    result = drill.cli("show", other, drill.ids["clean"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: run {drill.ids['clean']} is a run of 'Release drill staging' ({drill.file}),"
        f" not of '{other}'",
        f"  hint: show it with `playbook show '{DRILL_TITLE}' {drill.ids['clean']}`",
    ]
    missing = drill.cli("show", DRILL_TITLE, 999)
    assert missing.exit_code == 1
    assert f"error: no run 999 in {drill.state.shown}" in missing.stderr


def test_usage_errors_are_one_line(drill: Drill) -> None:
    for args, message in [
        (("--output", "deploy"), "--output and --report need a RUN_ID"),
        (("1", "--run-id", "2"), "RUN_ID and --run-id name different runs"),
        (("1", "--output", "deploy", "--json"), "--output prints text"),
    ]:
        result = drill.cli("show", DRILL_TITLE, *args)
        assert result.exit_code == 2
        assert message in result.stderr
        assert "Traceback" not in result.output


def test_the_run_id_option_of_older_versions_still_works(drill: Drill) -> None:
    run_id = drill.ids["clean"]
    assert drill.json("show", DRILL_TITLE, "--run-id", run_id)["run"]["id"] == run_id


def test_text_that_looks_like_markup_is_shown_as_it_is(ws: Workspace) -> None:
    book = ws.runbook(
        """\
        [runbook]
        title = "[bold]Rollout[/x] [red]"

        [gate]
        type = "Manual"
        prompt_after = "Ship [/y] now?"
        """
    )
    assert ws.run(book, answers="n\ns\n").code == 1
    run_id = ws.last_run()
    for args in (("show", book), ("show", book, run_id), ("info",), ("info", book)):
        result = invoke(ws, *args)
        assert result.exit_code == 0, (args, result.output)
    listed = invoke(ws, "show", book).stdout
    assert f"Runs of '{book}' (file)" in listed
    one = invoke(ws, "show", book, run_id).stdout
    assert "[bold]Rollout[/x] [red]" in one
    assert "not approved: Ship [/y] now?" in one
    assert "[bold]Rollout[/x] [red]" in invoke(ws, "info").stdout


def test_an_argument_that_is_not_utf8_is_a_miss(drill: Drill) -> None:
    result = drill.cli("show", "Rel\udcffease")
    assert result.exit_code == 1
    assert "hint: it holds bytes that are not UTF-8 text" in result.stderr


def test_a_title_too_long_to_be_a_file_name_is_found_as_a_title(ws: Workspace) -> None:
    title = "Restore" + " the primary database" * 15
    book = ws.runbook(
        f"""\
        [runbook]
        title = "{title}"

        [check]
        type = "Command"
        command_name = "true"
        prompt_after = ""
        """
    )
    assert ws.run(book).code == 0
    for command in ("show", "info"):
        found = invoke(ws, command, title)
        assert found.exit_code == 0, found.output
    listed = " ".join(invoke(ws, "show", title).stdout.split())  # the long title wraps
    assert f"Runs of '{title}' (title): 1 run" in listed
    missed = invoke(ws, "show", title + "!")
    assert missed.exit_code == 1
    assert missed.stderr.startswith(f"error: no runs of '{title}!'")


def test_a_title_that_starts_like_a_home_folder_is_a_miss(drill: Drill) -> None:
    result = drill.cli("show", "~no-such-user/deploy")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no runs of '~no-such-user/deploy'")
