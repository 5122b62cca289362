"""The `playbook` command line: thin commands over the compiler and the runtime.

Each command is one line below: its name, where it lives, and the short help `playbook --help`
lists. Its module is imported only when the command runs or shows its own help.
"""

from playbook.cli.app import LazyCommand, cli

COMMANDS = (
    LazyCommand("compile", "playbook.cli.build:compile_command", "Compile FILE to its JSON IR."),
    LazyCommand("config", "playbook.cli.config:config", "Show, check or create the configuration."),
    LazyCommand("create", "playbook.cli.create:create", "Write a new runbook, ready to edit."),
    LazyCommand("explain", "playbook.cli.explain:explain", "Explain what a node did in a run."),
    LazyCommand("info", "playbook.cli.info:info", "Show the installation and workflow statistics."),
    LazyCommand("plan", "playbook.cli.plan:plan", "Show what a run of FILE would do."),
    LazyCommand("resume", "playbook.cli.execution:resume", "Resume an ABORTED run of FILE."),
    LazyCommand("run", "playbook.cli.execution:run", "Run FILE (a runbook or a compiled IR)."),
    LazyCommand("set-status", "playbook.cli.execution:set_status", "Set a run's status by hand."),
    LazyCommand("show", "playbook.cli.show:show", "Show a workflow's runs, or one run in full."),
    LazyCommand("state", "playbook.cli.transfer:state_group", "Export or import the whole state."),
    LazyCommand("validate", "playbook.cli.build:validate", "Check FILE and report every problem."),
    LazyCommand("view-dag", "playbook.cli.diagram:view_dag", "Draw the DAG of FILE as an image."),
)
cli.add_lazy_commands(COMMANDS)


def main() -> None:
    cli(prog_name="playbook")
