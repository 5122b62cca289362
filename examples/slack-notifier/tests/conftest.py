"""One fake Slack for the whole session; each test starts with no requests received."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_slack import FakeSlack, running


@pytest.fixture(scope="session")
def slack_server() -> Iterator[FakeSlack]:
    with running() as server:
        yield server


@pytest.fixture
def slack(slack_server: FakeSlack) -> FakeSlack:
    slack_server.received.clear()
    return slack_server
