"""Screens and touch: what an Echo Show user sees and taps, through the same door Alexa uses.

Envelopes are written here as a device sends them (supportedInterfaces, Viewport), and go through
skill.entry.handle_event with a skill built by build_skill(store="memory://"). The touch handler is added to
that skill when the assembly does not register it yet, so these tests hold before and after that merge.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective
from ask_sdk_runtime.dispatch_components.request_components import GenericRequestHandlerChain

from skill.assembly import build_skill
from skill.core import coaching
from skill.core.content import LocaleContent, library
from skill.core.profile import Profile
from skill.core.routine import SINGLE_PREFIX, Command
from skill.core.state import State
from skill.entry import handle_event
from skill.handlers import screens, touch
from skill.handlers.turn import CONTENT, STATE

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-00000000a9c1"
MAX_RESPONSE_BYTES = 24 * 1024
RENDER = "Alexa.Presentation.APL.RenderDocument"
HUB = {
    "experiences": [{"arcMinuteWidth": 246, "arcMinuteHeight": 144, "canRotate": False, "canResize": False}],
    "mode": "HUB", "shape": "RECTANGLE", "pixelWidth": 1280, "pixelHeight": 800, "dpi": 213,
    "currentPixelWidth": 1280, "currentPixelHeight": 800, "touch": ["SINGLE"], "keyboard": [],
}
ROUND = {**HUB, "shape": "ROUND", "pixelWidth": 480, "pixelHeight": 480, "dpi": 160,
         "currentPixelWidth": 480, "currentPixelHeight": 480}
BINDING = re.compile(r"payload\.spine\.([A-Za-z_]\w*)")
EXPRESSION = re.compile(r"\$\{([^}]*)\}")
# "hold": step.json's bound variable, the hold on screen; "index": the place of a data-driven child (its hold).
NAMES_DOCUMENTS_MAY_USE = {"payload", "data", "viewport", "elapsedTime", "Math", "state", "hold", "index"}
BUTTON_LABELS = {"button_previous": "Previous", "button_pause": "Pause", "button_resume": "Resume",
                 "button_next": "Next"}


# ------------------------------------------------------------------------------------------- envelopes


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _request(request_type: str, **fields: Any) -> dict[str, Any]:
    return {"type": request_type, "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": _now(),
            "locale": "en-US", **fields}


def launch() -> dict[str, Any]:
    return _request("LaunchRequest", shouldLinkResultBeReturned=False)


def intent(name: str, **slots: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if slots:
        body["slots"] = {k: {"name": k, "value": v, "confirmationStatus": "NONE"} for k, v in slots.items()}
    return _request("IntentRequest", dialogState="COMPLETED", intent=body)


def user_event(arguments: list[Any]) -> dict[str, Any]:
    return _request("Alexa.Presentation.APL.UserEvent", token=screens.TOKEN, arguments=arguments,
                    source={"type": "TouchWrapper", "handler": "Press", "id": ""}, components={})


def envelope(request: dict[str, Any], *, attributes: dict[str, Any] | None = None, screen: bool = True,
             viewport: dict[str, Any] = HUB, max_version: str = "2023.3", user: str = "amzn1.ask.account.SCREEN",
             ) -> dict[str, Any]:
    """A request as an Echo Show (screen=True) or an Echo Dot (screen=False) sends it."""
    interfaces: dict[str, Any] = {}
    if screen:
        interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": max_version}}
    context: dict[str, Any] = {"System": {
        "application": {"applicationId": SKILL_ID},
        "user": {"userId": user},
        "device": {"deviceId": "amzn1.ask.device.SCREEN", "supportedInterfaces": interfaces},
        "apiEndpoint": "https://api.amazonalexa.com",
        "apiAccessToken": "token",
    }}
    if screen:
        context["Viewport"] = copy.deepcopy(viewport)
    return {
        "version": "1.0",
        "session": {"new": attributes is None, "sessionId": "amzn1.echo-api.session.SCREEN",
                    "application": {"applicationId": SKILL_ID}, "attributes": attributes or {},
                    "user": {"userId": user}},
        "context": context,
        "request": request,
    }


def skill_with_touch() -> CustomSkill:
    """The assembled skill; the touch handler is added here until the assembly registers it itself."""
    skill = build_skill(store="memory://", skill_id=SKILL_ID)
    mapper = skill.request_dispatcher.request_mappers[0]
    if not any(isinstance(chain.request_handler, touch.TouchHandler) for chain in mapper.request_handler_chains):
        mapper.add_request_handler_chain(GenericRequestHandlerChain(touch.TouchHandler()))
    return skill


class Device:
    """One user on one device: sends requests and carries the session attributes between turns."""

    def __init__(self, skill: CustomSkill, **device: Any) -> None:
        self.skill = skill
        self.device = device
        self.attributes: dict[str, Any] | None = None

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        response = handle_event(envelope(request, attributes=self.attributes, **self.device), None, self.skill)
        self.attributes = copy.deepcopy(response.get("sessionAttributes") or {})
        return response


def render_directives(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in response["response"].get("directives") or [] if d.get("type") == RENDER]


def the_screen(response: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, datasource) of the one RenderDocument the response must carry."""
    found = render_directives(response)
    assert len(found) == 1, response["response"]
    directive = found[0]
    assert directive["token"] == screens.TOKEN
    return directive["document"], directive["datasources"][screens.DATASOURCE]


