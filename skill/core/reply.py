"""What the core decides to say, before any ASK SDK object exists.

A ``Reply`` is plain data; ``skill.handlers.responding`` turns it into an ASK response. Keeping it plain
lets the core be tested without the SDK and guarantees the house rule in one place: an open session
always ends with a question and carries a reprompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skill.core.speech import Speech


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    text: str


@dataclass(slots=True)
class Reply:
    speech: Speech
    question: str | None = None  # spoken last; present exactly when the session stays open
    reprompt: str | None = None
    card: Card | None = None
    end_session: bool | None = None  # None: no opinion (empty replies to SessionEndedRequest)
    offer: dict[str, Any] | None = None  # what a "yes" to the question leads to
    view: dict[str, Any] | None = None  # what a screen shows (rendered as APL when the device has one)
    extra: dict[str, Any] = field(default_factory=dict)

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

    def full_speech(self) -> Speech:
        return Speech().extend(self.speech).say(self.question)
