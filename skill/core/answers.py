"""Answering: welcome, topic answers, "tell me more", yes/no to what was offered, help and goodbye."""

from __future__ import annotations

from typing import Any

from skill.core import coaching
from skill.core.coaching import answer_view
from skill.core.content import LocaleContent, Offer, Topic
from skill.core.reply import Card, Reply
from skill.core.routine import Command
from skill.core.speech import Speech
from skill.core.state import TOPIC, State

MORE_HEARD = "more_heard"  # the topic whose "tell me more" was already said: a second ask gets "that's all"


def welcome(c: LocaleContent, state: State) -> Reply:
    """The launch: a stored routine place comes first, then the first-visit note, then a plain hello."""
    profile = state.profile
    if profile.caution:  # a red flag last time: say once to see a specialist before stretching again
        profile.caution = False
        line = c.phrase("welcome_back_after_pain")
        return Reply.ask(Speech(line), c.phrase("welcome_question"), c.phrase("red_flag_reprompt"),
                         view=_welcome_screen(c, line, "hint_pain"))
    back = coaching.welcome_back(c, state)
    if back is not None:
        return Reply.ask(Speech(), back, back, offer={"kind": "resume"}, view=_welcome_screen(c, back, "hint_resume"))
    if not profile.disclaimer_heard:
        profile.disclaimer_heard = True
        return Reply.ask(Speech(c.phrase("welcome_first")), c.phrase("welcome_question"),
                         c.phrase("what_next_reprompt"),
                         card=Card(c.phrase("skill_name"), c.phrase("disclaimer_card")),
                         view=_welcome_screen(c, c.phrase("disclaimer_card"), "hint_welcome"))
    speech = Speech(c.phrase("welcome"))
    if profile.completed_total and state.profile_known:
        speech.say(c.phrase("welcome_stats", count=profile.completed_total))
    return Reply.ask(speech, c.phrase("welcome_question"), c.phrase("what_next_reprompt"),
                     view=_welcome_screen(c, speech.text(), "hint_welcome"))


def _welcome_screen(c: LocaleContent, text: str, hint: str) -> dict[str, Any]:
    """Every launch shows a screen on a screen device (a returning user's too), with a footer that fits it."""
    return {**answer_view(c, c.phrase("skill_name"), text), "hint": c.phrase(hint)}


def topic(c: LocaleContent, state: State, item: Topic) -> Reply:
    """A one-breath answer, its card, and the follow-up offer as the question."""
    state.session[TOPIC] = item.id
    state.session.pop(MORE_HEARD, None)
    return _answer(c, state, item, Speech(item.speech), item.offer, f"{item.card}\n\n{c.phrase('card_note')}",
                   item.card)


def tell_more(c: LocaleContent, state: State) -> Reply:
    """The continuation of the last topic; without one, the menu."""
    item = c.topics.get(state.last_topic or "")
    if item is None:
        return _menu(c, state, Speech(c.phrase("no_more_detail")))
    offer = item.more_offer or item.offer
    if not item.more or state.session.get(MORE_HEARD) == item.id:  # never the same text twice as "more"
        ask, reprompt, kept = _offer(c, state, item, offer)
        if kept.get("kind") == "more":
            kept = {"kind": "menu"}
        return Reply.ask(Speech(c.phrase("no_more_detail")), ask, reprompt, offer=kept)
    state.session[TOPIC] = item.id
    state.session[MORE_HEARD] = item.id
    return _answer(c, state, item, Speech(item.more), offer,
                   f"{item.card}\n\n{item.more}\n\n{c.phrase('card_note')}", f"{item.card}\n\n{item.more}")


def _menu(c: LocaleContent, state: State, speech: Speech) -> Reply:
    """ "What else would you like to know?", with a reprompt that suggests nothing physical after a red flag."""
    return Reply.ask(speech, c.phrase("what_next"),
                     c.phrase("red_flag_reprompt" if state.red_flag else "what_next_reprompt"))


def _answer(c: LocaleContent, state: State, item: Topic, speech: Speech, offer: Offer, card: str,
            screen: str) -> Reply:
    ask, reprompt, kept = _offer(c, state, item, offer)
    return Reply.ask(speech, ask, reprompt, card=Card(item.title, card), offer=kept,
                     view=answer_view(c, item.title, screen))


