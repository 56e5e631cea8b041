"""Interaction models: generated from content, checked in up to date, and acceptable to Alexa.

Every intent a model declares must reach a real handler: each is dispatched through the skill's own
handlers' ``can_handle`` with a real ASK SDK request, the way the skill's dispatcher asks them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentRequest, RequestEnvelope, Session

from skill.core.content import Library, library, load_raw
from skill.core.content_rules import CUSTOM_INTENTS
from skill.core.profile import Profile
from skill.core.state import State
from skill.devtools.models import MODELS_DIR, build_model, expected_files, render
from skill.handlers import asking, habits, help, stretching
from skill.handlers.turn import CONTENT, STATE

LOCALES = library().locales
REQUIRED_BUILT_INS = {
    f"AMAZON.{name}Intent" for name in (
        "Help", "Stop", "Cancel", "NavigateHome", "Fallback", "Yes", "No", "Next", "Previous", "Repeat",
        "StartOver", "Pause", "Resume")
}
LAUNCH_WORDS = {"ask", "tell", "open", "launch", "start", "play", "load", "begin", "enable"}
FORBIDDEN_WORDS = {"alexa", "echo", "amazon", "skill", "app", *LAUNCH_WORDS}
HANDLERS = (*stretching.HANDLERS, *asking.HANDLERS, *habits.HANDLERS, *help.HANDLERS)  # assembly order, not last resort
REBUILD = "run `python -m skill build-models` and commit interaction_models/"


def language_model(locale: str) -> dict[str, Any]:
    return build_model(library().for_locale(locale))["interactionModel"]["languageModel"]


def samples_of(model: dict[str, Any]) -> list[tuple[str, str]]:
    return [(intent["name"], sample) for intent in model["intents"] for sample in intent.get("samples", [])]


def norm(sample: str) -> str:
    return " ".join(sample.lower().split())


# -------------------------------------------------------------------------------------- generation


def test_building_twice_gives_identical_models() -> None:
    first = {locale: render(build_model(Library(load_raw()).for_locale(locale))) for locale in LOCALES}
    second = {locale: render(build_model(Library(load_raw()).for_locale(locale))) for locale in LOCALES}
    assert first == second
    assert all(text.endswith("\n") for text in first.values())


def test_checked_in_models_match_a_fresh_build() -> None:
    expected = expected_files(library())
    stale = [path.name for path, text in expected.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"interaction models out of date with the content: {stale}; {REBUILD}"
    extra = sorted(p.name for p in set(Path(MODELS_DIR).glob("*.json")) - set(expected))
    assert not extra, f"models for locales the content no longer has: {extra}; {REBUILD}"


def test_there_is_one_model_per_locale() -> None:
    assert sorted(p.stem for p in Path(MODELS_DIR).glob("*.json")) == sorted(LOCALES), REBUILD


# ---------------------------------------------------------------------------------------- each model


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name(locale: str) -> None:
    name = language_model(locale)["invocationName"]
    if locale.startswith("en-"):
        assert name == "spine coach"
    assert name == name.lower() and len(name.split()) >= 2
    assert not set(name.split()) & FORBIDDEN_WORDS
    assert re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)+", name), name


@pytest.mark.parametrize("locale", LOCALES)
def test_required_built_ins_are_present(locale: str) -> None:
    names = {intent["name"] for intent in language_model(locale)["intents"]}
    missing = REQUIRED_BUILT_INS - names
    assert not missing, f"{locale}: {sorted(missing)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_intent_names_are_unique(locale: str) -> None:
    names = [intent["name"] for intent in language_model(locale)["intents"]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_belongs_to_two_intents(locale: str) -> None:
    owners: dict[str, str] = {}
    clashes = []
    for intent, sample in samples_of(language_model(locale)):
        key = norm(sample)
        if key in owners:
            clashes.append(f"{sample!r} in {owners[key]} and {intent}")
        owners[key] = intent
    assert not clashes, clashes


@pytest.mark.parametrize("locale", LOCALES)
def test_samples_have_no_digits_or_stray_punctuation(locale: str) -> None:
    bad = [(i, s) for i, s in samples_of(language_model(locale))
           if re.search(r"\d", s) or re.search(r"[?!,;:\"()]", re.sub(r"\{\w+\}", "", s))]
    assert not bad, bad


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_values_have_no_digits(locale: str) -> None:
    for slot_type in language_model(locale)["types"]:
        for value in slot_type["values"]:
            for word in (value["name"]["value"], *value["name"].get("synonyms", [])):
                assert not re.search(r"\d", word), (slot_type["name"], word)


@pytest.mark.parametrize("locale", LOCALES)
def test_slots_are_declared_and_their_types_exist(locale: str) -> None:
    model = language_model(locale)
    types = {t["name"]: t for t in model["types"]}
    for intent in model["intents"]:
        declared = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        used = {name for sample in intent.get("samples", []) for name in re.findall(r"\{(\w+)\}", sample)}
        assert used <= set(declared), f"{intent['name']} uses undeclared slots {used - set(declared)}"
        for slot, slot_type in declared.items():
            assert slot_type.startswith("AMAZON.") or slot_type in types, f"{intent['name']}.{slot}: {slot_type}"
    for slot_type in types.values():
        assert slot_type["values"], f"{slot_type['name']} has no values"
        ids = [v.get("id") for v in slot_type["values"]]
        assert all(ids) and len(ids) == len(set(ids)), slot_type["name"]


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_values_are_the_routines_and_stretches_the_skill_knows(locale: str) -> None:
    c = library().for_locale(locale)
    types = {t["name"]: t for t in language_model(locale)["types"]}
    for type_name, pool in (("RoutineName", c.routines), ("StretchName", c.stretches)):
        for value in types[type_name]["values"]:
            for spoken in (value["name"]["value"], *value["name"]["synonyms"]):
                if pool is c.routines and spoken not in (value["name"]["value"], *pool[value["id"]].synonyms):
                    continue  # a length synonym: checked below
                assert c.find("routine" if pool is c.routines else "stretch", spoken) == value["id"]


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_a_routine_can_be_named_by_the_length_the_skill_says(locale: str) -> None:
    """"It takes about 4 minutes" -> "start the four minute one": the model lists the length as a synonym, so
    Alexa resolves it to the routine's id (the handler reads the id)."""
    from skill.core.coaching import default_minutes
    from skill.simulator.nlu import Understander, number_words

    c = library().for_locale(locale)
    u = Understander.for_locale(locale)
    for rid in c.routines:
        minutes = default_minutes(c, rid)
        assert minutes is not None and minutes >= 2
        said = c.phrase("routine_intro", routine=c.routines[rid].name, description="", minutes=f"{minutes}")
        assert f"{minutes}" in said
        phrase = c.variants("routine_by_minutes")[1].format(count=number_words(minutes, locale))
        asked = ("start the " if locale.startswith("en") else "empieza ") + phrase
        resolution = u.resolve(asked)
        assert resolution.intent == "StartRoutineIntent", (asked, resolution)
        assert resolution.slots["Routine"].resolved_id == rid, (asked, resolution)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_content_intent_is_in_the_model_with_its_samples(locale: str) -> None:
    c = library().for_locale(locale)
    by_name = {intent["name"]: intent for intent in language_model(locale)["intents"]}
    for topic in c.topics.values():
        assert by_name[topic.intent]["samples"] == list(topic.samples)
    for name in CUSTOM_INTENTS:
        assert by_name[name]["samples"] == list(c.intent_samples[name])


