"""The red-flag net, measured with phrasings nobody on the project wrote.

tests/heldout/red_flags_<lang>.yaml was written by someone who had read only the article and the list of red-flag
kinds (pain, tingling, numbness, weakness, changes in function), never the samples. Every red flag must be
understood (PainIntent, not a fallback) and answered safely, mid-routine and outside one; the harmless look-alikes
("my back feels great after stretching") must not stop a routine. None of these phrasings may become a sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.assembly import build_skill
from skill.core.content import library
from skill.simulator.nlu import Understander
from skill.simulator.session import OfflineSession

HELD_OUT = Path(__file__).parent / "heldout"
LOCALE_OF = {"en": {"any": "en-US"}, "es": {"any": "es-ES", "es-ES": "es-ES", "es-MX": "es-MX", "es-US": "es-US"}}
SKILL = build_skill("memory://")


@cache
def held_out(language: str) -> dict[str, Any]:
    return yaml.safe_load((HELD_OUT / f"red_flags_{language}.yaml").read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("'", "'").split())


def _locale(language: str, item: dict[str, Any]) -> str:
    return LOCALE_OF[language].get(item.get("region", "any"), LOCALE_OF[language]["any"])


def _mid_routine(locale: str, utterance: str) -> tuple[Any, OfflineSession]:
    session = OfflineSession(SKILL, locale=locale)
    session.intent("StartRoutineIntent")
    session.intent("AMAZON.NextIntent")
    return session.say(utterance), session


def _outside(locale: str, utterance: str) -> Any:
    session = OfflineSession(SKILL, locale=locale)
    session.launch()
    return session.say(utterance)


def _specialist(locale: str) -> str:
    return "spine specialist" if locale.startswith("en") else "especialista en columna"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_held_out_sets_are_big_enough_and_never_samples(language: str) -> None:
    data = held_out(language)
    assert len(data["red_flags"]) >= (150 if language == "en" else 100)
    assert len(data["look_alikes"]) >= 40
    samples = {_norm(s) for locale in library().locales if library().for_locale(locale).language == language
               for s in [*library().for_locale(locale).intent_samples.get("PainIntent", ()),
                         *(x for t in library().for_locale(locale).topics.values() for x in t.samples),
                         *(x for v in library().for_locale(locale).intent_samples.values() for x in v)]}
    leaked = [item["text"] for item in data["red_flags"] if _norm(item["text"]) in samples]
    leaked += [text for text in data["look_alikes"] if _norm(text) in samples]
    # A count only: the message must not hand the held-out phrasings to whoever is writing samples.
    assert len(leaked) == 0, f"{len(leaked)} held-out phrasings are also samples; they must never be"


def _safe_mid_routine(locale: str, text: str) -> tuple[bool, Any]:
    said, session = _mid_routine(locale, text)
    return (said.intent == "PainIntent" and not session.open and _specialist(locale) in said.speech_text
            and "routine" not in session.attributes), said


def _safe_outside(locale: str, text: str) -> tuple[bool, Any]:
    said = _outside(locale, text)
    stop_stretching = library().for_locale(locale).variants("pain_stop")
    return (said.intent == "PainIntent" and _specialist(locale) in said.speech_text
            and not any(v in said.speech_text for v in stop_stretching)), said


@pytest.mark.parametrize(("language", "where", "answered"), [
    ("en", "mid-routine", _safe_mid_routine), ("es", "mid-routine", _safe_mid_routine),
    ("en", "outside a routine", _safe_outside), ("es", "outside a routine", _safe_outside)])
def test_every_held_out_red_flag_is_understood_and_names_a_specialist(
        language: str, where: str, answered: Callable[[str, str], tuple[bool, Any]]) -> None:
    """Mid-routine: the routine stops and a specialist is named. Outside one: a specialist is named, and nobody
    is told to stop stretching who was not stretching."""
    missed = []
    for item in held_out(language)["red_flags"]:
        ok, said = answered(_locale(language, item), item["text"])
        if not ok:
            missed.append(f"{item['text']!r} ({item['kind']}) -> {said.intent}: {said.speech_text[:60]!r}")
    total = len(held_out(language)["red_flags"])
    assert not missed, f"{total - len(missed)}/{total} understood {where}; missed:\n" + "\n".join(missed)


@pytest.mark.parametrize("language", ["en", "es"])
def test_harmless_look_alikes_do_not_stop_a_routine(language: str) -> None:
    wrong = []
    locale = LOCALE_OF[language]["any"]
    for text in held_out(language)["look_alikes"]:
        said, _ = _mid_routine(locale, text)
        if said.intent == "PainIntent":
            wrong.append(text)
    total = len(held_out(language)["look_alikes"])
    kept = f"{total - len(wrong)}/{total} look-alikes left the routine alone"
    assert not wrong, f"{kept}; stopped by:\n" + "\n".join(wrong)


# Found after the held-out sets were written (a sample writer noticed it): a denial of feeling fine was taken as
# "I'm fine" (FeelingFineIntent) or as a "no", and the routine went on. These phrasings are ours, not held-out.
# The same for a symptom that FeelingFineIntent once denied ("i don't feel dizzy"): with "don't feel" learnt as
# unwell, a word-counting model had learnt "dizzy" as fine, and "i feel dizzy" went on with the routine.
FEELING_UNWELL = {
    "en-US": ["i don't feel well", "i'm not feeling well", "i don't feel good", "i'm not okay", "i feel unwell",
              "i don't feel right", "i'm not comfortable", "this isn't comfortable", "not great", "i feel dizzy",
              "i feel faint", "i feel lightheaded"],
    "es-ES": ["no me siento bien", "no me encuentro bien", "no estoy bien", "me encuentro mal", "no me siento cómodo",
              "no estoy a gusto", "no todo está bien", "estoy mareado", "me siento mareada"],
}
UNSURE = {"en-US": ["i'm not sure", "i don't know"], "es-ES": ["no estoy seguro", "no sé"]}
#: "I can't take it" in the middle of a hold is pain until shown otherwise. In Spanish these went to the fallback
#: or to "no" once HoldLengthIntent learnt "aguantar" (hold); asking to hold longer must still change the holds.
CANNOT_TAKE_IT = {
    "en-US": ["i can't take it anymore", "this is unbearable"],
    "es-ES": ["no aguanto más", "ya no lo aguanto", "no lo soporto", "esto no hay quien lo aguante", "no puedo más",
              "esto es insoportable"],
}


@pytest.mark.parametrize(("locale", "text"), [(loc, t) for loc, ts in FEELING_UNWELL.items() for t in ts])
def test_not_feeling_well_stops_the_routine(locale: str, text: str) -> None:
    ok, said = _safe_mid_routine(locale, text)
    assert ok, (said.intent, said.speech_text)


@pytest.mark.parametrize(("locale", "text"), [(loc, t) for loc, ts in CANNOT_TAKE_IT.items() for t in ts])
def test_not_being_able_to_take_it_stops_the_routine(locale: str, text: str) -> None:
    ok, said = _safe_mid_routine(locale, text)
    assert ok, (said.intent, said.speech_text)


@pytest.mark.parametrize(("locale", "text"), [("es-ES", "quiero aguantar más cada estiramiento"),
                                              ("en-US", "i want to hold each stretch longer")])
def test_asking_to_hold_longer_is_not_a_red_flag(locale: str, text: str) -> None:
    said, session = _mid_routine(locale, text)
    assert said.intent == "HoldLengthIntent" and session.open, (said.intent, said.speech_text)


@pytest.mark.parametrize(("locale", "text"), [(loc, t) for loc, ts in UNSURE.items() for t in ts])
def test_being_unsure_is_not_a_red_flag(locale: str, text: str) -> None:
    said, session = _mid_routine(locale, text)
    assert said.intent != "PainIntent" and session.open, (said.intent, said.speech_text)


# Every "I'm fine" word, denied, is a red flag: a word-counting NLU learns FeelingFineIntent's words as fine, so a
# new "i feel amazing" sample would teach "i don't feel amazing" as fine unless red_flags.yaml denies it too.
DENIALS = {
    "en-US": [(r"^i (?:feel|am feeling) (\w+)$", ["i don't feel {}", "i'm not feeling {}"]),
              (r"^i'm (\w+)$", ["i'm not {}"])],
    "es-ES": [(r"^me (?:siento|encuentro) (\w+(?: \w+)?)$", ["no me siento {}", "no me encuentro {}"]),
              (r"^estoy (\w+(?: \w+)?)$", ["no estoy {}"])],
}


@pytest.mark.parametrize("locale", sorted(DENIALS))
def test_denying_any_wellness_word_of_feeling_fine_is_a_red_flag(locale: str) -> None:
    understander = Understander.for_locale(locale)
    words: dict[str, list[str]] = {}
    for sample in library().for_locale(locale).intent_samples["FeelingFineIntent"]:
        for pattern, denials in DENIALS[locale]:
            found = re.match(pattern, sample)
            if found:
                words.setdefault(found.group(1), denials)
    assert len(words) >= 8, words  # the patterns still find FeelingFineIntent's wording
    wrong = [(said, got) for word, denials in words.items() for said in (d.format(word) for d in denials)
             if (got := understander.resolve(said).intent) != "PainIntent"]
    assert not wrong, wrong
