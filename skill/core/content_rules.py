"""What valid content is made of: the files, the phrase keys and their {names}, the custom intents and their slots.

Its own module so that the content loader, the validator and the YAML reader all depend on it and not on each
other (the loader reaches the validator only lazily, when YAML is read).
"""

from __future__ import annotations

FILES = ("phrases", "topics", "routines", "intents", "red_flags")
RED_FLAG_INTENT = "PainIntent"  # its samples come from red_flags.yaml
SIDES = ("left", "right")
MIN_SAMPLES = 15

# The phrases the code asks for, and the {names} each may use. Content may not add or miss one.
PHRASES: dict[str, frozenset[str]] = {
    key: frozenset(names.split()) for key, names in {
        "skill_name": "", "list_and": "", "welcome_first": "", "welcome": "", "welcome_question": "",
        "welcome_back_routine": "stretch number total routine", "welcome_back_after_pain": "",
        "welcome_stats": "count", "what_next": "", "offer_reprompt": "", "what_next_reprompt": "", "no_more_detail": "",
        "nothing_offered": "", "declined": "", "help": "", "help_question": "", "fallback": "",
        "fallback_question": "", "goodbye": "", "error": "", "error_question": "", "disclaimer_card": "",
        "routine_intro": "routine description minutes", "routine_unknown": "routines",
        "routine_choice_question": "", "stretch_unknown": "stretches",
        "stretch_position": "number total stretch", "stretch_position_single": "stretch",
        "side_left": "", "side_right": "", "side_cue": "side", "rep_cue": "rep reps", "next_side": "side",
        "next_rep": "", "hold_start": "seconds", "hold_left": "seconds", "hold_release": "",
        "step_ready_question": "", "step_reprompt": "stretch number total",
        "at_first_step": "", "skipping": "stretch", "starting_over": "", "paused": "stretch",
        "paused_question": "", "status": "done total routine left minutes",
        "minutes_one": "", "minutes_many": "count", "routine_by_minutes": "count",
        "routine_done": "routine count", "routine_done_first": "routine", "routine_done_question": "",
        "not_in_routine": "", "not_in_routine_question": "", "resume_nothing": "", "resuming": "",
        "resume_after_pain": "", "starting_fresh": "", "stop_saved": "stretch", "take_your_time": "",
        "routine_help": "routine stretch", "routine_help_question": "", "routine_fallback": "",
        "pain_stop": "", "pain_place_saved": "", "pain_card_title": "", "pain_outside_title": "",
        "single_intro": "stretch",
        "card_step": "step steps", "hint_step": "", "hint_answer": "",
        "button_previous": "", "button_pause": "", "button_resume": "", "button_next": "",
        "card_safety": "", "card_note": "", "welcome_back_single": "stretch",
        "status_single": "stretch minutes", "leaving_out": "stretch", "already_done": "stretch",
        "stretch_done": "stretch", "pain_outside": "", "pain_outside_question": "", "red_flag_reprompt": "",
        "no_stretching_after_red_flag": "", "help_red_flag": "", "fallback_red_flag": "",
        "feeling_fine": "", "feeling_fine_routine": "", "feeling_fine_question": "", "stretch_safety": "",
        "place_not_saved": "", "stop_not_saved": "", "routine_done_uncounted": "routine", "progress_not_saved": "",
        "screen_position": "number total", "screen_side": "side", "screen_both_sides": "first second",
        "hint_paused": "", "hint_pain": "", "hint_welcome": "", "hint_resume": "",
        # the daily habit (issue 16)
        "days_none": "", "days_one": "", "days_many": "count", "record_after_routine": "week streak",
        "progress_report": "week streak total", "progress_no_streak": "week total", "progress_none": "",
        "progress_question": "", "progress_unavailable": "", "reminder_text": "", "reminder_set": "when",
        "reminder_zone_fallback": "zone", "zone_words": "city", "clock": "hour12 hour24 minute half",
        "clock_on_hour": "hour12 hour24 minute half", "clock_am": "", "clock_pm": "", "when_daily": "time",
        "when_weekdays": "time", "when_weekends": "time", "when_today": "time", "when_tomorrow": "time",
        "when_once": "time day month", **{f"month_{n}": "" for n in range(1, 13)},
        "recurrence_daily": "", "recurrence_weekdays": "", "recurrence_weekends": "",
        "reminder_ask_time": "", "reminder_none": "", "reminder_status": "when", "reminder_cancelled": "",
        "reminder_cancel_none": "", "reminder_permission_card": "", "reminder_permission_card_title": "",
        "reminder_permission_refused": "", "reminder_permission_not_answered": "",
        "reminder_permission_asked_before": "", "reminder_throttled": "", "reminder_unavailable": "",
        "default_routine_set": "routine", "settings_default_routine": "routine", "settings_hold_default": "",
        "settings_hold_longer": "", "settings_hold_shorter": "",
        "settings_every_side_on": "", "settings_every_side_off": "", "settings_no_reminder": "",
        "setting_not_saved": "", "reminder_time_hint": "",
        # one turn per stretch, one way of counting, preferences, yes and no (issue 13)
        "routine_done_reprompt": "", "stretch_named": "stretch", "back_to_stretch": "stretch",
        "next_side_question": "side", "rest_question": "stretch", "next_stretch_question": "number total stretch",
        "last_stretch_question": "stretch", "single_reprompt": "stretch", "stretches_left_one": "names",
        "stretches_left_many": "count names", "status_partway": "stretch", "card_sides": "sides",
        "sides_ask_set": "", "sides_flow_set": "", "hold_longer_set": "seconds stretch shortest longest",
        "hold_shorter_set": "seconds stretch shortest longest", "hold_standard_set": "seconds stretch shortest longest",
        "preference_question": "", "not_in_routine_reprompt": "", "resume_declined": "routine",
        "resume_declined_question": "", "yes_open": "",
    }.items()
}
# Intents whose samples live in intents.yaml, and the slot each may use.
CUSTOM_INTENTS: dict[str, frozenset[str]] = {
    "TellMeMoreIntent": frozenset(), "StartRoutineIntent": frozenset({"Routine"}),
    "StretchIntent": frozenset({"Stretch"}), "HowManyLeftIntent": frozenset(),
    "SkipIntent": frozenset({"Stretch"}), "PainIntent": frozenset(), "FeelingFineIntent": frozenset(),
    # the daily habit (issue 16)
    "SetReminderIntent": frozenset({"Time", "Recurrence", "Date"}), "CancelReminderIntent": frozenset(),
    "ReminderStatusIntent": frozenset(), "ProgressReportIntent": frozenset(),
    "DefaultRoutineIntent": frozenset({"Routine"}), "SettingsIntent": frozenset(),
    "AskEverySideIntent": frozenset(), "FlowSidesIntent": frozenset(), "HoldLengthIntent": frozenset({"Length"}),
}
DENIAL_INTENT = "FeelingFineIntent"  # may name a symptom only to deny it (red_flags.yaml: negations)


class ContentError(Exception):
    """Problems in content files, each formatted ``file:line: field: what is wrong``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a phrase uses; a stray brace makes it unparseable (reported by the validator)."""
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
