"""How long speech takes: text at the language's measured speaking rate, plus breaks, plus sounds.

Every duration the skill says or shows ("about 3 minutes", how long is left) and every length rule (one
breath per answer, Alexa's 240 seconds per response) comes from here, from the content's own numbers:
``timing`` in ``routines.yaml`` holds each language's rate as measured by ``python -m skill timing``.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

# Alexa's limits for one response (design for the conservative figure: the whole response, speech included).
MAX_RESPONSE_SECONDS = 240
MAX_AUDIO_CLIPS = 5
MAX_ANSWER_SECONDS = 12.0  # one breath: an answer and its offer question together

_TOKEN = re.compile(r"<break\s+time=\"(\d+(?:\.\d+)?)(ms|s)\"\s*/>|<audio\s+src=\"([^\"]*)\"\s*/>|<[^>]+>|[^<]+")
_SENTENCE_END = re.compile(r"[.!?;:…](?=\s|$)")


class Pace(NamedTuple):
    """A language's speaking rate, measured: seconds = letters / rate + a pause at each sentence end.

    Letters, not words: measured against espeak-ng, letters predict a sentence's length about twice as
    well as words do (long Spanish words, short English ones)."""

    letters_per_second: float
    sentence_pause: float


class Timing(NamedTuple):
    """Everything about time a language's content says (``timing:`` in routines.yaml)."""

    pace: Pace
    voice: str  # espeak-ng voice used to measure the pace
    render_words_per_minute: int  # Alexa's speaking rate, given to espeak-ng as -s
    move_seconds: int  # silence to change sides or get back into position
    turn_seconds: int  # one user turn: the question, the answer, Alexa's reaction
    hold_shortest: int
    hold_longest: int
    hold_change: int
    sound: str  # the sound-library clip that ends each hold
    sound_seconds: float

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Timing:
        return cls(Pace(float(raw["letters_per_second"]), float(raw["sentence_pause"])), raw["voice"],
                   int(raw["render_words_per_minute"]), int(raw["move_seconds"]), int(raw["turn_seconds"]),
                   int(raw["hold"]["shortest"]), int(raw["hold"]["longest"]), int(raw["hold"]["change"]),
                   raw["hold_end_sound"]["src"], float(raw["hold_end_sound"]["seconds"]))

    def hold(self, standard: int, preference: str | None) -> int:
        """A hold after the user's preference: longer or shorter by ``hold_change``, within the range."""
        change = {"longer": self.hold_change, "shorter": -self.hold_change}.get(preference or "", 0)
        if not change:
            return standard
        return max(self.hold_shortest, min(self.hold_longest, standard + change))


def letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def sentence_ends(text: str) -> int:
    return max(1, len(_SENTENCE_END.findall(text.strip())))


def text_seconds(text: str, pace: Pace) -> float:
    """Plain text spoken at ``pace``."""
    if not text.strip():
        return 0.0
    return letters(text) / pace.letters_per_second + sentence_ends(text) * pace.sentence_pause


class Parts(NamedTuple):
    """An SSML body taken apart for timing: the spoken stretches between silences, the silences, the sounds."""

    texts: tuple[str, ...]
    breaks: float
    sounds: tuple[str, ...]


def parts(ssml: str) -> Parts:
    texts: list[str] = []
    current: list[str] = []
    breaks = 0.0
    sounds: list[str] = []
    for match in _TOKEN.finditer(ssml):
        if match[1] is not None:
            breaks += float(match[1]) / (1000 if match[2] == "ms" else 1)
        elif match[3] is not None:
            sounds.append(match[3])
        elif not match[0].startswith("<"):
            current.append(match[0])
            continue
        else:
            continue
        if "".join(current).strip():
            texts.append(_unescape(" ".join("".join(current).split())))
        current = []
    if "".join(current).strip():
        texts.append(_unescape(" ".join("".join(current).split())))
    return Parts(tuple(texts), breaks, tuple(sounds))


def ssml_seconds(ssml: str, timing: Timing) -> float:
    """An SSML body's length: each spoken stretch at the pace, every break, every sound clip."""
    found = parts(ssml)
    spoken = sum(text_seconds(t, timing.pace) for t in found.texts)
    return spoken + found.breaks + len(found.sounds) * timing.sound_seconds


def _unescape(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def minutes(seconds: float) -> int:
    """Whole minutes, as a person would round them when saying "about N minutes" (at least 1)."""
    return max(1, round(seconds / 60))
