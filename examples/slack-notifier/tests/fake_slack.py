"""A fake Slack on 127.0.0.1: an incoming webhook and the two Web API methods the plugin calls."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "xoxb-test-token"


class FakeSlack(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeSlack

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.server.received.append({"path": self.path, "body": body})
        if self.path == "/services/gone":
            self._reply(404, "no_service")
        elif self.path.startswith("/services/"):
            self._reply(200, "ok")
        elif self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._reply(200, json.dumps({"ok": False, "error": "invalid_auth"}))
        elif self.path == "/api/conversations.create" and body["name"] == "taken":
            self._reply(200, json.dumps({"ok": False, "error": "name_taken"}))
        elif self.path == "/api/conversations.create":
            channel = {"id": "C0123", "name": body["name"], "is_private": body["is_private"]}
            self._reply(200, json.dumps({"ok": True, "channel": channel}))
        else:
            self._reply(200, json.dumps({"ok": True}))

    def _reply(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def running() -> Iterator[FakeSlack]:
    """A fake Slack serving in a background thread until the block ends."""
    server = FakeSlack()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
