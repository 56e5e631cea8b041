"""Interaction model coverage: does every sample reach its own intent?

Why: a sample that the model itself routes to another intent is a bug the user hits as "Alexa did the wrong thing",
and the same utterance in two intents makes the Alexa build complain. Running every sample (slots filled with a
representative value) through the offline Understander finds both before a device does. `python -m skill coverage`
calls report() and exits non-zero when it returns ok=False.

Dev-only; stdlib + PyYAML (through nlu).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from skill.simulator.nlu import (
    Understander,
    builtin_phrases,
    fold,
    language_model,
    normalise,
    placeholder_value,
)

#: The skill's locales (notes/conventions.md); a missing model file for any of them fails the report.
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN", "es-ES", "es-MX", "es-US")
MODELS_DIR = Path(__file__).resolve().parents[2] / "interaction_models"

CollisionKind = Literal["resolves-elsewhere", "duplicate", "builtin-shadowed"]


@dataclass(frozen=True)
class Collision:
    """A sample (or a built-in phrasing) that does not reach its own intent.

    kind: "resolves-elsewhere" (the filled sample resolves to `resolved_intent`), "duplicate" (the same utterance
    is a sample of two intents), "builtin-shadowed" (a phrasing Alexa knows for a declared AMAZON.* intent is taken
    by a sample of another intent, so users saying it never reach the built-in).
    """

    locale: str
    intent: str
    sample: str
    utterance: str
    resolved_intent: str
    confidence: float
    kind: CollisionKind
    resolved_sample: str | None = None


def fill_sample(sample: str, slot_types: dict[str, str], model: dict[str, Any], locale: str) -> str:
    """Replace each {Slot} with a representative value of its type ("three" for AMAZON.NUMBER)."""
    return re.sub(
        r"\{([^}]+)\}",
        lambda m: placeholder_value(slot_types.get(m.group(1), "AMAZON.SearchQuery"), model, locale),
        sample,
    )


def _shape(sample: str, slot_types: dict[str, str], lang: str) -> str:
    """Comparable form of a sample: normalised words, slots replaced by their type ("why does my <T> crack")."""
    pieces = re.split(r"\{([^}]+)\}", sample)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(f"<{slot_types.get(piece, piece)}>")
        elif piece.strip():
            out.append(fold(normalise(piece, lang)))
    return " ".join(p for p in out if p)


def collisions(model: dict[str, Any], locale: str) -> list[Collision]:
    """Every collision in one locale's model (empty list = clean)."""
    understander = Understander.from_model(model, locale)
    lang = understander.lang
    lm = language_model(model)
    found: list[Collision] = []
    shapes: dict[str, list[tuple[str, str]]] = {}
    for intent in lm.get("intents", []):
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", []) or []}
        for sample in intent.get("samples", []) or []:
            shapes.setdefault(_shape(sample, slot_types, lang), []).append((intent["name"], sample))
    duplicated: set[tuple[str, str]] = set()
    for owners in shapes.values():
        intents = {name for name, _ in owners}
        if len(intents) < 2:
            continue
        for name, sample in owners:
            duplicated.add((name, sample))
            others = sorted(intents - {name})
            found.append(Collision(locale, name, sample, sample, ", ".join(others), 1.0, "duplicate"))
    for intent in lm.get("intents", []):
        name = intent["name"]
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", []) or []}
        for sample in intent.get("samples", []) or []:
            if (name, sample) in duplicated:
                continue
            utterance = fill_sample(sample, slot_types, model, locale)
            res = understander.resolve(utterance)
            if res.intent != name:
                found.append(Collision(locale, name, sample, utterance, res.intent, res.confidence,
                                       "resolves-elsewhere", res.sample))
    declared = {i["name"] for i in lm.get("intents", [])}
    for name, phrases in builtin_phrases(lang).items():
        if name not in declared:
            continue
        for phrase in phrases:
            res = understander.resolve(phrase)
            if res.intent != name:
                found.append(Collision(locale, name, phrase, phrase, res.intent, res.confidence,
                                       "builtin-shadowed", res.sample))
    return found


