"""Issue "routines": guided stretching as whole dialogs, session attributes carried turn to turn like Alexa.

The expected plan of each routine is unrolled here from the content on its own (not with the skill's planner),
so a planner bug shows up as a wrong step. Every response is checked by the Conversation (SSML, question,
reprompt); each step is also checked for its timed hold and for a reprompt that says where the user is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.core.content import library
from skill.core.routine import SECONDS_PER_STEP_SPEECH
from tests.alexa import Conversation, Words, break_seconds, plain
from tests.conftest import stored

EN = library().for_locale("en-US")


@dataclass(frozen=True)
class Expected:
    stretch: str
    side: str | None
    rep: int
    reps: int
    hold: int
    number: int  # 1-based stretch position
    first: bool  # first step of its stretch


def unroll(routine_id: str) -> list[Expected]:
    """The holds a user does, in order: each repetition on each side is one step."""
    if routine_id.startswith("stretch:"):
        s = EN.stretches[routine_id.removeprefix("stretch:")]
        return [Expected(s.id, side, 1, 1, s.hold_seconds, 1, i == 0) for i, side in enumerate(s.sides or [None])]
    out = []
    for number, step in enumerate(EN.routines[routine_id].steps, start=1):
        first = True
        for rep in range(1, step.reps + 1):
            for side in step.sides or (None,):
                out.append(Expected(step.stretch, side, rep, step.reps, step.hold_seconds, number, first))
                first = False
    return out


QUICK = unroll("quick")
FULL = unroll("full")


def side_word(side: str | None) -> str:
    return EN.variants(f"side_{side}")[0] if side else ""


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def check_step(said: Any, plan: list[Expected], index: int, words: Words, routine_id: str) -> None:
    """One spoken step: the right stretch, side and repetition, a hold that adds up, and where-you-are."""
    step = plan[index]
    stretch = EN.stretches[step.stretch]
    assert said.attributes["routine"]["routine"] == routine_id
    assert said.attributes["routine"]["index"] == index
    text = said.speech
    movement = stretch.movement.format(side=side_word(step.side)) if step.side else stretch.movement
    assert plain(movement) in text
    assert words.one_in("hold_start", text, seconds=step.hold)
    assert words.one_in("hold_release", text)
    breaks = break_seconds(said.ssml)
    assert breaks and max(breaks) <= 10
    assert sum(breaks) == step.hold
    if step.reps > 1:
        assert words.one_in("rep_cue", text, rep=step.rep, reps=step.reps)
    if step.first:
        assert plain(stretch.setup) in text
        if routine_id.startswith("stretch:"):
            assert words.one_in("stretch_position_single", text, stretch=stretch.name)
        else:
            total = len(EN.routines[routine_id].steps)
            assert words.one_in("stretch_position", text, number=step.number, total=total, stretch=stretch.name)
    else:
        assert plain(stretch.setup) not in text
    last = index + 1 == len(plan)
    assert words.ends_with("last_step_ready_question" if last else "step_ready_question", text)
    assert said.reprompt in words.variants("step_reprompt", stretch=stretch.name, step=index + 1, steps=len(plan))
    assert said.card is not None and said.card["title"] == cap(stretch.name)
    assert words.one_in("card_step", said.card["content"], step=index + 1, steps=len(plan))
    assert said.open


def body(said: Any, words: Words, lead: str | None = None) -> str:
    """The step itself: what is said after an optional lead-in phrase and before the closing question."""
    text = said.speech
    if lead is not None:
        start = re.match(words.pattern(lead), text)
        assert start, f"{text!r} does not start with {lead}"
        text = text[start.end():].strip()
    for key in ("step_ready_question", "last_step_ready_question"):
        for v in words.variants(key):
            if text.endswith(v):
                return text[: -len(v)].strip()
    raise AssertionError(f"{text!r} does not end with a ready question")


def start_quick(user: Conversation, steps_forward: int = 0) -> Any:
    said = user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    for _ in range(steps_forward):
        said = user.ask("AMAZON.NextIntent")
    return said


@pytest.fixture
def user(talk: Callable[..., Conversation]) -> Conversation:
    return talk()


# ------------------------------------------------------------------------------------------ whole routines


@pytest.mark.parametrize("routine_id, spoken", [("quick", "quick routine"), ("full", "full routine")])
def test_a_routine_from_start_to_finish(any_skill: CustomSkill, talk: Callable[..., Conversation], words: Words,
                                        routine_id: str, spoken: str) -> None:
    """On each local store: every step right, the place saved at each step, the finish counted."""
    user = talk(any_skill)
    plan = unroll(routine_id)
    routine = EN.routines[routine_id]
    user.launch()
    said = user.ask("StartRoutineIntent", {"Routine": spoken})
    assert words.one_in("routine_intro", said.speech, routine=routine.name, description=routine.description)
    for index in range(len(plan)):
        check_step(said, plan, index, words, routine_id)
        assert stored(any_skill, user.user_id)["progress"]["index"] == index
        said = user.ask("AMAZON.NextIntent")
    assert words.one_in("routine_done_first", said.speech, routine=routine.name)
    assert words.ends_with("routine_done_question", said.speech)
    assert "routine" not in said.attributes
    assert said.open
    profile = stored(any_skill, user.user_id)
    assert profile["completed"] == {routine_id: 1}
    assert profile["progress"] is None


def test_a_second_finished_routine_counts_both(memory_skill: CustomSkill, user: Conversation,
                                               words: Words) -> None:
    for _ in range(2):
        start_quick(user, len(QUICK) - 1)
        done = user.ask("AMAZON.NextIntent")
    assert words.one_in("routine_done", done.speech, routine=EN.routines["quick"].name, count=2)
    assert stored(memory_skill, user.user_id)["completed"] == {"quick": 2}


def test_welcome_after_one_finished_routine_counts_it(user: Conversation, words: Words) -> None:
    user.launch()
    start_quick(user, len(QUICK) - 1)
    user.ask("AMAZON.NextIntent")
    again = user.launch()
    assert words.one_in("welcome_stats", again.speech, count=1)
    assert "1 routines" not in again.speech


# ------------------------------------------------------------------------------------------ stop and resume


@pytest.mark.parametrize("routine_id, stop_at", [("quick", 0), ("quick", 1), ("quick", 3), ("quick", 4),
                                                 ("full", 6), ("full", 9)])
def test_stop_then_a_new_session_resumes_exactly_there(memory_skill: CustomSkill, user: Conversation,
                                                       words: Words, routine_id: str, stop_at: int) -> None:
    plan = unroll(routine_id)
    routine = EN.routines[routine_id]
    said = user.ask("StartRoutineIntent", {"Routine": routine.name})
    for _ in range(stop_at):
        said = user.ask("AMAZON.NextIntent")
    before = said
    step = plan[stop_at]
    stretch = EN.stretches[step.stretch]

    stopped = user.ask("AMAZON.StopIntent")
    assert words.one_in("stop_saved", stopped.speech, stretch=stretch.name)
    assert stopped.ends and not user.in_session
    assert stored(memory_skill, user.user_id)["progress"]["index"] == stop_at

    back = user.launch()
    assert words.one_in("welcome_back_routine", back.speech, stretch=stretch.name, number=step.number,
                        total=len(routine.steps), routine=routine.name)
    assert back.open and back.reprompt
    resumed = user.ask("AMAZON.YesIntent")
    check_step(resumed, plan, stop_at, words, routine_id)
    assert body(resumed, words, "resuming") == body(before, words, "routine_intro" if stop_at == 0 else None)
    assert resumed.card == before.card
    assert resumed.attributes["routine"] == before.attributes["routine"]
    after = user.ask("AMAZON.NextIntent")
    if stop_at + 1 < len(plan):
        check_step(after, plan, stop_at + 1, words, routine_id)


def test_no_to_resuming_starts_fresh_and_forgets_the_place(memory_skill: CustomSkill, user: Conversation,
                                                           words: Words) -> None:
    start_quick(user, 2)
    user.ask("AMAZON.CancelIntent")
    user.launch()
    said = user.ask("AMAZON.NoIntent")
    assert words.one_in("starting_fresh", said.speech)
    assert "routine" not in said.attributes
    assert stored(memory_skill, user.user_id)["progress"] is None
    again = user.launch()
    assert not words.pattern("welcome_back_routine").search(again.speech)
    restarted = user.ask("StartRoutineIntent")
    check_step(restarted, QUICK, 0, words, "quick")


def test_resume_as_a_one_shot_after_a_stop(user: Conversation, words: Words) -> None:
    """"Alexa, ask spine coach to resume": a new session straight into ResumeIntent."""
    start_quick(user, 3)
    user.ask("AMAZON.StopIntent")
    said = user.ask("AMAZON.ResumeIntent")
    assert user.history[-1][0]["session"]["new"] is True
    assert words.one_in("resuming", said.speech)
    check_step(said, QUICK, 3, words, "quick")


def test_a_session_that_times_out_mid_routine_is_offered_back(user: Conversation, words: Words) -> None:
    start_quick(user, 2)
    silent = user.ended("EXCEEDED_MAX_REPROMPTS")
    assert "outputSpeech" not in silent["response"]
    back = user.launch()
    stretch = EN.stretches[QUICK[2].stretch]
    assert words.one_in("welcome_back_routine", back.speech, stretch=stretch.name, number=QUICK[2].number,
                        total=3, routine=EN.routines["quick"].name)
    check_step(user.ask("AMAZON.YesIntent"), QUICK, 2, words, "quick")


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_or_cancel_mid_routine_saves_and_says_how_to_come_back(memory_skill: CustomSkill,
                                                                    user: Conversation, words: Words,
                                                                    intent: str) -> None:
    start_quick(user, 2)
    said = user.ask(intent)
    stretch = EN.stretches[QUICK[2].stretch]
    assert words.one_in("stop_saved", said.speech, stretch=stretch.name)
    assert EN.invocation in said.speech.lower() and "resume" in said.speech.lower()
    assert said["response"]["shouldEndSession"] is True
    assert stored(memory_skill, user.user_id)["progress"] == {"routine": "quick", "index": 2, "paused": False,
                                                              "halted": False}


# ------------------------------------------------------------------------------------------ pain


@pytest.mark.parametrize("at", [0, 3])
def test_pain_mid_routine_stops_at_once_and_is_never_offered_back(memory_skill: CustomSkill, user: Conversation,
                                                                  words: Words, at: int) -> None:
    start_quick(user, at)
    said = user.ask("PainIntent")
    assert said.speech in [f"{stop} {saved}" for stop in words.variants("pain_stop")
                           for saved in words.variants("pain_place_saved")]
    assert "specialist" in said.speech
    assert said["response"]["shouldEndSession"] is True
    assert said.card is not None and said.card["title"] in words.variants("pain_card_title")
    assert "routine" not in said.attributes
    assert stored(memory_skill, user.user_id)["progress"] == {"routine": "quick", "index": at, "paused": False,
                                                              "halted": True}
    back = user.launch()
    assert any(back.speech.startswith(v) for v in words.variants("welcome_back_after_pain"))
    assert not words.pattern("welcome_back_routine").search(back.speech)
    assert "offer" not in back.attributes
    yes = user.ask("AMAZON.YesIntent")
    assert "routine" not in yes.attributes
    assert not words.one_in("resuming", yes.speech)


def test_pain_outside_a_routine_points_to_a_specialist_and_warns_next_time(memory_skill: CustomSkill,
                                                                            user: Conversation, words: Words) -> None:
    user.launch()
    said = user.ask("PainIntent")
    assert words.one_in("pain_outside", said.speech) and "spine specialist" in said.speech
    assert not words.one_in("pain_stop", said.speech)
    assert said.open and "stretch" not in said.reprompt.lower()
    assert stored(memory_skill, user.user_id).get("progress") is None
    assert stored(memory_skill, user.user_id).get("caution") is True
    user.ask("AMAZON.StopIntent")
    back = user.launch()
    assert any(back.speech.startswith(v) for v in words.variants("welcome_back_after_pain"))


def test_explicit_resume_after_pain_warns_first(user: Conversation, words: Words) -> None:
    start_quick(user, 1)
    user.ask("PainIntent")
    said = user.ask("AMAZON.ResumeIntent")
    assert words.one_in("resume_after_pain", said.speech)
    check_step(said, QUICK, 1, words, "quick")


def test_the_after_pain_welcome_is_said_once(user: Conversation, words: Words) -> None:
    start_quick(user, 1)
    user.ask("PainIntent")
    user.launch()
    user.ask("AMAZON.StopIntent")
    third = user.launch()
    assert not any(third.speech.startswith(v) for v in words.variants("welcome_back_after_pain"))


# ------------------------------------------------------------------------------------------ navigation


def test_next_walks_forward_and_previous_goes_back(user: Conversation, words: Words) -> None:
    start_quick(user, 2)
    back = user.ask("AMAZON.PreviousIntent")
    check_step(back, QUICK, 1, words, "quick")
    forward = user.ask("AMAZON.NextIntent")
    check_step(forward, QUICK, 2, words, "quick")


def test_previous_on_the_first_step_says_so_and_repeats_it(user: Conversation, words: Words) -> None:
    first = start_quick(user)
    said = user.ask("AMAZON.PreviousIntent")
    check_step(said, QUICK, 0, words, "quick")
    assert body(said, words, "at_first_step") == body(first, words, "routine_intro")


def test_repeat_says_the_same_step_again(user: Conversation, words: Words) -> None:
    here = start_quick(user, 1)
    said = user.ask("AMAZON.RepeatIntent")
    check_step(said, QUICK, 1, words, "quick")
    assert body(said, words) == body(here, words)


def test_start_over_goes_back_to_the_top(user: Conversation, words: Words) -> None:
    first = start_quick(user)
    user.ask("AMAZON.NextIntent")
    user.ask("AMAZON.NextIntent")
    said = user.ask("AMAZON.StartOverIntent")
    check_step(said, QUICK, 0, words, "quick")
    assert body(said, words, "starting_over") == body(first, words, "routine_intro")


def test_skip_leaves_out_the_rest_of_the_stretch(user: Conversation, words: Words) -> None:
    start_quick(user)
    said = user.ask("SkipIntent")
    assert words.one_in("skipping", said.speech, stretch=EN.stretches[QUICK[0].stretch].name)
    next_stretch = next(i for i, s in enumerate(QUICK) if s.number == 2)
    check_step(said, QUICK, next_stretch, words, "quick")


def test_skip_on_the_last_stretch_finishes(user: Conversation, words: Words) -> None:
    start_quick(user, len(QUICK) - 1)
    said = user.ask("SkipIntent")
    assert words.one_in("skipping", said.speech, stretch=EN.stretches[QUICK[-1].stretch].name)
    assert "routine" not in said.attributes
    assert words.ends_with("routine_done_question", said.speech)


def test_skipping_the_only_stretch_is_not_congratulated(memory_skill: CustomSkill, user: Conversation,
                                                        words: Words) -> None:
    user.ask("StretchIntent", {"Stretch": "bridge"})
    said = user.ask("SkipIntent")
    assert not words.one_in("routine_done_first", said.speech, routine=EN.stretches["bridge"].name)
    assert stored(memory_skill, user.user_id)["completed"] == {}


@pytest.mark.parametrize("resume_with", ["AMAZON.ResumeIntent", "AMAZON.YesIntent"])
def test_pause_then_resume_carries_on_at_the_same_step(user: Conversation, words: Words,
                                                       resume_with: str) -> None:
    here = start_quick(user, 3)
    stretch = EN.stretches[QUICK[3].stretch]
    paused = user.ask("AMAZON.PauseIntent")
    assert words.one_in("paused", paused.speech, stretch=stretch.name)
    assert words.ends_with("paused_question", paused.speech)
    assert paused.reprompt in words.variants("step_reprompt", stretch=stretch.name, step=4, steps=len(QUICK))
    assert paused.attributes["routine"]["paused"] is True
    resumed = user.ask(resume_with)
    check_step(resumed, QUICK, 3, words, "quick")
    assert resumed.attributes["routine"]["paused"] is False
    assert body(resumed, words, "resuming") == body(here, words)


def test_no_to_carry_on_after_a_pause_keeps_the_place(memory_skill: CustomSkill, user: Conversation,
                                                      words: Words) -> None:
    start_quick(user, 3)
    user.ask("AMAZON.PauseIntent")
    said = user.ask("AMAZON.NoIntent")
    assert not words.one_in("starting_fresh", said.speech)
    assert said.attributes.get("routine", {}).get("index") == 3
    assert stored(memory_skill, user.user_id)["progress"]["index"] == 3


@pytest.mark.parametrize("index", [0, 2, 4])
def test_how_many_left_says_where_you_are(user: Conversation, words: Words, index: int) -> None:
    start_quick(user, index)
    said = user.ask("HowManyLeftIntent")
    step = QUICK[index]
    stretch = EN.stretches[step.stretch]
    left_n = len(QUICK) - index
    lefts = words.variants("steps_left_one") if left_n == 1 else words.variants("steps_left_many", count=left_n)
    minutes_n = max(1, round(sum(s.hold + SECONDS_PER_STEP_SPEECH for s in QUICK[index:]) / 60))
    minutes = words.variants("minutes_one") if minutes_n == 1 else words.variants("minutes_many", count=minutes_n)
    assert any(words.one_in("status", said.speech, stretch=stretch.name, number=step.number, total=3,
                            step=index + 1, steps=len(QUICK), routine=EN.routines["quick"].name, left=left,
                            minutes=minute)
               for left in lefts for minute in minutes)
    assert said.reprompt in words.variants("step_reprompt", stretch=stretch.name, step=index + 1, steps=len(QUICK))
    assert said.attributes["routine"]["index"] == index
    if index + 1 < len(QUICK):
        check_step(user.ask("AMAZON.NextIntent"), QUICK, index + 1, words, "quick")


def test_help_inside_a_routine_is_about_the_routine(user: Conversation, words: Words) -> None:
    start_quick(user, 2)
    stretch = EN.stretches[QUICK[2].stretch]
    said = user.ask("AMAZON.HelpIntent")
    assert words.one_in("routine_help", said.speech, routine=EN.routines["quick"].name, stretch=stretch.name)
    assert not words.one_in("help", said.speech)
    assert words.ends_with("routine_help_question", said.speech)
    assert said.reprompt in words.variants("step_reprompt", stretch=stretch.name, step=3, steps=len(QUICK))
    check_step(user.ask("AMAZON.YesIntent"), QUICK, 3, words, "quick")


def test_fallback_inside_a_routine_keeps_the_place(user: Conversation, words: Words) -> None:
    start_quick(user, 1)
    said = user.ask("AMAZON.FallbackIntent")
    assert words.one_in("routine_fallback", said.speech)
    assert said.attributes["routine"]["index"] == 1
    assert said.reprompt in words.variants("step_reprompt", stretch=EN.stretches[QUICK[1].stretch].name, step=2,
                                           steps=len(QUICK))


def test_yes_to_ready_moves_on_and_on_the_last_step_finishes(user: Conversation, words: Words) -> None:
    start_quick(user)
    for index in range(1, len(QUICK)):
        check_step(user.ask("AMAZON.YesIntent"), QUICK, index, words, "quick")
    done = user.ask("AMAZON.YesIntent")
    assert words.one_in("routine_done_first", done.speech, routine=EN.routines["quick"].name)


def test_no_to_ready_pauses_on_the_same_step(user: Conversation, words: Words) -> None:
    start_quick(user, 1)
    said = user.ask("AMAZON.NoIntent")
    assert words.one_in("paused", said.speech, stretch=EN.stretches[QUICK[1].stretch].name)
    assert said.attributes["routine"] == {"routine": "quick", "index": 1, "paused": True, "halted": False}


@pytest.mark.parametrize("intent", ["AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.StartOverIntent",
                                    "SkipIntent", "HowManyLeftIntent", "AMAZON.PauseIntent"])
def test_navigation_outside_a_routine_offers_the_quick_routine(user: Conversation, words: Words,
                                                               intent: str) -> None:
    user.launch()
    said = user.ask(intent)
    assert words.one_in("not_in_routine", said.speech)
    assert words.ends_with("not_in_routine_question", said.speech)
    check_step(user.ask("AMAZON.YesIntent"), QUICK, 0, words, "quick")


def test_resume_with_nothing_to_resume_says_so(user: Conversation, words: Words) -> None:
    user.launch()
    said = user.ask("AMAZON.ResumeIntent")
    assert words.one_in("resume_nothing", said.speech)
    assert said.open


# ------------------------------------------------------------------------------------------ naming things


@pytest.mark.parametrize("spoken, resolved", [("bridge", True), ("glute bridge", True), ("the bridge", False),
                                              ("Hip Raise", False)])
def test_a_single_stretch_by_name(memory_skill: CustomSkill, user: Conversation, words: Words, spoken: str,
                                  resolved: bool) -> None:
    bridge = EN.stretches["bridge"]
    said = user.ask("StretchIntent", {"Stretch": spoken}, resolved=resolved)
    assert words.one_in("single_intro", said.speech, stretch=bridge.name)
    plan = unroll("stretch:bridge")
    check_step(said, plan, 0, words, "stretch:bridge")
    done = user.ask("AMAZON.NextIntent")
    assert words.one_in("stretch_done", done.speech, stretch=bridge.name)
    assert not words.one_in("routine_done_first", done.speech, routine=bridge.name)
    assert stored(memory_skill, user.user_id)["completed"] == {"stretch:bridge": 1}


def test_a_single_stretch_with_sides_does_both(user: Conversation, words: Words) -> None:
    plan = unroll("stretch:knee_to_chest")
    said = user.ask("StretchIntent", {"Stretch": "knee hug"})
    for index in range(len(plan)):
        check_step(said, plan, index, words, "stretch:knee_to_chest")
        said = user.ask("AMAZON.NextIntent")
    assert "routine" not in said.attributes


def test_welcome_back_after_a_single_stretch_names_it_once(user: Conversation, words: Words) -> None:
    plan = unroll("stretch:knee_to_chest")
    user.ask("StretchIntent", {"Stretch": "knee to chest"})
    before = user.ask("AMAZON.NextIntent")
    user.ask("AMAZON.StopIntent")
    back = user.launch()
    name = EN.stretches["knee_to_chest"].name
    assert words.one_in("welcome_back_single", back.speech, stretch=name)
    assert back.speech.count(name) == 1
    assert "1 of 1" not in back.speech
    resumed = user.ask("AMAZON.YesIntent")
    check_step(resumed, plan, 1, words, "stretch:knee_to_chest")
    assert body(resumed, words, "resuming") == body(before, words)


def test_how_many_left_in_a_single_stretch(user: Conversation, words: Words) -> None:
    user.ask("StretchIntent", {"Stretch": "knee to chest"})
    said = user.ask("HowManyLeftIntent")
    name = EN.stretches["knee_to_chest"].name
    assert words.pattern("status_single").search(said.speech)
    assert name in said.speech
    assert "1 of 1" not in said.speech
    assert said.reprompt in words.variants("step_reprompt", stretch=name, step=1, steps=2)


def test_an_unknown_stretch_lists_the_ones_there_are(user: Conversation, words: Words) -> None:
    said = user.ask("StretchIntent", {"Stretch": "handstand"})
    assert words.one_in("stretch_unknown", said.speech, stretches=EN.list_names("stretch"))
    assert words.ends_with("routine_choice_question", said.speech)
    assert "routine" not in said.attributes
    for stretch in EN.stretches.values():
        assert stretch.name in said.speech


def test_a_routine_by_name(user: Conversation, words: Words) -> None:
    said = user.ask("StartRoutineIntent", {"Routine": "full routine"})
    full = EN.routines["full"]
    assert words.one_in("routine_intro", said.speech, routine=full.name, description=full.description)
    check_step(said, FULL, 0, words, "full")


def test_a_routine_by_synonym_without_resolution(user: Conversation, words: Words) -> None:
    said = user.ask("StartRoutineIntent", {"Routine": "the long routine"}, resolved=False)
    check_step(said, FULL, 0, words, "full")


def test_an_unknown_routine_lists_the_ones_there_are(user: Conversation, words: Words) -> None:
    said = user.ask("StartRoutineIntent", {"Routine": "yoga flow"})
    assert words.one_in("routine_unknown", said.speech, routines=EN.list_names("routine"))
    assert words.ends_with("routine_choice_question", said.speech)
    assert "routine" not in said.attributes
    then = user.ask("StartRoutineIntent", {"Routine": "quick"})
    check_step(then, QUICK, 0, words, "quick")


def test_skip_a_named_later_stretch_leaves_it_out_when_we_get_there(memory_skill: CustomSkill, user: Conversation,
                                                                    words: Words) -> None:
    start_quick(user, 2)  # the lying hip rotation, left side
    said = user.ask("SkipIntent", {"Stretch": "bridge"})
    assert words.one_in("leaving_out", said.speech, stretch=EN.stretches["bridge"].name)
    assert said.attributes["routine"]["index"] == 2
    assert said.attributes["routine"]["leave_out"] == [3]
    last = user.ask("AMAZON.NextIntent")  # the right side is now the last step
    assert last.attributes["routine"]["index"] == 3
    assert last.ssml.count("<break") >= 1
    done = user.ask("AMAZON.NextIntent")
    assert "routine" not in done.attributes
    assert stored(memory_skill, user.user_id)["completed"] == {"quick": 1}
    earlier = start_quick(user, 2)
    assert earlier.attributes["routine"]["index"] == 2
    said = user.ask("SkipIntent", {"Stretch": "knee to chest"})
    assert words.one_in("already_done", said.speech, stretch=EN.stretches["knee_to_chest"].name)
    assert said.attributes["routine"]["index"] == 2


def test_the_stored_place_names_the_stretch_side_and_repetition(memory_skill: CustomSkill, user: Conversation) -> None:
    start_quick(user, 3)  # lying hip rotation, right side
    user.ask("AMAZON.StopIntent")
    record = stored(memory_skill, user.user_id)
    assert record["progress"]["index"] == 3
    assert record["place"] == {"stretch": "hip_rotation", "side": "right", "rep": 1}


def test_resume_finds_the_place_by_stretch_and_side_when_the_index_no_longer_matches(
        memory_skill: CustomSkill, user: Conversation, words: Words) -> None:
    """As after a clinic reorders a routine: the stored index points elsewhere, the stored place does not."""
    start_quick(user, 3)  # lying hip rotation, right side
    user.ask("AMAZON.StopIntent")
    adapter = memory_skill.persistence_adapter
    record = json.loads(adapter._items[user.user_id])
    record["progress"]["index"] = 0  # now the knee to chest stretch, left side
    adapter._items[user.user_id] = json.dumps(record)
    back = user.launch()
    assert EN.stretches["hip_rotation"].name in back.speech
    resumed = user.ask("AMAZON.YesIntent")
    check_step(resumed, QUICK, 3, words, "quick")
