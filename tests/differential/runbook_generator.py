"""Random runbooks on which this Playbook and the original (PyPI `playbook` 1.3.1) must agree.

`generate(seed)` builds one runbook and the variables, environment and answers it runs with; the
same seed always gives the same case. It draws from the constructs both implementations are
meant to run the same way: every `depends_on` form (naming earlier and later nodes), ids that
start with a digit or need quotes,
`when` conditions over variables and over node outcomes, variables from defaults, `--var`,
`--vars-file` and `--vars-env`, templated fields, Manual, Command and Function nodes,
confirmations answered "yes", and failing commands whose operator answers "abort".

Left out, each because the two are meant to differ (a fix of DESIGN.md, or a defect of the
original found in its source, `playbook-1.3.1/playbook/...`):

- Several `X:success` / `X:failure` entries in one list: the original joins them with AND
  (`infrastructure/conditions.py: parse_dependencies`); the design joins them with OR, so the
  specification's `cleanup` ("run after either succeeds") can run.
- Skipping a failed node: the original records it as skipped and counts the run OK
  (`cli/commands/run.py`); the design keeps it failed and ends the run NOK.
- Abort on a critical node, or on the node that would complete the run: the original then
  overwrites ABORTED with NOK (`service/engine.py: update_run_status`); the specification's table
  says Abort gives ABORTED. Failing nodes are therefore non-critical and waited for by another.
- Conditions that cannot be evaluated: the original runs the node (it fails open,
  `service/engine.py: _should_execute_node`); the design fails it closed. Conditions written
  without `{{ }}` are always true in the original (the text is "evaluated" by `eval` after
  lowercasing and falls back to a non-empty string), so every generated condition has braces.
- Values containing quotes or braces: the original renders templates over the raw TOML text.
- A variable in a condition whose value comes from its default: the original evaluates conditions
  with the `--var`/`--vars-file`/environment values only (`cli/commands/run.py: run` passes them,
  never the defaults), so such a variable is undefined there. Likewise it hands `--var` and
  environment values to conditions as untyped text (`FLAG == true` is false for "true", `N > 3`
  compares text with a number), so conditions use bool and int variables only when their value
  comes from a TOML `--vars-file`, and string variables from any explicit source.
- `has_run` of a node that may be skipped: the original counts a skipped node as run (it has an
  execution record, though `has_run`'s docstring says "executed"); ours says it did not run.
- Variables without a `type`: the original reads them as strings, ours infers the type from the
  default; every generated variable declares its type, as the specification's examples do.
- `pattern` (a prefix match in the original, a full match here) and `secret` (not in 1.3.1).
- `PLAYBOOK_VAR_*` without `--vars-env`: the original always reads that prefix, ours reads the
  environment only when asked; every case that sets the environment passes `--vars-env`.
- A `when` naming a node that is not upstream of its node: ours waits for any node a condition
  names (DESIGN.md), the original evaluates the condition whenever the node's turn comes.
- Ids containing `"`: the original writes `X:success` as `has_succeeded("X")`, which such an id
  breaks. Ids that ours refuses (`:`, control characters, template markers, "^", "*").
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

#: Ids in the styles runbooks use; the quoted ones need quotes as TOML keys.
ID_STYLES = (
    "build",
    "deploy",
    "verify",
    "notify_team",
    "db-migrate",
    "01_backup",
    "02_restore",
    "2fa_check",
    "3rd-party",
    "03.1 migrate",
    "step two",
    "réindexer",
    "it's done",
    "4.2",
    "Ünïcode ✓",
)
WORDS = ("dev", "staging", "prod", "blue", "green")
BOOL_TEXTS = {True: ("true", "yes", "1"), False: ("false", "no", "0")}


@dataclass
class Variable:
    name: str
    type: str  # "string", "bool" or "int"
    default: Any = None
    choices: tuple[str, ...] | None = None
    cli: Any = None
    file: Any = None
    env: Any = None

    def explicit(self) -> Any:
        """The value the highest-priority explicit source gives (None when none does)."""
        for value in (self.cli, self.file, self.env):
            if value is not None:
                return value
        return None

    def effective_source(self) -> str:
        for source in ("cli", "file", "env"):
            if getattr(self, source) is not None:
                return source
        return "default"


@dataclass
class Node:
    id: str
    type: str
    fields: dict[str, str] = field(default_factory=dict)  # key → TOML value text
    upstream: set[str] = field(default_factory=set)  # every node it transitively waits for
    always_runs: bool = True
    fails: bool = False


@dataclass(frozen=True)
class Case:
    """One runbook and everything it runs with."""

    seed: int
    runbook: str
    cli_vars: tuple[str, ...]  # NAME=VALUE
    file_vars: str | None  # TOML text of a --vars-file
    env: dict[str, str]  # PLAYBOOK_VAR_* (passed with --vars-env PLAYBOOK_VAR_)
    answers: str

    def args(self, vars_file: str | None) -> list[str]:
        """The `run` options of this case, with the vars file written at `vars_file`."""
        args = [item for assignment in self.cli_vars for item in ("--var", assignment)]
        if vars_file is not None:
            args += ["--vars-file", vars_file]
        if self.env:
            args += ["--vars-env", "PLAYBOOK_VAR_"]
        return [*args, "--no-interactive-vars"]


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for the characters generated here)."""
    return json.dumps(text, ensure_ascii=False)


