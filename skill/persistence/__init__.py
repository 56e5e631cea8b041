"""Where user progress is kept, chosen by one URL (``SPINE_COACH_STORE``).

``sqlite:///path/to/file.db`` (the embedded default for local runs), ``dynamodb://table-name``
(Lambda; boto3 is imported only for this one), ``memory://`` (tests and the packaged smoke test).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

ENV = "SPINE_COACH_STORE"
DEFAULT_SQLITE = os.path.join(os.path.expanduser("~"), ".spine-coach", "progress.db")


class StoreConfigError(ValueError):
    """The store URL cannot be used; the message says what a valid one looks like."""


def store_url() -> str:
    return os.environ.get(ENV) or f"sqlite:///{DEFAULT_SQLITE}"


def adapter_from_url(url: str) -> AbstractPersistenceAdapter:
    """Build the persistence adapter a store URL names."""
    parts = urlsplit(url)
    if parts.scheme == "memory":
        from skill.persistence.memory import MemoryAdapter

        return MemoryAdapter()
    if parts.scheme == "sqlite":
        path = url.removeprefix("sqlite://")
        if not path or path == "/":
            raise StoreConfigError(f"{ENV}={url!r}: give a file, like sqlite:///var/lib/spine-coach.db")
        from pathlib import Path

        from skill.persistence.sqlite import SqliteAdapter

        return SqliteAdapter(Path(path))
    if parts.scheme == "dynamodb":
        if not parts.netloc:
            raise StoreConfigError(f"{ENV}={url!r}: give a table, like dynamodb://spine-coach-progress")
        from skill.persistence.dynamodb import dynamodb_adapter

        return dynamodb_adapter(parts.netloc)
    raise StoreConfigError(f"{ENV}={url!r}: use memory://, sqlite:///path/to/file.db or dynamodb://table")