def speech(response: dict[str, Any]) -> str:
    return (response["response"].get("outputSpeech") or {}).get("ssml", "")


def size(response: dict[str, Any]) -> int:
    return len(json.dumps(response).encode("utf-8"))


def strings(node: Any) -> list[str]:
    """Every string value in a JSON document (where APL evaluates ${...})."""
    if isinstance(node, str):
        return [node]
    values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    return [text for value in values for text in strings(value)]


def bound_fields(document: dict[str, Any]) -> set[str]:
    return set(BINDING.findall(json.dumps(document)))


def assert_every_binding_filled(document: dict[str, Any], data: dict[str, Any]) -> None:
    missing = sorted(name for name in bound_fields(document) if data.get(name) is None)
    assert not missing, f"the document binds {missing} but the datasource lacks them"
    for button in data.get("buttons", []):
        assert button["label"].strip() and button["event"] in touch.TOUCH_COMMANDS


@pytest.fixture
def skill() -> CustomSkill:
    return skill_with_touch()


@pytest.fixture
def content() -> LocaleContent:
    return library().for_locale("en-US")


def in_routine(skill: CustomSkill, routine: str = "quick") -> Device:
    device = Device(skill)
    device.send(launch())
    device.send(intent("StartRoutineIntent", Routine=routine))
    return device


# ------------------------------------------------------------------------------------------- documents


@pytest.mark.parametrize("kind", screens.KINDS)
def test_documents_are_apl_with_a_main_template(kind: str) -> None:
    raw = json.loads((Path(screens.APL_DIR) / f"{kind}.json").read_text(encoding="utf-8"))
    assert raw["type"] == "APL"
    # APL 1.4: what Amazon's renderer apl-viewhost-web 1.4.0 draws in tests/test_screens_apl.py, and nothing newer
    # is used, so every device with APL 1.4 or later gets the screen.
    assert raw["version"] == "1.4"
    template = raw["mainTemplate"]
    assert template["parameters"] == ["payload"]
    assert template["items"] and all(item.get("type") for item in template["items"])
    # APL's data-binding context spells the shape in lower case (the request envelope's Viewport.shape is
    # upper case): 'ROUND' would never match, and an Echo Spot would get the landscape layout cut by its circle.
    assert template["items"][0]["when"] == "${viewport.shape == 'round'}"  # small round screens get their own
    assert "when" not in template["items"][-1]  # and every other screen the last layout