def toml_key(node_id: str) -> str:
    bare = all(c.isascii() and (c.isalnum() or c in "_-") for c in node_id)
    return node_id if bare else toml_string(node_id)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return toml_string(value)


def quoted(node_id: str) -> str:
    """`node_id` as a string literal inside a condition (same syntax in Jinja and ours)."""
    return f'"{node_id}"' if "'" in node_id else f"'{node_id}'"


class _Generator:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.random = random.Random(seed)
        # Family "abort": no questions but failure decisions, each answered "a". Otherwise every
        # command succeeds and every question is a confirmation, answered "y".
        self.aborts = self.random.random() < 0.3
        self.variables: list[Variable] = []
        self.ids: list[str] = []
        self.nodes: list[Node] = []
        # A node named by an earlier node → the position of the first node that names it.
        self.named_before: dict[int, int] = {}

    # Variables ---------------------------------------------------------------------------------

    def variable(self, index: int) -> Variable:
        choose = self.random.choice
        kind = choose(("string", "string", "bool", "int"))
        variable = Variable(f"V{index}_{kind.upper()}", kind)
        values = self._values(variable)
        if kind == "string" and self.random.random() < 0.4:
            variable.choices = tuple(sorted(set(values) | {choose(WORDS)}))
        if self.random.random() < 0.6:
            variable.default = choose(values)
        for source in ("cli", "file", "env"):
            if self.random.random() < 0.35:
                setattr(variable, source, choose(values))
        if variable.default is None and variable.explicit() is None:
            variable.cli = choose(values)
        return variable

    def _values(self, variable: Variable) -> list[Any]:
        if variable.type == "bool":
            return [True, False]
        if variable.type == "int":
            return [0, 2, 5, 9]
        return list(self.random.sample(WORDS, 3))

    def declaration(self, variable: Variable) -> str:
        parts = [f'type = "{variable.type}"']
        if variable.default is not None:
            parts.append(f"default = {toml_value(variable.default)}")
        else:
            parts.append("required = true")
        if variable.choices:
            parts.append("choices = [" + ", ".join(map(toml_string, variable.choices)) + "]")
        return f"{variable.name} = {{ {', '.join(parts)} }}"

    def as_text(self, variable: Variable, value: Any) -> str:
        if variable.type == "bool":
            return self.random.choice(BOOL_TEXTS[value])
        return str(value)

    # Conditions --------------------------------------------------------------------------------

    def comparison(self, variable: Variable) -> str:
        """A comparison both evaluate alike (see the module docstring for the limits)."""
        choose = self.random.choice
        if variable.type == "bool":
            literal = choose(("true", "false", "True", "False"))
            return choose((variable.name, f"not {variable.name}", f"{variable.name} == {literal}"))
        if variable.type == "int":
            op = choose(("==", "!=", "<", "<=", ">", ">="))
            return f"{variable.name} {op} {choose((0, 2, 5, 9))}"
        words = list(variable.choices or WORDS)
        if self.random.random() < 0.3:
            op = choose(("in", "not in"))
            listed = ", ".join(f"'{w}'" for w in self.random.sample(words, 2))
            return f"{variable.name} {op} [{listed}]"
        return f"{variable.name} {choose(('==', '!='))} '{choose(words)}'"

    def in_conditions(self, variable: Variable) -> bool:
        source = variable.effective_source()
        if variable.type == "string":
            return source != "default"
        return source == "file"

    def atom(self, upstream: list[Node]) -> str | None:
        usable = [v for v in self.variables if self.in_conditions(v)]
        options: list[str] = []
        if usable:
            options.append(self.comparison(self.random.choice(usable)))
        if upstream:
            target = self.random.choice(upstream)
            functions = ["has_succeeded", "is_skipped", "has_failed"]
            if target.always_runs:
                functions.append("has_run")
            options.append(f"{self.random.choice(functions)}({quoted(target.id)})")
        return self.random.choice(options) if options else None

    def condition(self, upstream: list[Node], depth: int = 0) -> str | None:
        roll = self.random.random()
        if depth < 2 and roll < 0.3:
            parts = [self.condition(upstream, depth + 1) for _ in range(2)]
            present = [part for part in parts if part]
            if len(present) < 2:
                return present[0] if present else None
            joined = f" {self.random.choice(('and', 'or'))} ".join(present)
            return f"({joined})" if depth else joined
        if depth < 2 and roll < 0.4:
            inner = self.condition(upstream, depth + 1)
            return f"not ({inner})" if inner else None
        return self.atom(upstream)

    # Nodes -------------------------------------------------------------------------------------

    def depends_on(self, index: int) -> tuple[str | None, list[str], str | None]:
        """The `depends_on` text, the ids it names, and its conditional target if any.

        A node may name a later one. So that no cycle forms, a node named by an earlier node
        waits only for nodes declared before the first node that names it.
        """
        choose = self.random.choice
        earlier = [node.id for node in self.nodes]
        previous = earlier[-1:]
        forms = ["absent", "^", "[^]", "*", "[*]", "[]", '""']
        if earlier:
            forms += ["id", "[ids]", "[^, id]", "cond", "[id, cond]", "cond-string"]
        candidates = earlier
        limit = self.named_before.get(index)
        if limit is not None:
            candidates = self.ids[:limit]
            forms = ["[]", '""', "id", "[ids]"] if candidates else ["[]", '""']
        elif self.random.random() < 0.25:
            candidates = earlier + self.ids[index + 1 :]
            forms = [form for form in forms if form not in ("^", "[^]", "*", "[*]")]
        form = choose(forms)
        if form == "absent":
            return None, previous, None
        if form in ("^", "[^]"):
            text = toml_string("^")
            return (text if form == "^" else f"[{text}]"), previous, None
        if form in ("*", "[*]"):
            text = toml_string("*")
            return (text if form == "*" else f"[{text}]"), earlier, None
        if form in ("[]", '""'):
            return form, [], None
        if not candidates:
            return "[]", [], None
        picked = self.random.sample(candidates, min(len(candidates), self.random.randint(1, 3)))
        for later in picked:
            if later in self.ids[index + 1 :]:
                position = self.ids.index(later)
                self.named_before[position] = min(self.named_before.get(position, index), index)
        if form == "id":
            return toml_string(picked[0]), picked[:1], None
        if form == "[ids]":
            return "[" + ", ".join(map(toml_string, picked)) + "]", picked, None
        if form == "[^, id]":
            entries = [toml_string("^"), toml_string(picked[0])]
            return "[" + ", ".join(entries) + "]", [*previous, picked[0]], None
        target = picked[0]
        entry = toml_string(f"{target}:{choose(('success', 'failure'))}")
        if form == "cond-string":
            return entry, [target], target
        if form == "cond":
            return f"[{entry}]", [target], target
        others = [toml_string(other) for other in picked[1:]]
        return "[" + ", ".join([*others, entry]) + "]", picked, target

    def node(self, index: int, node_id: str) -> Node:
        choose = self.random.choice
        roll = self.random.random()
        kind = "Command" if roll < 0.65 else "Function" if roll < 0.85 else "Manual"
        if self.aborts and kind == "Manual":
            kind = "Command"
        node = Node(node_id, kind)
        text, named, conditional = self.depends_on(index)
        if text is not None:
            node.fields["depends_on"] = text
        by_id = {other.id: other for other in self.nodes}
        for upstream_id in named:
            # A later node's own upstream is not known yet; conditions never name it anyway.
            node.upstream |= {upstream_id} | (
                by_id[upstream_id].upstream if upstream_id in by_id else set()
            )
        if conditional is not None:
            node.always_runs = False
        strings = [v for v in self.variables if v.type == "string"]
        if kind == "Command":
            command = "true"
            if strings and self.random.random() < 0.5:
                command = "echo {{ " + choose(strings).name + " }}"
            node.fields["command_name"] = toml_string(command)
            if self.random.random() < 0.2:
                node.fields["timeout"] = "30"
        elif kind == "Function":
            message = f"done: {node_id}"
            if strings and self.random.random() < 0.5:
                message += " {{ " + choose(strings).name + " | upper }}"
            node.fields["plugin"] = toml_string("python")
            node.fields["function"] = toml_string("notify")
            node.fields["function_params"] = f"{{ message = {toml_string(message)} }}"
        elif self.random.random() < 0.3:
            # Accepted by both and without effect: the original's Manual node has a timeout.
            node.fields["timeout"] = "300"
        if self.random.random() < 0.05:
            node.fields["id"] = toml_string(node_id)
        self.flags(node)
        self.questions(node)
        upstream = [other for other in self.nodes if other.id in node.upstream]
        roll = self.random.random()
        if roll < 0.35:
            condition = self.condition(upstream)
            if condition:
                node.fields["when"] = toml_string("{{ " + condition + " }}")
                node.always_runs = False
        elif roll < 0.4 and conditional is None:
            # No condition in both; the original ANDs an empty `when` with a conditional entry
            # into "() and (…)", which is never true, so the two are not combined here.
            node.fields["when"] = '""'
        return node

    def flags(self, node: Node) -> None:
        bools = [v for v in self.variables if v.type == "bool"]
        strings = [v for v in self.variables if v.type == "string"]
        roll = self.random.random()
        if roll < 0.1:
            node.fields["skip"] = "true"
            node.always_runs = False
        elif roll < 0.2 and bools:
            node.fields["skip"] = toml_string("{{ " + self.random.choice(bools).name + " }}")
            node.always_runs = False
        elif roll < 0.27 and strings:
            variable = self.random.choice(strings)
            word = self.random.choice(list(variable.choices or WORDS))
            template = f"{{% if {variable.name} == '{word}' %}}true{{% else %}}false{{% endif %}}"
            node.fields["skip"] = toml_string(template)
            node.always_runs = False
        elif roll < 0.4:
            node.fields["critical"] = "true"

    def questions(self, node: Node) -> None:
        if self.aborts:
            node.fields["prompt_after"] = '""'
            return
        roll = self.random.random()
        if node.type == "Manual" or roll < 0.3:
            node.fields["prompt_after"] = toml_string(f"Is {node.id} done?")
        elif roll < 0.6:
            node.fields["prompt_after"] = '""'
        if self.random.random() < 0.15:
            node.fields["prompt_before"] = toml_string(f"Start {node.id}?")

    def choose_failures(self) -> None:
        """Failing commands, each non-critical and waited for by a later node (see the
        docstring), so the run is still incomplete when the operator aborts."""
        waited_for = set().union(*(node.upstream for node in self.nodes))
        for node in self.nodes:
            if node.type != "Command" or node.id not in waited_for:
                continue
            if "critical" in node.fields or self.random.random() > 0.3:
                continue
            node.fields["command_name"] = toml_string("exit 3")
            node.fails = True

    # The case ----------------------------------------------------------------------------------

    def case(self) -> Case:
        self.variables = [self.variable(index) for index in range(self.random.randint(0, 4))]
        self.ids = self.random.sample(ID_STYLES, self.random.randint(2, 8))
        for index, node_id in enumerate(self.ids):
            self.nodes.append(self.node(index, node_id))
        if self.aborts:
            self.choose_failures()
        return Case(
            seed=self.seed,
            runbook=self.text(),
            cli_vars=tuple(
                f"{v.name}={self.as_text(v, v.cli)}" for v in self.variables if v.cli is not None
            ),
            file_vars=self.vars_file(),
            env={
                f"PLAYBOOK_VAR_{v.name}": self.as_text(v, v.env)
                for v in self.variables
                if v.env is not None
            },
            answers=("a\n" if self.aborts else "y\n") * 500,
        )

    def vars_file(self) -> str | None:
        lines = [f"{v.name} = {toml_value(v.file)}" for v in self.variables if v.file is not None]
        return "\n".join(lines) + "\n" if lines else None

    def text(self) -> str:
        # The original requires every one of these [runbook] fields; ours needs only the title.
        parts = []
        if self.variables:
            parts.append("[variables]")
            parts += [self.declaration(variable) for variable in self.variables]
            parts.append("")
        parts += [
            "[runbook]",
            f'title = "Differential {self.seed}"',
            'description = "A generated runbook"',
            'version = "1.0.0"',
            'author = "generator"',
            'created_at = "2025-01-01T00:00:00Z"',
            "",
        ]
        for node in self.nodes:
            parts.append(f"[{toml_key(node.id)}]")
            parts.append(f'type = "{node.type}"')
            parts += [f"{key} = {value}" for key, value in node.fields.items()]
            parts.append("")
        return "\n".join(parts)


def generate(seed: int) -> Case:
    return _Generator(seed).case()
