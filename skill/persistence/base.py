"""What every Spine Coach store adds to the ASK SDK's persistence adapter: a version per record, a time
budget per call, and a health probe.

Two devices of one account can answer at the same moment; a store that simply replaced the record would
let the last writer erase the other's progress. So each record carries a version: ``read`` returns it
under ``VERSION``, and ``write`` succeeds only if the record still has the version it was read at (then
stores version + 1), else raises ``VersionConflict`` so the caller can re-read and merge.

The ASK SDK's own interface (``get_attributes`` / ``save_attributes``) still works, so the skill builder
takes these adapters as they are: ``get_attributes`` includes ``VERSION``; ``save_attributes`` is
unconditional, unless the attributes carry ``EXPECTED`` (the version the write must find), which is how
the skill's interceptor writes through an adapter that wraps one of these.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from skill.persistence.keys import user_key

VERSION = "version"
EXPECTED = "expected_version"
HEALTH_KEY = "spine-coach:health-check"  # a record no Alexa user id can collide with


class VersionConflict(PersistenceException):
    """The record changed since it was read: re-read, merge, and try again."""


class StoreAdapter(AbstractPersistenceAdapter):
    """A persistence adapter with versions, budgets and a probe. ``budget`` is the seconds a call may
    take at most (None: the store's own default)."""

    def read(self, key: str, budget: float | None = None) -> dict[str, Any]:  # pragma: no cover - abstract
        """The record's attributes, with its version under ``VERSION`` (0 when there is no record)."""
        raise NotImplementedError

    def write(self, key: str, attributes: dict[str, Any], expected: int | None,
              budget: float | None = None) -> int:  # pragma: no cover - abstract
        """Store ``attributes`` if the record is still at version ``expected`` (None: unconditionally);
        returns the new version. Raises ``VersionConflict`` when another writer came first."""
        raise NotImplementedError

    def delete(self, key: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def probe(self, budget: float | None = None) -> None:
        """Write and read back a health record; raises PersistenceException when the store cannot."""
        version = self.write(HEALTH_KEY, {"ok": True}, None, budget)
        if self.read(HEALTH_KEY, budget).get(VERSION) != version:
            raise PersistenceException("the health record did not read back")

    # The ASK SDK interface
    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        return self.read(user_key(request_envelope))

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        data = {k: v for k, v in attributes.items() if k != VERSION}
        expected = data.pop(EXPECTED, None)
        self.write(user_key(request_envelope), data, expected if isinstance(expected, int) else None)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.delete(user_key(request_envelope))
