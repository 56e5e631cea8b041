"""The key a user's progress is stored under: the Alexa userId, as the ASK SDK's own adapters use."""

from __future__ import annotations

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope


def user_id_of(request_envelope: RequestEnvelope) -> str | None:
    """The Alexa userId: from context.System, or from the session when a request carries no context user."""
    system = request_envelope.context.system if request_envelope.context else None
    user = (system.user if system else None) or (
        request_envelope.session.user if request_envelope.session else None)
    return getattr(user, "user_id", None)


def user_key(request_envelope: RequestEnvelope) -> str:
    user_id = user_id_of(request_envelope)
    if not user_id:
        raise PersistenceException("request has no user id to store progress under")
    return user_id
