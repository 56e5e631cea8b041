"""Offline "understanding": typed utterance -> the intent and slots Alexa would send.

Why: developers and dialog tests need to talk to the skill without a device or the Alexa cloud. The only truth we
have offline is the checked-in interaction model (interaction_models/<locale>.json), so this module predicts
Alexa's choice from it: an exact sample match first (as Alexa does for trained samples), then a statistical
classifier trained on the model's samples (intent_model.py: word-stem and character n-grams, calibrated linear SVM),
with AMAZON.FallbackIntent below its confidence threshold. Slots of a classified utterance are filled only with
listed values (typo-tolerant), numbers and durations, so an unlisted word never becomes a stretch name.

The classifier replaced a hand-tuned word-overlap matcher; on the held-out corpus (tests/heldout/) it predicted
better in both languages (python -m skill evaluate; numbers in the issue 12 report).

Dev-only: never import this from the Lambda path (scikit-learn is a dev dependency).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from skill.simulator.envelopes import DEFAULT_SKILL_ID

FALLBACK = "AMAZON.FallbackIntent"
#: Pseudo-intent returned when the utterance only opens the skill ("open spine coach"): the caller should send a
#: LaunchRequest, not an IntentRequest.
LAUNCH = "LaunchRequest"

#: Built-in slot types whose values Alexa reads into a clock time or a date ("quarter to six" -> 17:45).
_CLOCK_TYPES = ("AMAZON.TIME", "AMAZON.DATE")
#: Confidence of an exact sample match whose custom slot value is not a listed value or synonym.
UNLISTED_VALUE_CONFIDENCE = 0.9
#: Factor for an exact match that needed filler words removed first.
FILLER_FACTOR = 0.97
#: Classified matches never claim more than this, so an exact match always outranks them.
TOLERANT_CAP = 0.89

BUILTIN_PHRASES_FILE = Path(__file__).with_name("builtin_phrases.yaml")


# ----------------------------------------------------------------------------------------------------
# Public results
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SlotValue:
    """One filled slot. resolved_* are set when the value is a listed value or synonym of a custom slot type."""

    name: str
    value: str
    resolved_id: str | None
    resolved_name: str | None


@dataclass(frozen=True)
class Resolution:
    """What Alexa would send for an utterance.

    intent is an intent name, FALLBACK, or LAUNCH (only the invocation was said). For FALLBACK, confidence is the
    best rejected score (how near the miss was) and `nearest` names the intent that came closest. `invoked` is
    true when the utterance carried the invocation ("ask spine coach ..."), i.e. Alexa would start a new session.
    """

    intent: str
    slots: dict[str, SlotValue]
    confidence: float
    sample: str | None
    invoked: bool = False
    nearest: str | None = None


# ----------------------------------------------------------------------------------------------------
# Normalisation
# ----------------------------------------------------------------------------------------------------
_EN_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"
]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
    "twelve": "twelfth",
}
_ES_ONES = [
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce",
    "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte", "veintiuno",
    "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho",
    "veintinueve"
]
_ES_TENS = ["_", "_", "veinte", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
_ES_HUNDREDS = [
    "_", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos", "seiscientos", "setecientos",
    "ochocientos", "novecientos"
]
_ES_ORDINALS = [
    "_", "primero", "segundo", "tercero", "cuarto", "quinto", "sexto", "séptimo", "octavo", "noveno", "décimo"
]


def _en_words(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        tens, rest = divmod(n, 10)
        return _EN_TENS[tens] + (f" {_EN_ONES[rest]}" if rest else "")
    for size, word in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            high, rest = divmod(n, size)
            return f"{_en_words(high)} {word}" + (f" {_en_words(rest)}" if rest else "")
    raise AssertionError(n)  # pragma: no cover


def _en_ordinal(n: int) -> str:
    words = _en_words(n).split()
    last = words[-1]
    if last in _EN_ORDINAL_WORDS:
        words[-1] = _EN_ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _es_words(n: int) -> str:
    if n < 30:
        return _ES_ONES[n]
    if n < 100:
        tens, rest = divmod(n, 10)
        return _ES_TENS[tens] + (f" y {_ES_ONES[rest]}" if rest else "")
    if n == 100:
        return "cien"
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ES_HUNDREDS[hundreds] + (f" {_es_words(rest)}" if rest else "")
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = "mil" if thousands == 1 else f"{_es_apocope(_es_words(thousands))} mil"
        return head + (f" {_es_words(rest)}" if rest else "")
    millions, rest = divmod(n, 1_000_000)
    head = "un millón" if millions == 1 else f"{_es_apocope(_es_words(millions))} millones"
    return head + (f" {_es_words(rest)}" if rest else "")


def _es_apocope(words: str) -> str:
    """"veintiuno mil" is wrong Spanish: before a noun-like scale word "uno" shortens ("veintiún mil")."""
    if words.endswith("veintiuno"):
        return words[: -len("veintiuno")] + "veintiún"
    if words.endswith("uno"):
        return words[:-1]
    return words


def number_words(n: int, locale: str) -> str:
    """A whole number as a language says it ("four", "cuatro"): samples and slot values hold no digits."""
    return _es_words(n) if _lang(locale) == "es" else _en_words(n)


def _lang(locale: str) -> str:
    return locale.split("-", maxsplit=1)[0].lower()


_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th|º|ª|\.º|%)?")


def _number_to_words(token: str, lang: str) -> str:
    """Spell a digit group the way a sample would say it ("33" -> "thirty three" / "treinta y tres")."""
    suffix = ""
    match = re.match(r"([\d.,]+?)(st|nd|rd|th|º|ª|\.º|%)?$", token)
    if not match:  # pragma: no cover - the caller's regex guarantees a match
        return token
    digits, suffix = match.group(1), match.group(2) or ""
    words = _en_words if lang != "es" else _es_words
    if lang == "es":
        thousands_sep, decimal_sep, point = ".", ",", "coma"
    else:
        thousands_sep, decimal_sep, point = ",", ".", "point"
    digits = re.sub(rf"(?<=\d){re.escape(thousands_sep)}(?=\d{{3}}\b)", "", digits)
    whole, _, frac = digits.partition(decimal_sep)
    whole = re.sub(r"\D", "", whole)
    if not whole:
        return token
    n = int(whole)
    if suffix in {"st", "nd", "rd", "th"} and lang != "es" and not frac:
        return _en_ordinal(n)
    if suffix in {"º", "ª", ".º"} and lang == "es" and 0 < n < len(_ES_ORDINALS) and not frac:
        return _ES_ORDINALS[n] if suffix != "ª" else _ES_ORDINALS[n][:-1] + "a"
    text = words(n)
    if frac:
        text += f" {point} " + " ".join(words(int(d)) for d in frac if d.isdigit())
    if suffix == "%":
        text += " por ciento" if lang == "es" else " percent"
    return text


def normalise(text: str, lang: str = "en") -> str:
    """Lower-case, spell digits, drop punctuation (keeping apostrophes inside words), collapse spaces.

    Samples and utterances both pass through here so that they compare like with like. Accents are kept (slot
    values are reported as spoken); `fold` removes them for matching.
    """
    text = unicodedata.normalize("NFC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"(?<=\d):(?=\d)", " ", text)  # 7:30 -> 7 30
    text = _NUMBER_RE.sub(lambda m: f" {_number_to_words(m.group(0), lang)} ", text)
    text = text.replace("&", " y " if lang == "es" else " and ")
    text = re.sub(r"[^\w\s']|_", " ", text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
    return " ".join(text.split())


def fold(text: str) -> str:
    """Matching form: no accents ("sí" == "si"), no apostrophes ("lets" == "let's"). Keeps token boundaries."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).replace("'", "")


