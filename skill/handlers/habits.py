"""Handlers for the daily habit: reminders (with Alexa's voice permission), the record, and preferences.

Thin: each reads the slots, calls the Alexa services through ``alexa_api`` where needed, and hands the
outcome to ``skill.core.habit_replies``. The permission dance: a 401/403 from the Reminders API means the
user has not granted reminders, so we ask by voice (Connections.SendRequest, AskFor), keeping what they
asked for in the session (and in the request's token); Connections.Response brings the answer and, when
accepted, the reminder is created then. A "no" is never asked again in the same session: the Alexa app card
(AskForPermissionsConsent) is the way from there, and also where voice consent is unavailable.
"""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.core import habit_replies as replies
from skill.core import habits
from skill.core.coaching import unknown
from skill.core.habits import Plan
from skill.core.reply import Reply
from skill.core.speech import Speech
from skill.handlers.alexa_api import AlexaApi, ServiceFailure
from skill.handlers.turn import SpineHandler, Turn, respond
from skill.logs import logger

SCOPE = "alexa::alerts:reminders:skill:readwrite"
TOKEN_PREFIX = "reminder:"


class Extras:
    """What a habit answer adds to the plain Reply: the consent card, or the voice permission request."""

    __slots__ = ("consent_card", "directive")

    def __init__(self, consent_card: bool = False, directive: Any = None) -> None:
        self.consent_card = consent_card
        self.directive = directive


class HabitHandler(SpineHandler):
    """A SpineHandler whose answer may carry a consent card or a Connections directive."""

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = Turn(handler_input)
        reply, extras = self.outcome(turn)
        builder = handler_input.response_builder
        if extras.consent_card:
            from ask_sdk_model.ui import AskForPermissionsConsentCard

            builder.set_card(AskForPermissionsConsentCard(permissions=[SCOPE]))
        if extras.directive is not None:
            builder.add_directive(extras.directive)
        return respond(handler_input, reply)

    def outcome(self, turn: Turn) -> tuple[Reply, Extras]:
        return self.answer(turn), Extras()


def _ask_permission(turn: Turn, plan: Plan) -> tuple[Reply, Extras]:
    """Ask for the reminders permission by voice, once per session; after a no, the card."""
    c, state = turn.content, turn.state
    notes = replies.habit_session(state)
    if notes.get("refused"):
        return replies.permission_card(c, state, asked_before=True), Extras(consent_card=True)
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    notes["pending"] = plan.to_dict()
    directive = SendRequestDirective(
        name="AskFor", token=TOKEN_PREFIX + json.dumps(plan.to_dict(), separators=(",", ":")),
        payload={"@type": "AskForPermissionsConsentRequest", "@version": "1", "permissionScope": SCOPE})
    # No speech and no shouldEndSession: Alexa asks its own question and answers with Connections.Response.
    return Reply(Speech()), Extras(directive=directive)


def create_reminder(turn: Turn, plan: Plan) -> tuple[Reply, Extras]:
    """Create the reminder in the user's zone (read from the device; the locale's default if it can't be),
    replacing the one we set before, so a user never gets two."""
    c, state = turn.content, turn.state
    api = AlexaApi(turn.handler_input)
    if not api.available:
        return replies.service_failed(c, state, "unavailable"), Extras()
    zone = api.time_zone()
    fallback = None
    if zone is None:
        fallback = habits.DEFAULT_ZONES.get(c.locale, habits.FALLBACK_ZONE)
        zone = state.profile.preferences.get(habits.TIME_ZONE) or fallback
        if zone != fallback:  # a zone read earlier from this device is better than a guess, and not news
            fallback = None
    else:
        state.profile.preferences[habits.TIME_ZONE] = zone
    now = habits.local_now(zone)
    spec = habits.reminder_spec(c, plan, zone, now)
    if plan.day is not None and plan.day != spec.start.date().isoformat():  # that moment had passed
        plan = plan._replace(day=spec.start.date().isoformat())
    try:
        token = api.create(spec)
    except ServiceFailure as failure:
        if failure.kind == "permission":
            return _ask_permission(turn, plan)
        replies.habit_session(state)["pending"] = plan.to_dict()  # kept: "remind me" again needs no repeat
        return replies.service_failed(c, state, failure.kind), Extras()
    previous = state.profile.preferences.get(replies.REMINDER_TOKEN)
    if previous and previous != token:
        try:
            api.delete(previous)
        except ServiceFailure as failure:  # it may be gone already; the new one is what matters
            logger().info("old reminder not deleted: %s", failure.kind)
    return replies.reminder_set(c, state, plan, token, now.date(), fallback), Extras()


