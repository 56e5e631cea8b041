"""Request envelopes exactly as Alexa sends them, for the offline simulator and tests.

Why: the skill should be exercised through the same JSON a device produces (session bookkeeping, context,
supportedInterfaces, APL viewport), so that what works offline works on Alexa. Every envelope built here
deserialises into a typed ask_sdk_model.RequestEnvelope (tests/test_envelopes.py checks each kind).

Session rule (kept simple on purpose, mirroring ALEXA_RULES.md): after a response, the session stays open when
shouldEndSession is false; it closes when it is true; when it is omitted it closes on a speaker and stays open on
a device with a screen. The next request after a close starts a new session (new=true, fresh sessionId, no
attributes), like a user invoking the skill again.

Dev-only; stdlib only.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

DEFAULT_SKILL_ID = "amzn1.ask.skill.spine-coach-local"
APL_MAX_VERSION = "2023.3"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

#: Alexa serves each region from its own API endpoint; locales map to them as on the real service.
_API_ENDPOINTS = {
    "en-US": "https://api.amazonalexa.com", "en-CA": "https://api.amazonalexa.com",
    "es-MX": "https://api.amazonalexa.com", "es-US": "https://api.amazonalexa.com",
    "en-GB": "https://api.eu.amazonalexa.com", "en-IN": "https://api.eu.amazonalexa.com",
    "es-ES": "https://api.eu.amazonalexa.com", "en-AU": "https://api.fe.amazonalexa.com",
}

#: An Echo Show-like landscape screen.
_VIEWPORT: dict[str, Any] = {
    "experiences": [{"arcMinuteWidth": 246, "arcMinuteHeight": 144, "canRotate": False, "canResize": False}],
    "mode": "HUB",
    "shape": "RECTANGLE",
    "pixelWidth": 1280,
    "pixelHeight": 800,
    "dpi": 213,
    "currentPixelWidth": 1280,
    "currentPixelHeight": 800,
    "touch": ["SINGLE"],
    "keyboard": [],
    "video": {"codecs": ["H_264_42", "H_264_41"]},
}


def _random_id(prefix: str, length: int = 96) -> str:
    """Real Alexa ids are an "amzn1..." prefix plus a long upper-case token; tests only need the look."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def _now() -> str:
    return datetime.now(UTC).strftime(TIMESTAMP_FORMAT)


