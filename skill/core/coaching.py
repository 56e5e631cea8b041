"""Guided stretching: turns routine outcomes into what the coach says, shows and remembers.

Built for someone lying on the floor with their eyes closed: one response guides a whole stretch (its
sides and repetitions, with silence to move and a sound at the end of every hold), and the user speaks
only between stretches. A stretch too long for one Alexa response is split into the fewest turns that fit;
a user who asked to be asked after every side gets one side per turn.
"""

from __future__ import annotations

import weakref
from typing import Any

from skill.core import habits
from skill.core.content import LocaleContent, Routine, RoutineStep
from skill.core.habits import HOLD_PREFERENCE, SIDES_PREFERENCE
from skill.core.reply import Card, Reply
from skill.core.routine import (
    SINGLE_PREFIX,
    Command,
    Kind,
    Outcome,
    Plan,
    Progress,
    Step,
    apply,
    plan_routine,
    relocate,
)
from skill.core.speech import MAX_SPEECH_CHARS, Speech, countdown
from skill.core.state import ROUTINE, State
from skill.core.timing import MAX_AUDIO_CLIPS, MAX_RESPONSE_SECONDS, minutes, ssml_seconds, text_seconds

# Room left in a stretch's turn for the lead-in before it and the question after it.
TURN_SECONDS = MAX_RESPONSE_SECONDS - 25
TURN_CHARS = MAX_SPEECH_CHARS - 1200


def answer_view(c: LocaleContent, title: str, text: str) -> dict[str, Any]:
    """A plain titled text screen, so no stale stretch view stays up after a routine ends."""
    return {"kind": "answer", "title": title, "text": text, "hint": c.phrase("hint_answer")}


def capitalised(text: str) -> str:
    """A name or phrase at the start of a sentence, title or label ("left side." -> "Left side.")."""
    return text[:1].upper() + text[1:]


def routine_of(c: LocaleContent, routine_id: str) -> Routine | None:
    """A routine by id; ``stretch:<id>`` is that one stretch guided on its own, with its own sides."""
    if routine_id.startswith(SINGLE_PREFIX):
        stretch = c.stretches.get(routine_id.removeprefix(SINGLE_PREFIX))
        if stretch is None:
            return None
        step = RoutineStep(stretch.id, stretch.sides, 1, stretch.hold_seconds)
        return Routine(routine_id, stretch.name, (), "", (step,))
    return c.routines.get(routine_id)


def plan_of(c: LocaleContent, routine_id: str, preferences: dict[str, str] | None = None) -> Plan | None:
    """A routine unrolled into holds, each hold lengthened or shortened as the user prefers."""
    routine = routine_of(c, routine_id)
    if routine is None:
        return None
    hold = (preferences or {}).get(HOLD_PREFERENCE)
    return plan_routine(routine.id, [(s.stretch, s.sides, s.reps, c.timing.hold(s.hold_seconds, hold))
                                     for s in routine.steps])


# ------------------------------------------------------------------------------------------- one turn


