"""The `playbook` logger during a run: a private rotating file, or problems on the console.

Logging is attached for one command and detached after it, so nothing outlives the run (or
leaks between in-process test invocations). Every line is redacted by the run's `Redactor`.
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
from playbook.redaction import Redactor
from playbook.settings.model import LoggingSettings

LOGGER = "playbook"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONSOLE_FORMAT = "%(levelname)s: %(message)s"
#: The run's own records (node failures, how the run ended): the display already shows them.
RUN_LOGGER = "playbook.run"


class RedactingFormatter(logging.Formatter):
    """A log formatter whose every line, traceback included, is redacted."""

    def __init__(self, fmt: str, redactor: Redactor) -> None:
        super().__init__(fmt)
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor(super().format(record))


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
def run_logging(
    settings: LoggingSettings, redactor: Redactor | None = None
) -> Iterator[logging.Logger]:
    """The `playbook` logger configured by `settings` for the duration of the block."""
    redactor = redactor or Redactor()
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
        handler.setFormatter(RedactingFormatter(FILE_FORMAT, redactor))
        handler.setLevel(level)
    else:
        # The run's display already shows progress and every failure; the console log adds
        # only other problems, unless the operator asked for DEBUG to see every transition.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(RedactingFormatter(CONSOLE_FORMAT, redactor))
        if level == logging.DEBUG:
            handler.setLevel(level)
        else:
            handler.setLevel(max(level, logging.WARNING))
            handler.addFilter(lambda record: record.name != RUN_LOGGER)
    previous = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        handler.close()