# ---------------------------------------------------------------------------------------- handlers


def _input(locale: str, intent: str) -> HandlerInput:
    envelope = RequestEnvelope(
        request=IntentRequest(request_id="amzn1.echo-api.request.test", locale=locale, intent=Intent(name=intent)),
        session=Session(new=False, session_id="amzn1.echo-api.session.test", attributes={}))
    handler_input = HandlerInput(request_envelope=envelope, attributes_manager=AttributesManager(envelope))
    attributes = handler_input.attributes_manager.request_attributes
    attributes[CONTENT] = library().for_locale(locale)
    attributes[STATE] = State({}, Profile())
    return handler_input


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_in_the_model_has_its_own_handler(locale: str) -> None:
    unhandled = []
    for intent in language_model(locale)["intents"]:
        name = intent["name"]
        claimed = [type(h).__name__ for h in HANDLERS if h.can_handle(handler_input=_input(locale, name))]
        if name == "AMAZON.FallbackIntent":
            assert not claimed, f"{claimed} would steal the fallback"
            assert any(h.can_handle(handler_input=_input(locale, name)) for h in help.LAST_RESORT)
        elif not claimed:
            unhandled.append(name)
    assert not unhandled, f"{locale}: only the last-resort fallback would answer {unhandled}"


def test_handlers_name_only_intents_the_models_declare() -> None:
    declared = {intent["name"] for locale in LOCALES for intent in language_model(locale)["intents"]}
    named = {name for handler in (*HANDLERS, *help.LAST_RESORT) for name in handler.intents}
    assert named <= declared, f"handlers wait for intents no model has: {sorted(named - declared)}"


def test_custom_intents_are_named_by_handlers() -> None:
    named = {name for handler in HANDLERS for name in handler.intents}
    assert set(CUSTOM_INTENTS) <= named


# --------------------------------------------------------------------------- what the skill tells you to say


# Regression: stop_saved teaches "Alexa, ask spine coach to resume my stretches"; that must be a sample (of
# AMAZON.ResumeIntent), or Alexa may hear StartRoutineIntent and restart the routine from the top.
@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc.startswith("en-")])
def test_one_shot_commands_the_skill_teaches_are_samples(locale: str) -> None:
    c = library().for_locale(locale)
    model = language_model(locale)
    samples = {norm(s) for _, s in samples_of(model)}
    taught = {norm(m) for variants in c.phrases.values() for v in variants
              for m in re.findall(rf"ask {re.escape(c.invocation)} to ([a-z' ]+)", v.lower())}
    assert taught, "stop_saved should teach a one-shot command"
    assert taught <= samples, f"taught but not samples: {sorted(taught - samples)}"


def test_checked_in_models_are_valid_json_shaped_for_alexa() -> None:
    for locale in LOCALES:
        data = json.loads((Path(MODELS_DIR) / f"{locale}.json").read_text(encoding="utf-8"))
        model = data["interactionModel"]["languageModel"]
        assert set(model) >= {"invocationName", "intents", "types"}
        assert all(set(intent) >= {"name", "samples"} for intent in model["intents"])
