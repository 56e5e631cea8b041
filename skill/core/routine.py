"""The guided-stretching state machine: where you are in a routine and what each command does.

Pure logic on plain data (no ASK SDK, no content words), so every command at every step can be
tested directly, and the state fits in session attributes and any store as a small JSON dict.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, NamedTuple

SINGLE_PREFIX = "stretch:"  # routine id of "guide me through the bridge": that one stretch on its own


class Command(Enum):
    START = "start"
    NEXT = "next"
    PREVIOUS = "previous"
    REPEAT = "repeat"
    START_OVER = "start_over"
    SKIP = "skip"
    PAUSE = "pause"
    RESUME = "resume"
    STATUS = "status"
    STOP = "stop"
    PAIN = "pain"


class Kind(Enum):
    """What happened, which decides what is said."""

    STEP = "step"  # speak the step at progress.index
    LEFT_OUT = "left_out"  # a later stretch will be left out; stay on the current step
    ALREADY_DONE = "already_done"  # "skip the X" for a stretch already behind us
    FIRST_STEP_AGAIN = "first_step_again"  # "previous" on the first step
    FINISHED = "finished"
    PAUSED = "paused"
    STATUS = "status"
    STOPPED = "stopped"  # place saved, session ends
    HALTED = "halted"  # something hurt: stop at once, place saved, never auto-resumed
    NO_ROUTINE = "no_routine"


class Step(NamedTuple):
    """One hold: a stretch, on one side (or none), one repetition."""

    stretch: str
    side: str | None
    rep: int
    reps: int
    hold_seconds: int
    stretch_number: int  # 1-based position of this stretch in the routine
    first_of_stretch: bool  # speak the full set-up only the first time


class Plan(NamedTuple):
    """A routine unrolled into the holds the user does, in order."""

    routine: str
    steps: tuple[Step, ...]
    stretch_count: int

    def remaining(self, index: int, leave_out: tuple[int, ...] = ()) -> list[Step]:
        """The steps from ``index`` on that will still be done."""
        return [s for s in self.steps[index:] if s.stretch_number not in leave_out]

    def stretches_left(self, index: int, leave_out: tuple[int, ...] = ()) -> list[int]:
        """Stretch numbers with a hold still to do from ``index`` on, in order."""
        return list(dict.fromkeys(s.stretch_number for s in self.remaining(index, leave_out)))


def plan_routine(routine_id: str, entries: list[tuple[str, tuple[str, ...], int, int]]) -> Plan:
    """Unroll ``(stretch, sides, reps, hold)`` entries: each rep on each side is one step."""
    steps: list[Step] = []
    for number, (stretch, sides, reps, hold) in enumerate(entries, start=1):
        first = True
        for rep in range(1, reps + 1):
            for side in sides or (None,):
                steps.append(Step(stretch, side, rep, reps, hold, number, first))
                first = False
    return Plan(routine_id, tuple(steps), len(entries))


# Where the turn that starts at a step ends (exclusive). The coach decides (one stretch per turn, split to fit
# Alexa's limits, or one side per turn when the user asked to be asked after every side).
TurnEnd = Callable[[Plan, int], int]


def one_stretch_per_turn(plan: Plan, start: int) -> int:
    end = start + 1
    while end < len(plan.steps) and plan.steps[end].stretch_number == plan.steps[start].stretch_number:
        end += 1
    return end


class Progress(NamedTuple):
    """Where a user is: kept in the session and in the store, so it must survive JSON and DynamoDB.

    ``index`` is the next step to do: every step before it has been guided (a turn is spoken whole).
    """

    routine: str
    index: int = 0
    paused: bool = False
    halted: bool = False  # stopped because something hurt
    leave_out: tuple[int, ...] = ()  # stretch numbers the user asked to skip when we get there

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"routine": self.routine, "index": self.index, "paused": self.paused,
                                "halted": self.halted}
        if self.leave_out:
            data["leave_out"] = list(self.leave_out)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Progress | None:
        """Tolerant reading: a corrupt or foreign value yields None, never an exception.

        Numbers may come back from DynamoDB as Decimal; they are turned back into int here.
        """
        if not isinstance(data, dict) or not isinstance(data.get("routine"), str):
            return None
        index = whole_number(data.get("index", 0))
        if index is None or index > MAX_INDEX:
            return None
        raw = data.get("leave_out")
        numbers = (whole_number(n) for n in raw) if isinstance(raw, list | tuple) else ()
        leave_out = tuple(sorted({n for n in numbers if n is not None and n <= MAX_INDEX}))
        return cls(data["routine"], index, data.get("paused") is True, data.get("halted") is True, leave_out)


MAX_INDEX = 10_000  # far beyond any routine; a larger stored number is junk, not a place


def whole_number(value: Any) -> int | None:
    """A stored non-negative whole number, or None: never raises, whatever a store or a client sent
    (Decimal from DynamoDB, "²", NaN, Infinity, 1e308, True, nested lists)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            return None
    try:
        number = int(value)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if number != value and not isinstance(value, str):
        return None  # 2.5 is not a whole number
    return number if number >= 0 else None


class Outcome(NamedTuple):
    kind: Kind
    progress: Progress | None  # the state to keep; None when the routine is over or there is none
    turn: tuple[int, int] | None = None  # the steps to guide now, [start, end)
    plan: Plan | None = None
    skipped: Step | None = None  # the stretch left out by SKIP

    @property
    def step(self) -> Step | None:
        """The first step of the turn, or else the next step to do."""
        if self.plan is None or not self.plan.steps:
            return None
        if self.turn is not None:
            return self.plan.steps[self.turn[0]]
        if self.progress is not None:
            return self.plan.steps[min(self.progress.index, len(self.plan.steps) - 1)]
        return None

    @property
    def last_turn(self) -> bool:
        """True when nothing is left after this turn: the routine ends with it."""
        if self.plan is None or self.progress is None:
            return True
        return not self.plan.remaining(self.progress.index, self.progress.leave_out)


