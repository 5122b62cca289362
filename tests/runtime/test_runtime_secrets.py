"""A secret reaches no sink: terminal, state database (file, WAL, backups), log, error text.

The canary runbook plants one secret in every templated field of every node type and walks
every failure path (declined, not approved, timeout, plugin error, condition error, an input
that ends, and a template that does not render); then every byte Playbook wrote is searched.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from pathlib import Path

import pytest
from cli_support import invoke, playbook_command
from runtime_support import Workspace

#: The quote and the non-ASCII letter make every escaped form (repr, JSON, shell) differ from
#: the raw value; the core between them appears in all of them.
SECRET = "Zq'7-canary-core-Xw-ü"
CORE = "canary-core"

CANARY = """\
[variables]
TOKEN = { required = true, secret = true }
SPARE_TOKEN = { secret = true, description = "optional, left unset" }
UNSET = { description = "optional, left unset: a condition on it cannot be evaluated" }

[runbook]
title = "Deploy with {{ TOKEN }}"
description = "Runbook description: {{ TOKEN }}"

[runbook.plugin_config.python]
shared = "{{ TOKEN }}"

[manual]
type = "Manual"
name = "Manual {{ TOKEN }}"
description = "Manual description: {{ TOKEN }}"
prompt_before = "Manual before {{ TOKEN }}?"
prompt_after = "Approve {{ TOKEN }}?"

[declined]
type = "Command"
name = "Declined {{ TOKEN }}"
description = "Declined description: {{ TOKEN }}"
prompt_before = "Run with {{ TOKEN }}?"
command_name = "echo {{ TOKEN | quote }}"

[command]
type = "Command"
name = "Command {{ TOKEN }}"
description = "Command description: {{ TOKEN }}"
command_name = "echo out {{ TOKEN | quote }}; echo err {{ TOKEN | quote }} >&2"
prompt_after = "Command done with {{ TOKEN }}?"

[timeout]
type = "Command"
name = "Timeout {{ TOKEN }}"
command_name = "echo {{ TOKEN | quote }}; exec sleep 30"
timeout = 1

[function]
type = "Function"
name = "Function {{ TOKEN }}"
description = "Function description: {{ TOKEN }}"
plugin = "python"
function = "notify"
function_params = { message = "notify {{ TOKEN }}" }
plugin_config = { note = "{{ TOKEN }}" }
prompt_before = "Notify {{ TOKEN }}?"
prompt_after = "Notified {{ TOKEN }}?"

[plugin_error]
type = "Function"
name = "Throw {{ TOKEN }}"
plugin = "python"
function = "throw"
function_params = { message = "thrown {{ TOKEN }}" }

[condition_error]
type = "Command"
name = "Condition {{ TOKEN }}"
command_name = "echo {{ TOKEN | quote }}"
when = "{{ UNSET == 'x' }}"

[last]
type = "Command"
name = "Last {{ TOKEN }}"
command_name = "echo last {{ TOKEN | quote }}"
prompt_after = "Finish with {{ TOKEN }}?"
"""

# Manual: y before, n approval (not approved), skip · declined: n, skip · command: y ·
# timeout: skip · function: y, y · plugin error: skip · condition error: skip.
ANSWERS = "y\nn\ns\nn\ns\ny\ns\ny\ny\ns\ns\n"

RENDER_ERROR = """\
[variables]
TOKEN = { required = true, secret = true }

[runbook]
title = "Render error"

