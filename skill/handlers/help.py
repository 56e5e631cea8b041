"""Handlers for getting help and leaving: help, fallback, stop, session end, and the one error handler."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response, SessionEndedRequest

from skill.core import answers
from skill.core.content import library
from skill.core.reply import Reply
from skill.handlers.turn import CONTENT, SpineHandler, Turn, respond
from skill.logs import logger, scrub

SPOKEN = ("LaunchRequest", "IntentRequest")  # the only request types Alexa lets a custom skill speak to


class HelpHandler(SpineHandler):
    intents = ("AMAZON.HelpIntent",)

    def answer(self, turn: Turn) -> Reply:
        return answers.help_(turn.content, turn.state)


class StopHandler(SpineHandler):
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")

    def answer(self, turn: Turn) -> Reply:
        return answers.stop(turn.content, turn.state)


class SessionEndedHandler(SpineHandler):
    """No speech is allowed here; log why the session ended, and Alexa's error if there was one."""

    request_types = ("SessionEndedRequest",)

    def answer(self, turn: Turn) -> Reply:
        request = turn.handler_input.request_envelope.request
        if isinstance(request, SessionEndedRequest):
            reason = getattr(request.reason, "value", None)
            error = request.error
            if error is not None:
                logger().warning("session ended: %s (%s: %s)", reason, getattr(error.object_type, "value",
                                                                         error.object_type), error.message)
            else:
                logger().info("session ended: %s", reason)
        return Reply.silent()


class SilentHandler(SpineHandler):
    """Requests that take no speech: System.ExceptionEncountered (Alexa refused our previous answer) and any
    other request type nothing else claims (AudioPlayer, Messaging, SessionResumedRequest ...)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return handler_input.request_envelope.request.object_type not in SPOKEN

    def answer(self, turn: Turn) -> Reply:
        cause = getattr(turn.handler_input.request_envelope.request, "error", None)
        if cause is not None:
            logger().error("Alexa reported an error in our last response: %s", getattr(cause, "message", cause))
        return Reply.silent()


class FallbackHandler(SpineHandler):
    """AMAZON.FallbackIntent, and any intent or request type nothing else claims: never a dead end."""

    request_types = ("IntentRequest",)

    def answer(self, turn: Turn) -> Reply:
        if turn.intent != "AMAZON.FallbackIntent":
            logger().warning("unhandled intent %s", turn.intent)
        return answers.fallback(turn.content, turn.state)


class ErrorHandler(AbstractExceptionHandler):
    """The one exception handler: log the stack, apologise in the user's language, keep the session."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        import traceback

        from skill.handlers.interceptors import sensitive_values

        stack = "".join(traceback.format_exception(exception))
        logger().error("error while handling a request:\n%s", scrub(stack, sensitive_values(handler_input)))
        request = handler_input.request_envelope.request
        if request is None or request.object_type not in SPOKEN:  # no speech allowed: an empty answer
            return handler_input.response_builder.response
        content = handler_input.attributes_manager.request_attributes.get(CONTENT) or library().for_locale(
            getattr(request, "locale", None))
        return respond(handler_input, answers.error(content))


HANDLERS = (HelpHandler(), StopHandler(), SessionEndedHandler())
LAST_RESORT = (FallbackHandler(), SilentHandler())
