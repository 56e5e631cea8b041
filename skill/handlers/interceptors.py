"""Interceptors: what every request needs before and after its handler, done once, not in each handler.

Locale selection, loading and saving the user's profile, caching speech for "repeat" and one structured
log line per request all live here, in the ASK SDK's interceptor idiom.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from skill.core.content import library
from skill.core.profile import Profile, merge
from skill.core.state import LAST, State
from skill.handlers.turn import CONTENT, REPLY, STATE, respond_instead, session_of
from skill.logs import logger, pseudonym, request_line, scrub
from skill.persistence.base import EXPECTED, StoreAdapter, VersionConflict
from skill.persistence.keys import user_id_of, user_key

BASE = "profile_base"  # the profile as read (a Profile), to merge this turn's changes against
READ_OK = "profile_read"
SAVING = "profile_saving"  # False: this request must not touch the store
SAVED = "profile_saved"  # whether this turn's changes (if any) are stored, as the reply may claim
# Requests that only ask about the skill: Amazon requires that they change nothing, so no store access.
QUERIES = frozenset({"CanFulfillIntentRequest"})
STARTED = "started"
# The user hears an answer within 3 s of the request whatever the store does: store I/O for one turn
# (read, write, conflict retries) ends by STORE_BUDGET seconds after the turn started; the read may take
# READ_SHARE of it at most, so a slow read still leaves time to write.
STORE_BUDGET = 2.4
READ_SHARE = 1.2
MIN_CALL = 0.2  # no store call is started with less time than this left
MAX_WRITES = 12  # conflicting writes re-read and merge at most this often (the time budget bounds it too)


class LocaleInterceptor(AbstractRequestInterceptor):
    """Picks the content for the request's locale (unsupported locales get the fallback's words)."""

    def process(self, handler_input: HandlerInput) -> None:
        request = handler_input.request_envelope.request
        locale = getattr(request, "locale", None) if request is not None else None
        handler_input.attributes_manager.request_attributes[CONTENT] = library().for_locale(locale)


def _left(handler_input: HandlerInput) -> float:
    started = handler_input.attributes_manager.request_attributes.get(STARTED)
    return STORE_BUDGET - (time.perf_counter() - started) if started is not None else STORE_BUDGET


StoreOf = Callable[[], AbstractPersistenceAdapter | None]


class _StoreInterceptor:
    """Knows the skill's store through a callable given at assembly (``CustomSkill.persistence_adapter``, the
    SDK's public attribute, which tests may swap), not through the attributes manager's private field."""

    def __init__(self, store_of: StoreOf) -> None:
        self.store_of = store_of

    def store(self, handler_input: HandlerInput) -> AbstractPersistenceAdapter | None:
        """The store, when the request has a user to keep progress under."""
        adapter = self.store_of()
        return adapter if adapter is not None and user_id_of(handler_input.request_envelope) else None


def _read(adapter: AbstractPersistenceAdapter, handler_input: HandlerInput, budget: float) -> Profile:
    envelope = handler_input.request_envelope
    if isinstance(adapter, StoreAdapter):
        return Profile.from_dict(adapter.read(user_key(envelope), budget))
    return Profile.from_dict(adapter.get_attributes(envelope))


def _write(adapter: AbstractPersistenceAdapter, handler_input: HandlerInput, profile: Profile, expected: int,
           budget: float) -> None:
    envelope = handler_input.request_envelope
    if isinstance(adapter, StoreAdapter):
        adapter.write(user_key(envelope), profile.to_dict(), expected, budget)
    else:  # another adapter (a test's wrapper): the version travels in the attributes
        adapter.save_attributes(envelope, {**profile.to_dict(), EXPECTED: expected})


class ProfileInterceptor(_StoreInterceptor, AbstractRequestInterceptor):
    """Loads the stored profile within the turn's time budget. A failing store, or a stored record no
    profile can be made of, is logged and the turn goes on from the session; the State then says the
    profile was not read, so no stored count is spoken."""

    def process(self, handler_input: HandlerInput) -> None:
        request_attributes = handler_input.attributes_manager.request_attributes
        now = datetime.now(UTC)
        if handler_input.request_envelope.request.object_type in QUERIES:
            request_attributes[STATE] = State({}, Profile(), profile_known=False)
            request_attributes[SAVING] = False
            return
        adapter = self.store(handler_input)
        profile, ok = Profile(), adapter is not None
        if adapter is not None:
            try:
                profile = _read(adapter, handler_input, min(READ_SHARE, _left(handler_input)))
            except Exception as exc:  # any store fault or bad record: the user's turn must not be lost
                ok = False
                logger().error("store read failed: %s", scrub(exc, sensitive_values(handler_input)))
        request_attributes[BASE] = profile.copy()
        request_attributes[READ_OK] = ok
        request_attributes[SAVING] = adapter is not None
        session = handler_input.request_envelope.session
        if session is not None and session.new:
            profile.visits += 1
            profile.last_visit = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        request_attributes[STATE] = State(session_of(handler_input), profile, profile_known=ok)


class SaveProfileInterceptor(_StoreInterceptor, AbstractResponseInterceptor):
    """Writes this turn's changes, versioned: on a conflict it re-reads, merges (``merge``: no increment
    lost, the newest place, a safety halt that stands) and tries again, within the turn's time budget.
    After a failed read it does not write, so a partial profile never overwrites good progress.

    It runs where its outcome can still change what is said: when the save failed, was skipped, ran out of
    time, or another device's safety halt kept the place this turn claims to have saved, the reply's
    honest twin (``Reply.unsaved``) is said instead."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        request_attributes = handler_input.attributes_manager.request_attributes
        state = request_attributes.get(STATE)
        adapter = self.store(handler_input)
        if state is None or adapter is None or not request_attributes.get(SAVING):
            return
        try:
            stored = self.save(handler_input, adapter, state.profile)
        except Exception as exc:  # the answer still goes out; the session keeps the place
            logger().error("store write failed: %s", scrub(exc, sensitive_values(handler_input)))
            stored = None
        mine = state.profile
        saved = stored is not None and (mine.progress is None or stored.progress == mine.progress)
        request_attributes[SAVED] = saved
        reply = request_attributes.get(REPLY)
        if not saved and reply is not None and reply.unsaved is not None:
            try:
                respond_instead(handler_input, reply.unsaved, response)
            except Exception as exc:  # never the error voice: the first answer still goes out
                logger().error("could not say the not-saved answer: %s", type(exc).__name__)

    def save(self, handler_input: HandlerInput, adapter: AbstractPersistenceAdapter, mine: Profile) -> Profile | None:
        """The profile as stored after this turn, or None when it could not be stored in time."""
        request_attributes = handler_input.attributes_manager.request_attributes
        base: Profile = request_attributes[BASE]
        if not request_attributes.get(READ_OK):
            if mine == base:
                return base  # nothing this turn did needs storing
            # Without the stored record, this turn's profile is a blank stand-in: nothing is stored, and the
            # next turn whose read succeeds catches up from the session.
            logger().error("store save skipped: this turn could not read the stored profile")
            return None
        theirs: Profile | None = base
        for attempt in range(MAX_WRITES * 2):
            left = _left(handler_input)
            if left < MIN_CALL:
                logger().error("store write skipped: the turn's time budget is spent")
                return None
            if theirs is None:
                theirs = _read(adapter, handler_input, left)
                continue
            merged = merge(base, mine, theirs)
            if merged == theirs:
                return merged  # nothing new to store
            try:
                _write(adapter, handler_input, merged, theirs.version, left)
            except VersionConflict:
                theirs = None
                # A short random pause, growing with each conflict, so two devices stop meeting in lockstep.
                time.sleep(max(0.0, min(_left(handler_input) / 4, random.uniform(0, 0.01 * (attempt + 1)))))
                continue
            return merged
        logger().error("store write gave up: the record kept changing")
        return None


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


def request_interceptors(store_of: StoreOf) -> tuple[AbstractRequestInterceptor, ...]:
    """Timing first (the store's budget counts from it), then the locale's words, then the stored profile."""
    return TimingInterceptor(), LocaleInterceptor(), ProfileInterceptor(store_of)


def response_interceptors(store_of: StoreOf) -> tuple[AbstractResponseInterceptor, ...]:
    """Saving first: when it fails, the reply said (and cached for "repeat") is the honest one."""
    return SaveProfileInterceptor(store_of), RepeatCacheInterceptor(), RequestLogInterceptor()
