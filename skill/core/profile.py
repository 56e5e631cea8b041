"""What Spine Coach remembers about a user between sessions, and how two writers' versions are merged.

Stored through the ASK SDK's persistent attributes in SQLite, DynamoDB or memory. Reading is tolerant:
DynamoDB hands numbers back as Decimal, and a corrupt record must never crash a turn, so every field is
checked and converted to plain JSON types here (``from_dict`` never raises; junk reads as "nothing").

Two devices of one account can answer at the same moment. Stores write with a version check, and on a
conflict the turn's changes are merged into the newer record (``merge``), never written over it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from skill.core.routine import SINGLE_PREFIX, Progress, whole_number

SCHEMA = 1
MAX_COUNT = 1_000_000_000  # a stored counter above this is junk, not a habit
MAX_DAYS = 400  # stretch_days keeps the most recent ones: enough for a year of streaks
MAX_PREFERENCES = 64
MAX_TEXT = 200


def _count(value: Any) -> int:
    number = whole_number(value)
    return number if number is not None and number <= MAX_COUNT else 0


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() and len(value) <= MAX_TEXT else None


def _day(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


class Profile:
    __slots__ = ("caution", "completed", "disclaimer_heard", "fresh_start", "last_visit", "place",
                 "preferences", "progress", "stretch_days", "version", "visits")

    def __init__(self, progress: Progress | None = None, completed: dict[str, int] | None = None, visits: int = 0,
                 last_visit: str | None = None, disclaimer_heard: bool = False, caution: bool = False,
                 place: dict[str, Any] | None = None, preferences: dict[str, str] | None = None,
                 stretch_days: list[str] | None = None, version: int = 0) -> None:
        self.progress = progress
        self.place = place  # stretch, side and repetition of the saved place
        self.completed = completed if completed is not None else {}
        self.visits = visits
        self.last_visit = last_visit
        self.disclaimer_heard = disclaimer_heard
        self.caution = caution  # a red flag was heard: the next launch says once to see a specialist first
        self.preferences = preferences if preferences is not None else {}  # per key, the newest write wins
        self.stretch_days = stretch_days if stretch_days is not None else []  # ISO dates a routine was finished
        self.version = version  # the stored record's version this profile was read from (0: none yet)
        # Not stored: this turn started afresh (a new routine, a declined or knowingly resumed place), which
        # is what lifts a safety halt (``merge``).
        self.fresh_start = False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Profile({self.to_dict()!r})"

    @property
    def completed_total(self) -> int:
        """Whole routines finished; a single stretch guided on its own is not a routine."""
        return sum(n for routine, n in self.completed.items() if not routine.startswith(SINGLE_PREFIX))

    def note_stretch_day(self, day: str | None) -> None:
        """Remember that a routine was completed on ``day`` (an ISO date)."""
        if _day(day) is not None and day not in self.stretch_days:
            self.stretch_days = _days([*self.stretch_days, day])

    def to_dict(self) -> dict[str, Any]:
        """The stored form (without the version, which the store keeps beside it)."""
        return {
            "schema": SCHEMA,
            "progress": self.progress.to_dict() if self.progress else None,
            "place": self.place if self.progress else None,
            "completed": dict(sorted(self.completed.items())),
            "visits": self.visits,
            "last_visit": self.last_visit,
            "disclaimer_heard": self.disclaimer_heard,
            "caution": self.caution,
            "preferences": dict(sorted(self.preferences.items())),
            "stretch_days": list(self.stretch_days),
        }

    def copy(self) -> Profile:
        """An independent copy (its own dicts and lists), without re-reading every field as ``from_dict`` does:
        this runs twice on every saved turn."""
        return Profile(self.progress, dict(self.completed), self.visits, self.last_visit, self.disclaimer_heard,
                       self.caution, dict(self.place) if self.place else None, dict(self.preferences),
                       list(self.stretch_days), self.version)

    @classmethod
    def from_dict(cls, data: Any) -> Profile:
        """A profile from whatever a store holds; junk in any field reads as that field's empty value."""
        if not isinstance(data, dict):
            return cls()
        completed = data.get("completed")
        preferences = data.get("preferences")
        days = data.get("stretch_days")
        return cls(
            progress=Progress.from_dict(data.get("progress")),
            completed={k: _count(v) for k, v in completed.items() if isinstance(k, str) and _count(v)}
            if isinstance(completed, dict) else {},
            visits=_count(data.get("visits")),
            last_visit=_text(data.get("last_visit")) or None,
            disclaimer_heard=data.get("disclaimer_heard") is True,
            # records written before "caution" existed: a pain stop whose warning was not yet said
            caution=data.get("caution") is True or (data.get("pain_noted") is False and isinstance(
                data.get("progress"), dict) and data["progress"].get("halted") is True),
            place=_place(data.get("place")),
            preferences={k: v for k, v in list(preferences.items())[:MAX_PREFERENCES]
                         if isinstance(k, str) and _text(v) is not None and len(k) <= MAX_TEXT}
            if isinstance(preferences, dict) else {},
            stretch_days=_days(d for d in days if isinstance(d, str)) if isinstance(days, list) else [],
            version=_count(data.get("version")),
        )


