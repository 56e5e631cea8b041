"""What the coach says about the habit: reminders set, listed and cancelled, the record, preferences.

Pure: the handlers call the Alexa services and pass the outcome here. Every answer keeps the conversation
where it was: inside a routine the question is "ready for the next one?", elsewhere "what next?".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from skill.core import habits
from skill.core.content import LocaleContent
from skill.core.habits import Plan
from skill.core.reply import Reply
from skill.core.speech import Speech
from skill.core.state import State

HABIT = "habit"  # session attribute: {"pending": plan so far, "refused": the user said no to reminders}
REMINDER = "reminder"  # preference: the reminder set, as "daily 08:00", "once 2026-12-02 18:00"
REMINDER_TOKEN = "reminder_token"  # preference: its alert token, to replace it rather than add a second


def habit_session(state: State) -> dict[str, Any]:
    """This session's habit notes (created on first use; session attributes must stay plain JSON)."""
    notes = state.session.get(HABIT)
    if not isinstance(notes, dict):
        notes = state.session[HABIT] = {}
    return notes


def pending_plan(state: State) -> Plan | None:
    return Plan.from_dict(habit_session(state).get("pending"))


def carry_on(c: LocaleContent, state: State, speech: Speech) -> Reply:
    """Say this, then pick the conversation up where it was."""
    if state.in_routine:
        return Reply.ask(speech, c.phrase("step_ready_question"), offer={"kind": "next"})
    return Reply.ask(speech, c.phrase("what_next"), c.phrase("what_next_reprompt"))


# ------------------------------------------------------------------------------------------------ reminders


def ask_time(c: LocaleContent, state: State, known: dict[str, Any]) -> Reply:
    """The user wants a reminder but gave no time: keep the rhythm or day and ask for the time."""
    habit_session(state)["pending"] = known
    return Reply.ask(Speech(c.phrase("reminder_time_hint")), c.phrase("reminder_ask_time"))


def stored_plan(value: str | None) -> Plan | None:
    """The reminder kept in preferences ("weekdays 07:30", "once 2026-12-02 18:00") as a Plan."""
    if not isinstance(value, str):
        return None
    parts = value.split()
    if len(parts) == 2 and parts[0] in habits.RECURRENCES:
        return Plan.from_dict({"time": parts[1], "recurrence": parts[0]})
    if len(parts) == 3 and parts[0] == "once":
        return Plan.from_dict({"time": parts[2], "recurrence": None, "day": parts[1]})
    return None


def _stored_value(plan: Plan) -> str:
    return f"{plan.recurrence} {plan.time}" if plan.recurrence else f"once {plan.day} {plan.time}"


def reminder_set(c: LocaleContent, state: State, plan: Plan, token: str, today: date,
                 fallback_zone: str | None) -> Reply:
    """The reminder exists: remember it (to read back and to replace), say when, and go on."""
    notes = habit_session(state)
    notes.pop("pending", None)
    state.profile.preferences[REMINDER] = _stored_value(plan)
    if token:
        state.profile.preferences[REMINDER_TOKEN] = token
    speech = Speech(c.phrase("reminder_set", when=habits.when_words(c, plan, today)))
    if fallback_zone:
        speech.say(c.phrase("reminder_zone_fallback", zone=habits.zone_words(c, fallback_zone)))
    return carry_on(c, state, speech)


def service_failed(c: LocaleContent, state: State, kind: str) -> Reply:
    """429 or a service that is down or silent: say so plainly; nothing was changed or lost."""
    return carry_on(c, state, Speech(c.phrase("reminder_throttled" if kind == "throttled" else "reminder_unavailable")))


def permission_card(c: LocaleContent, state: State, asked_before: bool) -> Reply:
    """No voice consent (or not again this session): the Alexa app card does the asking."""
    key = "reminder_permission_asked_before" if asked_before else "reminder_permission_card"
    return carry_on(c, state, Speech(c.phrase(key)))


def permission_answer(c: LocaleContent, state: State, status: str) -> Reply:
    """A "no" (or no answer) to Alexa's permission question: never asked again in this session."""
    notes = habit_session(state)
    notes["refused"] = True
    notes.pop("pending", None)
    key = "reminder_permission_refused" if status == "DENIED" else "reminder_permission_not_answered"
    return carry_on(c, state, Speech(c.phrase(key)))


def reminder_status(c: LocaleContent, state: State, plans: list[Plan], today: date) -> Reply:
    """"When is my reminder": each active reminder, or how to set one."""
    if not plans:
        state.profile.preferences.pop(REMINDER, None)
        state.profile.preferences.pop(REMINDER_TOKEN, None)
        return carry_on(c, state, Speech(c.phrase("reminder_none")))
    state.profile.preferences[REMINDER] = _stored_value(plans[0])
    speech = Speech(*(c.phrase("reminder_status", when=habits.when_words(c, p, today)) for p in plans[:3]))
    return carry_on(c, state, speech)


def reminders_cancelled(c: LocaleContent, state: State, count: int) -> Reply:
    state.profile.preferences.pop(REMINDER, None)
    state.profile.preferences.pop(REMINDER_TOKEN, None)
    return carry_on(c, state, Speech(c.phrase("reminder_cancelled" if count else "reminder_cancel_none")))


# ------------------------------------------------------------------------------------ record and preferences


def default_routine(c: LocaleContent, state: State) -> str:
    """The routine "guide my stretches" starts: the stored default when the content still has it."""
    chosen = state.profile.preferences.get(habits.DEFAULT_ROUTINE, "")
    return chosen if chosen in c.routines else "quick"


def progress(c: LocaleContent, state: State) -> Reply:
    """"How am I doing": the week, the streak and the total, from the stored record only."""
    if not state.profile_known:
        return carry_on(c, state, Speech(c.phrase("progress_unavailable")))
    speech = Speech(habits.progress_report(c, habits.record_of(c, state.profile)))
    if state.in_routine:
        return carry_on(c, state, speech)
    return Reply.ask(speech, c.phrase("progress_question"), offer={"kind": "routine", "id": default_routine(c, state)})


def set_default_routine(c: LocaleContent, state: State, routine_id: str) -> Reply:
    state.profile.preferences[habits.DEFAULT_ROUTINE] = routine_id
    speech = Speech(c.phrase("default_routine_set", routine=c.routines[routine_id].name))
    return carry_on(c, state, speech).if_unsaved(carry_on(c, state, Speech(c.phrase("setting_not_saved"))))


def settings(c: LocaleContent, state: State) -> Reply:
    """"What are my settings": every known preference, as stored or as its default."""
    today = habits.local_now(habits.zone_of(state.profile, c.locale)).date()
    plan = stored_plan(state.profile.preferences.get(REMINDER))
    reminder = c.phrase("reminder_status", when=habits.when_words(c, plan, today)) if plan else None
    return carry_on(c, state, Speech(*habits.settings_lines(c, state.profile.preferences, reminder)))
