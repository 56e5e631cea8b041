"""Logs never hold who the user is or what they said: no raw user id, device id or slot value, anywhere.

Everything the process writes is captured: stdout (the per-request JSON lines, as CloudWatch stores them),
stderr, and every log record of every logger at DEBUG (message, arguments and formatted stack traces). A whole
session is run with distinctive values, then the error path and store faults, and each capture is searched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.skill import CustomSkill

from skill.assembly import build_skill
from skill.core import answers
from skill.core.content import LocaleContent
from skill.logs import pseudonym
from tests.alexa import SKILL_ID, Conversation, Words
from tests.conftest import sender

USER = "amzn1.ask.account.PRIVACY7Q3ZK9USERIDENTIFIER"
DEVICE = "amzn1.ask.device.PRIVACY5DEVICE2IDENTIFIER"
SLOT = "zebra-4711"
SECRETS = (USER, DEVICE, SLOT, USER.rsplit(".", 1)[1], DEVICE.rsplit(".", 1)[1])


def captured(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> tuple[str, list[str]]:
    """(stdout, every log record rendered fully: message, raw arguments, stack trace)."""
    out = capsys.readouterr()
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    records = [f"{formatter.format(r)} {r.args!r} {r.exc_text or ''}" for r in caplog.records]
    return out.out + out.err, records


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


def request_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root: every library's records too
    caplog.set_level(logging.DEBUG, logger="spine_coach")
    return caplog


def person(skill: CustomSkill) -> Conversation:
    return Conversation(sender(skill), user_id=USER, device_id=DEVICE)


def whole_session(user: Conversation) -> int:
    """Launch, a topic, a routine named with the distinctive value, a real routine, a stretch, pain."""
    user.launch()
    user.ask("WhyCrackIntent")
    user.ask("StartRoutineIntent", {"Routine": SLOT})
    user.ask("StartRoutineIntent", {"Routine": SLOT}, resolved=False)
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    user.ask("AMAZON.NextIntent")
    user.ask("SkipIntent", {"Stretch": SLOT})
    user.ask("StretchIntent", {"Stretch": SLOT})
    user.ask("PainIntent")
    user.ended("ERROR", {"type": "INVALID_RESPONSE", "message": "x"})
    return len(user.history)


def test_a_whole_session_logs_no_id_and_no_slot_value(memory_skill: CustomSkill, capsys: pytest.CaptureFixture[str],
                                                      everything: pytest.LogCaptureFixture) -> None:
    sent = whole_session(person(memory_skill))
    stdout, records = captured(capsys, everything)
    assert not leaks(stdout), stdout
    assert not [r for r in records if leaks(r)]

    lines = request_lines(stdout)
    assert len(lines) == sent, "one structured line per request"
    for line in lines:
        assert {"type", "intent", "locale", "ms", "user"} <= set(line), line
        assert line["user"] == pseudonym(USER) != USER
        assert isinstance(line["ms"], int | float) and line["ms"] >= 0
        assert line["locale"] == "en-US"
    assert [line["intent"] for line in lines[1:4]] == ["WhyCrackIntent", "StartRoutineIntent", "StartRoutineIntent"]
    assert lines[0]["type"] == "LaunchRequest" and lines[-1]["type"] == "SessionEndedRequest"


def test_the_pseudonym_is_stable_per_user_and_differs_between_users() -> None:
    assert pseudonym(USER) == pseudonym(USER)
    assert pseudonym(USER) != pseudonym(USER + "X")
    assert pseudonym(None) == pseudonym("") == "-"


def test_the_error_path_logs_the_stack_but_no_id_or_slot_value(
        memory_skill: CustomSkill, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        everything: pytest.LogCaptureFixture, words: Words) -> None:
    def broken(c: LocaleContent, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the topic answer broke")

    monkeypatch.setattr(answers, "topic", broken)
    user = person(memory_skill)
    user.launch()
    said = user.ask("WhyCrackIntent", {"Routine": SLOT})
    assert words.one_in("error", said.speech), "the forced exception must reach the error handler"
    stdout, records = captured(capsys, everything)
    assert any("the topic answer broke" in r for r in records), "the stack trace must be logged"
    assert not leaks(stdout)
    assert not [r for r in records if leaks(r)]


def test_an_exception_that_quotes_the_slot_value_does_not_leak_it(
        memory_skill: CustomSkill, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        everything: pytest.LogCaptureFixture) -> None:
    def lookup(self: LocaleContent, kind: str, spoken: str | None) -> str | None:
        raise KeyError(spoken)  # what a plain dict lookup on the spoken value raises

    monkeypatch.setattr(LocaleContent, "find", lookup)
    person(memory_skill).ask("StartRoutineIntent", {"Routine": SLOT}, resolved=False)
    _, records = captured(capsys, everything)
    assert not [r for r in records if leaks(r)]


class FailingStore:
    """A store whose every call fails; ``message`` is what its exception says."""

    def __init__(self, message: Callable[[Any], str]) -> None:
        self.message = message

    def get_attributes(self, request_envelope: Any) -> dict[str, Any]:
        raise PersistenceException(self.message(request_envelope))

    def save_attributes(self, request_envelope: Any, attributes: dict[str, Any]) -> None:
        raise PersistenceException(self.message(request_envelope))


def test_a_store_fault_logs_no_id_or_slot_value(tmp_path: Any, capsys: pytest.CaptureFixture[str],
                                               everything: pytest.LogCaptureFixture) -> None:
    """The real SQLite adapter on a path that cannot be a database: every read fails."""
    (tmp_path / "not-a-db").mkdir()
    skill = build_skill(store=f"sqlite:///{tmp_path / 'not-a-db'}", skill_id=SKILL_ID)
    whole_session(person(skill))
    stdout, records = captured(capsys, everything)
    assert any("store read failed" in r for r in records), "the fault must be logged"
    assert not leaks(stdout)
    assert not [r for r in records if leaks(r)]


def test_a_dynamodb_fault_logs_no_id_or_slot_value(monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
                                                  capsys: pytest.CaptureFixture[str],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """As deployed: lambda_handler keeps the root logger at INFO and LOG_LEVEL=DEBUG (the most verbose the
    template allows) only opens the skill's own logger. (boto3 and botocore log request parameters, the
    DynamoDB key, that is the raw user id, at DEBUG: the root must never be set to DEBUG in production.)"""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="spine_coach")
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    from moto import mock_aws

    with mock_aws():
        skill = build_skill(store="dynamodb://no-such-table", skill_id=SKILL_ID)  # every call fails
        whole_session(person(skill))
    stdout, records = captured(capsys, caplog)
    assert any("store read failed" in r for r in records)
    assert not leaks(stdout)
    assert not [r for r in records if leaks(r)]


def test_a_store_error_that_quotes_the_key_does_not_leak_it(memory_skill: CustomSkill,
                                                            capsys: pytest.CaptureFixture[str],
                                                            everything: pytest.LogCaptureFixture) -> None:
    memory_skill.persistence_adapter = FailingStore(
        lambda envelope: f"conflict on key {envelope.context.system.user.user_id}")
    person(memory_skill).launch()
    _, records = captured(capsys, everything)
    assert any("store read failed" in r for r in records)
    assert not [r for r in records if leaks(r)]


def test_reminder_calls_log_no_device_id(memory_skill: CustomSkill, capsys: pytest.CaptureFixture[str],
                                        everything: pytest.LogCaptureFixture) -> None:
    """Alexa's service URLs carry the device id (/v2/devices/{id}/...): failures and HTTP debug lines must
    not. A service that answers, and one that is gone (the error message quotes the whole URL)."""
    from skill.simulator.fake_alexa_api import FakeAlexaApi

    with FakeAlexaApi(token="privacy-token") as fake:
        url = fake.url
        user = Conversation(sender(memory_skill), user_id=USER, device_id=DEVICE, api_endpoint=url,
                            api_token="privacy-token")
        user.ask("SetReminderIntent", {"Time": "08:00", "Recurrence": "every day"})
        fake.fail = 500
        user.ask("ReminderStatusIntent")
    user.ask("SetReminderIntent", {"Time": "08:00", "Recurrence": "every day"})  # the server is gone now
    out, records = captured(capsys, everything)
    assert any("alexa api" in r for r in records), "the failures were logged"
    assert not leaks(out), leaks(out)
    assert not [r for r in records if leaks(r)], [r for r in records if leaks(r)]
