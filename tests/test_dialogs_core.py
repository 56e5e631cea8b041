"""Issue "core": opening, topic answers, follow-ups, help, fallback, leaving and errors, as a user hears them.

Turns go through the real ``lambda_handler.handler(event, context)`` with the test's own in-memory skill.
Every response is checked by the Conversation (well-formed SSML; open sessions end in a question and carry
a reprompt). Expected words come from the content, never from copies of one random variant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from skill.assembly import build_skill
from skill.core import answers
from skill.core.content import library
from skill.entry import BadRequest, handle_event
from tests.alexa import SKILL_ID, Conversation, Words, envelope, intent_request, plain, problems

EN = library().for_locale("en-US")
TOPICS = sorted(EN.topics.values(), key=lambda t: t.id)
TOPIC_IDS = [t.id for t in TOPICS]


@pytest.fixture
def coach(lambda_send: Callable[[dict[str, Any]], dict[str, Any]]) -> Conversation:
    """A new user talking to the skill through the Lambda handler."""
    return Conversation(lambda_send)


# ---------------------------------------------------------------------------------------------- launch


def test_first_launch_welcomes_says_not_medical_advice_shows_card_and_asks(coach: Conversation,
                                                                          words: Words) -> None:
    said = coach.launch()
    assert any(said.speech.startswith(v) for v in words.variants("welcome_first"))
    assert "not medical advice" in said.speech
    assert words.ends_with("welcome_question", said.speech)
    assert said.reprompt in words.variants("what_next_reprompt")
    assert said.card is not None
    assert said.card["title"] == plain(EN.phrase("skill_name"))
    assert said.card["content"] in words.variants("disclaimer_card")
    assert said.open


def test_second_launch_for_the_same_user_skips_the_disclaimer(coach: Conversation, words: Words,
                                                              lambda_send: Callable[..., Any]) -> None:
    coach.launch()
    coach.ask("AMAZON.StopIntent")
    again = coach.launch()
    assert any(again.speech.startswith(v) for v in words.variants("welcome"))
    assert "not medical advice" not in again.speech
    assert again.card is None
    assert words.ends_with("welcome_question", again.speech)
    assert again.open
    # another user on the same skill still hears it
    stranger = Conversation(lambda_send).launch()
    assert "not medical advice" in stranger.speech


# ---------------------------------------------------------------------------------------------- topics


@pytest.mark.parametrize("topic", TOPICS, ids=TOPIC_IDS)
def test_each_topic_intent_answers_from_content_and_offers_a_follow_up(coach: Conversation, words: Words,
                                                                        topic: Any) -> None:
    coach.launch()
    said = coach.ask(topic.intent)
    assert said.speech == f"{plain(topic.speech)} {plain(topic.offer.ask)}"
    assert said.speech.endswith(plain(topic.offer.ask))
    assert said.card is not None and said.card["type"] == "Simple"
    assert said.card["title"] == topic.title
    assert said.card["content"].startswith(topic.card)
    assert plain(topic.offer.ask) in said.reprompt, "the reprompt asks the offer again"
    assert said.open
    assert said.attributes["topic"] == topic.id


def test_one_shot_question_opens_a_new_session_straight_into_the_answer(coach: Conversation) -> None:
    topic = EN.topics_by_intent["WhyCrackIntent"]
    said = coach.ask("WhyCrackIntent")
    first_request = coach.history[0][0]
    assert first_request["session"]["new"] is True
    assert said.speech.startswith(plain(topic.speech))
    assert said.speech.endswith(plain(topic.offer.ask))
    assert said.open


# ---------------------------------------------------------------------------------------------- tell me more


@pytest.mark.parametrize("topic", [t for t in TOPICS if t.more], ids=[t.id for t in TOPICS if t.more])
def test_tell_me_more_continues_the_last_topic(coach: Conversation, topic: Any) -> None:
    coach.launch()
    coach.ask(topic.intent)
    said = coach.ask("TellMeMoreIntent")
    assert said.speech.startswith(plain(topic.more))
    assert said.speech.endswith(plain((topic.more_offer or topic.offer).ask))
    assert plain(topic.speech) not in said.speech
    assert said.card is not None and plain(topic.more) in plain(said.card["content"])
    assert said.open


def test_tell_me_more_without_a_topic_says_so_and_asks_what_next(coach: Conversation, words: Words) -> None:
    coach.launch()
    said = coach.ask("TellMeMoreIntent")
    assert said.speech.startswith(words.variants("no_more_detail")[0])
    assert words.ends_with("what_next", said.speech)
    assert said.open


def test_repeat_outside_a_routine_says_the_last_answer_again_and_keeps_the_offer(coach: Conversation) -> None:
    anatomy = EN.topics["anatomy"]
    coach.launch()
    first = coach.ask(anatomy.intent)
    again = coach.ask("AMAZON.RepeatIntent")
    assert again.speech == first.speech
    follow = coach.ask("AMAZON.YesIntent")
    assert follow.speech.startswith(plain(EN.topics[anatomy.offer.topic].speech))


# ---------------------------------------------------------------------------------------------- yes and no


def _topic_offering_a_topic() -> Any:
    return next(t for t in TOPICS if t.offer.topic)


def _topic_offering_a_routine() -> Any:
    return next(t for t in TOPICS if t.offer.routine)


def test_yes_to_a_topic_offer_answers_the_offered_topic(coach: Conversation) -> None:
    topic = _topic_offering_a_topic()
    offered = EN.topics[topic.offer.topic]
    coach.ask(topic.intent)
    said = coach.ask("AMAZON.YesIntent")
    assert said.speech.startswith(plain(offered.speech))
    assert said.speech.endswith(plain(offered.offer.ask))
    assert said.attributes["topic"] == offered.id


@pytest.mark.parametrize("offering", ["topic", "routine"])
def test_no_to_an_offer_declines_politely_and_asks_what_next(coach: Conversation, words: Words,
                                                             offering: str) -> None:
    topic = _topic_offering_a_topic() if offering == "topic" else _topic_offering_a_routine()
    coach.ask(topic.intent)
    said = coach.ask("AMAZON.NoIntent")
    assert any(said.speech.startswith(v) for v in words.variants("declined"))
    assert words.ends_with("what_next", said.speech)
    assert "routine" not in said.attributes
    assert said.open


def test_yes_to_a_routine_offer_starts_that_routine(coach: Conversation, words: Words) -> None:
    topic = _topic_offering_a_routine()
    routine = EN.routines[topic.offer.routine]
    coach.ask(topic.intent)
    said = coach.ask("AMAZON.YesIntent")
    assert words.pattern("routine_intro").search(said.speech)
    assert routine.name in said.speech
    first = EN.stretches[routine.steps[0].stretch]
    assert plain(first.setup) in said.speech
    assert said.attributes["routine"]["routine"] == routine.id
    assert said.attributes["routine"]["index"] > 0, "the first stretch was guided in full"


def test_yes_to_ready_goes_to_the_next_step_and_no_pauses(coach: Conversation, words: Words) -> None:
    coach.ask("StartRoutineIntent")
    moved = coach.ask("AMAZON.YesIntent")
    assert moved.attributes["routine"]["index"] == 4
    paused = coach.ask("AMAZON.NoIntent")
    stretch = EN.stretches[EN.routines["quick"].steps[2].stretch]
    assert words.one_in("paused", paused.speech, stretch=stretch.name)
    assert paused.attributes["routine"]["index"] == 4
    assert paused.open
    stopped = coach.ask("AMAZON.NoIntent")
    assert stopped.ends, "no to carrying on stops with the place saved; it never asks the same thing again"
    assert words.one_in("stop_saved", stopped.speech, stretch=stretch.name)


def _finish_quick_routine(coach: Conversation) -> Any:
    said = coach.ask("StartRoutineIntent")
    for _ in range(20):
        said = coach.ask("AMAZON.NextIntent")
        if "routine" not in said.attributes:
            return said
    raise AssertionError("the quick routine never finished")


def test_after_a_finished_routine_yes_asks_what_next_and_no_says_goodbye(coach: Conversation,
                                                                         words: Words) -> None:
    done = _finish_quick_routine(coach)
    assert words.ends_with("routine_done_question", done.speech)
    yes = coach.ask("AMAZON.YesIntent")
    assert yes.speech in words.variants("what_next")
    assert yes.open
    _finish_quick_routine(coach)
    no = coach.ask("AMAZON.NoIntent")
    assert no.speech in words.variants("goodbye")
    assert no.ends


def test_yes_to_resume_after_a_stop_picks_up_and_no_keeps_the_place(coach: Conversation, words: Words) -> None:
    coach.ask("StartRoutineIntent")
    coach.ask("AMAZON.StopIntent")
    back = coach.launch()
    assert words.pattern("welcome_back_routine").search(back.speech)
    resumed = coach.ask("AMAZON.YesIntent")
    assert words.one_in("resuming", resumed.speech)
    assert resumed.attributes["routine"]["index"] == 4
    coach.ask("AMAZON.StopIntent")
    coach.launch()
    declined = coach.ask("AMAZON.NoIntent")
    assert words.one_in("resume_declined", declined.speech, routine=EN.routines["quick"].name)
    assert declined.open
    bye = coach.ask("AMAZON.NoIntent")  # "shall we start it fresh?" - "no"
    assert bye.open and words.one_in("declined", bye.speech)
    later = coach.launch()
    assert words.pattern("welcome_back_routine").search(later.speech), "the place is still there"


def test_yes_or_no_to_an_open_question_leads_somewhere(coach: Conversation, words: Words) -> None:
    coach.launch()
    yes = coach.ask("AMAZON.YesIntent")
    assert words.one_in("yes_open", yes.speech) and words.ends_with("what_next", yes.speech)
    assert yes.open
    no = coach.ask("AMAZON.NoIntent")  # "Anything else you'd like to know?" - "no"
    assert words.one_in("goodbye", no.speech) and no.ends


@pytest.mark.parametrize("locale, utterances", [("en-US", ["goodbye", "bye", "that's all", "no that's all"]),
                                                ("es-ES", ["adiós", "hasta luego", "eso es todo", "no eso es todo"])])
def test_goodbyes_end_the_session(locale: str, utterances: list[str]) -> None:
    from skill.simulator.nlu import Understander

    nlu = Understander.for_locale(locale)
    for utterance in utterances:
        assert nlu.resolve(utterance).intent in ("AMAZON.StopIntent", "AMAZON.NoIntent"), utterance


# ---------------------------------------------------------------------------------------------- help, fallback


def test_help_gives_real_examples_and_asks(coach: Conversation, words: Words) -> None:
    coach.launch()
    said = coach.ask("AMAZON.HelpIntent")
    assert any(said.speech.startswith(v) for v in words.variants("help"))
    assert words.ends_with("help_question", said.speech)
    samples = {s for t in TOPICS for s in t.samples} | set(EN.intent_samples["StartRoutineIntent"])
    examples = [s for s in samples if s in said.speech.lower()]
    assert len(examples) >= 2, "help should quote things the user can really say"
    assert said.card is not None and "not medical advice" in said.card["content"]
    assert said.open


def test_fallback_explains_what_the_skill_does(coach: Conversation, words: Words) -> None:
    coach.launch()
    said = coach.ask("AMAZON.FallbackIntent")
    assert any(said.speech.startswith(v) for v in words.variants("fallback"))
    assert words.ends_with("fallback_question", said.speech)
    assert said.open


def test_an_unknown_intent_gets_the_fallback_answer(coach: Conversation, words: Words) -> None:
    coach.launch()
    said = coach.ask("RetiredOldIntent")
    assert any(said.speech.startswith(v) for v in words.variants("fallback"))
    assert said.open


# ---------------------------------------------------------------------------------------------- leaving


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"])
def test_stop_cancel_and_home_say_goodbye_and_close(coach: Conversation, words: Words, intent: str) -> None:
    coach.launch()
    said = coach.ask(intent)
    assert said.speech in words.variants("goodbye")
    assert said["response"]["shouldEndSession"] is True
    assert not said.reprompt
    again = coach.ask("WhyCrackIntent")
    assert coach.history[-1][0]["session"]["new"] is True
    assert again.open


@pytest.mark.parametrize("reason, error", [
    ("USER_INITIATED", None),
    ("EXCEEDED_MAX_REPROMPTS", None),
    ("ERROR", {"type": "INVALID_RESPONSE", "message": "An exception occurred while dispatching the request"}),
])
def test_session_ended_gets_an_empty_answer(coach: Conversation, reason: str, error: dict[str, str] | None,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="spine_coach")
    coach.launch()
    said = coach.ended(reason, error)
    response = said["response"]
    assert "outputSpeech" not in response
    assert "reprompt" not in response
    assert "card" not in response
    assert not response.get("directives")
    if error is not None:
        assert error["message"] in caplog.text


# ---------------------------------------------------------------------------------------------- odd requests


def test_missing_routine_slot_starts_the_quick_routine(coach: Conversation, words: Words) -> None:
    quick = EN.routines["quick"]
    said = coach.ask("StartRoutineIntent", {"Routine": None})
    assert words.pattern("routine_intro").search(said.speech) and quick.name in said.speech
    assert said.attributes["routine"]["routine"] == "quick"


@pytest.mark.parametrize("declare", [True, False], ids=["unfilled", "absent"])
def test_missing_stretch_slot_lists_the_stretches_and_asks(coach: Conversation, words: Words,
                                                           declare: bool) -> None:
    said = coach.ask("StretchIntent", declare_slots=declare)
    assert words.one_in("stretch_unknown", said.speech, stretches=EN.list_names("stretch"))
    assert words.ends_with("routine_choice_question", said.speech)
    assert "routine" not in said.attributes


def test_unsupported_locale_is_answered_in_english(lambda_send: Callable[..., Any], words: Words) -> None:
    french = Conversation(lambda_send, locale="fr-FR")
    said = french.launch()
    assert any(said.speech.startswith(v) for v in words.variants("welcome_first"))
    topic = french.ask("IsItDangerousIntent")
    assert topic.speech.startswith(plain(EN.topics["dangerous"].speech))


def test_lambda_handler_refuses_a_malformed_event(lambda_module: Any, lambda_send: Callable[..., Any]) -> None:
    with pytest.raises(BadRequest):
        lambda_send({"version": "1.0"})


# ---------------------------------------------------------------------------------------------- errors


def test_an_error_in_a_handler_apologises_from_content_and_keeps_the_session(
        coach: Conversation, words: Words, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="spine_coach")
    coach.launch()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected failure")

    monkeypatch.setattr(answers, "topic", broken)
    said = coach.ask("WhyCrackIntent")
    assert any(said.speech.startswith(v) for v in words.variants("error"))
    assert words.ends_with("error_question", said.speech)
    assert said.reprompt in words.variants("what_next_reprompt")
    assert said.open
    assert "injected failure" in caplog.text
    monkeypatch.undo()
    recovered = coach.ask("WhyCrackIntent")
    assert recovered.speech.startswith(plain(EN.topics["why_crack"].speech))


def test_an_error_before_any_handler_still_apologises(monkeypatch: pytest.MonkeyPatch, words: Words) -> None:
    """A failing request interceptor (here: reading the profile) ends in the same apology."""
    from skill.handlers import interceptors

    class Exploding:
        @staticmethod
        def from_dict(data: Any) -> Any:
            raise RuntimeError("profile exploded")

    monkeypatch.setattr(interceptors, "Profile", Exploding)
    skill = build_skill(store="memory://", skill_id=SKILL_ID)
    event = envelope(intent_request("WhyCrackIntent"), user_id="amzn1.ask.account.ERR")
    said = handle_event(event, None, skill)
    assert not problems(said)
    assert any(plain(said["response"]["outputSpeech"]["ssml"]).startswith(v) for v in words.variants("error"))
    assert said["response"]["shouldEndSession"] is False


def test_an_error_while_the_session_ends_gives_an_empty_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from skill.core import state as state_module

    def broken(self: Any) -> None:
        raise RuntimeError("cannot leave")

    monkeypatch.setattr(state_module.State, "leave_routine", broken)
    skill = build_skill(store="memory://", skill_id=SKILL_ID)
    from tests.alexa import session_ended_request

    said = handle_event(envelope(session_ended_request(), user_id="amzn1.ask.account.ERR"), None, skill)
    response = said["response"]
    assert "outputSpeech" not in response and "reprompt" not in response and "card" not in response


# ---------------------------------------------------------------------------------------------- stale session


def test_stop_always_closes_even_with_a_stale_routine_in_the_session(coach: Conversation, words: Words) -> None:
    coach.launch()
    coach.attributes["routine"] = {"routine": "retired_routine", "index": 2, "paused": False, "halted": False}
    said = coach.ask("AMAZON.StopIntent")
    assert said.ends


def test_fallback_with_a_stale_routine_in_the_session_is_not_an_error(coach: Conversation, words: Words) -> None:
    coach.launch()
    coach.attributes["routine"] = {"routine": "retired_routine", "index": 2, "paused": False, "halted": False}
    said = coach.ask("AMAZON.FallbackIntent")
    assert not any(said.speech.startswith(v) for v in words.variants("error"))