def turn_starts(plan: Plan, end_of: TurnEnd, leave_out: tuple[int, ...], upto: int) -> list[int]:
    """The starts of the turns before step ``upto``, as they were guided (left-out stretches skipped)."""
    starts, here = [], 0
    while here < min(upto, len(plan.steps)):
        if plan.steps[here].stretch_number in leave_out:
            here += 1
            continue
        starts.append(here)
        here = end_of(plan, here)
    return starts


def apply(command: Command, progress: Progress | None, plan: Plan | None, target: int | None = None,
          end_of: TurnEnd = one_stretch_per_turn) -> Outcome:
    """The heart of the coach: one command applied to the current place in a routine.

    ``plan`` is the plan of ``progress.routine`` (or of the routine to START). ``end_of`` says how long a turn
    is. A progress whose index no longer fits its plan (content changed since it was saved) is clamped.
    ``target`` is the stretch number SKIP names ("skip the bridge"); None means the stretch coming up next.
    """
    if command is Command.START:
        assert plan is not None, "START needs the plan of the routine to start"
        return _turn(Kind.STEP, Progress(plan.routine), plan, 0, end_of)
    if progress is None or plan is None or not plan.steps:
        return Outcome(Kind.NO_ROUTINE, None)
    index = progress.index
    if index > len(plan.steps):  # saved before the content shrank: go back to the start of the last stretch
        index = next(i for i, s in enumerate(plan.steps) if s.stretch_number == plan.steps[-1].stretch_number)
    here = progress._replace(index=index, paused=False)
    upcoming = _kept(plan, index, progress.leave_out)
    done = turn_starts(plan, end_of, progress.leave_out, index)
    match command:
        case Command.NEXT | Command.RESUME:
            if upcoming is None:
                return Outcome(Kind.FINISHED, None, plan=plan)
            return _turn(Kind.STEP, here._replace(halted=False), plan, upcoming, end_of)
        case Command.REPEAT:
            start = done[-1] if done else upcoming
            if start is None:
                return Outcome(Kind.FINISHED, None, plan=plan)
            return _turn(Kind.STEP, here._replace(halted=False), plan, start, end_of)
        case Command.PREVIOUS:
            if len(done) < 2:
                return _turn(Kind.FIRST_STEP_AGAIN, here, plan, done[0] if done else upcoming or 0, end_of)
            return _turn(Kind.STEP, here, plan, done[-2], end_of)
        case Command.START_OVER:
            return _turn(Kind.STEP, Progress(plan.routine), plan, 0, end_of)
        case Command.SKIP:
            if upcoming is None:
                return Outcome(Kind.FINISHED, None, plan=plan)
            next_number = plan.steps[upcoming].stretch_number
            if target is not None and target < next_number:
                return Outcome(Kind.ALREADY_DONE, here, None, plan)
            if target is not None and target > next_number:
                left_out = tuple(sorted({*progress.leave_out, target}))
                return Outcome(Kind.LEFT_OUT, here._replace(leave_out=left_out), None, plan)
            skipped = plan.steps[upcoming]
            later = next((i for i in range(upcoming, len(plan.steps))
                          if plan.steps[i].stretch_number > next_number
                          and plan.steps[i].stretch_number not in progress.leave_out), None)
            if later is None:
                return Outcome(Kind.FINISHED, None, plan=plan, skipped=skipped)
            return _turn(Kind.STEP, here, plan, later, end_of)._replace(skipped=skipped)
        case Command.PAUSE:
            return Outcome(Kind.PAUSED, here._replace(paused=True), None, plan)
        case Command.STATUS:
            return Outcome(Kind.STATUS, here._replace(paused=progress.paused), None, plan)
        case Command.STOP:
            return Outcome(Kind.STOPPED, here, None, plan)
        case Command.PAIN:
            return Outcome(Kind.HALTED, here._replace(halted=True), None, plan)
    raise ValueError(f"unknown command {command}")  # pragma: no cover - the match is exhaustive


def _kept(plan: Plan, index: int, leave_out: tuple[int, ...]) -> int | None:
    """The first step at or after ``index`` that is not left out."""
    return next((i for i in range(index, len(plan.steps)) if plan.steps[i].stretch_number not in leave_out), None)


def _turn(kind: Kind, progress: Progress, plan: Plan, start: int, end_of: TurnEnd) -> Outcome:
    """Guide the turn that starts at ``start``; afterwards the place is the step after it."""
    end = end_of(plan, start)
    return Outcome(kind, progress._replace(index=end), (start, end), plan)


def relocate(progress: Progress, plan: Plan, place: dict[str, Any] | None) -> Progress:
    """A place saved in an earlier session, found again by its stretch, side and repetition.

    The index alone would point elsewhere once a clinic edits the routine between two sessions; without a
    match (the stretch was removed) the index stands and ``apply`` clamps it.
    """
    if not place:
        return progress
    wanted = (place.get("stretch"), place.get("side"), place.get("rep"))
    index = min(progress.index, len(plan.steps) - 1)
    if plan.steps and (plan.steps[index].stretch, plan.steps[index].side, plan.steps[index].rep) == wanted:
        return progress
    match = next((i for i, s in enumerate(plan.steps) if (s.stretch, s.side, s.rep) == wanted), None)
    return progress if match is None else progress._replace(index=match)


