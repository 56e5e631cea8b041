"""Progress kept between sessions, per store: memory, a real SQLite file, and DynamoDB under moto.

What a user notices: the place in a routine comes back in a later session exactly as it was, one user never
sees another's, and a failing store never loses the turn or the progress already saved.
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.assembly import build_skill
from skill.core.content import library
from tests.alexa import SKILL_ID, Conversation, Words
from tests.conftest import DYNAMODB_TABLE, sender, stored

EN = library().for_locale("en-US")
TABLE = DYNAMODB_TABLE
# quick routine place (the next step to do, after a whole stretch was guided) -> (stretch id, its number)
QUICK_AT = {2: ("hip_rotation", 2), 4: ("bridge", 3)}


@dataclass
class Store:
    name: str
    skill: CustomSkill
    raw: Callable[[str], Any]  # the record as the store itself holds it, for one user id


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "memory":
        skill = build_skill(store="memory://", skill_id=SKILL_ID)
        return Store("memory", skill, lambda user_id: json.loads(skill.persistence_adapter._items[user_id]))
    if request.param == "sqlite":
        path = tmp_path / "progress.db"
        skill = build_skill(store=f"sqlite:///{path}", skill_id=SKILL_ID)
        return Store("sqlite", skill, lambda user_id: _sqlite_row(path, user_id))
    table = request.getfixturevalue("aws")  # the skill is built inside mock_aws, after the environment is set
    skill = build_skill(store=f"dynamodb://{TABLE}", skill_id=SKILL_ID)
    return Store("dynamodb", skill, lambda user_id: table.get_item(Key={"id": user_id})["Item"]["attributes"])


def _sqlite_row(path: Path, user_id: str) -> dict[str, Any]:
    with closing(sqlite3.connect(path)) as db:  # closed, or it would keep its share of the file
        row = db.execute("SELECT attributes FROM attributes WHERE id = ?", (user_id,)).fetchone()
    assert row is not None, f"no row for {user_id} in {path}"
    return json.loads(row[0])


def stop_at(user: Conversation, index: int) -> Any:
    """Start the quick routine, go on until step ``index`` is the next to do (2 or 4), and say stop."""
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    for _ in range({2: 0, 4: 1}[index]):
        user.ask("AMAZON.NextIntent")
    return user.ask("AMAZON.StopIntent")


def script(user: Conversation) -> list[dict[str, Any]]:
    """A dialog over three sessions whose answers all depend on what the store gave back."""
    out = [user.launch(), stop_at(user, 2), user.launch(), user.ask("AMAZON.YesIntent"),
           user.ask("HowManyLeftIntent"), user.ask("AMAZON.NextIntent"), user.launch()]
    return out


def turn_ends(routine: str) -> list[int]:
    """Where each turn of a routine ends (the place kept after it), as the coach splits it."""
    from skill.core.coaching import plan_of, turn_end_for

    plan = plan_of(EN, routine)
    assert plan is not None
    end_of, ends, here = turn_end_for(EN, {}), [], 0
    while here < len(plan.steps):
        here = end_of(plan, here)
        ends.append(here)
    return ends


def store_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and "store" in r.getMessage()]


# ------------------------------------------------------------------------------------------ round trips


def test_progress_comes_back_in_a_new_session_unchanged(store: Store, words: Words) -> None:
    user = Conversation(sender(store.skill))
    stop_at(user, 2)
    back = user.launch()
    stretch_id, number = QUICK_AT[2]
    assert words.one_in("welcome_back_routine", back.speech, stretch=EN.stretches[stretch_id].name, number=number,
                        total=3,
                        routine=EN.routines["quick"].name)
    resumed = user.ask("AMAZON.YesIntent")
    place = resumed.attributes["routine"]
    assert place == {"routine": "quick", "index": 4, "paused": False, "halted": False}
    assert type(place["index"]) is int
    json.dumps(resumed)  # no Decimal or other non-JSON value may leak into the response


def test_every_store_gives_the_same_dialog_as_memory(store: Store) -> None:
    """Same user, same random variants: the whole JSON of every answer is identical to the memory store's."""
    user_id = "amzn1.ask.account.SAMEEVERYWHERE"
    random.seed(20240601)
    reference = script(Conversation(sender(build_skill(store="memory://", skill_id=SKILL_ID)), user_id=user_id))
    random.seed(20240601)
    actual = script(Conversation(sender(store.skill), user_id=user_id))
    assert json.dumps(actual, sort_keys=True) == json.dumps(reference, sort_keys=True)