# ----------------------------------------------------------------------------------------------------
# Language resources
# ----------------------------------------------------------------------------------------------------
_FILLERS = {
    "en": [
        "um", "umm", "uh", "uhm", "uhh", "er", "erm", "hmm", "mm", "please", "alexa", "hey", "so um",
        "can you", "could you", "would you", "will you", "can you please", "could you please",
        "i want to", "i wanna", "i would like to", "i'd like to", "i want you to", "i'd like you to",
        "kindly", "just", "i was wondering", "i wonder", "do you know", "can you tell me", "could you tell me",
        "i want to know", "i'd like to know", "quick question", "okay so", "so", "actually", "basically",
        "you know", "i mean", "hey there",
    ],
    "es": [
        "eh", "em", "emm", "mmm", "este eh", "pues", "oye", "alexa", "por favor", "porfa", "porfavor",
        "puedes", "podrías", "me puedes", "me podrías", "quiero", "quisiera", "me gustaría",
        "me preguntaba", "sabes", "me puedes decir", "puedes decirme", "quiero saber", "me gustaría saber",
        "una pregunta", "a ver", "entonces", "oiga", "mira", "oye una cosa",
    ],
}
_STOPWORDS = {
    "en": {
        "a", "an", "the", "my", "your", "our", "is", "are", "am", "was", "be", "it", "it's", "its", "to", "of",
        "in", "on", "at", "for", "and", "or", "i", "i'm", "me", "this", "that", "do", "does", "did", "some", "any",
    },
    "es": {
        "el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "mi", "mis", "tu", "tus", "me", "se",
        "es", "son", "a", "al", "en", "y", "o", "que", "lo", "le", "por", "con", "su", "sus", "esto", "esta", "este",
    },
}
#: Stop words that still make a carrier phrase ("do the {Stretch}"), unlike articles and pronouns.
_STOP_VERBS = {"en": {"is", "are", "am", "was", "be", "do", "does", "did"}, "es": {"es", "son"}}
_EN_NUM_VALUES: dict[str, int] = {w: i for i, w in enumerate(_EN_ONES)} | {
    w: 10 * i for i, w in enumerate(_EN_TENS) if i >= 2
}
_ES_NUM_VALUES: dict[str, int] = {fold(w): i for i, w in enumerate(_ES_ONES)} | {
    fold(w): 10 * i for i, w in enumerate(_ES_TENS) if i >= 2
} | {fold(w): 100 * i for i, w in enumerate(_ES_HUNDREDS) if i >= 1} | {
    "un": 1, "una": 1, "veintiun": 21, "veintiuna": 21, "cien": 100, "quinientas": 500,
    "doscientas": 200, "trescientas": 300, "cuatrocientas": 400, "seiscientas": 600, "setecientas": 700,
    "ochocientas": 800, "novecientas": 900,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "mil": 1000, "millon": 1_000_000,
           "millones": 1_000_000}
