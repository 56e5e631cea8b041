"""Dialog scripts (tests/dialogs/*.yaml): each script in each of its locales is one test case.

The runner (skill.simulator.dialogs) plays a script as one user on a fresh skill with an in-memory store, through
the offline understanding and the real request envelopes; every response is also held to Alexa's rules
(tests.alexa.problems). Further tests check that the scripts together cover every topic (by a sample and by a
paraphrase), every stretch and routine, every routine command, and every locale the content has, and that the
runner itself reports a broken expectation clearly.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from skill.assembly import build_skill
from skill.core.content import library
from skill.simulator.dialogs import (
    DIALOGS_DIR,
    DialogFailure,
    Script,
    ScriptError,
    cases,
    load_script,
    run_script,
)
from skill.simulator.nlu import fold, normalise
from skill.simulator.session import Exchange
from tests.alexa import SKILL_ID, problems


def _load_all() -> tuple[list[Script], list[str]]:
    """Every script, and the reasons any could not be read (each becomes a failing test, not a collection error)."""
    scripts, broken = [], []
    for path in sorted(DIALOGS_DIR.glob("*.yaml")):
        try:
            scripts.append(load_script(path))
        except ScriptError as exc:
            broken.append(str(exc))
    return scripts, broken


SCRIPTS, BROKEN = _load_all()
CASES = cases(SCRIPTS)

# What every language's scripts must exercise besides the topics, stretches and routines.
REQUIRED_INTENTS = {
    "LaunchRequest", "AMAZON.HelpIntent", "AMAZON.FallbackIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
    "AMAZON.YesIntent", "AMAZON.NoIntent", "TellMeMoreIntent", "StartRoutineIntent", "StretchIntent",
    "AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.RepeatIntent", "AMAZON.StartOverIntent", "SkipIntent",
    "AMAZON.PauseIntent", "AMAZON.ResumeIntent", "HowManyLeftIntent", "PainIntent",
}


def alexa_problems(exchange: Exchange) -> list[str]:
    return problems(exchange.response)


@pytest.mark.parametrize(("script", "locale"), CASES, ids=[f"{s.id}-{locale}" for s, locale in CASES])
def test_dialog_script(script: Script, locale: str) -> None:
    skill = build_skill(store="memory://", skill_id=SKILL_ID)
    exchanges = run_script(script, locale, skill, check=alexa_problems)
    assert exchanges, "a script says something"


def test_every_script_can_be_read() -> None:
    assert SCRIPTS, f"no dialog scripts in {DIALOGS_DIR}"
    assert not BROKEN, "\n".join(BROKEN)


# ------------------------------------------------------------------------------------------------ coverage


def _key(text: str, lang: str) -> str:
    return " ".join(fold(normalise(text, lang)).split())


def _turns_by_language() -> dict[str, list[tuple[Script, dict]]]:
    """(script, turn as a dict of action + expectations) for each language the scripts speak."""
    out: dict[str, list[tuple[Script, dict]]] = defaultdict(list)
    for script in SCRIPTS:
        for lang in {locale.split("-")[0] for locale in script.locales}:
            for turn in script.turns:
                out[lang].append((script, {"action": turn.action, "value": turn.value, **turn.expect}))
    return out


TURNS = _turns_by_language()
LANGUAGES = sorted({locale.split("-")[0] for locale in library().locales})


def test_every_locale_of_the_content_has_scripts() -> None:
    covered = {locale for script in SCRIPTS for locale in script.locales}
    assert set(library().locales) <= covered, f"no dialog script runs in {sorted(set(library().locales) - covered)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_topic_is_asked_by_a_sample_and_by_a_paraphrase(lang: str) -> None:
    content = library().for_locale(next(loc for loc in library().locales if loc.startswith(lang)))
    missing = []
    for topic in content.topics.values():
        samples = {_key(s, lang) for s in topic.samples}
        said = [str(t["value"]) for _, t in TURNS[lang] if t["action"] == "user" and t.get("intent") == topic.intent]
        if not any(_key(u, lang) in samples for u in said):
            missing.append(f"{topic.intent}: by one of its samples")
        if not any(_key(u, lang) not in samples and not u.lower().startswith(("ask ", "pide ")) for u in said):
            missing.append(f"{topic.intent}: by a paraphrase that is not a sample")
    assert not missing, f"{lang} scripts never ask " + "; ".join(missing)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_stretch_and_routine_is_asked_for_by_name(lang: str) -> None:
    content = library().for_locale(next(loc for loc in library().locales if loc.startswith(lang)))
    named: dict[str, set[str]] = defaultdict(set)
    for _, turn in TURNS[lang]:
        for slot, value in (turn.get("slots") or {}).items():
            named[slot].add(str(value))
    assert not set(content.stretches) - named["Stretch"], "stretches never asked for by name"
    assert not set(content.routines) - named["Routine"], "routines never asked for by name"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_routine_command_and_conversation_path_is_scripted(lang: str) -> None:
    declared = {str(t["intent"]) for _, t in TURNS[lang] if "intent" in t}
    assert not REQUIRED_INTENTS - declared, f"{lang} scripts never check {sorted(REQUIRED_INTENTS - declared)}"
    # stop mid-routine, then come back in a new session for the same user and pick it up again
    resumed = [s.id for s, t in TURNS[lang] if t.get("intent") in ("AMAZON.ResumeIntent", "LaunchRequest")
               and any(re.search(r"left off|lo dejaste|quedaste", str(x), re.I) for x in
                       (t.get("speech_contains") or []))]
    assert resumed, f"{lang} scripts never resume a routine in a later session"


# ------------------------------------------------------------------------------------------------ the runner


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_wrong_expectation_fails_naming_the_file_line_turn_and_what_was_heard(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
name: wrong on purpose
locale: en-US
turns:
  - user: why does my back crack
    intent: WhyCrackIntent
  - user: tell me more
    speech_contains: [bananas]
    session: closed
""")
    with pytest.raises(DialogFailure) as failure:
        run_script(load_script(path), "en-US")
    message = str(failure.value)
    assert f"{path}:6 [en-US] turn 2" in message
    assert "speech should contain 'bananas'" in message
    assert "session should be closed, it is open" in message
    assert "synovial" in message  # what the skill actually said


