"""Dialog scripts: whole conversations written as YAML, replayed offline against the real skill.

Why: a content editor can state what a user hears, turn by turn, without writing Python, and every change to
content, the model or the handlers is checked against those conversations. Each turn goes through
skill.simulator.session.OfflineSession, exactly as in ``python -m skill chat``.

Format (one script per file under tests/dialogs/; tests/test_dialog_scripts.py runs each script in each of its
locales as one pytest case)::

    name: quick routine start to finish     # shown in reports
    locale: en-US                           # or  locales: [en-US, en-GB]  or  language: es  (every es-* locale)
                                            # default: every English locale the content has
    screen: false                           # a device with a screen (APL); default false
    turns:
      - launch: true                        # "Alexa, open spine coach"
        speech_contains: [Welcome]
        session: open
      - user: guide my stretches            # what the user says (understood offline, like Alexa would)
        intent: StartRoutineIntent          # the intent it must resolve to
        slots: {Routine: quick}             # slot values (the resolved id, or the spoken words)
        speech_contains: [knee to chest]
        session: open
        card_title_contains: Knee

Actions (exactly one per turn): ``launch: true``; ``user: <utterance>``; ``touch: next`` (an APL button, sends
Alexa.Presentation.APL.UserEvent with arguments [next]); ``end: true`` (the user leaves: SessionEndedRequest,
USER_INITIATED; or give the reason, e.g. ``end: EXCEEDED_MAX_REPROMPTS``); ``new: true`` (end the session if
open; the next turn starts a new one).

Expectations (all optional; text comparisons ignore case and runs of spaces; a list means every item):
  intent                 the request's intent name (LaunchRequest, SessionEndedRequest, ... for other requests)
  slots                  {Slot: value}, each must be filled with that resolved id or spoken value
  speech_contains        text(s) the speech must contain;  speech_not_contains: text(s) it must not
  speech_matches         a regular expression (re.search, case-insensitive) the speech must match
  silent                 true: no speech at all (as a reply to SessionEndedRequest must be)
  reprompt_contains      text(s) the reprompt must contain;  reprompt: true/false (there is one / none)
  session                open | closed (after this response, as the device treats it)
  card                   true/false (a card is shown / none)
  card_title_contains, card_contains   text(s) in the card's title / body
  apl                    true/false (the response draws a screen)
  screen_contains        text(s) shown on that screen (any datasource field)
  attributes_have, attributes_lack     session attribute keys present / absent after the turn

Phrases have random variants: expect words every variant shares, or use speech_matches with alternatives.
The whole script is one user (one user id) on one skill with one store, across as many sessions as it opens, so
"stop, then relaunch and resume" works as it does for a real user.

Dev-only: never imported by the Lambda path.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from skill.simulator.session import Exchange, OfflineSession

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

DIALOGS_DIR = Path(__file__).resolve().parents[2] / "tests" / "dialogs"
ACTIONS = ("launch", "user", "touch", "end", "new")
#: expectation -> (which text it reads, whether the text must NOT contain the items)
TEXT_CHECKS: dict[str, tuple[str, bool]] = {
    "speech_contains": ("speech", False), "speech_not_contains": ("speech", True),
    "reprompt_contains": ("reprompt", False), "card_title_contains": ("card_title", False),
    "card_contains": ("card", False), "screen_contains": ("screen", False),
}
EXPECTATIONS = (*TEXT_CHECKS, "intent", "slots", "speech_matches", "silent", "reprompt", "session", "card", "apl",
                "attributes_have", "attributes_lack")
SCRIPT_KEYS = ("name", "locale", "locales", "language", "screen", "turns", "description")
_LINE = "__line__"


class ScriptError(ValueError):
    """A script that cannot be run as written (unknown key, two actions in a turn, ...): file:line: why."""


class DialogFailure(AssertionError):
    """The skill did not say what the script expects; the message names file, line, locale and turn."""


# ------------------------------------------------------------------------------------------------ loading


class _LineLoader(yaml.SafeLoader):
    """Records each mapping's line so a failure points at the turn in the file."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)
# YAML 1.1 reads yes/no/on/off as booleans, but "user: yes" and "user: no" are things people say: only
# true/false are booleans in a script.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                  list("tTfF"))


@dataclass(frozen=True)
class Turn:
    """One line of a script: an action and what must come of it."""

    action: str
    value: Any
    expect: dict[str, Any]
    line: int

    def describe(self) -> str:
        if self.action == "user":
            return f'user says "{self.value}"'
        if self.action == "touch":
            return f"touch {self.value}"
        return self.action


