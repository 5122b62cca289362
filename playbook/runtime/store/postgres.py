"""The state in a PostgreSQL database: a team's runs, shared between machines.

The same tables, statements and promises as SQLite, with PostgreSQL's own means:

- Each transition is one transaction, committed (and flushed, with the server's default
  `synchronous_commit = on`) before the work it allows starts; a connection that drops in the
  middle of one leaves nothing of it behind.
- A run's owner holds a session-level advisory lock, keyed by the run and the schema that holds
  the tables, on its own connection; the server releases it when that session ends, however it
  ends (the process killed, the machine gone: the server probes idle connections, so a vanished
  machine's session ends within about a minute). `owner` reads `pg_locks`, so it is true
  exactly while the owner's session lives.
- The schema's version is kept in `playbook_schema_version`; the first writers to meet an older
  schema take turns on an advisory lock, so each migration is applied once.
- Backups are the server's business (`pg_dump`, base backups, replicas): `back_up` does nothing.

The driver, psycopg 3, is imported with this module: only when a PostgreSQL URL is opened.
"""

from __future__ import annotations

import contextlib
import itertools
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

from playbook.diagnostics import PlaybookError

try:
    import psycopg
    from psycopg import errors
    from psycopg.conninfo import conninfo_to_dict
except ImportError:
    raise PlaybookError.single(
        "a PostgreSQL state database needs the psycopg package",
        hint="install it with `pip install 'playbook[postgresql]'`",
    ) from None
from playbook.redaction import Redactor
from playbook.runtime.store.locations import PostgresUrl
from playbook.runtime.store.records import OpenMode, now
from playbook.runtime.store.schema import POSTGRESQL, SCHEMA_VERSION, TABLES, migration
from playbook.runtime.store.sql import SqlStore, Writer

VERSION_TABLE = "playbook_schema_version"
#: Connection settings Playbook asks for unless the URL says otherwise: a name the server's
#: views show, a bounded wait for an unreachable server, and keepalives that notice a dead one.
CONNECTION_DEFAULTS = {
    "application_name": "playbook",
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}
#: The server probes this session's connection the same way, so a machine that vanished
#: (network cut, laptop asleep) loses its session, and with it the runs it owned.
SESSION_KEEPALIVES = (
    "tcp_keepalives_idle = 30",
    "tcp_keepalives_interval = 10",
    "tcp_keepalives_count = 3",
)
#: Rows a history read fetches from the server at a time.
STREAM_BATCH = 2000
#: The advisory lock number of migrations; runs use their ids, which start at 1.
MIGRATION_LOCK = 0
HINT = (
    "check --state-url (default: database.url of `playbook config`), that the server is"
    " reachable, and the credentials (PGPASSWORD or ~/.pgpass); see docs/postgresql.md"
)


