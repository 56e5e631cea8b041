"""The skill as a web service: real HTTP on 127.0.0.1 against the Flask app, and the ``serve`` command.

What a caller notices: status codes, JSON bodies (errors included), and the same Alexa answer as Lambda gives.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from skill.assembly import build_skill
from skill.web.app import create_app
from tests.alexa import SKILL_ID, Words, launch_envelope, problems, speech_text
from tests.conftest import Server

ROOT = Path(__file__).resolve().parent.parent


def http(method: str, url: str, body: bytes | None = None,
         content_type: str = "application/json") -> tuple[int, str, Any]:
    """(status, content type, parsed JSON body or the raw text) for one request, errors included."""
    headers = {"Content-Type": content_type} if body is not None else {}
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            status, ctype, raw = response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        status, ctype, raw = exc.code, exc.headers.get("Content-Type", ""), exc.read()
    text = raw.decode("utf-8")
    try:
        return status, ctype, json.loads(text)
    except ValueError:
        return status, ctype, text


def post_json(url: str, payload: Any) -> tuple[int, str, Any]:
    return http("POST", url, json.dumps(payload).encode("utf-8"))


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server(create_app(build_skill(store="memory://")))
    yield running
    running.close()


@pytest.fixture(scope="module")
def guarded() -> Iterator[Server]:
    """A server for one skill id only."""
    running = Server(create_app(build_skill(store="memory://", skill_id=SKILL_ID)))
    yield running
    running.close()


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and types, not the (randomly varied) words."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


# ------------------------------------------------------------------------------------------ the app


def test_a_launch_over_http_is_the_same_answer_as_lambda(server: Server, lambda_send: Callable[..., Any],
                                                         words: Words) -> None:
    event = launch_envelope("amzn1.ask.account.WEB")
    status, ctype, body = post_json(server.url + "/", event)
    assert status == 200
    assert ctype.startswith("application/json")
    assert not problems(body)
    assert any(speech_text(body).startswith(v) for v in words.variants("welcome_first"))
    from_lambda = lambda_send(event)
    assert shape(body) == shape(from_lambda)
    assert body["response"]["shouldEndSession"] is False
    assert body["response"]["card"] == from_lambda["response"]["card"]


def test_a_whole_turn_pair_over_http_keeps_the_session(server: Server, words: Words) -> None:
    from tests.alexa import Conversation

    user = Conversation(lambda event: post_json(server.url + "/", event)[2])
    user.launch()
    said = user.ask("StartRoutineIntent")
    assert said.attributes["routine"]["index"] == 2
    assert user.ask("AMAZON.NextIntent").attributes["routine"]["index"] == 4


def test_get_status_says_ok(server: Server) -> None:
    status, ctype, body = http("GET", server.url + "/")
    assert status == 200
    assert ctype.startswith("application/json")
    assert body["status"] == "ok"


def test_malformed_json_is_a_400_with_a_json_error(server: Server) -> None:
    status, ctype, body = http("POST", server.url + "/", b'{"version": "1.0", "request": ')
    assert status == 400
    assert ctype.startswith("application/json")
    assert isinstance(body, dict) and body["error"]


def test_bytes_that_are_not_text_are_a_400(server: Server) -> None:
    status, _, body = http("POST", server.url + "/", b"\xff\xfe\x00garbage")
    assert status == 400
    assert body["error"]


@pytest.mark.parametrize("payload", [{}, {"request": 5}, [], "launch", {"version": "1.0", "session": {}},
                                     {"version": "1.0", "request": {"type": "LaunchRequest"}}],
                         ids=["empty", "request-5", "list", "string", "no-request", "no-context"])
def test_json_that_is_not_an_envelope_is_a_400(server: Server, payload: Any) -> None:
    status, ctype, body = post_json(server.url + "/", payload)
    assert status == 400
    assert ctype.startswith("application/json")
    assert body["error"]


def test_the_wrong_skill_id_is_a_403(guarded: Server) -> None:
    status, ctype, body = post_json(guarded.url + "/", launch_envelope(skill_id="amzn1.ask.skill.someone-else"))
    assert status == 403
    assert ctype.startswith("application/json")
    assert body["error"]
    ok, _, answer = post_json(guarded.url + "/", launch_envelope())
    assert ok == 200 and speech_text(answer)


def test_an_unknown_path_is_a_404_in_json(server: Server) -> None:
    status, ctype, body = http("GET", server.url + "/no/such/page")
    assert status == 404
    assert ctype.startswith("application/json")
    assert body["error"]


def test_a_body_over_128_kb_is_a_413(server: Server) -> None:
    event = launch_envelope()
    event["padding"] = "x" * (129 * 1024)
    status, ctype, body = post_json(server.url + "/", event)
    assert status == 413
    assert ctype.startswith("application/json")
    assert body["error"]


# ------------------------------------------------------------------------------------------ python -m skill serve


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPINE_COACH_")}
    env["SPINE_COACH_STORE"] = f"sqlite:///{tmp_path / 'x.db'}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_serve_on_a_public_interface_without_verify_is_refused(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "skill", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
                          check=False, cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "--verify" in done.stderr
    assert "0.0.0.0" in done.stderr
    assert not (tmp_path / "x.db").exists()


def test_serve_really_starts_and_answers(tmp_path: Path, words: Words) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "skill", "serve", "--port", str(port)], cwd=ROOT,
                               env=cli_env(tmp_path), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60  # a bound on waiting for start-up, not a timing assertion
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                status, _, body = http("GET", url)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the server never came up"
                time.sleep(0.1)
        assert status == 200 and body["status"] == "ok"
        user_id = "amzn1.ask.account.CLI"
        status, _, answer = post_json(url, launch_envelope(user_id))
        assert status == 200
        assert any(speech_text(answer).startswith(v) for v in words.variants("welcome_first"))
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    with closing(sqlite3.connect(tmp_path / "x.db")) as db:
        ids = [row[0] for row in db.execute("SELECT id FROM attributes")]
    assert ids == [user_id]
