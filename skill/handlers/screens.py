"""Screens: APL documents for devices that report Alexa.Presentation.APL, filled from the core's ``view`` dicts.

The documents are JSON files beside the content (``skill/content/apl``) so they can be edited and previewed in
Amazon's APL authoring tool as they are. They hold layout only: every word they show is bound to the datasource,
and the datasource is built here from the ``view`` and the locale's phrases, so a screen speaks the user's
language exactly like the voice does.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

from skill.core.coaching import capitalised
from skill.core.content import LocaleContent
from skill.core.speech import ssml_to_text
from skill.core.state import ROUTINE
from skill.handlers.request_data import CONTENT, STATE, apl_interface, has_screen, session_of
from skill.logs import logger

APL_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "content", "apl")
TOKEN = "spine-coach"  # names our documents in UserEvents and in the device's visual context
DATASOURCE = "spine"  # the documents bind ${payload.spine.<field>}
KINDS = ("answer", "step")  # view["kind"] -> <kind>.json
# The touch buttons of a step screen, left to right; "pause" reads "resume" while the routine is paused.
BUTTON_EVENTS = ("previous", "pause", "next")
BUTTON_PHRASE = "button_{event}"  # the label of a button is this content phrase
# Alexa speaks about 150 words a minute; used to start the on-screen countdown when the spoken hold starts, for
# a view without the core's timeline of its holds (which, when present, times every hold instead).
WORDS_PER_SECOND = 2.5
# The whole response must stay under 24 KB; speech (up to 8,000 characters), its copy in the session
# attributes, and the card need the rest.
MAX_DIRECTIVE_BYTES = 12_000


# ------------------------------------------------------------------------------------------- documents


@cache
def document(kind: str) -> dict[str, Any]:
    """The APL document for a view kind, read once per process. Shared: callers must not change it."""
    with open(os.path.join(APL_DIR, f"{kind}.json"), encoding="utf-8") as document:
        return json.load(document)


@cache
def _document_bytes(kind: str) -> int:
    return len(json.dumps(document(kind), separators=(",", ":")).encode("utf-8"))


def _version(text: Any) -> tuple[int, ...] | None:
    """"2023.3" -> (2023, 3); None for anything that is not a dotted number."""
    try:
        return tuple(int(part) for part in str(text).split("."))
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------- the device


def can_render(handler_input: HandlerInput, version: str) -> bool:
    """An older APL runtime than the document's version cannot be trusted to draw it: voice only then.

    A device that lists APL without a readable runtime version is given the benefit of the doubt.
    """
    interface = apl_interface(handler_input)
    if interface is None:
        return False
    device = _version(getattr(getattr(interface, "runtime", None), "max_version", None))
    needed = _version(version)
    return device is None or needed is None or device >= needed


# ------------------------------------------------------------------------------------------- datasources


def _phrase(c: LocaleContent, key: str, **values: Any) -> str:
    """The first variant, always: a label must not change between two renderings of the same screen."""
    text = c.variants(key)[0]
    return text.format(**values) if values else text


def _label(text: str) -> str:
    """A spoken sentence as an on-screen label: capitalised, without the final full stop."""
    return capitalised(text.strip().removesuffix("."))


def _paused(handler_input: HandlerInput) -> bool:
    place = session_of(handler_input).get(ROUTINE)
    return isinstance(place, dict) and bool(place.get("paused"))


def _red_flag(handler_input: HandlerInput) -> bool:
    state = handler_input.attributes_manager.request_attributes.get(STATE)
    return bool(getattr(state, "red_flag", False))


def _hold_start_ms(handler_input: HandlerInput) -> int | None:
    """When the spoken hold begins, estimated from the words Alexa says before its first pause (a view's own
    timeline, when it has one, gives a better figure: see ``step_data``).

    The screen appears as Alexa starts speaking, but the hold starts only after the instructions; starting the
    countdown at once would have it finish long before the voice does. ``respond`` sets the speech before it
    asks for directives. None when this turn speaks no timed hold (paused, status): the count then stands still.
    """
    speech = handler_input.response_builder.response.output_speech
    ssml = getattr(speech, "ssml", None)
    if not isinstance(ssml, str) or "<break" not in ssml:
        return None
    words = len(ssml_to_text(ssml.split("<break", 1)[0]).split())
    return round(words / WORDS_PER_SECOND * 1000)


def buttons(c: LocaleContent, view: dict[str, Any], *, paused: bool) -> list[dict[str, str]]:
    """Touch buttons: the view's own when it names them, else one per labelled event.

    A button whose label phrase the content lacks is left out rather than shown with a made-up word.
    """
    given = view.get("buttons")
    if isinstance(given, list):
        return [{"label": str(b["label"]), "event": str(b["event"])}
                for b in given if isinstance(b, dict) and b.get("label") and b.get("event")]
    events = ["resume" if event == "pause" and paused else event for event in BUTTON_EVENTS]
    return [{"label": _phrase(c, BUTTON_PHRASE.format(event=event)), "event": event}
            for event in events if BUTTON_PHRASE.format(event=event) in c.phrases]


def answer_data(view: dict[str, Any]) -> dict[str, Any]:
    return {"title": str(view.get("title", "")), "text": str(view.get("text", "")),
            "hint": str(view.get("hint", ""))}


def _side_text(c: LocaleContent, view: dict[str, Any]) -> str:
    """Which side(s) this screen is about, in the view's own side words.

    A response that covers a whole stretch lists its sides (``sides``, possibly empty); a response for one side
    names only ``side``. Two sides read "Left side first, then right"; none (the bridge) shows nothing.
    """
    sides = view.get("sides")
    if isinstance(sides, list | tuple):
        words = [str(side) for side in sides if side]
        if len(words) >= 2:
            return _label(_phrase(c, "screen_both_sides", first=words[0], second=words[-1]))
        return _label(_phrase(c, "screen_side", side=words[0])) if words else ""
    side = str(view.get("side") or "")
    return _label(_phrase(c, "screen_side", side=side)) if side else ""


def _holds(c: LocaleContent, view: dict[str, Any], side_text: str, rep_text: str,
           start_ms: int) -> list[dict[str, Any]]:
    """The response's holds as step.json follows them, in order, never empty.

    Each: ``start_ms`` (from the start of the speech), ``seconds``, its own side and repetition labels, and
    ``show_ms``, when the screen turns to it: the first at once, each other one as the hold before it ends, so
    the side and a full bar are up while the voice says "now the other side". A view without a timeline (an
    older one, a paused step) gets one hold with the screen's own labels, starting at ``start_ms``.
    """
    out: list[dict[str, Any]] = []
    for hold in view.get("holds") or ():
        side, rep, reps = str(hold.get("side") or ""), int(hold.get("rep", 1)), int(hold.get("reps", 1))
        start_ms, seconds = round(float(hold["start"]) * 1000), int(hold["seconds"])
        out.append({
            "start_ms": start_ms, "seconds": seconds,
            "show_ms": out[-1]["start_ms"] + out[-1]["seconds"] * 1000 if out else 0,
            "side_text": _label(_phrase(c, "screen_side", side=side)) if side else "",
            "rep_text": _label(_phrase(c, "rep_cue", rep=rep, reps=reps)) if reps > 1 else "",
        })
    if not out:
        out.append({"start_ms": start_ms, "seconds": int(view.get("hold_seconds", 0)), "show_ms": 0,
                    "side_text": side_text, "rep_text": rep_text})
    return out


def step_data(c: LocaleContent, view: dict[str, Any], *, paused: bool = False,
              hold_start_ms: int | None = None) -> dict[str, Any]:
    """Everything step.json binds. Numbers stay numbers: the document computes the bar and the countdown.

    The screen counts the way the voice does: "Stretch 2 of 3" and the side, never a step number. With the
    view's timeline (``holds``), it follows every hold of the response: its side, its repetition, its count.
    """
    number, count = int(view.get("stretch_number", 1)), max(1, int(view.get("stretch_count", 1)))
    rep, reps = int(view.get("rep", 1)), int(view.get("reps", 1))
    hold = int(view.get("hold_seconds", 0))
    stretch = str(view.get("stretch", ""))
    rep_text = _label(_phrase(c, "rep_cue", rep=rep, reps=reps)) if reps > 1 else ""
    holds = _holds(c, view, _side_text(c, view), rep_text, hold_start_ms or 0)
    if view.get("holds") and hold_start_ms is not None:  # the core's timeline, one clock for every hold
        hold_start_ms = holds[0]["start_ms"]
    return {
        "title": str(view.get("title", "")),
        "stretch_name": _label(str(view.get("stretch_name", ""))),
        "graphic": stretch if stretch in document("step").get("graphics", {}) else "",
        "stretch_number": number,
        "stretch_count": count,
        "position_text": _label(_phrase(c, "screen_position", number=number, total=count)),
        "side_text": _side_text(c, view),
        "rep_text": rep_text,
        "hold_seconds": hold,
        "hold_text": _label(_phrase(c, "hold_start", seconds=hold)),
        "hold_start_ms": hold_start_ms or 0,
        "counting": hold_start_ms is not None and hold > 0 and not paused,
        "holds": holds,
        # Paused, the screen offers what the voice offers: resume.
        "hint": _phrase(c, "hint_paused") if paused else str(view.get("hint", "")),
        "buttons": buttons(c, view, paused=paused),
    }


# ------------------------------------------------------------------------------------------- directives


def directives(handler_input: HandlerInput, view: dict[str, Any]) -> list[Any]:
    """One RenderDocument for a screen device that can draw it; nothing otherwise (voice and card suffice)."""
    if not has_screen(handler_input):
        return []
    kind = view.get("kind")
    if kind not in KINDS:
        logger().warning("no screen for view kind %r", kind)
        return []
    doc = document(str(kind))
    if not can_render(handler_input, str(doc.get("version", ""))):
        return []
    content: LocaleContent = handler_input.attributes_manager.request_attributes[CONTENT]
    if kind == "answer":
        data = answer_data(view)
        if _red_flag(handler_input):  # after pain or tingling nothing on screen may lead back to exercise
            data["hint"] = _phrase(content, "hint_pain")
    else:
        data = step_data(content, view, paused=_paused(handler_input), hold_start_ms=_hold_start_ms(handler_input))
    size = _document_bytes(str(kind)) + len(json.dumps(data, separators=(",", ":")).encode("utf-8"))
    if size > MAX_DIRECTIVE_BYTES:
        logger().warning("screen left out: the %s document and its data take %d bytes (limit %d)", kind, size,
                    MAX_DIRECTIVE_BYTES)
        return []
    return [RenderDocumentDirective(token=TOKEN, document=doc, datasources={DATASOURCE: data})]
