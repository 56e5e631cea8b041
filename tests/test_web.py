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


# ------------------------------------------------------------------------------------------ hostile bodies


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_a_body_nested_60000_levels_deep_is_a_400_not_a_500(server: Server) -> None:
    """As deep as fits in 128 KB (the verifier's own test goes to 100,000 levels)."""
    body = b"[" * 60_000 + b"]" * 60_000
    status, ctype, answer = http("POST", server.url + "/", body)
    assert (status, ctype.split(";")[0]) == (400, "application/json")
    assert "nested" in answer["error"]


def test_session_attributes_nested_1000_levels_deep_are_a_400_not_a_500(server: Server) -> None:
    """The ASK SDK deep-copies session attributes; 900+ levels would be a RecursionError inside it."""
    event = launch_envelope("amzn1.ask.account.DEEP")
    event["session"]["attributes"] = {"deep": "DEEP"}
    # Spliced in as text: Python 3.11's json.dumps itself overflows at this depth (3.13's does not).
    body = json.dumps(event).replace('"DEEP"}', '{"a": ' * 1000 + '"bottom"' + "}" * 1000 + "}", 1)
    status, _, answer = http("POST", server.url + "/", body.encode("utf-8"))
    assert status == 400
    assert "nested" in answer["error"]
    fine = launch_envelope("amzn1.ask.account.DEEP")
    fine["session"]["attributes"] = {"deep": nested(20)}
    assert post_json(server.url + "/", fine)[0] == 200


def chunked_post(url: str, chunks: list[bytes]) -> tuple[int, Any]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", "/", body=iter(chunks), encode_chunked=True,
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_body_over_128_kb_is_a_413_not_cut_short(server: Server) -> None:
    event = launch_envelope()
    event["padding"] = "x" * (129 * 1024)
    body = json.dumps(event).encode()
    status, answer = chunked_post(server.url, [body[i:i + 8192] for i in range(0, len(body), 8192)])
    assert status == 413
    assert "larger than" in answer["error"]


def test_a_chunked_body_under_the_limit_is_answered(server: Server) -> None:
    body = json.dumps(launch_envelope("amzn1.ask.account.CHUNKED")).encode()
    status, answer = chunked_post(server.url, [body[:100], body[100:]])
    assert status == 200 and speech_text(answer)


# ------------------------------------------------------------------------------ serve, as a newcomer meets it


def test_serve_on_a_busy_port_says_so_before_any_banner(tmp_path: Path) -> None:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "skill", "serve", "--port", str(port)], check=False, cwd=ROOT,
                              env=cli_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Spine Coach on" not in done.stdout + done.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert "make serve PORT=" in done.stderr
    assert "Traceback" not in done.stderr


def test_make_serve_passes_the_port_through(tmp_path: Path) -> None:
    """`make serve PORT=5001`: the Makefile hands PORT to the server (dry run: nothing is started)."""
    done = subprocess.run(["make", "-n", "serve", "PORT=5001"], check=True, cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert "-m skill serve --port 5001" in done.stdout
    default = subprocess.run(["make", "-n", "serve"], check=True, cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    assert "-m skill serve --port 5000" in default.stdout


def test_serve_verify_without_a_skill_id_refuses_to_start(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "skill", "serve", "--verify", "--port", str(free_port())]
    done = subprocess.run(command, check=False, cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "SPINE_COACH_SKILL_ID is not set" in done.stderr
    assert "--any-skill" in done.stderr and "Traceback" not in done.stderr
    assert "Spine Coach on" not in done.stdout


def test_a_verifying_server_does_not_advertise_the_simulator() -> None:
    from skill.web.verification import RequestVerifier

    app = create_app(build_skill(store="memory://", skill_id=SKILL_ID),
                     verifier=RequestVerifier(skill_id=SKILL_ID, trust_roots=None))
    about = app.test_client().get("/").get_json()
    assert about["verify"] is True and "simulator" not in about
    assert app.test_client().get("/simulator").status_code == 404


def test_verified_app_needs_a_skill_id_or_an_explicit_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from skill.web.app import verified_app

    monkeypatch.delenv("SPINE_COACH_SKILL_ID", raising=False)
    monkeypatch.delenv("SPINE_COACH_ALLOW_ANY_SKILL", raising=False)
    with pytest.raises(RuntimeError, match="SPINE_COACH_SKILL_ID is not set"):
        verified_app()
    monkeypatch.setenv("SPINE_COACH_ALLOW_ANY_SKILL", "1")
    assert verified_app().test_client().get("/").get_json()["verify"] is True
