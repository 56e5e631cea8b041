"""An in-process store for tests and smoke runs; values are copied through JSON like a real store, and
versioned like the real ones."""

from __future__ import annotations

import json
import threading
from typing import Any

from skill.persistence.base import VERSION, StoreAdapter, VersionConflict


class MemoryAdapter(StoreAdapter):
    def __init__(self) -> None:
        self._items: dict[str, str] = {}  # the record as JSON text, per key
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()

    def read(self, key: str, budget: float | None = None) -> dict[str, Any]:
        with self._lock:
            raw, version = self._items.get(key), self._versions.get(key, 0)
        if not raw:
            return {}
        value = json.loads(raw)
        return {**(value if isinstance(value, dict) else {}), VERSION: version}

    def write(self, key: str, attributes: dict[str, Any], expected: int | None, budget: float | None = None) -> int:
        body = json.dumps({k: v for k, v in attributes.items() if k != VERSION})
        with self._lock:
            current = self._versions.get(key, 0)
            if expected is not None and current != expected:
                raise VersionConflict(f"stored version {current}, expected {expected}")
            self._items[key] = body
            self._versions[key] = current + 1
        return current + 1

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._versions.pop(key, None)
