"""Content: every sentence the skill says, per language, loaded once and validated on load.

The YAML under ``skill/content`` is the one home of the skill's words. This module reads it, checks it
(an error names file, line and field) and serves it per Alexa locale. A packaged Lambda ships a
pre-validated JSON bundle instead, so cold starts skip PyYAML and validation.
"""

from __future__ import annotations

import json
import os
import random
import re
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from skill.core.timing import Timing

if TYPE_CHECKING:
    from pathlib import Path

# Plain strings, not pathlib: the Lambda path never needs pathlib, and importing it costs cold start.
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTENT_DIR = os.path.join(PACKAGE_DIR, "content")
BUNDLE_PATH = os.path.join(PACKAGE_DIR, "_content_bundle.json")

# ---------------------------------------------------------------------------------------------- model
# Value types are NamedTuples: as immutable as frozen dataclasses, and ~15x cheaper to define at import,
# which a Lambda cold start pays for.


class Offer(NamedTuple):
    """The follow-up question of an answer; a "yes" leads to a topic, a routine, the topic's "more", or (none of
    them) to "what would you like to know?"."""

    ask: str
    topic: str | None = None
    routine: str | None = None
    more: bool = False


class Topic(NamedTuple):
    id: str
    intent: str
    title: str
    speech: str
    more: str | None
    card: str
    offer: Offer
    samples: tuple[str, ...]
    more_offer: Offer | None = None  # the question after "more", when it differs from ``offer``


class Stretch(NamedTuple):
    id: str
    name: str
    synonyms: tuple[str, ...]
    sides: tuple[str, ...]
    hold_seconds: int
    setup: str
    movement: str
    breathing: str
    card: str
    release: str | None = None  # said as the end-of-hold sound plays ("slowly lower your hips")


class RoutineStep(NamedTuple):
    stretch: str
    sides: tuple[str, ...]
    reps: int
    hold_seconds: int


class Routine(NamedTuple):
    id: str
    name: str
    synonyms: tuple[str, ...]
    description: str
    steps: tuple[RoutineStep, ...]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]", " ", text.lower()).split())


class LocaleContent:
    """What one Alexa locale says: phrases (with overrides), topics, stretches, routines, samples."""

    def __init__(self, locale: str, language: str, invocation: str, raw: dict[str, Any]) -> None:
        self.locale = locale
        self.language = language
        self.invocation = invocation
        self.phrases: dict[str, list[str]] = {
            k: (v if isinstance(v, list) else [v]) for k, v in raw["phrases"].items()
        }
        self.topics: dict[str, Topic] = {
            t["id"]: Topic(t["id"], t["intent"], t["title"], t["speech"], t.get("more"), t["card"],
                           Offer(**t["offer"]), tuple(t["samples"]),
                           Offer(**t["more_offer"]) if t.get("more_offer") else None)
            for t in raw["topics"]
        }
        self.topics_by_intent = {t.intent: t for t in self.topics.values()}
        self.stretches: dict[str, Stretch] = {
            s["id"]: Stretch(s["id"], s["name"], tuple(s["synonyms"]), tuple(s["sides"]), s["hold_seconds"],
                             s["setup"], s["movement"], s["breathing"], s["card"], s.get("release"))
            for s in raw["routines"]["stretches"]
        }
        self.routines: dict[str, Routine] = {
            r["id"]: Routine(r["id"], r["name"], tuple(r["synonyms"]), r["description"], tuple(
                RoutineStep(s["stretch"], tuple(s["sides"]), s["reps"], s["hold_seconds"]) for s in r["steps"]))
            for r in raw["routines"]["routines"]
        }
        self.timing = Timing.from_raw(raw["routines"]["timing"])
        self.intent_samples: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in raw["intents"].items()}
        self.lengths: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in (raw.get("lengths") or {}).items()}
        self._spoken = {
            "routine": {_norm(w): r.id for r in self.routines.values() for w in (r.name, *r.synonyms)},
            "stretch": {_norm(w): s.id for s in self.stretches.values() for w in (s.name, *s.synonyms)},
            "length": {_norm(w): key for key, words in self.lengths.items() for w in (key, *words)},
        }

    def variants(self, key: str) -> list[str]:
        return self.phrases[key]

    def phrase(self, key: str, **values: Any) -> str:
        """One variant of a phrase, filled in. Values are plain text; SSML escaping happens later."""
        text = random.choice(self.phrases[key]) if len(self.phrases[key]) > 1 else self.phrases[key][0]
        return text.format(**values) if values else text

    def side_word(self, side: str) -> str:
        return self.phrase(f"side_{side}")

    def find(self, kind: str, spoken: str | None) -> str | None:
        """Map a spoken routine or stretch name (or an entity-resolved id) to its id."""
        if not spoken:
            return None
        pool: Any = {"routine": self.routines, "stretch": self.stretches, "length": self.lengths}[kind]
        if spoken in pool:
            return spoken
        key = _norm(spoken)
        found = self._spoken[kind].get(key)
        if found is None and " " in key:  # "the bridge", "un puente": try without a leading article
            found = self._spoken[kind].get(key.split(" ", 1)[1])
        if found is None:
            found = self._named_inside(kind, key)
        return found

    def _named_inside(self, kind: str, key: str) -> str | None:
        """A listed name inside an unlisted wording ("the hip twist please", "la sesión larga"): Alexa sends such a
        value unresolved (ER_SUCCESS_NO_MATCH). The longest listed names it holds decide ("way too long" is "too
        long", not "long"), when they are one id's; names of two ids ("the knee to chest and the bridge") or none
        leave it unknown."""
        words = key.split()
        spans = []
        for name, ident in self._spoken[kind].items():
            parts = name.split()
            spans += [(start, start + len(parts), ident) for start in range(len(words) - len(parts) + 1)
                      if words[start:start + len(parts)] == parts]
        owners = {ident for a, b, ident in spans
                  if not any(c <= a and b <= d and (c, d) != (a, b) for c, d, _ in spans)}
        return owners.pop() if len(owners) == 1 else None

    def list_names(self, kind: str) -> str:
        """"the quick routine and the full routine": every routine's (or stretch's) name, listed."""
        return self.listed([x.name for x in (self.routines if kind == "routine" else self.stretches).values()])

    def listed(self, words: list[str]) -> str:
        """"left and right", "a, b and c": words joined the way this language lists them."""
        if len(words) == 1:
            return words[0]
        return f"{', '.join(words[:-1])} {self.phrase('list_and')} {words[-1]}"


