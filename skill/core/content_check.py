"""Validation of the content YAML: every problem found, each with file, line and field.

Kept apart from ``content`` so the packaged Lambda, which loads a pre-validated bundle, never imports
PyYAML or this checker.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skill.core.content_rules import (
    CUSTOM_INTENTS,
    DENIAL_INTENT,
    FILES,
    PHRASES,
    RED_FLAG_INTENT,
    SIDES,
    ContentError,
    placeholders,
)
from skill.core.timing import MAX_ANSWER_SECONDS, Pace, text_seconds
from skill.core.yamlfile import LocatedDoc, Path_, load_located

SAMPLE_RE = re.compile(r"^(?:[^\W\d_]|[ '.\-]|\{[A-Z][A-Za-z]*\})+$")  # which slots: checked per intent
LENGTHS = ("longer", "shorter", "standard")  # the ids of HoldLengthIntent's {Length} slot
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
INTENT_RE = re.compile(r"^[A-Z][A-Za-z]*Intent$")
MAX_TEXT = 2000  # far below Alexa's 8,000-character speech limit; a longer content line is a mistake
ARTICLE_FILE = "article.yaml"
MIN_RED_FLAGS = 150  # "well over a hundred" ways of saying it, per language
PATTERN_SLOT = re.compile(r"\{([a-z_]+)\}")
#: Sample minimums: a statistical NLU (Alexa's, and the simulator's) needs breadth to generalise.
TOPIC_MIN_SAMPLES = 40
COMMAND_MIN_SAMPLES = 25
#: One template may not explode into more samples than this (a typo in a template should not make 10,000).
MAX_EXPANSIONS = 400


def expand_template(text: str) -> list[str]:
    """Expand a sample template into its utterances, in order.

    Syntax: ``(a|b|c)`` is one of the choices, ``[words]`` is optional; both nest; ``{Slot}`` is untouched.
    ``(why does|how come) my back [still] (cracks|pops)`` gives eight samples. Spaces are collapsed, so an
    empty choice leaves no double space. Raises ValueError naming what is wrong.
    """
    pos = 0

    def sequence(closers: str) -> list[str]:
        nonlocal pos
        results = [""]
        while pos < len(text) and text[pos] not in closers:
            ch = text[pos]
            if ch in "([":
                pos += 1
                options = alternatives(")" if ch == "(" else "]")
                if ch == "[":
                    options = ["", *options]
                results = [r + o for r in results for o in options]
            elif ch in ")]":
                raise ValueError(f"unmatched {ch!r} at column {pos + 1}")
            else:
                results = [r + ch for r in results]
                pos += 1
            if len(results) > MAX_EXPANSIONS:
                raise ValueError(f"expands to more than {MAX_EXPANSIONS} samples; split it")
        return results

    def alternatives(closer: str) -> list[str]:
        nonlocal pos
        start = pos
        options: list[str] = []
        while True:
            options += sequence("|" + closer)
            if pos >= len(text):
                raise ValueError(f"{'(' if closer == ')' else '['} at column {start} is never closed")
            if text[pos] == closer:
                pos += 1
                return options
            pos += 1  # "|"

    out = sequence("|")
    if pos < len(text):
        raise ValueError(f"'|' at column {pos + 1} outside ( )")
    seen: list[str] = []
    for sample in (" ".join(r.split()) for r in out):
        if sample not in seen:
            seen.append(sample)
    return seen


def sample_key(sample: str) -> str:
    """What makes two samples the same utterance to Alexa: case, accents, apostrophes, hyphens and periods
    ignored ("Let's" = "lets", "qué" = "que", "knee-to-chest" = "knee to chest")."""
    decomposed = unicodedata.normalize("NFD", sample.lower())
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    plain = re.sub(r"[.\-]", " ", plain.replace("'", "").replace("’", ""))
    return " ".join(plain.split())


def foreign_letters(sample: str) -> list[str]:
    """Letters that are not Latin script (a Cyrillic "о" that looks like "o" but no recogniser will ever hear)."""
    return sorted({ch for ch in sample if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN")})


class Checker:
    """Collects problems for one file so that one run reports them all, not just the first."""

    def __init__(self, doc: LocatedDoc, problems: list[str], exclusive: frozenset[str] = frozenset(),
                 negations: frozenset[str] = frozenset()) -> None:
        self.doc = doc
        self.problems = problems
        self.exclusive = exclusive  # words only red flags may use (red_flags.yaml), as sample_key spells them
        self.negations = negations  # ... except in "I'm fine" samples that deny the symptom

    def fail(self, path: Path_, message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def get(self, parent: Any, path: Path_, key: str, kind: type | tuple[type, ...], *,
            required: bool = True) -> Any:
        """The value at parent[key] if it has the right type, else None with a problem recorded."""
        if not isinstance(parent, dict) or key not in parent or parent[key] is None:
            if required:
                self.fail(path if not isinstance(parent, dict) else (*path, key), "missing")
            return None
        value = parent[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.fail((*path, key), f"must be {names}, not {type(value).__name__}")
            return None
        return value

    def text(self, parent: Any, path: Path_, key: str, *, required: bool = True,
             allowed: frozenset[str] = frozenset()) -> str | None:
        """A sentence: non-empty, no markup, only the {names} the code fills in."""
        value = self.get(parent, path, key, str, required=required)
        if value is None:
            return None
        self.sentence(value, (*path, key), allowed)
        return value

    def sentence(self, value: Any, path: Path_, allowed: frozenset[str]) -> None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "must be non-empty text")
            return
        if len(value) > MAX_TEXT:
            self.fail(path, f"is {len(value)} characters; keep it under {MAX_TEXT}")
        if "<" in value or ">" in value:
            self.fail(path, "must be plain text: no SSML or markup (the skill adds that)")
        try:
            names = placeholders(value)
        except ValueError as exc:
            self.fail(path, f"has a stray brace: {exc}")
            return
        if names - allowed:
            self.fail(path, f"uses {{{', '.join(sorted(names - allowed))}}}; allowed here: "
                            f"{', '.join(sorted(allowed)) or 'none'}")

    def ident(self, parent: Any, path: Path_, key: str, seen: set[str]) -> str | None:
        value = self.get(parent, path, key, str)
        if value is None:
            return None
        if not ID_RE.match(value):
            self.fail((*path, key), f"{value!r} must be lower case letters, digits and underscores")
        if value in seen:
            self.fail((*path, key), f"{value!r} is used twice")
        seen.add(value)
        return value

    def each(self, parent: Any, path: Path_, key: str, visit: Callable[[Any, Path_], None]) -> None:
        items = self.get(parent, path, key, list)
        for i, item in enumerate(items or []):
            if not isinstance(item, dict):
                self.fail((*path, key, i), "must be a mapping")
            else:
                visit(item, (*path, key, i))

    def unknown_keys(self, item: dict[str, Any], path: Path_, known: set[str]) -> None:
        for key in item:
            if key not in known:
                self.fail((*path, key), f"unknown field (known: {', '.join(sorted(known))})")

    def samples(self, parent: Any, path: Path_, key: str, slots: frozenset[str], owner: str,
                claimed: dict[str, str], minimum: int) -> None:
        """Sample utterances as Alexa accepts them, at least ``minimum``, none shared between intents.

        Entries may be templates (see ``expand_template``); the list is replaced by its expansion, so the
        interaction model carries plain samples. Each problem names the line of the entry it comes from.
        """
        items = self.get(parent, path, key, list)
        if items is None:
            return
        expanded: list[str] = []
        for i, sample in enumerate(items):
            where = (*path, key, i)
            if not isinstance(sample, str) or not sample.strip():
                self.fail(where, "must be non-empty text")
                continue
            try:
                texts = expand_template(sample) if any(c in sample for c in "()[]|") else [" ".join(sample.split())]
            except ValueError as exc:
                self.fail(where, f"{sample!r}: bad template: {exc}")
                continue
            templated = len(texts) > 1 or texts != [" ".join(sample.split())]
            expanded += [t for t in texts if self.one_sample(t, where, slots, owner, claimed, templated)]
        if len(expanded) < minimum:
            self.fail((*path, key), f"has {len(expanded)} samples; at least {minimum} are needed")
        parent[key] = expanded

    def one_sample(self, sample: str, where: Path_, slots: frozenset[str], owner: str,
                   claimed: dict[str, str], templated: bool = False) -> bool:
        """Check one sample; False when it must not enter the model. A template's expansion that repeats a
        sample of the same intent is dropped quietly (templates overlap by design); a written repeat fails."""
        if not sample:
            self.fail(where, "expands to an empty sample")
            return False
        if not SAMPLE_RE.match(sample):
            self.fail(where, f"{sample!r}: samples may hold only letters, spaces, apostrophes, periods, "
                             "hyphens and {Slot}; write numbers as words")
        foreign = foreign_letters(sample)
        if foreign:
            names = ", ".join(f"{ch!r} ({unicodedata.name(ch, '?')})" for ch in foreign)
            self.fail(where, f"{sample!r} mixes scripts: {names}; retype it in Latin letters")
        used = {n for n in placeholders(sample)} if "{" in sample else set()
        if used - slots:
            self.fail(where, f"{sample!r} uses a slot this intent does not have")
        norm = sample_key(sample)
        words = set(norm.split())
        denied = owner == DENIAL_INTENT and words & self.negations
        if owner != RED_FLAG_INTENT and not denied and (symptoms := sorted(self.exclusive & words)):
            self.fail(where, f"{sample!r} uses {', '.join(symptoms)}, which only red flags may use (red_flags.yaml: "
                             f"exclusive): {owner} must not answer a person in pain")
        if claimed.get(norm, owner) != owner:
            self.fail(where, f"{sample!r} is also a sample of {claimed[norm]}")
        elif norm in claimed:
            if templated:
                return False
            self.fail(where, f"{sample!r} appears twice (after ignoring case, accents and punctuation)")
        claimed[norm] = owner
        return True


#: What a phrase may fill in with a stretch's or a routine's name (names carry their article in some languages).
NAME_PLACEHOLDERS = ("stretch", "routine", "stretches", "routines")


def _check_phrases(c: Checker, data: Any, never_before_names: frozenset[str] = frozenset()) -> None:
    """Every phrase the skill uses, with the placeholders it may use; and, where a language's names carry their
    article ("el puente"), none of ``never_before_names`` right before a name (Spanish "de el", "a el")."""
    words = "|".join(map(re.escape, sorted(never_before_names)))
    before_name = re.compile(rf"\b({words}) \{{({'|'.join(NAME_PLACEHOLDERS)})\}}") if never_before_names else None
    if not isinstance(data, dict):
        c.fail((), "must be a mapping of phrase names to text")
        return
    for key in sorted(set(PHRASES) - set(data)):
        c.fail((), f"phrase {key!r} is missing")
    for key, value in data.items():
        if key not in PHRASES:
            c.fail((key,), "is not a phrase the skill uses (check the spelling)")
            continue
        variants = value if isinstance(value, list) else [value]
        if not variants:
            c.fail((key,), "needs at least one variant")
        for i, variant in enumerate(variants):
            where = (key, i) if isinstance(value, list) else (key,)
            c.sentence(variant, where, PHRASES[key])
            found = before_name.search(variant) if before_name and isinstance(variant, str) else None
            if found:
                word, name = found.groups()
                c.fail(where, f"puts {word!r} right before {{{name}}}, whose names carry their article here "
                              f"(routines.yaml names_never_after): it would say \"{word} el ...\"")


def quote_form(text: str) -> str:
    """Text as a quote is compared: typographic quotes as plain ones, any run of white space as one space."""
    for fancy, plain in (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'")):
        text = text.replace(fancy, plain)
    return " ".join(text.split())


def _check_sources(c: Checker, item: dict[str, Any], path: Path_, article: str | None) -> None:
    """Every topic names the article's own words for what it says; each quote must be there word for word."""
    sources = c.get(item, path, "sources", list)
    if sources is None:
        return
    if not sources:
        c.fail((*path, "sources"), "needs at least one quote from the article")
    for i, quote in enumerate(sources):
        where = (*path, "sources", i)
        if not isinstance(quote, str) or not quote.strip():
            c.fail(where, "must be a non-empty quote")
        elif article is not None and quote_form(quote) not in article:
            c.fail(where, f"{quote!r} is not in the article ({ARTICLE_FILE}) word for word")


