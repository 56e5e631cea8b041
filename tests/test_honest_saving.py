"""Progress that is never lost or misreported: honest words when a save fails, two devices of one account,
corrupt records, a store folder that does not exist yet, a file deleted under a running skill, and a
DynamoDB endpoint that accepts connections and never answers.

What a user would notice: "I couldn't save your place" instead of "I've saved your place" when that is the
truth; no routine count the skill could not read; no routine or visit lost when two devices answer at once;
a pain stop that no other device can erase; a normal answer whatever a stored record holds; an answer within
3 seconds whatever DynamoDB does.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import PersistenceException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.assembly import build_skill
from skill.core.content import library
from skill.devtools.stall import MODES, StalledDynamo, aws_environment
from skill.persistence.base import VERSION, VersionConflict
from skill.persistence.memory import MemoryAdapter
from skill.persistence.sqlite import SqliteAdapter
from tests.alexa import SKILL_ID, Conversation, Said, Words, envelope, intent_request, problems
from tests.conftest import DYNAMODB_TABLE, sender

EN = library().for_locale("en-US")
WORDS = Words("en-US")
QUICK = EN.routines["quick"].name
STEPS = 2  # "next"s after the start that finish the quick routine (one turn per stretch)


def finish_quick(user: Conversation) -> Said:
    user.ask("StartRoutineIntent")
    for _ in range(STEPS - 1):
        user.ask("AMAZON.NextIntent")
    return user.ask("AMAZON.NextIntent")


def apologised(said: Said) -> bool:
    return WORDS.one_in("error", said.speech)


class Switchable(MemoryAdapter):
    """The real versioned memory store, whose reads or writes can be made to fail, or be preceded once by
    another device's whole turn (``before_write``): the overlap two Echo devices produce."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_read = False
        self.fail_write = False
        self.before_write: Callable[[], Any] | None = None
        self.conflicts = 0

    def read(self, key: str, budget: float | None = None) -> dict[str, Any]:
        if self.fail_read:
            raise PersistenceException("injected read fault")
        return super().read(key, budget)

    def write(self, key: str, attributes: dict[str, Any], expected: int | None, budget: float | None = None) -> int:
        if self.fail_write:
            raise PersistenceException("injected write fault")
        hook, self.before_write = self.before_write, None
        if hook is not None:
            hook()
        try:
            return super().write(key, attributes, expected, budget)
        except VersionConflict:
            self.conflicts += 1
            raise


@pytest.fixture
def store() -> Switchable:
    return Switchable()


@pytest.fixture
def skill(store: Switchable) -> Any:
    built = build_skill(store="memory://", skill_id=SKILL_ID)
    built.persistence_adapter = store
    return built


def two_devices(skill: Any) -> tuple[Conversation, Conversation]:
    a = Conversation(sender(skill), device_id="amzn1.ask.device.KITCHEN")
    b = Conversation(sender(skill), user_id=a.user_id, device_id="amzn1.ask.device.BEDROOM")
    return a, b


def record(store: Switchable, user: Conversation) -> dict[str, Any]:
    return store.read(user.user_id)


# ------------------------------------------------------------------------------------------- honest words


def test_a_failed_write_on_stop_says_the_place_was_not_saved(skill: Any, store: Switchable) -> None:
    user = Conversation(sender(skill))
    user.ask("StartRoutineIntent")
    store.fail_write = True
    user.ask("AMAZON.NextIntent")
    stopped = user.ask("AMAZON.StopIntent")
    assert WORDS.one_in("stop_not_saved", stopped.speech)
    assert "saved your place" not in stopped.speech and "I couldn't save your place this time" in stopped.speech
    assert stopped.card and "couldn't save" in stopped.card["content"]
    assert stopped.ends


