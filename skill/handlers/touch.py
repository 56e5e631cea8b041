"""Touch: buttons on an APL screen do exactly what the spoken command does.

A button sends ``SendEvent`` with one argument (``["next"]``); the skill receives it as an
Alexa.Presentation.APL.UserEvent. Mapping it onto the same core command as the voice intent keeps one
behaviour for both, so the routine's place, the speech and the screen can never drift apart.
"""

from __future__ import annotations

from skill.core import answers, coaching
from skill.core.reply import Reply
from skill.core.routine import Command
from skill.handlers.turn import SpineHandler, Turn

USER_EVENT = "Alexa.Presentation.APL.UserEvent"
TOUCH_COMMANDS: dict[str, Command] = {
    "next": Command.NEXT,
    "previous": Command.PREVIOUS,
    "pause": Command.PAUSE,
    "resume": Command.RESUME,
    "repeat": Command.REPEAT,
}


def touched(arguments: object) -> Command | None:
    """The command a UserEvent asks for: its first argument, when it is one we know."""
    if not isinstance(arguments, list) or not arguments or not isinstance(arguments[0], str):
        return None
    return TOUCH_COMMANDS.get(arguments[0])


class TouchHandler(SpineHandler):
    """A touch on one of our buttons; anything else gets the fallback answer, never an error."""

    request_types = (USER_EVENT,)

    def answer(self, turn: Turn) -> Reply:
        command = touched(getattr(turn.handler_input.request_envelope.request, "arguments", None))
        if command is None:
            return answers.fallback(turn.content, turn.state)
        return coaching.command(turn.content, turn.state, command)


HANDLERS = (TouchHandler(),)
