"""CanFulfillIntentRequest: Alexa asks whether Spine Coach could answer an intent before anyone hears anything.

This is name-free interaction ("Alexa, why does my back crack?" without saying "spine coach"). The answer is
a verdict and nothing else: no speech, no card, no session change, and no write to the store (Amazon: the
skill "must not cause any observable interactions or make any changes in state"). Alexa may ask this for
people who never opened the skill, so nothing about them may be remembered either.

Verdicts: YES for every topic intent, and for starting a routine or a stretch the content knows; MAYBE for
help (we can help, but a better-suited skill may exist) and for a stretch without a name (we would have to
ask which one); NO for everything else, including navigation that only makes sense inside a routine and
names of routines or stretches we don't have.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)

from skill.core.content import LocaleContent, library
from skill.handlers.turn import CONTENT, SpineHandler

YES, NO, MAYBE = CanFulfillIntentValues.YES, CanFulfillIntentValues.NO, CanFulfillIntentValues.MAYBE
# Intents that name a routine or a stretch: slot name, the kind LocaleContent.find looks up, and the verdict
# when the slot is empty ("guide my stretches" starts the quick routine; a nameless stretch needs a question).
NAMED: dict[str, tuple[str, str, CanFulfillIntentValues]] = {
    "StartRoutineIntent": ("Routine", "routine", YES),
    "StretchIntent": ("Stretch", "stretch", MAYBE),
}
MAYBE_INTENTS = frozenset({"AMAZON.HelpIntent"})


def slot_value(slot: Any) -> str | None:
    """The entity-resolved id when Alexa matched one, else the spoken words; None when the slot is empty."""
    if slot is None:
        return None
    for authority in getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None) or []:
        code = getattr(getattr(getattr(authority, "status", None), "code", None), "value", None)
        values = getattr(authority, "values", None)
        if code == "ER_SUCCESS_MATCH" and values:
            value = getattr(values[0], "value", None)
            resolved = getattr(value, "id", None) or getattr(value, "name", None)
            if isinstance(resolved, str) and resolved.strip():
                return resolved
    value = getattr(slot, "value", None)
    return value if isinstance(value, str) and value.strip() else None


def _slot(understood: bool) -> CanFulfillSlot:
    if understood:
        return CanFulfillSlot(can_understand=CanUnderstandSlotValues.YES, can_fulfill=CanFulfillSlotValues.YES)
    return CanFulfillSlot(can_understand=CanUnderstandSlotValues.NO, can_fulfill=CanFulfillSlotValues.NO)


def verdict(content: LocaleContent, intent: Any) -> CanFulfillIntent:
    """Whether this locale's content can answer the intent, with a verdict for each filled slot."""
    name = getattr(intent, "name", None)
    raw_slots = getattr(intent, "slots", None)
    filled = {key: value for key, value in (raw_slots.items() if isinstance(raw_slots, dict) else [])
              if isinstance(key, str) and slot_value(value) is not None}
    if not isinstance(name, str):
        return CanFulfillIntent(can_fulfill=NO)
    if name in NAMED:
        slot_name, kind, when_empty = NAMED[name]
        slots = {key: _slot(False) for key in filled if key != slot_name}
        spoken = slot_value(filled.get(slot_name))
        if spoken is None:
            return CanFulfillIntent(can_fulfill=NO if slots else when_empty, slots=slots or None)
        known = content.find(kind, spoken) is not None
        slots[slot_name] = _slot(known)
        return CanFulfillIntent(can_fulfill=YES if known and len(slots) == 1 else NO, slots=slots)
    if name in content.topics_by_intent or name in MAYBE_INTENTS:
        # These intents take no slots; one we never declared is something we cannot honour.
        slots = {key: _slot(False) for key in filled}
        answer = YES if name in content.topics_by_intent else MAYBE
        return CanFulfillIntent(can_fulfill=NO if slots else answer, slots=slots or None)
    return CanFulfillIntent(can_fulfill=NO, slots={key: _slot(False) for key in filled} or None)


class CanFulfillHandler(SpineHandler):
    """Answers CanFulfillIntentRequest with a verdict only: no speech, nothing remembered."""

    request_types = ("CanFulfillIntentRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        attributes = handler_input.attributes_manager.request_attributes
        content = attributes.get(CONTENT) or library().for_locale(getattr(request, "locale", None))
        builder = handler_input.response_builder
        builder.set_can_fulfill_intent(verdict(content, getattr(request, "intent", None)))
        return builder.response


HANDLERS = (CanFulfillHandler(),)
