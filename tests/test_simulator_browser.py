"""The browser simulator at /simulator: its JSON API (Flask test client) and the page end to end in headless
Chromium (Debian's package at /usr/bin/chromium, driven by Playwright for Python).

The browser test serves the real app (create_app with build_skill("memory://")) over HTTP on 127.0.0.1 with
werkzeug, types and clicks like a person, and checks what appears on the page. Chromium is installed by
``bash .ci/setup --browser``; when it is missing the test fails and says so (CI must never skip it silently).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.assembly import build_skill
from skill.core.content import library
from skill.web import simulator_page
from skill.web.app import create_app
from tests.alexa import SKILL_ID
from tests.conftest import Server

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "simulator.png"  # shown in README.md
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio"]


@pytest.fixture
def app() -> Flask:
    return create_app(build_skill(store="memory://", skill_id=SKILL_ID))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def turn(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post("/simulator/api/turn", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# ------------------------------------------------------------------------------------------------ the API


def test_the_page_and_its_script_are_served_without_external_resources(client: FlaskClient) -> None:
    page = client.get("/simulator")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Spine Coach simulator" in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
    script = client.get("/simulator/simulator.js")
    assert script.status_code == 200
    assert "https://" not in script.get_data(as_text=True)


def test_locales_are_the_contents_locales(client: FlaskClient) -> None:
    assert client.get("/simulator/api/locales").get_json()["locales"] == library().locales


def test_a_turn_returns_what_alexa_would_say_and_the_raw_json(client: FlaskClient) -> None:
    reply = turn(client, utterance="why does my back crack", locale="en-US")
    exchange = reply["exchange"]
    assert reply["session_open"] is True
    assert exchange["resolution"]["intent"] == "WhyCrackIntent"
    assert exchange["request"]["request"]["intent"]["name"] == "WhyCrackIntent"
    assert "two main theories" in exchange["speech_text"]
    assert "<speak>" in exchange["response"]["response"]["outputSpeech"]["ssml"]
    assert exchange["reprompt_text"]
    assert exchange["card"]["title"] == "Why your back cracks"
    assert "offer" in exchange["session_attributes"]
    assert exchange["apl"] is None  # no screen on this device

    again = turn(client, session_id=reply["session_id"], utterance="tell me more")
    assert again["session_id"] == reply["session_id"]
    assert again["exchange"]["request"]["session"]["new"] is False
    assert "nitrogen" in again["exchange"]["speech_text"]


def test_launch_end_new_and_touch(client: FlaskClient) -> None:
    first = turn(client, launch=True)
    session_id = first["session_id"]
    assert first["exchange"]["request"]["request"]["type"] == "LaunchRequest"
    ended = turn(client, session_id=session_id, end=True)
    assert ended["exchange"]["request"]["request"]["type"] == "SessionEndedRequest"
    assert ended["session_open"] is False
    assert turn(client, session_id=session_id, end=True)["exchange"] is None  # nothing open to end
    start = turn(client, session_id=session_id, utterance="guide my stretches", screen=True)
    assert start["exchange"]["screen"]["kind"] == "step"
    assert start["exchange"]["screen"]["stretch_number"] == 1
    touched = turn(client, session_id=session_id, touch=["next"], screen=True)
    assert touched["exchange"]["request"]["request"]["type"] == "Alexa.Presentation.APL.UserEvent"
    assert touched["exchange"]["screen"]["stretch_number"] == 2  # one turn a stretch: "next" is the next stretch
    new = turn(client, session_id=session_id, new=True)
    assert new["exchange"]["request"]["request"]["type"] == "SessionEndedRequest"
    assert turn(client, session_id=session_id, utterance="resume my stretches")["exchange"]["request"][
        "session"]["new"] is True


def test_the_same_user_id_keeps_progress_in_a_new_browser_session(client: FlaskClient) -> None:
    first = turn(client, utterance="guide my stretches")
    turn(client, session_id=first["session_id"], utterance="stop")
    later = turn(client, launch=True, user_id=first["user_id"])
    assert later["session_id"] != first["session_id"]
    assert "stretch 2 of 3, the lying hip rotation" in later["exchange"]["speech_text"]


@pytest.mark.parametrize(("body", "status"), [
    ({}, 400), ({"locale": "xx-XX", "utterance": "hi"}, 400), ({"utterance": "   "}, 400),
])
def test_bad_turns_are_refused_with_a_reason(client: FlaskClient, body: dict[str, Any], status: int) -> None:
    response = client.post("/simulator/api/turn", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]


def test_sessions_are_bounded() -> None:
    app = Flask(__name__)
    app.extensions["spine_coach_skill"] = build_skill(store="memory://", skill_id=SKILL_ID)
    blueprint = simulator_page.blueprint(limit=3)
    app.register_blueprint(blueprint)
    client = app.test_client()
    ids = [turn(client, utterance="help")["session_id"] for _ in range(5)]
    assert len(blueprint.sessions) == 3  # type: ignore[attr-defined]
    # the oldest was dropped: its id now starts a new session
    assert turn(client, session_id=ids[0], utterance="help")["session_id"] != ids[0]
    assert turn(client, session_id=ids[-1], utterance="help")["session_id"] == ids[-1]


# ------------------------------------------------------------------------------------------------ the browser


@pytest.fixture
def live_server() -> Iterator[str]:
    with Server(create_app(build_skill(store="memory://", skill_id=SKILL_ID))) as server:
        yield server.url


@pytest.mark.browser
def test_talking_to_the_skill_in_the_browser(live_server: str) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/setup --browser` to install Debian's Chromium")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            foreign: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("request", lambda req: foreign.append(req.url) if not req.url.startswith(live_server) else None)
            page.goto(f"{live_server}/simulator")
            expect(page.locator("body")).to_have_attribute("data-ready", "true")
            expect(page.locator("#locale option")).to_have_count(len(library().locales))

            # ask a question: the answer, the card, the session attributes and the raw JSON appear
            page.fill("#utterance", "why does my back crack")
            page.press("#utterance", "Enter")
            transcript = page.locator("#transcript")
            expect(transcript).to_contain_text("You: why does my back crack")
            expect(transcript).to_contain_text("two main theories")
            expect(transcript).to_contain_text("WhyCrackIntent")
            expect(page.locator("#card-title")).to_have_text("Why your back cracks")
            expect(page.locator("#attributes")).to_contain_text('"offer"')
            expect(page.locator("#session-state")).to_have_text("session open")
            page.click("#response-details summary")
            expect(page.locator("#response-json")).to_contain_text('"shouldEndSession": false')
            expect(page.locator("#screen-section")).to_be_hidden()

            # a device with a screen: the routine's step view, and its touch buttons
            page.check("#screen-toggle")
            expect(page.locator("#screen-section")).to_be_visible()
            expect(transcript).to_contain_text("the next line starts a new session")
            page.fill("#utterance", "start the quick routine")
            page.press("#utterance", "Enter")
            screen = page.locator("#screen")
            expect(screen.locator(".step-text")).to_contain_text("1 of")
            expect(screen.locator(".stretch-name")).to_contain_text("Knee to chest")
            expect(screen.locator(".countdown")).to_be_visible()
            expect(screen.locator(".routine-progress")).to_be_visible()
            screen.get_by_role("button", name="Next").click()
            expect(screen.locator(".step-text")).to_contain_text("2 of")
            expect(screen.locator(".stretch-name")).to_contain_text("hip rotation")
            expect(transcript).to_contain_text("Alexa.Presentation.APL.UserEvent")
            page.evaluate("window.scrollTo(0, 0)")
            shot = page.screenshot()  # the README's picture of the simulator: SPINE_COACH_UPDATE_SCREENSHOT=1
            assert shot.startswith(b"\x89PNG")
            if os.environ.get("SPINE_COACH_UPDATE_SCREENSHOT") == "1":
                SCREENSHOT.parent.mkdir(exist_ok=True)
                SCREENSHOT.write_bytes(shot)
            page.click("#request-details summary")
            expect(page.locator("#request-json")).to_contain_text('"arguments"')

            # another locale is another conversation, in that language
            page.select_option("#locale", "es-ES")
            expect(page.locator("html")).to_have_attribute("lang", "es-ES")
            page.fill("#utterance", "por qué me cruje la espalda")
            page.press("#utterance", "Enter")
            expect(transcript).to_contain_text("dos teorías")
            expect(screen.locator(".answer-title")).to_contain_text("Por qué cruje")

            # the buttons that stand for "Alexa, open spine coach" and for walking away
            page.click("#launch")
            expect(transcript).to_contain_text("LaunchRequest · session open")
            page.click("#end-session")
            expect(transcript).to_contain_text("SessionEndedRequest (USER_INITIATED)")
            expect(page.locator("#session-state")).to_have_text("session closed")

            # no speech recognition in this browser: no Speak button
            deaf = browser.new_page()
            deaf.add_init_script("delete window.SpeechRecognition; delete window.webkitSpeechRecognition;")
            deaf.goto(f"{live_server}/simulator")
            expect(deaf.locator("body")).to_have_attribute("data-ready", "true")
            expect(deaf.locator("#speak")).to_be_hidden()

            assert not errors, f"errors in the page: {errors}"
            assert not foreign, f"the page fetched something besides the simulator: {foreign}"
        finally:
            browser.close()


def test_the_simulator_can_be_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_COACH_SIMULATOR", "0")
    client = create_app(build_skill(store="memory://", skill_id=SKILL_ID)).test_client()
    assert client.get("/simulator").status_code == 404
    assert client.post("/simulator/api/turn", json={"utterance": "help"}).status_code == 404
