"""Every path of user actions from launch, several turns deep: no dead end, no crash, no bad answer.

A breadth-first walk over a fixed set of things a user can say, carrying session attributes as Alexa does (a
closed session means the next thing said is a one-shot request in a new session) and the stored profile per
path. States that only differ in the cached "last" answer (or the visit counter) are walked once.

Each reply is checked for what a user (or Alexa's certification) notices: well-formed SSML within the limits, a
question at the end and a reprompt whenever the microphone stays open (in Spanish the question opens with "¿"),
never the error apology, and from every open state both "help" and "stop" give their proper answers.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from functools import cache
from typing import Any, NamedTuple

import pytest
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.assembly import build_skill
from skill.core.content import LocaleContent, library
from skill.entry import handle_event
from tests.alexa import SKILL_ID, envelope, intent_request, launch_request, plain, problems, speech_text

DEPTH = 3
LIB = library()


class Action(NamedTuple):
    label: str
    intent: str
    slots: dict[str, str | None] | None = None


def actions(c: LocaleContent) -> tuple[Action, ...]:
    quick, full = c.routines["quick"].name, c.routines["full"].name
    return (
        *(Action(topic.id, intent) for intent, topic in sorted(c.topics_by_intent.items())),
        Action("more", "TellMeMoreIntent"), Action("yes", "AMAZON.YesIntent"), Action("no", "AMAZON.NoIntent"),
        Action("help", "AMAZON.HelpIntent"), Action("fallback", "AMAZON.FallbackIntent"),
        Action("next", "AMAZON.NextIntent"), Action("previous", "AMAZON.PreviousIntent"),
        Action("repeat", "AMAZON.RepeatIntent"), Action("start-over", "AMAZON.StartOverIntent"),
        Action("pause", "AMAZON.PauseIntent"), Action("resume", "AMAZON.ResumeIntent"),
        Action("how-many-left", "HowManyLeftIntent"), Action("skip", "SkipIntent"),
        Action("quick", "StartRoutineIntent", {"Routine": quick}),
        Action("full", "StartRoutineIntent", {"Routine": full}),
        Action("routine", "StartRoutineIntent", {"Routine": None}),
        Action("bridge", "StretchIntent", {"Stretch": c.stretches["bridge"].name}),
        Action("pain", "PainIntent"), Action("stop", "AMAZON.StopIntent"), Action("cancel", "AMAZON.CancelIntent"),
    )


class Node(NamedTuple):
    path: tuple[str, ...]
    session: dict[str, Any] | None  # None: no open session, the next request starts one
    profile: dict[str, Any]  # what the store holds for this path's user


class Walker:
    """Replays any node on a fresh user: the stored profile is seeded, the session attributes sent along."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.content = LIB.for_locale(locale)
        self.skill: CustomSkill = build_skill(store="memory://", skill_id=SKILL_ID)
        self.users = (f"amzn1.ask.account.GRAPH-{locale}-{n}" for n in itertools.count())
        self.replies = 0

    def _envelope(self, user: str) -> RequestEnvelope:
        event = envelope(launch_request(self.locale), user_id=user)
        return self.skill.serializer.deserialize(json.dumps(event), RequestEnvelope)

    def stored(self, user: str) -> dict[str, Any]:
        return self.skill.persistence_adapter.get_attributes(self._envelope(user))

    def send(self, node: Node, request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
        """(response envelope, the event sent, the user) for one request made from this node."""
        user = next(self.users)
        if node.profile:
            self.skill.persistence_adapter.save_attributes(self._envelope(user), copy.deepcopy(node.profile))
        event = envelope(request, user_id=user, new=node.session is None, attributes=node.session or {})
        out = handle_event(copy.deepcopy(event), None, self.skill)
        self.replies += 1
        return out, event, user

    def step(self, node: Node, action: Action) -> tuple[dict[str, Any], Node]:
        request = intent_request(action.intent, action.slots, locale=self.locale)
        out, _, user = self.send(node, request)
        return out, self.after(node, action.label, out, user)

    def launch(self) -> tuple[dict[str, Any], Node]:
        start = Node((), None, {})
        out, _, user = self.send(start, launch_request(self.locale))
        return out, self.after(start, "launch", out, user)

    def after(self, node: Node, label: str, out: dict[str, Any], user: str) -> Node:
        ends = out["response"].get("shouldEndSession") is not False
        return Node((*node.path, label), None if ends else out.get("sessionAttributes") or {}, self.stored(user))


def key(node: Node) -> str:
    """States that differ only in the cached last answer or the visit bookkeeping behave the same."""
    session = None if node.session is None else {k: v for k, v in node.session.items() if k != "last"}
    profile = {k: v for k, v in node.profile.items() if k not in ("visits", "last_visit", "version")}
    return json.dumps([session, profile], sort_keys=True)


# ----------------------------------------------------------------------------------------------- checks


def spoken_variants(c: LocaleContent, phrase: str) -> re.Pattern[str]:
    """Any variant of a phrase, with anything standing in for its {placeholders}."""
    options = ["(?:" + ".+?".join(re.escape(part) for part in re.split(r"\{[a-z_]+\}", plain(v))) + ")"
               for v in c.variants(phrase)]
    return re.compile("|".join(options))


def reply_problems(c: LocaleContent, out: dict[str, Any]) -> list[str]:
    found = problems(out)
    speech = speech_text(out)
    if not speech:
        found.append("no speech")
    if spoken_variants(c, "error").search(speech):
        found.append("the error apology")
    if c.language == "es" and out["response"].get("shouldEndSession") is False:
        last_question = re.split(r"(?<=[.!?])\s+", speech)[-1]
        if "¿" not in last_question:
            found.append(f"a Spanish question without its opening ¿: {last_question!r}")
    return found


class Transition(NamedTuple):
    source: Node
    action: Action | None  # None: the launch
    reply: dict[str, Any]
    target: Node

    @property
    def where(self) -> str:
        return " > ".join((*self.source.path, self.action.label if self.action else "launch"))


@cache
def explored(locale: str, depth: int) -> tuple[Walker, tuple[Transition, ...]]:
    """Breadth-first: every transition from launch, ``depth`` turns deep, each distinct state expanded once."""
    walker = Walker(locale)
    out, first = walker.launch()
    found = [Transition(Node((), None, {}), None, out, first)]
    seen = {key(first)}
    frontier = [first]
    for _ in range(depth):
        following = []
        for node in frontier:
            for action in actions(walker.content):
                out, child = walker.step(node, action)
                found.append(Transition(node, action, out, child))
                if key(child) not in seen:
                    seen.add(key(child))
                    following.append(child)
        frontier = following
    return walker, tuple(found)


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_every_path_from_launch_gets_good_answers_and_never_a_dead_end(locale: str) -> None:
    c = LIB.for_locale(locale)
    walker, transitions = explored(locale, DEPTH)
    bad: list[str] = []
    open_states: dict[str, Node] = {}
    for t in transitions:
        bad += [f"{t.where}: {p}" for p in reply_problems(c, t.reply)]
        if t.action is not None and t.action.intent == "PainIntent":
            said = speech_text(t.reply)
            if "routine" in (t.source.session or {}):  # mid-routine: stop now, rest, see a specialist
                if t.target.session is not None or not spoken_variants(c, "pain_stop").search(said):
                    bad.append(f"{t.where}: 'it hurts' in a routine must stop at once and close the session")
            elif not spoken_variants(c, "pain_outside").search(said) or spoken_variants(c, "pain_stop").search(said):
                bad.append(f"{t.where}: 'it hurts' outside a routine must point to a specialist, not to stop "
                           f"stretching: {said!r}")
        if t.target.session is not None:
            open_states.setdefault(key(t.target), t.target)
    assert not bad, "\n".join(bad[:20])
    assert len(transitions) > 500, "the walk is too shallow to mean anything"
    assert len(open_states) > 30

    # no dead end: every open state takes "help" and "stop" with their proper answers
    helps = spoken_variants(c, "help"), spoken_variants(c, "routine_help"), spoken_variants(c, "help_red_flag")
    leaves = spoken_variants(c, "goodbye"), spoken_variants(c, "stop_saved")
    for state in open_states.values():
        where = " > ".join(state.path)
        help_out, after_help = walker.step(state, Action("help", "AMAZON.HelpIntent"))
        bad += [f"{where} > help: {p}" for p in reply_problems(c, help_out)]
        if after_help.session is None or not any(p.search(speech_text(help_out)) for p in helps):
            bad.append(f"{where} > help: not the help answer, or the session closed: {speech_text(help_out)!r}")
        stop_out, after_stop = walker.step(state, Action("stop", "AMAZON.StopIntent"))
        bad += [f"{where} > stop: {p}" for p in problems(stop_out)]
        if after_stop.session is not None or not any(p.search(speech_text(stop_out)) for p in leaves):
            bad.append(f"{where} > stop: not a goodbye that closes the session: {speech_text(stop_out)!r}")
    assert not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("locale", LIB.locales)
def test_two_turns_deep_in_every_locale(locale: str) -> None:
    """Wording overrides per locale change what is said: each locale's words must pass the same checks."""
    c = LIB.for_locale(locale)
    bad = []
    for t in explored(locale, 2)[1]:
        bad += [f"{t.where}: {p}" for p in reply_problems(c, t.reply)]
    assert not bad, "\n".join(bad[:20])


def test_the_walk_reaches_the_end_of_a_routine_and_a_saved_place() -> None:
    """The walk must really get into routines: a saved place, a finished single stretch, a pain stop."""
    profiles = [t.target.profile for t in explored("en-US", DEPTH)[1]]
    assert any((p.get("progress") or {}).get("routine") == "quick" for p in profiles)
    assert any(p.get("completed", {}).get("stretch:bridge") for p in profiles)
    assert any((p.get("progress") or {}).get("halted") for p in profiles)


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_every_question_takes_yes_no_and_silence(locale: str) -> None:
    """Issue 13: at every turn that asks something, "yes", "no" and saying nothing each lead somewhere sensible.

    One question per turn; yes and no never get "not sure what you're saying yes or no to"; "no" never asks the
    very same question again (pause never loops); the reprompt is not the question word for word; and silence
    after the reprompt (SessionEndedRequest, EXCEEDED_MAX_REPROMPTS) gets an empty answer and keeps the place.
    """
    from tests.alexa import reprompt_text, session_ended_request

    c = LIB.for_locale(locale)
    walker, transitions = explored(locale, DEPTH)
    asking: dict[str, Transition] = {}
    for t in transitions:
        if t.target.session is not None:
            asking.setdefault(key(t.target), t)
    assert len(asking) > 30
    confused = spoken_variants(c, "nothing_offered")
    bad: list[str] = []
    for t in asking.values():
        said = speech_text(t.reply)
        question = re.split(r"(?<=[.!?])\s+", said)[-1]
        if said.count("?") != 1:
            bad.append(f"{t.where}: {said.count('?')} questions in one turn: {said[-160:]!r}")
        if " ".join(reprompt_text(t.reply).split()) == " ".join(question.split()):
            bad.append(f"{t.where}: the reprompt repeats the question word for word: {question!r}")
        for answer in ("yes", "no"):
            out, after = walker.step(t.target, Action(answer, f"AMAZON.{answer.capitalize()}Intent"))
            heard = speech_text(out)
            bad += [f"{t.where} > {answer}: {p}" for p in reply_problems(c, out)]
            if confused.search(heard):
                bad.append(f"{t.where} > {answer}: {heard!r}")
            if answer == "no" and after.session is not None and re.split(r"(?<=[.!?])\s+", heard)[-1] == question:
                bad.append(f"{t.where} > no: the same question again: {question!r}")
        out, _, user = walker.send(t.target, session_ended_request(locale, "EXCEEDED_MAX_REPROMPTS"))
        if out.get("response", {}).get("outputSpeech"):
            bad.append(f"{t.where} > silence: the session end must get no speech")
        if (walker.stored(user).get("progress") or None) != (t.target.profile.get("progress") or None):
            bad.append(f"{t.where} > silence: the saved place changed")
    assert not bad, "\n".join(sorted({b.split(": ", 1)[1] for b in bad})[:40])
