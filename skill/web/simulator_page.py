"""The browser simulator at /simulator: type or speak to the skill and see everything Alexa would do with it.

Why a page besides the chat: content editors hear the reply (speechSynthesis), see the card and an approximation
of the screen, and can inspect the raw request and response JSON without a terminal. The page is plain HTML and
JS served from skill/web/static (no CDN, no build step); every turn is one POST to the JSON API below, which
drives skill.simulator.session.OfflineSession, the same path as ``python -m skill chat`` and the dialog scripts.

API (all JSON):
  GET  /simulator/api/locales   -> {"locales": [...], "default": "en-US"}
  POST /simulator/api/turn      {"session_id"?, "user_id"?, "locale"?, "screen"?, and one of
                                 "utterance": str | "launch": true | "end": true | "new": true | "touch": [args]
                                 | "permission": "grant" | "refuse"}
                                -> {"session_id", "user_id", "session_open", "reminders": [...], "exchange": null
                                    or {"utterance", "resolution", "request", "response", "speech_text",
                                     "reprompt_text", "card", "session_attributes", "apl", "screen",
                                     "asks_permission"}}
"permission" answers Alexa's reminders permission question when the skill asked one (else it grants or revokes
the permission, as the Alexa app would); "reminders" are those the session's local fake Alexa API holds.
Sessions live in this process's memory, keyed by a random id, at most MAX_SESSIONS (the least recently used is
dropped). The page talks to the skill without Alexa's request signatures, so a server others can reach should
leave it out: SPINE_COACH_SIMULATOR=0. Dev-only: the Lambda package never contains this module.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, send_file

from skill.simulator.session import EXIT_WORDS, Exchange, OfflineSession, locales

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE = STATIC_DIR / "simulator.html"
SCRIPT = STATIC_DIR / "simulator.js"
MAX_SESSIONS = 100
MAX_UTTERANCE = 500  # characters; a spoken request is a sentence, not a page
SKILL_EXTENSION = "spine_coach_skill"  # where create_app keeps the skill object
ENABLE_ENV = "SPINE_COACH_SIMULATOR"


class _Sessions:
    """Offline sessions by id, bounded so a long-running dev server cannot grow without limit."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self.limit = limit
        self._items: OrderedDict[str, OfflineSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> OfflineSession | None:
        with self._lock:
            found = self._items.get(session_id or "")
            if found is not None:
                self._items.move_to_end(session_id or "")
            return found

    def add(self, offline: OfflineSession) -> str:
        session_id = secrets.token_urlsafe(16)
        with self._lock:
            self._items[session_id] = offline
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return session_id

    def __len__(self) -> int:
        return len(self._items)


def exchange_json(exchange: Exchange | None) -> dict[str, Any] | None:
    """Everything the page shows about one exchange."""
    if exchange is None:
        return None
    resolution = exchange.resolution
    return {
        "kind": exchange.kind,
        "utterance": exchange.utterance,
        "intent": exchange.intent,
        "slots": exchange.slots,
        "resolution": None if resolution is None else {
            "intent": resolution.intent, "confidence": resolution.confidence, "sample": resolution.sample,
            "slots": {name: {"value": s.value, "id": s.resolved_id, "name": s.resolved_name}
                      for name, s in resolution.slots.items()},
            "nearest": resolution.nearest, "invoked": resolution.invoked,
        },
        "request": exchange.request,
        "response": exchange.response,
        "speech_text": exchange.speech_text,
        "reprompt_text": exchange.reprompt_text,
        "card": exchange.card,
        "session_attributes": exchange.session_attributes,
        "session_open": exchange.session_open,
        "apl": exchange.apl,
        "screen": exchange.screen,
        "asks_permission": exchange.asks_permission,
    }


def _bad(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def blueprint(limit: int = MAX_SESSIONS) -> Blueprint:
    """The page and its API; each registration keeps its own sessions (one app, one set)."""
    bp = Blueprint("simulator", __name__, url_prefix="/simulator")
    sessions = _Sessions(limit)
    # One turn at a time: an OfflineSession (like a device) is not built for two requests at once, and a dev
    # server's simulator has one person typing.
    turn_lock = threading.Lock()
    bp.sessions = sessions  # type: ignore[attr-defined]  # tests look at the bound

    @bp.get("")
    @bp.get("/")
    def page() -> Response:
        response = send_file(PAGE, mimetype="text/html", max_age=0)
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/simulator.js")
    def script() -> Response:
        response = send_file(SCRIPT, mimetype="text/javascript", max_age=0)
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/api/locales")
    def api_locales() -> Response:
        return jsonify({"locales": locales(), "default": "en-US"})

    @bp.post("/api/turn")
    def api_turn() -> tuple[Response, int] | Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _bad("send a JSON object")
        with turn_lock:
            return _turn(body)

    def _turn(body: dict[str, Any]) -> tuple[Response, int] | Response:
        locale = str(body.get("locale") or "en-US")
        if locale not in locales():
            return _bad(f"unknown locale {locale!r}; choose from {locales()}")
        screen = bool(body.get("screen"))
        offline = sessions.get(body.get("session_id"))
        session_id = str(body.get("session_id") or "")
        if offline is None:
            user_id = body.get("user_id")
            user_id = str(user_id) if isinstance(user_id, str) and user_id.startswith("amzn1.ask.account.") else None
            offline = OfflineSession(current_app.extensions[SKILL_EXTENSION], locale=locale, user_id=user_id,
                                     screen=screen)
            session_id = sessions.add(offline)
        offline.locale = locale
        offline.screen = screen
        exchange: Exchange | None
        if body.get("launch"):
            exchange = offline.launch()
        elif body.get("end"):
            exchange = offline.end()
        elif body.get("new"):
            exchange = offline.new()
        elif body.get("permission") in ("grant", "refuse"):
            exchange = offline.permission(body["permission"] == "grant")
        elif isinstance(body.get("touch"), list) and body["touch"]:
            exchange = offline.touch([str(a) for a in body["touch"]][:5])
        elif isinstance(body.get("utterance"), str) and body["utterance"].strip():
            utterance = body["utterance"].strip()[:MAX_UTTERANCE]
            if utterance.lower().strip(".!") in EXIT_WORDS and not offline.open:
                exchange = None
            else:
                exchange = offline.say(utterance)
        else:
            return _bad("say something: utterance, launch, end, new, touch or permission")
        return jsonify({"session_id": session_id, "user_id": offline.user_id, "session_open": offline.open,
                        "reminders": offline.reminders(), "exchange": exchange_json(exchange)})

    return bp


def enabled() -> bool:
    """SPINE_COACH_SIMULATOR=0 leaves the page out (a server reachable by others should not offer it)."""
    return os.environ.get(ENABLE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def register(app: Flask) -> None:
    """Called by skill.web.app.create_app. The app's skill must be in app.extensions["spine_coach_skill"]."""
    if enabled():
        app.register_blueprint(blueprint())