def _holds_speech(c: LocaleContent, plan: Plan, start: int, end: int, into: Speech | None = None,
                  timeline: list[dict[str, Any]] | None = None) -> Speech:
    """The holds of one turn: set-up at a stretch's first hold, a switch with silence to move before the
    others, each hold timed with spoken cues and closed by the end-of-hold sound.

    Added to ``into`` (the turn's lead-in) when given. ``timeline``, when given, gets one entry per hold:
    when it starts (seconds from the start of ``into``, once "hold for 30 seconds" is said), how long it
    lasts, and its side and repetition, so a screen can follow every hold the voice guides."""
    speech = into if into is not None else Speech()
    timing = c.timing
    for i in range(start, end):
        step = plan.steps[i]
        stretch = c.stretches[step.stretch]
        side = c.side_word(step.side) if step.side else ""
        movement = stretch.movement.format(side=side) if side else stretch.movement
        if step.first_of_stretch:
            if plan.routine.startswith(SINGLE_PREFIX):
                speech.say(c.phrase("stretch_position_single", stretch=stretch.name))
            else:
                speech.say(c.phrase("stretch_position", number=step.stretch_number, total=plan.stretch_count,
                                    stretch=stretch.name))
            speech.say(stretch.setup)
            if side:
                speech.say(capitalised(c.phrase("side_cue", side=side)))
            if step.reps > 1:
                speech.say(c.phrase("rep_cue", rep=step.rep, reps=step.reps))
            speech.say(movement).say(stretch.breathing).say(c.phrase("stretch_safety"))
        else:
            if i == start:
                speech.say(c.phrase("back_to_stretch", stretch=stretch.name))
            previous = plan.steps[i - 1]
            if step.rep != previous.rep and step.reps > 1:
                speech.say(c.phrase("rep_cue", rep=step.rep, reps=step.reps))
            if side and previous.side != step.side:
                speech.say(c.phrase("next_side", side=side))
            elif not side or step.rep != previous.rep:
                speech.say(c.phrase("next_rep"))
            speech.say(movement).pause(timing.move_seconds)
        hold_start = c.phrase("hold_start", seconds=step.hold_seconds)
        if timeline is not None:
            begun = ssml_seconds(Speech().extend(speech).say(hold_start).ssml(), timing)
            timeline.append({"start": round(begun, 1), "seconds": step.hold_seconds, "side": side,
                             "rep": step.rep, "reps": step.reps})
        speech.extend(countdown(
            step.hold_seconds, hold_start,
            lambda left: c.phrase("hold_left", seconds=left), stretch.release or c.phrase("hold_release"),
            sound=timing.sound, cue_seconds=lambda cue: text_seconds(cue, timing.pace)))
    return speech


def hold_timeline(c: LocaleContent, plan: Plan, start: int, end: int,
                  lead: Speech | None = None) -> tuple[Speech, list[dict[str, Any]]]:
    """A turn's speech (after ``lead``) and its holds in order: ``start`` (seconds from the start of the
    speech), ``seconds``, ``side`` (the side word, "" for none), ``rep`` and ``reps``."""
    timeline: list[dict[str, Any]] = []
    speech = _holds_speech(c, plan, start, end, Speech().extend(lead) if lead else Speech(), timeline)
    return speech, timeline


class _Longest:
    """The content, always picking a phrase's longest variant: turn lengths must not depend on chance, or
    two turns of one routine could disagree on where a stretch was split."""

    def __init__(self, c: LocaleContent) -> None:
        self._c = c

    def __getattr__(self, name: str) -> Any:
        return getattr(self._c, name)

    def phrase(self, key: str, **values: Any) -> str:
        text = max(self._c.variants(key), key=len)
        return text.format(**values) if values else text

    def side_word(self, side: str) -> str:
        return self.phrase(f"side_{side}")


def _fits(c: LocaleContent, speech: Speech) -> bool:
    ssml = speech.ssml()
    return (ssml.count("<audio") <= MAX_AUDIO_CLIPS and len(ssml) <= TURN_CHARS
            and ssml_seconds(ssml, c.timing) <= TURN_SECONDS)


# Where a turn ends depends only on the content and the plan: remembered per content object.
_TURN_ENDS: weakref.WeakKeyDictionary[LocaleContent, dict[tuple[Plan, int], int]] = weakref.WeakKeyDictionary()


