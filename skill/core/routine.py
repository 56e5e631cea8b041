"""The guided-stretching state machine: where you are in a routine and what each command does.

Pure logic on plain data (no ASK SDK, no content words), so every command at every step can be
tested directly, and the state fits in session attributes and any store as a small JSON dict.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, NamedTuple

SECONDS_PER_STEP_SPEECH = 15  # roughly how long the spoken instructions of a step take
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
        """The steps from ``index`` on (the current one included) that will still be done."""
        return [s for s in self.steps[index:] if s.stretch_number not in leave_out]

    def seconds_from(self, index: int, leave_out: tuple[int, ...] = ()) -> int:
        return sum(s.hold_seconds + SECONDS_PER_STEP_SPEECH for s in self.remaining(index, leave_out))


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


class Progress(NamedTuple):
    """Where a user is: kept in the session and in the store, so it must survive JSON and DynamoDB."""

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
    step: Step | None = None
    plan: Plan | None = None
    skipped: Step | None = None  # the stretch left out by SKIP


def apply(command: Command, progress: Progress | None, plan: Plan | None, target: int | None = None) -> Outcome:
    """The heart of the coach: one command applied to the current place in a routine.

    ``plan`` is the plan of ``progress.routine`` (or of the routine to START). A progress whose index no
    longer fits its plan (content changed since it was saved) is clamped to the last step. ``target`` is
    the stretch number SKIP names ("skip the bridge"); None means the current stretch.
    """
    if command is Command.START:
        assert plan is not None, "START needs the plan of the routine to start"
        return _at(Kind.STEP, Progress(plan.routine), plan)
    if progress is None or plan is None or not plan.steps:
        return Outcome(Kind.NO_ROUTINE, None)
    index = min(progress.index, len(plan.steps) - 1)
    here = progress._replace(index=index, paused=False)
    kept = [i for i, s in enumerate(plan.steps) if s.stretch_number not in progress.leave_out or i == index]
    match command:
        case Command.NEXT:
            after = [i for i in kept if i > index]
            if not after:
                return Outcome(Kind.FINISHED, None, plan=plan)
            return _at(Kind.STEP, here._replace(index=after[0], halted=False), plan)
        case Command.PREVIOUS:
            before = [i for i in kept if i < index]
            if not before:
                return _at(Kind.FIRST_STEP_AGAIN, here, plan)
            return _at(Kind.STEP, here._replace(index=before[-1]), plan)
        case Command.REPEAT | Command.RESUME:
            return _at(Kind.STEP, here._replace(halted=False), plan)
        case Command.START_OVER:
            return _at(Kind.STEP, Progress(plan.routine), plan)
        case Command.SKIP:
            current = plan.steps[index]
            if target is not None and target < current.stretch_number:
                return _at(Kind.ALREADY_DONE, here, plan)
            if target is not None and target > current.stretch_number:
                left_out = tuple(sorted({*progress.leave_out, target}))
                return _at(Kind.LEFT_OUT, here._replace(leave_out=left_out), plan)
            later = [i for i in kept if plan.steps[i].stretch_number > current.stretch_number]
            if not later:
                return Outcome(Kind.FINISHED, None, plan=plan, skipped=current)
            outcome = _at(Kind.STEP, here._replace(index=later[0]), plan)
            return outcome._replace(skipped=current)
        case Command.PAUSE:
            return _at(Kind.PAUSED, here._replace(paused=True), plan)
        case Command.STATUS:
            return _at(Kind.STATUS, progress if progress.index == index else here, plan)
        case Command.STOP:
            return _at(Kind.STOPPED, here, plan)
        case Command.PAIN:
            return _at(Kind.HALTED, here._replace(halted=True), plan)
    raise ValueError(f"unknown command {command}")  # pragma: no cover - the match is exhaustive


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


def _at(kind: Kind, progress: Progress, plan: Plan) -> Outcome:
    return Outcome(kind, progress, plan.steps[progress.index], plan)
