"""``python -m skill chat`` and ``python -m skill say``: what a developer sees when talking to the skill offline.

Most tests run the chat loop in-process (run_chat with this test's own skill and a text stream as stdin, which is
the pipe mode); a few run the real command in a subprocess: a pipe, two runs sharing a SQLite store through
--user, and a terminal (pty) for the prompt and readline history.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.assembly import build_skill
from skill.simulator.chat import add_chat_arguments, add_say_arguments, run_chat, run_say
from tests.alexa import SKILL_ID

ROOT = Path(__file__).resolve().parents[1]
JSON_KEYS = {"utterance", "intent", "slots", "confidence", "request", "response"}


@pytest.fixture
def skill() -> CustomSkill:
    return build_skill(store="memory://", skill_id=SKILL_ID)


def chat(skill: CustomSkill, lines: str, *options: str) -> str:
    """Pipe ``lines`` into the chat (stdin is not a terminal) and return what it printed."""
    parser = argparse.ArgumentParser()
    add_chat_arguments(parser)
    out = io.StringIO()
    assert run_chat(parser.parse_args(list(options)), skill=skill, stdin=io.StringIO(lines), stdout=out) == 0
    return out.getvalue()


def json_turns(output: str) -> list[dict[str, Any]]:
    turns = [json.loads(line) for line in output.splitlines()]
    for turn in turns:
        assert set(turn) == JSON_KEYS
    return turns


def speech(turn: dict[str, Any]) -> str:
    return turn["response"]["response"].get("outputSpeech", {}).get("ssml", "")


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skill", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "SPINE_COACH_STORE": "memory://", **(env or {})},
                          timeout=120, check=False)


# ------------------------------------------------------------------------------------------------ text mode


def test_each_turn_prints_speech_reprompt_card_and_what_was_understood(skill: CustomSkill) -> None:
    output = chat(skill, "why does my back crack\n")
    lines = output.splitlines()
    assert lines[0].startswith("Alexa: There are two main theories.")
    assert "two main theories" in lines[0]
    assert "<speak>" not in output  # SSML reduced to text
    assert any(line.startswith("  (reprompt: ") for line in lines)
    assert any(line.startswith("  [card] Why your back cracks: ") for line in lines)
    assert any(line.startswith("  · WhyCrackIntent 1.00") and "session open" in line for line in lines)
    assert "\033[" not in output  # no colour codes into a pipe
    assert '"event":"request"' not in output  # the skill's own log lines stay out of the conversation


def test_breaks_read_as_ellipses_and_routine_steps_say_where_you_are(skill: CustomSkill) -> None:
    output = chat(skill, "guide my stretches\n")
    assert "Hold for 20 seconds. … 10 seconds left. … And release." in output
    assert "(reprompt:" in output and "stretch 2 of 3" in output.split("(reprompt:")[1]


def test_a_closed_session_makes_the_next_line_a_new_one_shot_session(skill: CustomSkill) -> None:
    turns = json_turns(chat(skill, "why does my back crack\nstop\nwhy does my back crack\n", "--json"))
    assert [t["intent"] for t in turns] == ["WhyCrackIntent", "AMAZON.StopIntent", "WhyCrackIntent"]
    sessions = [t["request"]["session"] for t in turns]
    assert [s["new"] for s in sessions] == [True, False, True]
    assert sessions[0]["sessionId"] == sessions[1]["sessionId"] != sessions[2]["sessionId"]
    assert turns[1]["response"]["response"]["shouldEndSession"] is True


def test_text_mode_marks_a_new_session(skill: CustomSkill) -> None:
    lines = chat(skill, "stop\nhelp\n").splitlines()
    second = [i for i, line in enumerate(lines) if line.startswith("Alexa:")][1]
    assert lines[second - 1] == "  · new session"
    assert "  · new session" not in lines[:second - 1]


# ------------------------------------------------------------------------------------------------ json mode


def test_json_mode_prints_one_object_per_turn(skill: CustomSkill) -> None:
    turns = json_turns(chat(skill, "guide me through the bridge\ntell me more\n", "--json"))
    assert len(turns) == 2
    first = turns[0]
    assert first["utterance"] == "guide me through the bridge"
    assert first["intent"] == "StretchIntent"
    assert first["slots"] == {"Stretch": "bridge"}
    assert first["confidence"] == 1.0
    assert first["request"]["request"]["intent"]["slots"]["Stretch"]["resolutions"]["resolutionsPerAuthority"][0][
        "status"]["code"] == "ER_SUCCESS_MATCH"
    assert "bridge" in speech(first)


def test_launch_new_and_end_commands(skill: CustomSkill) -> None:
    turns = json_turns(chat(skill, "/launch\n/end\n/end\nhelp\n/new\nhelp\nexit\nexit\n", "--json"))
    kinds = [(t["intent"], t["request"]["session"]["new"]) for t in turns]
    assert kinds == [
        ("LaunchRequest", True), ("SessionEndedRequest", False),  # /end; the second /end has nothing to end
        ("AMAZON.HelpIntent", True), ("SessionEndedRequest", False),  # /new ends the open session
        ("AMAZON.HelpIntent", True), ("SessionEndedRequest", False),  # "exit" ends it; the second has nothing
    ]
    assert turns[1]["request"]["request"]["reason"] == "USER_INITIATED"
    assert turns[1]["utterance"] is None
    assert turns[5]["utterance"] == "exit"
    assert turns[1]["response"]["response"] == {}  # nothing may be said to a SessionEndedRequest


def test_input_ending_mid_session_is_not_printed_as_a_turn(skill: CustomSkill) -> None:
    assert len(json_turns(chat(skill, "guide my stretches\nnext\n", "--json"))) == 2


def test_comments_blank_lines_and_unknown_commands_are_not_turns(skill: CustomSkill) -> None:
    output = chat(skill, "# a comment\n\n/dance\nhelp\n")
    assert output.count("Alexa:") == 1
    assert "unknown command /dance" in output


# ------------------------------------------------------------------------------------------------ devices and locales


def test_screen_devices_get_the_step_screen_and_touches(skill: CustomSkill) -> None:
    output = chat(skill, "guide my stretches\n/touch next\n", "--screen")
    steps = [line for line in output.splitlines() if line.startswith("  [screen] ")]
    assert len(steps) == 2
    assert "Stretch 1 of 3" in steps[0]
    assert "[Next]" in steps[0]
    assert "Stretch 2 of 3" in steps[1]
    assert 'Alexa.Presentation.APL.UserEvent ["next"]' in output

    turns = json_turns(chat(skill, "guide my stretches\n", "--screen", "--json"))
    assert "Alexa.Presentation.APL" in turns[0]["request"]["context"]["System"]["device"]["supportedInterfaces"]
    directives = turns[0]["response"]["response"]["directives"]
    assert directives[0]["type"] == "Alexa.Presentation.APL.RenderDocument"


def test_without_screen_there_is_no_apl(skill: CustomSkill) -> None:
    turn = json_turns(chat(skill, "guide my stretches\n", "--json"))[0]
    assert turn["request"]["context"]["System"]["device"]["supportedInterfaces"] == {}
    assert "directives" not in turn["response"]["response"]


def test_locale_option_and_command(skill: CustomSkill) -> None:
    spanish = json_turns(chat(skill, "por qué me cruje la espalda\n", "--locale", "es-MX", "--json"))[0]
    assert spanish["request"]["request"]["locale"] == "es-MX"
    assert "dos teorías" in speech(spanish)
    output = chat(skill, "/locale es-ES\npor qué me cruje la espalda\n/locale xx-XX\n")
    assert "dos teorías" in output
    assert "unknown locale 'xx-XX'" in output


def test_user_option_fixes_the_user_id(skill: CustomSkill) -> None:
    turns = json_turns(chat(skill, "help\n", "--user", "amzn1.ask.account.CHAT-TEST", "--json"))
    assert turns[0]["request"]["session"]["user"]["userId"] == "amzn1.ask.account.CHAT-TEST"


def test_say_answers_once_in_a_one_shot_session(skill: CustomSkill) -> None:
    parser = argparse.ArgumentParser()
    add_say_arguments(parser)
    out = io.StringIO()
    assert run_say(parser.parse_args(["is", "it", "dangerous", "to", "crack", "my", "back", "--json"]),
                   skill=skill, stdout=out) == 0
    turns = json_turns(out.getvalue())
    assert len(turns) == 1
    assert turns[0]["intent"] == "IsItDangerousIntent"
    assert turns[0]["request"]["session"]["new"] is True


# ------------------------------------------------------------------------------------------------ the real command


def test_the_command_reads_a_pipe_and_prints_json_lines() -> None:
    result = run_cli("chat", "--json", stdin="why does my back crack\ntell me more\n")
    assert result.returncode == 0, result.stderr
    turns = json_turns(result.stdout)
    assert [t["intent"] for t in turns] == ["WhyCrackIntent", "TellMeMoreIntent"]
    assert "nitrogen" in speech(turns[1])


def test_say_command_prints_what_alexa_would_say() -> None:
    result = run_cli("say", "why does my back crack")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Alexa: There are two main theories.")


def test_progress_persists_between_runs_for_the_same_user(tmp_path: Path) -> None:
    env = {"SPINE_COACH_STORE": f"sqlite:///{tmp_path / 'progress.db'}"}
    first = run_cli("chat", "--user", "amzn1.ask.account.RETURNING", stdin="guide my stretches\nstop\n",
                    env=env)
    assert "saved your place: the lying hip rotation is next" in first.stdout, first.stderr
    second = run_cli("chat", "--user", "amzn1.ask.account.RETURNING", stdin="/launch\n", env=env)
    assert "Next up in the quick routine is stretch 2 of 3, the lying hip rotation" in second.stdout, second.stderr
    stranger = run_cli("chat", stdin="/launch\n", env=env)
    assert "Next up" not in stranger.stdout


def test_interactive_mode_prompts_and_keeps_a_history(tmp_path: Path) -> None:
    main, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "skill", "chat"], stdin=secondary, stdout=secondary,
                               stderr=secondary, cwd=ROOT, close_fds=True,
                               env={**os.environ, "HOME": str(tmp_path), "SPINE_COACH_STORE": "memory://",
                                    "NO_COLOR": "1", "TERM": "dumb"})
    os.close(secondary)
    seen = b""
    consumed = 0

    def read_until(marker: bytes) -> None:
        """Read until ``marker`` appears after what earlier calls matched (the prompt returns after each turn)."""
        nonlocal seen, consumed
        deadline = time.monotonic() + 60  # a guard against hanging, not a timing assertion
        while marker not in seen[consumed:] and time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1)
            if ready:
                try:
                    seen += os.read(main, 4096)
                except OSError:
                    break
        found = seen.find(marker, consumed)
        assert found >= 0, seen.decode(errors="replace")
        consumed = found + len(marker)

    try:
        read_until(b"You: ")
        os.write(main, b"why does my back crack\n")
        read_until(b"two main theories")
        read_until(b"You: ")
        os.write(main, b"\x04")  # Ctrl-D
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    history = tmp_path / ".spine-coach" / "history"
    assert "why does my back crack" in history.read_text()
