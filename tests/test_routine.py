"""The guided-stretching state machine: every command at every step of every real plan.

Plans come from the real content (both routines and every stretch guided on its own), so a routine that
gains a stretch is covered without touching this file. Expectations are computed from the plan, not
copied from the implementation: "next" moves one step, "skip" lands on the first step of the next
stretch, the last step finishes, and so on.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from skill.core.coaching import plan_of
from skill.core.content import library
from skill.core.routine import (
    SECONDS_PER_STEP_SPEECH,
    SINGLE_PREFIX,
    Command,
    Kind,
    Plan,
    Progress,
    Step,
    apply,
    plan_routine,
)

EN = library().for_locale("en-US")
PLAN_IDS = [*EN.routines, *(SINGLE_PREFIX + s for s in EN.stretches)]
PLANS: dict[str, Plan] = {pid: plan for pid in PLAN_IDS if (plan := plan_of(EN, pid)) is not None}
POSITIONS = [(pid, i) for pid, plan in PLANS.items() for i in range(len(plan.steps))]
POSITION_IDS = [f"{pid}@{i}" for pid, i in POSITIONS]
NAVIGATION = [c for c in Command if c is not Command.START]


def at(plan_id: str, index: int, **flags: bool) -> tuple[Plan, Progress]:
    return PLANS[plan_id], Progress(plan_id, index, **flags)


def next_stretch_index(plan: Plan, index: int) -> int | None:
    """The first step after ``index`` that belongs to another stretch (None: this is the last stretch)."""
    here = plan.steps[index].stretch_number
    return next((j for j in range(index + 1, len(plan.steps)) if plan.steps[j].stretch_number != here), None)


def test_the_plans_under_test_include_both_routines_and_single_stretches() -> None:
    assert {"quick", "full"} <= set(PLANS)
    assert any(pid.startswith(SINGLE_PREFIX) for pid in PLANS)
    assert all(plan.steps for plan in PLANS.values())


# ------------------------------------------------------------------------------------------ START


@pytest.mark.parametrize("plan_id", list(PLANS))
@pytest.mark.parametrize("previous", [None, Progress("full", 7, paused=True, halted=True)], ids=["fresh", "busy"])
def test_start_begins_at_the_first_step(plan_id: str, previous: Progress | None) -> None:
    plan = PLANS[plan_id]
    outcome = apply(Command.START, previous, plan)
    assert outcome.kind is Kind.STEP
    assert outcome.progress == Progress(plan_id, 0, paused=False, halted=False)
    assert outcome.step == plan.steps[0]
    assert outcome.step.first_of_stretch and outcome.step.stretch_number == 1
    assert outcome.plan is plan


# ------------------------------------------------------------------------------ every command, every step


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_next(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index)
    outcome = apply(Command.NEXT, progress, plan)
    if index == len(plan.steps) - 1:
        assert outcome.kind is Kind.FINISHED
        assert outcome.progress is None
        assert outcome.plan is plan
        assert outcome.skipped is None
    else:
        assert outcome.kind is Kind.STEP
        assert outcome.progress == Progress(plan_id, index + 1)
        assert outcome.step == plan.steps[index + 1]


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_previous(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index)
    outcome = apply(Command.PREVIOUS, progress, plan)
    if index == 0:
        assert outcome.kind is Kind.FIRST_STEP_AGAIN
        assert outcome.progress == Progress(plan_id, 0)
        assert outcome.step == plan.steps[0]
    else:
        assert outcome.kind is Kind.STEP
        assert outcome.progress == Progress(plan_id, index - 1)
        assert outcome.step == plan.steps[index - 1]


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_repeat_says_the_same_step_again(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index)
    outcome = apply(Command.REPEAT, progress, plan)
    assert outcome.kind is Kind.STEP
    assert outcome.progress == progress
    assert outcome.step == plan.steps[index]


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_start_over_goes_back_to_the_first_step(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index, paused=True)
    outcome = apply(Command.START_OVER, progress, plan)
    assert outcome.kind is Kind.STEP
    assert outcome.progress == Progress(plan_id, 0)
    assert outcome.step == plan.steps[0]


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_skip_leaves_out_the_rest_of_this_stretch(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index)
    outcome = apply(Command.SKIP, progress, plan)
    assert outcome.skipped == plan.steps[index]
    target = next_stretch_index(plan, index)
    if target is None:
        assert outcome.kind is Kind.FINISHED
        assert outcome.progress is None
        assert outcome.plan is plan
    else:
        assert outcome.kind is Kind.STEP
        assert outcome.progress == Progress(plan_id, target)
        assert outcome.step == plan.steps[target]
        assert outcome.step.first_of_stretch
        assert outcome.step.stretch_number == plan.steps[index].stretch_number + 1


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_pause_keeps_the_place(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index)
    outcome = apply(Command.PAUSE, progress, plan)
    assert outcome.kind is Kind.PAUSED
    assert outcome.progress == Progress(plan_id, index, paused=True)
    assert outcome.step == plan.steps[index]


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
@pytest.mark.parametrize("flags", [{"paused": True}, {"halted": True}, {}], ids=["paused", "halted", "plain"])
def test_resume_continues_at_the_same_step(plan_id: str, index: int, flags: dict[str, bool]) -> None:
    plan, progress = at(plan_id, index, **flags)
    outcome = apply(Command.RESUME, progress, plan)
    assert outcome.kind is Kind.STEP
    assert outcome.progress == Progress(plan_id, index, paused=False, halted=False)
    assert outcome.step == plan.steps[index]


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
@pytest.mark.parametrize("paused", [False, True])
def test_status_reports_without_moving(plan_id: str, index: int, paused: bool) -> None:
    plan, progress = at(plan_id, index, paused=paused)
    outcome = apply(Command.STATUS, progress, plan)
    assert outcome.kind is Kind.STATUS
    assert outcome.progress == progress
    assert outcome.step == plan.steps[index]
    assert outcome.plan is plan


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_stop_saves_the_place(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index, paused=True)
    outcome = apply(Command.STOP, progress, plan)
    assert outcome.kind is Kind.STOPPED
    assert outcome.progress == Progress(plan_id, index)
    assert outcome.step == plan.steps[index]


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_pain_halts_and_keeps_the_place(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index)
    outcome = apply(Command.PAIN, progress, plan)
    assert outcome.kind is Kind.HALTED
    assert outcome.progress == Progress(plan_id, index, halted=True)
    assert outcome.step == plan.steps[index]


@pytest.mark.parametrize(("plan_id", "index"), POSITIONS, ids=POSITION_IDS)
def test_next_after_pain_clears_the_halt(plan_id: str, index: int) -> None:
    plan, progress = at(plan_id, index, halted=True)
    outcome = apply(Command.NEXT, progress, plan)
    assert outcome.progress is None or outcome.progress.halted is False


@pytest.mark.parametrize("plan_id", list(PLANS))
def test_walking_next_visits_every_step_once_then_finishes(plan_id: str) -> None:
    plan = PLANS[plan_id]
    outcome = apply(Command.START, None, plan)
    seen = [outcome.step]
    while outcome.kind is Kind.STEP:
        outcome = apply(Command.NEXT, outcome.progress, plan)
        if outcome.kind is Kind.STEP:
            seen.append(outcome.step)
    assert outcome.kind is Kind.FINISHED
    assert seen == list(plan.steps)


@pytest.mark.parametrize("plan_id", list(PLANS))
def test_skipping_repeatedly_visits_each_stretch_once(plan_id: str) -> None:
    plan = PLANS[plan_id]
    outcome = apply(Command.START, None, plan)
    numbers = [outcome.step.stretch_number]
    while True:
        outcome = apply(Command.SKIP, outcome.progress, plan)
        if outcome.kind is Kind.FINISHED:
            break
        numbers.append(outcome.step.stretch_number)
    assert numbers == list(range(1, plan.stretch_count + 1))
    assert outcome.progress is None


# ------------------------------------------------------------------------------------------ no routine


@pytest.mark.parametrize("command", NAVIGATION, ids=lambda c: c.value)
def test_commands_without_progress_say_there_is_no_routine(command: Command) -> None:
    outcome = apply(command, None, PLANS["quick"])
    assert outcome.kind is Kind.NO_ROUTINE
    assert outcome.progress is None
    assert outcome.step is None


@pytest.mark.parametrize("command", NAVIGATION, ids=lambda c: c.value)
def test_commands_for_a_routine_that_no_longer_exists_say_there_is_no_routine(command: Command) -> None:
    assert apply(command, Progress("retired_routine", 2), None).kind is Kind.NO_ROUTINE
    assert apply(command, Progress("empty", 0), Plan("empty", (), 0)).kind is Kind.NO_ROUTINE


# ---------------------------------------------------------------------------------------- clamping


def test_a_saved_index_beyond_a_shorter_plan_is_clamped_to_the_last_step() -> None:
    quick = PLANS["quick"]
    beyond = Progress("quick", len(PLANS["full"].steps) + 3)
    last = len(quick.steps) - 1

    repeat = apply(Command.REPEAT, beyond, quick)
    assert repeat.kind is Kind.STEP
    assert repeat.progress == Progress("quick", last)
    assert repeat.step == quick.steps[last]

    assert apply(Command.RESUME, beyond, quick).progress == Progress("quick", last)
    assert apply(Command.PREVIOUS, beyond, quick).progress == Progress("quick", last - 1)
    status = apply(Command.STATUS, beyond, quick)
    assert status.progress == Progress("quick", last)
    assert status.step == quick.steps[last]
    assert apply(Command.STOP, beyond, quick).progress == Progress("quick", last)
    assert apply(Command.PAIN, beyond, quick).progress == Progress("quick", last, halted=True)
    finished = apply(Command.NEXT, beyond, quick)
    assert finished.kind is Kind.FINISHED
    assert finished.progress is None


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


def test_seconds_from_counts_the_holds_and_the_talking_still_ahead() -> None:
    plan = plan_routine("custom", ENTRIES)
    per_step = [30, 30, 30, 30, 20, 20, 20, 10]
    for index in range(len(plan.steps) + 1):
        assert plan.seconds_from(index) == sum(per_step[index:]) + SECONDS_PER_STEP_SPEECH * (8 - index)
    assert plan.seconds_from(len(plan.steps)) == 0


@pytest.mark.parametrize("routine_id", list(EN.routines))
def test_seconds_from_shrinks_as_the_routine_goes_on(routine_id: str) -> None:
    plan = PLANS[routine_id]
    remaining = [plan.seconds_from(i) for i in range(len(plan.steps))]
    assert remaining == sorted(remaining, reverse=True)
    assert len(set(remaining)) == len(remaining)


# ------------------------------------------------------------------ "skip the bridge" said before we get there


@pytest.mark.parametrize(("plan_id", "index"), [(p, i) for p, i in POSITIONS if not p.startswith(SINGLE_PREFIX)],
                         ids=[x for x, (p, _) in zip(POSITION_IDS, POSITIONS, strict=True)
                              if not p.startswith(SINGLE_PREFIX)])
def test_naming_a_later_stretch_leaves_it_out_and_naming_an_earlier_one_changes_nothing(plan_id: str,
                                                                                       index: int) -> None:
    plan, progress = at(plan_id, index)
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
            assert outcome.progress is not None and outcome.progress.index == index
            assert outcome.progress.leave_out == (target,)
            assert outcome.step == plan.steps[index]


def test_walking_next_never_lands_on_a_left_out_stretch_and_counts_it_out_of_what_is_left() -> None:
    plan, progress = at("quick", 0)
    bridge = next(s.stretch_number for s in plan.steps if s.stretch == "bridge")
    progress = apply(Command.SKIP, progress, plan, bridge).progress
    assert progress is not None
    assert [s.stretch for s in plan.remaining(0, progress.leave_out)] == ["knee_to_chest"] * 2 + ["hip_rotation"] * 2
    assert plan.seconds_from(0, progress.leave_out) < plan.seconds_from(0)
    visited = [progress.index]
    while True:
        outcome = apply(Command.NEXT, progress, plan)
        if outcome.kind is Kind.FINISHED:
            break
        assert outcome.progress is not None
        progress = outcome.progress
        visited.append(progress.index)
    assert all(plan.steps[i].stretch != "bridge" for i in visited)
    assert len(visited) == 4
    back = apply(Command.PREVIOUS, progress, plan)
    assert back.progress is not None and back.progress.index == visited[-2]
    assert apply(Command.START_OVER, progress, plan).progress == Progress("quick")  # a fresh start forgets it


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