def test_on_a_screen_the_not_saved_answer_replaces_the_screen_too(skill: Any, store: Switchable) -> None:
    """The honest twin is rendered whole: speech, card and one APL document saying the same, never two."""
    send = sender(skill)
    user, session = "amzn1.ask.account.SCREEN", "amzn1.echo-api.session.SCREEN"
    out = send(envelope(intent_request("StartRoutineIntent"), user_id=user, screen=True, session_id=session))
    store.fail_write = True
    for name in ("AMAZON.NextIntent", "AMAZON.StopIntent"):
        out = send(envelope(intent_request(name), user_id=user, screen=True, session_id=session, new=False,
                            attributes=out["sessionAttributes"]))
    assert problems(out) == []
    assert WORDS.one_in("stop_not_saved", Said(out).speech)
    directives = out["response"]["directives"]
    assert [d["type"] for d in directives] == ["Alexa.Presentation.APL.RenderDocument"]
    assert "couldn't save" in json.dumps(directives) and "saved your place" not in json.dumps(directives)


def test_a_stop_whose_place_is_already_stored_says_it_is_saved_even_if_writes_fail(
        skill: Any, store: Switchable) -> None:
    """Nothing new to write: the place the user hears about is the stored one, so the claim is true."""
    user = Conversation(sender(skill))
    user.ask("StartRoutineIntent")
    user.ask("AMAZON.NextIntent")
    store.fail_write = True
    stopped = user.ask("AMAZON.StopIntent")
    assert WORDS.one_in("stop_saved", stopped.speech, stretch=EN.stretches["bridge"].name)


def test_a_failed_read_means_no_save_claim_and_no_count(skill: Any, store: Switchable) -> None:
    user = Conversation(sender(skill))
    finish_quick(user)
    finish_quick(user)  # two routines stored
    user.end_session()
    store.fail_read = True
    welcome = user.launch()
    assert not WORDS.pattern("welcome_stats").search(welcome.speech), "a count the skill could not read"
    user.ask("StartRoutineIntent")
    for _ in range(STEPS - 1):
        user.ask("AMAZON.NextIntent")
    done = user.ask("AMAZON.NextIntent")
    assert WORDS.one_in("routine_done_uncounted", done.speech, routine=QUICK)
    assert WORDS.one_in("progress_not_saved", done.speech)
    assert "routines completed" not in done.speech and "your first one" not in done.speech
    assert done.open and not apologised(done)
    store.fail_read = False
    assert record(store, user)["completed"] == {"quick": 2}


def test_the_pain_stop_never_claims_a_place_it_could_not_save(skill: Any, store: Switchable) -> None:
    user = Conversation(sender(skill))
    user.ask("StartRoutineIntent")
    store.fail_write = True
    stopped = user.ask("PainIntent")
    assert WORDS.one_in("pain_stop", stopped.speech), "the safety words come first, whatever the store does"
    assert WORDS.one_in("place_not_saved", stopped.speech)
    assert not WORDS.one_in("pain_place_saved", stopped.speech)


def test_a_successful_save_still_says_it_saved(skill: Any, store: Switchable) -> None:
    user = Conversation(sender(skill))
    user.ask("StartRoutineIntent")
    user.ask("AMAZON.NextIntent")
    stopped = user.ask("AMAZON.StopIntent")
    assert WORDS.one_in("stop_saved", stopped.speech, stretch=EN.stretches["bridge"].name)
    done = finish_quick(user)
    assert WORDS.one_in("routine_done_first", done.speech, routine=QUICK)
    assert record(store, user)["stretch_days"], "the day a routine was completed is kept"


def test_repeat_after_an_unsaved_turn_repeats_the_honest_words(skill: Any, store: Switchable) -> None:
    user = Conversation(sender(skill))
    user.ask("StartRoutineIntent")
    for _ in range(STEPS - 1):
        user.ask("AMAZON.NextIntent")
    store.fail_write = True
    done = user.ask("AMAZON.NextIntent")
    again = user.ask("AMAZON.RepeatIntent")
    assert WORDS.one_in("progress_not_saved", done.speech) and WORDS.one_in("progress_not_saved", again.speech)


# ------------------------------------------------------------------------------------------- two devices