def _check_topics(c: Checker, data: Any, claimed: dict[str, str],
                  article: str | None) -> tuple[list[str], list[Any]]:
    ids: set[str] = set()
    intents: set[str] = set()
    offers: list[Any] = []

    def topic(item: dict[str, Any], path: Path_) -> None:
        c.unknown_keys(item, path, {"id", "intent", "title", "speech", "more", "card", "offer", "more_offer",
                                    "sources", "samples"})
        c.ident(item, path, "id", ids)
        intent = c.get(item, path, "intent", str)
        if intent is not None:
            if not INTENT_RE.match(intent) or intent in CUSTOM_INTENTS:
                c.fail((*path, "intent"), f"{intent!r} must be a new name like TopicNameIntent")
            if intent in intents:
                c.fail((*path, "intent"), f"{intent!r} is used twice")
            intents.add(intent)
        c.text(item, path, "title")
        c.text(item, path, "speech")
        more = c.text(item, path, "more", required=False)
        c.text(item, path, "card")
        for key in ("offer", "more_offer"):
            offer = c.get(item, path, key, dict, required=key == "offer")
            if offer is None:
                continue
            c.unknown_keys(offer, (*path, key), {"ask", "topic", "routine", "more"})
            c.text(offer, (*path, key), "ask")
            if sum(k in offer for k in ("topic", "routine", "more")) > 1:
                c.fail((*path, key), "names more than one of 'topic', 'routine' and 'more' (what a yes leads to)")
            if "more" in offer and (offer["more"] is not True or not more or key != "offer"):
                c.fail((*path, key, "more"), "'more: true' leads a yes to this topic's 'more', which must exist")
            offers.append((offer, (*path, key)))
        _check_sources(c, item, path, article)
        c.samples(item, path, "samples", frozenset(), intent or "?", claimed, TOPIC_MIN_SAMPLES)

    if not isinstance(data, dict):
        c.fail((), "must be a mapping with 'topics'")
        return [], []
    c.each(data, (), "topics", topic)
    return sorted(ids), offers