def turn_end_for(c: LocaleContent, preferences: dict[str, str] | None) -> Any:
    """How long a turn is: one side at a time when the user asked for it; else a whole stretch, split into
    the fewest even parts that each fit in one Alexa response."""
    every_side = (preferences or {}).get(SIDES_PREFERENCE) == "ask"
    longest: Any = _Longest(c)

    def end_of(plan: Plan, start: int) -> int:
        if every_side:
            return start + 1
        known = _TURN_ENDS.setdefault(c, {})
        if (plan, start) not in known:
            known[(plan, start)] = _split(plan, start)
        return known[(plan, start)]

    def _split(plan: Plan, start: int) -> int:
        number = plan.steps[start].stretch_number
        last = start
        while last + 1 < len(plan.steps) and plan.steps[last + 1].stretch_number == number:
            last += 1
        count = last + 1 - start
        for parts in range(1, count + 1):
            size = -(-count // parts)
            if all(_fits(c, _holds_speech(longest, plan, s, min(s + size, last + 1)))
                   for s in range(start, last + 1, size)):
                return start + size
        return start + 1

    return end_of


def _plan(c: LocaleContent, state: State, routine_id: str) -> Plan | None:
    return plan_of(c, routine_id, state.profile.preferences)


def _apply(c: LocaleContent, state: State, command_: Command, progress: Progress | None, plan: Plan | None,
           target: int | None = None) -> Outcome:
    return apply(command_, progress, plan, target, turn_end_for(c, state.profile.preferences))


def _named(c: LocaleContent, step: Step) -> str:
    return c.phrase("stretch_named", stretch=c.stretches[step.stretch].name)


def _next_question(c: LocaleContent, state: State, plan: Plan, progress: Progress, start: int) -> str:
    """One question about what comes next: the other side, the rest of this stretch, or the next stretch."""
    step = plan.steps[progress.index]
    if plan.steps[start].stretch_number == step.stretch_number:
        if state.profile.preferences.get(SIDES_PREFERENCE) == "ask" and step.side:
            return c.phrase("next_side_question", side=c.side_word(step.side))
        return c.phrase("rest_question", stretch=c.stretches[step.stretch].name)
    return _stretch_question(c, plan, progress)


def _stretch_question(c: LocaleContent, plan: Plan, progress: Progress) -> str:
    """ "Ready for stretch 2 of 3, the lying hip rotation?", or the last one's own question."""
    step = plan.steps[min(progress.index, len(plan.steps) - 1)]
    if len(plan.stretches_left(progress.index, progress.leave_out)) <= 1:
        return c.phrase("last_stretch_question", stretch=c.stretches[step.stretch].name)
    return c.phrase("next_stretch_question", number=step.stretch_number, total=plan.stretch_count,
                    stretch=c.stretches[step.stretch].name)


def _reprompt(c: LocaleContent, progress: Progress, plan: Plan) -> str:
    """Where they are, for the reprompt: what comes next, counted the one way the voice counts."""
    index = min(progress.index, len(plan.steps) - 1)
    step = plan.steps[index]
    if index > 0 and plan.steps[index - 1].stretch_number == step.stretch_number:
        return f"{c.phrase('status_partway', stretch=c.stretches[step.stretch].name)} {c.phrase('step_ready_question')}"
    if plan.routine.startswith(SINGLE_PREFIX):
        return c.phrase("single_reprompt", stretch=c.stretches[step.stretch].name)
    return c.phrase("step_reprompt", stretch=c.stretches[step.stretch].name, number=step.stretch_number,
                    total=plan.stretch_count)


def _sides(c: LocaleContent, plan: Plan, start: int, end: int) -> list[str]:
    return list(dict.fromkeys(c.side_word(s.side) for s in plan.steps[start:end] if s.side))


def _step_view(c: LocaleContent, plan: Plan, start: int, end: int, title: str) -> dict[str, Any]:
    """The screen of a turn, counted as the voice counts: stretch N of M, and the sides it covers."""
    step = plan.steps[start]
    sides = _sides(c, plan, start, end)
    return {
        "kind": "step", "title": title, "stretch": step.stretch, "stretch_name": c.stretches[step.stretch].name,
        "stretch_number": step.stretch_number, "stretch_count": plan.stretch_count,
        "step": step.stretch_number, "steps": plan.stretch_count,
        "side": sides[0] if len(sides) == 1 else "", "sides": sides, "rep": step.rep, "reps": step.reps,
        "hold_seconds": step.hold_seconds, "hint": c.phrase("hint_step"),
    }


def _card_text(c: LocaleContent, plan: Plan, start: int, end: int) -> str:
    """What a reader needs of a turn: how to do it, which stretch of how many, the sides, reps and hold."""
    step = plan.steps[start]
    stretch = c.stretches[step.stretch]
    where = [c.phrase("card_step", step=step.stretch_number, steps=plan.stretch_count)]
    sides = _sides(c, plan, start, end)
    if sides:
        where.append(c.phrase("card_sides", sides=c.listed(sides)))
    if step.reps > 1:
        where.append(c.phrase("rep_cue", rep=step.rep, reps=step.reps))
    where.append(c.phrase("hold_start", seconds=step.hold_seconds))
    return f"{stretch.card}\n\n{' '.join(where)}\n\n{c.phrase('card_safety')}"


def _turn_reply(c: LocaleContent, state: State, outcome: Outcome, lead: Speech | None = None) -> Reply:
    """Guide one turn: the lead-in, the holds, then one question about what comes next; or, when it was the
    last, the well done in the same breath."""
    assert outcome.progress is not None and outcome.plan is not None and outcome.turn is not None
    progress, plan, (start, end) = outcome.progress, outcome.plan, outcome.turn
    speech, timeline = hold_timeline(c, plan, start, end, lead)
    stretch = c.stretches[plan.steps[start].stretch]
    routine = routine_of(c, plan.routine)
    view = _step_view(c, plan, start, end, capitalised(routine.name) if routine else capitalised(stretch.name))
    view["holds"] = timeline
    if outcome.last_turn:  # the well done in the same breath; the screen keeps the stretch while it is guided
        done = finish(c, state, outcome, speech)
        done.view = view
        return done
    state.keep_progress(progress, plan.steps[progress.index])
    return Reply.ask(
        speech, _next_question(c, state, plan, progress, start), _reprompt(c, progress, plan),
        card=Card(capitalised(stretch.name), _card_text(c, plan, start, end)), offer={"kind": "next"}, view=view,
    )


# ------------------------------------------------------------------------------------------ durations


def seconds_left(c: LocaleContent, state: State, plan: Plan, progress: Progress) -> float:
    """What the rest of a routine takes, computed from its words: every turn still to guide, at the
    language's pace with its breaks and sounds, plus one user turn before each."""
    return _seconds_left(c, state.profile.preferences, plan, progress)


def default_minutes(c: LocaleContent, routine_id: str) -> int | None:
    """How long a routine takes with no preferences set, in the whole minutes the skill says ("about 4
    minutes"), so that "the four minute one" can name it. None for an unknown routine."""
    plan = plan_of(c, routine_id)
    return minutes(_seconds_left(c, None, plan, Progress(routine_id))) if plan is not None else None


def _seconds_left(c: LocaleContent, preferences: dict[str, str] | None, plan: Plan, progress: Progress) -> float:
    end_of = turn_end_for(c, preferences)
    total, index = 0.0, progress.index
    while True:
        start = next((i for i in range(index, len(plan.steps))
                      if plan.steps[i].stretch_number not in progress.leave_out), None)
        if start is None:
            return total
        end = end_of(plan, start)
        total += ssml_seconds(_holds_speech(c, plan, start, end).ssml(), c.timing) + c.timing.turn_seconds
        index = end


def _minutes(c: LocaleContent, seconds: float) -> str:
    count = minutes(seconds)
    return c.phrase("minutes_one") if count == 1 else c.phrase("minutes_many", count=count)


def routine_minutes(c: LocaleContent, state: State, routine_id: str) -> str | None:
    """ "about 3 minutes" for a routine as this user would do it; None for an unknown routine."""
    plan = _plan(c, state, routine_id)
    if plan is None:
        return None
    return _minutes(c, seconds_left(c, state, plan, Progress(routine_id)))


# --------------------------------------------------------------------------------------------- commands


def start(c: LocaleContent, state: State, routine_id: str) -> Reply:
    """Begin a routine (or a single stretch) from its first stretch, with the safety line first."""
    if state.red_flag:
        return not_after_red_flag(c)
    plan = _plan(c, state, routine_id)
    if plan is None:
        return unknown(c, "routine")
    routine = routine_of(c, routine_id)
    assert routine is not None
    if routine_id.startswith(SINGLE_PREFIX):
        intro = c.phrase("single_intro", stretch=routine.name)
    else:
        intro = c.phrase("routine_intro", routine=routine.name, description=routine.description,
                         minutes=_minutes(c, seconds_left(c, state, plan, Progress(routine_id))))
    state.profile.fresh_start = True
    return _turn_reply(c, state, _apply(c, state, Command.START, None, plan), Speech(intro))


def unknown(c: LocaleContent, kind: str) -> Reply:
    """The user named a routine or stretch we don't have: list what we do have and ask again."""
    key, names = ("routine_unknown", "routines") if kind == "routine" else ("stretch_unknown", "stretches")
    speech = Speech(c.phrase(key, **{names: c.list_names(kind)}))
    question = c.phrase("routine_choice_question")
    return Reply.ask(speech, question, f"{speech.text()} {question}", offer={"kind": "routine", "id": "quick"})


def command(c: LocaleContent, state: State, cmd: Command, stretch: str | None = None) -> Reply:
    """Apply a navigation command to the current routine and say what happened.

    ``stretch`` is the stretch SKIP names ("skip the bridge"), by id; it may be a later one.
    """
    running = live(c, state)
    if cmd is Command.RESUME and state.red_flag:
        return not_after_red_flag(c)
    if cmd is Command.RESUME:
        progress = running[0] if running is not None else state.progress
        plan = _plan(c, state, progress.routine) if progress else None
        if running is None and progress is not None and plan is not None:  # from an earlier session
            progress = relocate(progress, plan, state.profile.place)
    else:
        progress, plan = running if running is not None else (None, None)
    target = next((s.stretch_number for s in plan.steps if s.stretch == stretch), None) if plan else None
    outcome = _apply(c, state, cmd, progress, plan, target)
    match outcome.kind:
        case Kind.STEP:
            lead = Speech()
            if cmd is Command.RESUME and (running is None or running[0].paused):
                lead.say(c.phrase("resuming"))
                if progress is not None and progress.halted:
                    lead.say(c.phrase("resume_after_pain"))
                    state.profile.fresh_start = True  # resumed knowingly, after the warning
            elif cmd is Command.START_OVER:
                lead.say(c.phrase("starting_over"))
            if outcome.skipped is not None:
                lead.say(c.phrase("skipping", stretch=c.stretches[outcome.skipped.stretch].name))
            return _turn_reply(c, state, outcome, lead)
        case Kind.FIRST_STEP_AGAIN:
            return _turn_reply(c, state, outcome, Speech(c.phrase("at_first_step")))
        case Kind.FINISHED:
            lead = Speech()
            if outcome.skipped is not None:
                lead.say(c.phrase("skipping", stretch=c.stretches[outcome.skipped.stretch].name))
                if outcome.plan is not None and outcome.plan.stretch_count == 1:
                    return end_without_credit(c, state, lead)
            return finish(c, state, outcome, lead)
        case Kind.PAUSED | Kind.STATUS:
            return _paused_or_status(c, state, outcome)
        case Kind.LEFT_OUT | Kind.ALREADY_DONE:
            assert outcome.progress is not None and outcome.plan is not None
            state.keep_progress(outcome.progress, outcome.step)
            key = "leaving_out" if outcome.kind is Kind.LEFT_OUT else "already_done"
            said = c.phrase(key, stretch=c.stretches[stretch or ""].name)
            return _ask_next(c, outcome.progress, outcome.plan, Speech(said))
        case Kind.STOPPED:
            assert outcome.progress is not None and outcome.step is not None
            state.keep_progress(outcome.progress, outcome.step)
            state.leave_routine()
            name = c.stretches[outcome.step.stretch].name
            said = c.phrase("stop_saved", stretch=name)
            title = c.phrase("skill_name")
            unsaved = c.phrase("stop_not_saved")
            return Reply.tell(Speech(said), card=Card(title, said), view=answer_view(c, title, said)).if_unsaved(
                Reply.tell(Speech(unsaved), card=Card(title, unsaved), view=answer_view(c, title, unsaved)))
        case Kind.HALTED:
            return halt(c, state, outcome.progress)
        case Kind.NO_ROUTINE:
            return not_in_routine(c, state, c.phrase("resume_nothing") if cmd is Command.RESUME else None)
    raise ValueError(outcome.kind)  # pragma: no cover


def _ask_next(c: LocaleContent, progress: Progress, plan: Plan, speech: Speech,
              view: dict[str, Any] | None = None) -> Reply:
    """Nothing guided this turn: ask about the next stretch."""
    return Reply.ask(speech, _stretch_question(c, plan, progress), _reprompt(c, progress, plan),
                     offer={"kind": "next"}, view=view)


def _paused_or_status(c: LocaleContent, state: State, outcome: Outcome) -> Reply:
    assert outcome.progress is not None and outcome.plan is not None and outcome.step is not None
    progress, plan, step = outcome.progress, outcome.plan, outcome.step
    state.keep_progress(progress, step)
    routine = routine_of(c, plan.routine)
    index = min(progress.index, len(plan.steps) - 1)
    title = capitalised(routine.name) if routine else capitalised(c.stretches[step.stretch].name)
    view = _step_view(c, plan, index, index + 1, title)
    reprompt = _reprompt(c, progress, plan)
    if outcome.kind is Kind.PAUSED:
        return Reply.ask(Speech(c.phrase("paused", stretch=c.stretches[step.stretch].name)),
                         c.phrase("paused_question"), reprompt, offer={"kind": "paused"}, view=view)
    left = plan.stretches_left(progress.index, progress.leave_out)
    names = [c.phrase("stretch_named", stretch=c.stretches[plan.steps[
        next(i for i, s in enumerate(plan.steps) if s.stretch_number == n)].stretch].name) for n in left]
    listed = c.listed(names)
    done = plan.stretch_count - len(left) - len([n for n in progress.leave_out if n not in left])
    if plan.routine.startswith(SINGLE_PREFIX):
        speech = Speech(c.phrase("status_single", stretch=c.stretches[step.stretch].name,
                                 minutes=_minutes(c, seconds_left(c, state, plan, progress))))
    else:
        left_text = c.phrase("stretches_left_one", names=listed) if len(left) == 1 else \
            c.phrase("stretches_left_many", count=len(left), names=listed)
        speech = Speech(c.phrase("status", done=done, total=plan.stretch_count,
                                 routine=routine.name if routine else "", left=left_text,
                                 minutes=_minutes(c, seconds_left(c, state, plan, progress))))
    partway = index > 0 and plan.steps[index].stretch_number == plan.steps[index - 1].stretch_number
    if partway:
        speech.say(c.phrase("status_partway", stretch=c.stretches[step.stretch].name))
    return _ask_next(c, progress, plan, speech, view)


def end_without_credit(c: LocaleContent, state: State, lead: Speech) -> Reply:
    """Skipping the only stretch ends it, but nothing was done: no congratulations, nothing counted."""
    state.keep_progress(None)
    return Reply.ask(lead, c.phrase("what_next"), c.phrase("what_next_reprompt"))


def finish(c: LocaleContent, state: State, outcome: Outcome, lead: Speech) -> Reply:
    """Congratulate, count the routine as completed, and clear the place."""
    assert outcome.plan is not None
    routine_id = outcome.plan.routine
    routine = routine_of(c, routine_id)
    name = routine.name if routine else routine_id
    state.keep_progress(None)
    state.profile.completed[routine_id] = state.profile.completed.get(routine_id, 0) + 1
    total = state.profile.completed_total
    single = routine_id.startswith(SINGLE_PREFIX)
    if not single:  # the habit record: whole routines only, on the user's own (local) day
        state.profile.note_stretch_day(habits.local_day(c, state.profile))
    if single:
        done = c.phrase("stretch_done", stretch=name)
    elif not state.profile_known:  # the store could not be read: the count would be made up
        done = c.phrase("routine_done_uncounted", routine=name)
    elif total == 1:
        done = c.phrase("routine_done_first", routine=name)
    else:
        done = c.phrase("routine_done", routine=name, count=total)
    title = capitalised(name)

    def said(words: str) -> Reply:
        return Reply.ask(Speech().extend(lead).say(words), c.phrase("routine_done_question"),
                         c.phrase("routine_done_reprompt"), card=Card(title, words), offer={"kind": "menu"},
                         view=answer_view(c, title, words))

    record = habits.record_line(c, habits.record_of(c, state.profile)) if not single and state.profile_known else None
    reply = said(f"{done} {record}" if record else done)
    if not single:
        reply.if_unsaved(said(f"{c.phrase('routine_done_uncounted', routine=name)} {c.phrase('progress_not_saved')}"))
    return reply


def _halt_place(c: LocaleContent, state: State, progress: Progress) -> None:
    """Keep the place, marked halted: it is never offered back by itself."""
    plan = plan_of(c, progress.routine)
    step = plan.steps[min(progress.index, len(plan.steps) - 1)] if plan and plan.steps else None
    state.keep_progress(progress._replace(halted=True, paused=False), step)
    state.leave_routine()


def halt(c: LocaleContent, state: State, progress: Progress) -> Reply:
    """Something hurts mid-routine: stop now, rest, see a specialist; the place is kept but never resumed by
    itself, and nothing in this session leads to exercise again."""
    said = [c.phrase("pain_stop")]
    unsaved = list(said)
    _halt_place(c, state, progress)
    said.append(c.phrase("pain_place_saved"))
    unsaved.append(c.phrase("place_not_saved"))
    state.raise_red_flag()
    title = c.phrase("pain_card_title")

    def told(words: list[str]) -> Reply:
        text = " ".join(words)
        card = Card(title, f"{text}\n\n{c.phrase('disclaimer_card')}")
        view = {**answer_view(c, title, text), "hint": c.phrase("hint_pain")}  # a footer that offers no stretching
        return Reply.tell(Speech(*words), card=card, view=view)

    return told(said).if_unsaved(told(unsaved))


def red_flag_outside(c: LocaleContent, state: State) -> Reply:
    """A red flag outside a routine: nobody is stretching, so no "stop stretching"; the article's words on when
    to see a spine specialist, and nothing that leads to exercise for the rest of the session."""
    if state.profile.progress is not None:  # a place saved earlier must not be offered back
        _halt_place(c, state, state.profile.progress)
    state.raise_red_flag()
    said = c.phrase("pain_outside")
    title = c.phrase("pain_outside_title")
    return Reply.ask(Speech(said), c.phrase("pain_outside_question"), c.phrase("red_flag_reprompt"),
                     card=Card(title, f"{said}\n\n{c.phrase('disclaimer_card')}"), offer={"kind": "menu"},
                     view={**answer_view(c, title, said), "hint": c.phrase("hint_pain")})


def not_after_red_flag(c: LocaleContent) -> Reply:
    """Asked to stretch after reporting a red flag in this session: not today; see a specialist first."""
    return Reply.ask(Speech(c.phrase("no_stretching_after_red_flag")), c.phrase("pain_outside_question"),
                     c.phrase("red_flag_reprompt"), offer={"kind": "menu"})


def not_in_routine(c: LocaleContent, state: State, lead: str | None = None) -> Reply:
    speech = Speech(lead or c.phrase("not_in_routine"))
    if state.red_flag:
        return Reply.ask(speech, c.phrase("pain_outside_question"), c.phrase("red_flag_reprompt"),
                         offer={"kind": "menu"})
    return Reply.ask(speech, c.phrase("not_in_routine_question"), c.phrase("not_in_routine_reprompt"),
                     offer={"kind": "routine", "id": "quick"})


def live(c: LocaleContent, state: State) -> tuple[Progress, Plan] | None:
    """This session's routine and its plan; None outside a routine, or when its routine no longer exists
    (content changed since the place was saved)."""
    progress = Progress.from_dict(state.session.get(ROUTINE))
    plan = _plan(c, state, progress.routine) if progress else None
    if progress is None or plan is None or not plan.steps:
        return None
    return progress, plan


def pain(c: LocaleContent, state: State) -> Reply:
    """The safety answer works at any moment: mid-routine it stops the routine; outside one it says when to
    see a specialist (and a place saved from an earlier session is never offered again)."""
    running = live(c, state)
    if running is not None:
        halted = apply(Command.PAIN, *running).progress
        assert halted is not None
        return halt(c, state, halted)
    return red_flag_outside(c, state)


def feeling_fine(c: LocaleContent, state: State) -> Reply:
    """ "That feels good", "nothing hurts": mid-routine, glad, a reminder to speak up if that changes, and go on;
    outside one, glad, and what next."""
    running = live(c, state)
    if running is None:
        return Reply.ask(Speech(c.phrase("feeling_fine")), c.phrase("what_next"),
                         c.phrase("red_flag_reprompt" if state.red_flag else "what_next_reprompt"))
    progress, plan = running
    return Reply.ask(Speech(c.phrase("feeling_fine_routine")), c.phrase("feeling_fine_question"),
                     _reprompt(c, progress, plan), offer={"kind": "next"})


def routine_help(c: LocaleContent, state: State) -> Reply | None:
    """Help inside a routine names the routine, the stretch and the commands; None outside one."""
    running = live(c, state)
    if running is None:
        return None
    progress, plan = running
    step = plan.steps[min(progress.index, len(plan.steps) - 1)]
    routine = routine_of(c, plan.routine)
    stretch = c.stretches[step.stretch].name
    speech = Speech(c.phrase("routine_help", routine=routine.name if routine else stretch, stretch=stretch))
    return Reply.ask(speech, c.phrase("routine_help_question"), _reprompt(c, progress, plan), offer={"kind": "next"})


def welcome_back(c: LocaleContent, state: State) -> str | None:
    """The launch question offering a stored place back ("Want to pick up where you left off?").

    After a pain stop the place is never offered (the launch warns instead, see ``answers.welcome``); the user
    can still ask to resume in a later session.
    """
    progress = state.profile.progress
    plan = plan_of(c, progress.routine) if progress else None
    if progress is None or plan is None or not plan.steps or progress.halted:
        return None
    progress = relocate(progress, plan, state.profile.place)
    step = plan.steps[min(progress.index, len(plan.steps) - 1)]
    if progress.routine.startswith(SINGLE_PREFIX):
        return c.phrase("welcome_back_single", stretch=c.stretches[step.stretch].name)
    routine = routine_of(c, progress.routine)
    return c.phrase("welcome_back_routine", stretch=c.stretches[step.stretch].name,
                    number=step.stretch_number, total=plan.stretch_count,
                    routine=routine.name if routine else "")


# ---------------------------------------------------------------------------------------- preferences


def set_sides(c: LocaleContent, state: State, ask: bool) -> Reply:
    """ "Ask me after every side" (or the reverse): stored, and said back."""
    prefs = state.profile.preferences
    if ask:
        prefs[SIDES_PREFERENCE] = "ask"
    else:
        prefs.pop(SIDES_PREFERENCE, None)
    said = Speech(c.phrase("sides_ask_set" if ask else "sides_flow_set"))
    return _after_preference(c, state, said)


def set_hold(c: LocaleContent, state: State, length: str | None) -> Reply:
    """Longer, shorter or standard holds, within the content's range; says the new hold."""
    prefs = state.profile.preferences
    if length in ("longer", "shorter"):
        prefs[HOLD_PREFERENCE] = length
    else:
        prefs.pop(HOLD_PREFERENCE, None)
        length = "standard"
    running = live(c, state)
    routine_id = running[0].routine if running else "quick"
    plan = _plan(c, state, routine_id)
    assert plan is not None
    step = plan.steps[min(running[0].index, len(plan.steps) - 1)] if running else plan.steps[0]
    said = Speech(c.phrase(f"hold_{length}_set", seconds=step.hold_seconds,
                           stretch=c.stretches[step.stretch].name, shortest=c.timing.hold_shortest,
                           longest=c.timing.hold_longest))
    return _after_preference(c, state, said)


def _after_preference(c: LocaleContent, state: State, said: Speech) -> Reply:
    running = live(c, state)
    if running is not None:
        return _ask_next(c, running[0], running[1], said)
    return Reply.ask(said, c.phrase("preference_question"), c.phrase("what_next_reprompt"),
                     offer={"kind": "routine", "id": "quick"})
