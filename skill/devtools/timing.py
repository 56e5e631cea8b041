"""``python -m skill timing``: each turn's estimated length beside an espeak-ng rendering of it.

The estimate (``skill.core.timing``) is what the skill uses to say "about 3 minutes" and to keep answers to
one breath; the rendering checks it: espeak-ng speaks each text between breaks to a WAV file at Alexa's rate
(``render_words_per_minute`` in the language's ``timing``), the WAV header gives its length, and the SSML
breaks and sounds are added. ``--calibrate`` fits each language's pace (letters per second and the pause
at each sentence end) to the renderings, to be written into ``routines.yaml``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path
from typing import NamedTuple

from skill.core.content import Library, LocaleContent, library
from skill.core.timing import Pace, letters, parts, sentence_ends, ssml_seconds


def available() -> bool:
    return shutil.which("espeak-ng") is not None


@cache
def rendered_text(text: str, voice: str, wpm: int) -> float:
    """Seconds espeak-ng takes to say ``text`` at ``wpm``, read from the WAV header."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(out), text], check=True,
                       capture_output=True, timeout=60)
        with wave.open(str(out)) as wav:
            return wav.getnframes() / wav.getframerate()


def rendered(ssml: str, c: LocaleContent) -> float:
    """An SSML body's length as rendered: its texts by espeak-ng, plus its breaks and sound clips."""
    found = parts(ssml)
    spoken = sum(rendered_text(t, c.timing.voice, c.timing.render_words_per_minute) for t in found.texts)
    return spoken + found.breaks + len(found.sounds) * c.timing.sound_seconds


class TimedTurn(NamedTuple):
    label: str
    ssml: str


def turns(c: LocaleContent) -> list[TimedTurn]:
    """Every answer (with its offer) and every stretching turn of every routine and single stretch."""
    from skill.core import coaching
    from skill.core.profile import Profile
    from skill.core.routine import SINGLE_PREFIX, Command
    from skill.core.state import State

    found = []
    for topic in c.topics.values():
        found.append(TimedTurn(f"answer {topic.id}", _ssml(topic.speech, topic.offer.ask)))
        if topic.more:
            found.append(TimedTurn(f"more {topic.id}", _ssml(topic.more, topic.offer.ask)))
    ids = [*c.routines, *(SINGLE_PREFIX + s for s in c.stretches)]
    for routine_id in ids:
        state = State({}, Profile())
        reply = coaching.start(c, state, routine_id)
        number = 1
        while True:
            found.append(TimedTurn(f"{routine_id} turn {number}", reply.full_speech().ssml()))
            if not state.in_routine:
                break
            reply = coaching.command(c, state, Command.NEXT)
            number += 1
    return found


def _ssml(*texts: str) -> str:
    from skill.core.speech import Speech

    return Speech(*texts).ssml()


def calibrate(c: LocaleContent) -> Pace:
    """Least squares over every sentence the language says: seconds = letters * a + sentence ends * b."""
    samples: list[str] = []
    for topic in c.topics.values():
        samples += [topic.speech, topic.offer.ask, *([topic.more] if topic.more else [])]
    for stretch in c.stretches.values():
        samples += [stretch.setup, stretch.breathing, stretch.card,
                    stretch.movement.format(side=c.side_word("left"))]
    for variants in c.phrases.values():
        samples += [v for v in variants if "{" not in v and len(v.split()) >= 3]
    rows = []
    for text in samples:
        seconds = rendered_text(text, c.timing.voice, c.timing.render_words_per_minute)
        rows.append((letters(text), sentence_ends(text), seconds))
    sww = sum(w * w for w, _, _ in rows)
    swe = sum(w * e for w, e, _ in rows)
    see = sum(e * e for _, e, _ in rows)
    sws = sum(w * s for w, _, s in rows)
    ses = sum(e * s for _, e, s in rows)
    det = sww * see - swe * swe
    a = (sws * see - ses * swe) / det
    b = (sww * ses - swe * sws) / det
    return Pace(round(1.0 / a, 2), round(b, 2))


def report(lib: Library, languages: list[str] | None = None) -> list[tuple[str, str, float, float | None]]:
    """(language, turn, estimate, rendering or None) for every turn of every language."""
    rows = []
    seen = set()
    for locale in lib.locales:
        c = lib.for_locale(locale)
        if c.language in seen or (languages and c.language not in languages):
            continue
        seen.add(c.language)
        for turn in turns(c):
            estimate = ssml_seconds(turn.ssml, c.timing)
            rows.append((c.language, turn.label, estimate, rendered(turn.ssml, c) if available() else None))
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calibrate", action="store_true",
                        help="fit each language's letters_per_second and sentence_pause to espeak-ng renderings")
    parser.add_argument("--language", action="append", help="only this language (en, es); repeatable")


def run(args: argparse.Namespace) -> int:
    lib = library()
    if args.calibrate:
        if not available():
            print("espeak-ng is not installed (bash .ci/setup installs it)")
            return 1
        done = set()
        for locale in lib.locales:
            c = lib.for_locale(locale)
            if c.language in done or (args.language and c.language not in args.language):
                continue
            done.add(c.language)
            pace = calibrate(c)
            print(f"{c.language}: letters_per_second: {pace.letters_per_second}  sentence_pause: "
                  f"{pace.sentence_pause}  (content has {c.timing.pace.letters_per_second} and "
                  f"{c.timing.pace.sentence_pause})")
        return 0
    rows = report(lib, args.language)
    if not available():
        print("espeak-ng is not installed: estimates only (bash .ci/setup installs it)")
    print(f"{'lang':4}  {'turn':34} {'estimate':>9} {'espeak-ng':>9} {'error':>7}")
    errors: dict[str, list[float]] = {}
    for language, label, estimate, render in rows:
        if render is None:
            print(f"{language:4}  {label:34} {estimate:8.1f}s")
            continue
        error = (estimate - render) / render
        errors.setdefault(language, []).append(abs(error))
        print(f"{language:4}  {label:34} {estimate:8.1f}s {render:8.1f}s {error:+7.1%}")
    for language, found in errors.items():
        print(f"{language}: {len(found)} turns, error max {max(found):.1%}, mean {sum(found) / len(found):.1%}")
    return 0