class Library:
    """All locales' content, built from validated raw data (YAML or the JSON bundle)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.fallback: str = raw["locales"]["fallback"]
        self._locales: dict[str, LocaleContent] = {}
        for locale, spec in raw["locales"]["locales"].items():
            lang = dict(raw["languages"][spec["language"]])
            overrides = spec.get("overrides", {}).get("phrases", {})
            lang["phrases"] = {**lang["phrases"], **overrides}
            self._locales[locale] = LocaleContent(locale, spec["language"], spec["invocation"], lang)

    @property
    def locales(self) -> list[str]:
        return list(self._locales)

    def for_locale(self, locale: str | None) -> LocaleContent:
        """Unsupported or missing locales answer in the fallback locale's words."""
        return self._locales.get(locale or "", self._locales[self.fallback])


# ----------------------------------------------------------------------------------------- loading


def load_raw(root: Path | str = CONTENT_DIR) -> dict[str, Any]:
    """Read and validate every content file under ``root``; raise ContentError listing all problems."""
    from pathlib import Path

    from skill.core.content_check import check_library  # PyYAML only when YAML is read

    return check_library(Path(root))


def write_bundle(path: Path | str = BUNDLE_PATH, root: Path | str = CONTENT_DIR) -> Path:
    """Validate the YAML and write it as one JSON file, so a packaged Lambda loads content in ~1 ms."""
    from pathlib import Path

    target = Path(path)
    target.write_text(json.dumps(load_raw(root), ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return target


CONTENT_DIR_ENV = "SPINE_COACH_CONTENT_DIR"


@cache
def library() -> Library:
    """The process-wide content, loaded once: the bundle when packaged, else the validated YAML.

    ``SPINE_COACH_CONTENT_DIR`` points at another content folder (a clinic's re-skin, or a test's copy).
    """
    override = os.environ.get(CONTENT_DIR_ENV)
    if override:
        return Library(load_raw(override))
    if os.path.exists(BUNDLE_PATH):
        with open(BUNDLE_PATH, encoding="utf-8") as bundle:
            return Library(json.load(bundle))
    return Library(_validated_in_checkout())


DEV_CACHE = os.path.join(os.path.dirname(PACKAGE_DIR), "build", "content-cache.json")
# a change in any of these can change what is valid
_RULES = ("content.py", "content_rules.py", "content_check.py", "yamlfile.py", "timing.py")


def _fingerprint() -> str:
    """Names, sizes and modification times of every content file and of the validation code."""
    import zlib

    stats = []
    for folder, _, names in sorted(os.walk(CONTENT_DIR)):
        stats += [(os.path.join(folder, n), os.stat(os.path.join(folder, n))) for n in sorted(names)]
    here = os.path.dirname(os.path.abspath(__file__))
    stats += [(n, os.stat(os.path.join(here, n))) for n in _RULES]
    text = "\n".join(f"{name}:{st.st_size}:{st.st_mtime_ns}" for name, st in stats).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(stats)}"


def _validated_in_checkout() -> dict[str, Any]:
    """The checkout's YAML, validated; reused from build/ while no content file or rule has changed, so the
    dev server and CLI start without PyYAML (a failed validation is never cached)."""
    key = _fingerprint()
    try:
        with open(DEV_CACHE, encoding="utf-8") as cached:
            data = json.load(cached)
        if data.get("key") == key:
            return data["raw"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    raw = load_raw()
    try:
        os.makedirs(os.path.dirname(DEV_CACHE), exist_ok=True)
        temporary = f"{DEV_CACHE}.{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump({"key": key, "raw": raw}, out, ensure_ascii=False)
        os.replace(temporary, DEV_CACHE)
    except OSError:  # a read-only checkout validates every time; nothing else changes
        pass
    return raw

