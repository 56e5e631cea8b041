"""Hostile and odd requests: every request type a custom skill can receive, with junk in every field.

What Alexa (and so the user) notices: each request gets a response Alexa accepts (well-formed SSML within
8,000 characters, a question and a reprompt whenever the microphone stays open, silence where speech is not
allowed, under 24 KB), or a clean refusal (BadRequest/WrongSkill, which the doors turn into 400/403). Never an
exception of any other kind, and over HTTP never a 500.

Also here: the CanFulfillIntentRequest verdicts (name-free interaction) and that such a query changes nothing.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from skill.assembly import build_skill
from skill.core.content import library
from skill.core.content_rules import CUSTOM_INTENTS
from skill.core.speech import ssml_problems
from skill.entry import BadRequest, WrongSkill, handle_event
from skill.web.app import create_app
from tests.alexa import SKILL_ID, envelope, intent_request, plain, request, slot
from tests.conftest import stored

LIB = library()
EN = LIB.for_locale("en-US")
ES = LIB.for_locale("es-ES")
MAX_RESPONSE_BYTES = 24 * 1024
SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# Requests whose answer may carry no speech (AudioPlayer: directives only, and we send none).
SILENT_TYPES = ("SessionEndedRequest", "System.ExceptionEncountered", "CanFulfillIntentRequest",
                "AudioPlayer.PlaybackStarted")
SPOKEN_TYPES = ("LaunchRequest", "IntentRequest")
APOLOGIES = {plain(v) for loc in LIB.locales for v in LIB.for_locale(loc).variants("error")}

BUILTINS = ("AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
            "AMAZON.NavigateHomeIntent", "AMAZON.FallbackIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
            "AMAZON.RepeatIntent", "AMAZON.StartOverIntent", "AMAZON.PauseIntent", "AMAZON.ResumeIntent")
KNOWN_INTENTS = (*sorted(EN.topics_by_intent), *sorted(CUSTOM_INTENTS), *BUILTINS)
UNKNOWN_INTENTS = ("AMAZON.ShuffleOnIntent", "AMAZON.LoopOnIntent", "NoSuchIntent", "", " ", "amazon.helpintent",
                   "HelpIntent", "AMAZON.HelpIntent ")

# ------------------------------------------------------------------------------------------- strategies

ODD_TEXTS = (
    "<speak>&", "</speak><audio src='https://x/y.mp3'/>", '"><break time="60s"/>', "&amp;&lt;", "]]>",
    "\u202eenituor kciuq\u202c", "שגרה מהירה", "الروتين السريع", "🧘‍♀️🔥🦴", "\x00", "quick\x00routine", "\x1b[31m",
    "\ufeffquick", "quick\u200b routine", "QUICK ROUTINE", "la rutina rápida", "the the bridge", "Ｑｕｉｃｋ",
    "' OR 1=1 --", "{routine}", "%s%s%s", "zebra-4711", "x" * 10_000, "🦴" * 5_000, "a\nb\r\nc\td",
)
odd_text = st.one_of(st.sampled_from(ODD_TEXTS), st.text(max_size=40),
                     st.sampled_from(("quick", "full", "bridge", "knee to chest", "hip rotation", "rápida", "puente")))
scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                   st.text(max_size=12))
junk = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=6), inner, max_size=3), max_leaves=8)
locales = st.one_of(st.sampled_from((*LIB.locales, "fr-FR", "", "xx-YY", "EN-us", "es", "de-DE", "ja-JP")),
                    st.none(), junk)

ROUTINE_IDS = ("quick", "full", "stretch:bridge", "stretch:knee_to_chest", "stretch:nope", "nope", "", "stretch:")
TOPIC_IDS = tuple(EN.topics)
session_routine = st.one_of(
    junk,
    st.fixed_dictionaries(
        {"routine": st.one_of(st.sampled_from(ROUTINE_IDS), junk),
         "index": st.one_of(st.integers(min_value=-5, max_value=12), st.integers(), st.just(10**30),
                            st.sampled_from(("3", "-1", "1e3", "")), junk)},
        optional={"paused": junk, "halted": junk}),
)
session_offer = st.one_of(
    junk,
    st.fixed_dictionaries(
        {"kind": st.one_of(st.sampled_from(("topic", "routine", "resume", "next", "menu", "bogus")), junk)},
        optional={"id": st.one_of(st.sampled_from((*TOPIC_IDS, *ROUTINE_IDS)), junk)}),
)
session_last = st.one_of(
    scalar, st.lists(junk, max_size=3),
    st.fixed_dictionaries({}, optional={"speech": junk, "question": junk, "reprompt": junk}),
    st.fixed_dictionaries({"speech": st.text(max_size=60), "question": st.just("What would you like?"),
                           "reprompt": st.text(max_size=60)}),
)
session_attributes = st.fixed_dictionaries({}, optional={
    "routine": session_routine, "offer": session_offer, "topic": st.one_of(st.sampled_from(TOPIC_IDS), junk),
    "last": session_last, "extra": junk})


@st.composite
def slot_dicts(draw: st.DrawFn) -> dict[str, Any] | None:
    """Slots as Alexa sends them, then bent: odd values, odd resolutions, unknown names."""
    if draw(st.integers(0, 9)) == 0:
        return None
    names = draw(st.lists(st.sampled_from(("Routine", "Stretch", "Thing", "")), max_size=3, unique=True))
    out: dict[str, Any] = {}
    for name in names:
        body: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        if draw(st.booleans()):
            body["value"] = draw(odd_text)
        if draw(st.booleans()):
            code = draw(st.sampled_from(("ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT")))
            authority: dict[str, Any] = {"authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.X", "status": {
                "code": code}}
            if draw(st.booleans()):
                authority["values"] = [{"value": {
                    "name": draw(odd_text),
                    "id": draw(st.one_of(st.sampled_from(("quick", "full", "bridge", "hip_rotation")), odd_text))}}]
            body["resolutions"] = {"resolutionsPerAuthority": [authority]}
        out[name] = body
    return out


@st.composite
def intents(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 14)) == 0:
        return None
    name = draw(st.one_of(st.sampled_from(KNOWN_INTENTS), st.sampled_from(UNKNOWN_INTENTS), st.text(max_size=30)))
    intent: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    slots = draw(slot_dicts())
    if slots is not None or draw(st.booleans()):
        intent["slots"] = slots
    return intent


REASONS = ("USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS")
ERROR_TYPES = ("INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR", "INTERNAL_SERVICE_ERROR", "ENDPOINT_TIMEOUT")


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """One request of any type a custom skill can receive, with plausible and implausible fields."""
    kind = draw(st.sampled_from((
        "LaunchRequest", "IntentRequest", "IntentRequest", "IntentRequest", "SessionEndedRequest",
        "CanFulfillIntentRequest", "System.ExceptionEncountered", "Alexa.Presentation.APL.UserEvent",
        "Connections.Response", "AudioPlayer.PlaybackStarted")))
    fields: dict[str, Any] = {}
    if kind in ("IntentRequest", "CanFulfillIntentRequest"):
        fields["intent"] = draw(intents())
        if kind == "IntentRequest":
            fields["dialogState"] = "COMPLETED"
    elif kind == "SessionEndedRequest":
        fields["reason"] = draw(st.sampled_from(REASONS))
        if draw(st.booleans()):
            fields["error"] = {"type": draw(st.sampled_from(ERROR_TYPES)), "message": draw(odd_text)}
    elif kind == "System.ExceptionEncountered":
        fields["error"] = {"type": draw(st.sampled_from(ERROR_TYPES)), "message": draw(odd_text)}
        fields["cause"] = {"requestId": "amzn1.echo-api.request.previous"}
    elif kind == "Alexa.Presentation.APL.UserEvent":
        fields["token"] = draw(st.sampled_from(("spine-coach", "", "other")))
        fields["arguments"] = draw(st.one_of(
            st.lists(st.one_of(st.sampled_from(("next", "previous", "pause", "resume", "repeat", "explode")), junk),
                     max_size=4), junk))
        fields["source"] = draw(st.one_of(st.just({"type": "TouchWrapper", "handler": "Press", "id": "b"}), junk))
        fields["components"] = draw(st.one_of(st.just({}), junk))
    elif kind == "Connections.Response":
        fields.update(name=draw(st.sampled_from(("Buy", "Upsell", "AskFor", ""))), token=draw(odd_text),
                      status={"code": draw(st.sampled_from(("200", "400", "500"))), "message": draw(odd_text)},
                      payload=draw(st.one_of(st.dictionaries(st.text(max_size=6), junk, max_size=3), st.none())))
    elif kind == "AudioPlayer.PlaybackStarted":
        fields.update(token=draw(odd_text), offsetInMilliseconds=draw(st.integers(0, 10**9)))
    locale = draw(locales)
    req = request(kind, "en-US", **fields)
    if locale is None:
        del req["locale"]
    else:
        req["locale"] = locale
    return req


@st.composite
def events(draw: st.DrawFn, attributes: st.SearchStrategy[dict[str, Any]] = session_attributes,
           kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A whole envelope around a hostile request, with parts missing or bent (a few at a time, so most
    examples still get past the envelope checks and into the handlers)."""
    req = draw(requests() if kinds is None else requests().filter(lambda r: r["type"] in kinds))
    event = envelope(req, user_id=draw(st.sampled_from(("amzn1.ask.account.H1", "amzn1.ask.account.H2"))),
                     new=draw(st.booleans()), attributes=draw(attributes), screen=draw(st.booleans()))
    mutations = draw(st.lists(st.sampled_from((
        "no-session", "null-attributes", "no-system-user", "no-session-user", "no-device", "wrong-skill",
        "no-application", "no-version", "junk-new")), max_size=2, unique=True)) if draw(st.booleans()) else []
    system = event["context"]["System"]
    if "no-system-user" in mutations:
        del system["user"]
    if "no-session-user" in mutations:
        del event["session"]["user"]
    if "null-attributes" in mutations:
        event["session"]["attributes"] = None
    if "junk-new" in mutations:
        event["session"]["new"] = draw(junk)
    if "no-device" in mutations:
        del system["device"]
    if "wrong-skill" in mutations:
        system["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    if "no-application" in mutations:
        del system["application"]
    if "no-version" in mutations:
        del event["version"]
    if "no-session" in mutations:
        del event["session"]
    return event


# ------------------------------------------------------------------------------------------- checks


def _ssml(node: Any) -> str | None:
    if not isinstance(node, dict):
        return None
    return node.get("ssml") if node.get("type") == "SSML" else node.get("text")


def alexa_problems(event: dict[str, Any], out: Any) -> list[str]:
    """What Alexa would refuse in this answer to this request (empty when it would accept it)."""
    if not isinstance(out, dict) or not isinstance(out.get("response"), dict):
        return [f"not a response envelope: {out!r:.200}"]
    found: list[str] = []
    size = len(json.dumps(out, ensure_ascii=False).encode("utf-8"))
    if size >= MAX_RESPONSE_BYTES:
        found.append(f"response is {size} bytes")
    response = out["response"]
    speech = _ssml(response.get("outputSpeech"))
    reprompt = _ssml((response.get("reprompt") or {}).get("outputSpeech"))
    for label, ssml in (("speech", speech), ("reprompt", reprompt)):
        if ssml is not None:
            found += [f"{label}: {p}" for p in ssml_problems(ssml)]
    kind = event["request"]["type"]
    if kind in SILENT_TYPES:
        for key in ("outputSpeech", "reprompt", "card"):
            if response.get(key):
                found.append(f"{kind} answered with {key}")
        if kind == "CanFulfillIntentRequest" and not response.get("canFulfillIntent"):
            found.append("CanFulfillIntentRequest without a canFulfillIntent verdict")
    if kind in SPOKEN_TYPES and not speech:
        found.append(f"{kind} answered without speech")
    if response.get("shouldEndSession") is False:
        if not reprompt or not plain(reprompt):
            found.append("open session without a reprompt")
        if not speech or not plain(speech).endswith("?"):
            found.append(f"open session, but the speech does not end with a question: {plain(speech or '')[-80:]!r}")
    elif reprompt:
        found.append("a reprompt on a closing response")
    return found


def answer(skill: CustomSkill, event: dict[str, Any]) -> dict[str, Any] | None:
    """The skill's answer, or None for a clean refusal; any other exception fails the test."""
    try:
        return handle_event(copy.deepcopy(event), None, skill)
    except (BadRequest, WrongSkill):
        return None


def apologised(out: dict[str, Any] | None) -> bool:
    speech = _ssml(((out or {}).get("response") or {}).get("outputSpeech"))
    return speech is not None and any(a in plain(speech) for a in APOLOGIES)


@pytest.fixture(scope="module")
def skill() -> Iterator[CustomSkill]:
    log = logging.getLogger("spine_coach")
    level = log.level
    log.setLevel(logging.CRITICAL)  # thousands of expected refusals and warnings would be kept in memory
    yield build_skill(store="memory://", skill_id=SKILL_ID)
    log.setLevel(level)


@pytest.fixture(scope="module")
def client(skill: CustomSkill) -> Any:
    return create_app(skill=skill).test_client()


# ------------------------------------------------------------------------------------------- properties


def test_the_checks_flag_what_alexa_refuses() -> None:
    """The properties below are only as good as this checker: it must see each kind of refusal."""
    launch = {"request": {"type": "LaunchRequest"}}
    good = {"version": "1.0", "response": {
        "outputSpeech": {"type": "SSML", "ssml": "<speak>Hi. Ready?</speak>"},
        "reprompt": {"outputSpeech": {"type": "SSML", "ssml": "<speak>Ready?</speak>"}},
        "shouldEndSession": False}}
    assert alexa_problems(launch, good) == []
    no_question = copy.deepcopy(good)
    no_question["response"]["outputSpeech"]["ssml"] = "<speak>Hi.</speak>"
    no_reprompt = copy.deepcopy(good)
    del no_reprompt["response"]["reprompt"]
    bad_ssml = copy.deepcopy(good)
    bad_ssml["response"]["outputSpeech"]["ssml"] = "<speak>Tom & Jerry?</speak>"
    huge = copy.deepcopy(good)
    huge["response"]["card"] = {"type": "Simple", "title": "x", "content": "x" * 30_000}
    for bad in (no_question, no_reprompt, bad_ssml, huge, {"response": None}):
        assert alexa_problems(launch, bad), bad
    assert alexa_problems({"request": {"type": "SessionEndedRequest"}}, good)
    assert alexa_problems({"request": {"type": "CanFulfillIntentRequest"}}, {"response": {}})


@SETTINGS
@given(event=events())
def test_any_request_gets_an_answer_alexa_accepts_or_a_clean_refusal(skill: CustomSkill,
                                                                     event: dict[str, Any]) -> None:
    out = answer(skill, event)
    if out is not None:
        assert not alexa_problems(event, out), (alexa_problems(event, out), event["request"])


@SETTINGS
@given(event=events(attributes=st.just({})))
def test_with_a_sane_session_no_request_ever_gets_the_error_apology(skill: CustomSkill,
                                                                    event: dict[str, Any]) -> None:
    """Odd slots, odd locales, odd fields: the user may hear "I don't know that one", never "something went
    wrong"."""
    assert not apologised(answer(skill, event)), event["request"]


@SETTINGS
@given(event=events())
def test_over_http_junk_is_a_200_or_a_clean_4xx_never_a_500(client: Any, event: dict[str, Any]) -> None:
    reply = client.post("/", data=json.dumps(event), content_type="application/json")
    body = reply.get_json(silent=True)
    assert reply.status_code == 200 or 400 <= reply.status_code < 500, (reply.status_code, body)
    assert isinstance(body, dict), reply.data[:200]
    if reply.status_code == 200:
        assert not alexa_problems(event, body)
    else:
        assert isinstance(body.get("error"), str) and body["error"]


@SETTINGS
@given(body=st.one_of(
    st.binary(max_size=300),
    st.builds(lambda v: json.dumps(v).encode(), junk),
    st.builds(lambda v: json.dumps({"version": "1.0", "request": v, "context": v, "session": v}).encode(), junk),
    st.builds(lambda depth: b"[" * depth + b"]" * depth, st.integers(1, 200)),
    st.just(json.dumps({"version": "1.0", "request": {"type": "LaunchRequest"}}).encode()),
))
def test_over_http_any_body_is_a_200_or_a_clean_4xx(client: Any, body: bytes) -> None:
    reply = client.post("/", data=body, content_type="application/json")
    assert reply.status_code == 200 or 400 <= reply.status_code < 500, (reply.status_code, reply.data[:200])
    assert isinstance(reply.get_json(silent=True), dict), reply.data[:200]


@pytest.mark.parametrize("body", [b"[" * 50_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000],
                         ids=["arrays", "objects"])
def test_deeply_nested_json_is_a_400_not_a_500(client: Any, body: bytes) -> None:
    reply = client.post("/", data=body, content_type="application/json")
    assert reply.status_code == 400
    assert reply.get_json()["error"]


@SETTINGS
@given(req=requests(), attributes=session_attributes, locale=st.sampled_from(LIB.locales))
def test_junk_session_attributes_still_get_a_valid_answer(skill: CustomSkill, req: dict[str, Any],
                                                          attributes: dict[str, Any], locale: str) -> None:
    """Session attributes come back from Alexa as we sent them; an older release's or a corrupted copy must
    still give a valid turn."""
    req["locale"] = locale
    event = envelope(req, user_id="amzn1.ask.account.JUNK", new=False, attributes=attributes)
    out = answer(skill, event)
    if out is not None:
        assert not alexa_problems(event, out), alexa_problems(event, out)


@SETTINGS
@example(intent="AMAZON.YesIntent", attributes={"offer": {"kind": "topic", "id": ["why_crack"]}})
@example(intent="AMAZON.FallbackIntent", attributes={"routine": {"routine": "retired", "index": 0}})
@given(intent=st.sampled_from(KNOWN_INTENTS), attributes=session_attributes)
def test_junk_session_attributes_never_get_the_error_apology(skill: CustomSkill, intent: str,
                                                             attributes: dict[str, Any]) -> None:
    event = envelope(intent_request(intent), user_id="amzn1.ask.account.JUNK", new=False, attributes=attributes)
    assert not apologised(answer(skill, event))


@SETTINGS
@given(intent=st.sampled_from(KNOWN_INTENTS), value=odd_text,
       locale=st.sampled_from((*LIB.locales, "fr-FR", "", "xx-YY", None)))
def test_odd_slot_values_never_get_the_error_apology(skill: CustomSkill, intent: str, value: str,
                                                     locale: Any) -> None:
    event = envelope(intent_request(intent, {"Routine": value, "Stretch": value}), user_id="amzn1.ask.account.ODD")
    event["request"]["locale"] = locale
    out = answer(skill, event)
    assert out is not None, "a well-formed intent with odd slot values must be answered"
    assert not alexa_problems(event, out)
    assert not apologised(out)


# ------------------------------------------------------------------------------------------- examples


@pytest.mark.parametrize("routine", ["retired", "stretch:nope"])
@pytest.mark.parametrize("intent", ["AMAZON.FallbackIntent", "SomeUnknownIntent"])
def test_fallback_in_a_routine_the_content_no_longer_has(skill: CustomSkill, routine: str, intent: str) -> None:
    """A renamed or retired routine in an open session: the plain fallback, not the error apology."""
    event = envelope(intent_request(intent), user_id="amzn1.ask.account.RETIRED", new=False,
                     attributes={"routine": {"routine": routine, "index": 0}})
    out = answer(skill, event)
    assert out is not None and not alexa_problems(event, out)
    assert not apologised(out)


def test_yes_to_an_offer_with_an_unhashable_id(skill: CustomSkill) -> None:
    event = envelope(intent_request("AMAZON.YesIntent"), user_id="amzn1.ask.account.OFFER", new=False,
                     attributes={"offer": {"kind": "topic", "id": ["why_crack"]}})
    assert not apologised(answer(skill, event))


@pytest.mark.parametrize("locale", ["fr-FR", "", None, "xx-YY", "de-DE"])
def test_an_unknown_locale_is_answered_in_the_fallback_language(skill: CustomSkill, locale: str | None) -> None:
    req = request("LaunchRequest")
    req["locale"] = locale
    out = answer(skill, envelope(req, user_id="amzn1.ask.account.LOC"))
    assert out is not None
    speech = plain(out["response"]["outputSpeech"]["ssml"])
    assert any(plain(v) in speech for v in (*EN.variants("welcome_first"), *EN.variants("welcome")))


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("error", [None, {"type": "INVALID_RESPONSE", "message": "<speak>&"}])
def test_session_ended_mid_routine_is_silent_and_keeps_the_stored_place(reason: str, error: dict[str, str] | None,
                                                                        words: Any) -> None:
    skill = build_skill(store="memory://", skill_id=SKILL_ID)
    user = "amzn1.ask.account.ENDED"
    started = answer(skill, envelope(intent_request("StartRoutineIntent"), user_id=user))
    assert started is not None
    ended = request("SessionEndedRequest", reason=reason, **({"error": error} if error else {}))
    out = answer(skill, envelope(ended, user_id=user, new=False, attributes=started["sessionAttributes"]))
    assert out is not None and out["response"] == {}
    assert stored(skill, user)["progress"]["routine"] == "quick"


def test_exception_encountered_gets_an_empty_answer(skill: CustomSkill) -> None:
    req = request("System.ExceptionEncountered", error={"type": "INVALID_RESPONSE", "message": "bad ssml"},
                  cause={"requestId": "amzn1.echo-api.request.1"})
    out = answer(skill, envelope(req, user_id="amzn1.ask.account.EXC"))
    assert out is not None and out["response"] == {}


def test_audio_player_events_get_an_empty_answer(skill: CustomSkill) -> None:
    event = envelope(request("AudioPlayer.PlaybackStarted", token="t", offsetInMilliseconds=0),
                     user_id="amzn1.ask.account.AUDIO")
    out = answer(skill, event)
    assert out is not None and out["response"] == {}


@pytest.mark.parametrize("kind", ["AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackNearlyFinished"])
def test_a_sessionless_audio_player_event_gets_an_empty_answer(skill: CustomSkill, kind: str) -> None:
    """AudioPlayer requests come without a session: still an empty answer, not a refusal."""
    event = envelope(request(kind, token="t", offsetInMilliseconds=0), user_id="amzn1.ask.account.AUDIO")
    del event["session"]
    out = answer(skill, event)
    assert out is not None, "refused as if it were another skill's request"
    assert out["response"] == {}


# ------------------------------------------------------------------------------------------- CanFulfillIntent


def can_fulfill(skill: CustomSkill, intent: dict[str, Any] | None, locale: str = "en-US",
                user_id: str = "amzn1.ask.account.NAMEFREE") -> dict[str, Any]:
    event = envelope(request("CanFulfillIntentRequest", locale, intent=intent), user_id=user_id)
    out = answer(skill, event)
    assert out is not None, "a CanFulfillIntentRequest must be answered"
    assert not alexa_problems(event, out)
    return out["response"]["canFulfillIntent"]


def cfi_intent(name: str, slots: dict[str, str | None] | None = None, locale: str = "en-US") -> dict[str, Any]:
    intent: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if slots:
        intent["slots"] = {k: slot(k, v, locale=locale) for k, v in slots.items()}
    return intent


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_can_fulfill_every_topic(skill: CustomSkill, locale: str) -> None:
    for intent in LIB.for_locale(locale).topics_by_intent:
        assert can_fulfill(skill, cfi_intent(intent), locale) == {"canFulfill": "YES"}, intent


@pytest.mark.parametrize(("locale", "intent", "slot_name", "spoken"), [
    ("en-US", "StartRoutineIntent", "Routine", "quick routine"),
    ("en-US", "StartRoutineIntent", "Routine", "full"),
    ("en-GB", "StretchIntent", "Stretch", "glute bridge"),
    ("es-MX", "StartRoutineIntent", "Routine", "la rutina completa"),
    ("es-ES", "StretchIntent", "Stretch", "puente"),
])
def test_can_fulfill_a_known_routine_or_stretch(skill: CustomSkill, locale: str, intent: str, slot_name: str,
                                               spoken: str) -> None:
    verdict = can_fulfill(skill, cfi_intent(intent, {slot_name: spoken}, locale), locale)
    assert verdict == {"canFulfill": "YES", "slots": {slot_name: {"canUnderstand": "YES", "canFulfill": "YES"}}}


def test_can_fulfill_a_known_name_said_without_entity_resolution(skill: CustomSkill) -> None:
    intent = {"name": "StretchIntent", "slots": {"Stretch": {"name": "Stretch", "value": "the hip roll"}}}
    assert can_fulfill(skill, intent)["canFulfill"] == "YES"


@pytest.mark.parametrize(("intent", "slot_name"), [("StartRoutineIntent", "Routine"),
                                                   ("StretchIntent", "Stretch")])
def test_cannot_fulfill_an_unknown_routine_or_stretch(skill: CustomSkill, intent: str, slot_name: str) -> None:
    verdict = can_fulfill(skill, cfi_intent(intent, {slot_name: "zebra dance"}))
    assert verdict == {"canFulfill": "NO", "slots": {slot_name: {"canUnderstand": "NO", "canFulfill": "NO"}}}


def test_can_fulfill_guide_my_stretches_without_a_name(skill: CustomSkill) -> None:
    assert can_fulfill(skill, cfi_intent("StartRoutineIntent", {"Routine": None}))["canFulfill"] == "YES"
    assert can_fulfill(skill, cfi_intent("StretchIntent", {"Stretch": None}))["canFulfill"] == "MAYBE"


def test_help_is_a_maybe(skill: CustomSkill) -> None:
    assert can_fulfill(skill, cfi_intent("AMAZON.HelpIntent"))["canFulfill"] == "MAYBE"


@pytest.mark.parametrize("intent", ["AMAZON.NextIntent", "AMAZON.PauseIntent", "AMAZON.YesIntent",
                                    "AMAZON.StopIntent", "AMAZON.FallbackIntent", "TellMeMoreIntent",
                                    "SkipIntent", "PlayMusicIntent", ""])
def test_anything_else_is_a_no(skill: CustomSkill, intent: str) -> None:
    assert can_fulfill(skill, cfi_intent(intent))["canFulfill"] == "NO"


def test_a_topic_with_a_slot_it_never_declared_is_a_no(skill: CustomSkill) -> None:
    verdict = can_fulfill(skill, cfi_intent("WhyCrackIntent", {"Color": "red"}))
    assert verdict == {"canFulfill": "NO", "slots": {"Color": {"canUnderstand": "NO", "canFulfill": "NO"}}}


def test_a_can_fulfill_query_without_an_intent_is_a_no(skill: CustomSkill) -> None:
    assert can_fulfill(skill, None)["canFulfill"] == "NO"


def test_a_can_fulfill_query_changes_nothing() -> None:
    """Alexa may ask for people who never opened the skill: no record, no visit, no session state."""
    fresh = build_skill(store="memory://", skill_id=SKILL_ID)
    user = "amzn1.ask.account.NEVER-OPENED"
    event = envelope(request("CanFulfillIntentRequest", intent=cfi_intent("StartRoutineIntent",
                                                                          {"Routine": "quick"})),
                     user_id=user, attributes={"topic": "why_crack"})
    out = answer(fresh, event)
    assert out is not None
    assert stored(fresh, user) == {}, "a name-free query must not create or change the user's record"
    assert out.get("sessionAttributes") in (None, {"topic": "why_crack"})
    assert set(out["response"]) == {"canFulfillIntent"}

    # and a user who has a saved place keeps it exactly
    started = answer(fresh, envelope(intent_request("StartRoutineIntent"), user_id=user))
    assert started is not None
    answer(fresh, envelope(intent_request("AMAZON.StopIntent"), user_id=user, new=False,
                           attributes=started["sessionAttributes"]))
    before = stored(fresh, user)
    answer(fresh, event)
    assert stored(fresh, user) == before


def test_the_first_real_launch_after_a_can_fulfill_query_is_still_a_first_visit(words: Any) -> None:
    fresh = build_skill(store="memory://", skill_id=SKILL_ID)
    user = "amzn1.ask.account.FIRST"
    can_fulfill(fresh, cfi_intent("WhyCrackIntent"), user_id=user)
    out = answer(fresh, envelope(request("LaunchRequest"), user_id=user))
    assert out is not None
    assert words.one_in("welcome_first", plain(out["response"]["outputSpeech"]["ssml"]))