def _days(days: Any) -> list[str]:
    valid = {day for day in (_day(d) for d in days) if day is not None}
    return sorted(valid)[-MAX_DAYS:]


def _place(data: Any) -> dict[str, Any] | None:
    """The stored stretch/side/repetition, or None when it is missing or malformed."""
    if not isinstance(data, dict) or _text(data.get("stretch")) is None:
        return None
    rep = whole_number(data.get("rep"))
    return {"stretch": data["stretch"], "side": _text(data.get("side")),
            "rep": rep if rep is not None and 1 <= rep <= 1000 else 1}


def _halted(profile: Profile) -> bool:
    return profile.progress is not None and profile.progress.halted


def merge(base: Profile, mine: Profile, theirs: Profile) -> Profile:
    """This turn's changes (``mine``, made from ``base``) applied to the record as it is now (``theirs``).

    - counters (routines completed, visits) add this turn's increase to theirs: they never go down and no
      increment is lost;
    - the place is this turn's if it moved it, else theirs (the newest place wins);
    - a safety halt wins over any navigation until the user starts fresh, and starting fresh lifts only
      the halt this turn saw (a halt another device set meanwhile stands);
    - preferences: per key, this turn's writes win, other keys are theirs; stretch days: the union;
    - once true, disclaimer_heard stays true; last_visit is the latest.
    With ``theirs`` equal to ``base`` (no other writer) the result is ``mine``, except that a halt stands.
    """
    result = theirs.copy()
    for routine in {*mine.completed, *base.completed}:
        gained = max(0, mine.completed.get(routine, 0) - base.completed.get(routine, 0))
        if gained:
            result.completed[routine] = result.completed.get(routine, 0) + gained
    result.visits = theirs.visits + max(0, mine.visits - base.visits)
    result.last_visit = max((v for v in (theirs.last_visit, mine.last_visit) if v), default=None)
    result.disclaimer_heard = theirs.disclaimer_heard or mine.disclaimer_heard
    moved = (mine.progress, mine.place) != (base.progress, base.place)
    halt_stands = _halted(theirs) and not _halted(mine) and not (
        mine.fresh_start and theirs.progress == base.progress and theirs.place == base.place)
    if moved and not halt_stands:
        result.progress, result.place = mine.progress, mine.place
    if mine.caution != base.caution:  # a red flag raised here always stands; the warning said here clears it,
        unchanged = (theirs.progress, theirs.place) == (base.progress, base.place)  # unless another device
        result.caution = mine.caution or (theirs.caution and not unchanged)  # halted meanwhile
    for key in {*mine.preferences, *base.preferences}:
        if mine.preferences.get(key) != base.preferences.get(key):
            if key in mine.preferences:
                result.preferences[key] = mine.preferences[key]
            else:
                result.preferences.pop(key, None)
    result.stretch_days = _days([*theirs.stretch_days, *mine.stretch_days])
    result.version = theirs.version
    return result
