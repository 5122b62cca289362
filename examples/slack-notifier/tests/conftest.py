"""One fake Slack for the whole session; each test starts with no requests received."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fake_slack import FakeSlack


@pytest.fixture(scope="session")
def slack_server() -> Iterator[FakeSlack]:
    server = FakeSlack()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def slack(slack_server: FakeSlack) -> FakeSlack:
    slack_server.received.clear()
    return slack_server
