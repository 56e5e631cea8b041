"""Guided stretching: turns routine outcomes into what the coach says, shows and remembers."""

from __future__ import annotations

from typing import Any

from skill.core import habits
from skill.core.content import LocaleContent, Routine, RoutineStep
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
from skill.core.speech import Speech, countdown
from skill.core.state import ROUTINE, State


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


def plan_of(c: LocaleContent, routine_id: str) -> Plan | None:
    routine = routine_of(c, routine_id)
    if routine is None:
        return None
    return plan_routine(routine.id, [(s.stretch, s.sides, s.reps, s.hold_seconds) for s in routine.steps])


def _step_speech(c: LocaleContent, step: Step, plan: Plan, previous: Step | None) -> Speech:
    stretch = c.stretches[step.stretch]
    side = c.side_word(step.side) if step.side else ""
    speech = Speech()
    if step.first_of_stretch:
        if plan.routine.startswith(SINGLE_PREFIX):
            speech.say(c.phrase("stretch_position_single", stretch=stretch.name))
        else:
            speech.say(c.phrase("stretch_position", number=step.stretch_number, total=plan.stretch_count,
                                stretch=stretch.name))
        speech.say(stretch.setup)
        if side:
            speech.say(capitalised(c.phrase("side_cue", side=side)))
    elif side and previous is not None and previous.side != step.side:
        speech.say(c.phrase("next_side", side=side))
    else:
        speech.say(c.phrase("next_rep"))
    if step.reps > 1:
        speech.say(c.phrase("rep_cue", rep=step.rep, reps=step.reps))
    speech.say(stretch.movement.format(side=side) if side else stretch.movement)
    if step.first_of_stretch:
        speech.say(stretch.breathing).say(stretch.safety)
    return speech.extend(countdown(
        step.hold_seconds, c.phrase("hold_start", seconds=step.hold_seconds),
        lambda left: c.phrase("hold_left", seconds=left), c.phrase("hold_release")))


def _step_view(c: LocaleContent, progress: Progress, plan: Plan, title: str) -> dict[str, Any]:
    step = plan.steps[progress.index]
    return {
        "kind": "step", "title": title, "stretch": step.stretch, "stretch_name": c.stretches[step.stretch].name,
        "stretch_number": step.stretch_number, "stretch_count": plan.stretch_count,
        "step": progress.index + 1, "steps": len(plan.steps),
        "side": c.side_word(step.side) if step.side else "", "rep": step.rep, "reps": step.reps,
        "hold_seconds": step.hold_seconds, "hint": c.phrase("hint_step"),
    }


def _step_card_text(c: LocaleContent, how: str, index: int, plan: Plan) -> str:
    """What a reader needs of a step: how to do it, which step, side, repetition and hold, and safety."""
    step = plan.steps[index]
    where = [c.phrase("card_step", step=index + 1, steps=len(plan.steps))]
    if step.side:
        where.append(capitalised(c.phrase("side_cue", side=c.side_word(step.side))))
    if step.reps > 1:
        where.append(c.phrase("rep_cue", rep=step.rep, reps=step.reps))
    where.append(c.phrase("hold_start", seconds=step.hold_seconds))
    return f"{how}\n\n{' '.join(where)}\n\n{c.phrase('card_safety')}"


def _step_reply(c: LocaleContent, state: State, outcome: Outcome, lead: Speech | None = None) -> Reply:
    """Speak a step: optional lead-in, the instructions, the timed hold, then "ready?"."""
    assert outcome.progress is not None and outcome.plan is not None and outcome.step is not None
    progress, plan, step = outcome.progress, outcome.plan, outcome.step
    state.keep_progress(progress, step)
    previous = plan.steps[progress.index - 1] if progress.index > 0 else None
    speech = (lead or Speech()).extend(_step_speech(c, step, plan, previous))
    last = not plan.remaining(progress.index + 1, progress.leave_out)
    stretch = c.stretches[step.stretch]
    routine = routine_of(c, plan.routine)
    card_text = _step_card_text(c, stretch.card, progress.index, plan)
    return Reply.ask(
        speech,
        c.phrase("last_step_ready_question" if last else "step_ready_question"),
        _reprompt(c, progress, plan),
        card=Card(capitalised(stretch.name), card_text),
        offer={"kind": "next"},
        view=_step_view(c, progress, plan, capitalised(routine.name) if routine else capitalised(stretch.name)),
    )


def start(c: LocaleContent, state: State, routine_id: str) -> Reply:
    """Begin a routine (or a single stretch) from its first step, with the safety line first."""
    if state.red_flag:
        return not_after_red_flag(c)
    plan = plan_of(c, routine_id)
    if plan is None:
        return unknown(c, "routine")
    routine = routine_of(c, routine_id)
    assert routine is not None
    if routine_id.startswith(SINGLE_PREFIX):
        intro = c.phrase("single_intro", stretch=routine.name)
    else:
        intro = c.phrase("routine_intro", routine=routine.name, description=routine.description)
    state.profile.fresh_start = True
    return _step_reply(c, state, apply(Command.START, None, plan), Speech(intro))


def unknown(c: LocaleContent, kind: str) -> Reply:
    """The user named a routine or stretch we don't have: list what we do have and ask again."""
    key, names = ("routine_unknown", "routines") if kind == "routine" else ("stretch_unknown", "stretches")
    speech = Speech(c.phrase(key, **{names: c.list_names(kind)}))
    return Reply.ask(speech, c.phrase("routine_choice_question"))