def _check_routines(c: Checker, data: Any) -> tuple[set[str], set[str]]:
    stretch_ids: set[str] = set()
    routine_ids: set[str] = set()
    names: dict[str, Path_] = {}

    def spoken_names(item: dict[str, Any], path: Path_) -> None:
        for key, value in [("name", item.get("name")), *((("synonyms", i), s)
                                                          for i, s in enumerate(item.get("synonyms") or []))]:
            where = (*path, *key) if isinstance(key, tuple) else (*path, key)
            if isinstance(value, str):
                if not SAMPLE_RE.match(value) or "{" in value:
                    c.fail(where, f"{value!r}: names may hold only letters, spaces, apostrophes and hyphens")
                elif foreign_letters(value):
                    c.fail(where, f"{value!r} mixes scripts: {', '.join(foreign_letters(value))}")
                norm = " ".join(value.lower().split())
                if norm in names:
                    c.fail(where, f"{value!r} already names something at line {c.doc.line(names[norm])}")
                names[norm] = where

    def stretch(item: dict[str, Any], path: Path_) -> None:
        c.unknown_keys(item, path, {"id", "name", "synonyms", "sides", "hold_seconds", "setup", "movement",
                                    "breathing", "card", "release"})
        c.ident(item, path, "id", stretch_ids)
        c.text(item, path, "name")
        c.get(item, path, "synonyms", list)
        spoken_names(item, path)
        sides = sides_of(item, path)
        hold(item, path)
        for key in ("setup", "breathing", "card"):
            c.text(item, path, key)
        c.text(item, path, "release", required=False)
        c.text(item, path, "movement", allowed=frozenset({"side"}) if sides else frozenset())
        movement = item.get("movement")
        if sides and isinstance(movement, str) and "{side}" not in movement:
            c.fail((*path, "movement"), "must say {side}: this stretch has sides")

    def sides_of(item: dict[str, Any], path: Path_) -> list[str] | None:
        sides = c.get(item, path, "sides", list)
        if sides is not None and (any(s not in SIDES for s in sides) or len(set(sides)) != len(sides)):
            c.fail((*path, "sides"), "must be [] or a list of distinct 'left' and 'right'")
        return sides

    def hold(item: dict[str, Any], path: Path_) -> None:
        seconds = c.get(item, path, "hold_seconds", int)
        if seconds is not None and not 5 <= seconds <= 90:
            c.fail((*path, "hold_seconds"), "must be between 5 and 90 seconds")

    def routine(item: dict[str, Any], path: Path_) -> None:
        c.unknown_keys(item, path, {"id", "name", "synonyms", "description", "steps"})
        c.ident(item, path, "id", routine_ids)
        c.text(item, path, "name")
        c.get(item, path, "synonyms", list)
        spoken_names(item, path)
        c.text(item, path, "description")

        def step(s: dict[str, Any], spath: Path_) -> None:
            c.unknown_keys(s, spath, {"stretch", "sides", "reps", "hold_seconds"})
            ref = c.get(s, spath, "stretch", str)
            if ref is not None and ref not in stretch_ids:
                c.fail((*spath, "stretch"), f"{ref!r} is not a stretch id ({', '.join(sorted(stretch_ids))})")
            sides_of(s, spath)
            reps = c.get(s, spath, "reps", int)
            if reps is not None and not 1 <= reps <= 10:
                c.fail((*spath, "reps"), "must be between 1 and 10")
            hold(s, spath)

        c.each(item, path, "steps", step)
        if not item.get("steps"):
            c.fail((*path, "steps"), "a routine needs at least one step")

    if not isinstance(data, dict):
        c.fail((), "must be a mapping with 'stretches', 'routines' and 'timing'")
        return set(), set()
    _check_timing(c, data)
    c.each(data, (), "stretches", stretch)
    c.each(data, (), "routines", routine)
    return stretch_ids, routine_ids


