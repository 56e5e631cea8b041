"""An in-process store for tests and smoke runs; values are copied through JSON like a real store."""

from __future__ import annotations

import json
import threading
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.persistence.keys import user_key


class MemoryAdapter(AbstractPersistenceAdapter):
    def __init__(self) -> None:
        self._items: dict[str, str] = {}
        self._lock = threading.Lock()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        with self._lock:
            raw = self._items.get(user_key(request_envelope))
        return json.loads(raw) if raw else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        with self._lock:
            self._items[user_key(request_envelope)] = json.dumps(attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        with self._lock:
            self._items.pop(user_key(request_envelope), None)
