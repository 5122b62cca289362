"""Where the state lives: an SQLite file, or a PostgreSQL database named by a URL.

A URL may carry a password (`postgresql://ops:secret@db/playbook`, or `?password=`). It is
handed to the driver as written and shown nowhere: a location prints as its URL with every
password replaced by `***`, and the driver's messages are masked the same way. Playbook
never records where the state lives in a run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from playbook.diagnostics import PlaybookError

SCHEMES = ("postgresql", "postgres")
MASK = "***"
#: `user:password@` at the start of a URL's host part, and `password=` among its parameters.
_USER_PASSWORD = re.compile(r"^(?P<user>[^:@/]*):(?P<password>[^@]*)@")
_PASSWORD_PARAMETER = re.compile(r"(?P<key>(?:^|&)password=)(?P<password>[^&#]*)")


@dataclass(frozen=True)
class SQLiteFile:
    """An SQLite database file (the default: `database.path`)."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        """Whether there may be a database to read here without creating one."""
        return self.path.exists()

    def flags(self) -> tuple[str, str]:
        """The command-line option that names this location."""
        return ("--state-path", str(self.path))

    def as_json(self) -> dict[str, str]:
        return {"path": str(self.path)}


@dataclass(frozen=True)
class PostgresUrl:
    """A PostgreSQL database (`database.url`); what the URL leaves out, libpq takes from the
    `PG*` environment variables and `~/.pgpass`."""

    url: str = field(repr=False)

    def __str__(self) -> str:
        return self.masked(self.url)

    def __repr__(self) -> str:
        return f"PostgresUrl({self})"

    def masked(self, text: str) -> str:
        """`text` with every password of this URL replaced by `***`."""
        for secret in sorted(self.passwords(), key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def passwords(self) -> set[str]:
        """The URL's passwords, as written and percent-decoded."""
        parts = urlsplit(self.url)
        found = [match["password"] for match in _PASSWORD_PARAMETER.finditer(parts.query)]
        user = _USER_PASSWORD.match(parts.netloc)
        if user is not None:
            found.append(user["password"])
        return {form for value in found if value for form in (value, unquote(value))}

    def exists(self) -> bool:
        """A server's database is found out about by connecting to it."""
        return True

    def flags(self) -> tuple[str, str]:
        return ("--state-url", str(self))

    def as_json(self) -> dict[str, str]:
        return {"url": str(self)}

    @classmethod
    def parse(cls, text: str, source: str) -> PostgresUrl:
        """A PostgreSQL URL, or an error naming where the text came from (`source`)."""
        scheme, separator, _ = text.partition("://")
        if scheme.lower() not in SCHEMES:
            # Whatever it is, a password in it is not repeated.
            shown = str(cls(text)) if separator else text.rpartition("@")[2]
            raise PlaybookError.single(
                f"{source} {shown!r} is not a PostgreSQL URL",
                hint="write postgresql://USER@HOST[:PORT]/DATABASE (the password in ~/.pgpass"
                " or PGPASSWORD); for an SQLite file use --state-path or database.path",
            )
        return cls(text)


StateLocation = SQLiteFile | PostgresUrl


def location_of(path: Path | None, url: str | None, source: str = "--state-url") -> StateLocation:
    """The location a command was given: a file path, or a PostgreSQL URL (an empty one too:
    `--state-url ""` is a mistake to report, not a request for the SQLite file)."""
    if url is not None:
        return PostgresUrl.parse(url, source)
    if path is None:
        raise ValueError("a state location needs a path or a URL")
    # os.path's expansion leaves `~name` of an unknown user as written, as a shell does;
    # Path.expanduser raises.
    return SQLiteFile(Path(os.path.expanduser(path)))