def _check_timing(c: Checker, data: dict[str, Any]) -> None:
    """The language's measured pace, hold range and end-of-hold sound: numbers the skill computes with."""
    timing = c.get(data, (), "timing", dict)
    if timing is None:
        return
    path: Path_ = ("timing",)
    c.unknown_keys(timing, path, {"voice", "render_words_per_minute", "letters_per_second", "sentence_pause",
                                  "move_seconds", "turn_seconds", "hold", "hold_end_sound"})
    c.get(timing, path, "voice", str)
    for key, low, high in (("render_words_per_minute", 80, 300), ("letters_per_second", 5, 30),
                           ("sentence_pause", 0, 2), ("move_seconds", 3, 10), ("turn_seconds", 1, 20)):
        value = c.get(timing, path, key, (int, float))
        if value is not None and not low <= value <= high:
            c.fail((*path, key), f"must be between {low} and {high}")
    hold = c.get(timing, path, "hold", dict)
    if hold is not None:
        c.unknown_keys(hold, (*path, "hold"), {"shortest", "longest", "change"})
        numbers = [c.get(hold, (*path, "hold"), k, int) for k in ("shortest", "longest", "change")]
        if None not in numbers and not 5 <= numbers[0] <= numbers[1] <= 90:
            c.fail((*path, "hold"), "needs 5 <= shortest <= longest <= 90")
    sound = c.get(timing, path, "hold_end_sound", dict)
    if sound is not None:
        c.unknown_keys(sound, (*path, "hold_end_sound"), {"src", "seconds"})
        src = c.get(sound, (*path, "hold_end_sound"), "src", str)
        if src is not None and not src.startswith(("soundbank://soundlibrary/", "https://")):
            c.fail((*path, "hold_end_sound", "src"), "must be a soundbank://soundlibrary/ clip or an https MP3")
        seconds = c.get(sound, (*path, "hold_end_sound"), "seconds", (int, float))
        if seconds is not None and not 0 < seconds <= 10:
            c.fail((*path, "hold_end_sound", "seconds"), "must be between 0 and 10")


