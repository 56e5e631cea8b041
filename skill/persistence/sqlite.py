"""A real SQLite file as the ASK SDK persistence store: the embedded default, no AWS account needed.

One short-lived connection per call keeps it safe across threads and worker processes; WAL mode lets
readers and a writer work together, and a short busy timeout (within the turn's budget) turns a locked
file into an error the skill reports instead of a stalled turn.

A fresh machine has no folder for the file: it is created before connecting. A file deleted (or replaced)
while the server runs gets its table back on the next call. Writes are versioned: one upsert statement
(its own transaction, under SQLite's write lock) stores version + 1 only if the stored version is still
the one the turn read, so two workers can never both write over the same version. A record that vanished
(the file was deleted) is written afresh at version 1.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, TypeVar

from ask_sdk_core.exceptions import PersistenceException

from skill.logs import logger
from skill.persistence.base import VERSION, StoreAdapter, VersionConflict

SCHEMA = """
CREATE TABLE IF NOT EXISTS attributes (
    id TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    version INTEGER NOT NULL DEFAULT 0
)
"""
# One statement, so the write lock is held for microseconds (no Python between its steps): insert, or update
# only while the stored version is the one the turn read; RETURNING says which happened.
UPSERT = ("INSERT INTO attributes (id, attributes, version) VALUES (?, ?, 1) ON CONFLICT(id) DO UPDATE SET "
          "attributes = excluded.attributes, version = attributes.version + 1, "
          "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")
CONDITION = " WHERE attributes.version = ?"
RETURNING = " RETURNING version"
T = TypeVar("T")


class SqliteAdapter(StoreAdapter):
    """Each thread keeps its own connection: opening and closing one per call made the last connection's
    close checkpoint and delete the WAL every time, which locked out readers under load. Before each use the
    file is checked (same inode, same process), so a deleted or replaced file, or a forked worker, gets a
    fresh connection and the table is made again."""

    def __init__(self, path: Path, busy_timeout: float = 1.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_dev, stat.st_ino, os.getpid()

    def _connect(self, budget: float | None = None) -> sqlite3.Connection:
        """This thread's connection to a file that has the table: the folder is made first, and the schema
        is (re)made whenever it is missing (first use, or the file was deleted while the server ran)."""
        timeout = self.busy_timeout if budget is None else max(0.05, budget)
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and getattr(self._local, "identity", None) == self._identity():
            connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            return connection
        self._forget()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            # WAL with synchronous=NORMAL: a commit is safe from a crash of the server, and only a power cut
            # may undo the last moments; FULL (an fsync per commit) made writers queue behind the disk and
            # time out under load (measured: about 100x fewer writes per second).
            connection.execute("PRAGMA synchronous=NORMAL")
            columns = {row[1] for row in connection.execute("PRAGMA table_info(attributes)")}
            if not columns:
                # Another worker creating the file at this moment may hold the lock; it sets WAL itself.
                with suppress(sqlite3.OperationalError):
                    connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(SCHEMA)  # IF NOT EXISTS: waits its turn behind that worker
            elif "version" not in columns:  # a file from before versions: every record starts at 0
                connection.execute("ALTER TABLE attributes ADD COLUMN version INTEGER NOT NULL DEFAULT 0")
        except sqlite3.Error:
            connection.close()
            raise
        self._local.connection, self._local.identity = connection, self._identity()
        return connection

    def _forget(self) -> None:
        """Drop this thread's connection (after an error, or when the file changed under it)."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None and getattr(self._local, "identity", (0, 0, -1))[2] == os.getpid():
            with suppress(sqlite3.Error):
                connection.close()

    def _run(self, budget: float | None, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` on this thread's connection, within ``budget`` seconds. A table that vanished is made
        again; "database is locked" (which SQLite can return at once in a few WAL cases, without waiting
        on the busy timeout) is tried again after a short pause while time is left."""
        deadline = time.monotonic() + (self.busy_timeout if budget is None else budget)
        remade = False
        while True:
            left = deadline - time.monotonic()
            try:
                return work(self._connect(max(0.05, left)))
            except sqlite3.OperationalError as exc:
                self._forget()
                message = str(exc)
                if "no such table" in message and not remade:
                    remade = True
                    continue
                if ("locked" in message or "busy" in message) and deadline - time.monotonic() > 0.05:
                    time.sleep(random.uniform(0.002, 0.02))
                    continue
                raise
            except sqlite3.Error:
                self._forget()
                raise

    def read(self, key: str, budget: float | None = None) -> dict[str, Any]:
        try:
            # fetchall, not fetchone: a statement left unfinished would keep its read snapshot open on this
            # long-lived connection, and the next call would see stale data
            rows = self._run(budget, lambda db: db.execute(
                "SELECT attributes, version FROM attributes WHERE id = ?", (key,)).fetchall())
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite read failed: {exc}") from exc
        if not rows:
            return {}
        row = rows[0]
        try:
            value = json.loads(row[0])
        except (ValueError, RecursionError):
            # A corrupt row holds no usable progress; reading it as empty (at its version) lets the next
            # save repair it (raising would block every later save and make each launch a first visit).
            logger().warning("stored attributes were not valid JSON; starting that user afresh")
            value = {}
        return {**(value if isinstance(value, dict) else {}), VERSION: row[1]}

    def write(self, key: str, attributes: dict[str, Any], expected: int | None, budget: float | None = None) -> int:
        body = json.dumps({k: v for k, v in attributes.items() if k != VERSION}, separators=(",", ":"))
        # fetchall: the statement runs to its end, which commits it
        if expected is None:
            statement, values = UPSERT + RETURNING, (key, body)
        else:
            statement, values = UPSERT + CONDITION + RETURNING, (key, body, expected)
        try:
            rows = self._run(budget, lambda db: db.execute(statement, values).fetchall())
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite write failed: {exc}") from exc
        if not rows:
            raise VersionConflict(f"the stored version is no longer {expected}")
        return int(rows[0][0])

    def delete(self, key: str) -> None:
        try:
            self._run(None, lambda db: db.execute("DELETE FROM attributes WHERE id = ?", (key,)))
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite delete failed: {exc}") from exc
