"""Test helper: Alexa request envelopes as a device sends them, a session-carrying Conversation, and readers
for response envelopes.

Why our own and not skill.simulator: the tests must not depend on the code they check (the simulator is
another dev tool under test). Stdlib plus the pure content core (to resolve slot values the way Alexa's entity
resolution does, from the same names and synonyms the interaction model is built from).
"""

from __future__ import annotations

import copy
import html
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from skill.core.content import LocaleContent, library
from skill.core.speech import ssml_problems

SKILL_ID = "amzn1.ask.skill.0f1e2d3c-4b5a-4697-8899-aabbccddeeff"
API_ENDPOINT = "https://api.amazonalexa.com"
# The custom slot types of the interaction model, per slot name (interaction_models/<locale>.json).
SLOT_TYPES = {"Routine": "RoutineName", "Stretch": "StretchName", "Recurrence": "RecurrenceName"}
# The slots Alexa sends (filled or not) for each intent that has any.
INTENT_SLOTS = {"StartRoutineIntent": ("Routine",), "StretchIntent": ("Stretch",), "SkipIntent": ("Stretch",),
                "SetReminderIntent": ("Time", "Recurrence", "Date"), "DefaultRoutineIntent": ("Routine",)}
API_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-token"

Send = Callable[[dict[str, Any]], dict[str, Any]]


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex.upper()}"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------------------------- requests


def request(request_type: str, locale: str = "en-US", **fields: Any) -> dict[str, Any]:
    return {"type": request_type, "requestId": new_id("amzn1.echo-api.request."), "timestamp": now(),
            "locale": locale, **fields}


def launch_request(locale: str = "en-US") -> dict[str, Any]:
    return request("LaunchRequest", locale, shouldLinkResultBeReturned=False)


def session_ended_request(locale: str = "en-US", reason: str = "USER_INITIATED",
                          error: dict[str, str] | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"reason": reason}
    if error is not None:
        fields["error"] = error
    return request("SessionEndedRequest", locale, **fields)


def resolve(locale: str, slot_name: str, spoken: str) -> tuple[str, str] | None:
    """Alexa's entity resolution for our custom types: a value or synonym (case-insensitive) -> (id, name)."""
    content = library().for_locale(locale)
    wanted = spoken.strip().lower()
    if slot_name == "Recurrence":  # RecurrenceName: ids daily|weekdays|weekends, words from the phrases
        for rid in ("daily", "weekdays", "weekends"):
            words = content.variants(f"recurrence_{rid}")
            if wanted in (w.lower() for w in words):
                return rid, words[0]
        return None
    pool = {"Routine": content.routines, "Stretch": content.stretches}.get(slot_name, {})
    for item in pool.values():
        if wanted in (w.lower() for w in (item.name, *item.synonyms)):
            return item.id, item.name
    return None


def slot(name: str, value: str | None, *, locale: str = "en-US", skill_id: str = SKILL_ID,
         resolved: bool = True) -> dict[str, Any]:
    """One slot as Alexa sends it: no value when unfilled; resolutions for a custom-type value."""
    out: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is None:
        return out
    out["value"] = value
    out["source"] = "USER"
    slot_type = SLOT_TYPES.get(name)
    if slot_type is None or not resolved:
        return out
    authority = f"amzn1.er-authority.echo-sdk.{skill_id}.{slot_type}"
    match = resolve(locale, name, value)
    if match is None:
        per_authority: dict[str, Any] = {"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}
    else:
        per_authority = {"authority": authority, "status": {"code": "ER_SUCCESS_MATCH"},
                         "values": [{"value": {"name": match[1], "id": match[0]}}]}
    out["resolutions"] = {"resolutionsPerAuthority": [per_authority]}
    return out


def intent_request(name: str, slots: dict[str, str | None] | None = None, *, locale: str = "en-US",
                   skill_id: str = SKILL_ID, confirmation: str = "NONE", resolved: bool = True,
                   declare_slots: bool = True) -> dict[str, Any]:
    """An IntentRequest. Declared slots the caller leaves out are sent unfilled, as Alexa does."""
    values: dict[str, str | None] = {s: None for s in INTENT_SLOTS.get(name, ())} if declare_slots else {}
    values.update(slots or {})
    intent: dict[str, Any] = {"name": name, "confirmationStatus": confirmation}
    if values:
        intent["slots"] = {k: slot(k, v, locale=locale, skill_id=skill_id, resolved=resolved)
                           for k, v in values.items()}
    return request("IntentRequest", locale, dialogState="COMPLETED", intent=intent)


def connections_response(answer: str, *, token: str = "", code: str = "200", locale: str = "en-US",
                         scope: str = "alexa::alerts:reminders:skill:readwrite") -> dict[str, Any]:
    """Alexa's answer to our AskFor request: the user's ACCEPTED, DENIED or NOT_ANSWERED (code 200), or a
    failed request (another code, e.g. where voice permission is unavailable)."""
    return request("Connections.Response", locale, name="AskFor", token=token,
                   status={"code": code, "message": "OK" if code == "200" else "failed"},
                   payload={"permissionScope": scope, "status": answer})


def envelope(req: dict[str, Any], *, user_id: str, device_id: str = "amzn1.ask.device.TEST",
             skill_id: str = SKILL_ID, session_id: str | None = None, new: bool = True,
             attributes: dict[str, Any] | None = None, screen: bool = False, api_endpoint: str = API_ENDPOINT,
             api_token: str = API_TOKEN) -> dict[str, Any]:
    """The whole request envelope: version, session, context.System and the request."""
    interfaces: dict[str, Any] = {}
    if screen:
        interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": "2023.3"}}
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id or new_id("amzn1.echo-api.session."),
            "application": {"applicationId": skill_id},
            "user": {"userId": user_id},
            "attributes": copy.deepcopy(attributes or {}),
        },
        "context": {
            "System": {
                "application": {"applicationId": skill_id},
                "user": {"userId": user_id},
                "device": {"deviceId": device_id, "supportedInterfaces": interfaces},
                "apiEndpoint": api_endpoint,
                "apiAccessToken": api_token,
            }
        },
        "request": req,
    }