def check_answer_length(c: Checker, topics: Any, timing: Any) -> None:
    """One breath: an answer and its offer question, at the language's measured pace, take 12 s at most."""
    if not isinstance(timing, dict) or not isinstance(topics, dict):
        return
    try:
        pace = Pace(float(timing["letters_per_second"]), float(timing["sentence_pause"]))
    except (KeyError, TypeError, ValueError):
        return  # _check_timing reports it
    for i, item in enumerate(topics.get("topics") or []):
        if not isinstance(item, dict) or not isinstance(item.get("speech"), str):
            continue
        ask = (item.get("offer") or {}).get("ask") if isinstance(item.get("offer"), dict) else None
        seconds = text_seconds(item["speech"], pace) + text_seconds(ask if isinstance(ask, str) else "", pace)
        if seconds > MAX_ANSWER_SECONDS:
            c.fail(("topics", i, "speech"), f"takes about {seconds:.1f} s with its offer question; one breath is "
                                            f"{MAX_ANSWER_SECONDS:.0f} s at most (put the rest in 'more')")


def _check_intents(c: Checker, data: Any, claimed: dict[str, str]) -> None:
    intents = c.get({"intents": data.get("intents")} if isinstance(data, dict) else None, (), "intents", dict)
    if intents is None:
        return
    for name in sorted(set(CUSTOM_INTENTS) - set(intents) - {RED_FLAG_INTENT}):
        c.fail(("intents",), f"{name} is missing")
    for name in intents:
        if name == RED_FLAG_INTENT:
            c.fail(("intents", name), "its samples are generated from red_flags.yaml; move them there")
            continue
        if name not in CUSTOM_INTENTS and not name.startswith("AMAZON."):
            c.fail(("intents", name), "is not an intent the skill handles")
            continue
        minimum = COMMAND_MIN_SAMPLES if name in CUSTOM_INTENTS else 0
        c.samples(intents, ("intents",), name, CUSTOM_INTENTS.get(name, frozenset()), name, claimed, minimum)
    lengths = c.get(data, (), "lengths", dict)
    if lengths is not None:
        for key in sorted(set(LENGTHS) - set(lengths)):
            c.fail(("lengths",), f"{key} is missing")
        for key, words in lengths.items():
            if key not in LENGTHS:
                c.fail(("lengths", key), f"must be one of {', '.join(LENGTHS)}")
            elif not isinstance(words, list) or not words or not all(
                    isinstance(w, str) and SAMPLE_RE.match(w) and "{" not in w for w in words):
                c.fail(("lengths", key), "must be a list of words (letters, spaces, apostrophes, hyphens)")


