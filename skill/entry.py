"""One way in for a request envelope as JSON, shared by Lambda, the Flask server and the simulator."""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope


class BadRequest(ValueError):
    """The envelope cannot be read as an Alexa request; the message says why (for a 400 body)."""


class WrongSkill(PermissionError):
    """The request is for another skill id (for a 403)."""


def parse_envelope(skill: CustomSkill, event: Any) -> RequestEnvelope:
    """Deserialise with the ASK SDK's own serializer, refusing what it cannot make a request of."""
    if not isinstance(event, dict):
        raise BadRequest("the body must be a JSON object (an Alexa request envelope)")
    try:
        envelope = skill.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    except Exception as exc:
        raise BadRequest(f"not an Alexa request envelope: {exc}") from None
    if envelope is None or envelope.request is None or not envelope.request.object_type:
        raise BadRequest("the envelope has no request")
    if envelope.context is None or envelope.context.system is None:
        raise BadRequest("the envelope has no context.System")
    return envelope


def handle_event(event: Any, context: Any = None, skill: CustomSkill | None = None) -> dict[str, Any]:
    """Envelope dict in, response envelope dict out, through the one skill object."""
    if skill is None:
        from skill.assembly import get_skill

        skill = get_skill()
    envelope = parse_envelope(skill, event)
    application = envelope.context.system.application
    if skill.skill_id and (application is None or application.application_id != skill.skill_id):
        raise WrongSkill("this endpoint serves another skill")
    try:
        response = skill.invoke(request_envelope=envelope, context=context)
    except AskSdkException as exc:  # no handler at all, or the SDK's own skill-id check
        raise WrongSkill(str(exc)) from None
    return skill.serializer.serialize(response)
