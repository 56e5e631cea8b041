"""The guided-stretching state machine: every command at every place of every real plan.

A turn guides a whole stretch (its sides and repetitions); the place (``Progress.index``) is the next step
still to do, so "resume" goes on with the next unfinished stretch, "repeat" does the last one again, and
"how many are left" counts from there. Plans come from the real content (both routines and every stretch
guided on its own); expectations are computed from the plan, not copied from the implementation.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from skill.core.coaching import plan_of
from skill.core.content import library
from skill.core.routine import (
    SINGLE_PREFIX,
    Command,
    Kind,
    Plan,
    Progress,
    Step,
    apply,
    one_stretch_per_turn,
    plan_routine,
)

EN = library().for_locale("en-US")
PLAN_IDS = [*EN.routines, *(SINGLE_PREFIX + s for s in EN.stretches)]
PLANS: dict[str, Plan] = {pid: plan for pid in PLAN_IDS if (plan := plan_of(EN, pid)) is not None}
NAVIGATION = [c for c in Command if c is not Command.START]


def starts(plan: Plan) -> list[int]:
    """The first step of each stretch: where each turn starts, one stretch per turn."""
    return [i for i, s in enumerate(plan.steps) if s.first_of_stretch]


# Places a user can be at between turns: before stretch N (N = 1 is a fresh start, or a place found again).
PLACES = [(pid, i) for pid, plan in PLANS.items() for i in starts(plan)]
PLACE_IDS = [f"{pid}@{i}" for pid, i in PLACES]


def test_the_plans_under_test_include_both_routines_and_single_stretches() -> None:
    assert {"quick", "full"} <= set(PLANS)
    assert any(pid.startswith(SINGLE_PREFIX) for pid in PLANS)
    assert all(plan.steps for plan in PLANS.values())


@pytest.mark.parametrize("plan_id", list(PLANS))
@pytest.mark.parametrize("previous", [None, Progress("full", 7, paused=True, halted=True)], ids=["fresh", "busy"])
def test_start_guides_the_whole_first_stretch(plan_id: str, previous: Progress | None) -> None:
    plan = PLANS[plan_id]
    outcome = apply(Command.START, previous, plan)
    first = starts(plan)
    end = first[1] if len(first) > 1 else len(plan.steps)
    assert outcome.kind is Kind.STEP
    assert outcome.turn == (0, end)
    assert outcome.progress == Progress(plan_id, end)
    assert outcome.last_turn is (plan.stretch_count == 1)


@pytest.mark.parametrize(("plan_id", "index"), PLACES, ids=PLACE_IDS)
def test_next_and_resume_guide_the_next_unfinished_stretch(plan_id: str, index: int) -> None:
    plan = PLANS[plan_id]
    end = one_stretch_per_turn(plan, index)
    for command in (Command.NEXT, Command.RESUME):
        outcome = apply(command, Progress(plan_id, index, paused=command is Command.RESUME), plan)
        assert outcome.kind is Kind.STEP
        assert outcome.turn == (index, end)
        assert outcome.progress == Progress(plan_id, end)
        assert {s.stretch_number for s in plan.steps[index:end]} == {plan.steps[index].stretch_number}


@pytest.mark.parametrize(("plan_id", "index"), [(p, i) for p, i in PLACES if i > 0],
                         ids=[x for x, (_, i) in zip(PLACE_IDS, PLACES, strict=True) if i > 0])
def test_repeat_does_the_stretch_just_done_and_previous_the_one_before(plan_id: str, index: int) -> None:
    plan = PLANS[plan_id]
    done = [s for s in starts(plan) if s < index]
    repeat = apply(Command.REPEAT, Progress(plan_id, index), plan)
    assert repeat.kind is Kind.STEP and repeat.turn == (done[-1], index)
    assert repeat.progress == Progress(plan_id, index)
    previous = apply(Command.PREVIOUS, Progress(plan_id, index), plan)
    if len(done) == 1:
        assert previous.kind is Kind.FIRST_STEP_AGAIN and previous.turn == (0, index)
    else:
        assert previous.kind is Kind.STEP and previous.turn == (done[-2], done[-1])
        assert previous.progress == Progress(plan_id, done[-1])


@pytest.mark.parametrize(("plan_id", "index"), PLACES, ids=PLACE_IDS)
def test_pause_status_stop_and_pain_keep_the_place(plan_id: str, index: int) -> None:
    plan = PLANS[plan_id]
    here = Progress(plan_id, index)
    assert apply(Command.PAUSE, here, plan).progress == here._replace(paused=True)
    assert apply(Command.STATUS, here, plan).progress == here
    assert apply(Command.STOP, here, plan).progress == here
    assert apply(Command.PAIN, here, plan).progress == here._replace(halted=True)
    for command in (Command.PAUSE, Command.STATUS, Command.STOP, Command.PAIN):
        assert apply(command, here, plan).turn is None, "nothing is guided"


@pytest.mark.parametrize("plan_id", list(PLANS))
def test_walking_next_guides_each_stretch_once_then_finishes(plan_id: str) -> None:
    plan = PLANS[plan_id]
    outcome = apply(Command.START, None, plan)
    turns = [outcome.turn]
    while not outcome.last_turn:
        outcome = apply(Command.NEXT, outcome.progress, plan)
        turns.append(outcome.turn)
    assert [t[0] for t in turns if t] == starts(plan)
    assert turns[-1] is not None and turns[-1][1] == len(plan.steps)
    assert apply(Command.NEXT, outcome.progress, plan).kind is Kind.FINISHED


@pytest.mark.parametrize("plan_id", list(PLANS))
def test_skip_leaves_out_the_stretch_coming_up(plan_id: str) -> None:
    plan = PLANS[plan_id]
    first = starts(plan)
    outcome = apply(Command.SKIP, Progress(plan_id), plan)
    assert outcome.skipped == plan.steps[0]
    if len(first) == 1:
        assert outcome.kind is Kind.FINISHED
    else:
        assert outcome.kind is Kind.STEP and outcome.turn is not None and outcome.turn[0] == first[1]


@pytest.mark.parametrize("command", NAVIGATION, ids=lambda c: c.value)
def test_commands_without_progress_say_there_is_no_routine(command: Command) -> None:
    assert apply(command, None, None).kind is Kind.NO_ROUTINE
    assert apply(command, None, PLANS["quick"]).kind is Kind.NO_ROUTINE


def test_a_saved_index_beyond_a_shorter_plan_goes_back_to_its_last_stretch() -> None:
    quick = PLANS["quick"]
    beyond = Progress("quick", len(PLANS["full"].steps) + 3)
    last = (starts(quick)[-1], len(quick.steps))
    for command in (Command.NEXT, Command.RESUME):
        outcome = apply(command, beyond, quick)
        assert outcome.kind is Kind.STEP and outcome.turn == last and outcome.last_turn
    assert apply(Command.STOP, beyond, quick).progress == Progress("quick", last[0])


def test_a_split_turn_is_resumed_where_it_was_split() -> None:
    """A stretch split in two (too long for one response): next does the second half, repeat the first."""
    plan = plan_routine("custom", [("knee_to_chest", ("left", "right"), 2, 40), ("bridge", (), 1, 20)])

    def halves(p: Plan, start: int) -> int:
        end = one_stretch_per_turn(p, start)
        return min(end, start + 2)

    first = apply(Command.START, None, plan, end_of=halves)
    assert first.turn == (0, 2)
    second = apply(Command.NEXT, first.progress, plan, end_of=halves)
    assert second.turn == (2, 4)
    assert apply(Command.REPEAT, second.progress, plan, end_of=halves).turn == (2, 4)
    assert apply(Command.PREVIOUS, second.progress, plan, end_of=halves).turn == (0, 2)
    assert plan.stretches_left(2) == [1, 2]
    assert plan.stretches_left(4) == [2]


@pytest.mark.parametrize(("plan_id", "index"), [(p, i) for p, i in PLACES if not p.startswith(SINGLE_PREFIX)],
                         ids=[x for x, (p, _) in zip(PLACE_IDS, PLACES, strict=True)
                              if not p.startswith(SINGLE_PREFIX)])
def test_naming_a_later_stretch_leaves_it_out_and_naming_an_earlier_one_changes_nothing(plan_id: str,
                                                                                       index: int) -> None:
    plan = PLANS[plan_id]
    progress = Progress(plan_id, index)
    here = plan.steps[index].stretch_number
    for target in range(1, plan.stretch_count + 1):
        outcome = apply(Command.SKIP, progress, plan, target)
        if target < here:
            assert outcome.kind is Kind.ALREADY_DONE
            assert outcome.progress == progress
        elif target == here:
            assert outcome.kind in (Kind.STEP, Kind.FINISHED)
            assert outcome.skipped == plan.steps[index]
        else:
            assert outcome.kind is Kind.LEFT_OUT
            assert outcome.progress == progress._replace(leave_out=(target,))


def test_walking_next_never_guides_a_left_out_stretch() -> None:
    plan = PLANS["quick"]
    bridge = next(s.stretch_number for s in plan.steps if s.stretch == "bridge")
    progress = apply(Command.SKIP, Progress("quick"), plan, bridge).progress
    assert progress is not None
    assert plan.stretches_left(0, progress.leave_out) == [1, 2]
    outcome = apply(Command.NEXT, progress, plan)
    assert not outcome.last_turn
    outcome = apply(Command.NEXT, outcome.progress, plan)
    assert outcome.last_turn, "the hip rotation is the last one once the bridge is left out"
    assert apply(Command.START_OVER, outcome.progress, plan).progress == Progress("quick", 2)  # a fresh start


# ----------------------------------------------------------------------------------- Progress storage


@pytest.mark.parametrize("progress", [
    Progress("quick"), Progress("full", 10, paused=True), Progress("stretch:bridge", 0, halted=True),
    Progress("full", 3, paused=True, halted=True),
])
def test_progress_round_trips_through_json(progress: Progress) -> None:
    assert Progress.from_dict(json.loads(json.dumps(progress.to_dict()))) == progress


def test_progress_reads_dynamodb_decimals_as_ints() -> None:
    restored = Progress.from_dict({"routine": "full", "index": Decimal("7"), "paused": True, "halted": False})
    assert restored == Progress("full", 7, paused=True)
    assert type(restored.index) is int
    assert json.dumps(restored.to_dict())  # plain JSON again, no Decimal left


def test_progress_fills_in_missing_fields() -> None:
    assert Progress.from_dict({"routine": "quick"}) == Progress("quick", 0, paused=False, halted=False)


@pytest.mark.parametrize("junk", [
    None, "quick", 3, [], ["quick", 1], {}, {"index": 2}, {"routine": 5, "index": 1}, {"routine": None},
    {"routine": "quick", "index": -1}, {"routine": "quick", "index": "two"}, {"routine": "quick", "index": None},
    {"routine": "quick", "index": [1]}, {"routine": "quick", "index": Decimal("NaN")},
    {"routine": "quick", "index": Decimal("Infinity")}, {"routine": "quick", "index": float("inf")},
    {"routine": "quick", "index": Decimal("-2")},
], ids=repr)
def test_progress_from_junk_is_none_never_an_exception(junk: object) -> None:
    assert Progress.from_dict(junk) is None


# -------------------------------------------------------------------------------------- plan unrolling

ENTRIES = [
    ("knee_to_chest", ("left", "right"), 2, 30),
    ("bridge", (), 3, 20),
    ("hip_rotation", ("right",), 1, 10),
]


def test_plan_unrolls_reps_by_sides_in_order() -> None:
    plan = plan_routine("custom", ENTRIES)
    assert plan.routine == "custom"
    assert plan.stretch_count == 3
    assert plan.steps == (
        Step("knee_to_chest", "left", 1, 2, 30, 1, True),
        Step("knee_to_chest", "right", 1, 2, 30, 1, False),
        Step("knee_to_chest", "left", 2, 2, 30, 1, False),
        Step("knee_to_chest", "right", 2, 2, 30, 1, False),
        Step("bridge", None, 1, 3, 20, 2, True),
        Step("bridge", None, 2, 3, 20, 2, False),
        Step("bridge", None, 3, 3, 20, 2, False),
        Step("hip_rotation", "right", 1, 1, 10, 3, True),
    )


@pytest.mark.parametrize("routine_id", list(EN.routines))
def test_real_routines_unroll_to_sides_times_reps(routine_id: str) -> None:
    routine = EN.routines[routine_id]
    plan = PLANS[routine_id]
    assert plan.stretch_count == len(routine.steps)
    assert len(plan.steps) == sum(max(1, len(s.sides)) * s.reps for s in routine.steps)
    assert sum(s.first_of_stretch for s in plan.steps) == len(routine.steps)
    for number, entry in enumerate(routine.steps, start=1):
        steps = [s for s in plan.steps if s.stretch_number == number]
        assert steps[0].first_of_stretch
        assert {s.stretch for s in steps} == {entry.stretch}
        assert {s.hold_seconds for s in steps} == {entry.hold_seconds}
        assert {s.side for s in steps} == (set(entry.sides) or {None})


@pytest.mark.parametrize("stretch_id", list(EN.stretches))
def test_a_single_stretch_plan_is_that_stretch_on_each_of_its_sides(stretch_id: str) -> None:
    stretch = EN.stretches[stretch_id]
    plan = PLANS[SINGLE_PREFIX + stretch_id]
    assert plan.stretch_count == 1
    assert [s.side for s in plan.steps] == (list(stretch.sides) or [None])
    assert all(s.stretch == stretch_id and s.hold_seconds == stretch.hold_seconds for s in plan.steps)


def test_left_out_stretches_survive_json_and_junk_is_dropped() -> None:
    progress = Progress("full", 2, leave_out=(3,))
    assert Progress.from_dict(json.loads(json.dumps(progress.to_dict()))) == progress
    assert Progress.from_dict({"routine": "full", "index": 1, "leave_out": [Decimal(3), "x", None]}) == Progress(
        "full", 1, leave_out=(3,))
    assert Progress.from_dict({"routine": "full", "leave_out": "3"}) == Progress("full")


# ------------------------------------------------- a saved place survives a routine edited between sessions


def test_a_saved_place_is_found_again_by_stretch_side_and_repetition() -> None:
    from skill.core.routine import relocate

    quick = PLANS["quick"]
    place = {"stretch": "hip_rotation", "side": "right", "rep": 1}
    assert relocate(Progress("quick", 3), quick, place) == Progress("quick", 3)  # unchanged content
    edited = plan_routine("quick", [("bridge", (), 1, 15), ("knee_to_chest", ("left", "right"), 1, 20),
                                     ("hip_rotation", ("left", "right"), 1, 20)])
    moved = relocate(Progress("quick", 3, paused=True), edited, place)
    assert moved == Progress("quick", 4, paused=True)
    assert (edited.steps[4].stretch, edited.steps[4].side) == ("hip_rotation", "right")
    gone = plan_routine("quick", [("bridge", (), 1, 15)])
    assert relocate(Progress("quick", 3), gone, place) == Progress("quick", 3)  # apply then clamps
    assert relocate(Progress("quick", 3), quick, None) == Progress("quick", 3)


def test_the_profile_keeps_the_place_and_reads_junk_as_none() -> None:
    from skill.core.profile import Profile

    profile = Profile(progress=Progress("quick", 4), place={"stretch": "bridge", "side": None, "rep": 1})
    again = Profile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again.place == {"stretch": "bridge", "side": None, "rep": 1}
    assert Profile.from_dict({"progress": {"routine": "quick"}, "place": {"stretch": 5}}).place is None
    decimal = Profile.from_dict({"progress": {"routine": "quick"},
                                 "place": {"stretch": "bridge", "side": None, "rep": Decimal(2)}})
    assert decimal.place == {"stretch": "bridge", "side": None, "rep": 2}
