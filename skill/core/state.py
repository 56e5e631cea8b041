"""The conversation state a turn reads and writes: session attributes plus the stored profile.

Session attributes travel with every request, so the live routine place is kept there too: if the
store fails, the user's turn still has everything it needs.
"""

from __future__ import annotations

from typing import Any

from skill.core.profile import Profile
from skill.core.routine import Progress, Step

OFFER = "offer"
TOPIC = "topic"
ROUTINE = "routine"
LAST = "last"


class State:
    __slots__ = ("profile", "session", "stored")

    def __init__(self, session: dict[str, Any], profile: Profile, stored: bool = True) -> None:
        self.session = session
        self.profile = profile
        self.stored = stored  # False when the store could not be read: the profile is not the user's record

    @property
    def progress(self) -> Progress | None:
        """The place in a routine: this session's if there is one, else the stored one."""
        if ROUTINE in self.session:
            return Progress.from_dict(self.session[ROUTINE])
        return self.profile.progress

    @property
    def in_routine(self) -> bool:
        """True while this session is running a routine (a stored place alone is not "in" one)."""
        return Progress.from_dict(self.session.get(ROUTINE)) is not None

    def keep_progress(self, progress: Progress | None, step: Step | None = None) -> None:
        """Record the place in both the session and the profile (None: the routine is over). The step's
        stretch, side and repetition are stored too, to find the place again if the routine changes."""
        self.profile.progress = progress
        self.profile.place = {"stretch": step.stretch, "side": step.side, "rep": step.rep} \
            if progress is not None and step is not None else None
        if progress is None:
            self.session.pop(ROUTINE, None)
        else:
            self.session[ROUTINE] = progress.to_dict()

    def leave_routine(self) -> None:
        """End the routine in this session but keep the stored place for a later resume."""
        self.session.pop(ROUTINE, None)

    @property
    def offer(self) -> dict[str, Any] | None:
        offer = self.session.get(OFFER)
        return offer if isinstance(offer, dict) else None

    @property
    def last_topic(self) -> str | None:
        topic = self.session.get(TOPIC)
        return topic if isinstance(topic, str) else None