def launch_envelope(user_id: str = "amzn1.ask.account.SOLO", locale: str = "en-US",
                    skill_id: str = SKILL_ID) -> dict[str, Any]:
    return envelope(launch_request(locale), user_id=user_id, skill_id=skill_id)


# ------------------------------------------------------------------------------------------------ responses


def plain(text: str) -> str:
    """Spoken text as a reader would compare it: tags dropped, entities decoded, whitespace collapsed."""
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(html.unescape(text).split())


def _ssml(node: dict[str, Any] | None) -> str | None:
    if not node:
        return None
    return node.get("ssml") if node.get("type") == "SSML" else node.get("text")


def speech_ssml(envelope_: dict[str, Any]) -> str | None:
    return _ssml(envelope_.get("response", {}).get("outputSpeech"))


def speech_text(envelope_: dict[str, Any]) -> str:
    ssml = speech_ssml(envelope_)
    return plain(ssml) if ssml else ""


def reprompt_ssml(envelope_: dict[str, Any]) -> str | None:
    return _ssml((envelope_.get("response", {}).get("reprompt") or {}).get("outputSpeech"))


def reprompt_text(envelope_: dict[str, Any]) -> str:
    ssml = reprompt_ssml(envelope_)
    return plain(ssml) if ssml else ""


def card(envelope_: dict[str, Any]) -> dict[str, Any] | None:
    return envelope_.get("response", {}).get("card")


def session_ends(envelope_: dict[str, Any]) -> bool:
    """What a speaker does after this response: the session ends unless shouldEndSession is false."""
    return envelope_.get("response", {}).get("shouldEndSession") is not False


def break_seconds(ssml: str) -> list[float]:
    """Every <break time="..."/> in seconds."""
    out = []
    for value, unit in re.findall(r'<break\s+time="(\d+(?:\.\d+)?)(ms|s)"\s*/>', ssml):
        out.append(float(value) / (1000 if unit == "ms" else 1))
    return out


def problems(envelope_: dict[str, Any]) -> list[str]:
    """What Alexa (or its certification) would refuse in a response envelope; empty when fine."""
    found: list[str] = []
    try:
        json.dumps(envelope_)
    except (TypeError, ValueError) as exc:
        return [f"not JSON: {exc}"]
    for label, ssml in (("speech", speech_ssml(envelope_)), ("reprompt", reprompt_ssml(envelope_))):
        if ssml is not None:
            found += [f"{label}: {p}" for p in ssml_problems(ssml)]
    response = envelope_.get("response", {})
    if response.get("shouldEndSession") is False:
        if not speech_text(envelope_).endswith("?"):
            found.append(f"open session but the speech does not end with a question: {speech_text(envelope_)!r}")
        if not reprompt_text(envelope_):
            found.append("open session without a reprompt")
    elif response.get("reprompt"):
        found.append("a reprompt on a closing response")
    return found


