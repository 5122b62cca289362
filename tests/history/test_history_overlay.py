"""`view-dag RUNBOOK --run RUN_ID`: the DAG coloured by one run's states, with a legend."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_support import Drill
from state_databases import both_backends

from playbook.cli import cli
from playbook.compiler import load_program
from playbook.compiler.ir import Program
from playbook.diagrams import to_dot, to_mermaid
from playbook.diagrams.visitor import RunOverlay

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "golden" / "run-diagrams"
REGENERATE = "pytest tests/history --update-golden"
PIPELINE = REPO / "examples" / "deployment-pipeline.playbook.toml"
#: Every state a node can have in a run, and a node the run does not have (notify_failure).
PIPELINE_RUN = RunOverlay(
    title="Deploy myapp to prod · run 42: RUNNING",
    states={
        "build_app": "ok",
        "run_tests": "ok",
        "security_scan": "skipped",
        "deploy_application": "failed",
        "health_check": "interrupted",
        "rollback_on_failure": "running",
        "notify_success": "pending",
    },
    notes={"build_app": "2 attempts", "deploy_application": "skipped by operator"},
)
RENDERERS: dict[str, Callable[[Program, RunOverlay | None], str]] = {
    "dot": to_dot,
    "mmd": to_mermaid,
}


@pytest.mark.parametrize("suffix", RENDERERS)
def test_golden_run_diagram(suffix: str, update_golden: bool) -> None:
    actual = RENDERERS[suffix](load_program(PIPELINE).program, PIPELINE_RUN)
    golden = GOLDEN / f"deployment-pipeline.run.{suffix}"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing: run `{REGENERATE}`"
    assert actual == golden.read_text(encoding="utf-8"), (
        f"the {suffix} run diagram changed: review, then `{REGENERATE}`"
    )


def test_the_golden_run_diagrams_show_every_state_and_the_legend() -> None:
    dot = (GOLDEN / "deployment-pipeline.run.dot").read_text()
    assert 'label="Deploy myapp to prod · run 42: RUNNING"' in dot
    assert "subgraph cluster_legend" in dot
    for label in (
        "ok",
        "failed",
        "skipped",
        "pending",
        "interrupted",
        "running",
        "not in this run",
    ):
        assert f'[label="{label}", shape="box"' in dot
    assert '\\nfailed · skipped by operator", shape="box", fillcolor="#ffa8a8"' in dot
    mermaid = (GOLDEN / "deployment-pipeline.run.mmd").read_text()
    assert 'legend_absent("not in this run")' in mermaid
    assert "classDef state_interrupted fill:#eebefa" in mermaid


@both_backends
def test_a_run_is_drawn_with_the_states_it_recorded(drill: Drill, tmp_path: Path) -> None:
    program = load_program(drill.file).program
    expected = {
        "retried": RunOverlay(
            "Release drill prod · run {id}: OK",
            dict.fromkeys(["build", "deploy", "verify", "approve", "announce"], "ok"),
            {"deploy": "2 attempts"},
        ),
        "declined": RunOverlay(
            "Release drill staging · run {id}: NOK",
            {
                "build": "ok",
                "deploy": "ok",
                "verify": "ok",
                "approve": "failed",
                "announce": "skipped",
            },
            {"approve": "skipped by operator"},
        ),
        "aborted": RunOverlay(
            "Release drill staging · run {id}: ABORTED",
            {
                "build": "ok",
                "deploy": "failed",
                "verify": "pending",
                "approve": "pending",
                "announce": "pending",
            },
            {"deploy": "2 attempts"},
        ),
    }
    for label, overlay in expected.items():
        run_id = drill.ids[label]
        overlay = RunOverlay(overlay.title.format(id=run_id), overlay.states, overlay.notes)
        for suffix, render in RENDERERS.items():
            output = tmp_path / f"{label}.{suffix}"
            result = drill.cli("view-dag", drill.file, "--run", run_id, "-o", output)
            assert result.exit_code == 0, result.output
            assert result.stderr == ""
            assert output.read_text() == render(program, overlay), (label, suffix)


@pytest.mark.needs_dot
@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_images_of_a_run(drill: Drill, suffix: str) -> None:
    run_id = drill.ids["declined"]
    result = drill.cli("view-dag", drill.file, "--run", run_id, "--format", suffix, "--no-open")
    image = drill.file.with_name(f"drill.run-{run_id}.{suffix}")
    assert result.stdout == f"wrote {image}\n"
    data = image.read_bytes()
    if suffix == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert b"Legend" in data and b"#ffa8a8" in data and b"skipped by operator" in data
    image.unlink()


def test_a_changed_runbook_is_drawn_as_it_is_now(drill: Drill, tmp_path: Path) -> None:
    changed = Path(shutil.copyfile(drill.file, tmp_path / "drill.playbook.toml"))
    changed.write_text(
        changed.read_text().replace(
            "[announce]", '[celebrate]\ntype = "Manual"\nprompt_after = "Party?"\n\n[announce]'
        ),
    )
    run_id = drill.ids["clean"]
    result = drill.cli("view-dag", changed, "--run", run_id, "-o", tmp_path / "x.mmd")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"note: {changed} changed since run {run_id} started; its nodes are drawn as the file is now\n"
    )
    assert 'legend_absent("not in this run")' in (tmp_path / "x.mmd").read_text()


@both_backends
def test_a_run_of_another_runbook_or_no_run_is_refused(drill: Drill, tmp_path: Path) -> None:
    other = REPO / "examples" / "hello.playbook.toml"
    run_id = drill.ids["clean"]
    refused = drill.cli("view-dag", other, "--run", run_id, "-o", tmp_path / "x.dot")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"error: run {run_id} is a run of 'Release drill staging' ({drill.file}), not of {other}",
        f"  hint: draw it with `playbook view-dag {drill.file} --run {run_id}`",
    ]
    missing = drill.cli("view-dag", drill.file, "--run", 999, "-o", tmp_path / "x.dot")
    assert missing.exit_code == 1
    assert f"error: no run 999 in {drill.state.shown}" in missing.stderr
    assert not (tmp_path / "x.dot").exists()


def test_view_dag_reads_the_configuration_only_for_a_run(drill: Drill, tmp_path: Path) -> None:
    """A broken configuration never stops drawing a runbook; --run reads the database it names."""
    env = {**drill.ws.env, "PLAYBOOK_CONFIG": str(tmp_path / "missing.toml")}
    runner = CliRunner()
    plain = runner.invoke(
        cli, ["view-dag", str(drill.file), "-o", str(tmp_path / "a.dot")], env=env
    )
    assert plain.exit_code == 0, plain.output
    run = [
        "view-dag",
        str(drill.file),
        "--run",
        str(drill.ids["clean"]),
        "-o",
        str(tmp_path / "b.dot"),
    ]
    broken = runner.invoke(cli, run, env=env)
    assert broken.exit_code == 1
    assert "missing.toml" in broken.stderr