class SetReminderHandler(HabitHandler):
    """"Remind me to stretch every weekday at seven", "tomorrow at 6 pm", or just "remind me to stretch"."""

    intents = ("SetReminderIntent",)

    def outcome(self, turn: Turn) -> tuple[Reply, Extras]:
        state = turn.state
        today = habits.local_now(habits.zone_of(state.profile, turn.content.locale)).date()
        notes = replies.habit_session(state)
        plan, known = habits.plan_from_slots(turn.slot("Time"), turn.slot("Recurrence"), turn.slot("Date"), today,
                                             notes.get("pending") if isinstance(notes.get("pending"), dict) else None)
        if plan is None:
            return replies.ask_time(turn.content, state, known), Extras()
        return create_reminder(turn, plan)


class PermissionResponseHandler(HabitHandler):
    """Connections.Response to our AskFor: accepted creates the reminder asked for; denied or unanswered
    says so and is not asked again this session; a failed request (no voice consent here) sends the card."""

    request_types = ("Connections.Response",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return request.object_type == "Connections.Response" and getattr(request, "name", None) == "AskFor"

    def outcome(self, turn: Turn) -> tuple[Reply, Extras]:
        try:
            return self._outcome(turn)
        except Exception:  # the error handler would stay silent on this request type: apologise instead
            import traceback

            logger().error("permission answer failed:\n%s", traceback.format_exc(limit=5))
            return replies.service_failed(turn.content, turn.state, "unavailable"), Extras()

    def _outcome(self, turn: Turn) -> tuple[Reply, Extras]:
        c, state = turn.content, turn.state
        request: Any = turn.handler_input.request_envelope.request
        code = str(getattr(getattr(request, "status", None), "code", "") or "")
        payload = request.payload if isinstance(request.payload, dict) else {}
        answer = str(payload.get("status") or "").upper()
        plan = replies.pending_plan(state) or _plan_from_token(getattr(request, "token", None))
        if code != "200":
            logger().warning("voice permission request failed: %s", code)
            return replies.permission_card(c, state, asked_before=False), Extras(consent_card=True)
        if answer == "ACCEPTED":
            replies.habit_session(state).pop("refused", None)
            if plan is not None:
                return create_reminder(turn, plan)
            return replies.ask_time(c, state, {}), Extras()  # what they asked for was lost: ask again
        return replies.permission_answer(c, state, answer), Extras(consent_card=answer == "DENIED")


def _plan_from_token(token: Any) -> Plan | None:
    """The plan we put in the AskFor token, for when session attributes did not come back."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        return None
    try:
        return Plan.from_dict(json.loads(token.removeprefix(TOKEN_PREFIX)))
    except ValueError:
        return None


class CancelReminderHandler(HabitHandler):
    """"Stop reminding me": delete every reminder this skill set."""

    intents = ("CancelReminderIntent",)

    def outcome(self, turn: Turn) -> tuple[Reply, Extras]:
        c, state = turn.content, turn.state
        api = AlexaApi(turn.handler_input)
        try:
            found = api.list()
            for token, _ in found:
                api.delete(token)
        except ServiceFailure as failure:
            if failure.kind == "permission":  # without the permission we cannot have set any
                return replies.reminders_cancelled(c, state, 0), Extras()
            return replies.service_failed(c, state, failure.kind), Extras()
        return replies.reminders_cancelled(c, state, len(found)), Extras()


class ReminderStatusHandler(HabitHandler):
    """"When is my reminder": read them from the Reminders API (the user may have changed them in the app)."""

    intents = ("ReminderStatusIntent",)

    def outcome(self, turn: Turn) -> tuple[Reply, Extras]:
        c, state = turn.content, turn.state
        today = habits.local_now(habits.zone_of(state.profile, c.locale)).date()
        try:
            found = AlexaApi(turn.handler_input).list()
        except ServiceFailure as failure:
            if failure.kind == "permission":
                return replies.reminder_status(c, state, [], today), Extras()
            return replies.service_failed(c, state, failure.kind), Extras()
        return replies.reminder_status(c, state, [plan for _, plan in found], today), Extras()


class ProgressReportHandler(SpineHandler):
    intents = ("ProgressReportIntent",)

    def answer(self, turn: Turn) -> Reply:
        return replies.progress(turn.content, turn.state)


class DefaultRoutineHandler(SpineHandler):
    """"Make the full routine my default"; without a known routine, the routines we have."""

    intents = ("DefaultRoutineIntent",)

    def answer(self, turn: Turn) -> Reply:
        routine = turn.content.find("routine", turn.slot("Routine"))
        if routine is None or routine not in turn.content.routines:
            return unknown(turn.content, "routine")
        return replies.set_default_routine(turn.content, turn.state, routine)


class SettingsHandler(SpineHandler):
    intents = ("SettingsIntent",)

    def answer(self, turn: Turn) -> Reply:
        return replies.settings(turn.content, turn.state)


HANDLERS = (SetReminderHandler(), PermissionResponseHandler(), CancelReminderHandler(), ReminderStatusHandler(),
            ProgressReportHandler(), DefaultRoutineHandler(), SettingsHandler())
