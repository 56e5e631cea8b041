"""What Spine Coach remembers about a user between sessions.

Stored through the ASK SDK's persistent attributes in SQLite, DynamoDB or memory. Reading is tolerant:
DynamoDB hands numbers back as Decimal, and a corrupt record must never crash a turn, so every field is
checked and converted to plain JSON types here.
"""

from __future__ import annotations

from typing import Any

from skill.core.routine import SINGLE_PREFIX, Progress

SCHEMA = 1


def _int(value: Any, default: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, ArithmeticError):
        return default
    return number if number >= 0 else default


class Profile:
    __slots__ = ("completed", "disclaimer_heard", "last_visit", "pain_noted", "place", "preferences", "progress",
                 "visits")

    def __init__(self, progress: Progress | None = None, completed: dict[str, int] | None = None, visits: int = 0,
                 last_visit: str | None = None, disclaimer_heard: bool = False, pain_noted: bool = False,
                 place: dict[str, Any] | None = None, preferences: dict[str, str] | None = None) -> None:
        self.progress = progress
        self.place = place  # stretch, side and repetition of the saved place
        self.completed = completed if completed is not None else {}
        self.visits = visits
        self.last_visit = last_visit
        self.disclaimer_heard = disclaimer_heard
        self.pain_noted = pain_noted  # the after-pain welcome was said; it is said once per pain stop
        self.preferences = preferences if preferences is not None else {}  # said by voice: sides, hold

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Profile({self.to_dict()!r})"

    @property
    def completed_total(self) -> int:
        """Whole routines finished; a single stretch guided on its own is not a routine."""
        return sum(n for routine, n in self.completed.items() if not routine.startswith(SINGLE_PREFIX))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "progress": self.progress.to_dict() if self.progress else None,
            "place": self.place if self.progress else None,
            "completed": dict(sorted(self.completed.items())),
            "visits": self.visits,
            "last_visit": self.last_visit,
            "disclaimer_heard": self.disclaimer_heard,
            "pain_noted": self.pain_noted,
            "preferences": dict(sorted(self.preferences.items())),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Profile:
        if not isinstance(data, dict):
            return cls()
        completed = data.get("completed")
        return cls(
            progress=Progress.from_dict(data.get("progress")),
            completed={str(k): _int(v) for k, v in completed.items()} if isinstance(completed, dict) else {},
            visits=_int(data.get("visits")),
            last_visit=data["last_visit"] if isinstance(data.get("last_visit"), str) else None,
            disclaimer_heard=data.get("disclaimer_heard") is True,
            pain_noted=data.get("pain_noted") is True,
            place=_place(data.get("place")),
            preferences=_preferences(data.get("preferences")),
        )


def _place(data: Any) -> dict[str, Any] | None:
    """The stored stretch/side/repetition, or None when it is missing or malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("stretch"), str):
        return None
    side = data.get("side")
    return {"stretch": data["stretch"], "side": side if isinstance(side, str) else None,
            "rep": _int(data.get("rep"), 1)}


def _preferences(data: Any) -> dict[str, str]:
    """Text preferences only; anything else stored under the key is dropped, never trusted."""
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}
