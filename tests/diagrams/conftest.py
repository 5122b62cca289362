"""Fixtures of the diagram tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True under `pytest --update-golden`: golden diagrams are rewritten, not compared."""
    return bool(request.config.getoption("--update-golden"))
