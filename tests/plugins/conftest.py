"""Fixtures: fake installed plugin packages (real `.dist-info` directories) and a local HTTP server.

The example package in `examples/plugins` must be pip-installed before the tests run
(`pip install '.[test]' ./examples/plugins`), as a user would install a third-party plugin.
"""

from __future__ import annotations

import contextlib
import json
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from playbook.plugins import PluginRegistry


@pytest.fixture
def install_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., None]]:
    """Install a plugin package made of `code`, found like a real one."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def install(entry: str, code: str, *, package: str | None = None, target: str = "") -> None:
        module = f"fake_playbook_plugin_{len(modules)}"
        modules.append(module)
        package = package or f"fake-{entry}"
        (site / f"{module}.py").write_text(textwrap.dedent(code))
        dist_info = site / f"{package.replace('-', '_')}-1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n"
        )
        (dist_info / "entry_points.txt").write_text(
            f"[playbook.plugins]\n{entry} = {module}:{target or 'FakePlugin'}\n"
        )

    yield install
    for module in modules:
        sys.modules.pop(module, None)


@pytest.fixture
def registry() -> PluginRegistry:
    return PluginRegistry()


class _Handler(BaseHTTPRequestHandler):
    """Routes: /ok (JSON 200), /status/N, /slow (answers after 1 s), POST /echo."""

    def do_GET(self) -> None:
        if self.path == "/ok":
            self._reply(200, json.dumps({"status": "up"}), "application/json")
        elif self.path.startswith("/status/"):
            self._reply(int(self.path.rsplit("/", 1)[1]), "service unavailable", "text/plain")
        elif self.path == "/slow":
            time.sleep(1)
            self._reply(200, "late", "text/plain")
        else:
            self._reply(404, "not found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        received = {
            "body": json.loads(self.rfile.read(length)),
            "content_type": self.headers.get("Content-Type"),
            "token": self.headers.get("X-Token"),
        }
        self._reply(201, json.dumps(received), "application/json")

    def _reply(self, status: int, body: str, content_type: str) -> None:
        data = body.encode()
        # The timeout tests hang up before /slow answers; that is expected, not an error.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    """Base URL of a real HTTP server on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