def _words_of(c: Checker, data: Any, key: str, *, required: bool = True) -> frozenset[str]:
    """A list of single words at the top of a content file, as ``sample_key`` spells them."""
    found: set[str] = set()
    for i, word in enumerate(c.get(data, (), key, list, required=required) or [] if isinstance(data, dict) else []):
        if not isinstance(word, str) or len(word.split()) != 1:
            c.fail((key, i), "must be one word")
        else:
            found.add(sample_key(word))
    return frozenset(found)


def _check_red_flags(c: Checker, data: Any, claimed: dict[str, str]) -> list[str]:
    """PainIntent's samples from red_flags.yaml: each pattern's {lists} become template choices, expanded and
    checked like every other sample (the same template syntax works inside a pattern too)."""
    if not isinstance(data, dict):
        c.fail((), "must be a mapping with 'exclusive', 'words' and 'patterns'")
        return []
    c.unknown_keys(data, (), {"exclusive", "negations", "words", "patterns"})
    words: dict[str, str] = {}
    for name, values in (c.get(data, (), "words", dict) or {}).items():
        if not isinstance(values, list) or not values or not all(
                isinstance(v, str) and v.strip() and not any(ch in v for ch in "()[]|{}") for v in values):
            c.fail(("words", name), "must be a list of plain words or phrases")
        else:
            words[str(name)] = f"({'|'.join(values)})"
    patterns = c.get(data, (), "patterns", list) or []
    broken = False
    for i, pattern in enumerate(patterns):
        unknown = sorted(set(PATTERN_SLOT.findall(pattern)) - set(words)) if isinstance(pattern, str) else []
        if unknown:
            c.fail(("patterns", i), f"{pattern!r} names {{{', '.join(unknown)}}}, which is not a list under 'words'")
            broken = True
    if broken:
        return []
    holder = {"patterns": [PATTERN_SLOT.sub(lambda m: words[m[1]], p) if isinstance(p, str) else p for p in patterns]}
    c.samples(holder, (), "patterns", frozenset(), RED_FLAG_INTENT, claimed, MIN_RED_FLAGS)
    return holder["patterns"]


