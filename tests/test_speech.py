"""Speech that Alexa accepts: escaped text, breaks of at most 10 seconds, countdowns that add up.

Each test parses the SSML it checks, so "it would be rejected" means what Alexa would see, not a
string comparison against the implementation.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from skill.core.speech import MAX_BREAK_SECONDS, MAX_SPEECH_CHARS, Speech, countdown, ssml_problems, ssml_to_text

BREAK = re.compile(r'<break time="(\d+(?:\.\d+)?)(ms|s)"/>')


def speak(speech: Speech) -> str:
    return f"<speak>{speech.ssml()}</speak>"


def break_seconds(ssml: str) -> list[float]:
    return [float(n) / (1000 if unit == "ms" else 1) for n, unit in BREAK.findall(ssml)]


# ----------------------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("text", [
    "Tom & Jerry", "a < b > c", "<speak>not a tag</speak>", 'say "next" or \'stop\'', "R&D <3 &amp; more",
    "it's 5 > 4 & 3 < 4", "&lt;already escaped&gt;", "<break time=\"60s\"/>",
])
def test_text_is_escaped_so_alexa_speaks_it_as_written(text: str) -> None:
    ssml = speak(Speech(text))
    assert ssml_problems(ssml) == []
    root = ET.fromstring(ssml)
    assert list(root) == []  # no element smuggled in through the text
    assert root.text == text
    assert ssml_to_text(ssml) == text


def test_say_skips_none_and_blank_and_strips() -> None:
    speech = Speech(None, "  ", "", "  Hello.  ")
    assert speech.say(None).ssml() == "Hello."
    assert not Speech(None, "   ")
    assert Speech("x")


def test_parts_are_spoken_in_order_with_spaces() -> None:
    speech = Speech("One.", "Two.").pause(1).say("Three.")
    assert speech.extend(Speech("Four.")).ssml() == 'One. Two. <break time="1s"/> Three. Four.'
    assert ssml_to_text(speak(speech)) == "One. Two. … Three. Four."


# ----------------------------------------------------------------------------------------- breaks


@pytest.mark.parametrize("seconds", [0.25, 0.5, 1, 2.5, 9.5, 10, 10.5, 11, 19.75, 20, 25, 30, 45, 90, 95.5, 300])
def test_pauses_never_break_for_more_than_ten_seconds_and_add_up(seconds: float) -> None:
    ssml = speak(Speech("Hold.").pause(seconds))
    breaks = break_seconds(ssml)
    assert breaks, "a pause must produce at least one break"
    assert all(0 < b <= MAX_BREAK_SECONDS for b in breaks)
    assert sum(breaks) == pytest.approx(seconds, abs=0.002)
    assert len(breaks) == math.ceil(seconds / MAX_BREAK_SECONDS)
    assert ssml_problems(ssml) == []


@pytest.mark.parametrize("seconds", [0, -3])
def test_no_pause_means_no_break(seconds: float) -> None:
    assert Speech("Go.").pause(seconds).ssml() == "Go."


def test_break_times_are_written_in_alexa_units() -> None:
    assert Speech().pause(10).ssml() == '<break time="10s"/>'
    assert Speech().pause(0.5).ssml() == '<break time="500ms"/>'
    assert Speech().pause(12).ssml() == '<break time="10s"/> <break time="2s"/>'


# --------------------------------------------------------------------------------------- countdown

HOLDS = [5, 10, 15, 20, 25, 30, 90]


def _cue(left: int) -> str:
    return f"{left} seconds left."


def _tokens(ssml: str) -> list[str | float]:
    """The countdown as heard: spoken text pieces and silences, in order."""
    out: list[str | float] = []
    for piece in re.split(r"(<break[^>]*/>)", ssml):
        if piece.startswith("<break"):
            out.extend(break_seconds(piece))
        elif piece.strip():
            out.append(piece.strip())
    return out


@pytest.mark.parametrize("hold", HOLDS)
def test_countdown_silence_equals_the_hold(hold: int) -> None:
    ssml = speak(countdown(hold, "Hold for it.", _cue, "And release."))
    breaks = break_seconds(ssml)
    assert sum(breaks) == hold
    assert all(b <= MAX_BREAK_SECONDS for b in breaks)
    assert len(breaks) == math.ceil(hold / MAX_BREAK_SECONDS)
    assert ssml_problems(ssml) == []


@pytest.mark.parametrize("hold", HOLDS)
def test_countdown_cues_say_the_true_time_left_at_every_ten_second_mark(hold: int) -> None:
    ssml = speak(countdown(hold, "Hold for it.", _cue, "And release."))
    text = ssml_to_text(ssml)
    assert text.startswith("Hold for it.")
    assert text.endswith("And release.")
    cues = re.findall(r"(\d+) seconds left\.", text)
    assert len(cues) == math.ceil(hold / MAX_BREAK_SECONDS) - 1
    assert len(cues) == text.count("seconds left")
    # Replay what the listener hears: each cue must equal the hold minus the silence so far.
    silence = 0.0
    tokens = _tokens(countdown(hold, "Hold for it.", _cue, "And release.").ssml())
    assert tokens[0] == "Hold for it." and tokens[-1] == "And release."
    for token in tokens[1:-1]:
        if isinstance(token, float):
            silence += token
        else:
            left = int(re.fullmatch(r"(\d+) seconds left\.", token)[1])
            assert left == hold - silence
            assert left % MAX_BREAK_SECONDS == 0
    assert silence == hold


def test_countdown_of_thirty_seconds_is_spoken_as_expected() -> None:
    speech = countdown(30, "Hold for 30 seconds.", _cue, "And release.")
    assert ssml_to_text(speak(speech)) == (
        "Hold for 30 seconds. … 20 seconds left. … 10 seconds left. … And release.")


def test_countdown_escapes_its_cues() -> None:
    ssml = speak(countdown(20, "Hold & breathe.", lambda n: f"{n} < 20 left", "Release & relax."))
    assert ssml_problems(ssml) == []
    assert ssml_to_text(ssml) == "Hold & breathe. … 10 < 20 left … Release & relax."


# ------------------------------------------------------------------------------------- ssml_to_text


def test_ssml_to_text_drops_tags_and_unescapes() -> None:
    ssml = ('<speak><p>Hi &amp; welcome.</p> <break time="2s"/><s>Say <emphasis>next</emphasis>'
            ' &lt;now&gt;.</s><amazon:effect name="whispered">quiet</amazon:effect></speak>')
    assert ssml_to_text(ssml) == "Hi & welcome. … Say next <now>. quiet"


def test_ssml_to_text_of_plain_text_is_unchanged() -> None:
    assert ssml_to_text("just   words\nhere") == "just words here"


# ------------------------------------------------------------------------------------- ssml_problems


@pytest.mark.parametrize("ssml", [
    "<speak>Hello.</speak>",
    '<speak>Hold. <break time="10s"/> <break time="10000ms"/> <break time="0.5s"/></speak>',
    '<speak><p><s>One.</s></p><say-as interpret-as="cardinal">3</say-as><prosody rate="slow">slow</prosody></speak>',
    '<speak><amazon:effect name="whispered">psst</amazon:effect><amazon:emotion name="excited" '
    'intensity="low">yay</amazon:emotion><amazon:domain name="conversational">hi</amazon:domain></speak>',
    '<speak><lang xml:lang="es-ES">hola</lang><sub alias="S.C.">SC</sub><w role="amazon:VB">read</w></speak>',
    "<speak>Tom &amp; Jerry &lt;3</speak>",
])
def test_valid_ssml_has_no_problems(ssml: str) -> None:
    assert ssml_problems(ssml) == []


@pytest.mark.parametrize(("ssml", "expected"), [
    ("<speak><foo>x</foo></speak>", "<foo>"),
    ("<speak><div>x</div></speak>", "<div>"),
    ("<speak><amazon:unknown>x</amazon:unknown></speak>", "<amazon:unknown>"),
    ('<speak><break time="11s"/></speak>', "longer than 10"),
    ('<speak><break time="10001ms"/></speak>', "longer than 10"),
    ('<speak><break time="10.5s"/></speak>', "longer than 10"),
    ('<speak><break time="ten seconds"/></speak>', "not like"),
    ("<speak>Tom & Jerry</speak>", "not well-formed"),
    ("<speak>a < b</speak>", "not well-formed"),
    ("<speak><s>unclosed</speak>", "not well-formed"),
    ("<speak>no end", "not well-formed"),
    ("<p>no speak root</p>", "not <speak>"),
    ("<speak>" + "a" * MAX_SPEECH_CHARS + "</speak>", f"limit is {MAX_SPEECH_CHARS}"),
])
def test_ssml_problems_catches_what_alexa_rejects(ssml: str, expected: str) -> None:
    problems = ssml_problems(ssml)
    assert problems, f"{ssml[:60]!r} should be rejected"
    assert any(expected in p for p in problems), problems


def test_ssml_problems_reports_every_problem() -> None:
    problems = ssml_problems('<speak><foo/><break time="20s"/><bar/></speak>')
    assert len(problems) == 3


def test_the_limit_is_exactly_eight_thousand_characters() -> None:
    body = "a" * (MAX_SPEECH_CHARS - len("<speak></speak>"))
    assert ssml_problems(f"<speak>{body}</speak>") == []
    assert ssml_problems(f"<speak>{body}a</speak>") != []


# BUG (lead): skill/core/speech.py ssml_problems flags <break strength="..."/> and a bare <break/>
# ("break time '' is not like 10s or 500ms"), but Alexa accepts both (strength: none, x-weak, weak, medium,
# strong, x-strong; a bare break is a medium pause). The skill never writes them, but content tooling and the
# simulator use ssml_problems as "what Alexa would reject", so it must not cry wolf.
@pytest.mark.parametrize("ssml", ['<speak>a <break strength="strong"/> b</speak>', "<speak>a <break/> b</speak>"])
def test_breaks_by_strength_are_valid(ssml: str) -> None:
    assert ssml_problems(ssml) == []
