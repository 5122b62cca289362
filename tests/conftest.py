"""Options shared by every test folder; fixtures live in each folder's own conftest."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden/*.ir.json and tests/compiler/invalid/*.expected instead of comparing",
    )
