"""Handlers for asking: opening the skill, topic questions, "tell me more", and yes/no to offers."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput

from skill.core import answers
from skill.core.reply import Reply
from skill.handlers.turn import SpineHandler, Turn


class LaunchHandler(SpineHandler):
    request_types = ("LaunchRequest",)

    def answer(self, turn: Turn) -> Reply:
        return answers.welcome(turn.content, turn.state)


class TopicHandler(SpineHandler):
    """Every topic intent in the content, so a new topic in YAML needs no new handler."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if handler_input.request_envelope.request.object_type != "IntentRequest":
            return False
        turn = Turn(handler_input)
        return turn.intent in turn.content.topics_by_intent

    def answer(self, turn: Turn) -> Reply:
        return answers.topic(turn.content, turn.state, turn.content.topics_by_intent[turn.intent or ""])


class TellMeMoreHandler(SpineHandler):
    intents = ("TellMeMoreIntent",)

    def answer(self, turn: Turn) -> Reply:
        return answers.tell_more(turn.content, turn.state)


class YesHandler(SpineHandler):
    intents = ("AMAZON.YesIntent",)

    def answer(self, turn: Turn) -> Reply:
        return answers.yes(turn.content, turn.state)


class NoHandler(SpineHandler):
    intents = ("AMAZON.NoIntent",)

    def answer(self, turn: Turn) -> Reply:
        return answers.no(turn.content, turn.state)


HANDLERS = (LaunchHandler(), TopicHandler(), TellMeMoreHandler(), YesHandler(), NoHandler())