[wait]
type = "Command"
command_name = "true"
timeout = "{{ TOKEN }}"
"""


@pytest.mark.slow
def test_a_secret_reaches_no_byte_of_any_sink(ws: Workspace) -> None:
    log = ws.root / "logs" / "playbook.log"
    (ws.root / "playbook.toml").write_text(
        f"[logging]\nfile_path = '{log}'\nlevel = 'DEBUG'\n", encoding="utf-8"
    )
    runbook = ws.runbook(CANARY, "canary.playbook.toml")
    written: list[str] = []

    # An earlier run makes the canary run back the database up (run.db.1).
    earlier = '[runbook]\ntitle = "x"\n[a]\ntype = "Command"\ncommand_name = "true"\n'
    assert ws.run(ws.runbook(earlier, "earlier.playbook.toml")).code == 0

    first = _spawn(ws, runbook)
    assert first.stdin is not None and first.stdout is not None
    first.stdin.write(ANSWERS.encode())
    first.stdin.flush()
    shown = _read_until(first, b"Finish with [REDACTED]?")
    # The run waits for its last answer: its transitions are in the WAL, not yet checkpointed.
    wal = ws.db.with_name("run.db-wal").read_bytes()
    assert len(wal) > 0
    rest, errors = first.communicate(timeout=30)  # the input ends: aborted, resumable
    assert first.returncode == 130, (shown + rest + errors).decode()
    written += [(shown + rest).decode(), errors.decode(), wal.decode("utf-8", "replace")]

    run_id = ws.last_run()
    states = ws.states(run_id)
    assert states == {
        "manual": "failed",
        "declined": "failed",
        "command": "ok",
        "timeout": "failed",
        "function": "ok",
        "plugin_error": "failed",
        "condition_error": "failed",
        # Its command ran; only the answer to "Finish with …?" was missing.
        "last": "ok",
    }
    reasons = {row["node_id"]: row["exception"] for row in ws.attempts(run_id)}
    assert reasons["manual"] == "not approved: Approve [REDACTED]?"
    assert reasons["declined"] == "declined: Run with [REDACTED]?"
    assert reasons["timeout"] == "timed out after 1 s"
    assert reasons["plugin_error"] == "python.throw failed: RuntimeError: thrown [REDACTED]"
    assert ws.attempts(run_id, "function")[0]["stdout"] == "[INFO] notify [REDACTED]\n"
    assert (
        "standard input is closed: no answer to 'Finish with [REDACTED]?"
        in (ws.rows("SELECT detail FROM events WHERE run_id = ? ORDER BY id DESC", run_id)[0][0])
    )

    resumed = ws.resume(runbook, str(run_id), "--var", f"TOKEN={SECRET}", answers="y\n")
    assert resumed.code == 1, resumed.text  # the skipped failures stay failed: NOK
    written += [resumed.stdout, resumed.stderr]

    broken = ws.runbook(RENDER_ERROR, "render.playbook.toml")
    refused = ws.run(broken, "--var", f"TOKEN={SECRET}")
    assert refused.code == 1
    assert "node 'wait' field 'timeout': rendered to [REDACTED]: expected an int" in refused.stderr
    checked = ws.cli("validate", broken, "--check-vars", "--var", f"TOKEN={SECRET}")
    assert checked.code == 1
    assert "TOKEN  required  = [REDACTED]  (from --var)" in checked.stdout
    written += [refused.stdout, refused.stderr, checked.stdout, checked.stderr]

    output = written[0] + written[1]
    for shown_text in (
        "Deploy with [REDACTED]",
        "Runbook description: [REDACTED]",
        "Manual [REDACTED]",
        "Manual description: [REDACTED]",
        "Manual before [REDACTED]? [y]es/[n]o: y",
        "Declined description: [REDACTED]",
        "Command description: [REDACTED]",
        "out [REDACTED]",
        "err [REDACTED]",
        "[INFO] notify [REDACTED]",
        "thrown [REDACTED]",
        "variable 'UNSET' has no value",
    ):
        assert shown_text in output, shown_text
    stored = [path for path in ws.db.parent.iterdir() if path.is_file()]
    assert {path.name for path in stored} >= {"run.db", "run.db.1", "run.db.2"}
    logs = list(log.parent.iterdir())
    assert "running → failed (fail: declined: Run with [REDACTED]?)" in log.read_text()
    for path in stored + logs:
        written.append(path.read_bytes().decode("utf-8", "replace"))
    for text in written:
        assert CORE not in text


def _spawn(ws: Workspace, runbook: Path) -> subprocess.Popen[bytes]:
    args = ["run", runbook, "--var", f"TOKEN={SECRET}", "--state-path", ws.db]
    return ws.processes.spawn(
        playbook_command(*args),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ws.root,
        env=ws.env,
    )


def _read_until(process: subprocess.Popen[bytes], marker: bytes, timeout: float = 30) -> bytes:
    """Standard output up to and including `marker` (a question the run now waits on)."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or process.poll() is not None:
            process.kill()
            raise AssertionError(f"never asked {marker!r}:\n{data.decode('utf-8', 'replace')}")
        ready, _, _ = select.select([descriptor], [], [], remaining)
        if ready:
            data += os.read(descriptor, 65536)
    return data


SECRET_DEFAULTS = """\
[variables]
TOKEN = { secret = true, default = "sekrit-default-one" }
PORT = { type = "int", secret = true, default = "sekrit-default-two", descripton = "typo" }

[runbook]
title = "Secret defaults"

[step]
type = "Command"
command_name = "echo {{ TOKEN }} {{ PORT }}"
when = ""
"""


@pytest.mark.parametrize(
    "command", [["validate"], ["validate", "--json"], ["plan"], ["run", "--state-path", "run.db"]]
)
def test_a_secret_default_written_in_the_runbook_is_hidden_in_its_diagnostics(
    tmp_path: Path, command: list[str]
) -> None:
    runbook = tmp_path / "defaults.playbook.toml"
    runbook.write_text(SECRET_DEFAULTS, encoding="utf-8")
    result = invoke(*command, runbook, cwd=tmp_path)
    assert result.code == 1
    shown = result.stdout + result.stderr
    assert "expected an int, got [REDACTED]" in shown
    assert "sekrit-default" not in shown
    if "--json" not in command:
        # The lines quoted under the errors and the warning hide it too.
        assert 'secret = true, default = "[REDACTED]"' in shown
        assert 'when = "" is no condition' in shown
    assert not (tmp_path / "run.db").exists()