def test_two_devices_finishing_at_the_same_moment_both_count(skill: Any, store: Switchable) -> None:
    a, b = two_devices(skill)
    for device in (a, b):
        device.ask("StartRoutineIntent")
        for _ in range(STEPS - 1):
            device.ask("AMAZON.NextIntent")
    results: dict[str, Said] = {}
    store.before_write = lambda: results.setdefault("b", b.ask("AMAZON.NextIntent"))  # B lands inside A's turn
    results["a"] = a.ask("AMAZON.NextIntent")
    assert store.conflicts == 1, "A's write must have met B's newer version"
    assert record(store, a)["completed"] == {"quick": 2}
    assert WORDS.one_in("routine_done_first", results["b"].speech, routine=QUICK)
    assert WORDS.one_in("routine_done_first", results["a"].speech, routine=QUICK)  # what A knew when it spoke
    third = finish_quick(a)
    assert WORDS.one_in("routine_done", third.speech, routine=QUICK, count=3)


def test_visits_from_two_devices_at_once_add_up(skill: Any, store: Switchable) -> None:
    a, b = two_devices(skill)
    store.before_write = b.launch
    a.launch()
    assert store.conflicts == 1
    assert record(store, a)["visits"] == 2


def test_a_pain_stop_is_not_erased_by_next_on_another_device(skill: Any, store: Switchable) -> None:
    a, b = two_devices(skill)
    a.ask("StartRoutineIntent")
    a.ask("AMAZON.NextIntent")
    b.ask("StartRoutineIntent")
    assert WORDS.one_in("pain_place_saved", a.ask("PainIntent").speech)
    b.ask("AMAZON.NextIntent")  # no overlap: B's session still runs its routine
    stopped = b.ask("AMAZON.StopIntent")
    assert WORDS.one_in("stop_not_saved", stopped.speech), "B's place was not kept: the halt stands"
    assert record(store, a)["progress"]["halted"] is True
    back = a.launch()
    assert WORDS.one_in("welcome_back_after_pain", back.speech)
    assert "pick up where you left off" not in back.speech


def test_a_pain_stop_wins_over_an_overlapping_next(skill: Any, store: Switchable) -> None:
    a, b = two_devices(skill)
    a.ask("StartRoutineIntent")
    b.ask("StartRoutineIntent")
    store.before_write = lambda: a.ask("PainIntent")  # A's "it hurts" lands inside B's "next"
    b.ask("AMAZON.NextIntent")
    assert store.conflicts == 1
    assert record(store, a)["progress"]["halted"] is True
    assert WORDS.one_in("welcome_back_after_pain", a.launch().speech)


def test_starting_fresh_lifts_the_halt(skill: Any, store: Switchable) -> None:
    a, b = two_devices(skill)
    a.ask("StartRoutineIntent")
    a.ask("PainIntent")
    b.ask("StartRoutineIntent")  # a new routine, started knowingly
    b.ask("AMAZON.NextIntent")
    stopped = b.ask("AMAZON.StopIntent")
    assert WORDS.one_in("stop_saved", stopped.speech, stretch=EN.stretches["bridge"].name)
    assert record(store, a)["progress"] == {"routine": "quick", "index": 4, "paused": False, "halted": False}


def test_declining_the_halted_place_starts_fresh(skill: Any, store: Switchable) -> None:
    user = Conversation(sender(skill))
    user.ask("StartRoutineIntent")
    user.ask("AMAZON.StopIntent")
    other = Conversation(sender(skill), user_id=user.user_id)
    other.ask("PainIntent")  # a pain stop with the stored place: halted, not offered again
    assert record(store, user)["progress"]["halted"] is True
    user.launch()
    user.ask("AMAZON.ResumeIntent")  # resumed knowingly, after the warning
    user.ask("AMAZON.StopIntent")
    assert record(store, user)["progress"]["halted"] is False


# ------------------------------------------------------------------------------------------- corrupt records

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=10)
FIELDS = ("progress", "place", "completed", "visits", "last_visit", "disclaimer_heard", "caution",
          "preferences", "stretch_days", "schema")
PROGRESS_FIELDS = ("routine", "index", "paused", "halted", "leave_out")
OPENERS = ("AMAZON.NextIntent", "AMAZON.ResumeIntent")