def _minutes(c: LocaleContent, seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return c.phrase("minutes_one") if minutes == 1 else c.phrase("minutes_many", count=minutes)


def command(c: LocaleContent, state: State, cmd: Command, stretch: str | None = None) -> Reply:
    """Apply a navigation command to the current routine and say what happened.

    ``stretch`` is the stretch SKIP names ("skip the bridge"), by id; it may be a later one.
    """
    running = live(c, state)
    if cmd is Command.RESUME and state.red_flag:
        return not_after_red_flag(c)
    if cmd is Command.RESUME and running is not None and not running[0].paused:
        cmd = Command.NEXT  # "continue" mid-routine, when nothing is paused, means go on
    if cmd is Command.RESUME:
        progress = state.progress
        plan = plan_of(c, progress.routine) if progress else None
        if running is None and progress is not None and plan is not None:  # from an earlier session
            progress = relocate(progress, plan, state.profile.place)
    else:
        progress, plan = running if running is not None else (None, None)
    target = next((s.stretch_number for s in plan.steps if s.stretch == stretch), None) if plan else None
    outcome = apply(cmd, progress, plan, target)
    match outcome.kind:
        case Kind.STEP:
            lead = Speech()
            if cmd is Command.RESUME:
                lead.say(c.phrase("resuming"))
                if progress is not None and progress.halted:
                    lead.say(c.phrase("resume_after_pain"))
                    state.profile.fresh_start = True  # resumed knowingly, after the warning
            elif cmd is Command.START_OVER:
                lead.say(c.phrase("starting_over"))
            if outcome.skipped is not None:
                lead.say(c.phrase("skipping", stretch=c.stretches[outcome.skipped.stretch].name))
            return _step_reply(c, state, outcome, lead)
        case Kind.FIRST_STEP_AGAIN:
            return _step_reply(c, state, outcome, Speech(c.phrase("at_first_step")))
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
            last = not outcome.plan.remaining(outcome.progress.index + 1, outcome.progress.leave_out)
            return Reply.ask(Speech(said), c.phrase("last_step_ready_question" if last else "step_ready_question"),
                             _reprompt(c, outcome.progress, outcome.plan), offer={"kind": "next"})
        case Kind.STOPPED:
            assert outcome.progress is not None and outcome.step is not None
            state.keep_progress(outcome.progress, outcome.step)
            state.leave_routine()
            stretch = c.stretches[outcome.step.stretch].name
            said = c.phrase("stop_saved", stretch=stretch)
            title = c.phrase("skill_name")
            unsaved = c.phrase("stop_not_saved")
            return Reply.tell(Speech(said), card=Card(title, said), view=answer_view(c, title, said)).if_unsaved(
                Reply.tell(Speech(unsaved), card=Card(title, unsaved), view=answer_view(c, title, unsaved)))
        case Kind.HALTED:
            return halt(c, state, outcome.progress)
        case Kind.NO_ROUTINE:
            return not_in_routine(c, state, c.phrase("resume_nothing") if cmd is Command.RESUME else None)
    raise ValueError(outcome.kind)  # pragma: no cover


def _paused_or_status(c: LocaleContent, state: State, outcome: Outcome) -> Reply:
    assert outcome.progress is not None and outcome.plan is not None and outcome.step is not None
    progress, plan, step = outcome.progress, outcome.plan, outcome.step
    state.keep_progress(progress, step)
    stretch = c.stretches[step.stretch].name
    routine = routine_of(c, plan.routine)
    view = _step_view(c, progress, plan, capitalised(routine.name) if routine else capitalised(stretch))
    reprompt = _reprompt(c, progress, plan)
    if outcome.kind is Kind.PAUSED:
        return Reply.ask(Speech(c.phrase("paused", stretch=stretch)), c.phrase("paused_question"), reprompt,
                         offer={"kind": "paused"}, view=view)
    left = len(plan.remaining(progress.index, progress.leave_out)) or 1
    facts = {"stretch": stretch, "step": progress.index + 1, "steps": len(plan.steps),
             "left": c.phrase("steps_left_one") if left == 1 else c.phrase("steps_left_many", count=left),
             "minutes": _minutes(c, plan.seconds_from(progress.index, progress.leave_out))}
    if plan.routine.startswith(SINGLE_PREFIX):
        speech = Speech(c.phrase("status_single", **facts))
    else:
        speech = Speech(c.phrase("status", number=step.stretch_number, total=plan.stretch_count,
                                 routine=routine.name if routine else stretch, **facts))
    last = not plan.remaining(progress.index + 1, progress.leave_out)
    question = c.phrase("last_step_ready_question" if last else "step_ready_question")
    return Reply.ask(speech, question, reprompt, offer={"kind": "next"}, view=view)


def _reprompt(c: LocaleContent, progress: Progress, plan: Plan) -> str:
    """Where they are, for the reprompt: the stretch and the step."""
    index = min(progress.index, len(plan.steps) - 1)
    stretch = c.stretches[plan.steps[index].stretch].name
    return c.phrase("step_reprompt", stretch=stretch, step=index + 1, steps=len(plan.steps))


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
                         c.phrase("what_next_reprompt"), card=Card(title, words), offer={"kind": "menu"},
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
    title = c.phrase("pain_card_title")
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
    return Reply.ask(speech, c.phrase("not_in_routine_question"), offer={"kind": "routine", "id": "quick"})


def live(c: LocaleContent, state: State) -> tuple[Progress, Plan] | None:
    """This session's routine and its plan; None outside a routine, or when its routine no longer exists
    (content changed since the place was saved)."""
    progress = Progress.from_dict(state.session.get(ROUTINE))
    plan = plan_of(c, progress.routine) if progress else None
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
