"""The one Spine Coach skill object, built in one place for every door (Lambda, Flask, simulator)."""

from __future__ import annotations

import os
from functools import cache

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.handlers import asking, fulfil, habits, help, interceptors, stretching, touch
from skill.handlers.alexa_api import LazyApiClient
from skill.persistence import adapter_from_url, store_url

SKILL_ID_ENV = "SPINE_COACH_SKILL_ID"


def build_skill(store: str | None = None, skill_id: str | None = None) -> CustomSkill:
    """Assemble handlers, interceptors and the store. Order matters: safety first, fallback last."""
    # The api client reaches Alexa's services (reminders, device settings); it loads requests on first use.
    builder = CustomSkillBuilder(persistence_adapter=adapter_from_url(store or store_url()), api_client=LazyApiClient())
    builder.skill_id = skill_id if skill_id is not None else (os.environ.get(SKILL_ID_ENV) or None)
    for handler in (*fulfil.HANDLERS, *stretching.HANDLERS, *asking.HANDLERS, *habits.HANDLERS, *touch.HANDLERS,
                    *help.HANDLERS, *help.LAST_RESORT):
        builder.add_request_handler(handler)
    built: list[CustomSkill] = []  # the interceptors ask the skill for its store, so a swapped store is seen

    def store_of() -> AbstractPersistenceAdapter | None:
        return built[0].persistence_adapter if built else None

    for request_interceptor in interceptors.request_interceptors(store_of):
        builder.add_global_request_interceptor(request_interceptor)
    for response_interceptor in interceptors.response_interceptors(store_of):
        builder.add_global_response_interceptor(response_interceptor)
    builder.add_exception_handler(help.ErrorHandler())
    built.append(builder.create())
    return built[0]


@cache
def get_skill() -> CustomSkill:
    """The process-wide skill, configured from the environment (SPINE_COACH_STORE, SPINE_COACH_SKILL_ID)."""
    return build_skill()