def _acceptable(said: Said) -> bool:
    return bool(said.speech) and not apologised(said) and (said.ends or bool(said.reprompt))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(top=st.one_of(JSON, st.fixed_dictionaries({}, optional={f: JSON for f in FIELDS})),
       progress=st.fixed_dictionaries({}, optional={f: JSON for f in PROGRESS_FIELDS}),
       opener=st.sampled_from(OPENERS))
def test_any_json_in_any_stored_field_still_gets_a_normal_answer_and_is_repaired(
        skill: Any, store: Switchable, top: Any, progress: dict[str, Any], opener: str) -> None:
    for stored in (top, {**top, "progress": {"routine": "quick", **progress}} if isinstance(top, dict) else top):
        user = Conversation(sender(skill))
        store._items[user.user_id] = json.dumps(stored)  # NaN and Infinity included, as a store may hold them
        welcome = user.launch()
        assert _acceptable(welcome), welcome.speech
        repaired = store.read(user.user_id)
        json.dumps(repaired, allow_nan=False)  # the next write made it a clean profile
        assert isinstance(repaired.get("visits"), int) and repaired["visits"] >= 1
        one_shot = Conversation(sender(skill), user_id=user.user_id)
        store._items[user.user_id] = json.dumps(stored)
        said = one_shot.ask(opener)
        assert _acceptable(said), said.speech


@pytest.mark.parametrize("junk", ["²", float("nan"), float("inf"), 1e308, 10**40, [[{}]], {"a": [1]}], ids=repr)
def test_a_junk_leave_out_on_sqlite_never_locks_the_user_out(tmp_path: Path, junk: Any) -> None:
    """The lock-out of issue 11: a stored leave_out holding "²", NaN or Infinity."""
    path = tmp_path / "junk.db"
    skill = build_skill(store=f"sqlite:///{path}", skill_id=SKILL_ID)
    user = Conversation(sender(skill))
    adapter = skill.persistence_adapter
    adapter.write(user.user_id, {"progress": {"routine": "quick", "index": 0, "leave_out": [junk, 3]},
                                 "visits": junk, "completed": {"quick": junk}}, None)
    back = user.launch()
    assert WORDS.one_in("welcome_back_routine", back.speech, stretch=EN.stretches["knee_to_chest"].name, number=1,
                        total=3, routine=QUICK)
    resumed = user.ask("AMAZON.YesIntent")
    assert resumed.open and resumed.attributes["routine"]["index"] == 2
    assert adapter.read(user.user_id)["progress"]["leave_out"] == [3]  # repaired on the next write


# ------------------------------------------------------------------------------------------- the SQLite file


def test_the_sqlite_folder_is_created_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "progress.db"
    skill = build_skill(store=f"sqlite:///{path}", skill_id=SKILL_ID)
    user = Conversation(sender(skill))
    user.ask("StartRoutineIntent")
    user.ask("AMAZON.NextIntent")
    assert WORDS.one_in("stop_saved", user.ask("AMAZON.StopIntent").speech, stretch=EN.stretches["bridge"].name)
    assert WORDS.one_in("welcome_back_routine", user.launch().speech, stretch=EN.stretches["bridge"].name,
                        number=3, total=3, routine=QUICK)


def test_a_database_file_deleted_while_running_gets_its_table_back(tmp_path: Path) -> None:
    path = tmp_path / "progress.db"
    skill = build_skill(store=f"sqlite:///{path}", skill_id=SKILL_ID)
    user = Conversation(sender(skill))
    finish_quick(user)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    user.end_session()
    user.launch()
    user.ask("StartRoutineIntent")
    user.ask("AMAZON.NextIntent")
    assert WORDS.one_in("stop_saved", user.ask("AMAZON.StopIntent").speech, stretch=EN.stretches["bridge"].name)
    with closing(sqlite3.connect(path)) as db:
        (raw,) = db.execute("SELECT attributes FROM attributes WHERE id = ?", (user.user_id,)).fetchone()
    assert json.loads(raw)["progress"]["index"] == 4


