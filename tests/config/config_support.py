"""A machine in `tmp_path`: /etc, a home and a working folder, and the CLI run against them."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from cli_support import Outcome, invoke

from playbook.settings import LoadedSettings, load_settings


@dataclass
class Machine:
    root: Path
    environ: dict[str, str] = field(default_factory=dict)

    @property
    def etc(self) -> Path:
        return self.root / "etc" / "playbook"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def user_dir(self) -> Path:
        return self.home / ".config" / "playbook"

    @property
    def cwd(self) -> Path:
        return self.root / "work"

    def write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def load(self) -> LoadedSettings:
        return load_settings(self.environ, cwd=self.cwd, home=self.home, system_dir=self.etc)

    def process_environ(self, **env: str) -> dict[str, str]:
        """HOME here, plain output, no PLAYBOOK_* inherited from the test's own environment."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}
        environ.update(HOME=str(self.home), COLUMNS="200", NO_COLOR="1", TERM="dumb")
        environ.update(env)
        return environ

    def cli(self, *args: str | Path, stdin: str | None = "", **env: str) -> Outcome:
        """`playbook ARGS…` run in the working folder (`stdin=KEEP_OPEN`: input never ends)."""
        return invoke(*args, stdin=stdin, env=self.process_environ(**env), cwd=self.cwd)