@pytest.mark.parametrize("kind", screens.KINDS)
def test_documents_hold_no_words_of_their_own(kind: str) -> None:
    """All shown text is bound to the datasource, which is filled from the content in the user's language."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("Text",) or "accessibilityLabel" in node:
                texts.extend(str(node[k]) for k in ("text", "accessibilityLabel") if k in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(screens.document(kind))
    assert texts
    for text in texts:
        assert text.startswith("${") and text.endswith("}"), f"literal text in {kind}.json: {text!r}"


@pytest.mark.parametrize("kind", screens.KINDS)
def test_document_expressions_use_only_known_names(kind: str) -> None:
    for expression in (e for text in strings(screens.document(kind)) for e in EXPRESSION.findall(text)):
        code = re.sub(r"'[^']*'", "''", expression)  # string literals are not names
        names = set(re.findall(r"(?<![\w.])([A-Za-z_]\w*)", code))
        assert names <= NAMES_DOCUMENTS_MAY_USE, f"{kind}.json: ${{{expression}}} uses {names}"


def test_every_stretch_has_a_drawing(content: LocaleContent) -> None:
    graphics = screens.document("step")["graphics"]
    assert set(content.stretches) <= set(graphics)
    for name, graphic in graphics.items():
        assert graphic["type"] == "AVG" and graphic["version"] and graphic["width"] and graphic["height"], name
        assert graphic["items"] and all(item["type"] == "path" and item["pathData"] for item in graphic["items"])


def test_step_buttons_send_their_event() -> None:
    text = json.dumps(screens.document("step"))
    assert '"type": "TouchWrapper"' in text
    assert '{"type": "SendEvent", "arguments": ["${data.event}"]}' in text
    assert '"data": "${payload.spine.buttons}"' in text


# ------------------------------------------------------------------------------------------- devices


def test_no_screen_directive_for_a_device_without_apl(skill: CustomSkill) -> None:
    dot = Device(skill, screen=False)
    welcome = dot.send(launch())
    step = dot.send(intent("StartRoutineIntent", Routine="quick"))
    for response in (welcome, step):
        assert speech(response)
        assert not response["response"].get("directives")


def test_an_old_apl_runtime_gets_voice_only(skill: CustomSkill) -> None:
    old = Device(skill, max_version="1.3")
    old.send(launch())
    response = old.send(intent("StartRoutineIntent", Routine="quick"))
    assert speech(response) and not render_directives(response)
    apl_1_4 = Device(skill, max_version="1.4", user="amzn1.ask.account.APL14")
    apl_1_4.send(launch())
    assert the_screen(apl_1_4.send(intent("StartRoutineIntent", Routine="quick")))[0] == screens.document("step")


def test_the_first_welcome_shows_the_disclaimer(skill: CustomSkill, content: LocaleContent) -> None:
    response = Device(skill).send(launch())
    document, data = the_screen(response)
    assert document == screens.document("answer")
    assert data == {"title": content.phrase("skill_name"), "text": content.phrase("disclaimer_card"),
                    "hint": content.phrase("hint_welcome")}
    assert_every_binding_filled(document, data)
    assert speech(response) and size(response) < MAX_RESPONSE_BYTES


def test_a_topic_answer_shows_its_card_text(skill: CustomSkill, content: LocaleContent) -> None:
    device = Device(skill)
    device.send(launch())
    topic = next(iter(content.topics.values()))
    response = device.send(intent(topic.intent))
    document, data = the_screen(response)
    assert (data["title"], data["text"]) == (topic.title, topic.card)
    assert_every_binding_filled(document, data)


@pytest.mark.parametrize("routine", ["quick", "full"])
def test_every_step_screen_is_complete_and_small_enough(skill: CustomSkill, content: LocaleContent,
                                                       routine: str) -> None:
    """Walk a whole routine on a screen device: every step shows a full screen in a response under 24 KB, and
    counts the way the voice does ("Stretch 2 of 3" and the side), never by step."""
    device = in_routine(skill, routine)
    plan = coaching.plan_of(content, routine)
    assert plan is not None
    response = device.send(intent("AMAZON.RepeatIntent"))
    numbers: list[int] = []
    while True:
        document, data = the_screen(response)
        assert_every_binding_filled(document, data)
        number = data["stretch_number"]
        numbers.append(number)
        step = next(s for s in plan.steps if s.stretch_number == number)
        assert data["stretch_count"] == plan.stretch_count
        assert data["position_text"] == f"Stretch {number} of {plan.stretch_count}"
        assert data["graphic"] == step.stretch
        assert data["stretch_name"].lower() == content.stretches[step.stretch].name.lower()
        assert data["hold_seconds"] > 0 and data["counting"] is True
        assert bool(data["side_text"]) == bool(content.stretches[step.stretch].sides)
        assert not any(re.search(r"\bstep\b", text, re.I) for text in strings(data)), data
        assert speech(response) and size(response) < MAX_RESPONSE_BYTES, size(response)
        if device.attributes is None or "routine" not in device.attributes:
            break
        response = device.send(intent("AMAZON.NextIntent"))
    assert sorted(set(numbers)) == list(range(1, plan.stretch_count + 1))


def test_the_side_shown_is_the_side_spoken(skill: CustomSkill) -> None:
    """Spanish second side: the voice says "Ahora, el otro lado: la derecha"; the screen must not say "we start
    with the right" ("Empezamos por la derecha"): it names the side, as a label."""
    device = Device(skill)
    device.send(launch())
    shown: list[str] = []
    response = device.send(intent("StretchIntent", Stretch="knee_to_chest"))
    es = library().for_locale("es-ES")
    for _ in range(6):
        if not render_directives(response) or "side_text" not in the_screen(response)[1]:
            break
        shown.append(the_screen(response)[1]["side_text"])
        response = device.send(intent("AMAZON.NextIntent"))
    joined = " | ".join(shown)  # one response a side, or one for the whole stretch ("Left side first, then right")
    assert "Left side" in joined and ("Right side" in joined or "then right" in joined), shown
    view = {"kind": "step", "title": "R", "stretch": "knee_to_chest", "stretch_name": "x", "stretch_number": 1,
            "stretch_count": 1, "side": es.side_word("right"), "rep": 1, "reps": 1, "hold_seconds": 20, "hint": "h"}
    side_text = screens.step_data(es, view)["side_text"]
    assert side_text == "Lado: derecha" and "Empezamos" not in side_text


