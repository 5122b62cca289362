"""The `playbook` command line: thin commands over the compiler and the runtime."""

from playbook.cli import build  # noqa: F401  (registers its commands)
from playbook.cli.app import cli


def main() -> None:
    cli(prog_name="playbook")
