"""The merge rules of two writers' profiles, and defensive reading of stored profiles: pure code, no store.

``merge(base, mine, theirs)``: ``mine`` is this turn's profile, made from ``base`` (what it read);
``theirs`` is the record as another device left it meanwhile.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.core.profile import MAX_DAYS, Profile, merge
from skill.core.routine import Progress

QUICK_2 = Progress("quick", 2)
QUICK_3 = Progress("quick", 3)
HALT_1 = Progress("quick", 1, halted=True)
HIP = {"stretch": "hip_rotation", "side": "left", "rep": 1}
BRIDGE = {"stretch": "bridge", "side": None, "rep": 1}


def profile(**fields: Any) -> Profile:
    return Profile(**fields)


def test_no_other_writer_means_this_turn_is_stored_as_it_is() -> None:
    base = profile(completed={"quick": 2}, visits=3, progress=QUICK_2, place=HIP)
    mine = base.copy()
    mine.progress, mine.place, mine.visits = QUICK_3, BRIDGE, 4
    mine.completed["full"] = 1
    assert merge(base, mine, base.copy()) == mine


def test_counters_add_both_increments_and_never_go_down() -> None:
    base = profile(completed={"quick": 4}, visits=10, version=7)
    mine = base.copy()
    mine.completed["quick"] = 5  # this device finished one
    mine.visits = 11
    theirs = profile(completed={"quick": 6, "full": 1}, visits=12, version=9)  # the other finished two meanwhile
    merged = merge(base, mine, theirs)
    assert merged.completed == {"quick": 7, "full": 1}
    assert merged.visits == 13
    assert merged.version == 9  # written on top of the newest record


def test_a_turn_that_lowered_nothing_never_lowers_the_other_writers_counts() -> None:
    base = profile(completed={"quick": 4}, visits=10)
    mine = profile(completed={}, visits=0)  # a turn whose profile somehow lost its counts
    theirs = profile(completed={"quick": 5}, visits=11)
    merged = merge(base, mine, theirs)
    assert merged.completed == {"quick": 5} and merged.visits == 11


def test_the_newest_place_wins_and_an_untouched_place_stays_theirs() -> None:
    base = profile(progress=QUICK_2, place=HIP)
    moved = base.copy()
    moved.progress, moved.place = QUICK_3, BRIDGE
    theirs = profile(progress=Progress("full", 5), place=HIP)
    assert merge(base, moved, theirs).progress == QUICK_3
    still = base.copy()
    still.visits += 1
    assert merge(base, still, theirs).progress == Progress("full", 5)


def test_a_safety_halt_from_another_device_wins_over_navigation() -> None:
    base = profile(progress=QUICK_2, place=HIP)
    mine = base.copy()
    mine.progress, mine.place = QUICK_3, BRIDGE  # "next" on device B
    theirs = profile(progress=HALT_1, place=HIP)  # "it hurts" on device A, meanwhile
    merged = merge(base, mine, theirs)
    assert merged.progress == HALT_1
    finished = base.copy()
    finished.progress, finished.place = None, None
    finished.completed["quick"] = 1  # B finished the routine: counted, yet the halt stands
    merged = merge(base, finished, theirs)
    assert merged.progress == HALT_1 and merged.completed == {"quick": 1}


def test_a_halt_already_stored_stands_against_navigation_without_any_overlap() -> None:
    base = profile(progress=HALT_1, place=HIP)  # B read the halt A stored; B's session still runs a routine
    mine = base.copy()
    mine.progress, mine.place = QUICK_3, BRIDGE
    assert merge(base, mine, base.copy()).progress == HALT_1


def test_starting_fresh_lifts_the_halt_it_saw_but_not_a_new_one() -> None:
    base = profile(progress=HALT_1, place=HIP)
    fresh = base.copy()
    fresh.progress, fresh.place, fresh.fresh_start = Progress("quick"), BRIDGE, True
    assert merge(base, fresh, base.copy()).progress == Progress("quick")
    declined = base.copy()
    declined.progress, declined.place, declined.fresh_start = None, None, True
    assert merge(base, declined, base.copy()).progress is None
    newer_halt = profile(progress=Progress("full", 4, halted=True), place=BRIDGE)  # another device, meanwhile
    assert merge(base, fresh, newer_halt).progress == Progress("full", 4, halted=True)


def test_this_turns_own_halt_wins() -> None:
    base = profile(progress=QUICK_2, place=HIP)
    mine = base.copy()
    mine.progress = Progress("quick", 2, halted=True)
    theirs = profile(progress=QUICK_3, place=BRIDGE)
    assert merge(base, mine, theirs).progress == Progress("quick", 2, halted=True)


def test_the_after_pain_warning_is_cleared_once_said_unless_another_device_halted_meanwhile() -> None:
    base = profile(progress=HALT_1, place=HIP, caution=True)
    mine = base.copy()
    mine.caution = False  # this launch said "last time you mentioned pain ... see a spine specialist"
    theirs = base.copy()
    theirs.visits = 5
    assert merge(base, mine, theirs).caution is False
    other_halt = profile(progress=Progress("full", 1, halted=True), place=BRIDGE, caution=True)  # say it again
    assert merge(base, mine, other_halt).caution is True


def test_a_red_flag_raised_on_one_device_always_stands() -> None:
    base = profile(progress=QUICK_2, place=HIP)
    mine = base.copy()
    mine.caution = True
    theirs = profile(progress=QUICK_3, place=BRIDGE, visits=3)
    assert merge(base, mine, theirs).caution is True


def test_preferences_per_key_newest_write_wins() -> None:
    base = profile(preferences={"voice": "calm", "pace": "slow", "gone": "x"})
    mine = base.copy()
    mine.preferences["pace"] = "fast"
    del mine.preferences["gone"]
    theirs = profile(preferences={"voice": "bright", "pace": "slow", "gone": "x", "new": "y"})
    assert merge(base, mine, theirs).preferences == {"voice": "bright", "pace": "fast", "new": "y"}


def test_stretch_days_are_a_union_of_the_last_400() -> None:
    base = profile(stretch_days=["2026-01-01"])
    mine = base.copy()
    mine.note_stretch_day("2026-01-03")
    theirs = profile(stretch_days=["2026-01-01", "2026-01-02"])
    assert merge(base, mine, theirs).stretch_days == ["2026-01-01", "2026-01-02", "2026-01-03"]
    many = [f"{2020 + n // 365:04d}-{1 + n % 365 // 31:02d}-{1 + n % 28:02d}" for n in range(900)]
    kept = merge(Profile(), profile(stretch_days=many[:500]), profile(stretch_days=many[400:])).stretch_days
    assert len(kept) == MAX_DAYS and kept == sorted(set(many))[-MAX_DAYS:]


def test_disclaimer_once_heard_stays_heard_and_last_visit_is_the_latest() -> None:
    base = profile()
    mine = profile(disclaimer_heard=False, last_visit="2026-11-02T10:00:00Z")
    theirs = profile(disclaimer_heard=True, last_visit="2026-11-03T10:00:00Z")
    merged = merge(base, mine, theirs)
    assert merged.disclaimer_heard is True and merged.last_visit == "2026-11-03T10:00:00Z"


# ------------------------------------------------------------------------------------------- defensive reading

JUNK = ["²", "٣", math.nan, math.inf, -math.inf, 1e308, 10**400, -5, 2.5, True, None, [], {}, [[[1]]],
        {"a": {"b": [1, {"c": "²"}]}}, "x" * 10_000, Decimal("NaN"), Decimal("Infinity"), Decimal("1e400")]
FIELDS = ["progress", "place", "completed", "visits", "last_visit", "disclaimer_heard", "caution",
          "preferences", "stretch_days", "version"]


@pytest.mark.parametrize("value", JUNK, ids=repr)
@pytest.mark.parametrize("field", FIELDS)
def test_junk_in_any_field_reads_as_that_fields_empty_value(field: str, value: Any) -> None:
    profile = Profile.from_dict({field: value})
    json.dumps(profile.to_dict(), allow_nan=False)  # what is stored again is plain, valid JSON
    assert 0 <= profile.visits <= 10**9 and all(0 < n <= 10**9 for n in profile.completed.values())


@pytest.mark.parametrize("value", JUNK, ids=repr)
def test_junk_inside_the_stored_place_and_counts_is_dropped(value: Any) -> None:
    data = {"progress": {"routine": "quick", "index": value, "leave_out": [value, 2, value]},
            "place": {"stretch": "bridge", "side": value, "rep": value},
            "completed": {"quick": value, "full": 3}, "preferences": {"voice": value, "pace": "slow"},
            "stretch_days": [value, "2026-02-30", "2026-02-03"]}
    profile = Profile.from_dict(data)
    assert profile.completed.get("full") == 3
    assert profile.preferences.get("pace") == "slow"
    assert profile.stretch_days == ["2026-02-03"]
    assert profile.progress is None or profile.progress.leave_out in ((2,), ())
    json.dumps(profile.to_dict(), allow_nan=False)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "schema", "other"]), JSON) | JSON)
def test_from_dict_never_raises_on_any_json(data: Any) -> None:
    profile = Profile.from_dict(data)
    json.dumps(profile.to_dict(), allow_nan=False)
    assert merge(profile, profile.copy(), Profile.from_dict(data)) == profile
