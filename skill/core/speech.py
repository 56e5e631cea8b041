"""Building speech that Alexa accepts: escaped text, sentences and breaks of at most 10 seconds.

Content is plain text; only this module writes SSML, so escaping happens in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_BREAK_SECONDS = 10
MAX_SPEECH_CHARS = 8000
ALLOWED_TAGS = frozenset({
    "speak", "break", "p", "s", "say-as", "prosody", "emphasis", "audio", "lang", "phoneme", "sub", "voice",
    "w", "amazon:effect", "amazon:emotion", "amazon:domain",
})


def escape(text: str) -> str:
    """XML-escape text for SSML. (xml.sax.saxutils would drag urllib into every cold start, and
    str.translate with a mapping is several times slower than these replaces.)"""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text or ">" in text:
        text = text.replace("<", "&lt;").replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


class Speech:
    """An SSML body under construction (without the ``<speak>`` root, which the response builder adds)."""

    __slots__ = ("_parts", "_text")

    def __init__(self, *texts: str | None) -> None:
        self._parts: list[str] = []
        self._text: list[str] = []  # the same speech as plain text, for cards, repeat and the simulator
        for text in texts:
            self.say(text)

    def say(self, text: str | None) -> Speech:
        """Add plain text, escaped. ``None`` and blanks are skipped so optional lines need no ``if``."""
        if text and text.strip():
            self._text.append(text.strip())
            self._parts.append(escape(self._text[-1]))
        return self

    def pause(self, seconds: float) -> Speech:
        """A silence; long ones become a chain of breaks, since one break may last 10 seconds at most."""
        remaining = seconds
        while remaining > 0:
            chunk = min(MAX_BREAK_SECONDS, remaining)
            self._parts.append(f'<break time="{_seconds(chunk)}"/>')
            self._text.append("…")
            remaining -= chunk
        return self

    def audio(self, src: str) -> Speech:
        """A sound from Alexa's sound library (``soundbank://...``); nothing shows in the text version."""
        self._parts.append(f'<audio src="{escape(src)}"/>')
        return self

    def extend(self, other: Speech) -> Speech:
        self._parts.extend(other._parts)
        self._text.extend(other._text)
        return self

    def ssml(self) -> str:
        return " ".join(self._parts)

    def text(self) -> str:
        return " ".join(self._text)

    def __bool__(self) -> bool:
        return bool(self._parts)


def _seconds(value: float) -> str:
    return f"{int(value)}s" if float(value).is_integer() else f"{int(value * 1000)}ms"


def countdown(seconds: int, start: str, left: Callable[[int], str], release: str, *, sound: str | None = None,
              cue_seconds: Callable[[str], float] = lambda _: 0.0) -> Speech:
    """A spoken hold: "hold for 30 seconds", silence, "20 seconds left", silence, "10 ...", a chime, "and release".

    A cue is spoken at every 10-second mark, so no single break exceeds Alexa's 10-second limit and the
    listener always knows how long is left. The time a cue takes to say (``cue_seconds``) comes off the
    silence after it, so the hold lasts what was announced. ``sound`` marks the end of the hold, so someone
    with closed eyes knows when to let go without waiting for words.
    """
    speech = Speech(start)
    remaining = seconds
    first = remaining % MAX_BREAK_SECONDS or MAX_BREAK_SECONDS
    speech.pause(first)
    remaining -= first
    while remaining > 0:
        cue = left(remaining)
        speech.say(cue)
        speech.pause(max(1.0, round(MAX_BREAK_SECONDS - cue_seconds(cue), 1)))
        remaining -= MAX_BREAK_SECONDS
    if sound:
        speech.audio(sound)
    return speech.say(release)


_TAG = re.compile(r"<[^>]+>")


def ssml_to_text(ssml: str) -> str:
    """What a reader sees of speech: tags dropped, breaks as "…", entities unescaped."""
    text = re.sub(r"<break[^>]*/>", " … ", ssml)
    text = _TAG.sub(" ", text)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return " ".join(text.split())


def ssml_problems(ssml: str) -> list[str]:
    """Why Alexa would reject this SSML (empty list when it is fine); used by tests and the simulator."""
    import xml.etree.ElementTree as ET  # only tests and dev tools call this

    problems = []
    if len(ssml) > MAX_SPEECH_CHARS:
        problems.append(f"{len(ssml)} characters; the limit is {MAX_SPEECH_CHARS}")
    wrapped = ssml.replace("amazon:", "amazon_")
    try:
        root = ET.fromstring(wrapped)
    except ET.ParseError as exc:
        return [*problems, f"not well-formed: {exc}"]
    if root.tag != "speak":
        problems.append(f"root is <{root.tag}>, not <speak>")
    for element in root.iter():
        tag = element.tag.replace("amazon_", "amazon:")
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}> is not an Alexa SSML tag")
        if tag == "break" and "time" in element.attrib:
            time = element.get("time", "")
            match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", time)
            if not match:
                problems.append(f"break time {time!r} is not like 10s or 500ms")
            elif float(match[1]) / (1000 if match[2] == "ms" else 1) > MAX_BREAK_SECONDS:
                problems.append(f"break of {time} is longer than {MAX_BREAK_SECONDS} seconds")
    return problems