def _offer(c: LocaleContent, state: State, item: Topic, offer: Offer) -> tuple[str, str, dict[str, Any]]:
    """The follow-up question, its reprompt, and what a "yes" leads to. After a red flag in this session
    every offer gives way to a plain "anything else?": nothing may lead to exercise."""
    if state.red_flag:
        return c.phrase("pain_outside_question"), c.phrase("red_flag_reprompt"), {"kind": "menu"}
    if offer.topic:
        kept = {"kind": "topic", "id": offer.topic}
    elif offer.routine:
        kept = {"kind": "routine", "id": offer.routine}
    elif offer.more:
        kept = {"kind": "more", "id": item.id}
    else:
        kept = {"kind": "menu"}
    return offer.ask, f"{c.phrase('offer_reprompt')} {offer.ask}", kept


def yes(c: LocaleContent, state: State) -> Reply:
    """Yes answers whatever was last offered."""
    offer = state.offer or {}
    match offer.get("kind"):
        case "topic" if isinstance(offer.get("id"), str) and offer["id"] in c.topics:
            return topic(c, state, c.topics[offer["id"]])
        case "more" if isinstance(offer.get("id"), str) and offer["id"] in c.topics:
            state.session[TOPIC] = offer["id"]
            return tell_more(c, state)
        case "routine":
            return coaching.start(c, state, str(offer.get("id")))
        case "resume" | "paused":
            return coaching.command(c, state, Command.RESUME)
        case "next":
            return coaching.command(c, state, Command.NEXT)
        case "menu":
            return _menu(c, state, Speech())
    # An open question ("What would you like to do?"): yes means "go on, what can I do?"
    return _menu(c, state, Speech(c.phrase("yes_open")))


def no(c: LocaleContent, state: State) -> Reply:
    """No declines the offer: menus and open questions end politely, a declined resume keeps the place and
    offers a fresh start, "ready?" pauses, and no to carrying on after a pause stops with the place saved."""
    offer = state.offer or {}
    match offer.get("kind"):
        case "menu":
            return goodbye(c)
        case "resume":
            progress = state.progress
            routine = coaching.routine_of(c, progress.routine) if progress else None
            if progress is None or routine is None:
                return _menu(c, state, Speech(c.phrase("declined")))
            question = c.phrase("resume_declined_question")
            return Reply.ask(Speech(c.phrase("resume_declined", routine=routine.name)), question,
                             f"{c.phrase('offer_reprompt')} {question}", offer={"kind": "routine", "id": routine.id})
        case "next":
            if coaching.live(c, state) is None:
                return goodbye(c)
            return coaching.command(c, state, Command.PAUSE)
        case "paused":
            if coaching.live(c, state) is None:
                return goodbye(c)
            return coaching.command(c, state, Command.STOP)
    if offer:
        return _menu(c, state, Speech(c.phrase("declined")))
    return goodbye(c)


def help_(c: LocaleContent, state: State) -> Reply:
    if state.red_flag:
        return Reply.ask(Speech(c.phrase("help_red_flag")), c.phrase("pain_outside_question"),
                         c.phrase("red_flag_reprompt"), offer={"kind": "menu"})
    return coaching.routine_help(c, state) or Reply.ask(
        Speech(c.phrase("help")), c.phrase("help_question"), c.phrase("what_next_reprompt"),
        card=Card(c.phrase("skill_name"), f"{c.phrase('help')}\n\n{c.phrase('disclaimer_card')}"))


def fallback(c: LocaleContent, state: State) -> Reply:
    reply = coaching.routine_help(c, state)
    if reply is not None:
        reply.speech = Speech(c.phrase("routine_fallback"))
        return reply
    if state.red_flag:
        return Reply.ask(Speech(c.phrase("fallback_red_flag")), c.phrase("pain_outside_question"),
                         c.phrase("red_flag_reprompt"), offer={"kind": "menu"})
    return Reply.ask(Speech(c.phrase("fallback")), c.phrase("fallback_question"), c.phrase("what_next_reprompt"))


def goodbye(c: LocaleContent) -> Reply:
    return Reply.tell(Speech(c.phrase("goodbye")))


def stop(c: LocaleContent, state: State) -> Reply:
    """Stop or cancel: mid-routine it saves the place and says how to come back; otherwise goodbye."""
    if coaching.live(c, state) is not None:
        return coaching.command(c, state, Command.STOP)
    return goodbye(c)


def error(c: LocaleContent) -> Reply:
    """The one apology, in the user's language, for anything that went wrong on our side."""
    return Reply.ask(Speech(c.phrase("error")), c.phrase("error_question"), c.phrase("what_next_reprompt"))
