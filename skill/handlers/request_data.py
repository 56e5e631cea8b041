"""What every request carries for the handlers, and what it says about the device, in one place below both the
response builder (``turn``) and the screens, so neither has to import the other to know it."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput

CONTENT = "content"
STATE = "state"
REPLY = "reply"  # the core's answer to this request, for the response interceptors


def session_of(handler_input: HandlerInput) -> dict[str, Any]:
    """The session attributes, or a throwaway dict for requests that come without a session
    (CanFulfillIntentRequest may), where the SDK would raise instead."""
    if handler_input.request_envelope.session is None:
        return {}
    return handler_input.attributes_manager.session_attributes


def apl_interface(handler_input: HandlerInput) -> Any | None:
    """The device's Alexa.Presentation.APL interface (with its runtime version), or None without a screen."""
    context = handler_input.request_envelope.context
    system = context.system if context else None
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None)


def has_screen(handler_input: HandlerInput) -> bool:
    """Only devices that list Alexa.Presentation.APL may get a RenderDocument (others reject the response)."""
    return apl_interface(handler_input) is not None