def test_the_stored_profile_is_plain_json_after_a_finished_routine(store: Store, words: Words) -> None:
    user = Conversation(sender(store.skill))
    user.launch()
    user.ask("StartRoutineIntent")
    for _ in range(2):
        done = user.ask("AMAZON.NextIntent")
    assert words.one_in("routine_done_first", done.speech, routine=EN.routines["quick"].name)
    profile = stored(store.skill, user.user_id)
    assert profile["completed"] == {"quick": 1}
    assert profile["progress"] is None
    assert profile["disclaimer_heard"] is True
    again = user.launch()
    assert words.one_in("welcome_stats", again.speech, count=1)


def test_the_profile_is_kept_per_user(store: Store, words: Words) -> None:
    ann = Conversation(sender(store.skill), user_id="amzn1.ask.account.ANN")
    bob = Conversation(sender(store.skill), user_id="amzn1.ask.account.BOB")
    ann.launch()
    stop_at(ann, 2)
    first_for_bob = bob.launch()
    assert "not medical advice" in first_for_bob.speech
    assert not words.pattern("welcome_back_routine").search(first_for_bob.speech)
    stop_at(bob, 4)
    assert store.raw(ann.user_id)["progress"]["index"] == 2
    assert store.raw(bob.user_id)["progress"]["index"] == 4
    for user, index in ((ann, 2), (bob, 4)):
        back = user.launch()
        stretch_id, number = QUICK_AT[index]
        assert words.one_in("welcome_back_routine", back.speech, stretch=EN.stretches[stretch_id].name,
                            number=number, total=3, routine=EN.routines["quick"].name)
        resumed = user.ask("AMAZON.YesIntent")
        assert words.one_in("stretch_position", resumed.speech, number=number, total=3,
                            stretch=EN.stretches[stretch_id].name)


