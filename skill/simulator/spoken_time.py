"""Spoken times and dates as Alexa sends them: AMAZON.TIME "08:00" (or MO/AF/EV/NI), AMAZON.DATE "2026-12-02".

Why: the offline simulator must send what a device sends, or a reminder typed in the chat ("every day at eight
a m") would reach the skill as words it never gets from Alexa. Small on purpose: the times and days people use
for a reminder, in English and Spanish; anything else is left as spoken (and counts as not understood).
Dev-only.
"""

from __future__ import annotations

from datetime import date, timedelta

from skill.simulator.nlu import fold, parse_number

_PARTS = {
    "en": {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "tonight": "NI"},
    "es": {"manana": "MO", "tarde": "AF", "noche": "NI"},
}
_NOON = {"en": {"noon", "midday"}, "es": {"mediodia"}}
_PM = {"en": ({"pm", "p m", "p.m", "in the evening", "at night", "in the afternoon", "tonight", "this evening",
               "this afternoon"}),
       "es": {"de la tarde", "de la noche", "por la tarde", "por la noche", "esta noche", "esta tarde"}}
_AM = {"en": {"am", "a m", "in the morning", "this morning"},
       "es": {"de la manana", "por la manana", "de la madrugada", "esta manana"}}
_FILLERS = {"en": {"at", "o'clock", "oclock", "o", "clock", "the"}, "es": {"a", "las", "la", "en", "punto"}}
#: Minutes after (or, negative, before) the hour, said after it ("las siete y media") or before it ("half past six").
_HALF = {"en": {}, "es": {"y media": 30, "y cuarto": 15, "menos cuarto": -45}}
_BEFORE_HOUR = {"en": {"half past": 30, "quarter past": 15, "quarter to": -45, "quarter of": -45}, "es": {}}
_DAYS = {
    "en": {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2},
    "es": {"hoy": 0, "esta noche": 0, "manana": 1, "pasado manana": 2},
}
_WEEKDAYS = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "es": ["lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"],
}


def _strip(text: str, endings: set[str]) -> tuple[str, bool]:
    for ending in sorted(endings, key=len, reverse=True):
        if text.endswith(" " + ending) or text == ending:
            return text[: -len(ending)].strip(), True
    return text, False


def spoken_time(words: str, lang: str) -> str | None:
    """"eight a m" -> "08:00", "six thirty pm" -> "18:30", "las siete y media" -> "07:30", "morning" -> "MO"."""
    lang = "es" if lang == "es" else "en"
    text = " ".join(fold(words.lower()).replace(".", " ").split())
    if text in _PARTS[lang] or text.removeprefix("in the ").removeprefix("por la ") in _PARTS[lang]:
        return _PARTS[lang].get(text) or _PARTS[lang][text.removeprefix("in the ").removeprefix("por la ")]
    if text in _NOON[lang]:
        return "12:00"
    text, pm = _strip(text, {fold(x) for x in _PM[lang]})
    text, am = _strip(text, {fold(x) for x in _AM[lang]}) if not pm else (text, False)
    minute, before = 0, False
    for ending, value in _HALF[lang].items():
        text, found = _strip(text, {ending})
        if found:
            minute, before = abs(value), value < 0
    for prefix, value in _BEFORE_HOUR[lang].items():
        if text.startswith(prefix + " "):
            text, minute, before = text[len(prefix) + 1:], abs(value), value < 0
    tokens = [t for t in text.split() if t not in _FILLERS[lang] and t != "y"]
    if not tokens or tokens[0] in ("a", "an"):  # "give me a shout": an article is not one o'clock
        return None
    hour = parse_number(tokens[0], lang) if tokens[0] not in ("una", "un") else 1
    if hour is None:
        return None
    if len(tokens) > 1:
        rest = parse_number(" ".join(tokens[1:]), lang)
        if rest is None or minute:
            return None
        minute = rest
    if before:  # "quarter to six", "las seis menos cuarto": 5:45
        hour = (hour - 1) % 24
    if not (0 <= hour <= 23 and 0 <= minute < 60):
        return None
    if pm and hour < 12:
        hour += 12
    if am and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}"


def spoken_date(words: str, lang: str, today: date | None = None) -> str | None:
    """"tomorrow" -> tomorrow's ISO date; "on friday" -> the next Friday; "pasado mañana" -> in two days."""
    lang = "es" if lang == "es" else "en"
    today = today or date.today()
    text = " ".join(fold(words.lower()).split()).removeprefix("on ").removeprefix("el ").removeprefix("this ")
    if text in _DAYS[lang]:
        return (today + timedelta(days=_DAYS[lang][text])).isoformat()
    if text in _WEEKDAYS[lang]:
        ahead = (_WEEKDAYS[lang].index(text) - today.weekday()) % 7 or 7
        return (today + timedelta(days=ahead)).isoformat()
    return None


def alexa_value(type_name: str, spoken: str, lang: str) -> str | None:
    """The value Alexa would send for a spoken AMAZON.TIME or AMAZON.DATE, or None when it is not one."""
    if type_name == "AMAZON.TIME":
        return spoken_time(spoken, lang)
    if type_name == "AMAZON.DATE":
        return spoken_date(spoken, lang)
    return None
