"""The `playbook` command line: thin commands over the compiler and the runtime."""

from playbook.cli import build, config, create, diagram, execution, explain, info, plan, show  # noqa: F401  (registers their commands)
from playbook.cli.app import cli


def main() -> None:
    cli(prog_name="playbook")