def test_the_sqlite_file_really_holds_the_row(sqlite_skill: CustomSkill, sqlite_path: Path) -> None:
    user = Conversation(sender(sqlite_skill))
    stop_at(user, 2)
    with closing(sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT id, attributes FROM attributes").fetchall()
    assert [r[0] for r in rows] == [user.user_id]
    saved = json.loads(rows[0][1])
    assert saved["progress"] == {"routine": "quick", "index": 2, "paused": False, "halted": False}


def test_dynamodb_holds_decimals_and_the_skill_speaks_ints(aws: Any) -> None:
    skill = build_skill(store=f"dynamodb://{TABLE}", skill_id=SKILL_ID)
    user = Conversation(sender(skill))
    stop_at(user, 2)
    item = aws.get_item(Key={"id": user.user_id})["Item"]
    assert item["attributes"]["progress"]["index"] == Decimal(2)
    assert isinstance(item["attributes"]["progress"]["index"], Decimal)
    user.launch()
    resumed = user.ask("AMAZON.YesIntent")
    assert json.loads(json.dumps(resumed))["sessionAttributes"]["routine"]["index"] == 4
    assert type(resumed.attributes["routine"]["index"]) is int


# ------------------------------------------------------------------------------------------ store faults


class Lock:
    """Another process holding the SQLite file: writes only (WAL lets readers through), or reads too."""

    def __init__(self, path: Path, readers_too: bool) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        if readers_too:
            self.db.execute("PRAGMA locking_mode=EXCLUSIVE")
        self.db.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.db.execute("ROLLBACK")
        self.db.close()


@pytest.mark.parametrize("readers_too", [False, True], ids=["writes-locked", "all-locked"])
def test_a_locked_sqlite_file_never_loses_the_turn_or_the_saved_place(
        sqlite_skill: CustomSkill, sqlite_path: Path, words: Words, caplog: pytest.LogCaptureFixture,
        readers_too: bool) -> None:
    caplog.set_level(logging.ERROR, logger="spine_coach")
    user = Conversation(sender(sqlite_skill))
    user.ask("StartRoutineIntent", {"Routine": "full routine"})
    ends = turn_ends("full")
    assert _sqlite_row(sqlite_path, user.user_id)["progress"]["index"] == ends[0]

    sqlite_skill.persistence_adapter._forget()  # an exclusive lock can only be had with the file closed
    lock = Lock(sqlite_path, readers_too)
    try:
        said = user.ask("AMAZON.NextIntent")
    finally:
        lock.release()
    assert said.open
    assert said.attributes["routine"]["index"] == ends[1]
    hip = EN.stretches["hip_rotation"]
    assert words.one_in("stretch_position", said.speech, number=2, total=3, stretch=hip.name)
    errors = store_errors(caplog)
    assert errors, "the store failure must be logged"
    if readers_too:
        assert any("read" in e for e in errors)
        assert not any("write" in e for e in errors), "after a failed read the skill must not write"
    else:
        assert any("write" in e for e in errors)
    assert _sqlite_row(sqlite_path, user.user_id)["progress"]["index"] == ends[0]

    caught_up = user.ask("AMAZON.NextIntent")
    assert caught_up.attributes["routine"]["index"] == ends[2]
    assert _sqlite_row(sqlite_path, user.user_id)["progress"]["index"] == ends[2]


def test_an_unreadable_store_at_launch_does_not_erase_the_saved_place(
        sqlite_skill: CustomSkill, sqlite_path: Path, words: Words, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="spine_coach")
    user = Conversation(sender(sqlite_skill))
    stop_at(user, 2)
    before = _sqlite_row(sqlite_path, user.user_id)

    sqlite_skill.persistence_adapter._forget()  # an exclusive lock can only be had with the file closed
    lock = Lock(sqlite_path, readers_too=True)
    try:
        blind = user.launch()
    finally:
        lock.release()
    assert blind.open  # still a welcome, even though the place could not be read
    assert not any("write" in e for e in store_errors(caplog))
    assert _sqlite_row(sqlite_path, user.user_id) == before

    back = user.launch()
    assert words.one_in("welcome_back_routine", back.speech, stretch=EN.stretches["hip_rotation"].name, number=2,
                        total=3, routine=EN.routines["quick"].name)
    assert user.ask("AMAZON.YesIntent").attributes["routine"]["index"] == 4


def test_a_deleted_dynamodb_table_still_gets_an_answer(aws: Any, words: Words,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="spine_coach")
    skill = build_skill(store=f"dynamodb://{TABLE}", skill_id=SKILL_ID)
    user = Conversation(sender(skill))
    user.ask("StartRoutineIntent")
    aws.delete()
    said = user.ask("HowManyLeftIntent")
    assert said.open
    assert said.attributes["routine"]["index"] == 2
    assert said.reprompt in words.variants("step_reprompt", stretch=EN.stretches["hip_rotation"].name, number=2,
                                           total=3)
    assert any("read" in e for e in store_errors(caplog))
    stopped = user.ask("AMAZON.StopIntent")
    assert words.one_in("stop_not_saved", stopped.speech), "a place that could not be saved is never claimed saved"
    assert "saved your place" not in stopped.speech


def test_a_missing_dynamodb_table_still_welcomes(aws: Any, words: Words, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="spine_coach")
    skill = build_skill(store="dynamodb://no-such-table", skill_id=SKILL_ID)
    said = Conversation(sender(skill)).launch()
    assert any(said.speech.startswith(v) for v in words.variants("welcome_first"))
    assert said.open
    assert store_errors(caplog)