class Said(dict):
    """A response envelope (still a plain dict, so json.dumps works) with readers for what the user notices."""

    @property
    def speech(self) -> str:
        return speech_text(self)

    @property
    def ssml(self) -> str | None:
        return speech_ssml(self)

    @property
    def reprompt(self) -> str:
        return reprompt_text(self)

    @property
    def card(self) -> dict[str, Any] | None:
        return card(self)

    @property
    def ends(self) -> bool:
        return session_ends(self)

    @property
    def open(self) -> bool:
        return not session_ends(self)

    @property
    def attributes(self) -> dict[str, Any]:
        return self.get("sessionAttributes") or {}

    @property
    def directives(self) -> list[dict[str, Any]]:
        return self.get("response", {}).get("directives") or []

    @property
    def hands_over(self) -> bool:
        """A Connections.SendRequest: Alexa talks to the user, then resumes this session with the answer."""
        return any(d.get("type") == "Connections.SendRequest" for d in self.directives)


# --------------------------------------------------------------------------------------------------- words


class Words:
    """The content's phrases for one locale, normalised like spoken text, for membership assertions."""

    def __init__(self, locale: str = "en-US") -> None:
        self.content: LocaleContent = library().for_locale(locale)

    def variants(self, key: str, **values: Any) -> list[str]:
        return [plain(v.format(**values) if values else v) for v in self.content.variants(key)]

    def one_in(self, key: str, text: str, **values: Any) -> bool:
        """True when some variant of the phrase (filled with values) is part of the text."""
        return any(v in text for v in self.variants(key, **values))

    def ends_with(self, key: str, text: str, **values: Any) -> bool:
        return any(text.endswith(v) for v in self.variants(key, **values))

    def pattern(self, key: str) -> re.Pattern[str]:
        """A regex matching any variant with any values in its {placeholders}."""
        options = []
        for v in self.content.variants(key):
            parts = re.split(r"\{[a-z_]+\}", plain(v))
            options.append("(?:" + ".+?".join(re.escape(p) for p in parts) + ")")
        return re.compile("|".join(options))


# ---------------------------------------------------------------------------------------------- conversation


class Conversation:
    """One user on one speaker talking to the skill, turn after turn.

    Like Alexa: sessionAttributes from each response come back in the next request; after
    shouldEndSession true (or omitted, on a speaker) or a SessionEndedRequest the next request starts a new
    session (new=true, fresh sessionId, no attributes). Every response is checked with ``problems``.
    """

    def __init__(self, send: Send, *, locale: str = "en-US", user_id: str | None = None,
                 device_id: str | None = None, skill_id: str = SKILL_ID, check: bool = True,
                 api_endpoint: str = API_ENDPOINT, api_token: str = API_TOKEN) -> None:
        self.send = send
        self.locale = locale
        self.user_id = user_id or new_id("amzn1.ask.account.")
        self.device_id = device_id or new_id("amzn1.ask.device.")
        self.skill_id = skill_id
        self.check = check
        self.api_endpoint = api_endpoint  # where the skill calls Alexa's services (a local fake in tests)
        self.api_token = api_token
        self.session_id: str | None = None
        self.attributes: dict[str, Any] = {}
        self.new = True
        self.history: list[tuple[dict[str, Any], Said]] = []

    @property
    def in_session(self) -> bool:
        return self.session_id is not None

    def _post(self, req: dict[str, Any], *, end_after: bool = False) -> Said:
        if self.session_id is None:
            self.session_id = new_id("amzn1.echo-api.session.")
            self.attributes = {}
            self.new = True
        event = envelope(req, user_id=self.user_id, device_id=self.device_id, skill_id=self.skill_id,
                         session_id=self.session_id, new=self.new, attributes=self.attributes,
                         api_endpoint=self.api_endpoint, api_token=self.api_token)
        self.new = False
        said = Said(self.send(copy.deepcopy(event)))
        self.history.append((event, said))
        if self.check:
            found = problems(said)
            assert not found, f"bad response to {req.get('intent', {}).get('name') or req['type']}: {found}"
        self.attributes = copy.deepcopy(said.attributes)
        if end_after or (said.ends and not said.hands_over):
            self.end_session()
        return said

    def end_session(self) -> None:
        """The session is over (the user walked away or it closed): the next request starts a new one."""
        self.session_id = None
        self.attributes = {}

    def launch(self) -> Said:
        """"Alexa, open spine coach": always a new session."""
        self.end_session()
        return self._post(launch_request(self.locale))

    def ask(self, intent: str, slots: dict[str, str | None] | None = None, **kwargs: Any) -> Said:
        """An intent, in the open session or (one-shot) in a new one."""
        return self._post(intent_request(intent, slots, locale=self.locale, skill_id=self.skill_id, **kwargs))

    def permission(self, answer: str, **kwargs: Any) -> Said:
        """Alexa comes back after asking the user for a permission (Connections.Response, same session)."""
        return self._post(connections_response(answer, locale=self.locale, **kwargs))

    def ended(self, reason: str = "USER_INITIATED", error: dict[str, str] | None = None) -> Said:
        """Alexa tells the skill the session ended; nothing said can keep it open."""
        return self._post(session_ended_request(self.locale, reason, error), end_after=True)
