"""The bridge between an ASK SDK request and the pure core, in both directions.

Interceptors put the locale's content and the conversation state into request attributes once per
request; handlers read them through ``Turn`` instead of repeating set-up lines, and hand the core's
``Reply`` to ``respond``, the single place that builds an ASK response.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.response_helper import ResponseFactory
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.ui import SimpleCard

from skill.core.content import LocaleContent
from skill.core.reply import Reply
from skill.core.speech import Speech
from skill.core.state import OFFER, State
from skill.handlers.request_data import CONTENT, REPLY, STATE, has_screen, session_of


class Turn:
    """What a handler needs: the words for this locale, the state, and the request's intent and slots."""

    def __init__(self, handler_input: HandlerInput) -> None:
        attributes = handler_input.attributes_manager.request_attributes
        self.handler_input = handler_input
        self.content: LocaleContent = attributes[CONTENT]
        self.state: State = attributes[STATE]

    @property
    def intent(self) -> str | None:
        request = self.handler_input.request_envelope.request
        return request.intent.name if isinstance(request, IntentRequest) and request.intent else None

    def slot(self, name: str) -> str | None:
        """A slot's entity-resolved id when Alexa matched it, else the raw words (None when empty)."""
        request = self.handler_input.request_envelope.request
        if not isinstance(request, IntentRequest) or not request.intent or not request.intent.slots:
            return None
        slot = request.intent.slots.get(name)
        if slot is None:
            return None
        for authority in getattr(slot.resolutions, "resolutions_per_authority", None) or []:
            code = getattr(getattr(authority.status, "code", None), "value", None)
            if code == "ER_SUCCESS_MATCH" and authority.values:
                return authority.values[0].value.id or authority.values[0].value.name
        value = slot.value
        return value if isinstance(value, str) and value.strip() else None


class SpineHandler(AbstractRequestHandler):
    """A request handler in the SDK idiom whose only job is to pick the core's answer."""

    request_types: ClassVar[tuple[str, ...]] = ("IntentRequest",)
    intents: ClassVar[tuple[str, ...]] = ()

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        if request.object_type not in self.request_types:
            return False
        return not self.intents or Turn(handler_input).intent in self.intents

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, self.answer(Turn(handler_input)))

    def answer(self, turn: Turn) -> Reply:  # pragma: no cover - every concrete handler overrides it
        raise NotImplementedError


def respond(handler_input: HandlerInput, reply: Reply) -> Response:
    """Turn a Reply into the ASK response, keeping what a "yes" would accept in the session."""
    builder = handler_input.response_builder
    attributes = handler_input.attributes_manager.request_attributes
    attributes[REPLY] = reply
    state = attributes.get(STATE)
    session = state.session if state is not None else session_of(handler_input)
    speech = reply.full_speech()
    if speech:
        builder.speak(speech.ssml())
    if reply.reprompt:
        builder.ask(Speech(reply.reprompt).ssml())
    if reply.card:
        builder.set_card(SimpleCard(title=reply.card.title, content=reply.card.text))
    if reply.end_session is not None:
        builder.set_should_end_session(reply.end_session)
    if reply.offer:
        session[OFFER] = reply.offer
    else:
        session.pop(OFFER, None)
    for directive in _directives(handler_input, reply):
        builder.add_directive(directive)
    return builder.response


def respond_instead(handler_input: HandlerInput, reply: Reply, response: Response) -> None:
    """Say ``reply`` instead of what ``response`` holds. Response interceptors get the response object
    itself, so it is refilled from a fresh build rather than replaced."""
    handler_input.response_builder = ResponseFactory()
    fresh = respond(handler_input, reply)
    for name in Response.attribute_map:
        setattr(response, name, getattr(fresh, name))


def _directives(handler_input: HandlerInput, reply: Reply) -> list[Any]:
    """Screen output, only for devices that report APL. The screens module (and the ~150 APL model classes
    it imports) loads only then, so voice-only devices and cold starts never pay for it."""
    if reply.view is None or not has_screen(handler_input):
        return []
    from skill.handlers import screens

    return screens.directives(handler_input, reply.view)
