"""`playbook view-dag` end to end: the real CLI, the real `dot`, real files."""

from __future__ import annotations

import os
import pty
import shutil
import time
from pathlib import Path

import pytest
from cli_support import Processes, playbook_command
from cli_support import invoke as playbook
from diagrams_support import EXAMPLES, GOLDEN_DIR, REPO

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXAMPLE = REPO / "examples" / "deployment-pipeline.playbook.toml"


@pytest.fixture
def runbook(tmp_path: Path) -> Path:
    assert EXAMPLE in EXAMPLES
    return Path(shutil.copyfile(EXAMPLE, tmp_path / EXAMPLE.name))


def golden(suffix: str) -> bytes:
    return (GOLDEN_DIR / f"deployment-pipeline.{suffix}").read_bytes()


@pytest.mark.needs_dot
def test_a_png_is_written_next_to_the_runbook(runbook: Path) -> None:
    result = playbook("view-dag", runbook, "--no-open")
    assert result.code == 0, result.stderr
    image = runbook.with_name("deployment-pipeline.png")
    assert result.stdout == f"wrote {image}\n"
    assert image.read_bytes().startswith(PNG_MAGIC)
    assert sorted(path.name for path in runbook.parent.iterdir()) == [
        "deployment-pipeline.playbook.toml",
        "deployment-pipeline.png",
    ]


@pytest.mark.needs_dot
def test_keep_dot_also_writes_the_dot_source(runbook: Path) -> None:
    result = playbook("view-dag", runbook, "--keep-dot", "--no-open")
    assert result.code == 0, result.stderr
    image, dot = (
        runbook.with_name("deployment-pipeline.png"),
        runbook.with_name("deployment-pipeline.dot"),
    )
    assert result.stdout.splitlines() == [f"wrote {image}", f"wrote {dot}"]
    assert image.read_bytes().startswith(PNG_MAGIC)
    assert dot.read_bytes() == golden("dot")


@pytest.mark.parametrize(
    "suffix",
    [
        pytest.param("svg", marks=pytest.mark.needs_dot),
        "dot",
        "mmd",
        pytest.param("png", marks=pytest.mark.needs_dot),
    ],
)
def test_the_output_suffix_picks_the_format(runbook: Path, tmp_path: Path, suffix: str) -> None:
    output = tmp_path / "out" / f"pipeline.{suffix}"
    output.parent.mkdir()
    result = playbook("view-dag", runbook, "-o", output, "--no-open")
    assert result.code == 0, result.stderr
    assert result.stdout == f"wrote {output}\n"
    contents = output.read_bytes()
    if suffix == "svg":
        assert contents.startswith(b"<?xml") and b"<svg" in contents
        assert b"deploy_application" in contents
    elif suffix == "png":
        assert contents.startswith(PNG_MAGIC)
    else:
        assert contents == golden(suffix)


def test_format_option_and_mismatches(runbook: Path, tmp_path: Path) -> None:
    result = playbook("view-dag", runbook, "--format", "mmd", "--no-open")
    assert result.code == 0, result.stderr
    assert runbook.with_name("deployment-pipeline.mmd").read_bytes() == golden("mmd")
    result = playbook("view-dag", runbook, "-o", tmp_path / "x.svg", "--format", "png")
    assert (result.code, result.stderr.splitlines()[0]) == (
        1,
        f"error: --format png does not match the suffix of {tmp_path / 'x.svg'}",
    )
    result = playbook("view-dag", runbook, "-o", tmp_path / "x.jpg")
    assert result.code == 1
    assert "cannot tell the format" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.svg").exists() and not (tmp_path / "x.jpg").exists()


@pytest.mark.needs_dot
def test_a_compiled_ir_draws_the_same_diagram(runbook: Path, tmp_path: Path) -> None:
    ir = tmp_path / "deployment-pipeline.ir.json"
    assert playbook("compile", runbook, "-o", ir).code == 0
    result = playbook("view-dag", ir, "--keep-dot", "--no-open")
    assert result.code == 0, result.stderr
    assert tmp_path.joinpath("deployment-pipeline.png").read_bytes().startswith(PNG_MAGIC)
    assert tmp_path.joinpath("deployment-pipeline.dot").read_bytes() == golden("dot")