@dataclass(frozen=True)
class Script:
    path: Path
    name: str
    locales: tuple[str, ...]
    screen: bool
    turns: tuple[Turn, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return self.path.stem


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _locales_for(raw: dict[str, Any], where: str) -> tuple[str, ...]:
    """Explicit locales, or every locale of a language the content has (so new locales join automatically)."""
    from skill.core.content import library

    known = library().locales
    if "locale" in raw or "locales" in raw:
        chosen = raw.get("locales") or [raw.get("locale")]
        if isinstance(chosen, str):
            chosen = [chosen]
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise ScriptError(f"{where}: unknown locale(s) {unknown}; the content has {known}")
        return tuple(chosen)
    language = str(raw.get("language", "en"))
    found = tuple(locale for locale in known if locale.split("-")[0] == language)
    if not found:
        raise ScriptError(f"{where}: no locale speaks language {language!r}; the content has {known}")
    return found


def load_script(path: Path | str) -> Script:
    """Read and check one script; ScriptError says what is wrong and where."""
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        raw = yaml.load(handle, Loader=_LineLoader)  # a SafeLoader subclass: no arbitrary objects
    if not isinstance(raw, dict):
        raise ScriptError(f"{path}: a script is a mapping with name and turns")
    unknown = sorted(set(raw) - {*SCRIPT_KEYS, _LINE})
    if unknown:
        raise ScriptError(f"{path}:{raw[_LINE]}: unknown key(s) {unknown}; a script has {list(SCRIPT_KEYS)}")
    turns_raw = raw.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        raise ScriptError(f"{path}: turns must be a non-empty list")
    turns = []
    for item in turns_raw:
        if not isinstance(item, dict):
            raise ScriptError(f"{path}: every turn is a mapping, like - user: tell me more")
        line = int(item.get(_LINE, 0))
        where = f"{path}:{line}"
        actions = [a for a in ACTIONS if a in item]
        if len(actions) != 1:
            raise ScriptError(f"{where}: a turn needs exactly one of {list(ACTIONS)}, found {actions}")
        bad = sorted(set(item) - {*ACTIONS, *EXPECTATIONS, _LINE})
        if bad:
            raise ScriptError(f"{where}: unknown key(s) {bad}; expectations are {list(EXPECTATIONS)}")
        expect = {k: _strip_lines(v) for k, v in item.items() if k in EXPECTATIONS}
        if "session" in expect and expect["session"] not in ("open", "closed"):
            raise ScriptError(f"{where}: session must be open or closed")
        if "speech_matches" in expect:
            try:
                re.compile(str(expect["speech_matches"]))
            except re.error as exc:
                raise ScriptError(f"{where}: speech_matches is not a regular expression: {exc}") from None
        action = actions[0]
        value = _strip_lines(item[action])
        if action == "user" and not (isinstance(value, str) and value.strip()):
            raise ScriptError(f"{where}: user must say something")
        turns.append(Turn(action, value, expect, line))
    return Script(path, str(raw.get("name") or path.stem), _locales_for(raw, str(path)), bool(raw.get("screen")),
                  tuple(turns))


def load_scripts(folder: Path | str = DIALOGS_DIR) -> list[Script]:
    return [load_script(p) for p in sorted(Path(folder).glob("*.yaml"))]


def cases(scripts: Iterable[Script]) -> list[tuple[Script, str]]:
    """Every (script, locale) pair: one test case each."""
    return [(script, locale) for script in scripts for locale in script.locales]


# ------------------------------------------------------------------------------------------------ checking


def _flat(text: str) -> str:
    return " ".join(text.casefold().split())


def _items(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _screen_text(exchange: Exchange) -> str:
    data = exchange.screen or {}
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif value is not None and not isinstance(value, bool):
            parts.append(str(value))

    walk(data)
    return " | ".join(parts)


def check_turn(expect: dict[str, Any], exchange: Exchange) -> list[str]:
    """Every way the exchange differs from what the turn expects (empty when it matches)."""
    problems: list[str] = []
    speech = exchange.speech_text
    texts = {
        "speech": speech, "reprompt": exchange.reprompt_text,
        "card_title": (exchange.card or {}).get("title", ""), "card": (exchange.card or {}).get("text", ""),
        "screen": _screen_text(exchange),
    }
    for key, (subject, negate) in TEXT_CHECKS.items():
        if key not in expect:
            continue
        haystack = _flat(texts[subject])
        for needle in _items(expect[key]):
            present = _flat(needle) in haystack
            if present and negate:
                problems.append(f"{subject} should not contain {needle!r}")
            elif not present and not negate:
                problems.append(f"{subject} should contain {needle!r}")
    if "intent" in expect and exchange.intent != expect["intent"]:
        got = exchange.intent
        if exchange.resolution is not None:
            got += f" (confidence {exchange.resolution.confidence}"
            if exchange.resolution.nearest:
                got += f", nearest {exchange.resolution.nearest}"
            got += ")"
        problems.append(f"intent should be {expect['intent']}, got {got}")
    if "slots" in expect:
        raw_slots = exchange.request.get("request", {}).get("intent", {}).get("slots") or {}
        for name, wanted in (expect["slots"] or {}).items():
            resolved = exchange.slots.get(name)
            spoken = str(raw_slots.get(name, {}).get("value", ""))
            if wanted is None:
                if resolved is not None:
                    problems.append(f"slot {name} should be empty, got {resolved!r}")
            elif resolved is None or _flat(str(wanted)) not in (_flat(resolved), _flat(spoken)):
                problems.append(f"slot {name} should be {wanted!r}, got {resolved!r}")
    if "speech_matches" in expect and not re.search(str(expect["speech_matches"]), speech, re.IGNORECASE):
        problems.append(f"speech should match /{expect['speech_matches']}/")
    if "silent" in expect and bool(expect["silent"]) != (not speech):
        problems.append("there should be no speech" if expect["silent"] else "there should be speech")
    if "reprompt" in expect and bool(expect["reprompt"]) != bool(exchange.reprompt_text):
        problems.append("there should be a reprompt" if expect["reprompt"] else
                        f"there should be no reprompt, got {exchange.reprompt_text!r}")
    if "session" in expect:
        state = "open" if exchange.session_open else "closed"
        if state != expect["session"]:
            problems.append(f"session should be {expect['session']}, it is {state}")
    if "card" in expect and bool(expect["card"]) != (exchange.card is not None):
        problems.append("there should be a card" if expect["card"] else f"there should be no card, got {exchange.card}")
    if "apl" in expect and bool(expect["apl"]) != (exchange.apl is not None):
        problems.append("the response should draw a screen" if expect["apl"] else "the response should draw no screen")
    attributes = exchange.session_attributes
    for key in _items(expect.get("attributes_have", [])):
        if key not in attributes:
            problems.append(f"session attributes should have {key!r}, have {sorted(attributes)}")
    for key in _items(expect.get("attributes_lack", [])):
        if key in attributes:
            problems.append(f"session attributes should not have {key!r}")
    return problems


# ------------------------------------------------------------------------------------------------ running


Check = Callable[[Exchange], list[str]]


def _act(session: OfflineSession, turn: Turn) -> Exchange | None:
    if turn.action == "launch":
        return session.launch()
    if turn.action == "user":
        return session.say(str(turn.value))
    if turn.action == "touch":
        return session.touch(_items(turn.value))
    if turn.action == "end":
        reason = turn.value if isinstance(turn.value, str) else "USER_INITIATED"
        return session.end(reason)
    return session.new()


def run_script(script: Script, locale: str, skill: CustomSkill | None = None,
               check: Check | None = None) -> list[Exchange]:
    """Play the script in one locale as one user; raise DialogFailure at the first turn that differs.

    ``skill`` defaults to a fresh skill with an in-memory store (so scripts never touch real progress);
    ``check`` adds response checks of the caller's (tests pass their Alexa-rules checker).
    """
    if skill is None:
        from skill.assembly import build_skill

        skill = build_skill(store="memory://")
    session = OfflineSession(skill, locale=locale, screen=script.screen)
    exchanges: list[Exchange] = []
    for number, turn in enumerate(script.turns, start=1):
        exchange = _act(session, turn)
        where = f"{script.path}:{turn.line} [{locale}] turn {number}, {turn.describe()}"
        if exchange is None:
            if turn.expect and turn.action != "new":
                raise DialogFailure(f"{where}: no session was open, so nothing was sent")
            continue
        exchanges.append(exchange)
        problems = check_turn(turn.expect, exchange)
        if check is not None:
            problems += [f"response problem: {p}" for p in check(exchange)]
        if problems:
            heard = [f"  heard:    {exchange.speech_text!r}"]
            if exchange.reprompt_text:
                heard.append(f"  reprompt: {exchange.reprompt_text!r}")
            if exchange.card:
                heard.append(f"  card:     {exchange.card['title']!r}: {exchange.card['text']!r}")
            heard.append(f"  intent:   {exchange.intent} {exchange.slots or ''}; session "
                         f"{'open' if exchange.session_open else 'closed'}")
            raise DialogFailure("\n".join([f"{where}:", *(f"  - {p}" for p in problems), *heard]))
    return exchanges


# ------------------------------------------------------------------------------------------------ command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", type=Path, help="scripts to run (default: every tests/dialogs/*.yaml)")
    parser.add_argument("--locale", help="only this locale")


def run(args: argparse.Namespace) -> int:
    """Run scripts, one line per (script, locale); the failures say where and what was heard. 1 if any failed."""
    import contextlib
    import io

    try:
        scripts = [load_script(f) for f in args.files] if args.files else load_scripts()
    except ScriptError as exc:
        print(exc, file=sys.stderr)
        return 2
    failed = 0
    for script, locale in cases(scripts):
        if args.locale and locale != args.locale:
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the skill's per-request log lines
                run_script(script, locale)
        except DialogFailure as exc:
            failed += 1
            print(f"FAIL {script.id} [{locale}]\n{exc}")
        else:
            print(f"ok   {script.id} [{locale}]: {script.name}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m skill.simulator.dialogs [files] [--locale xx-XX]``."""
    parser = argparse.ArgumentParser(prog="python -m skill.simulator.dialogs", description="Run dialog scripts.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
