"""``python -m skill chat`` and ``python -m skill say``: talk to the skill offline and see what Alexa would say.

Why: a developer or content editor must hear the skill without an Amazon account, a device or the internet.
Each typed line goes through skill.simulator.session.OfflineSession (offline understanding -> the real request
envelope -> skill.entry.handle_event), so what is printed is exactly what the skill answered.

Per turn (text mode):
    Alexa: <speech, SSML reduced to text>
      (reprompt: <reprompt>)
      [card] <title>: <text>
      [screen] <what the APL screen shows, with --screen>
      · <intent> <confidence> <slots> · session open|closed      (dim on a terminal)

Lines are turns of one session; once the skill closes it, the next line starts a new one-shot session
("Alexa, ask spine coach ..."). Commands: /launch, /new, /end, /touch <event>, /locale <xx-XX>, /screen on|off,
/help, /quit.

--json prints one JSON object per line for each exchange: {"utterance", "intent", "slots", "confidence",
"request", "response"}. A SessionEndedRequest the user asked for (/end, /new or "exit" while a session is open)
is printed as its own object (intent "SessionEndedRequest", utterance null for /end and /new). When the input ends
with a session still open, the chat ends it the way Alexa does when the user goes quiet (SessionEndedRequest,
reason EXCEEDED_MAX_REPROMPTS) so the skill can save its place; that exchange is not printed.

Input comes from a pipe when stdin is not a terminal (no prompt, no history); interactively, readline keeps a
history in ~/.spine-coach/history. The skill is the process-wide one (store from SPINE_COACH_STORE, default a
SQLite file in ~/.spine-coach), so with --user ID progress carries over between runs.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from skill.simulator.session import EXIT_WORDS, Exchange, OfflineSession, locales

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

HISTORY_FILE = Path.home() / ".spine-coach" / "history"
HISTORY_LENGTH = 1000
PROMPT = "You: "
HELP = """\
Type what you would say to Alexa. Commands:
  /launch          "Alexa, open spine coach" (a LaunchRequest, new session)
  /new             end the current session; the next line starts a new one
  /end             end the session as the user would ("exit"): SessionEndedRequest
  /touch EVENT     touch a screen button (sends an APL UserEvent, e.g. /touch next)
  /locale xx-XX    talk in another locale ({locales})
  /screen on|off   a device with or without a screen
  /grant           allow reminders: answers Alexa's permission question with "I approve" (or, with no
                   question pending, grants the permission as the Alexa app would)
  /refuse          refuse reminders: answers "no" (or revokes the permission)
  /reminders       the reminders the (local, fake) Alexa holds for this user
  /help            this text
  /quit            leave the chat (Ctrl-D works too)"""
DIM, RESET = "\033[2m", "\033[0m"


# ------------------------------------------------------------------------------------------------ arguments


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--locale", default="en-US", choices=locales(), help="the device's locale (default en-US)")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per exchange: utterance, intent, slots, confidence, request, response")
    parser.add_argument("--user", metavar="ID", default=None,
                        help="a fixed user id, so progress persists between runs (default: a new user each run)")
    parser.add_argument("--screen", action="store_true", help="a device with a screen (reports APL support)")
    parser.add_argument("--log", action="store_true", help="show the skill's per-request log lines on stderr")


def add_chat_arguments(parser: argparse.ArgumentParser) -> None:
    _common_arguments(parser)


def add_say_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("utterance", nargs="+", help='what you would say, e.g. "why does my back crack"')
    _common_arguments(parser)


# ------------------------------------------------------------------------------------------------ printing


class Printer:
    """Writes exchanges the way a person reads them, or as JSON lines for tools."""

    def __init__(self, out: TextIO, *, as_json: bool, color: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.color = color

    def _dim(self, text: str) -> str:
        return f"{DIM}{text}{RESET}" if self.color else text

    def line(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        """Chat's own remarks (not the skill's): dim in text mode, absent in JSON mode."""
        if not self.as_json:
            self.line(self._dim(text))

    def exchange(self, exchange: Exchange) -> None:
        if self.as_json:
            self.line(json.dumps(exchange.to_json(), ensure_ascii=False, separators=(",", ":")))
            return
        if exchange.kind == "end":
            self.line(self._dim(f"  · SessionEndedRequest ({exchange.request['request'].get('reason')}) · "
                                "session closed"))
            return
        if exchange.request.get("session", {}).get("new") and exchange.extra.get("index", 0) > 0:
            self.line(self._dim("  · new session"))
        if exchange.asks_permission:  # Alexa's own words, not the skill's: the simulator stands in for them
            spanish = str(exchange.request.get("request", {}).get("locale", "")).startswith("es")
            self.line("Alexa: (asks the user) " + (
                "¿Das permiso a Entrenador de espalda para crear recordatorios? Di apruebo, o no." if spanish else
                "Do you give Spine Coach permission to set reminders? Say I approve, or no."))
            self.line(self._dim("  · the skill asked for the reminders permission: type /grant, /refuse, "
                                "or I approve / no"))
        else:
            self.line(f"Alexa: {exchange.speech_text}" if exchange.speech_text else "Alexa: (says nothing)")
        if exchange.reprompt_text:
            self.line(f"  (reprompt: {exchange.reprompt_text})")
        card = exchange.card
        if card:
            text = "\n         ".join(line for line in card["text"].splitlines() if line.strip())
            self.line(f"  [card] {card['title']}: {text}")
        screen = describe_screen(exchange)
        if screen:
            self.line(f"  [screen] {screen}")
        self.line(self._dim("  · " + describe_turn(exchange)))


def describe_turn(exchange: Exchange) -> str:
    """The secondary line: what was understood, how sure, and whether the microphone stays open."""
    parts = [exchange.intent or "?"]
    if exchange.kind == "touch":
        parts.append(json.dumps(exchange.request["request"].get("arguments", [])))
    if exchange.confidence is not None:
        parts.append(f"{exchange.confidence:.2f}")
    resolution = exchange.resolution
    if resolution is not None and resolution.nearest and exchange.intent == "AMAZON.FallbackIntent":
        parts.append(f"(nearest {resolution.nearest})")
    if exchange.slots:
        parts.append(" ".join(f"{k}={v}" for k, v in exchange.slots.items()))
    parts.append("· session open" if exchange.session_open else "· session closed")
    return " ".join(parts)


def describe_screen(exchange: Exchange) -> str:
    """A one-line reading of the APL screen (datasources.spine), when the skill drew one."""
    data = exchange.screen
    if not data:
        return ""
    if data.get("kind") == "step":
        fields = [data.get("title"), data.get("stretch_name"),
                  data.get("position_text") or f"{data.get('stretch_number')} of {data.get('stretch_count')}",
                  data.get("side_text"), data.get("rep_text"),
                  f"{data.get('hold_seconds')} s" if data.get("hold_seconds") else ""]
    else:
        fields = [data.get("title")]
    text = " | ".join(str(f) for f in fields if f)
    buttons = " ".join(f"[{b.get('label')}]" for b in data.get("buttons") or [] if isinstance(b, dict))
    return f"{text} {buttons}".strip()


# ------------------------------------------------------------------------------------------------ input


def _history_setup() -> Any | None:
    """readline with a persistent history; None where readline is missing (Windows without pyreadline)."""
    try:
        import readline
    except ImportError:
        return None
    with contextlib.suppress(OSError):
        HISTORY_FILE.parent.mkdir(parents=True, exist_ok=True)
        if HISTORY_FILE.exists():
            readline.read_history_file(str(HISTORY_FILE))
    readline.set_history_length(HISTORY_LENGTH)
    return readline


def _history_save(readline: Any | None) -> None:
    if readline is None:
        return
    with contextlib.suppress(OSError):
        readline.write_history_file(str(HISTORY_FILE))


def _interactive_lines(prompt: str) -> Iterator[str]:
    while True:
        try:
            yield input(prompt)
        except EOFError:
            print()
            return
        except KeyboardInterrupt:
            print()
            return


# ------------------------------------------------------------------------------------------------ running


def _session(args: argparse.Namespace, skill: CustomSkill | None) -> OfflineSession:
    return OfflineSession(skill, locale=args.locale, user_id=args.user, screen=args.screen)


@contextlib.contextmanager
def _skill_logs(show: bool) -> Iterator[None]:
    """The skill writes one JSON log line per request to stdout (for CloudWatch); in a chat that is noise,
    and in --json mode it would corrupt the output. Off unless --log, then on stderr."""
    target: TextIO = sys.stderr if show else io.StringIO()
    with contextlib.redirect_stdout(target):
        yield


class Chat:
    """The chat loop's state: the offline session, the printer and how many turns this skill session had."""

    def __init__(self, session: OfflineSession, printer: Printer, show_logs: bool = False) -> None:
        self.session = session
        self.printer = printer
        self.show_logs = show_logs
        self.turns = 0

    def _show(self, exchange: Exchange | None) -> None:
        if exchange is None:
            return
        exchange.extra["index"] = self.turns
        self.turns += 1
        self.printer.exchange(exchange)

    def _run(self, action: Any, *args: Any) -> Exchange | None:
        with _skill_logs(self.show_logs):
            return action(*args)

    def handle(self, line: str) -> bool:
        """One input line; False when the user asked to leave."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        if text.lower().strip(".!") in EXIT_WORDS and not self.session.open:
            self.printer.note("  · no session is open")
            return True
        if not text.startswith("/"):
            self._show(self._run(self.session.say, text))
            return True
        command, _, rest = text.partition(" ")
        rest = rest.strip()
        if command in ("/quit", "/exit", "/q"):
            return False
        if command == "/launch":
            self._show(self._run(self.session.launch))
        elif command == "/new":
            self._show(self._run(self.session.new))
            self.printer.note("  · the next line starts a new session")
        elif command == "/end":
            ended = self._run(self.session.end)
            if ended is None:
                self.printer.note("  · no session is open")
            self._show(ended)
        elif command == "/touch":
            if not rest:
                self.printer.note("  · say which button: /touch next")
            else:
                self._show(self._run(self.session.touch, rest.split()))
        elif command == "/locale":
            if rest in locales():
                self.session.locale = rest
                self.printer.note(f"  · locale {rest}")
            else:
                self.printer.note(f"  · unknown locale {rest!r}; choose from {', '.join(locales())}")
        elif command == "/screen":
            self.session.screen = rest.lower() in ("on", "yes", "true", "1")
            self.printer.note(f"  · screen {'on' if self.session.screen else 'off'}")
        elif command in ("/grant", "/refuse"):
            answered = self._run(self.session.permission, command == "/grant")
            if answered is None:
                self.printer.note(f"  · reminders permission {'granted' if command == '/grant' else 'refused'} "
                                  "(as in the Alexa app)")
            self._show(answered)
        elif command == "/reminders":
            held = self.session.reminders()
            if not held:
                self.printer.note("  · no reminders")
            for reminder in held:
                self.printer.note(f"  · reminder {reminder['time']} {reminder['zone']} "
                                  f"{reminder['rule'] or 'once'}: {reminder['text']}")
        elif command == "/help":
            self.printer.note(HELP.format(locales=", ".join(locales())))
        else:
            self.printer.note(f"  · unknown command {command}; /help lists them")
        return True

    def finish(self) -> None:
        """Input is over: end an open session the way Alexa does when the user goes quiet (not printed)."""
        if self.session.open:
            self._run(self.session.end, "EXCEEDED_MAX_REPROMPTS")

    def run(self, lines: Iterable[str]) -> None:
        try:
            for line in lines:
                if not self.handle(line):
                    break
        finally:
            self.finish()


def _color(out: TextIO) -> bool:
    return out.isatty() and not os.environ.get("NO_COLOR")


def run_chat(args: argparse.Namespace, skill: CustomSkill | None = None, stdin: TextIO | None = None,
             stdout: TextIO | None = None) -> int:
    """The chat loop; ``skill``, ``stdin`` and ``stdout`` are for tests (defaults: get_skill(), the terminal)."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    printer = Printer(stdout, as_json=args.json, color=_color(stdout) and not args.json)
    chat = Chat(_session(args, skill), printer, show_logs=getattr(args, "log", False))
    if stdin.isatty() and stdin is sys.stdin:
        readline = _history_setup()
        printer.note(f"Spine Coach offline ({args.locale}{', screen' if args.screen else ''}). "
                     "Type what you'd say to Alexa; /help for commands, Ctrl-D to leave.")
        try:
            chat.run(_interactive_lines(PROMPT))
        finally:
            _history_save(readline)
    else:
        chat.run(line.rstrip("\n") for line in stdin)
    return 0


def run_say(args: argparse.Namespace, skill: CustomSkill | None = None, stdout: TextIO | None = None) -> int:
    """Answer one utterance in a new one-shot session ("Alexa, ask spine coach ...")."""
    stdout = stdout or sys.stdout
    printer = Printer(stdout, as_json=args.json, color=_color(stdout) and not args.json)
    chat = Chat(_session(args, skill), printer, show_logs=getattr(args, "log", False))
    chat.run([" ".join(args.utterance)])
    return 0
