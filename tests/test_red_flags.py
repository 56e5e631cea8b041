"""The red-flag net, measured with phrasings nobody on the project wrote.

tests/heldout/red_flags_<lang>.yaml was written by someone who had read only the article and the list of red-flag
kinds (pain, tingling, numbness, weakness, changes in function), never the samples. Every red flag must be
understood (PainIntent, not a fallback) and answered safely, mid-routine and outside one; the harmless look-alikes
("my back feels great after stretching") must not stop a routine. None of these phrasings may become a sample.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.assembly import build_skill
from skill.core.content import library
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
    assert len(data["look_alikes"]) >= 50
    samples = {_norm(s) for locale in library().locales if library().for_locale(locale).language == language
               for s in [*library().for_locale(locale).intent_samples.get("PainIntent", ()),
                         *(x for t in library().for_locale(locale).topics.values() for x in t.samples),
                         *(x for v in library().for_locale(locale).intent_samples.values() for x in v)]}
    leaked = [item["text"] for item in data["red_flags"] if _norm(item["text"]) in samples]
    leaked += [text for text in data["look_alikes"] if _norm(text) in samples]
    assert not leaked, f"held-out phrasings must never be samples: {leaked}"


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_held_out_red_flag_stops_a_routine_and_names_a_specialist(language: str) -> None:
    missed = []
    for item in held_out(language)["red_flags"]:
        locale = _locale(language, item)
        said, session = _mid_routine(locale, item["text"])
        ok = (said.intent == "PainIntent" and not session.open and _specialist(locale) in said.speech_text
              and "routine" not in session.attributes)
        if not ok:
            missed.append(f"{item['text']!r} ({item['kind']}) -> {said.intent}: {said.speech_text[:60]!r}")
    total = len(held_out(language)["red_flags"])
    assert not missed, f"{total - len(missed)}/{total} understood mid-routine; missed:\n" + "\n".join(missed)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_held_out_red_flag_outside_a_routine_names_a_specialist(language: str) -> None:
    missed = []
    for item in held_out(language)["red_flags"]:
        locale = _locale(language, item)
        said = _outside(locale, item["text"])
        c = library().for_locale(locale)
        ok = (said.intent == "PainIntent" and _specialist(locale) in said.speech_text
              and not any(v in said.speech_text for v in c.variants("pain_stop")))
        if not ok:
            missed.append(f"{item['text']!r} ({item['kind']}) -> {said.intent}: {said.speech_text[:60]!r}")
    total = len(held_out(language)["red_flags"])
    assert not missed, f"{total - len(missed)}/{total} understood outside a routine; missed:\n" + "\n".join(missed)


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
