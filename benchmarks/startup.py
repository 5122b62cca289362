"""Start-up cost of `playbook`, as ratios to baselines measured in the same run.

- `--help` and `--version` against `python -c "import click"` (target: at most 3x);
- `validate` of a 3-node runbook (examples/hello, with templates and a plugin call, and a plain
  one) against the same command of an older commit (default 2fcebc2, extracted with
  `git archive` into a temporary folder; target: at most 0.5x);
- `validate` of a 10,000-node runbook against a bare `tomli.loads` of the same file, whole
  process against whole process (target: at most 3x); and, for scale, the floor of that
  validation: its imports and its TOML parse, without any compiler pass.

Every command is a whole process, run as `python -m playbook` with PYTHONPATH naming the tree
under test, after `compileall` on both trees: start-up is measured with bytecode compiled, as
an installed package has it. Each pair of commands runs alternately (A B A B …) after a
warm-up, and the ratio is the median of the pairwise ratios of wall-clock times, so a drift in
the machine's speed affects both sides alike. Run it on a quiet machine.

    python benchmarks/startup.py [--rounds N] [--baseline-commit REV]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compile_scale import random_runbook

REPO = Path(__file__).resolve().parents[1]
SMALL_RUNBOOK = REPO / "examples" / "hello.playbook.toml"
LARGE_SIZE = 10_000
#: Three commands, no template, condition or plugin: what validate costs at the least.
PLAIN_RUNBOOK = '[runbook]\ntitle = "Plain"\n' + "".join(
    f'\n[step{n}]\ntype = "Command"\ncommand_name = "make step{n}"\n' for n in range(3)
)


#: `validate` of the large runbook, its compiler passes left out: the group, the command's
#: module, the condition parser and the plugin layer imported, the file read and parsed, and
#: the process ended as `validate` ends it.
FLOOR = """\
import os, sys
from pathlib import Path
import playbook.cli, playbook.cli.build, playbook.compiler.when, playbook.plugins
from playbook.compiler.source import parse_source, read_text
parse_source(read_text(Path(sys.argv[1])), sys.argv[1])
os._exit(0)
"""


@dataclass(frozen=True)
class Command:
    label: str
    argv: Sequence[str]
    env: dict[str, str]


def playbook(tree: Path, label: str, *args: str | Path) -> Command:
    """`python -m playbook ARGS` running the code of `tree`, with bytecode written and read."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(tree), COLUMNS="100")
    return Command(label, [sys.executable, "-m", "playbook", *map(str, args)], env)


def python(label: str, code: str, *args: str | Path) -> Command:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return Command(label, [sys.executable, "-c", code, *map(str, args)], env)


def seconds(command: Command, cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command.argv, cwd=cwd, env=command.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command.label} failed:\n{done.stderr.decode(errors='replace')}")
    return elapsed


def compare(subject: Command, baseline: Command, rounds: int, target: str, cwd: Path) -> None:
    """Run both alternately; print medians and the median of the pairwise ratios.

    `cwd` holds neither tree: `python -m` puts the working directory first on sys.path.
    """
    seconds(subject, cwd), seconds(baseline, cwd)  # warm-up: caches, bytecode
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(seconds(subject, cwd))
        theirs.append(seconds(baseline, cwd))
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    print(
        f"{subject.label:<36} {statistics.median(ours) * 1000:7.1f} ms   "
        f"{baseline.label:<36} {statistics.median(theirs) * 1000:7.1f} ms   "
        f"ratio {ratio:5.2f}x  (target {target})"
    )


def extract(commit: str, folder: Path) -> Path:
    """The package as it was at `commit`, without touching the working tree."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "playbook"], check=True, capture_output=True
    ).stdout
    folder.mkdir()
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def compile_bytecode(*trees: Path) -> None:
    for tree in trees:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tree / "playbook")],
            check=True,
            env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="runs of each command")
    parser.add_argument("--baseline-commit", default="2fcebc2", help="the older Playbook")
    arguments = parser.parse_args()
    rounds, commit = arguments.rounds, arguments.baseline_commit

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        old = extract(commit, folder / "old")
        compile_bytecode(REPO, old)
        plain = folder / "plain.playbook.toml"
        plain.write_text(PLAIN_RUNBOOK, encoding="utf-8")
        large = folder / "large.playbook.toml"
        large.write_text(random_runbook(LARGE_SIZE, seed=1), encoding="utf-8")
        click_import = python('python -c "import click"', "import click")
        tomli_loads = python(
            "python: tomli.loads of the same",
            "import sys, tomli; tomli.loads(open(sys.argv[1], encoding='utf-8').read())",
            large,
        )

        # What validating the large runbook costs before any compiler pass: the modules that
        # `validate` imports for it and the TOML parse. Its ratio to the bare parse is the part
        # of the 3x budget that no faster pass can win back.
        floor = Command(
            "validate's floor: imports + parse",
            [sys.executable, "-c", FLOOR, str(large)],
            playbook(REPO, "", "validate").env,
        )

        def validate(tree: Path, label: str, file: Path) -> Command:
            return playbook(tree, label, "validate", file)

        comparisons = [
            (playbook(REPO, "playbook --help", "--help"), click_import, rounds, "<= 3x"),
            (playbook(REPO, "playbook --version", "--version"), click_import, rounds, "<= 3x"),
            (
                validate(REPO, "validate hello (3 nodes)", SMALL_RUNBOOK),
                validate(old, f"the same at {commit}", SMALL_RUNBOOK),
                rounds,
                "<= 0.5x",
            ),
            (
                validate(REPO, "validate a plain 3-node runbook", plain),
                validate(old, f"the same at {commit}", plain),
                rounds,
                "<= 0.5x",
            ),
            (
                validate(REPO, f"validate {LARGE_SIZE:,} nodes", large),
                tomli_loads,
                max(3, rounds // 4),
                "<= 3x",
            ),
            (floor, tomli_loads, max(3, rounds // 4), "none: the passes' floor"),
        ]
        print(f"Python {sys.version.split()[0]}, bytecode compiled, medians of {rounds} rounds")
        for subject, baseline, count, target in comparisons:
            compare(subject, baseline, count, target, folder)


if __name__ == "__main__":
    main()