@pytest.mark.parametrize(("sides", "expected"), [
    (["left", "right"], "Left side first, then right"), (["left"], "Left side"), ([], ""), (None, "Right side"),
])
def test_a_view_for_a_whole_stretch_shows_its_sides(content: LocaleContent, sides: list[str] | None,
                                                    expected: str) -> None:
    """One response may cover a whole stretch (both sides): the view then lists ``sides``; without the key the
    screen falls back to ``side``, and with an empty list (the bridge) it shows no side at all."""
    view: dict[str, Any] = {"kind": "step", "title": "R", "stretch": "knee_to_chest", "stretch_name": "knee",
                            "stretch_number": 1, "stretch_count": 3, "side": "right", "rep": 1, "reps": 1,
                            "hold_seconds": 20, "hint": "h"}
    if sides is not None:
        view["sides"] = sides
    data = screens.step_data(content, view)
    assert data["side_text"] == expected
    assert (data["position_text"], data["stretch_number"], data["stretch_count"]) == ("Stretch 1 of 3", 1, 3)


def test_the_screen_gets_every_hold_of_the_response_in_its_language() -> None:
    """A view with the core's timeline: each hold's start and length in milliseconds, its own side and
    repetition labels in the user's language, and when the screen turns to it (as the hold before it ends), so
    the side and a full bar are up while the voice says "now the other side"."""
    view: dict[str, Any] = {
        "kind": "step", "title": "R", "stretch": "hip_rotation", "stretch_name": "x", "stretch_number": 2,
        "stretch_count": 3, "sides": ["left", "right"], "rep": 1, "reps": 2, "hold_seconds": 30, "hint": "h",
        "holds": [{"start": 20.4, "seconds": 30, "side": "left", "rep": 1, "reps": 2},
                  {"start": 57.25, "seconds": 30, "side": "right", "rep": 1, "reps": 2},
                  {"start": 94.0, "seconds": 30, "side": "left", "rep": 2, "reps": 2}],
    }
    data = screens.step_data(library().for_locale("en-US"), view, hold_start_ms=1234)
    assert data["hold_start_ms"] == 20400 and data["counting"] is True  # one clock: the timeline's
    assert [(h["start_ms"], h["seconds"], h["show_ms"]) for h in data["holds"]] == [
        (20400, 30, 0), (57250, 30, 50400), (94000, 30, 87250)]
    assert [(h["side_text"], h["rep_text"]) for h in data["holds"]] == [
        ("Left side", "Repetition 1 of 2"), ("Right side", "Repetition 1 of 2"), ("Left side", "Repetition 2 of 2")]
    es = library().for_locale("es-ES")
    spanish = screens.step_data(es, {**view, "holds": [{**h, "side": es.side_word(h["side"])} for h in view["holds"]]})
    assert spanish["holds"][1]["side_text"] == "Lado: derecha", spanish["holds"]
    # Without a timeline (a paused step), one hold from the view itself, standing still.
    paused = screens.step_data(library().for_locale("en-US"), {**view, "holds": []}, paused=True)
    assert paused["counting"] is False and [(h["seconds"], h["side_text"]) for h in paused["holds"]] == [
        (30, "Left side first, then right")]


