"""Logging on the Lambda path that costs nothing until there is something to say.

Importing ``logging`` costs about 8 ms of a cold start. The one line per request is therefore JSON
written straight to stdout (CloudWatch stores it as is and Logs Insights reads its fields), while
warnings and errors go through the standard ``logging`` module, imported on first use.
Never pass raw user or device ids or slot values here: hash ids with ``pseudonym``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

NAME = "spine_coach"
_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}

try:  # the builtin SHA-2 module; hashlib's OpenSSL binding costs ~2 ms of cold start for one digest
    from _sha2 import sha256
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import sha256


def level() -> int:
    return _LEVELS.get(os.environ.get("LOG_LEVEL", "INFO").upper(), 20)


_LEVEL = level()  # read once: the environment of a Lambda or server process does not change


def pseudonym(identifier: str | None) -> str:
    """A short stable stand-in for an id, so one user's requests can be followed without exposing them."""
    if not identifier:
        return "-"
    return sha256(identifier.encode("utf-8")).hexdigest()[:12]


def request_line(record: dict[str, Any]) -> None:
    """The structured per-request log line."""
    if _LEVELS["INFO"] >= _LEVEL:
        sys.stdout.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")


def scrub(error: BaseException | str, secrets: list[str]) -> str:
    """An error as text, with ids and slot values that a message might quote replaced by pseudonyms."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, f"<{pseudonym(secret)}>")
    return text


def logger() -> logging.Logger:
    """The standard logger, for warnings and errors (stack traces included)."""
    import logging

    log = logging.getLogger(NAME)
    if log.level == logging.NOTSET:
        log.setLevel(level())
    return log
