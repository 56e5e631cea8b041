"""One offline user talking to the skill: typed words in, exactly what Alexa would say out.

Why one class: the chat CLI, the dialog-script runner and the browser simulator must agree on what a typed line
does, or a script that passes would not match what a developer sees in the chat. Each turn goes the way a device
goes: utterance -> offline understanding (nlu.Understander) -> a real request envelope (envelopes.Conversation)
-> ``skill.entry.handle_event`` (the one way into the skill) -> the response envelope, fed back for the session.

Session rules (as on a device):
- While the skill keeps the session open, each line is a turn of that session.
- Once the skill closes it, the next line starts a new one-shot session ("Alexa, ask spine coach ...").
- A line that names the skill ("ask spine coach why does my back crack") always starts a new session; a line that
  only opens it ("open spine coach") is a LaunchRequest.
- ``end()`` (the user says "exit" or walks away) sends SessionEndedRequest when a session is open. When the skill
  itself ends the session with shouldEndSession true, Alexa sends no SessionEndedRequest, so neither do we.

Dev-only: never imported by the Lambda path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ask_sdk_core.skill import CustomSkill

from skill.core.speech import ssml_to_text
from skill.entry import handle_event
from skill.simulator import fake_alexa_api
from skill.simulator.envelopes import DEFAULT_SKILL_ID, Conversation
from skill.simulator.nlu import FALLBACK, LAUNCH, Resolution, Understander, slots_to_request

MODELS_DIR = Path(__file__).resolve().parents[2] / "interaction_models"
RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
APL_DATASOURCE = "spine"
#: Words that end a session on a device before any intent is matched (Alexa sends SessionEndedRequest).
EXIT_WORDS = frozenset({"exit", "quit", "salir", "sal"})
#: Answers to Alexa's own permission question ("Do you give Spine Coach permission ...? Say I approve or no").
APPROVE_WORDS = frozenset({"yes", "i approve", "approve", "yes please", "sure", "ok", "okay", "sí", "si",
                           "apruebo", "lo apruebo", "vale", "de acuerdo"})
REFUSE_WORDS = frozenset({"no", "no thanks", "no thank you", "i don't approve", "no gracias", "no lo apruebo"})
SEND_REQUEST = "Connections.SendRequest"


def locales() -> list[str]:
    """Every locale the content speaks, so new languages show up in the CLI and page without code changes."""
    from skill.core.content import library

    return list(library().locales)


def _speech(node: dict[str, Any] | None) -> str:
    if not node:
        return ""
    if node.get("type") == "SSML":
        return ssml_to_text(str(node.get("ssml", "")))
    return str(node.get("text", ""))


@dataclass
class Exchange:
    """One request and the skill's response, with the readers a person (or a test) looks at."""

    kind: str  # "launch", "intent", "touch", "permission" (Connections.Response) or "end"
    request: dict[str, Any]
    response: dict[str, Any]
    utterance: str | None = None
    resolution: Resolution | None = None
    session_open: bool = False  # after this response, as the device would treat it
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def asks_permission(self) -> bool:
        """The skill handed over to Alexa to ask the user for a permission (Connections.SendRequest AskFor)."""
        return any(d.get("type") == SEND_REQUEST and d.get("name") == "AskFor"
                   for d in self.body.get("directives") or [])

    @property
    def request_type(self) -> str:
        return str(self.request.get("request", {}).get("type", ""))

    @property
    def intent(self) -> str | None:
        """The intent sent, or the request type for launch, touch and session end."""
        req = self.request.get("request", {})
        if req.get("type") == "IntentRequest":
            return str(req.get("intent", {}).get("name"))
        return str(req.get("type")) if req else None

    @property
    def slots(self) -> dict[str, str]:
        """Filled slots as the skill would read them: the resolved value's name when Alexa matched it."""
        out: dict[str, str] = {}
        for name, slot in (self.request.get("request", {}).get("intent", {}).get("slots") or {}).items():
            if "value" not in slot:
                continue
            value = str(slot["value"])
            for authority in (slot.get("resolutions") or {}).get("resolutionsPerAuthority", []):
                if authority.get("status", {}).get("code") == "ER_SUCCESS_MATCH" and authority.get("values"):
                    value = str(authority["values"][0]["value"].get("id") or value)
                    break
            out[name] = value
        return out

    @property
    def confidence(self) -> float | None:
        return self.resolution.confidence if self.resolution else None

    @property
    def body(self) -> dict[str, Any]:
        return self.response.get("response") or {}

    @property
    def speech_text(self) -> str:
        return _speech(self.body.get("outputSpeech"))

    @property
    def reprompt_text(self) -> str:
        return _speech((self.body.get("reprompt") or {}).get("outputSpeech"))

    @property
    def card(self) -> dict[str, Any] | None:
        """{"type", "title", "text"} whatever the card type (Simple cards say "content", Standard "text")."""
        card = self.body.get("card")
        if not card:
            return None
        return {"type": card.get("type", ""), "title": card.get("title", ""),
                "text": card.get("content") or card.get("text") or ""}

    @property
    def session_attributes(self) -> dict[str, Any]:
        return self.response.get("sessionAttributes") or {}

    @property
    def apl(self) -> dict[str, Any] | None:
        """The RenderDocument directive's {token, document, datasources}, when the skill drew a screen."""
        for directive in self.body.get("directives") or []:
            if directive.get("type") == RENDER_DOCUMENT:
                return {"token": directive.get("token"), "document": directive.get("document"),
                        "datasources": directive.get("datasources") or {}}
        return None

    @property
    def screen(self) -> dict[str, Any] | None:
        """Just the fields the screen shows (datasources.spine), with the document's type ("answer" or "step")."""
        apl = self.apl
        if apl is None:
            return None
        data = dict(apl["datasources"].get(APL_DATASOURCE) or {})
        data.setdefault("kind", "step" if "stretch_name" in data else "answer")
        return data

    def to_json(self) -> dict[str, Any]:
        """The --json line of the chat CLI: {"utterance", "intent", "slots", "confidence", "request", "response"}."""
        return {"utterance": self.utterance, "intent": self.intent, "slots": self.slots,
                "confidence": self.confidence, "request": self.request, "response": self.response}