def _describe(collision: Collision) -> str:
    if collision.kind == "duplicate":
        return f'"{collision.sample}" is also a sample of {collision.resolved_intent}'
    via = f' via "{collision.resolved_sample}"' if collision.resolved_sample else ""
    said = f'"{collision.utterance}"'
    if collision.utterance != collision.sample:
        said += f' (from "{collision.sample}")'
    what = "built-in phrasing" if collision.kind == "builtin-shadowed" else "sample"
    return f"{what} {said} -> {collision.resolved_intent}{via} ({collision.confidence:.2f})"


def report(
    models_dir: str | Path, locales: Iterable[str], *, fail_on_shadowed_builtins: bool = True,
    verbose: bool = False,
) -> tuple[str, bool]:
    """Human-readable coverage report for the given locales, and whether everything is clean.

    By default only problems are listed (a locale with none prints nothing) and one summary line closes the
    report; verbose=True adds every intent's sample count.

    A built-in phrasing taken by a custom sample ("skip" in a custom SkipIntent while AMAZON.NextIntent is
    declared) fails by default, because which intent Alexa picks is then unpredictable; pass
    fail_on_shadowed_builtins=False to list those as warnings only.
    """
    models_dir = Path(models_dir)
    lines: list[str] = []
    ok = True
    total = 0
    missing = 0
    n_total = 0
    checked = 0
    for locale in locales:
        path = models_dir / f"{locale}.json"
        if not path.is_file():
            lines.append(f"{locale}: MISSING {path}")
            missing += 1
            ok = False
            continue
        with path.open(encoding="utf-8") as handle:
            model = json.load(handle)
        found = collisions(model, locale)
        checked += 1
        failing = [c for c in found if fail_on_shadowed_builtins or c.kind != "builtin-shadowed"]
        total += len(failing)
        ok = ok and not failing
        lm = language_model(model)
        by_intent: dict[str, list[Collision]] = {}
        for collision in found:
            by_intent.setdefault(collision.intent, []).append(collision)
        n_samples = sum(len(i.get("samples", []) or []) for i in lm.get("intents", []))
        warnings = len(found) - len(failing)
        n_total += n_samples
        if not verbose and not found:
            continue
        lines.append(f"{locale} ({path}): {len(lm.get('intents', []))} intents, {n_samples} samples, "
                     f"{len(failing)} collision(s)" + (f", {warnings} warning(s)" if warnings else ""))
        phrases = builtin_phrases(locale.split("-", maxsplit=1)[0])
        width = max((len(i["name"]) for i in lm.get("intents", [])), default=10)
        for intent in lm.get("intents", []):
            mine = by_intent.get(intent["name"], [])
            count = len(intent.get("samples", []) or [])
            extra = len(phrases.get(intent["name"], []))
            status = "ok" if not mine else f"{len(mine)} collision(s)"
            if mine and not fail_on_shadowed_builtins and all(c.kind == "builtin-shadowed" for c in mine):
                status = f"{len(mine)} warning(s)"
            known = f" (+{extra} built-in phrasings)" if extra else ""
            if not verbose and not mine:
                continue
            lines.append(f"  {intent['name']:<{width}}  {count:>3} samples{known}  {status}")
            lines.extend(f"      - {_describe(c)}" for c in mine)
    lines.append(f"OK: no collisions ({checked} locales, {n_total} samples)" if ok
                 else f"FAIL: {total} collision(s), {missing} missing model(s)")
    return "\n".join(lines), ok


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m skill coverage``."""
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR, metavar="DIR",
                        help="folder with <locale>.json interaction models (default: interaction_models/)")
    parser.add_argument("--locale", action="append", dest="locales", metavar="LOCALE",
                        help=f"check only this locale (repeatable; default: {' '.join(LOCALES)})")
    parser.add_argument("--verbose", action="store_true", help="also list every intent's sample count")
    parser.add_argument("--warn-shadowed-builtins", action="store_true",
                        help="report built-in phrasings taken by custom samples as warnings, not failures")


def run(args: argparse.Namespace) -> int:
    """Print the report; exit code 1 on any collision or missing model, so CI can gate on it."""
    text, ok = report(args.models_dir, args.locales or LOCALES,
                      fail_on_shadowed_builtins=not args.warn_shadowed_builtins, verbose=args.verbose)
    print(text)
    return 0 if ok else 1
