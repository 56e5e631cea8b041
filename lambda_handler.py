"""AWS Lambda entry point: ``lambda_handler.handler``. Only the skill's runtime path is imported here."""

from __future__ import annotations

from typing import Any

from skill.assembly import get_skill
from skill.entry import BadRequest, handle_event
from skill.logs import logger

SKILL = get_skill()  # built at init, so SnapStart snapshots it and warm calls reuse it

try:  # only in Lambda's managed runtimes: environments restored from one snapshot must not share
    from snapshot_restore_py import register_after_restore  # the random state that picks phrase variants
except ImportError:
    pass
else:
    import random

    register_after_restore(random.seed)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Alexa request. A malformed event is logged and refused (Alexa never sends one)."""
    try:
        return handle_event(event, context, SKILL)
    except BadRequest as exc:
        logger().error("refused a malformed event: %s", exc)
        raise