def test_the_countdown_waits_for_the_instructions(skill: CustomSkill) -> None:
    """The first hold of a stretch follows its whole set-up, so its count starts later than the other side's."""
    device = Device(skill)
    device.send(launch())
    device.send(intent("AskEverySideIntent"))  # one side per turn, so each turn's count is its first hold's
    first = the_screen(device.send(intent("StartRoutineIntent", Routine="full")))[1]
    second = the_screen(device.send(intent("AMAZON.NextIntent")))[1]
    assert first["hold_start_ms"] > second["hold_start_ms"] > 0


def test_a_single_stretch_has_its_drawing(skill: CustomSkill) -> None:
    device = Device(skill)
    device.send(launch())
    document, data = the_screen(device.send(intent("StretchIntent", Stretch="bridge")))
    assert data["graphic"] == "bridge" and (data["stretch_number"], data["stretch_count"]) == (1, 1)
    assert data["side_text"] == ""  # the bridge has no sides
    assert_every_binding_filled(document, data)


def test_a_paused_step_stands_still(skill: CustomSkill) -> None:
    device = in_routine(skill)
    document, data = the_screen(device.send(intent("AMAZON.PauseIntent")))
    assert data["counting"] is False
    assert all(button["event"] != "pause" for button in data["buttons"])
    # The footer offers what the voice offers: resume, not pause.
    assert data["hint"] == library().for_locale("en-US").phrase("hint_paused")
    assert "resume" in data["hint"] and "pause" not in data["hint"]
    assert_every_binding_filled(document, data)


def test_the_pain_screen_does_not_suggest_stretching(skill: CustomSkill) -> None:
    for device in (in_routine(skill), Device(skill)):
        if device.attributes is None:
            device.send(launch())
        document, data = the_screen(device.send(intent("PainIntent")))
        assert document == screens.document("answer")
        assert "stretch" not in data["hint"].lower().replace("stretch again", "")
        assert "specialist" in data["hint"]
    # For the rest of that session no screen leads back to exercise: a topic answer's footer says rest, too.
    after = Device(skill, user="amzn1.ask.account.AFTER")
    after.send(launch())
    after.send(intent("PainIntent"))
    en = library().for_locale("en-US")
    topic = next(iter(en.topics.values()))
    assert the_screen(after.send(intent(topic.intent)))[1]["hint"] == en.phrase("hint_pain")
    fresh = Device(skill, user="amzn1.ask.account.FRESH")
    fresh.send(launch())
    assert the_screen(fresh.send(intent(topic.intent)))[1]["hint"] == en.phrase("hint_answer")


def test_a_returning_user_gets_a_screen_at_launch(skill: CustomSkill, content: LocaleContent) -> None:
    """The welcome back (with a place to resume, after a pain stop, or plain) shows a screen, like any turn."""
    resuming = in_routine(skill)
    resuming.send(intent("AMAZON.StopIntent"))
    document, data = the_screen(resuming.send(launch()))
    assert document == screens.document("answer") and data["text"].startswith("Welcome back")
    assert data["hint"] == content.phrase("hint_resume")
    hurt = in_routine(skill)
    hurt.attributes = None
    hurt.device["user"] = "amzn1.ask.account.HURT"
    hurt.send(launch())
    hurt.send(intent("StartRoutineIntent", Routine="quick"))
    hurt.send(intent("PainIntent"))
    hurt.attributes = None
    document, data = the_screen(hurt.send(launch()))
    assert data["text"] == content.phrase("welcome_back_after_pain") and data["hint"] == content.phrase("hint_pain")
    plain = Device(skill, user="amzn1.ask.account.PLAIN")
    plain.send(launch())
    plain.attributes = None
    document, data = the_screen(plain.send(launch()))
    assert data["text"] and data["hint"] == content.phrase("hint_welcome")


