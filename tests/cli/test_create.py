"""`playbook create`: a new runbook that validates and runs as written, never overwriting."""

from __future__ import annotations

from pathlib import Path

import tomli
from cli_support import Outcome, invoke


def playbook(cwd: Path, *args: str, stdin: str = "") -> Outcome:
    return invoke(*args, cwd=cwd, stdin=stdin)


def test_create_writes_a_runbook_that_validates_and_runs(tmp_path: Path) -> None:
    result = playbook(tmp_path, "create", "--title", "My Workflow", "--author", "Your Name")
    assert result.code == 0, result.stderr
    path = tmp_path / "my-workflow.playbook.toml"
    assert result.stdout.startswith(f"wrote {path.name}\n")
    data = tomli.loads(path.read_text(encoding="utf-8"))
    assert data["runbook"]["title"] == "My Workflow"
    assert data["runbook"]["author"] == "Your Name"
    assert {data[node]["type"] for node in ("check", "approve", "announce")} == {
        "Command",
        "Manual",
        "Function",
    }
    assert playbook(tmp_path, "validate", path.name).code == 0
    run = playbook(tmp_path, "run", path.name, "--state-path", "run.db", stdin="y\ny\ny\n")
    assert run.code == 0, run.text
    assert "Run status: OK" in run.stdout


def test_create_quotes_titles_exactly(tmp_path: Path) -> None:
    title = 'Fail over "primary" \\ replica'
    result = playbook(tmp_path, "create", "--title", title, "-o", "x.playbook.toml")
    assert result.code == 0, result.stderr
    data = tomli.loads((tmp_path / "x.playbook.toml").read_text(encoding="utf-8"))
    assert data["runbook"]["title"] == title


def test_create_never_overwrites_without_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.playbook.toml"
    path.write_text("keep me", encoding="utf-8")
    refused = playbook(tmp_path, "create", "--title", "T", "-o", path.name)
    assert refused.code == 1
    assert "already exists" in refused.stderr
    assert path.read_text(encoding="utf-8") == "keep me"
    forced = playbook(tmp_path, "create", "--title", "T", "-o", path.name, "--force")
    assert forced.code == 0
    assert 'title       = "T"' in path.read_text(encoding="utf-8")


def test_create_refuses_a_title_that_would_not_validate(tmp_path: Path) -> None:
    result = playbook(tmp_path, "create", "--title", "Deploy {{ APP }}")
    assert result.code == 1
    assert "undeclared variable 'APP'" in result.stderr
    assert list(tmp_path.iterdir()) == []