_NUM_JOINERS = {"en": {"and"}, "es": {"y"}}
_ARTICLE_NUMBERS = {"en": {"a", "an"}, "es": {"un", "una"}}  # only numbers when followed by a number/unit word
_DURATION_UNITS = {
    "en": {"second": "S", "seconds": "S", "minute": "M", "minutes": "M", "hour": "H", "hours": "H",
           "sec": "S", "secs": "S", "min": "M", "mins": "M"},
    "es": {"segundo": "S", "segundos": "S", "minuto": "M", "minutos": "M", "hora": "H", "horas": "H"},
}
_PLACEHOLDER = {  # what coverage puts in AMAZON.* slots; also a sane "plausible word" for docs
    "en": {"AMAZON.NUMBER": "three", "AMAZON.DURATION": "five minutes", "AMAZON.FirstName": "sam",
           "AMAZON.US_FIRST_NAME": "sam", "AMAZON.Ordinal": "second", "AMAZON.ORDINAL": "second",
           "AMAZON.SearchQuery": "how to sit", "AMAZON.DATE": "today", "AMAZON.TIME": "seven am",
           "*": "something"},
    "es": {"AMAZON.NUMBER": "tres", "AMAZON.DURATION": "cinco minutos", "AMAZON.FirstName": "ana",
           "AMAZON.Ordinal": "segundo", "AMAZON.ORDINAL": "segundo", "AMAZON.SearchQuery": "cómo sentarme",
           "AMAZON.DATE": "hoy", "AMAZON.TIME": "las siete", "*": "algo"},
}
# Values the classifier's training puts in Amazon's built-in slot types. Alexa recognises these types natively in
# every ordinary wording ("six thirty in the evening", "las nueve de la noche"), so a sample with {Time} stands for
# all of them; one placeholder value would teach the classifier a single clock time and send the others to the
# fallback class, whose training has timers and alarms.
_TRAINING_VALUES = {
    "en": {"AMAZON.TIME": ["seven am", "six thirty in the evening", "quarter to eight", "nine pm", "half past six",
                           "eight fifteen", "noon", "ten o'clock at night", "five thirty", "seven in the morning"],
           "AMAZON.DURATION": ["five minutes", "thirty seconds", "a minute", "two minutes", "forty five seconds"],
           "AMAZON.DATE": ["today", "tomorrow", "monday", "this weekend"]},
    "es": {"AMAZON.TIME": ["las siete", "las seis de la tarde", "las nueve de la noche", "las ocho y media",
                           "las siete y cuarto", "las diez menos cuarto", "mediodía", "las ocho de la mañana",
                           "las cinco y media", "las nueve en punto"],
           "AMAZON.DURATION": ["cinco minutos", "treinta segundos", "un minuto", "dos minutos",
                               "cuarenta y cinco segundos"],
           "AMAZON.DATE": ["hoy", "mañana", "el lunes", "este fin de semana"]},
}
# Invocation phrasing. Each verb is followed by the invocation name; connectors after it are optional and are
# tried both stripped and kept ("ask spine coach to X" / "ask spine coach why X").
_INVOKE_VERBS = {
    "en": ["ask", "tell", "open", "launch", "start", "begin", "load", "run", "use", "talk to", "speak to",
           "play", "resume", "enable"],
    "es": ["pide a", "pídele a", "pidele a", "abre", "pregunta a", "pregúntale a", "preguntale a", "dile a",
           "inicia", "empieza", "comienza", "lanza", "usa", "habla con", "ejecuta", "pon", "activa", "abrir"],
}
_INVOKE_CONNECTORS = {
    "en": ["to", "about", "for", "if", "whether", "and", "that", "and then"],
    "es": ["que", "sobre", "acerca de", "y", "si", "por"],
}
_INVOKE_SUFFIXES = {
    "en": ["using", "with", "from", "on", "in", "via"],
    "es": ["con", "en", "usando", "de", "desde"],
}
_WAKE_PREFIX = {"en": ["alexa", "hey alexa", "ok alexa", "okay alexa", "echo", "computer"],
                "es": ["alexa", "oye alexa", "ok alexa", "hola alexa"]}


def _words(phrases: Iterable[str], lang: str) -> list[tuple[str, ...]]:
    out = {tuple(fold(normalise(p, lang)).split()) for p in phrases}
    return sorted((p for p in out if p), key=len, reverse=True)


def parse_number(words: str, lang: str) -> int | None:
    """Number words back to an int ("thirty three" -> 33), because Alexa sends AMAZON.NUMBER values as digits."""
    values = _ES_NUM_VALUES if lang == "es" else _EN_NUM_VALUES
    total, current, seen = 0, 0, False
    for word in fold(words).split():
        if word in _NUM_JOINERS.get(lang, set()):
            continue
        if word in _ARTICLE_NUMBERS.get(lang, set()):
            current += 1
            seen = True
        elif word in values:
            current += values[word]
            seen = True
        elif word in _SCALES:
            scale = _SCALES[word]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def _duration_iso(words: str, lang: str) -> str | None:
    """"five minutes and thirty seconds" -> "PT5M30S", the AMAZON.DURATION form Alexa sends."""
    units = _DURATION_UNITS.get(lang, _DURATION_UNITS["en"])
    parts: dict[str, int] = {}
    pending: list[str] = []
    for word in fold(words).split():
        if word in units:
            number = parse_number(" ".join(pending), lang) if pending else 1
            if number is None:
                return None
            parts[units[word]] = parts.get(units[word], 0) + number
            pending = []
        elif word in _NUM_JOINERS.get(lang, set()) and not pending:
            continue
        else:
            pending.append(word)
    if pending or not parts:
        return None
    return "PT" + "".join(f"{parts[k]}{k}" for k in "HMS" if k in parts)


def _number_words(lang: str) -> set[str]:
    values = _ES_NUM_VALUES if lang == "es" else _EN_NUM_VALUES
    scales = {"mil", "millon", "millones"} if lang == "es" else {"hundred", "thousand", "million"}
    return (set(values) | scales) - _ARTICLE_NUMBERS.get(lang, set())


def _number_regex(lang: str) -> str:
    words = sorted(_number_words(lang), key=len, reverse=True)
    word = "(?:" + "|".join(map(re.escape, words)) + ")"
    joiner = "(?:" + "|".join(sorted(_NUM_JOINERS.get(lang, set()))) + ") "
    return f"(?:{word}(?: (?:{joiner})?{word})*)"


def _duration_regex(lang: str) -> str:
    number = _number_regex(lang)
    articles = "|".join(sorted(_ARTICLE_NUMBERS.get(lang, set())))
    units = "(?:" + "|".join(sorted(_DURATION_UNITS.get(lang, _DURATION_UNITS["en"]), key=len, reverse=True)) + ")"
    one = f"(?:(?:{number}|{articles}) {units})"
    joiner = "|".join(_NUM_JOINERS.get(lang, set()))
    return f"(?:{one}(?: (?:(?:{joiner}) )?{one})*)"


_ANY_WORDS = r"[^ ]+(?: [^ ]+)*?"
#: An unlisted custom slot value is accepted only when short; otherwise any sentence would "match" a sample
#: that is mostly slot.
_ANY_SHORT = r"[^ ]+(?: [^ ]+){0,3}?"


