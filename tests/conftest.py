"""Shared fixtures: a fresh skill per test and store, conversations with it, and the content's words.

Every skill here is built with build_skill(store=...) for the test alone: never the process-wide get_skill(),
whose default store is a file in the home directory.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill
from werkzeug.serving import make_server

from skill.assembly import build_skill
from skill.entry import handle_event
from tests.alexa import SKILL_ID, Conversation, Words


class FakeLambdaContext:
    """What Lambda passes as context; the skill must not need more than this."""

    function_name = "spine-coach-test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:spine-coach-test"
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/spine-coach-test"
    log_stream_name = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 7000


def sender(skill: CustomSkill) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The one way in (skill.entry.handle_event) with this test's skill."""
    return lambda event: handle_event(event, None, skill)


@pytest.fixture
def memory_skill() -> CustomSkill:
    return build_skill(store="memory://", skill_id=SKILL_ID)


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "progress.db"


@pytest.fixture
def sqlite_skill(sqlite_path: Path) -> CustomSkill:
    return build_skill(store=f"sqlite:///{sqlite_path}", skill_id=SKILL_ID)


@pytest.fixture(params=["memory", "sqlite"])
def any_skill(request: pytest.FixtureRequest, tmp_path: Path) -> CustomSkill:
    """The same behaviour must hold whichever local store is behind the skill."""
    if request.param == "memory":
        return build_skill(store="memory://", skill_id=SKILL_ID)
    return build_skill(store=f"sqlite:///{tmp_path / 'any.db'}", skill_id=SKILL_ID)


@pytest.fixture
def lambda_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real lambda_handler module, imported with an in-memory store so nothing touches the home folder."""
    monkeypatch.setenv("SPINE_COACH_STORE", "memory://")
    monkeypatch.delenv("SPINE_COACH_SKILL_ID", raising=False)
    return importlib.import_module("lambda_handler")


@pytest.fixture
def lambda_send(lambda_module: Any, memory_skill: CustomSkill,
                monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """lambda_handler.handler(event, context) answering with this test's own skill and store."""
    monkeypatch.setattr(lambda_module, "SKILL", memory_skill)
    context = FakeLambdaContext()
    return lambda event: lambda_module.handler(event, context)


@pytest.fixture
def talk(memory_skill: CustomSkill) -> Callable[..., Conversation]:
    """Conversation factory: talk() is a new user on the test's in-memory skill; talk(skill=...) picks one."""

    def make(skill: CustomSkill | None = None, **kwargs: Any) -> Conversation:
        return Conversation(sender(skill or memory_skill), **kwargs)

    return make


@pytest.fixture(scope="session")
def words() -> Words:
    return Words("en-US")


def stored(skill: CustomSkill, user_id: str) -> dict[str, Any]:
    """What the skill's store holds for a user, read through the store's own adapter."""
    from ask_sdk_model import RequestEnvelope

    from tests.alexa import launch_envelope

    request_envelope = skill.serializer.deserialize(json.dumps(launch_envelope(user_id)), RequestEnvelope)
    return skill.persistence_adapter.get_attributes(request_envelope)


DYNAMODB_TABLE = "spine-coach-progress-test"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """Fake credentials and a region set BEFORE anything builds a boto3 client, then moto with our table."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_SECURITY_TOKEN": "testing",
                        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials")}.items():
        monkeypatch.setenv(name, value)
    import boto3
    from moto import mock_aws

    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName=DYNAMODB_TABLE, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        table.wait_until_exists()
        yield table


class Server:
    """A werkzeug server on an ephemeral loopback port, serving one app from a thread."""

    def __init__(self, app: Any) -> None:
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