class Conversation:
    """One user on one device talking to the skill: builds each request and carries the session between turns.

    Feed every response envelope back through absorb() so that session attributes and the open/closed state
    follow what the skill said.
    """

    def __init__(
        self,
        locale: str = "en-US",
        *,
        user_id: str | None = None,
        device_id: str | None = None,
        skill_id: str = DEFAULT_SKILL_ID,
        screen: bool = False,
        api_access_token: str | None = None,
        api_endpoint: str | None = None,
    ) -> None:
        self.locale = locale
        self.user_id = user_id or _random_id("amzn1.ask.account.")
        self.device_id = device_id or _random_id("amzn1.ask.device.")
        self.skill_id = skill_id
        self.screen = screen
        self.api_access_token = api_access_token or f"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{secrets.token_urlsafe(48)}"
        self.api_endpoint = api_endpoint  # None: Alexa's regional endpoint for the locale (a local fake otherwise)
        self.attributes: dict[str, Any] = {}
        self.session_id = ""
        self.new = True
        self.open = False
        self.apl_token: str | None = None
        self.last_response: dict[str, Any] | None = None

    # ---- session bookkeeping ------------------------------------------------------------------------------
    def _begin_turn(self) -> dict[str, Any]:
        """Start a new session if the last one closed; return the session object for this request."""
        if not self.open:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
            self.new = True
            self.open = True
            self.apl_token = None
        session = {
            "new": self.new,
            "sessionId": self.session_id,
            "application": {"applicationId": self.skill_id},
            "attributes": copy.deepcopy(self.attributes),
            "user": {"userId": self.user_id},
        }
        self.new = False
        return session

    def absorb(self, response_envelope: dict[str, Any]) -> None:
        """Take the skill's reply: keep its sessionAttributes and decide whether the session stays open."""
        self.last_response = response_envelope
        self.attributes = copy.deepcopy(response_envelope.get("sessionAttributes") or {})
        response = response_envelope.get("response") or {}
        for directive in response.get("directives") or []:
            if directive.get("type") == "Alexa.Presentation.APL.RenderDocument":
                self.apl_token = directive.get("token")
        end = response.get("shouldEndSession")
        if any(d.get("type") == "Connections.SendRequest" for d in response.get("directives") or []):
            pass  # Alexa asks the user (a permission, say) and resumes this session with Connections.Response
        elif end is None:
            self.open = self.open and self.screen
        else:
            self.open = self.open and not end
        if not self.open:
            self.attributes = {}

    def close(self) -> None:
        """Forget the session (as when the user walks away): the next request is a new session."""
        self.open = False
        self.attributes = {}

    # ---- envelope parts -----------------------------------------------------------------------------------
    def _context(self) -> dict[str, Any]:
        interfaces: dict[str, Any] = {}
        if self.screen:
            interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": APL_MAX_VERSION}}
        context: dict[str, Any] = {
            "System": {
                "application": {"applicationId": self.skill_id},
                "user": {"userId": self.user_id},
                "device": {"deviceId": self.device_id, "supportedInterfaces": interfaces},
                "apiEndpoint": self.api_endpoint or _API_ENDPOINTS.get(self.locale, "https://api.amazonalexa.com"),
                "apiAccessToken": self.api_access_token,
            }
        }
        if self.screen:
            context["Viewport"] = copy.deepcopy(_VIEWPORT)
            if self.apl_token:
                context["Alexa.Presentation.APL"] = {
                    "token": self.apl_token, "version": "AriaRuntimeLibrary-2023.3", "componentsVisibleOnScreen": [],
                }
        return context

    def _request(self, request_type: str, **fields: Any) -> dict[str, Any]:
        return {
            "type": request_type,
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": _now(),
            "locale": self.locale,
            **fields,
        }

    def _envelope(self, request: dict[str, Any]) -> dict[str, Any]:
        session = self._begin_turn()
        return {"version": "1.0", "session": session, "context": self._context(), "request": request}

    # ---- requests -----------------------------------------------------------------------------------------
    def launch(self) -> dict[str, Any]:
        """"Alexa, open spine coach". Always a fresh session, as on a device."""
        self.open = False
        return self._envelope(self._request("LaunchRequest", shouldLinkResultBeReturned=False))

    def intent(
        self, name: str, slots_json: dict[str, Any] | None = None, confirmation: str = "NONE"
    ) -> dict[str, Any]:
        """An IntentRequest; slots_json is the `intent.slots` object (see nlu.slots_to_request)."""
        intent: dict[str, Any] = {"name": name, "confirmationStatus": confirmation}
        if slots_json:
            intent["slots"] = copy.deepcopy(slots_json)
        return self._envelope(self._request("IntentRequest", dialogState="COMPLETED", intent=intent))

    def session_ended(self, reason: str = "USER_INITIATED", error: dict[str, Any] | None = None) -> dict[str, Any]:
        """SessionEndedRequest (USER_INITIATED, ERROR with error {type, message}, EXCEEDED_MAX_REPROMPTS).

        The session is closed afterwards: nothing the skill replies can keep it open.
        """
        fields: dict[str, Any] = {"reason": reason}
        if error is not None:
            fields["error"] = error
        envelope = self._envelope(self._request("SessionEndedRequest", **fields))
        self.close()
        return envelope

    def connections_response(self, answer: str, token: str, code: str = "200",
                             name: str = "AskFor") -> dict[str, Any]:
        """Alexa resumes the session after our Connections.SendRequest: the user's ACCEPTED, DENIED or
        NOT_ANSWERED (status code 200), or another code when the request itself failed."""
        return self._envelope(self._request(
            "Connections.Response", name=name, token=token,
            status={"code": code, "message": "OK" if code == "200" else "request failed"},
            payload={"permissionScope": "alexa::alerts:reminders:skill:readwrite", "status": answer},
        ))

    def apl_user_event(
        self, arguments: list[Any], token: str | None = None, source_id: str = "simulatorButton"
    ) -> dict[str, Any]:
        """A touch on an APL document (SendEvent). token defaults to the last rendered document's token."""
        return self._envelope(self._request(
            "Alexa.Presentation.APL.UserEvent",
            token=token if token is not None else (self.apl_token or ""),
            arguments=list(arguments),
            source={"type": "TouchWrapper", "handler": "Press", "id": source_id},
            components={},
        ))
