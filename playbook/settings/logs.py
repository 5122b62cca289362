"""The `playbook` logger during a run: a private rotating file, or problems on the console.

Logging is attached for one command and detached after it, so nothing outlives the run (or
leaks between in-process test invocations).
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path

from playbook.diagnostics import PlaybookError
from playbook.settings.model import LoggingSettings

LOGGER = "playbook"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONSOLE_FORMAT = "%(levelname)s: %(message)s"


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


class PrivateRotatingFileHandler(RotatingFileHandler):
    """Creates the log file and each new one after a rollover with mode 0600.

    Run logs name runbooks, nodes and operators; like the state database they stay private.
    """

    def _open(self) -> io.TextIOWrapper:
        return open(
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=_private,
        )


@contextmanager
def run_logging(settings: LoggingSettings) -> Iterator[logging.Logger]:
    """The `playbook` logger configured by `settings` for the duration of the block."""
    logger = logging.getLogger(LOGGER)
    level = logging.getLevelNamesMapping()[settings.level]
    handler: logging.Handler
    if settings.file_path:
        path = Path(settings.file_path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handler = PrivateRotatingFileHandler(
                path,
                maxBytes=int(settings.max_size_mb * 1024 * 1024),
                backupCount=settings.backup_count,
                encoding="utf-8",
            )
        except OSError as error:
            raise PlaybookError.single(
                f"cannot open the log file {path}: {error.strerror}",
                hint="change logging.file_path in the configuration (`playbook config --show`)",
            ) from None
        handler.setFormatter(logging.Formatter(FILE_FORMAT))
        handler.setLevel(level)
    else:
        # The run's display already shows progress; the console log adds only problems,
        # unless the operator asked for DEBUG to see every transition.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(CONSOLE_FORMAT))
        handler.setLevel(level if level == logging.DEBUG else max(level, logging.WARNING))
    previous = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        handler.close()
