"""Answering: welcome, topic answers, "tell me more", yes/no to what was offered, help and goodbye."""

from __future__ import annotations

from typing import Any

from skill.core import coaching
from skill.core.coaching import answer_view
from skill.core.content import LocaleContent, Topic
from skill.core.reply import Card, Reply
from skill.core.routine import Command
from skill.core.speech import Speech
from skill.core.state import TOPIC, State

MORE_HEARD = "more_heard"  # the topic whose "tell me more" was already said: a second ask gets "that's all"


def welcome(c: LocaleContent, state: State) -> Reply:
    """The launch: a stored routine place comes first, then the first-visit note, then a plain hello."""
    profile = state.profile
    if profile.progress is not None:
        back = coaching.welcome_back(c, state)
        if back is not None:
            line, offer_resume = back
            if offer_resume:  # the line ends in "Want to pick up where you left off?"
                return Reply.ask(Speech(), line, line, offer={"kind": "resume"})
            return Reply.ask(Speech(line), c.phrase("welcome_question"), c.phrase("what_next_reprompt"))
    if not profile.disclaimer_heard:
        profile.disclaimer_heard = True
        return Reply.ask(Speech(c.phrase("welcome_first")), c.phrase("welcome_question"),
                         c.phrase("what_next_reprompt"),
                         card=Card(c.phrase("skill_name"), c.phrase("disclaimer_card")),
                         view=answer_view(c, c.phrase("skill_name"), c.phrase("disclaimer_card")))
    speech = Speech(c.phrase("welcome"))
    if profile.completed_total:
        speech.say(c.phrase("welcome_stats", count=profile.completed_total))
    return Reply.ask(speech, c.phrase("welcome_question"), c.phrase("what_next_reprompt"))


def topic(c: LocaleContent, state: State, item: Topic) -> Reply:
    """A one-breath answer, its card, and the follow-up offer as the question."""
    state.session[TOPIC] = item.id
    state.session.pop(MORE_HEARD, None)
    return Reply.ask(Speech(item.speech), item.offer.ask, f"{c.phrase('offer_reprompt')} {item.offer.ask}",
                     card=Card(item.title, f"{item.card}\n\n{c.phrase('card_note')}"), offer=_offer_of(item),
                     view=answer_view(c, item.title, item.card))


def tell_more(c: LocaleContent, state: State) -> Reply:
    """The continuation of the last topic; without one, the menu."""
    item = c.topics.get(state.last_topic or "")
    if item is None:
        return Reply.ask(Speech(c.phrase("no_more_detail")), c.phrase("what_next"), c.phrase("what_next_reprompt"))
    if not item.more or state.session.get(MORE_HEARD) == item.id:
        return Reply.ask(Speech(c.phrase("no_more_detail")), item.offer.ask,
                         f"{c.phrase('offer_reprompt')} {item.offer.ask}", offer=_offer_of(item))
    state.session[TOPIC] = item.id
    state.session[MORE_HEARD] = item.id
    return Reply.ask(Speech(item.more), item.offer.ask, f"{c.phrase('offer_reprompt')} {item.offer.ask}",
                     card=Card(item.title, f"{item.card}\n\n{item.more}\n\n{c.phrase('card_note')}"),
                     offer=_offer_of(item), view=answer_view(c, item.title, f"{item.card}\n\n{item.more}"))


def _offer_of(item: Topic) -> dict[str, Any]:
    if item.offer.topic:
        return {"kind": "topic", "id": item.offer.topic}
    return {"kind": "routine", "id": item.offer.routine}


def yes(c: LocaleContent, state: State) -> Reply:
    """Yes answers whatever was last offered."""
    offer = state.offer or {}
    match offer.get("kind"):
        case "topic" if isinstance(offer.get("id"), str) and offer["id"] in c.topics:
            return topic(c, state, c.topics[offer["id"]])
        case "routine":
            return coaching.start(c, state, str(offer.get("id")))
        case "resume" | "paused":
            return coaching.command(c, state, Command.RESUME)
        case "next":
            return coaching.command(c, state, Command.NEXT)
        case "menu":
            return Reply.ask(Speech(), c.phrase("what_next"), c.phrase("what_next_reprompt"))
    # An open question ("What would you like to do?"): yes means "go on, what can I do?"
    return Reply.ask(Speech(c.phrase("yes_open")), c.phrase("what_next"), c.phrase("what_next_reprompt"))


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
                return Reply.ask(Speech(c.phrase("declined")), c.phrase("what_next"), c.phrase("what_next_reprompt"))
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
        return Reply.ask(Speech(c.phrase("declined")), c.phrase("what_next"), c.phrase("what_next_reprompt"))
    return goodbye(c)


def help_(c: LocaleContent, state: State) -> Reply:
    return coaching.routine_help(c, state) or Reply.ask(
        Speech(c.phrase("help")), c.phrase("help_question"), c.phrase("what_next_reprompt"),
        card=Card(c.phrase("skill_name"), f"{c.phrase('help')}\n\n{c.phrase('disclaimer_card')}"))


def fallback(c: LocaleContent, state: State) -> Reply:
    reply = coaching.routine_help(c, state)
    if reply is not None:
        reply.speech = Speech(c.phrase("routine_fallback"))
        return reply
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
