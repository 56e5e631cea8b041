"""A real SQLite file as the ASK SDK persistence store: the embedded default, no AWS account needed.

One short-lived connection per call keeps it safe across threads and worker processes; WAL mode lets
readers and a writer work together, and a short busy timeout (within the turn's budget) turns a locked
file into an error the skill reports instead of a stalled turn.

A fresh machine has no folder for the file: it is created before connecting. A file deleted (or replaced)
while the server runs gets its table back on the next call. Writes are versioned: ``BEGIN IMMEDIATE``
takes the write lock, the stored version is compared with the one the turn read, and version + 1 is
written, all in one transaction, so two workers can never both write over the same version.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

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
UPSERT = ("INSERT INTO attributes (id, attributes, version) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
          "attributes = excluded.attributes, version = excluded.version, "
          "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")


class SqliteAdapter(StoreAdapter):
    def __init__(self, path: Path, busy_timeout: float = 1.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout

    def _connect(self, budget: float | None = None) -> sqlite3.Connection:
        """A connection to a file that has the table: the folder is made first, and the schema is (re)made
        whenever it is missing (first use, or the file was deleted while the server ran)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        timeout = self.busy_timeout if budget is None else max(0.05, min(self.busy_timeout, budget))
        connection = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        try:
            columns = {row[1] for row in connection.execute("PRAGMA table_info(attributes)")}
            if not columns:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(SCHEMA)
            elif "version" not in columns:  # a file from before versions: every record starts at 0
                connection.execute("ALTER TABLE attributes ADD COLUMN version INTEGER NOT NULL DEFAULT 0")
        except sqlite3.Error:
            connection.close()
            raise
        return connection

    def read(self, key: str, budget: float | None = None) -> dict[str, Any]:
        try:
            with closing(self._connect(budget)) as db:
                row = db.execute("SELECT attributes, version FROM attributes WHERE id = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite read failed: {exc}") from exc
        if row is None:
            return {}
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
        try:
            with closing(self._connect(budget)) as db:
                db.execute("BEGIN IMMEDIATE")
                try:
                    row = db.execute("SELECT version FROM attributes WHERE id = ?", (key,)).fetchone()
                    current = row[0] if row else 0
                    if expected is not None and current != expected:
                        raise VersionConflict(f"stored version {current}, expected {expected}")
                    db.execute(UPSERT, (key, body, current + 1))
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite write failed: {exc}") from exc
        return current + 1

    def delete(self, key: str) -> None:
        try:
            with closing(self._connect()) as db:
                db.execute("DELETE FROM attributes WHERE id = ?", (key,))
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite delete failed: {exc}") from exc
