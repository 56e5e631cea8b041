"""What the core decides to say, before any ASK SDK object exists.

A ``Reply`` is plain data; ``skill.handlers.responding`` turns it into an ASK response. Keeping it plain
lets the core be tested without the SDK and guarantees the house rule in one place: an open session
always ends with a question and carries a reprompt.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from skill.core.speech import Speech


class Card(NamedTuple):
    title: str
    text: str


class Reply:
    """A plain class, not a dataclass: defining dataclasses costs a Lambda cold start ~1 ms each."""

    __slots__ = ("card", "end_session", "offer", "question", "reprompt", "speech", "unsaved", "view")

    def __init__(self, speech: Speech, question: str | None = None, reprompt: str | None = None,
                 card: Card | None = None, end_session: bool | None = None, offer: dict[str, Any] | None = None,
                 view: dict[str, Any] | None = None) -> None:
        self.speech = speech
        self.question = question  # spoken last; present exactly when the session stays open
        self.reprompt = reprompt
        self.card = card
        self.end_session = end_session  # None: no opinion (empty replies to SessionEndedRequest)
        self.offer = offer  # what a "yes" to the question leads to
        self.view = view  # what a screen shows (rendered as APL when the device has one)
        # What to say instead when this turn's progress could not be saved: a reply that claims a save
        # ("I've saved your place", "that's 5 routines") carries its honest twin, chosen after the write.
        self.unsaved: Reply | None = None

    def __repr__(self) -> str:
        return f"Reply({self.full_speech().ssml()!r}, end_session={self.end_session}, offer={self.offer})"

    @classmethod
    def ask(cls, speech: Speech, question: str, reprompt: str | None = None, *, card: Card | None = None,
            offer: dict[str, Any] | None = None, view: dict[str, Any] | None = None) -> Reply:
        """An open turn: speech, then one question; the reprompt defaults to the question itself."""
        return cls(speech, question, reprompt or question, card, False, offer, view)

    @classmethod
    def tell(cls, speech: Speech, *, card: Card | None = None, view: dict[str, Any] | None = None) -> Reply:
        """A closing turn: Alexa speaks and the session ends."""
        return cls(speech, None, None, card, True, None, view)

    @classmethod
    def silent(cls) -> Reply:
        """No speech at all: the only valid answer to SessionEndedRequest and System.ExceptionEncountered."""
        return cls(Speech())

    def if_unsaved(self, other: Reply) -> Reply:
        """This reply, with ``other`` to be said instead if the save fails."""
        self.unsaved = other
        return self

    def full_speech(self) -> Speech:
        return Speech().extend(self.speech).say(self.question)
