"""Durations are computed, never typed: the estimate the skill uses, checked against a real rendering.

``skill.core.timing`` estimates a turn from the language's measured pace (in ``routines.yaml``), its breaks
and its sounds. espeak-ng (installed by ``.ci/setup``) renders the same texts at Alexa's rate; every answer and
every stretching turn, in both languages, must come within 15% of it.
"""

from __future__ import annotations

import shutil

import pytest

from skill.core.content import library
from skill.core.speech import Speech
from skill.core.timing import MAX_ANSWER_SECONDS, Pace, Timing, minutes, parts, ssml_seconds, text_seconds
from skill.devtools import timing as devtiming

TOLERANCE = 0.15
LANGUAGES = {"en": "en-US", "es": "es-ES"}


def test_espeak_ng_is_installed() -> None:
    assert shutil.which("espeak-ng"), "espeak-ng is missing: bash .ci/setup --browser installs it"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing (test_espeak_ng_is_installed fails)")
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_answer_and_every_turn_is_estimated_within_15_percent(language: str) -> None:
    c = library().for_locale(LANGUAGES[language])
    turns = devtiming.turns(c)
    assert sum(t.label.startswith("answer") for t in turns) == len(c.topics)
    assert sum(" turn " in t.label for t in turns) >= 2 * len(c.stretches)
    off = []
    for turn in turns:
        estimate, rendered = ssml_seconds(turn.ssml, c.timing), devtiming.rendered(turn.ssml, c)
        if abs(estimate - rendered) > TOLERANCE * rendered:
            off.append(f"{turn.label}: estimate {estimate:.1f} s, espeak-ng {rendered:.1f} s")
    assert not off, "\n".join(off)


def test_the_estimate_is_letters_at_the_pace_plus_breaks_and_sounds() -> None:
    c = library().for_locale("en-US")
    pace = Pace(10.0, 0.5)
    assert text_seconds("Hold it.", pace) == pytest.approx(6 / 10 + 0.5)
    assert text_seconds("One. Two!", pace) == pytest.approx(6 / 10 + 2 * 0.5)
    speech = Speech("Hold it.").pause(12).audio(c.timing.sound).say("And release.")
    found = parts(speech.ssml())
    assert found.texts == ("Hold it.", "And release.")
    assert found.breaks == 12 and found.sounds == (c.timing.sound,)
    timing = c.timing._replace(pace=pace)
    assert ssml_seconds(speech.ssml(), timing) == pytest.approx(
        text_seconds("Hold it.", pace) + 12 + c.timing.sound_seconds + text_seconds("And release.", pace))


def test_the_pace_and_the_sound_come_from_the_content() -> None:
    for locale in LANGUAGES.values():
        c = library().for_locale(locale)
        assert isinstance(c.timing, Timing)
        assert c.timing.sound.startswith("soundbank://soundlibrary/")
        assert 5 <= c.timing.hold_shortest <= c.timing.hold_longest <= 90
    assert library().for_locale("en-US").timing.pace != library().for_locale("es-ES").timing.pace


def test_holds_move_within_the_range() -> None:
    t = library().for_locale("en-US").timing
    assert t.hold(20, None) == 20 and t.hold(20, "standard") == 20
    assert t.hold(20, "longer") == min(t.hold_longest, 20 + t.hold_change)
    assert t.hold(t.hold_longest, "longer") == t.hold_longest
    assert t.hold(t.hold_shortest, "shorter") == t.hold_shortest


def test_minutes_round_like_a_person() -> None:
    assert minutes(10) == 1 and minutes(89) == 1 and minutes(91) == 2 and minutes(200) == 3


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_answer_fits_one_breath(language: str) -> None:
    c = library().for_locale(LANGUAGES[language])
    for topic in c.topics.values():
        seconds = ssml_seconds(Speech(topic.speech, topic.offer.ask).ssml(), c.timing)
        assert seconds <= MAX_ANSWER_SECONDS, f"{topic.id}: {seconds:.1f} s"