# ----------------------------------------------------------------------------------------------------
# Model helpers (shared with coverage.py)
# ----------------------------------------------------------------------------------------------------
def language_model(model: dict[str, Any]) -> dict[str, Any]:
    """Accept the whole file, {"languageModel": ...} or the languageModel itself."""
    if "interactionModel" in model:
        model = model["interactionModel"]
    return model.get("languageModel", model)


def value_id(value: dict[str, Any]) -> str:
    """The id Alexa reports for a slot type value: the model's id, else a stable hash like Alexa generates."""
    if value.get("id"):
        return str(value["id"])
    return hashlib.md5(value["name"]["value"].encode("utf-8"), usedforsecurity=False).hexdigest()


def slot_kind(type_name: str, custom_types: Iterable[str]) -> Literal["custom", "number", "duration", "generic"]:
    """Why: custom types constrain the words, NUMBER/DURATION have a grammar, other AMAZON.* take anything."""
    if type_name in set(custom_types):
        return "custom"
    if type_name == "AMAZON.NUMBER":
        return "number"
    if type_name == "AMAZON.DURATION":
        return "duration"
    return "generic"


def placeholder_value(type_name: str, model: dict[str, Any], locale: str) -> str:
    """A representative spoken value for a slot type (first listed value, or a plausible word for AMAZON.*)."""
    for slot_type in language_model(model).get("types", []):
        if slot_type["name"] == type_name and slot_type.get("values"):
            return str(slot_type["values"][0]["name"]["value"])
    table = _PLACEHOLDER.get(_lang(locale), _PLACEHOLDER["en"])
    return table.get(type_name, table["*"])


def _load_builtin_phrases() -> dict[str, dict[str, list[str]]]:
    with BUILTIN_PHRASES_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {lang: {intent: [str(p) for p in phrases or []] for intent, phrases in intents.items()}
            for lang, intents in data.items()}


_BUILTIN_CACHE: dict[str, dict[str, list[str]]] = {}


def builtin_phrases(lang: str) -> dict[str, list[str]]:
    """Built-in intent phrasings for a language (cached: the YAML is read once per process)."""
    if not _BUILTIN_CACHE:
        _BUILTIN_CACHE.update(_load_builtin_phrases())
    return _BUILTIN_CACHE.get(lang, {})


# ----------------------------------------------------------------------------------------------------
# Edit distance (small, because rapidfuzz is not available and the strings are single words)
# ----------------------------------------------------------------------------------------------------
def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: Levenshtein plus adjacent transposition ("dose" -> "does" is 1)."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[lb]


def _max_edits(word: str) -> int:
    if len(word) >= 7:
        return 2
    if len(word) >= 4:
        return 1
    return 0


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _stem(word: str, lang: str) -> str:
    """A deliberately crude stemmer: enough for "cracks"/"cracking"/"cracked" to meet "crack"."""
    suffixes = ("mente", "es", "s") if lang == "es" else ("ing", "ed", "es", "s")
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# ----------------------------------------------------------------------------------------------------
# Compiled model
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _SlotRef:
    name: str
    type_name: str
    kind: str


@dataclass
class _Sample:
    intent: str
    text: str
    source: Literal["model", "builtin"]
    parts: list[str | _SlotRef]
    literals: frozenset[str]
    n_literals: int
    strict: re.Pattern[str]
    loose: re.Pattern[str] | None
    groups: list[_SlotRef]


@dataclass
class _Span:
    kind_key: str  # custom type name, "#number" or "#duration"
    start: int
    end: int
    credit: float
    entry: tuple[str, str] | None  # (id, canonical name) for custom types


@dataclass
class _Candidate:
    orig: list[str]
    folded: list[str]
    invoked: bool
    filler_stripped: bool = False


