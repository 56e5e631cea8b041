"""Interceptors: what every request needs before and after its handler, done once, not in each handler.

Locale selection, loading and saving the user's profile, caching speech for "repeat" and one structured
log line per request all live here, in the ASK SDK's interceptor idiom.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from skill.core.content import library
from skill.core.profile import Profile
from skill.core.state import LAST, State
from skill.handlers.turn import CONTENT, REPLY, STATE, session_of
from skill.logs import logger, pseudonym, request_line, scrub
from skill.persistence.keys import user_id_of

SNAPSHOT = "profile_snapshot"
WRITABLE = "profile_writable"
# Requests that only ask about the skill: Amazon requires that they change nothing, so no store access.
QUERIES = frozenset({"CanFulfillIntentRequest"})
STARTED = "started"


class LocaleInterceptor(AbstractRequestInterceptor):
    """Picks the content for the request's locale (unsupported locales get the fallback's words)."""

    def process(self, handler_input: HandlerInput) -> None:
        request = handler_input.request_envelope.request
        locale = getattr(request, "locale", None) if request is not None else None
        handler_input.attributes_manager.request_attributes[CONTENT] = library().for_locale(locale)


class ProfileInterceptor(AbstractRequestInterceptor):
    """Loads the stored profile; a failing store is logged and the turn goes on from the session."""

    def process(self, handler_input: HandlerInput) -> None:
        attributes = handler_input.attributes_manager
        request_attributes = attributes.request_attributes
        if handler_input.request_envelope.request.object_type in QUERIES:
            request_attributes[STATE] = State({}, Profile())
            request_attributes[WRITABLE] = False
            return
        stored: Any = {}
        ok = True
        if attributes._persistence_adapter is not None and user_id_of(handler_input.request_envelope):
            try:
                stored = attributes.persistent_attributes
            except Exception as exc:  # any store fault: the user's turn must not be lost
                ok = False
                logger().error("store read failed: %s", scrub(exc, sensitive_values(handler_input)))
        profile = Profile.from_dict(stored)
        snapshot = profile.to_dict()  # what the store holds, to write back only what changed
        session = handler_input.request_envelope.session
        if session is not None and session.new:
            profile.visits += 1
            profile.last_visit = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        request_attributes[STATE] = State(session_of(handler_input), profile, stored=ok)
        request_attributes[SNAPSHOT] = snapshot
        request_attributes[WRITABLE] = ok


class SaveProfileInterceptor(AbstractResponseInterceptor):
    """Writes the profile back when it changed. After a failed read it does not write, so a store that
    comes back mid-session never has good progress overwritten by a partial profile."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        attributes = handler_input.attributes_manager
        request_attributes = attributes.request_attributes
        state = request_attributes.get(STATE)
        if state is None or attributes._persistence_adapter is None or not request_attributes.get(WRITABLE):
            return
        current = state.profile.to_dict()
        if current == request_attributes.get(SNAPSHOT) or not user_id_of(handler_input.request_envelope):
            return
        try:
            attributes.persistent_attributes = current
            attributes.save_persistent_attributes()
        except Exception as exc:  # the answer still goes out; the session keeps the place
            logger().error("store write failed: %s", scrub(exc, sensitive_values(handler_input)))


class RepeatCacheInterceptor(AbstractResponseInterceptor):
    """Keeps the last open turn's words in the session so "repeat" outside a routine can say them again
    (Amazon's sample idiom, kept as plain text: session attributes come back from the client, so they are
    never trusted as SSML)."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        attributes = handler_input.attributes_manager.request_attributes
        reply, state = attributes.get(REPLY), attributes.get(STATE)
        if reply is None or state is None or reply.end_session is not False or not reply.speech:
            return
        state.session[LAST] = {"speech": reply.speech.text(), "question": reply.question or "",
                               "reprompt": reply.reprompt or ""}


class TimingInterceptor(AbstractRequestInterceptor):
    def process(self, handler_input: HandlerInput) -> None:
        handler_input.attributes_manager.request_attributes[STARTED] = time.perf_counter()


class RequestLogInterceptor(AbstractResponseInterceptor):
    """One JSON line per request (type, intent, locale, latency, hashed user): CloudWatch-friendly,
    and free of raw ids and slot values."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        envelope = handler_input.request_envelope
        request = envelope.request
        started = handler_input.attributes_manager.request_attributes.get(STARTED, time.perf_counter())
        record = {
            "event": "request",
            "type": getattr(request, "object_type", None),
            "intent": request.intent.name if isinstance(request, IntentRequest) and request.intent else None,
            "locale": getattr(request, "locale", None),
            "new_session": bool(envelope.session and envelope.session.new),
            "end_session": getattr(response, "should_end_session", None) if response else None,
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "user": pseudonym(user_id_of(handler_input.request_envelope)),
        }
        request_line(record)


def sensitive_values(handler_input: HandlerInput) -> list[str]:
    """What must never reach a log: the user and device ids and every slot value of this request."""
    envelope = handler_input.request_envelope
    system = envelope.context.system if envelope.context else None
    values = [user_id_of(envelope), getattr(getattr(system, "device", None), "device_id", None)]
    request = envelope.request
    if isinstance(request, IntentRequest) and request.intent and request.intent.slots:
        values.extend(slot.value for slot in request.intent.slots.values() if slot is not None)
    return [v for v in values if isinstance(v, str) and v.strip()]


REQUEST = (TimingInterceptor(), LocaleInterceptor(), ProfileInterceptor())
RESPONSE = (RepeatCacheInterceptor(), SaveProfileInterceptor(), RequestLogInterceptor())