def _display(path: Path) -> str:
    """File names as an editor types them: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def check_language(folder: Path, article: str | None = None) -> tuple[dict[str, Any], list[str], dict[str, LocatedDoc]]:
    """Validate one language folder against the article (its text as ``quote_form`` gives it); returns its raw
    data, with PainIntent's samples expanded from red_flags.yaml, and the problems found."""
    problems: list[str] = []
    docs: dict[str, LocatedDoc] = {}
    for name in FILES:
        path = folder / f"{name}.yaml"
        try:
            docs[name] = load_located(path, _display(path))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        return {}, problems, docs
    claimed: dict[str, str] = {}
    never_before_names = _words_of(Checker(docs["routines"], problems), docs["routines"].data, "names_never_after",
                                   required=False)
    _check_phrases(Checker(docs["phrases"], problems), docs["phrases"].data, never_before_names)
    flag_checker = Checker(docs["red_flags"], problems)
    exclusive = _words_of(flag_checker, docs["red_flags"].data, "exclusive")
    negations = _words_of(flag_checker, docs["red_flags"].data, "negations")
    topic_checker = Checker(docs["topics"], problems, exclusive, negations)
    _, offers = _check_topics(topic_checker, docs["topics"].data, claimed, article)
    _, routine_ids = _check_routines(Checker(docs["routines"], problems), docs["routines"].data)
    if isinstance(docs["routines"].data, dict):
        check_answer_length(topic_checker, docs["topics"].data, docs["routines"].data.get("timing"))
    _check_intents(Checker(docs["intents"], problems, exclusive, negations), docs["intents"].data, claimed)
    red_flags = _check_red_flags(flag_checker, docs["red_flags"].data, claimed)
    topic_ids = {t.get("id") for t in (docs["topics"].data or {}).get("topics") or [] if isinstance(t, dict)}
    for offer, path in offers:
        if "topic" in offer and offer["topic"] not in topic_ids:
            topic_checker.fail((*path, "topic"), f"{offer['topic']!r} is not a topic id")
        if "routine" in offer and offer["routine"] not in routine_ids:
            topic_checker.fail((*path, "routine"), f"{offer['routine']!r} is not a routine id")
    data = {name: doc.data for name, doc in docs.items()}
    if isinstance(data["intents"], dict) and isinstance(data["intents"].get("intents"), dict):
        data["intents"] = {**data["intents"], "intents": {**data["intents"]["intents"], RED_FLAG_INTENT: red_flags}}
    return data, problems, docs


def _article(root: Path, problems: list[str]) -> str | None:
    """The source article's text (as quotes are compared), or None with a problem when it cannot be read."""
    path = root / ARTICLE_FILE
    try:
        doc = load_located(path, _display(path))
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    c = Checker(doc, problems)
    c.unknown_keys(doc.data if isinstance(doc.data, dict) else {}, (), {"title", "origin", "text"})
    c.text(doc.data, (), "title")
    c.text(doc.data, (), "origin")
    text = c.get(doc.data, (), "text", str)
    return quote_form(text) if text else None