class Understander:
    """Resolves utterances against one locale's interaction model. Build once; resolve() is cheap."""

    _cache: dict[tuple[str, str, int], Understander] = {}  # noqa: RUF012 - deliberate class-level cache

    def __init__(self, model: dict[str, Any], locale: str) -> None:
        self.model = model
        self.locale = locale
        self.lang = _lang(locale)
        lm = language_model(model)
        self.invocation_name: str = str(lm.get("invocationName", ""))
        self._types: dict[str, dict[tuple[str, ...], list[tuple[str, str]]]] = {}
        for slot_type in lm.get("types", []):
            phrases: dict[tuple[str, ...], list[tuple[str, str]]] = {}
            for value in slot_type.get("values", []):
                entry = (value_id(value), str(value["name"]["value"]))
                for spoken in [value["name"]["value"], *value["name"].get("synonyms", [])]:
                    key = tuple(fold(normalise(spoken, self.lang)).split())
                    if key and entry not in phrases.setdefault(key, []):
                        phrases[key].append(entry)
            self._types[slot_type["name"]] = phrases
        self.intents: list[str] = [intent["name"] for intent in lm.get("intents", [])]
        self._has_fallback = FALLBACK in self.intents
        self._fillers = _words(_FILLERS.get(self.lang, []), self.lang)
        self._stop = {fold(w) for w in _STOPWORDS.get(self.lang, set())}
        self._verbs = {fold(w) for w in _STOP_VERBS.get(self.lang, set())}
        self._number_re = _number_regex(self.lang)
        self._duration_re = _duration_regex(self.lang)
        self._number_words = _number_words(self.lang)
        self._units = set(_DURATION_UNITS.get(self.lang, _DURATION_UNITS["en"]))
        self._samples: list[_Sample] = []
        builtins = builtin_phrases(self.lang)
        for intent in lm.get("intents", []):
            name = intent["name"]
            slots = {s["name"]: s["type"] for s in intent.get("slots", []) or []}
            for text in intent.get("samples", []) or []:
                self._add_sample(name, text, slots, "model")
            if name.startswith("AMAZON."):
                for text in builtins.get(name, []):
                    self._add_sample(name, text, slots, "builtin")
        self._index_words()
        self._classifier = self._fit_classifier()
        self._wake = _words(_WAKE_PREFIX.get(self.lang, []), self.lang)
        self._invocation = self._compile_invocation()

    # ---- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_model(cls, model: dict[str, Any], locale: str) -> Understander:
        return cls(model, locale)

    @classmethod
    def from_file(cls, path: str | Path, locale: str | None = None) -> Understander:
        """Locale defaults to the file's stem (interaction_models/en-US.json -> en-US)."""
        path = Path(path)
        with path.open(encoding="utf-8") as handle:
            model = json.load(handle)
        return cls(model, locale or path.stem)

    @classmethod
    def for_locale(cls, locale: str, models_dir: str | Path = Path("interaction_models")) -> Understander:
        """Cached per file and modification time, so a regenerated model is picked up without a restart."""
        path = (Path(models_dir) / f"{locale}.json").resolve()
        key = (locale, str(path), path.stat().st_mtime_ns)
        if key not in cls._cache:
            cls._cache[key] = cls.from_file(path, locale)
        return cls._cache[key]

    def _slot_pattern(self, ref: _SlotRef, strict: bool) -> str:
        if ref.kind == "custom":
            if not strict:
                return _ANY_SHORT
            phrases = sorted({" ".join(p) for p in self._types.get(ref.type_name, {})}, key=len, reverse=True)
            return "(?:" + "|".join(map(re.escape, phrases)) + ")" if phrases else "(?!)"
        if ref.kind == "number":
            return self._number_re
        if ref.kind == "duration":
            return self._duration_re
        return _ANY_WORDS

    def _add_sample(self, intent: str, text: str, slots: dict[str, str], source: Literal["model", "builtin"]) -> None:
        parts: list[str | _SlotRef] = []
        for i, chunk in enumerate(re.split(r"\{([^}]+)\}", text)):
            if i % 2:
                type_name = slots.get(chunk, "AMAZON.SearchQuery")
                parts.append(_SlotRef(chunk, type_name, slot_kind(type_name, self._types)))
            else:
                parts.extend(fold(normalise(chunk, self.lang)).split())
        if not parts:
            return
        refs = [p for p in parts if isinstance(p, _SlotRef)]
        literals = [p for p in parts if isinstance(p, str)]

        def compile_(strict: bool) -> re.Pattern[str]:
            pieces = []
            for part in parts:
                if isinstance(part, str):
                    pieces.append(re.escape(part))
                else:
                    pieces.append(f"({self._slot_pattern(part, strict)})")
            return re.compile("^" + " ".join(pieces) + "$")

        has_custom = any(r.kind == "custom" for r in refs)
        # A sample made only of open slots ("{Name}") would match every sentence exactly; leave it to the
        # tolerant pass, where it scores low unless nothing else fits.
        open_only = not literals and any(r.kind == "generic" for r in refs)
        # An unlisted custom value is only believable inside a real carrier phrase: "{Routine} please" must
        # not turn "summary please" into a routine named "summary".
        self._samples.append(_Sample(
            intent=intent, text=text, source=source, parts=parts, literals=frozenset(literals),
            n_literals=len(literals), strict=re.compile("(?!)") if open_only else compile_(True),
            loose=compile_(False) if has_custom and self._has_content(literals) else None,
            groups=refs,
        ))

    def _index_words(self) -> None:
        """Known words (sample words, slot values, number words) and a deletion index, so that slot values are
        found in utterances despite typos ("brigde") and other word forms ("bridges")."""
        known: set[str] = set()
        for sample in self._samples:
            known.update(p for p in sample.parts if isinstance(p, str))
        for phrases in self._types.values():
            for phrase in phrases:
                known.update(phrase)
        known |= self._number_words | {fold(u) for u in self._units}
        self._known = known
        self._delete_index: dict[str, set[str]] = {}
        for word in known:
            for variant in _deletes(word, _max_edits(word)):
                self._delete_index.setdefault(variant, set()).add(word)
        self._stems: dict[str, set[str]] = {}
        for word in known:
            self._stems.setdefault(_stem(word, self.lang), set()).add(word)
        self._similar_cache: dict[str, dict[str, float]] = {}
        # Custom slot type phrases by first word, for finding slot values in free word order.
        self._phrase_index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for type_name, phrases in self._types.items():
            for phrase in phrases:
                self._phrase_index.setdefault(phrase[0], []).append((phrase, type_name))

    def _compile_invocation(self) -> re.Pattern[str] | None:
        inv = fold(normalise(self.invocation_name, self.lang))
        if not inv:
            return None
        wake = "|".join(re.escape(" ".join(p)) for p in _words(_WAKE_PREFIX.get(self.lang, []), self.lang))
        verbs = "|".join(re.escape(" ".join(p)) for p in _words(_INVOKE_VERBS.get(self.lang, []), self.lang))
        conns = "|".join(re.escape(" ".join(p)) for p in _words(_INVOKE_CONNECTORS.get(self.lang, []), self.lang))
        sufs = "|".join(re.escape(" ".join(p)) for p in _words(_INVOKE_SUFFIXES.get(self.lang, []), self.lang))
        self._suffix_re = re.compile(rf"^(?P<rest>.+?) (?:{sufs}) {re.escape(inv)}$")
        return re.compile(
            rf"^(?:(?:{wake}) )?(?:(?:{verbs}) )?{re.escape(inv)}(?: (?P<conn>{conns}))?(?: (?P<rest>.*))?$"
        )

    # ---- helpers ------------------------------------------------------------------------------------------
    def _has_content(self, words: Iterable[str]) -> bool:
        """True when a carrier phrase has a word that means something ("do the {X}" yes, "the {X} please" no)."""
        return any((w not in self._stop or w in self._verbs) and (w,) not in self._fillers for w in words)

    def _similar(self, word: str) -> dict[str, float]:
        """Known words this token could be: itself (1.0), same stem (0.9), one or two typos away (0.8/0.7)."""
        cached = self._similar_cache.get(word)
        if cached is not None:
            return cached
        out: dict[str, float] = {}
        if word in self._known:
            out[word] = 1.0
        for other in self._stems.get(_stem(word, self.lang), ()):
            out.setdefault(other, 0.9)
        if word not in self._known and _max_edits(word):
            candidates: set[str] = set()
            for variant in _deletes(word, _max_edits(word)):
                candidates |= self._delete_index.get(variant, set())
            for other in candidates:
                if other in out:
                    continue
                limit = min(_max_edits(word), _max_edits(other))
                if not limit:
                    continue
                distance = osa_distance(word, other)
                if distance <= limit:
                    out[other] = 0.8 if distance == 1 else 0.7
        if len(self._similar_cache) < 50_000:
            self._similar_cache[word] = out
        return out

    def _span_key(self, ref: _SlotRef) -> str:
        return ref.type_name if ref.kind == "custom" else f"#{ref.kind}"

    def _strip_fillers_folded(self, words: Sequence[str]) -> list[str]:
        keep = self._filler_mask(words)
        return [w for w, k in zip(words, keep, strict=True) if k]

    def _filler_mask(self, words: Sequence[str]) -> list[bool]:
        keep = [True] * len(words)
        i = 0
        while i < len(words):
            for phrase in self._fillers:
                if tuple(words[i:i + len(phrase)]) == phrase:
                    for j in range(i, i + len(phrase)):
                        keep[j] = False
                    i += len(phrase)
                    break
            else:
                i += 1
        return keep

    # ---- resolution ---------------------------------------------------------------------------------------
    def normalise(self, utterance: str) -> str:
        return normalise(utterance, self.lang)

    def resolve(self, utterance: str) -> Resolution:
        """Predict Alexa's intent and slots for a typed utterance (see module docstring for the order)."""
        orig = self.normalise(utterance).split()
        folded = [fold(w) for w in orig]
        candidates, launch = self._split_invocation(orig, folded)
        if launch:
            return Resolution(LAUNCH, {}, 1.0, None, invoked=True)
        invoked = any(c.invoked for c in candidates)
        stripped = [self._without_fillers(c) for c in candidates]
        best: Resolution | None = None
        certain = False
        for cand in [*candidates, *(c for c in stripped if c.filler_stripped)]:
            if not cand.folded:
                continue
            found, listed = self._exact(cand)
            if found and (best is None or found.confidence > best.confidence):
                best, certain = found, listed
        if best is not None and certain:
            return best
        return self._classified(stripped, best, invoked)

    # ---- statistical pass ----------------------------------------------------------------------------------
    @property
    def threshold(self) -> float:
        """Confidence below which an utterance falls back (chosen on a development split of the samples)."""
        return self._classifier.threshold

    def training_data(self) -> tuple[list[str], list[str]]:
        """(texts, intents) the classifier learns from: every sample with its slots filled by listed values
        (cycling, so every value and synonym is seen), the built-in intents' phrasings, and out-of-domain
        sentences for AMAZON.FallbackIntent when the model declares it."""
        texts: list[str] = []
        labels: list[str] = []
        turn: dict[str, int] = {}

        def add(text: str, intent: str) -> None:
            words = self._strip_fillers_folded(fold(normalise(text, self.lang)).split())
            if words:
                texts.append(" ".join(words))
                labels.append(intent)

        for sample in self._samples:
            if not sample.groups:
                add(" ".join(p for p in sample.parts if isinstance(p, str)), sample.intent)
                continue
            for _ in range(max(min(self._n_values(ref), 4) for ref in sample.groups)):
                words = []
                for part in sample.parts:
                    if isinstance(part, str):
                        words.append(part)
                    else:
                        values = self._values_of(part)
                        k = turn.get(part.type_name, 0)
                        turn[part.type_name] = k + 1
                        words.append(values[k % len(values)])
                add(" ".join(words), sample.intent)
        if self._has_fallback:
            from skill.simulator.intent_model import out_of_domain

            for text in out_of_domain(self.lang):
                add(text, FALLBACK)
        return texts, labels

    def _values_of(self, ref: _SlotRef) -> list[str]:
        if ref.kind == "custom":
            phrases = [" ".join(p) for p in self._types.get(ref.type_name, {})]
            return phrases or [_PLACEHOLDER.get(self.lang, _PLACEHOLDER["en"])["*"]]
        table = _PLACEHOLDER.get(self.lang, _PLACEHOLDER["en"])
        if ref.kind == "number":
            return ["three", "five", "ten", "twenty"] if self.lang != "es" else ["tres", "cinco", "diez", "veinte"]
        varied = _TRAINING_VALUES.get(self.lang, _TRAINING_VALUES["en"]).get(ref.type_name)
        if varied:
            return varied
        return [table.get(ref.type_name, table["*"])]

    def _n_values(self, ref: _SlotRef) -> int:
        return len(self._values_of(ref))

    def _fit_classifier(self) -> Any:
        from skill.simulator.intent_model import IntentModel

        texts, labels = self.training_data()
        return IntentModel.fit(texts, labels, lang=self.lang)

    def _classified(self, candidates: list[_Candidate], exact: Resolution | None, invoked: bool) -> Resolution:
        """The classifier's choice; an exact match with an unlisted slot value stands only if it agrees."""
        best: tuple[Any, _Candidate] | None = None
        for cand in candidates:
            if not cand.folded:
                continue
            prediction = self._classifier.predict(" ".join(cand.folded))
            if best is None or prediction.nearest_confidence > best[0].nearest_confidence:
                best = (prediction, cand)
        if best is None:
            return Resolution(FALLBACK, {}, 0.0, None, invoked=invoked)
        prediction, cand = best
        if exact is not None and prediction.nearest == exact.intent:
            return exact
        if prediction.intent == FALLBACK:
            return Resolution(FALLBACK, {}, round(prediction.confidence, 3), None, invoked=invoked,
                              nearest=prediction.nearest)
        slots = self._fill_slots(prediction.intent, cand)
        return Resolution(prediction.intent, slots, round(min(prediction.confidence, TOLERANT_CAP), 3), None,
                          invoked=invoked)

    def _fill_slots(self, intent: str, cand: _Candidate) -> dict[str, SlotValue]:
        """Slot values for a classified utterance: only listed values (typo-tolerant), numbers and durations.

        An unlisted word never fills a custom slot here, so "the morning one" cannot become a stretch name.
        """
        refs: dict[str, _SlotRef] = {}
        for sample in self._samples:
            if sample.intent == intent:
                for ref in sample.groups:
                    refs.setdefault(ref.name, ref)
        if not refs:
            return {}
        similar = [self._similar(w) for w in cand.folded]
        spans = self._spans(cand.folded, similar)
        used = [False] * len(cand.folded)
        slots: dict[str, SlotValue] = {}
        for ref in refs.values():
            if ref.type_name in _CLOCK_TYPES:
                found = self._clock_span(ref, cand, used)
                if found is not None:
                    slots[ref.name] = found
                continue
            if ref.kind == "generic":
                continue
            key = self._span_key(ref)
            span = next((sp for sp in spans if sp.kind_key == key and not any(used[sp.start:sp.end])), None)
            if span is None:
                continue
            for j in range(span.start, span.end):
                used[j] = True
            spoken = " ".join(cand.orig[span.start:span.end])
            slots[ref.name] = self._slot_value(ref, spoken, span.entry)[0]
        return slots

    def _clock_span(self, ref: _SlotRef, cand: _Candidate, used: list[bool]) -> SlotValue | None:
        """The longest free run of words that Alexa's TIME or DATE type would read ("quarter to six", "las nueve
        de la noche"), so "give me a shout at quarter to six pm" carries 17:45 though no sample says it that way."""
        from skill.simulator.spoken_time import alexa_value

        n = len(cand.orig)
        for length in range(min(n, 8), 0, -1):
            for start in range(n - length + 1):
                if any(used[start:start + length]):
                    continue
                spoken = " ".join(cand.orig[start:start + length])
                if alexa_value(ref.type_name, spoken, self.lang) is not None:
                    for j in range(start, start + length):
                        used[j] = True
                    return self._slot_value(ref, spoken)[0]
        return None

    def _without_fillers(self, cand: _Candidate) -> _Candidate:
        mask = self._filler_mask(cand.folded)
        if all(mask):
            return cand
        return _Candidate(
            [w for w, k in zip(cand.orig, mask, strict=True) if k],
            [w for w, k in zip(cand.folded, mask, strict=True) if k],
            cand.invoked, filler_stripped=True,
        )

    def _split_invocation(self, orig: list[str], folded: list[str]) -> tuple[list[_Candidate], bool]:
        """Undo one-shot phrasing. Returns (candidates, launch_only).

        "alexa ask spine coach to X" gives candidates "X" and "to X" (a connector may belong to the request,
        as in "ask spine coach why ..."; resolve() keeps whichever matches better). "open spine coach" alone
        is a launch. A leading wake word is always dropped.
        """
        text = " ".join(folded)
        if self._invocation is not None and text:
            match = self._invocation.match(text)
            if match:
                if match.group("rest") is None and match.group("conn") is None:
                    return [], True
                candidates = []
                if match.group("rest") is not None:
                    at = text[: match.start("rest")].count(" ")
                    candidates.append(_Candidate(orig[at:], folded[at:], True))
                if match.group("conn") is not None:
                    at = text[: match.start("conn")].count(" ")
                    candidates.append(_Candidate(orig[at:], folded[at:], True))
                return candidates, False
            match = self._suffix_re.match(text)
            if match:
                end = len(match.group("rest").split())
                start = self._leading_wake(folded[:end])
                return [_Candidate(orig[start:end], folded[start:end], True)], False
        start = self._leading_wake(folded)
        return [_Candidate(orig[start:], folded[start:], False)], False

    def _leading_wake(self, folded: list[str]) -> int:
        for phrase in self._wake:
            if tuple(folded[: len(phrase)]) == phrase:
                return len(phrase)
        return 0

    def _exact(self, cand: _Candidate) -> tuple[Resolution | None, bool]:
        """Best exact sample match, and whether it is certain (every custom slot value is a listed one). An
        uncertain match (an unlisted value) stands only if the classifier agrees (see _classified)."""
        text = " ".join(cand.folded)
        words = set(cand.folded)
        n_words = len(cand.folded)
        best_key: tuple[Any, ...] | None = None
        best: tuple[_Sample, dict[str, SlotValue], bool] | None = None
        for sample in self._samples:
            if sample.n_literals > n_words or not sample.literals <= words:
                continue
            match = sample.strict.match(text)
            listed = True
            if match is None and sample.loose is not None:
                match = sample.loose.match(text)
                listed = False
            if match is None:
                continue
            slots, resolved, clock_read = self._slots_from_match(sample, match, text, cand.orig)
            if not clock_read:
                # "{Time}" swallowed words Alexa's TIME type would never read ("ten in the morning on saturdays and
                # sundays"): not this sample; the classifier's slot search finds the time and the recurrence.
                continue
            listed = listed and resolved
            key = (listed, sample.source == "model", sample.n_literals, -len(sample.groups))
            if best_key is None or key > best_key:
                best_key, best = key, (sample, slots, listed)
        if best is None:
            return None, False
        sample, slots, listed = best
        confidence = 1.0 if listed else UNLISTED_VALUE_CONFIDENCE
        if cand.filler_stripped:
            confidence *= FILLER_FACTOR
        return Resolution(sample.intent, slots, round(confidence, 3), sample.text, invoked=cand.invoked), listed

    def _slots_from_match(
        self, sample: _Sample, match: re.Match[str], text: str, orig: list[str]
    ) -> tuple[dict[str, SlotValue], bool, bool]:
        """The matched slots; whether every value is a listed or readable one; whether every clock slot (TIME,
        DATE) holds a time or date Alexa would read."""
        slots: dict[str, SlotValue] = {}
        all_ok = clock_ok = True
        for index, ref in enumerate(sample.groups, start=1):
            start, end = match.span(index)
            first = text[:start].count(" ")
            count = text[start:end].count(" ") + 1
            spoken = " ".join(orig[first:first + count])
            slot, ok = self._slot_value(ref, spoken)
            all_ok = all_ok and ok
            clock_ok = clock_ok and (ok or ref.type_name not in _CLOCK_TYPES)
            slots[ref.name] = slot
        return slots, all_ok, clock_ok

    def _slot_value(self, ref: _SlotRef, spoken: str, entry: tuple[str, str] | None = None) -> tuple[SlotValue, bool]:
        """Turn spoken words into the value Alexa sends (digits for NUMBER, ISO 8601 for DURATION)."""
        if ref.kind == "custom":
            if entry is None:
                entries = self._types.get(ref.type_name, {}).get(tuple(fold(spoken).split()))
                entry = entries[0] if entries else None
            if entry is None:
                return SlotValue(ref.name, spoken, None, None), False
            return SlotValue(ref.name, spoken, entry[0], entry[1]), True
        if ref.kind == "number":
            number = parse_number(spoken, self.lang)
            return SlotValue(ref.name, str(number) if number is not None else spoken, None, None), number is not None
        if ref.kind == "duration":
            iso = _duration_iso(spoken, self.lang)
            return SlotValue(ref.name, iso or spoken, None, None), iso is not None
        if ref.type_name in _CLOCK_TYPES:  # "eight a m" -> "08:00", as Alexa sends it
            from skill.simulator.spoken_time import alexa_value

            value = alexa_value(ref.type_name, spoken, self.lang)
            return SlotValue(ref.name, value or spoken, None, None), value is not None
        return SlotValue(ref.name, spoken, None, None), True

    # ---- slot spans ------------------------------------------------------------------------------------
    def _spans(self, folded: list[str], similar: list[dict[str, float]]) -> list[_Span]:
        """Where slot values could be in the utterance: custom values (typo-tolerant per word) and numbers."""
        spans: list[_Span] = []
        for i in range(len(folded)):
            firsts = {folded[i]: 1.0} | similar[i]
            for first, credit0 in firsts.items():
                for phrase, type_name in self._phrase_index.get(first, ()):
                    end = i + len(phrase)
                    if end > len(folded):
                        continue
                    credit = credit0
                    for offset, word in enumerate(phrase[1:], start=1):
                        credit = min(credit, similar[i + offset].get(word, 0.0))
                    if credit > 0:
                        entry = self._types[type_name][phrase][0]
                        spans.append(_Span(type_name, i, end, credit, entry))
        # Numbers and durations: maximal runs of number words.
        articles = _ARTICLE_NUMBERS.get(self.lang, set())
        joiners = _NUM_JOINERS.get(self.lang, set())
        i = 0
        while i < len(folded):
            word = folded[i]
            if word in self._number_words or (word in articles and i + 1 < len(folded)
                                              and (folded[i + 1] in self._number_words
                                                   or folded[i + 1] in self._units)):
                j = i + 1
                while j < len(folded) and (folded[j] in self._number_words or (
                        folded[j] in joiners and j + 1 < len(folded) and folded[j + 1] in self._number_words)):
                    j += 1
                if not (word in articles and folded[i + 1] in self._units):
                    spans.append(_Span("#number", i, j, 1.0, None))
                if j < len(folded) and folded[j] in self._units:
                    spans.append(_Span("#duration", i, j + 1, 1.0, None))
                i = j
            else:
                i += 1
        spans.sort(key=lambda s: (-(s.end - s.start), s.start))
        return spans


