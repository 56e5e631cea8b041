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
RED_FLAG = "red_flag"  # pain, tingling, numbness, weakness or a change in function was reported this session


class State:
    __slots__ = ("profile", "profile_known", "session")

    def __init__(self, session: dict[str, Any], profile: Profile, *, profile_known: bool = True) -> None:
        self.session = session
        self.profile = profile
        # False when the store could not be read this turn: the profile is a blank stand-in, so counts
        # in it are not the user's and must not be spoken.
        self.profile_known = profile_known

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
    def red_flag(self) -> bool:
        """After a red flag, nothing in this session leads to exercise."""
        return self.session.get(RED_FLAG) is True

    def raise_red_flag(self) -> None:
        """Remember the red flag for the rest of this session, and for the next launch's warning."""
        self.session[RED_FLAG] = True
        self.profile.caution = True

    @property
    def offer(self) -> dict[str, Any] | None:
        offer = self.session.get(OFFER)
        return offer if isinstance(offer, dict) else None

    @property
    def last_topic(self) -> str | None:
        topic = self.session.get(TOPIC)
        return topic if isinstance(topic, str) else None
