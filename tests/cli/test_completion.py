"""Shell completion, as the README documents it: `_PLAYBOOK_COMPLETE=bash_source playbook`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from playbook.cli import cli


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("playbook re", ["plain,resume"]),
        ("playbook run --st", ["plain,--state-path", "plain,--state-url"]),
        ("playbook resume deploy.playbook.toml --f", ["plain,--force"]),
        ("playbook validate dep", ["file,dep"]),
    ],
)
def test_click_completes_commands_options_and_files(words: str, expected: list[str]) -> None:
    env = {
        "_PLAYBOOK_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="playbook")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == expected


def test_the_bash_script_completes_in_bash() -> None:
    playbook = Path(sys.executable).parent / "playbook"
    if shutil.which("bash") is None or not playbook.exists():
        pytest.skip("needs bash and the installed `playbook` command")
    script = (
        f'eval "$(_PLAYBOOK_COMPLETE=bash_source {playbook})"\n'
        "COMP_WORDS=(playbook set-st); COMP_CWORD=1\n"
        f"_playbook_completion {playbook}\n"
        'echo "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout == "set-status\n", done.stderr