# ----------------------------------------------------------------------------------------------------
# Request JSON
# ----------------------------------------------------------------------------------------------------
def slots_to_request(
    res: Resolution, model: dict[str, Any], skill_id: str = DEFAULT_SKILL_ID, locale: str = "en-US"
) -> dict[str, Any]:
    """The `intent.slots` object exactly as Alexa sends it, entity resolution included.

    Every declared slot appears; unfilled ones carry only name and confirmationStatus, as on a real device.
    Custom types get a resolutionsPerAuthority entry (ER_SUCCESS_MATCH with every matching value, or
    ER_SUCCESS_NO_MATCH); AMAZON.* types get none.
    """
    lm = language_model(model)
    intent = next((i for i in lm.get("intents", []) if i["name"] == res.intent), None)
    if intent is None:
        return {}
    types = {t["name"]: t for t in lm.get("types", [])}
    lang = _lang(locale)
    out: dict[str, Any] = {}
    for declared in intent.get("slots", []) or []:
        name, type_name = declared["name"], declared["type"]
        filled = res.slots.get(name)
        if filled is None:
            out[name] = {"name": name, "confirmationStatus": "NONE"}
            continue
        slot: dict[str, Any] = {"name": name, "value": filled.value, "confirmationStatus": "NONE"}
        if type_name in types:
            spoken = tuple(fold(normalise(filled.value, lang)).split())
            values = []
            for value in types[type_name].get("values", []):
                names = [value["name"]["value"], *value["name"].get("synonyms", [])]
                if any(tuple(fold(normalise(n, lang)).split()) == spoken for n in names):
                    values.append({"value": {"name": value["name"]["value"], "id": value_id(value)}})
            if filled.resolved_id and not any(v["value"]["id"] == filled.resolved_id for v in values):
                values.insert(0, {"value": {"name": filled.resolved_name, "id": filled.resolved_id}})
            authority: dict[str, Any] = {
                "authority": f"amzn1.er-authority.echo-sdk.{skill_id}.{type_name}",
                "status": {"code": "ER_SUCCESS_MATCH" if values else "ER_SUCCESS_NO_MATCH"},
            }
            if values:
                authority["values"] = values
            slot["resolutions"] = {"resolutionsPerAuthority": [authority]}
        slot["slotValue"] = {"type": "Simple", "value": filled.value}
        if "resolutions" in slot:
            slot["slotValue"]["resolutions"] = slot["resolutions"]
        out[name] = slot
    return out