# Where each part of a language's shape lives: (file, field), so cross-language problems name a line too.
SHAPE_FILES: dict[str, tuple[str, Path_]] = {
    "phrases": ("phrases", ()), "topics": ("topics", ("topics",)), "stretches": ("routines", ("stretches",)),
    "routines": ("routines", ("routines",)), "intents": ("intents", ("intents",)),
}


def _shape(raw: dict[str, Any]) -> dict[str, Any]:
    """What must match between languages: the same phrase keys, topic, stretch, routine and intent ids."""
    return {
        "phrases": set(raw["phrases"]),
        "topics": {(t["id"], t["intent"]) for t in raw["topics"]["topics"]},
        "stretches": {s["id"] for s in raw["routines"]["stretches"]},
        "routines": {r["id"] for r in raw["routines"]["routines"]},
        "intents": {name for name in raw["intents"]["intents"] if not name.startswith("AMAZON.")},
    }


def check_library(root: Path) -> dict[str, Any]:
    """Validate the locales file and every language it names; return the raw data for ``Library``."""
    problems: list[str] = []
    article = _article(root, problems)
    locales_doc = load_located(root / "locales.yaml", _display(root / "locales.yaml"))
    c = Checker(locales_doc, problems)
    spec = locales_doc.data if isinstance(locales_doc.data, dict) else {}
    locales = c.get(spec, (), "locales", dict) or {}
    fallback = c.get(spec, (), "fallback", str)
    if fallback is not None and fallback not in locales:
        c.fail(("fallback",), f"{fallback!r} is not one of the locales")
    languages: dict[str, Any] = {}
    docs_of: dict[str, dict[str, LocatedDoc]] = {}
    for locale, item in locales.items():
        path: Path_ = ("locales", locale)
        lang = c.get(item, path, "language", str)
        invocation = c.text(item, path, "invocation")
        if invocation is not None and (invocation != invocation.lower() or len(invocation.split()) < 2):
            c.fail((*path, "invocation"), "must be two or more lower-case words")
        if lang is None:
            continue
        if lang not in languages:
            folder = root / lang
            if not folder.is_dir():
                c.fail((*path, "language"), f"no content folder {lang}/")
                continue
            raw, found, docs_of[lang] = check_language(folder, article)
            problems.extend(found)
            languages[lang] = {"phrases": raw.get("phrases"), "topics": raw.get("topics"),
                               "routines": raw.get("routines"), "intents": raw.get("intents")}
        overrides = (item or {}).get("overrides") or {}
        for key, value in (overrides.get("phrases") or {}).items():
            where = (*path, "overrides", "phrases", key)
            if key not in PHRASES:
                c.fail(where, "is not a phrase the skill uses")
                continue
            for i, variant in enumerate(value if isinstance(value, list) else [value]):
                c.sentence(variant, (*where, i) if isinstance(value, list) else where, PHRASES[key])
    if problems:
        raise ContentError(problems)
    shapes = {lang: _shape(raw) for lang, raw in languages.items()}
    first = next(iter(shapes), None)
    for lang, shape in shapes.items():
        for part, items in shape.items():
            missing = shapes[first][part] - items if first else set()
            extra = items - shapes[first][part] if first else set()
            doc = docs_of[lang][SHAPE_FILES[part][0]]
            where = SHAPE_FILES[part][1]
            for thing in sorted(map(str, missing)):
                problems.append(doc.problem(where, f"{thing} is missing (it exists in {first}/)"))
            for thing in sorted(map(str, extra)):
                problems.append(doc.problem(where, f"{thing} is not in {first}/"))
    if problems:
        raise ContentError(problems)
    return {
        "locales": spec,
        "languages": {lang: {"phrases": raw["phrases"], "topics": raw["topics"]["topics"],
                             "routines": raw["routines"], "intents": raw["intents"]["intents"],
                             "lengths": raw["intents"]["lengths"]}
                      for lang, raw in languages.items()},
    }