class PostgresStore(SqlStore):
    dialect = POSTGRESQL
    row_errors = (psycopg.IntegrityError, psycopg.DataError, psycopg.ProgrammingError)

    def __init__(
        self,
        location: PostgresUrl,
        mode: OpenMode = OpenMode.CREATE,
        timeout: float = 30,
        redactor: Redactor | None = None,
    ) -> None:
        super().__init__(location, _connect(location, timeout), timeout, redactor)
        self.url = location
        self._cursor_names = itertools.count(1)
        self._pipeline: Any = None
        try:
            self.lock_space = self._lock_space()
            self.schema = self._prepare(mode)
        except psycopg.Error as error:
            self.close()
            raise self._explain(error) or PlaybookError.single(
                f"cannot set up the state database {location}: {_said(error, self.url)}", hint=HINT
            ) from None
        except BaseException:
            self.close()
            raise

    # The connection -------------------------------------------------------------------------

    def close(self) -> None:
        # Ending the session releases the advisory locks of the runs it owned.
        self.connection.close()
        self.owned.clear()

    def _in_transaction(self) -> bool:
        if self.connection.closed:
            return False
        return self.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    @contextlib.contextmanager
    def _batch(self) -> Iterator[object]:
        # A transaction's statements go to the server together (pipeline mode): one round
        # trip for a transition instead of one per statement, plus one where a statement's
        # answer decides what follows (`_answered`).
        with self.connection.pipeline() as pipeline:
            self._pipeline = pipeline
            try:
                yield pipeline
            finally:
                self._pipeline = None

    def _answered(self, cursor: Any) -> int:
        if self._pipeline is not None:
            self._pipeline.sync()
        return int(cursor.rowcount)

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        # A server-side cursor: a large history is fetched in batches, not all at once.
        name = f"playbook_read_{next(self._cursor_names)}"
        with self.connection.cursor(name=name) as cursor:
            cursor.itersize = STREAM_BATCH
            cursor.execute(self._sql(sql), params)
            yield from cursor

    def _explain(self, error: BaseException) -> PlaybookError | None:
        if not isinstance(error, psycopg.Error):
            return None
        said = _said(error, self.url)
        if isinstance(error, errors.LockNotAvailable):
            return PlaybookError.single(
                f"the state database {self.url} stayed locked for {self.timeout:g} s ({said})",
                hint="another Playbook process holds it; try again, or raise database.timeout",
            )
        if self.connection.broken or isinstance(
            error, errors.AdminShutdown | errors.ConnectionException
        ):
            return PlaybookError.single(
                f"lost the connection to the state database {self.url} ({said})",
                hint="what was recorded before stays recorded; a run this command was driving"
                " shows as ORPHANED, and `playbook resume` takes it over once the database is"
                " reachable",
            )
        if isinstance(error, psycopg.OperationalError | errors.InsufficientPrivilege):
            return PlaybookError.single(
                f"the state database {self.url} refused: {said}",
                hint="the role needs to create tables once, then read and write them; see"
                " docs/postgresql.md",
            )
        if isinstance(error, errors.ReadOnlySqlTransaction):
            return PlaybookError.single(
                f"the state database {self.url} is read-only ({said})",
                hint="point --state-url at the primary server, not a standby",
            )
        return None

    def back_up(self, count: int) -> None:
        """Nothing: PostgreSQL's own backups (pg_dump, base backups, replicas) keep the state."""

    # Ownership ------------------------------------------------------------------------------

    def _lock_space(self) -> int:
        """The first half of every advisory lock key: the schema holding the tables, so two
        Playbook states in two schemas of one database never share a run's lock."""
        schema = self._rows("SELECT current_schema()")[0][0]
        if schema is None:
            raise PlaybookError.single(
                f"the state database {self.url} has no schema to keep Playbook's tables in",
                hint="create the schema its search_path names (CREATE SCHEMA playbook), or"
                " drop `options=-csearch_path=…` from the URL",
            )
        return zlib.crc32(f"playbook:{schema}".encode()) & 0x7FFFFFFF

    def _lock(self, run_id: int) -> bool:
        rows = self._rows("SELECT pg_try_advisory_lock(?, ?)", (self.lock_space, run_id))
        return bool(rows[0][0])

    def _locked_elsewhere(self, run_id: int) -> bool:
        rows = self._rows(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 2)",
            (self.lock_space, run_id),
        )
        return bool(rows[0][0])

    # Schema ---------------------------------------------------------------------------------

    def _prepare(self, mode: OpenMode) -> int:
        """Check the database is Playbook's (or empty) and migrate it unless read-only;
        returns its schema version."""
        if mode is OpenMode.READ_ONLY:
            self._execute("SET default_transaction_read_only = on")
            version = self._version()
            if version == 0:
                raise PlaybookError.single(
                    f"{self.url} holds no Playbook runs yet",
                    hint="`playbook run` with this --state-url sets it up",
                )
            return version
        with self.transaction() as db:
            # Concurrent first users take turns: the lock ends with this transaction.
            db.execute("SELECT pg_advisory_xact_lock(?, ?)", (self.lock_space, MIGRATION_LOCK))
            version = self._version()
            if version < SCHEMA_VERSION:
                db.execute(
                    f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE}"
                    " (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in migration(target, POSTGRESQL):
                    db.execute(statement)
                db.execute(
                    f"INSERT INTO {VERSION_TABLE} (version, applied_at) VALUES (?, ?)",
                    (target, now()),
                )
        return max(version, SCHEMA_VERSION)

    def _version(self) -> int:
        """The schema version; 0 for a database without Playbook's tables. Tables of the same
        names that are not Playbook's, or a newer schema, are refused."""
        names = [VERSION_TABLE, *TABLES]
        found = self._rows(
            "SELECT " + ", ".join("to_regclass(?) IS NOT NULL" for _ in names), tuple(names)
        )[0]
        if not found[0]:
            taken = [name for name, exists in zip(TABLES, found[1:], strict=True) if exists]
            if taken:
                raise PlaybookError.single(
                    f"{self.url} already has tables named {', '.join(taken)} that are not"
                    " Playbook's",
                    hint="give Playbook a database of its own, or a schema of its own (add"
                    " ?options=-csearch_path%3Dplaybook to the URL); see docs/postgresql.md",
                )
            return 0
        version = int(self._rows(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}")[0][0])
        if version > SCHEMA_VERSION:
            raise PlaybookError.single(
                f"{self.url} was written by a newer Playbook (schema {version}, this one reads"
                f" up to {SCHEMA_VERSION})",
                hint="upgrade Playbook to use this database",
            )
        return version

    def _after_load(self, db: Writer) -> None:
        for table in ("runs", "attempts", "events"):
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )


def _connect(location: PostgresUrl, timeout: float) -> Any:
    """A connection in autocommit mode (each transaction is begun explicitly), with waits for
    another session's locks bounded by `timeout`."""
    try:
        parameters = {**CONNECTION_DEFAULTS, **conninfo_to_dict(location.url)}
        connection = psycopg.connect(**parameters, autocommit=True)
        for setting in (
            f"lock_timeout = {max(1, round(timeout * 1000))}",
            *SESSION_KEEPALIVES,
        ):
            connection.execute(f"SET {setting}")
    except psycopg.Error as error:
        raise PlaybookError.single(
            f"cannot connect to the state database {location}: {_said(error, location)}",
            hint=HINT,
        ) from None
    return connection


def _said(error: BaseException, location: PostgresUrl) -> str:
    """The first line of what the server or the driver said, without the URL's password."""
    lines = str(error).strip().splitlines()
    return location.masked(lines[0] if lines else type(error).__name__)
