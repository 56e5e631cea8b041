"""Interaction models generated from content, so one YAML edit changes what Alexa hears and says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skill.core.coaching import default_minutes
from skill.core.content import Library, LocaleContent
from skill.simulator.nlu import number_words

MODELS_DIR = Path(__file__).resolve().parent.parent.parent / "interaction_models"
BUILT_INS = (
    "AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.NextIntent",
    "AMAZON.PreviousIntent", "AMAZON.RepeatIntent", "AMAZON.StartOverIntent", "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
)
SLOT_TYPES = {"Routine": "RoutineName", "Stretch": "StretchName", "Time": "AMAZON.TIME", "Date": "AMAZON.DATE",
              "Recurrence": "RecurrenceName", "Length": "HoldLength"}
RECURRENCES = ("daily", "weekdays", "weekends")  # RecurrenceName ids; the words are phrases recurrence_<id>


def _type(name: str, items: list[Any]) -> dict[str, Any]:
    return {"name": name, "values": [
        {"id": item.id, "name": {"value": item.name, "synonyms": list(item.synonyms)}} for item in items]}


def _routine_type(c: LocaleContent) -> dict[str, Any]:
    """Routines by name and synonyms, plus by length ("the four minute one") when the length is theirs alone."""
    lengths = {rid: default_minutes(c, rid) for rid in c.routines}
    counts = list(lengths.values())
    values = []
    for rid, routine in c.routines.items():
        synonyms = list(routine.synonyms)
        n = lengths[rid]
        if n is not None and n >= 2 and counts.count(n) == 1:
            words = number_words(n, c.locale)
            synonyms += [s for s in (v.format(count=words) for v in c.variants("routine_by_minutes"))
                         if s not in synonyms]
        values.append({"id": rid, "name": {"value": routine.name, "synonyms": synonyms}})
    return {"name": "RoutineName", "values": values}


def _recurrence_type(c: LocaleContent) -> dict[str, Any]:
    """How often a reminder repeats: the first wording of each is its value, the others its synonyms."""
    values = []
    for rid in RECURRENCES:
        words = c.variants(f"recurrence_{rid}")
        values.append({"id": rid, "name": {"value": words[0], "synonyms": list(words[1:])}})
    return {"name": "RecurrenceName", "values": values}


def build_model(c: LocaleContent) -> dict[str, Any]:
    """The Alexa interaction model for one locale, deterministic for a given content."""
    intents: list[dict[str, Any]] = []
    for topic in c.topics.values():
        intents.append({"name": topic.intent, "slots": [], "samples": list(topic.samples)})
    for name, samples in c.intent_samples.items():
        if name.startswith("AMAZON."):
            continue
        used = sorted({slot for slot in SLOT_TYPES if any(f"{{{slot}}}" in s for s in samples)})
        intents.append({"name": name, "slots": [{"name": s, "type": SLOT_TYPES[s]} for s in used],
                        "samples": list(samples)})
    for name in BUILT_INS:
        intents.append({"name": name, "samples": list(c.intent_samples.get(name, ()))})
    return {"interactionModel": {"languageModel": {
        "invocationName": c.invocation,
        "modelConfiguration": {"fallbackIntentSensitivity": {"level": "LOW"}},
        "intents": intents,
        "types": [_routine_type(c),
                  _type("StretchName", list(c.stretches.values())), _recurrence_type(c),
                  {"name": "HoldLength", "values": [
                      {"id": key, "name": {"value": words[0], "synonyms": list(words[1:])}}
                      for key, words in c.lengths.items()]}],
    }}}


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def expected_files(lib: Library, models_dir: Path = MODELS_DIR) -> dict[Path, str]:
    return {models_dir / f"{locale}.json": render(build_model(lib.for_locale(locale))) for locale in lib.locales}


def write_models(lib: Library, models_dir: Path = MODELS_DIR) -> list[Path]:
    """Write every locale's model; also remove models of locales the content no longer has."""
    models_dir.mkdir(parents=True, exist_ok=True)
    files = expected_files(lib, models_dir)
    for stale in models_dir.glob("*.json"):
        if stale not in files:
            stale.unlink()
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return sorted(files)


def stale_models(lib: Library, models_dir: Path = MODELS_DIR) -> list[str]:
    """Problems that mean the checked-in models no longer match the content."""
    problems = []
    files = expected_files(lib, models_dir)
    for path, text in files.items():
        if not path.exists():
            problems.append(f"{path.name}: missing; run python -m skill build-models")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.name}: out of date with the content; run python -m skill build-models")
    for extra in sorted(set(models_dir.glob("*.json")) - set(files)):
        problems.append(f"{extra.name}: no locale in skill/content/locales.yaml; run python -m skill build-models")
    return problems
