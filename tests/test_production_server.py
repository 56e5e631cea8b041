"""The README's commands as a user runs them: ``make serve`` on a brand-new machine, the production gunicorn
command with slow clients connected, and the health endpoint a monitor would call.

Real processes, real HTTP on 127.0.0.1, real SQLite files; DynamoDB is moto.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill.assembly import build_skill
from skill.core.content import library
from skill.devtools.load import ROOT, free_port
from skill.devtools.slowclients import CONFIG, latency_with_slow_clients
from skill.persistence.sqlite import SqliteAdapter
from skill.simulator.envelopes import Conversation
from skill.web.app import create_app
from tests.alexa import Words
from tests.conftest import DYNAMODB_TABLE

EN = library().for_locale("en-US")
WORDS = Words("en-US")


# ------------------------------------------------------------------------------------------- make serve, fresh machine


class Serve:
    """``python -m skill serve`` (what ``make serve`` runs) in its own process, with the given HOME."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPINE_COACH_")}
        env.update({"HOME": str(home), "PYTHONUNBUFFERED": "1"})
        self.log = (home / f"serve-{self.port}.log").open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "skill", "serve", "--port", str(self.port)], cwd=ROOT,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the server did not start: {(home / f'serve-{self.port}.log').read_text()}")

    def post(self, event: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(self.url, data=json.dumps(event).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        self.log.close()


def speech(answer: dict[str, Any]) -> str:
    return ((answer.get("response") or {}).get("outputSpeech") or {}).get("ssml", "")


def test_make_serve_on_a_brand_new_home_keeps_the_place_across_a_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()  # empty: no ~/.spine-coach, no SPINE_COACH_STORE
    device = Conversation("en-US")
    server = Serve(home)
    try:
        for turn in (device.launch, lambda: device.intent("StartRoutineIntent")):  # stretch 1 done, 2 is next
            answer = server.post(turn())  # each request carries the session the last answer left
            device.absorb(answer)
            assert "couldn't save" not in speech(answer), speech(answer)
        assert device.attributes["routine"]["index"] == 2
    finally:
        server.stop()  # mid-routine: no stop, no goodbye, the process just ends
    assert (home / ".spine-coach" / "progress.db").exists()

    again = Conversation("en-US", user_id=device.user_id)
    server = Serve(home)  # a new process
    try:
        back = server.post(again.launch())
    finally:
        server.stop()
    assert WORDS.one_in("welcome_back_routine", speech(back), stretch=EN.stretches["hip_rotation"].name, number=2,
                        total=3, routine=EN.routines["quick"].name), speech(back)


# ------------------------------------------------------------------------------------------- slow clients


def test_the_production_settings_answer_a_real_request_while_slow_clients_trickle() -> None:
    """Real gunicorn with the README's settings; 6 connections send a byte a second; GET /health (a store
    write and read) must still be answered within a few seconds (sync workers: no answer in 10 s)."""
    seconds = latency_with_slow_clients(["-c", str(CONFIG)], slow=6, wait=10.0)
    assert seconds is not None and seconds < 3.0, seconds


def test_the_readme_production_command_uses_these_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "gunicorn -c skill/web/gunicorn_conf.py" in readme
    assert "gthread" in CONFIG.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------- the health endpoint


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    path = tmp_path / "health" / "progress.db"
    skill = build_skill(store=f"sqlite:///{path}")
    yield create_app(skill).test_client(), path


def test_health_is_200_when_the_store_can_write_and_read(sqlite_app: tuple[Any, Path]) -> None:
    client, path = sqlite_app
    answer = client.get("/health")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok" and body["store"] == "SqliteAdapter"
    assert path.exists()


def test_health_is_503_when_the_store_cannot_write(sqlite_app: tuple[Any, Path]) -> None:
    client, path = sqlite_app
    assert client.get("/health").status_code == 200
    path.parent.chmod(0o500)
    path.chmod(0o400)
    try:
        if os.access(path, os.W_OK):
            pytest.skip("running as a user who can write read-only files (root)")
        answer = client.get("/health")
    finally:
        path.parent.chmod(0o700)
        path.chmod(0o600)
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "unavailable"
    assert str(path) not in answer.get_data(as_text=True), "the health answer must not reveal file paths"


class BrokenDisk(SqliteAdapter):
    def _connect(self, budget: float | None = None) -> Any:
        import sqlite3

        raise sqlite3.OperationalError("disk I/O error")


def test_health_is_503_on_a_failing_disk_even_as_root(tmp_path: Path) -> None:
    skill = build_skill(store="memory://")
    skill.persistence_adapter = BrokenDisk(tmp_path / "x.db")
    answer = create_app(skill).test_client().get("/health")
    assert answer.status_code == 503 and answer.get_json() == {"status": "unavailable", "store": "BrokenDisk",
                                                               "error": "PersistenceException"}


def test_health_probes_dynamodb_too(aws: Any) -> None:
    skill = build_skill(store=f"dynamodb://{DYNAMODB_TABLE}")
    client = create_app(skill).test_client()
    assert client.get("/health").status_code == 200
    aws.delete()
    assert client.get("/health").status_code == 503