def test_a_wrong_intent_names_the_nearest_miss(tmp_path: Path) -> None:
    path = _write(tmp_path, "locale: en-US\nturns:\n  - user: play some jazz\n    intent: WhyCrackIntent\n")
    with pytest.raises(DialogFailure, match=r"intent should be WhyCrackIntent, got AMAZON\.FallbackIntent"):
        run_script(load_script(path), "en-US")


def test_yes_and_no_are_words_people_say_not_booleans(tmp_path: Path) -> None:
    script = load_script(_write(tmp_path, "turns:\n  - user: yes\n  - user: no\n  - launch: true\n"))
    assert [t.value for t in script.turns] == ["yes", "no", True]


def test_scripts_default_to_every_english_locale_and_language_picks_a_language(tmp_path: Path) -> None:
    english = load_script(_write(tmp_path, "turns:\n  - launch: true\n"))
    assert english.locales == tuple(loc for loc in library().locales if loc.startswith("en-"))
    spanish = load_script(_write(tmp_path, "language: es\nturns:\n  - launch: true\n"))
    assert spanish.locales == tuple(loc for loc in library().locales if loc.startswith("es-"))


@pytest.mark.parametrize(("text", "complaint"), [
    ("turns:\n  - user: hi\n    speech_contain: [x]\n", "unknown key(s) ['speech_contain']"),
    ("turns:\n  - user: hi\n    launch: true\n", "exactly one of"),
    ("locale: xx-XX\nturns:\n  - launch: true\n", "unknown locale"),
    ("turns:\n  - user: hi\n    session: maybe\n", "session must be open or closed"),
    ("turns:\n  - user: hi\n    speech_matches: '('\n", "not a regular expression"),
    ("name: nothing\n", "turns must be a non-empty list"),
])
def test_a_badly_written_script_is_refused_with_the_reason(tmp_path: Path, text: str, complaint: str) -> None:
    with pytest.raises(ScriptError, match=re.escape(complaint)):
        load_script(_write(tmp_path, text))


def test_one_user_keeps_progress_across_sessions_of_a_script(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
locale: en-GB
turns:
  - user: guide my stretches
  - user: stop
    session: closed
  - launch: true
    speech_contains: [Next up in the quick routine is stretch 2 of 3, the lying hip rotation]
""")
    exchanges = run_script(load_script(path), "en-GB")
    assert exchanges[-1].request["session"]["new"] is True
    assert len({e.request["session"]["user"]["userId"] for e in exchanges}) == 1
