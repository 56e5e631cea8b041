"""The simulator's side of reminders: its envelopes point at a local fake Alexa API, the chat grants or refuses
the permission (by voice or as the Alexa app would) and lists the reminders the fake holds."""

from __future__ import annotations

import argparse
import io

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.assembly import build_skill
from skill.simulator.chat import add_chat_arguments, run_chat
from skill.simulator.session import OfflineSession
from tests.alexa import SKILL_ID


@pytest.fixture
def skill() -> CustomSkill:
    return build_skill(store="memory://", skill_id=SKILL_ID)


def chat(skill: CustomSkill, lines: str) -> str:
    parser = argparse.ArgumentParser()
    add_chat_arguments(parser)
    out = io.StringIO()
    assert run_chat(parser.parse_args([]), skill=skill, stdin=io.StringIO(lines), stdout=out) == 0
    return out.getvalue()


def test_envelopes_carry_the_local_fake_as_api_endpoint(skill: CustomSkill) -> None:
    session = OfflineSession(skill)
    exchange = session.launch()
    system = exchange.request["context"]["System"]
    assert system["apiEndpoint"].startswith("http://127.0.0.1:")
    assert system["apiAccessToken"] == session.conversation.api_access_token


def test_a_spoken_yes_to_alexas_question_creates_the_reminder(skill: CustomSkill) -> None:
    session = OfflineSession(skill)
    asked = session.say("remind me to stretch every day at eight am")
    assert asked.asks_permission and session.open and session.pending_permission is not None
    assert session.reminders() == []
    done = session.say("I approve")
    assert done.request_type == "Connections.Response" and "every day at 8 AM" in done.speech_text
    [reminder] = session.reminders()
    assert reminder["rule"].startswith("FREQ=DAILY;BYHOUR=8") and reminder["zone"] == "America/New_York"
    assert session.pending_permission is None


def test_two_simulated_users_do_not_see_each_others_reminders(skill: CustomSkill) -> None:
    first, second = OfflineSession(skill), OfflineSession(skill)
    first.permission(True)  # granted ahead, as in the Alexa app
    assert "every day at 8 AM" in first.say("remind me to stretch every day at eight am").speech_text
    assert len(first.reminders()) == 1 and second.reminders() == []


def test_chat_grant_refuse_and_list(skill: CustomSkill) -> None:
    out = chat(skill, "remind me to stretch every weekday at seven am\n/grant\n/reminders\n"
                      "stop reminding me\n/reminders\n")
    assert "asks the user" in out and "/grant" in out
    assert "I'll remind you to stretch every weekday at 7 AM" in out
    assert "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7" in out
    assert "turned off your stretching reminders" in out and "no reminders" in out


def test_chat_refuse_answers_no_and_the_skill_does_not_ask_again(skill: CustomSkill) -> None:
    out = chat(skill, "remind me to stretch every day at eight am\n/refuse\n"
                      "remind me to stretch every day at eight am\n/reminders\n")
    assert "no reminders for now" in out
    assert "won't ask again" in out and out.count("asks the user") == 1
    assert out.rstrip().endswith("no reminders")


def test_chat_grant_without_a_question_grants_ahead(skill: CustomSkill) -> None:
    out = chat(skill, "/grant\nremind me to stretch tomorrow at six pm\n")
    assert "permission granted" in out and "tomorrow at 6 PM" in out and "asks the user" not in out


# ------------------------------------------------------------------------------------------- the browser page


def test_the_page_api_answers_the_permission_question_and_lists_reminders() -> None:
    from skill.web.app import create_app

    client = create_app(build_skill(store="memory://", skill_id=SKILL_ID)).test_client()
    asked = client.post("/simulator/api/turn", json={"utterance": "remind me to stretch every day at eight am"})
    body = asked.get_json()
    assert body["exchange"]["asks_permission"] is True and body["reminders"] == []
    granted = client.post("/simulator/api/turn", json={"session_id": body["session_id"], "permission": "grant"})
    body = granted.get_json()
    assert "every day at 8 AM" in body["exchange"]["speech_text"]
    [reminder] = body["reminders"]
    assert reminder["rule"].startswith("FREQ=DAILY;BYHOUR=8")
    ahead = client.post("/simulator/api/turn", json={"session_id": body["session_id"], "permission": "refuse"})
    assert ahead.get_json()["exchange"] is None  # no question pending: revoked, as in the Alexa app


@pytest.mark.browser
def test_reminders_in_the_browser() -> None:
    from playwright.sync_api import expect, sync_playwright

    from skill.web.app import create_app
    from tests.conftest import Server
    from tests.test_simulator_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/setup --browser` to install Debian's Chromium")
    with Server(create_app(build_skill(store="memory://", skill_id=SKILL_ID))) as server, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{server.url}/simulator")
            expect(page.locator("body")).to_have_attribute("data-ready", "true")
            page.fill("#utterance", "remind me to stretch every weekday at seven am")
            page.press("#utterance", "Enter")
            transcript = page.locator("#transcript")
            expect(transcript).to_contain_text("Do you give Spine Coach permission to set reminders?")
            expect(page.locator("#reminders")).to_contain_text("No reminders.")
            page.click("#grant-reminders")
            expect(transcript).to_contain_text("every weekday at 7 AM")
            expect(page.locator("#reminders")).to_contain_text("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7")
            page.fill("#utterance", "stop reminding me")
            page.press("#utterance", "Enter")
            expect(transcript).to_contain_text("turned off your stretching reminders")
            expect(page.locator("#reminders")).to_contain_text("No reminders.")
            assert not errors, errors
        finally:
            browser.close()
