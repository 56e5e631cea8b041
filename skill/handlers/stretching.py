"""Handlers for stretching: starting a routine or one stretch, navigating it, and the safety stop."""

from __future__ import annotations

from skill.core import coaching
from skill.core.habit_replies import default_routine
from skill.core.reply import Reply
from skill.core.routine import SINGLE_PREFIX, Command
from skill.core.speech import Speech
from skill.handlers.turn import SpineHandler, Turn

NAVIGATION = {
    "AMAZON.NextIntent": Command.NEXT,
    "AMAZON.PreviousIntent": Command.PREVIOUS,
    "AMAZON.RepeatIntent": Command.REPEAT,
    "AMAZON.StartOverIntent": Command.START_OVER,
    "AMAZON.PauseIntent": Command.PAUSE,
    "AMAZON.ResumeIntent": Command.RESUME,
    "SkipIntent": Command.SKIP,
    "HowManyLeftIntent": Command.STATUS,
}


class StartRoutineHandler(SpineHandler):
    """"Guide my stretches" starts the user's default routine (the quick one unless they chose); a named
    routine starts that one."""

    intents = ("StartRoutineIntent",)

    def answer(self, turn: Turn) -> Reply:
        spoken = turn.slot("Routine")
        routine = turn.content.find("routine", spoken) if spoken else default_routine(turn.content, turn.state)
        if routine is None:
            return coaching.unknown(turn.content, "routine")
        return coaching.start(turn.content, turn.state, routine)


class StretchHandler(SpineHandler):
    """"Guide me through the bridge": one stretch on its own."""

    intents = ("StretchIntent",)

    def answer(self, turn: Turn) -> Reply:
        stretch = turn.content.find("stretch", turn.slot("Stretch"))
        if stretch is None:
            return coaching.unknown(turn.content, "stretch")
        return coaching.start(turn.content, turn.state, SINGLE_PREFIX + stretch)


class NavigationHandler(SpineHandler):
    """Next, previous, repeat, start over, skip, pause, resume and "how many are left"."""

    intents = tuple(NAVIGATION)

    def answer(self, turn: Turn) -> Reply:
        command = NAVIGATION[turn.intent or ""]
        if command is Command.REPEAT and coaching.live(turn.content, turn.state) is None:
            return _repeat_last(turn)
        named = turn.content.find("stretch", turn.slot("Stretch")) if command is Command.SKIP else None
        return coaching.command(turn.content, turn.state, command, named)


def _repeat_last(turn: Turn) -> Reply:
    """Outside a routine, "repeat" says the last open turn again (cached by the response side)."""
    last = turn.state.session.get("last")
    c = turn.content
    if not isinstance(last, dict) or not isinstance(last.get("question"), str) or not last["question"]:
        return Reply.ask(Speech(c.phrase("no_more_detail")), c.phrase("what_next"), c.phrase("what_next_reprompt"))
    return Reply.ask(Speech(str(last.get("speech", ""))), last["question"],
                     str(last.get("reprompt") or last["question"]), offer=turn.state.offer)


class PainHandler(SpineHandler):
    """"It hurts", "I feel tingling", "my leg is numb": stop at once, at any moment."""

    intents = ("PainIntent",)

    def answer(self, turn: Turn) -> Reply:
        return coaching.pain(turn.content, turn.state)


class FeelingFineHandler(SpineHandler):
    """ "That feels good", "nothing hurts": never mistaken for a red flag, never a reason to stop."""

    intents = ("FeelingFineIntent",)

    def answer(self, turn: Turn) -> Reply:
        return coaching.feeling_fine(turn.content, turn.state)


class SidesPreferenceHandler(SpineHandler):
    """"Ask me after every side" / "don't stop between sides": stored per user."""

    intents = ("AskEverySideIntent", "FlowSidesIntent")

    def answer(self, turn: Turn) -> Reply:
        return coaching.set_sides(turn.content, turn.state, ask=turn.intent == "AskEverySideIntent")


class HoldLengthHandler(SpineHandler):
    """"Make the holds longer": longer, shorter or standard holds, stored per user."""

    intents = ("HoldLengthIntent",)

    def answer(self, turn: Turn) -> Reply:
        return coaching.set_hold(turn.content, turn.state, turn.content.find("length", turn.slot("Length")))


HANDLERS = (PainHandler(), FeelingFineHandler(), StartRoutineHandler(), StretchHandler(), NavigationHandler(),
            SidesPreferenceHandler(), HoldLengthHandler())
