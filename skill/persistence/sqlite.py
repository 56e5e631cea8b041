"""A real SQLite file as the ASK SDK persistence store: the embedded default, no AWS account needed.

One short-lived connection per call keeps it safe across threads and worker processes; WAL mode lets
readers and a writer work together, and a short busy timeout turns a locked file into an error the
skill logs instead of a stalled turn.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from skill.logs import logger
from skill.persistence.keys import user_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS attributes (
    id TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)
"""


class SqliteAdapter(AbstractPersistenceAdapter):
    def __init__(self, path: Path, busy_timeout: float = 1.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(SCHEMA)
            self._ready = True
        return connection

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        key = user_key(request_envelope)
        try:
            with closing(self._connect()) as db:
                row = db.execute("SELECT attributes FROM attributes WHERE id = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite read failed: {exc}") from exc
        if row is None:
            return {}
        try:
            value = json.loads(row[0])
        except (ValueError, RecursionError):
            # A corrupt row holds no usable progress; reading it as empty lets the next save repair it
            # (raising would block every later save and make each launch a first visit).
            logger().warning("stored attributes were not valid JSON; starting that user afresh")
            return {}
        return value if isinstance(value, dict) else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        key = user_key(request_envelope)
        try:
            with closing(self._connect()) as db:
                db.execute(
                    "INSERT INTO attributes (id, attributes) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET "
                    "attributes = excluded.attributes, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                    (key, json.dumps(attributes, separators=(",", ":"))))
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite write failed: {exc}") from exc

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        key = user_key(request_envelope)
        try:
            with closing(self._connect()) as db:
                db.execute("DELETE FROM attributes WHERE id = ?", (key,))
        except sqlite3.Error as exc:
            raise PersistenceException(f"sqlite delete failed: {exc}") from exc
