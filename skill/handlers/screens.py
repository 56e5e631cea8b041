"""Screens: APL directives for devices that have one (the documents live beside the content)."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput


def has_screen(handler_input: HandlerInput) -> bool:
    system = handler_input.request_envelope.context.system if handler_input.request_envelope.context else None
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None


def directives(handler_input: HandlerInput, view: dict[str, Any]) -> list[Any]:
    """No directive without APL support; the APL rendering itself arrives with the screens work."""
    if not has_screen(handler_input):
        return []
    return []