def test_a_round_screen_gets_the_same_document(skill: CustomSkill) -> None:
    device = Device(skill, viewport=ROUND)
    device.send(launch())
    document, data = the_screen(device.send(intent("StartRoutineIntent", Routine="quick")))
    assert document == screens.document("step")
    assert_every_binding_filled(document, data)


# ------------------------------------------------------------------------------------------- touch


@pytest.mark.parametrize(("event", "spoken"), [
    ("next", "AMAZON.NextIntent"), ("previous", "AMAZON.PreviousIntent"), ("pause", "AMAZON.PauseIntent"),
    ("repeat", "AMAZON.RepeatIntent"),
])
def test_a_touch_does_what_the_voice_command_does(skill: CustomSkill, event: str, spoken: str) -> None:
    by_voice, by_touch = in_routine(skill, "full"), in_routine(skill, "full")
    for device in (by_voice, by_touch):  # move off the first stretch so "previous" has somewhere to go
        device.send(intent("AMAZON.NextIntent"))
    voice = by_voice.send(intent(spoken))
    touched = by_touch.send(user_event([event]))
    assert by_touch.attributes is not None and by_voice.attributes is not None
    assert by_touch.attributes["routine"] == by_voice.attributes["routine"]
    assert speech(touched) and touched["response"]["shouldEndSession"] is False
    assert render_directives(touched) and len(render_directives(touched)) == len(render_directives(voice))


def test_touch_next_moves_one_step_and_pause_then_resume_carry_on(skill: CustomSkill) -> None:
    device = in_routine(skill)
    assert device.attributes is not None and device.attributes["routine"]["index"] == 2
    device.send(user_event(["previous"]))
    assert device.attributes["routine"]["index"] == 2
    device.send(user_event(["pause"]))
    assert device.attributes["routine"]["paused"] is True
    resumed = device.send(user_event(["resume"]))
    assert device.attributes["routine"] == {"routine": "quick", "index": 4, "paused": False, "halted": False}
    assert the_screen(resumed)[1]["counting"] is True


@pytest.mark.parametrize("arguments", [["dance"], [], [42], ["NEXT"]])
def test_an_unknown_touch_gets_the_fallback(skill: CustomSkill, content: LocaleContent,
                                            arguments: list[Any]) -> None:
    device = in_routine(skill)
    before = copy.deepcopy(device.attributes)
    response = device.send(user_event(arguments))
    said = speech(response).replace("&apos;", "'")
    assert any(variant in said for variant in content.variants("routine_fallback")), said
    assert device.attributes is not None and before is not None
    assert device.attributes["routine"] == before["routine"]


def test_a_touch_outside_a_routine_is_answered(skill: CustomSkill, content: LocaleContent) -> None:
    device = Device(skill)
    device.send(launch())
    unknown = device.send(user_event(["dance"]))
    assert any(v in speech(unknown).replace("&apos;", "'") for v in content.variants("fallback"))
    nothing = device.send(user_event(["next"]))
    assert content.phrase("not_in_routine") in speech(nothing)


# ------------------------------------------------------------------------------------------- direct calls


def handler_input(request: dict[str, Any], *, screen: bool = True,
                  session: dict[str, Any] | None = None) -> HandlerInput:
    """A HandlerInput as the SDK builds it, with what our interceptors put in the request attributes."""
    typed = DefaultSerializer().deserialize(json.dumps(envelope(request, screen=screen, attributes=session)),
                                            RequestEnvelope)
    made = HandlerInput(request_envelope=typed, attributes_manager=AttributesManager(request_envelope=typed))
    made.attributes_manager.request_attributes[CONTENT] = library().for_locale("en-US")
    made.attributes_manager.request_attributes[STATE] = State(made.attributes_manager.session_attributes,
                                                              Profile())
    return made


