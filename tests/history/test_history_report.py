"""`show … RUN_ID --report FILE.md`: a postmortem that reads without Playbook and leaks nothing."""

from __future__ import annotations

import re
from pathlib import Path

from history_support import CANARY, DRILL_TITLE, Drill, invoke
from runtime_support import Workspace

from playbook.history.report import code, code_block, inline


def report_of(drill: Drill, label: str, path: Path) -> str:
    result = drill.cli("show", DRILL_TITLE, drill.ids[label], "--report", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {path}\n"
    return path.read_text(encoding="utf-8")


def section(text: str, title: str) -> str:
    """The body of `## title`, up to the next second-level heading."""
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0].strip("\n")


def test_the_report_of_an_aborted_then_resumed_run(drill: Drill, tmp_path: Path) -> None:
    text = report_of(drill, "resumed", tmp_path / "postmortem.md")
    run_id = drill.ids["resumed"]
    assert text.startswith(f"# Postmortem: Release drill staging — run {run_id}\n")
    assert "| **Status** | **OK** |" in text
    assert re.search(
        r"\| \*\*Active time\*\* \| \S+ in 2 sessions \(run by ops-tester, \S+; "
        r"resume by night-shift, \S+\) \|",
        text,
    )
    summary = section(text, "Summary")
    assert "4 of 5 steps ran (4 ok, 1 skipped)." in summary
    assert "It ended **OK** at " in summary

    decisions = section(text, "Approvals and decisions")
    rows = [line for line in decisions.splitlines() if line.startswith("| `")]
    assert rows[0].startswith(
        "| `deploy` | attempt 1 failed: retry, skip or abort? | **abort** | ops-tester |"
    )
    assert rows[1].startswith("| `approve` | Release staging? | approved | night-shift |")

    dag = section(text, "DAG")
    assert dag.startswith('```mermaid\n---\ntitle: "Release drill staging · run')
    assert "  class n0,n1,n2,n3,legend_ok state_ok" in dag
    assert "  class n4,legend_skipped state_skipped" in dag

    timeline = section(text, "Timeline")
    events = [line for line in timeline.splitlines() if line.startswith("| 2")]
    assert len(events) == len(drill.ws.events(run_id))
    assert any("| run | resume: ABORTED → RUNNING | night-shift | resumed |" in e for e in events)

    steps = section(text, "Steps")
    assert "### 2. deploy — ok" in steps
    assert "**Attempt 1 · stderr**\n\n```text\ndeploy.sh staging: simulated failure\n```" in steps
    assert "| 1 | failed |" in steps and "| abort by ops-tester at " in steps
    assert "### 5. announce — skipped" in steps
    assert "| `TOKEN` | `[REDACTED]` |" in section(text, "Variables")


def test_the_report_says_why_a_run_ended_and_keeps_secrets_out(
    drill: Drill, tmp_path: Path
) -> None:
    for label in drill.ids:
        text = report_of(drill, label, tmp_path / f"{label}.md")
        assert CANARY not in text, label
        assert "curl -H" not in text or "[REDACTED]" in text
    declined = (tmp_path / "declined.md").read_text()
    summary = section(declined, "Summary")
    assert "4 of 5 steps ran (3 ok, 1 failed, 1 skipped)." in summary
    assert "Failed and skipped by the operator: `approve`." in summary
    assert "It ended **NOK** at " in summary and summary.endswith(": failed nodes: approve.")
    assert "| `approve` | Release staging? | not approved | ops-tester |" in declined
    aborted = section((tmp_path / "aborted.md").read_text(), "Summary")
    assert "Failed: `deploy` (exit code 1)." in aborted
    assert "Not finished: `verify`, `approve`, `announce`." in aborted
    assert "It was stopped **ABORTED** at " in aborted
    assert aborted.endswith(": operator aborted at 'deploy'.")


def test_text_from_a_run_cannot_break_the_markdown(ws: Workspace, tmp_path: Path) -> None:
    book = ws.runbook(
        """\
        [runbook]
        title = "Fences | *and* pipes"

        [noisy]
        type = "Command"
        name = "Deploy *fast* | now"
        command_name = "printf '```\\n| a | b |\\n<script>x</script>\\n````\\n'; exit 3"
        prompt_after = ""
        """
    )
    assert ws.run(book, answers="s\n").code == 1
    path = tmp_path / "report.md"
    result = invoke(ws, "show", book, ws.last_run(), "--report", path)
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert text.startswith("# Postmortem: Fences \\| \\*and\\* pipes — run 1\n")
    assert "### 1. noisy (Deploy \\*fast\\* \\| now) — failed" in text
    # The output sits in a fence longer than any backtick run inside it.
    assert "`````text\n```\n| a | b |\n<script>x</script>\n````\n`````" in text
    # Every table row has as many cells as its header.
    for block in re.findall(r"(?:^\|.*\|\n)+", text, flags=re.MULTILINE):
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in block.splitlines()}
        assert len(widths) == 1, block


def test_a_report_that_cannot_be_written_is_one_error(drill: Drill, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.md"
    result = drill.cli("show", DRILL_TITLE, drill.ids["clean"], "--report", target)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {target}: No such file or directory")


def test_markdown_helpers() -> None:
    assert inline("a|b *c* <d> [e](f) `g`") == "a\\|b \\*c\\* \\<d\\> \\[e\\](f) \\`g\\`"
    assert inline("two\nlines") == "two<br>lines"
    assert code("x | y") == "`x \\| y`"
    assert code("a `b` c") == "``a `b` c``"
    assert code("`edge`") == "`` `edge` ``"
    assert code_block("plain\n") == "```text\nplain\n```"
    assert code_block("has ``` inside") == "````text\nhas ``` inside\n````"
