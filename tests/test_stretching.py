"""Issue 13: coaching someone lying on the floor, as whole dialogs with the real skill.

One response guides a whole stretch (set-up, each side, each repetition, silence to move between them, a
sound at the end of every hold); the user speaks only between stretches. Expectations come from the
content (the routines' stretches, sides, reps and holds), not from the skill's planner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.core import coaching
from skill.core.content import library
from skill.core.profile import Profile
from skill.core.routine import Command
from skill.core.speech import MAX_BREAK_SECONDS, MAX_SPEECH_CHARS, escape
from skill.core.state import State
from skill.core.timing import MAX_AUDIO_CLIPS, MAX_RESPONSE_SECONDS, ssml_seconds, text_seconds
from tests.alexa import Conversation, Words, break_seconds, plain
from tests.conftest import stored

EN = library().for_locale("en-US")
ES = library().for_locale("es-ES")


@pytest.fixture
def user(talk: Callable[..., Conversation]) -> Conversation:
    return talk()


def holds_of(routine_id: str, c: Any = EN) -> list[tuple[str, int]]:
    """(stretch, hold seconds) of every hold a routine has, in order, from the content."""
    return [(s.stretch, s.hold_seconds) for s in c.routines[routine_id].steps
            for _ in range(s.reps * max(1, len(s.sides)))]


def sounds(ssml: str | None) -> int:
    return (ssml or "").count("<audio ")


def walk(user: Conversation, routine: str, locale_content: Any = EN) -> list[Any]:
    """'Guide my ... routine', then yes to every question until the routine is done: every response."""
    said = user.ask("StartRoutineIntent", {"Routine": locale_content.routines[routine].name})
    turns = [said]
    while "routine" in said.attributes:
        said = user.ask("AMAZON.YesIntent")
        turns.append(said)
        assert len(turns) < 20
    return turns


def within_alexa_limits(said: Any, c: Any = EN) -> None:
    ssml = said.ssml or ""
    assert len(ssml) <= MAX_SPEECH_CHARS
    assert sounds(ssml) <= MAX_AUDIO_CLIPS
    assert max(break_seconds(ssml) or [0]) <= MAX_BREAK_SECONDS
    assert ssml_seconds(ssml, c.timing) <= MAX_RESPONSE_SECONDS


# ------------------------------------------------------------------------------------ one turn per stretch


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_the_quick_routine_takes_at_most_three_user_turns(talk: Callable[..., Conversation], locale: str) -> None:
    """'Guide my stretches', then one yes per stretch; the last stretch ends with well done and one question,
    and "no" to it says goodbye: three user turns after the first."""
    c = library().for_locale(locale)
    words = Words(locale)
    user = talk(locale=locale)
    turns = walk(user, "quick", c)
    assert len(turns) == len(c.routines["quick"].steps)
    assert words.one_in("routine_done_first", turns[-1].speech, routine=c.routines["quick"].name)
    bye = user.ask("AMAZON.NoIntent")
    assert bye.ends and words.one_in("goodbye", bye.speech)
    assert len(user.history) - 1 <= 3


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
@pytest.mark.parametrize("routine", ["quick", "full"])
def test_every_hold_is_guided_once_with_its_sound_and_within_alexas_limits(talk: Callable[..., Conversation],
                                                                           locale: str, routine: str) -> None:
    c = library().for_locale(locale)
    words = Words(locale)
    turns = walk(talk(locale=locale), routine, c)
    holds = holds_of(routine, c)
    said_holds = [int(n) for t in turns for n in re.findall(r"(\d+)", " ".join(
        m for m in re.findall(words.pattern("hold_start"), t.speech)))]
    assert said_holds == [seconds for _, seconds in holds]
    assert sum(sounds(t.ssml) for t in turns) == len(holds), "one sound at the end of every hold"
    for said in turns:
        within_alexa_limits(said, c)
        question = re.split(r"(?<=[.!?])\s+", said.speech)[-1]
        assert said.speech.count("?") == 1 and question.endswith("?"), "one question, at the end"


def test_a_hold_lasts_what_was_announced(user: Conversation, words: Words) -> None:
    """The silences of a hold plus its spoken countdown cues add up to the seconds announced."""
    said = user.ask("StretchIntent", {"Stretch": "bridge"})
    ssml = said.ssml or ""
    hold = EN.stretches["bridge"].hold_seconds
    start = ssml.index(plain(EN.phrase("hold_start", seconds=hold)))
    during = ssml[start:ssml.index("<audio")]
    cues = re.findall(r"\d+ seconds left\.", during)
    silence = sum(break_seconds(during))
    spoken = sum(text_seconds(cue, EN.timing.pace) for cue in cues)
    assert abs(silence + spoken - hold) < 0.6


def test_sides_switch_with_silence_to_move(user: Conversation, words: Words) -> None:
    said = user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    ssml = said.ssml or ""
    other = plain(EN.phrase("next_side", side=EN.side_word("right")))
    assert other in said.speech
    after = ssml[ssml.index("Now the other side"):]
    switch = after[:after.index(plain(EN.phrase("hold_start", seconds=20)))]
    assert sum(break_seconds(switch)) >= 5, "time to move before the next hold starts"
    assert plain(EN.stretches["knee_to_chest"].movement.format(side="right")) in said.speech
    assert plain(EN.stretches["knee_to_chest"].movement.format(side="left")) in said.speech


def test_the_bridge_tells_you_to_lower_your_hips_and_a_single_stretch_ends_plainly(user: Conversation,
                                                                                  words: Words) -> None:
    said = user.ask("StretchIntent", {"Stretch": "bridge"})
    assert "lower your hips" in said.speech
    assert words.one_in("stretch_done", said.speech, stretch=EN.stretches["bridge"].name)
    assert "last one" not in said.speech and "Ready to finish" not in said.speech
    assert words.ends_with("routine_done_question", said.speech)
    assert "routine" not in said.attributes


def test_the_routine_intro_says_a_computed_duration(user: Conversation, words: Words) -> None:
    from skill.core import coaching
    from skill.core.profile import Profile
    from skill.core.state import State

    said = user.ask("StartRoutineIntent", {"Routine": "full routine"})
    minutes = coaching.routine_minutes(EN, State({}, Profile()), "full")
    assert minutes is not None
    assert words.one_in("routine_intro", said.speech, routine="full routine",
                        description=EN.routines["full"].description, minutes=minutes)
    assert not any(ch.isdigit() for ch in EN.routines["full"].description), "durations are never typed"


# ---------------------------------------------------------------------------------- one way of counting


def test_voice_reprompt_card_and_screen_count_stretches_the_same_way(user: Conversation, words: Words) -> None:
    said = user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    assert words.one_in("stretch_position", said.speech, number=1, total=3, stretch=EN.stretches["knee_to_chest"].name)
    assert "2 of 3" in said.reprompt and "step" not in said.reprompt.lower()
    assert said.card is not None and words.one_in("card_step", said.card["content"], step=1, steps=3)
    assert "Step" not in said.card["content"]


@pytest.mark.parametrize("done, left", [(1, 2), (2, 1)])
def test_how_many_left_counts_stretches_still_to_do(user: Conversation, words: Words, done: int, left: int) -> None:
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    for _ in range(done - 1):
        user.ask("AMAZON.NextIntent")
    said = user.ask("HowManyLeftIntent")
    assert words.one_in("status", said.speech, done=done, total=3, routine="quick routine",
                        left=(EN.phrase("stretches_left_one", names="the bridge") if left == 1 else
                              EN.phrase("stretches_left_many", count=2,
                                        names="the lying hip rotation and the bridge")),
                        minutes=said.speech.split("About ")[1].split(" to go")[0])
    assert said.open


# ------------------------------------------------------------------------------------ pause, stop, resume


def test_resume_after_a_pause_goes_on_with_the_next_stretch(user: Conversation, words: Words) -> None:
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    paused = user.ask("AMAZON.PauseIntent")
    assert words.one_in("paused", paused.speech, stretch=EN.stretches["hip_rotation"].name)
    resumed = user.ask("AMAZON.ResumeIntent")
    assert words.one_in("resuming", resumed.speech)
    assert words.one_in("stretch_position", resumed.speech, number=2, total=3, stretch="lying hip rotation")
    assert EN.stretches["knee_to_chest"].setup not in resumed.speech


def test_no_to_carrying_on_after_a_pause_stops_and_keeps_the_place(memory_skill: CustomSkill, user: Conversation,
                                                                   words: Words) -> None:
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    user.ask("AMAZON.NoIntent")  # to "ready for stretch 2?": pause
    stopped = user.ask("AMAZON.NoIntent")  # to "shall we carry on?": stop, never the same question again
    assert stopped.ends
    assert words.one_in("stop_saved", stopped.speech, stretch="lying hip rotation")
    assert stored(memory_skill, user.user_id)["progress"]["index"] == 2


def test_repeat_does_the_last_stretch_again(user: Conversation, words: Words) -> None:
    first = user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    again = user.ask("AMAZON.RepeatIntent")
    assert EN.stretches["knee_to_chest"].setup in again.speech
    assert again.attributes["routine"] == first.attributes["routine"]


def test_stop_then_no_to_resuming_keeps_the_place_and_offers_a_fresh_start(memory_skill: CustomSkill,
                                                                           user: Conversation, words: Words) -> None:
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    user.ask("AMAZON.StopIntent")
    back = user.launch()
    assert words.one_in("welcome_back_routine", back.speech, stretch="lying hip rotation", number=2, total=3,
                        routine="quick routine")
    declined = user.ask("AMAZON.NoIntent")
    assert words.one_in("resume_declined", declined.speech, routine="quick routine")
    assert stored(memory_skill, user.user_id)["progress"]["index"] == 2
    resumed = user.ask("AMAZON.ResumeIntent")
    assert words.one_in("stretch_position", resumed.speech, number=2, total=3, stretch="lying hip rotation")


@pytest.mark.parametrize("nexts", [0, 1])
def test_pain_mid_routine_stops_at_once_and_is_never_offered_back(memory_skill: CustomSkill, user: Conversation,
                                                                  words: Words, nexts: int) -> None:
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    for _ in range(nexts):
        user.ask("AMAZON.NextIntent")
    said = user.ask("PainIntent")
    assert said.speech in [f"{stop} {saved}" for stop in words.variants("pain_stop")
                           for saved in words.variants("pain_place_saved")]
    assert said.ends and "routine" not in said.attributes
    assert stored(memory_skill, user.user_id)["progress"] == {"routine": "quick", "index": 2 + 2 * nexts,
                                                              "paused": False, "halted": True}
    back = user.launch()
    assert any(back.speech.startswith(v) for v in words.variants("welcome_back_after_pain"))
    assert not words.pattern("welcome_back_routine").search(back.speech)
    yes = user.ask("AMAZON.YesIntent")
    assert "routine" not in yes.attributes and not words.one_in("resuming", yes.speech)


def test_pain_outside_a_routine_points_to_a_specialist_and_warns_next_time(memory_skill: CustomSkill,
                                                                            user: Conversation, words: Words) -> None:
    user.launch()
    said = user.ask("PainIntent")
    assert words.one_in("pain_outside", said.speech) and "spine specialist" in said.speech
    assert not words.one_in("pain_stop", said.speech)
    assert said.open and "stretch" not in said.reprompt.lower()
    assert stored(memory_skill, user.user_id).get("caution") is True
    user.ask("AMAZON.StopIntent")
    back = user.launch()
    assert any(back.speech.startswith(v) for v in words.variants("welcome_back_after_pain"))


def test_explicit_resume_after_pain_warns_first_and_goes_on_with_the_next_stretch(user: Conversation,
                                                                                   words: Words) -> None:
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    user.ask("PainIntent")
    said = user.ask("AMAZON.ResumeIntent")
    assert words.one_in("resume_after_pain", said.speech)
    assert words.one_in("stretch_position", said.speech, number=2, total=3, stretch="lying hip rotation")


# ------------------------------------------------------------------------------------------ preferences


def test_ask_me_after_every_side_is_stored_and_used(memory_skill: CustomSkill, user: Conversation,
                                                    words: Words) -> None:
    said = user.ask("AskEverySideIntent")
    assert words.one_in("sides_ask_set", said.speech)
    assert stored(memory_skill, user.user_id)["preferences"] == {"sides": "ask"}
    turns = walk(user, "quick")
    assert len(turns) == len(holds_of("quick")), "one turn per side"
    assert words.one_in("next_side_question", turns[0].speech, side="right")
    user.ask("FlowSidesIntent")
    assert stored(memory_skill, user.user_id)["preferences"] == {}
    assert len(walk(user, "quick")) == 3


@pytest.mark.parametrize("length, change", [("longer", 10), ("shorter", -10), ("standard", 0)])
def test_longer_or_shorter_holds_within_the_range(memory_skill: CustomSkill, user: Conversation, words: Words,
                                                  length: str, change: int) -> None:
    said = user.ask("HoldLengthIntent", {"Length": length})
    t = EN.timing
    expected = max(t.hold_shortest, min(t.hold_longest, 20 + change))
    assert words.one_in(f"hold_{length}_set", said.speech, seconds=expected, stretch=EN.stretches["knee_to_chest"].name,
                        shortest=t.hold_shortest, longest=t.hold_longest)
    assert stored(memory_skill, user.user_id)["preferences"] == ({} if length == "standard" else {"hold": length})
    first = user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    assert words.one_in("hold_start", first.speech, seconds=expected)


def test_the_longest_holds_split_a_stretch_into_turns_that_fit(user: Conversation, words: Words) -> None:
    user.ask("HoldLengthIntent", {"Length": "longer"})
    turns = walk(user, "full")
    for said in turns:
        within_alexa_limits(said)
    said_holds = sum(len(re.findall(words.pattern("hold_start"), t.speech)) for t in turns)
    assert said_holds == len(holds_of("full"))


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
@pytest.mark.parametrize("routine", ["quick", "full"])
def test_the_screen_timeline_follows_every_hold_the_voice_guides(locale: str, routine: str) -> None:
    """The core alone (no ASK): every guided response's view carries its holds in the order they are spoken,
    each rep on each side of the content's stretches, each starting once "hold for N seconds" has been said
    (seconds from the start of the speech, estimated the way every length is), later than the one before, and
    over before the response is."""
    c = library().for_locale(locale)
    state = State({}, Profile())
    reply = coaching.start(c, state, routine)
    guided: list[tuple[str, str, int, int]] = []
    for _ in range(20):
        view = reply.view
        assert view is not None and view["kind"] == "step", view
        ssml = reply.full_speech().ssml()
        total = ssml_seconds(ssml, c.timing)
        # Where each hold is announced in the speech, and how long the speech up to there takes.
        announced = [ssml_seconds(ssml[:m.end()], c.timing) for m in re.finditer(
            "|".join(re.escape(escape(v).split("{seconds}")[0]) + r"\d+[^<]*?\." for v in c.variants("hold_start")),
            ssml)]
        holds = view["holds"]
        assert [h["start"] for h in holds] == sorted({h["start"] for h in holds}), holds  # strictly increasing
        assert len(announced) == len(holds), (announced, holds)
        for hold, said in zip(holds, announced, strict=True):
            assert hold["start"] > 0 and hold["start"] + hold["seconds"] < total, (hold, total)
            assert abs(hold["start"] - said) <= 0.5, (hold, said)
            guided.append((view["stretch"], hold["side"], hold["rep"], hold["seconds"]))
        if not state.in_routine:
            break
        reply = coaching.command(c, state, Command.NEXT)
    assert guided == [(s.stretch, c.side_word(side) if side else "", rep, s.hold_seconds)
                      for s in c.routines[routine].steps for rep in range(1, s.reps + 1) for side in s.sides or ("",)]