def test_an_invalid_runbook_is_reported_without_writing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.playbook.toml"
    broken.write_text('[runbook]\ntitle = "t"\n[a]\ntype = "Manul"\n', encoding="utf-8")
    result = playbook("view-dag", broken, "--no-open")
    assert result.code == 1
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [broken]


def test_missing_graphviz_is_a_clear_error(runbook: Path, tmp_path: Path) -> None:
    """PATH is an empty folder, so `dot` is found nowhere (the interpreter is run by path)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    result = playbook("view-dag", runbook, "--keep-dot", "--no-open", env=env)
    assert result.code == 1
    assert result.stdout == ""
    assert "Graphviz is not installed" in result.stderr
    assert "sudo apt-get install graphviz" in result.stderr
    assert "brew install graphviz" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bin", runbook.name]
    # Text diagrams need no Graphviz.
    mermaid = tmp_path / "pipeline.mmd"
    assert playbook("view-dag", runbook, "-o", mermaid, env=env).code == 0
    assert mermaid.read_bytes() == golden("mmd")


def run_in_terminal(processes: Processes, args: list[str | Path], path: str) -> int:
    """Run the CLI with its standard output on a pseudo-terminal, as from a user's shell."""
    controller, terminal = pty.openpty()
    try:
        done = processes.run(
            playbook_command(*args), stdout=terminal, env={**os.environ, "PATH": path}
        )
    finally:
        os.close(terminal)
        os.close(controller)
    return done.returncode


def wait_for_lines(path: Path, count: int, timeout: float = 10) -> list[str]:
    """The lines of `path` once it has `count` of them (a viewer writes it in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


@pytest.fixture
def viewer_bin(tmp_path: Path) -> tuple[Path, Path]:
    """A folder with `dot` and a fake viewer (both names) that records what it was asked to open."""
    folder = tmp_path / "viewer-bin"
    folder.mkdir()
    opened = tmp_path / "opened.txt"
    for name in ("xdg-open", "open"):
        script = folder / name
        script.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n', encoding="utf-8")
        script.chmod(0o755)
    (folder / "dot").symlink_to(shutil.which("dot") or "dot")
    return folder, opened


@pytest.mark.slow
@pytest.mark.needs_dot
def test_the_image_opens_in_a_terminal(
    runbook: Path, viewer_bin: tuple[Path, Path], processes: Processes
) -> None:
    folder, opened = viewer_bin
    assert run_in_terminal(processes, ["view-dag", runbook], str(folder)) == 0
    assert wait_for_lines(opened, 1) == [str(runbook.with_name("deployment-pipeline.png"))]


@pytest.mark.slow
@pytest.mark.needs_dot
def test_no_open_opens_nothing(
    runbook: Path, viewer_bin: tuple[Path, Path], processes: Processes, tmp_path: Path
) -> None:
    folder, opened = viewer_bin
    quiet, shown = tmp_path / "quiet.png", tmp_path / "shown.png"
    assert (
        run_in_terminal(processes, ["view-dag", runbook, "-o", quiet, "--no-open"], str(folder))
        == 0
    )
    assert quiet.exists()
    # A viewer started by mistake would have recorded itself before the next command's viewer.
    assert run_in_terminal(processes, ["view-dag", runbook, "-o", shown], str(folder)) == 0
    assert wait_for_lines(opened, 1) == [str(shown)]


@pytest.mark.slow
@pytest.mark.needs_dot
def test_no_viewer_is_no_error(runbook: Path, tmp_path: Path, processes: Processes) -> None:
    folder = tmp_path / "dot-only"
    folder.mkdir()
    (folder / "dot").symlink_to(shutil.which("dot") or "dot")
    assert run_in_terminal(processes, ["view-dag", runbook], str(folder)) == 0
    assert runbook.with_name("deployment-pipeline.png").read_bytes().startswith(PNG_MAGIC)