def test_directives_directly(content: LocaleContent) -> None:
    view = {"kind": "answer", "title": "T", "text": "X", "hint": "H"}
    assert screens.directives(handler_input(launch(), screen=False), view) == []
    assert screens.directives(handler_input(launch()), {"kind": "poster"}) == []
    (directive,) = screens.directives(handler_input(launch()), view)
    assert isinstance(directive, RenderDocumentDirective)
    assert directive.token == screens.TOKEN and directive.datasources == {"spine": {"title": "T", "text": "X",
                                                                                     "hint": "H"}}
    # A screen that would push the response past Alexa's 24 KB is left out: the voice answer still goes.
    assert screens.directives(handler_input(launch()), {**view, "text": "word " * 4000}) == []


def test_touch_handler_directly() -> None:
    handler = touch.TouchHandler()
    assert not handler.can_handle(handler_input=handler_input(intent("AMAZON.NextIntent")))
    tapped = handler_input(user_event(["next"]), session={})
    assert handler.can_handle(handler_input=tapped)
    coaching.start(tapped.attributes_manager.request_attributes[CONTENT],
                   tapped.attributes_manager.request_attributes[STATE], "quick")
    response = handler.handle(handler_input=tapped)
    assert response.output_speech is not None
    assert tapped.attributes_manager.session_attributes["routine"]["index"] == 4
    assert touch.touched(["pause"]) is Command.PAUSE and touch.touched(["dance"]) is None


def _with_button_labels(content: LocaleContent) -> LocaleContent:
    """The content as it will be once the button phrases exist (the lead adds them to every language)."""
    raw = copy.deepcopy(library().raw["languages"][content.language])
    raw["phrases"] = {**raw["phrases"], **BUTTON_LABELS}
    return LocaleContent(content.locale, content.language, content.invocation, raw)


def test_buttons_take_their_labels_from_the_content(content: LocaleContent) -> None:
    labelled = _with_button_labels(content)
    view = coaching.start(labelled, State({}, Profile()), SINGLE_PREFIX + "bridge").view
    assert view is not None
    playing = screens.step_data(labelled, view, hold_start_ms=1000)["buttons"]
    assert playing == [{"label": "Previous", "event": "previous"}, {"label": "Pause", "event": "pause"},
                       {"label": "Next", "event": "next"}]
    paused = screens.step_data(labelled, view, paused=True)["buttons"]
    assert [b["event"] for b in paused] == ["previous", "resume", "next"]
    assert paused[1]["label"] == "Resume"
    # Today's content: a button shows only when its label exists, never with a made-up word.
    present = [b["event"] for b in screens.step_data(content, view)["buttons"]]
    expected = [e for e in ("previous", "pause", "next") if f"button_{e}" in content.phrases]
    assert present == expected


def test_buttons_named_by_the_view_win(content: LocaleContent) -> None:
    view = {"kind": "step", "title": "R", "stretch": "bridge", "stretch_name": "bridge", "stretch_number": 1,
            "stretch_count": 1, "step": 1, "steps": 1, "side": "", "rep": 1, "reps": 1, "hold_seconds": 15,
            "hint": "h", "buttons": [{"label": "Go", "event": "next"}, {"label": "", "event": "pause"}]}
    assert screens.step_data(content, view)["buttons"] == [{"label": "Go", "event": "next"}]


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_every_hint_suggests_words_the_skill_understands(locale: str) -> None:
    """A footer that says 'Say "resume"' must name something the skill then understands, in that language."""
    from skill.simulator.nlu import FALLBACK, Understander

    content = library().for_locale(locale)
    understander = Understander.for_locale(locale)
    hints = [key for key in content.phrases if key.startswith("hint_")]
    assert {"hint_paused", "hint_pain", "hint_welcome", "hint_resume", "hint_step", "hint_answer"} <= set(hints)
    for key in hints:
        for said in re.findall(r'"([^"]+)"', content.phrase(key)):
            heard = understander.resolve(said.strip("¿?¡!."))
            assert heard.intent != FALLBACK, f"{locale} {key}: {said!r} is not understood"
