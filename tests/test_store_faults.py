"""Injected store faults, slow stores, corrupt records and concurrent users, on SQLite and DynamoDB (moto).

What a user notices: a routine goes on from the session when the store fails (the step is spoken, never the
error apology), progress already saved is never lost or overwritten by a partial profile, a corrupt record
never stops the skill from answering, and one user's progress never lands in another's record.

(The basic round trips, a locked SQLite file and a deleted DynamoDB table are in test_persistence.py.)
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.assembly import build_skill
from skill.core.content import library
from skill.persistence.sqlite import SCHEMA, SqliteAdapter
from tests.alexa import SKILL_ID, Conversation, Said, Words
from tests.conftest import DYNAMODB_TABLE, sender

EN = library().for_locale("en-US")
TABLE = DYNAMODB_TABLE
QUICK = ("knee_to_chest", "knee_to_chest", "hip_rotation", "hip_rotation", "bridge")  # stretch at each step
WORDS = Words("en-US")


# ------------------------------------------------------------------------------------------- fault injection


class Faulty(AbstractPersistenceAdapter):
    """Wraps a real adapter; each switch makes reads or writes fail, or slows them down, from now on."""

    def __init__(self, inner: AbstractPersistenceAdapter) -> None:
        self.inner = inner
        self.fail_get = False
        self.fail_save = False
        self.delay = 0.0
        self.gets = 0
        self.saves = 0

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        self.gets += 1
        time.sleep(self.delay)
        if self.fail_get:
            raise PersistenceException("injected read fault")
        return self.inner.get_attributes(request_envelope)

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        self.saves += 1
        time.sleep(self.delay)
        if self.fail_save:
            raise PersistenceException("injected write fault")
        self.inner.save_attributes(request_envelope, attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.inner.delete_attributes(request_envelope)


class BrokenDiskSqlite(SqliteAdapter):
    """The real SQLite adapter whose connections fail the way a full or failing disk does."""

    broken = False

    def _connect(self, budget: float | None = None) -> sqlite3.Connection:
        if self.broken:
            raise sqlite3.OperationalError("disk I/O error")
        return super()._connect(budget)


@dataclass
class Store:
    name: str
    skill: CustomSkill
    faults: Faulty
    raw: Callable[[str], Any]  # the record exactly as the store holds it (None when there is none)
    poke: Callable[[str, Any], None]  # write a record directly, bypassing the skill


def sqlite_raw(path: Path, user_id: str) -> str | None:
    with closing(sqlite3.connect(path)) as db:
        row = db.execute("SELECT attributes FROM attributes WHERE id = ?", (user_id,)).fetchone()
    return row[0] if row else None


def sqlite_poke(path: Path, user_id: str, value: Any, *, text: str | None = None) -> None:
    """Write a record directly: ``value`` as JSON, or ``text`` as it is (which need not be JSON)."""
    text = json.dumps(value) if text is None else text
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(SCHEMA)
        db.execute("INSERT INTO attributes (id, attributes) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET "
                   "attributes = excluded.attributes", (user_id, text))


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        path = tmp_path / "faults.db"
        skill = build_skill(store=f"sqlite:///{path}", skill_id=SKILL_ID)
        faults = Faulty(skill.persistence_adapter)
        skill.persistence_adapter = faults
        return Store("sqlite", skill, faults, lambda user: sqlite_raw(path, user),
                     lambda user, value: sqlite_poke(path, user, value))
    table = request.getfixturevalue("aws")  # the environment and the mock come first, then the skill
    skill = build_skill(store=f"dynamodb://{TABLE}", skill_id=SKILL_ID)
    faults = Faulty(skill.persistence_adapter)
    skill.persistence_adapter = faults

    def raw(user: str) -> Any:
        return table.get_item(Key={"id": user}, ConsistentRead=True).get("Item")

    def poke(user: str, value: Any) -> None:
        table.put_item(Item={"id": user, **({} if value is MISSING else {"attributes": value})})

    return Store("dynamodb", skill, faults, raw, poke)


MISSING = object()  # a DynamoDB item without its attributes field


# ------------------------------------------------------------------------------------------- what the user hears


def apologised(said: Said) -> bool:
    return WORDS.one_in("error", said.speech)


QUICK_ENDS = (2, 4)  # the place after each of the quick routine's stretches but the last (one turn per stretch)


def assert_step(said: Said, turn: int) -> None:
    """The user hears stretch ``turn + 1`` of the quick routine (0-based turn) and the microphone stays open."""
    assert not apologised(said), said.speech
    assert said.open
    index = QUICK_ENDS[turn]
    assert said.attributes["routine"]["index"] == index
    stretch = EN.stretches[QUICK[index]].name
    assert said.reprompt in WORDS.variants("step_reprompt", stretch=stretch, number=turn + 2, total=3)


def assert_done(said: Said) -> None:
    assert not apologised(said), said.speech
    assert WORDS.pattern("routine_done_first").search(said.speech) or WORDS.pattern("routine_done").search(
        said.speech)
    assert "routine" not in said.attributes


def stored_index(store: Store, user: str) -> int | None:
    record = store.raw(user)
    if record is None:
        return None
    record = json.loads(record) if store.name == "sqlite" else record["attributes"]
    progress = record.get("progress")
    return int(progress["index"]) if progress else None


@pytest.fixture(autouse=True)
def quiet_store_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="spine_coach")


def store_errors(caplog: pytest.LogCaptureFixture, kind: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if f"store {kind} failed" in r.getMessage()]


# ------------------------------------------------------------------------------------------- failing reads and writes


def test_a_failing_read_mid_routine_goes_on_from_the_session_and_keeps_the_saved_place(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    user = Conversation(sender(store.skill))
    assert_step(user.ask("StartRoutineIntent"), 0)
    before = store.raw(user.user_id)
    assert stored_index(store, user.user_id) == 2

    store.faults.fail_get = True
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    assert_step(user.ask("AMAZON.PreviousIntent"), 0)
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    assert store.raw(user.user_id) == before, "after a failed read nothing may be written"
    assert store_errors(caplog, "read")
    assert not store_errors(caplog, "write")

    store.faults.fail_get = False
    user.ask("HowManyLeftIntent")
    assert stored_index(store, user.user_id) == 4


def test_a_failing_write_mid_routine_still_speaks_the_step_and_catches_up_later(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    user = Conversation(sender(store.skill))
    assert_step(user.ask("StartRoutineIntent"), 0)
    assert stored_index(store, user.user_id) == 2
    store.faults.fail_save = True
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    assert stored_index(store, user.user_id) == 2
    assert store_errors(caplog, "write")

    store.faults.fail_save = False
    stopped = user.ask("AMAZON.StopIntent")
    assert WORDS.one_in("stop_saved", stopped.speech, stretch=EN.stretches["bridge"].name)
    assert stored_index(store, user.user_id) == 4
    back = user.launch()
    assert WORDS.one_in("welcome_back_routine", back.speech, stretch=EN.stretches["bridge"].name, number=3,
                        total=3, routine=EN.routines["quick"].name)
    assert_done(user.ask("AMAZON.YesIntent"))


def test_a_store_down_for_a_whole_session_still_guides_and_never_touches_the_saved_place(store: Store) -> None:
    user = Conversation(sender(store.skill))
    user.ask("StartRoutineIntent")
    user.ask("AMAZON.StopIntent")
    before = store.raw(user.user_id)

    store.faults.fail_get = True
    saves = store.faults.saves
    welcome = user.launch()
    assert welcome.open and not apologised(welcome)
    assert_step(user.ask("StartRoutineIntent", {"Routine": "quick routine"}), 0)
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    done = user.ask("AMAZON.NextIntent")
    assert "routine" not in done.attributes and not apologised(done)
    # Honest: the count could not be read and the routine could not be stored, and the user hears so.
    routine = EN.routines["quick"].name
    assert WORDS.one_in("routine_done_uncounted", done.speech, routine=routine)
    assert WORDS.one_in("progress_not_saved", done.speech)
    assert not WORDS.pattern("routine_done").search(done.speech)
    assert not WORDS.pattern("routine_done_first").search(done.speech)
    user.ask("AMAZON.NoIntent")
    assert store.raw(user.user_id) == before, "the saved place must survive a session the store could not read"
    assert store.faults.saves == saves, "no write may even be tried after a failed read"

    store.faults.fail_get = False
    back = user.launch()
    assert WORDS.one_in("welcome_back_routine", back.speech, stretch=EN.stretches["hip_rotation"].name, number=2,
                        total=3, routine=EN.routines["quick"].name)


def test_a_failing_disk_under_the_real_sqlite_adapter(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "disk.db"
    skill = build_skill(store=f"sqlite:///{path}", skill_id=SKILL_ID)
    adapter = BrokenDiskSqlite(path)
    skill.persistence_adapter = adapter
    user = Conversation(sender(skill))
    assert_step(user.ask("StartRoutineIntent"), 0)
    before = sqlite_raw(path, user.user_id)
    adapter.broken = True
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    stopped = user.ask("AMAZON.StopIntent")
    assert WORDS.one_in("stop_not_saved", stopped.speech), "a failing disk must not be told as a saved place"
    assert any("disk I/O error" in e for e in store_errors(caplog, "read"))
    adapter.broken = False
    assert sqlite_raw(path, user.user_id) == before


def test_a_slow_store_still_completes_a_whole_routine(store: Store) -> None:
    store.faults.delay = 0.01
    user = Conversation(sender(store.skill))
    user.launch()
    assert_step(user.ask("StartRoutineIntent"), 0)
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    done = user.ask("AMAZON.NextIntent")
    assert WORDS.pattern("routine_done_first").search(done.speech)
    record = store.raw(user.user_id)
    profile = json.loads(record) if store.name == "sqlite" else record["attributes"]
    assert profile["progress"] is None
    assert int(profile["completed"]["quick"]) == 1


# ------------------------------------------------------------------------------------------- corrupt records

CORRUPT = {
    "a-string": "junk",
    "a-list": [1, 2, 3],
    "wrong-types": {"progress": "quick", "completed": [1, 2], "visits": "many", "disclaimer_heard": "yes",
                    "last_visit": 5},
    "index-not-a-number": {"progress": {"routine": "quick", "index": "two"}},
    "negative-index": {"progress": {"routine": "quick", "index": -3}},
    "retired-routine": {"progress": {"routine": "retired-routine", "index": 2}},
    "routine-not-a-string": {"progress": {"routine": ["quick"], "index": 1}},
    "junk-counts": {"completed": {"quick": "x", "full": -4, "stretch:gone": None}, "visits": -1},
}


@pytest.mark.parametrize("record", list(CORRUPT.values()), ids=list(CORRUPT))
def test_a_corrupt_record_still_welcomes_and_is_replaced_by_good_progress(store: Store, record: Any) -> None:
    user = Conversation(sender(store.skill))
    store.poke(user.user_id, record)
    welcome = user.launch()
    assert welcome.open and not apologised(welcome)
    assert any(welcome.speech.startswith(v) for v in (*WORDS.variants("welcome_first"), *WORDS.variants("welcome")))
    assert_step(user.ask("StartRoutineIntent"), 0)
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    user.ask("AMAZON.StopIntent")
    assert stored_index(store, user.user_id) == 4
    back = user.launch()
    assert WORDS.one_in("welcome_back_routine", back.speech, stretch=EN.stretches["bridge"].name, number=3,
                        total=3, routine=EN.routines["quick"].name)


def test_a_saved_place_past_the_end_resumes_at_the_last_step(store: Store) -> None:
    """Content can shrink between releases: a saved index beyond the routine lands on its last step."""
    user = Conversation(sender(store.skill))
    store.poke(user.user_id, {"progress": {"routine": "quick", "index": 999, "paused": False, "halted": False},
                              "completed": {"quick": 2}, "visits": 3, "disclaimer_heard": True})
    back = user.launch()
    assert WORDS.one_in("welcome_back_routine", back.speech, stretch=EN.stretches["bridge"].name, number=3,
                        total=3, routine=EN.routines["quick"].name)
    done = user.ask("AMAZON.YesIntent")
    assert WORDS.one_in("stretch_position", done.speech, number=3, total=3, stretch=EN.stretches["bridge"].name)
    assert WORDS.pattern("routine_done").search(done.speech)
    assert "3" in done.speech, "the two routines already done must still count"


def test_a_row_that_is_not_json_does_not_block_saving_forever(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    skill = build_skill(store=f"sqlite:///{path}", skill_id=SKILL_ID)
    user = Conversation(sender(skill))
    user.launch()
    sqlite_poke(path, user.user_id, None, text='{"progress": {"routine": "qu')  # a torn write
    assert_step(user.ask("StartRoutineIntent"), 0)
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    user.ask("AMAZON.StopIntent")
    back = user.launch()
    assert WORDS.one_in("welcome_back_routine", back.speech, stretch=EN.stretches["bridge"].name, number=3,
                        total=3, routine=EN.routines["quick"].name)


def test_a_dynamodb_item_without_attributes_does_not_block_saving_forever(aws: Any) -> None:
    skill = build_skill(store=f"dynamodb://{TABLE}", skill_id=SKILL_ID)
    user = Conversation(sender(skill))
    aws.put_item(Item={"id": user.user_id})
    assert_step(user.ask("StartRoutineIntent"), 0)
    assert_step(user.ask("AMAZON.NextIntent"), 1)
    user.ask("AMAZON.StopIntent")
    assert aws.get_item(Key={"id": user.user_id})["Item"].get("attributes", {}).get("progress") is not None


# ------------------------------------------------------------------------------------------- concurrent users


def test_users_interleaved_across_threads_never_mix_progress(tmp_path: Path) -> None:
    """Several users at once on one SQLite file, through two skill objects (two server workers), each request
    going to either: every user's stored place follows their own commands only."""
    path = tmp_path / "shared.db"
    workers = [build_skill(store=f"sqlite:///{path}", skill_id=SKILL_ID) for _ in range(2)]
    from skill.core.coaching import plan_of, turn_end_for

    plan = plan_of(EN, "full")
    assert plan is not None
    ends = [turn_end_for(EN, {})(plan, 0)]
    while ends[-1] < len(plan.steps):
        ends.append(turn_end_for(EN, {})(plan, ends[-1]))
    nexts = [0, 1, 2, 1, 0, 2]  # how many times each user says next in the full routine (never its last turn)
    assert len(ends) > max(nexts) + 1
    turns = max(nexts) + 1
    barrier = threading.Barrier(len(nexts))
    failures: list[str] = []

    def user_thread(number: int, wanted: int) -> None:
        counter = iter(range(10**6))

        def any_worker(event: dict[str, Any]) -> dict[str, Any]:
            return sender(workers[next(counter) % 2])(event)

        user = Conversation(any_worker, user_id=f"amzn1.ask.account.THREAD-{number}")
        try:
            for turn in range(turns):
                barrier.wait(timeout=30)
                if turn == 0:
                    said = user.ask("StartRoutineIntent", {"Routine": "full routine"})
                elif turn <= wanted:
                    said = user.ask("AMAZON.NextIntent")
                else:
                    continue
                expected = ends[turn]
                if said.attributes.get("routine", {}).get("index") != expected:
                    failures.append(f"user {number} turn {turn}: session index {said.attributes.get('routine')}")
                raw = sqlite_raw(path, user.user_id)
                index = json.loads(raw)["progress"]["index"] if raw else None
                if index != expected:
                    failures.append(f"user {number} turn {turn}: stored index {index}, expected {expected}")
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            failures.append(f"user {number}: {type(exc).__name__}: {exc}")
            barrier.abort()

    threads = [threading.Thread(target=user_thread, args=(n, k)) for n, k in enumerate(nexts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, "\n".join(failures)
    for number, wanted in enumerate(nexts):
        raw = sqlite_raw(path, f"amzn1.ask.account.THREAD-{number}")
        assert raw is not None
        assert json.loads(raw)["progress"] == {"routine": "full", "index": ends[wanted], "paused": False,
                                               "halted": False}


# ------------------------------------------------------------------------------------------- the load tool


def test_the_load_tool_runs_whole_routines_on_gunicorn_and_finds_no_lost_progress(
        capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m skill load`` for a few seconds: real gunicorn workers sharing one SQLite file."""
    import argparse

    from skill.devtools import load

    parser = argparse.ArgumentParser()
    load.add_arguments(parser)
    code = load.run(parser.parse_args(["--users", "4", "--seconds", "5", "--workers", "2", "--routines", "2"]))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "8 finished by 4 users" in out
    assert "errors     0" in out and "stored counts match for every user" in out
    assert "requests/s" in out and "p99" in out


def test_the_load_tool_reports_lost_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Its verdict must be able to fail: a user whose finished routines are not all in the file."""
    import argparse

    from skill.devtools import load

    database = tmp_path / "load.db"
    sqlite_poke(database, "amzn1.ask.account.A", {"completed": {"quick": 2}})
    sqlite_poke(database, "amzn1.ask.account.B", {"completed": {"quick": 1}})
    users = [load.User(0, "amzn1.ask.account.A", finished=2, latencies=[0.01]),
             load.User(1, "amzn1.ask.account.B", finished=2, latencies=[0.02])]
    args = argparse.Namespace(routines=2, keep=True)
    assert load.report(args, users, database, 1.0, 0, tmp_path / "server.log") == 1
    out = capsys.readouterr().out
    assert "1 users lost progress" in out and "user 1: finished 2, stored 1" in out


@pytest.mark.parametrize("store_kind", ["sqlite", "dynamodb"])
def test_two_devices_per_user_on_gunicorn_lose_no_update_and_never_say_a_lower_count(
        store_kind: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11's lost updates, bounded: 3 users x 2 devices (separate sessions, requests overlapping) on
    real gunicorn workers over real HTTP, with one SQLite file or DynamoDB on a moto server on 127.0.0.1.
    Every routine and visit must be stored, and no device may hear a lower count than one already heard."""
    import argparse

    from skill.devtools import load

    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    for name, value in load.AWS_FAKE.items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser()
    load.add_arguments(parser)
    code = load.run(parser.parse_args(["--users", "3", "--devices", "2", "--seconds", "40", "--workers", "2",
                                       "--routines", "2", "--store", store_kind]))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "12 finished by 3 users" in out
    assert "lost       0 of 12 routines, 0 of 12 visits" in out
    assert "counts never went down" in out and "errors     0" in out


def test_the_load_tool_reports_a_spoken_count_that_went_down() -> None:
    from skill.devtools.load import decreases

    assert decreases([(0.0, 1.0, 3), (2.0, 3.0, 4), (1.5, 2.5, 4)]) == 0  # overlapping answers may tie
    assert decreases([(0.0, 1.0, 3), (2.0, 3.0, 2)]) == 1  # heard 3, then later 2
