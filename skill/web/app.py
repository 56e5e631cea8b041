"""The Flask app factory: the skill as a web service for the dev server and self-hosting.

A few lines around ``skill.entry.handle_event``: the same skill object as Lambda answers. With a
``RequestVerifier`` every request is checked as Alexa requires of web-service skills.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.skill import CustomSkill
from flask import Flask, Response, jsonify, request

from skill.entry import BadRequest, WrongSkill, handle_event
from skill.logs import logger
from skill.web.verification import load_json

MAX_BODY = 128 * 1024  # Alexa requests are a few KB; anything near this is not from Alexa


def create_app(skill: CustomSkill | None = None, verifier: Any | None = None) -> Flask:
    """Build the app. ``skill`` defaults to the process-wide one; ``verifier`` checks signatures."""
    if skill is None:
        from skill.assembly import get_skill

        skill = get_skill()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["spine_coach_skill"] = skill

    def error(status: int, message: str) -> tuple[Response, int]:
        return jsonify({"error": message}), status

    @app.get("/")
    def status() -> Response:
        about: dict[str, Any] = {"status": "ok", "skill": "Spine Coach", "verify": verifier is not None}
        if verifier is None:  # a verifying (public) server does not advertise the dev-only simulator
            about["simulator"] = "/simulator"
        return jsonify(about)

    @app.post("/")
    def alexa() -> tuple[Response, int] | Response:
        body = _read_body()
        if body is None:
            return too_large(None)
        if verifier is not None:
            from skill.web.verification import VerificationError

            try:
                verifier.verify(request.headers, body)
            except VerificationError as exc:
                logger().warning("refused an unverified request: %s", exc.reason)
                return error(exc.status, exc.reason)
        try:
            event = load_json(body)
        except ValueError as exc:  # UnicodeDecodeError and nesting too deep for the ASK SDK included
            return error(400, f"the body is not valid JSON: {exc}")
        try:
            return jsonify(handle_event(event, None, skill))
        except BadRequest as exc:
            return error(400, str(exc))
        except WrongSkill as exc:
            return error(403, str(exc))

    @app.errorhandler(413)
    def too_large(_: Exception | None) -> tuple[Response, int]:
        return error(413, f"the body is larger than {MAX_BODY} bytes")

    @app.errorhandler(405)
    def wrong_method(_: Exception) -> tuple[Response, int]:
        return error(405, "POST an Alexa request envelope to /")

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[Response, int]:
        return error(404, "not found: POST Alexa requests to /")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        logger().error("unexpected server error", exc_info=exc)
        return error(500, "internal error")

    if verifier is None:  # the simulator talks to the skill unsigned: never on a verified, public server
        _add_simulator(app)
    return app


def _read_body() -> bytes | None:
    """The raw body, or None when it is over MAX_BODY. Read by hand because a chunked body has no
    Content-Length for Flask's MAX_CONTENT_LENGTH to refuse: it would be cut at the limit, not refused."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    stream = request.environ.get("wsgi.input")
    if request.content_length is None and stream is not None and request.environ.get("wsgi.input_terminated"):
        data = bytearray()
        while len(data) <= MAX_BODY:
            chunk = stream.read(MAX_BODY + 1 - len(data))
            if not chunk:
                break
            data += chunk
        return None if len(data) > MAX_BODY else bytes(data)
    return request.get_data(cache=True)


def verified_app() -> Flask:
    """The production web service: every request verified as Alexa requires (signature, certificate chain,
    timestamp, skill id). For a WSGI server: gunicorn 'skill.web.app:verified_app()'.

    Refuses to start without SPINE_COACH_SKILL_ID (SPINE_COACH_ALLOW_ANY_SKILL=1 is the explicit opt-out)."""
    from skill.web.verification import RequestVerifier, skill_id_from_environment

    try:
        skill_id, any_skill = skill_id_from_environment()
    except ValueError as exc:
        logger().error("%s", exc)
        raise RuntimeError(str(exc)) from None
    if any_skill and skill_id is None:
        logger().warning("accepting every skill's requests (SPINE_COACH_ALLOW_ANY_SKILL): not for production")
    return create_app(verifier=RequestVerifier(skill_id=skill_id, any_skill=any_skill))


def _add_simulator(app: Flask) -> None:
    """The browser simulator, when its module is present (it is dev-only and not in the Lambda zip)."""
    try:
        from skill.web import simulator_page
    except ImportError:
        return
    simulator_page.register(app)