def test_a_file_from_before_versions_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE attributes (id TEXT PRIMARY KEY, attributes TEXT NOT NULL, "
                   "updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))")
        db.execute("INSERT INTO attributes (id, attributes) VALUES (?, ?)",
                   ("amzn1.ask.account.OLD", json.dumps({"completed": {"quick": 4}})))
    adapter = SqliteAdapter(path)
    assert adapter.read("amzn1.ask.account.OLD") == {"completed": {"quick": 4}, VERSION: 0}
    assert adapter.write("amzn1.ask.account.OLD", {"completed": {"quick": 5}}, 0) == 1
    with pytest.raises(VersionConflict):
        adapter.write("amzn1.ask.account.OLD", {"completed": {"quick": 9}}, 0)
    assert adapter.read("amzn1.ask.account.OLD") == {"completed": {"quick": 5}, VERSION: 1}


# ------------------------------------------------------------------------------------------- versions, per store


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        return build_skill(store="memory://").persistence_adapter
    if request.param == "sqlite":
        return build_skill(store=f"sqlite:///{tmp_path / 'v.db'}").persistence_adapter
    request.getfixturevalue("aws")
    return build_skill(store=f"dynamodb://{DYNAMODB_TABLE}").persistence_adapter


def test_every_store_refuses_a_write_over_a_version_it_did_not_read(adapter: Any) -> None:
    key = "amzn1.ask.account.V"
    assert adapter.read(key) == {}
    assert adapter.write(key, {"visits": 1}, 0) == 1
    with pytest.raises(VersionConflict):
        adapter.write(key, {"visits": 5}, 0)  # a second device that also read "no record"
    assert adapter.write(key, {"visits": 2}, 1) == 2
    with pytest.raises(VersionConflict):
        adapter.write(key, {"visits": 7}, 1)
    assert adapter.read(key) == {"visits": 2, VERSION: 2}
    assert adapter.write(key, {"visits": 3}, None) == 3  # unconditional (the ASK interface) still versions
    adapter.probe()


# ------------------------------------------------------------------------------------------- a stalled DynamoDB


@pytest.mark.parametrize("budget", [0.2, 0.5, 1.0, 1.2, 1.9, 2.4, 3.0, 6.0])
def test_each_dynamodb_call_is_sized_to_fit_its_budget(budget: float) -> None:
    """Worst case of one call: every attempt waits its connect and read timeouts, plus the back-off before
    each retry (botocore "standard": up to 1 s). ``total_max_attempts`` counts the first try; botocore's
    ``max_attempts`` would count only retries (the old ``max_attempts: 2`` meant three tries)."""
    from botocore.config import Config

    from skill.persistence.dynamodb import RETRY_BACKOFF, call_shape

    connect, read, attempts = call_shape(budget)
    assert attempts * (connect + read) + RETRY_BACKOFF * (attempts - 1) <= max(budget, 0.2) + 1e-9
    config = Config(retries={"total_max_attempts": attempts, "mode": "standard"})
    assert config.retries["total_max_attempts"] == attempts


@pytest.mark.parametrize("mode", MODES)
def test_a_stalled_dynamodb_still_answers_within_3_seconds_and_says_it_did_not_save(
        mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``silent``: a TCP server on 127.0.0.1 that accepts and never answers; ``late-read``: reads answered
    just in time, writes never (a late read plus a stalled write, the worst case for one turn)."""
    with StalledDynamo(mode) as stalled:
        for name, value in aws_environment(stalled.url, str(tmp_path)).items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        skill = build_skill(store=f"dynamodb://{DYNAMODB_TABLE}", skill_id=SKILL_ID)
        user = Conversation(sender(skill))
        timings: list[float] = []

        def timed(turn: Callable[[], Said]) -> Said:
            started = time.monotonic()
            said = turn()
            timings.append(time.monotonic() - started)
            return said

        assert timed(user.launch).open
        said = timed(lambda: user.ask("StartRoutineIntent"))
        assert said.attributes["routine"]["index"] == 2, "the routine goes on from the session"
        said = timed(lambda: user.ask("AMAZON.NextIntent"))
        assert said.attributes["routine"]["index"] == 4
        stopped = timed(lambda: user.ask("AMAZON.StopIntent"))
    assert WORDS.one_in("stop_not_saved", stopped.speech)
    assert max(timings) < 3.0, f"turn times with a stalled store: {timings}"