class OfflineSession:
    """One user on one device, across as many skill sessions as they like (the user id stays the same)."""

    def __init__(
        self,
        skill: CustomSkill | None = None,
        *,
        locale: str = "en-US",
        user_id: str | None = None,
        screen: bool = False,
        models_dir: Path = MODELS_DIR,
    ) -> None:
        if skill is None:
            from skill.assembly import get_skill

            skill = get_skill()
        self.skill = skill
        self.models_dir = Path(models_dir)
        # Alexa's services (reminders, the device's time zone) are a local fake: nothing leaves this machine.
        # Reminders start not granted, as for a new user; the skill asks by voice, /grant or /refuse answers.
        self.alexa_api = fake_alexa_api.shared()
        self.conversation = Conversation(locale, user_id=user_id, skill_id=skill.skill_id or DEFAULT_SKILL_ID,
                                         screen=screen, api_endpoint=self.alexa_api.url)
        self.alexa_account = self.alexa_api.add_account(self.conversation.api_access_token, granted=False,
                                                        time_zone="America/New_York")
        self.history: list[Exchange] = []
        self.pending_permission: dict[str, Any] | None = None  # the AskFor directive Alexa is asking about

    # ---- settings that may change between turns -------------------------------------------------------------
    @property
    def locale(self) -> str:
        return self.conversation.locale

    @locale.setter
    def locale(self, value: str) -> None:
        self.conversation.locale = value

    @property
    def screen(self) -> bool:
        return self.conversation.screen

    @screen.setter
    def screen(self, value: bool) -> None:
        self.conversation.screen = bool(value)

    @property
    def user_id(self) -> str:
        return self.conversation.user_id

    @property
    def open(self) -> bool:
        """True while the skill's session is open (the next line is a turn of it)."""
        return self.conversation.open

    @property
    def attributes(self) -> dict[str, Any]:
        return copy.deepcopy(self.conversation.attributes)

    def understander(self) -> Understander:
        return Understander.for_locale(self.locale, self.models_dir)

    # ---- turns --------------------------------------------------------------------------------------------
    def _send(self, kind: str, envelope: dict[str, Any], utterance: str | None = None,
              resolution: Resolution | None = None, absorb: bool = True) -> Exchange:
        response = handle_event(copy.deepcopy(envelope), None, self.skill)
        if absorb:
            self.conversation.absorb(response)
        exchange = Exchange(kind, envelope, response, utterance, resolution, self.conversation.open)
        self.pending_permission = next((d for d in exchange.body.get("directives") or []
                                        if d.get("type") == SEND_REQUEST and d.get("name") == "AskFor"), None)
        self.history.append(exchange)
        return exchange

    # ---- Alexa's services (the local fake) --------------------------------------------------------------------
    def permission(self, grant: bool | None) -> Exchange | None:
        """Answer Alexa's permission question (True: "I approve", False: "no", None: silence). Without a
        question pending, grant or revoke the permission as the user would in the Alexa app (returns None)."""
        if grant is not None:
            self.alexa_account.granted = grant
        asked = self.pending_permission
        if asked is None:
            return None
        answer = {True: "ACCEPTED", False: "DENIED", None: "NOT_ANSWERED"}[grant]
        envelope = self.conversation.connections_response(answer, str(asked.get("token") or ""))
        return self._send("permission", envelope)

    def reminders(self) -> list[dict[str, Any]]:
        """The reminders the fake Alexa holds for this user: {"token", "time", "rule", "zone", "text"}."""
        out = []
        for alert in self.alexa_api.listed(self.conversation.api_access_token):
            trigger = alert.get("trigger") or {}
            recurrence = trigger.get("recurrence") or {}
            spoken = ((alert.get("alertInfo") or {}).get("spokenInfo") or {}).get("content") or [{}]
            out.append({"token": alert.get("alertToken"),
                        "time": recurrence.get("startDateTime") or trigger.get("scheduledTime"),
                        "rule": (recurrence.get("recurrenceRules") or [None])[0], "zone": trigger.get("timeZoneId"),
                        "text": spoken[0].get("text")})
        return out

    def launch(self) -> Exchange:
        """"Alexa, open spine coach": always a new session (an open one is simply replaced, as on a device)."""
        return self._send("launch", self.conversation.launch())

    def say(self, utterance: str) -> Exchange:
        """A typed line: understood offline, sent as the request Alexa would send."""
        text = utterance.strip()
        if self.pending_permission is not None:  # Alexa's own question is open: this line answers it
            said = text.lower().strip(".!¡¿?")
            exchange = self.permission(True if said in APPROVE_WORDS else False if said in REFUSE_WORDS else None)
            assert exchange is not None
            exchange.utterance = utterance
            return exchange
        if text.lower().strip(".!") in EXIT_WORDS and self.open:
            ended = self.end()
            assert ended is not None
            ended.utterance = utterance
            return ended
        resolution = self.understander().resolve(text)
        if resolution.intent == LAUNCH:
            exchange = self.launch()
            exchange.utterance, exchange.resolution = utterance, resolution
            return exchange
        if resolution.invoked and self.open:
            self.conversation.close()  # naming the skill starts a new session
        return self.intent(resolution.intent, resolution=resolution, utterance=utterance)

    def intent(self, name: str, slots: dict[str, str] | None = None, *, resolution: Resolution | None = None,
               utterance: str | None = None) -> Exchange:
        """An IntentRequest by name (slots by spoken value), for scripts that bypass understanding."""
        if resolution is None:
            from skill.simulator.nlu import SlotValue

            filled = {k: SlotValue(k, v, None, None) for k, v in (slots or {}).items()}
            resolution = Resolution(name, filled, 1.0, None)
        model = self.understander().model
        slots_json = slots_to_request(resolution, model, self.conversation.skill_id, self.locale)
        return self._send("intent", self.conversation.intent(resolution.intent, slots_json), utterance, resolution)

    def touch(self, arguments: list[Any]) -> Exchange:
        """A touch on an APL button (SendEvent arguments such as ["next"])."""
        return self._send("touch", self.conversation.apl_user_event(arguments))

    def end(self, reason: str = "USER_INITIATED") -> Exchange | None:
        """The user leaves ("exit", or says nothing): SessionEndedRequest if a session is open, else nothing."""
        if not self.open:
            return None
        envelope = self.conversation.session_ended(reason)
        return self._send("end", envelope, absorb=False)

    def new(self) -> Exchange | None:
        """Start afresh: end the open session (if any); the next line starts a new one."""
        ended = self.end()
        self.conversation.close()
        return ended


__all__ = ["EXIT_WORDS", "FALLBACK", "LAUNCH", "Exchange", "OfflineSession", "locales"]
