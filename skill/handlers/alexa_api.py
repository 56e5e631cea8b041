"""The bridge to Alexa's own services (Reminders API, device settings), through the ASK SDK's service clients.

Why a bridge: every call must be bounded in time (the whole turn answers within about 3 seconds even when a
service never does), and every failure must become one of three things the core can put into words:
``permission`` (401/403: the user has not granted reminders), ``throttled`` (429) or ``unavailable``
(5xx, timeouts, anything else). The HTTP client (and ``requests``) loads on the first real call, so a cold
start that never needs a service never pays for it.
"""

from __future__ import annotations

import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

from skill.core.habits import Plan, Spec, plan_of_rule
from skill.logs import logger

CALL_TIMEOUT = 1.2  # seconds for one call
# All of a turn's calls end by this many seconds after the turn started (the interceptors' clock), so the
# store still has time to save within its own budget (interceptors.STORE_BUDGET, 2.4 s) and the whole turn
# answers within 3 s even when a service never does.
TURN_BUDGET = 2.0
_TIMEOUT: ContextVar[float] = ContextVar("alexa_api_timeout", default=CALL_TIMEOUT)


class LazyApiClient(ApiClient):
    """The skill builder's api client: builds the timed HTTP client on first use."""

    def __init__(self) -> None:
        self._real: ApiClient | None = None

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        if self._real is None:
            from skill.handlers.api_client import TimedApiClient

            self._real = TimedApiClient(_TIMEOUT.get)
        return self._real.invoke(request)


class ServiceFailure(Exception):
    """A service call that did not work, as the user needs to hear it: permission, throttled or unavailable."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def _kind(status: int | None) -> str:
    if status in (401, 403):
        return "permission"
    return "throttled" if status == 429 else "unavailable"


def _patch_sdk_model() -> None:
    """ask-sdk-model's AlertInfo names a module that does not exist (``alert_info_spoken_info``), so reading
    back any reminder with spoken text fails to deserialise. Point that name at the real SpokenInfo module."""
    name = "ask_sdk_model.services.reminder_management.alert_info_spoken_info"
    if name not in sys.modules:
        from ask_sdk_model.services.reminder_management import spoken_info

        sys.modules[name] = spoken_info


class AlexaApi:
    """The Alexa services one turn may call, sharing one time budget."""

    def __init__(self, handler_input: HandlerInput, budget: float = TURN_BUDGET) -> None:
        from skill.handlers.interceptors import STARTED

        self.handler_input = handler_input
        started = handler_input.attributes_manager.request_attributes.get(STARTED)
        # the interceptors time the turn with perf_counter; convert its start to this clock
        elapsed = time.perf_counter() - started if isinstance(started, float) else 0.0
        self.deadline = time.monotonic() - elapsed + budget

    @property
    def available(self) -> bool:
        """False when the request carries no API endpoint or token (then no call is even tried)."""
        system = getattr(self.handler_input.request_envelope.context, "system", None)
        return bool(getattr(system, "api_endpoint", None) and getattr(system, "api_access_token", None)
                    and self.handler_input.service_client_factory is not None)

    def _call(self, what: str, call: Any) -> Any:
        if not self.available:
            raise ServiceFailure("unavailable", "no API endpoint or token in the request")
        left = self.deadline - time.monotonic()
        if left < 0.1:
            raise ServiceFailure("unavailable", f"{what}: no time left in this turn")
        from ask_sdk_model.services import ServiceException

        token = _TIMEOUT.set(min(CALL_TIMEOUT, left))
        try:
            return call()
        except ServiceException as exc:
            kind = _kind(exc.status_code)
            # the SDK reports a transport failure (timeout, refused) as status 500 "Call to service failed";
            # a missing permission is an ordinary answer (the skill then asks), not a fault. The message may
            # quote the URL, which holds the device id: scrubbed like every other log line.
            log = logger().info if kind == "permission" else logger().warning
            log("alexa api %s failed: %s %s", what, exc.status_code, self._scrub(str(exc)[:300]))
            raise ServiceFailure(kind, f"{what}: {exc.status_code}") from exc
        except Exception as exc:  # a malformed answer is as useless as none
            logger().warning("alexa api %s failed: %s", what, type(exc).__name__)
            raise ServiceFailure("unavailable", f"{what}: {type(exc).__name__}") from exc
        finally:
            _TIMEOUT.reset(token)

    def _scrub(self, text: str) -> str:
        from skill.handlers.interceptors import sensitive_values
        from skill.logs import scrub

        return scrub(text, sensitive_values(self.handler_input))

    def time_zone(self) -> str | None:
        """The device's time zone from the settings API, or None when it cannot be read."""
        system = self.handler_input.request_envelope.context.system
        device_id = getattr(getattr(system, "device", None), "device_id", None)
        if not device_id:
            return None
        try:
            zone = self._call("time zone", lambda: self.handler_input.service_client_factory.get_ups_service()
                              .get_system_time_zone(device_id))
        except ServiceFailure:
            return None
        return zone if isinstance(zone, str) and "/" in zone else None

    def _reminders(self) -> Any:
        return self.handler_input.service_client_factory.get_reminder_management_service()

    def create(self, spec: Spec) -> str:
        """Create the reminder; returns its alert token."""
        from ask_sdk_model.services.reminder_management import (
            AlertInfo,
            PushNotification,
            PushNotificationStatus,
            Recurrence,
            ReminderRequest,
            SpokenInfo,
            SpokenText,
            Trigger,
            TriggerType,
        )

        recurrence = Recurrence(start_date_time=spec.start, recurrence_rules=[spec.rule]) if spec.rule else None
        request = ReminderRequest(
            request_time=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
            trigger=Trigger(object_type=TriggerType.SCHEDULED_ABSOLUTE, scheduled_time=spec.start,
                            time_zone_id=spec.zone, recurrence=recurrence),
            alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(locale=spec.locale, text=spec.text)])),
            push_notification=PushNotification(status=PushNotificationStatus.ENABLED))
        response = self._call("create reminder", lambda: self._reminders().create_reminder(request))
        return str(getattr(response, "alert_token", "") or "")

    def list(self) -> list[tuple[str, Plan]]:
        """This skill's active reminders, as (alert token, plan)."""
        _patch_sdk_model()
        response = self._call("list reminders", lambda: self._reminders().get_reminders())
        found = []
        for alert in getattr(response, "alerts", None) or []:
            if getattr(getattr(alert, "status", None), "value", "ON") == "COMPLETED":
                continue
            trigger = getattr(alert, "trigger", None)
            recurrence = getattr(trigger, "recurrence", None)
            rules = getattr(recurrence, "recurrence_rules", None) or []
            start = getattr(recurrence, "start_date_time", None) or getattr(trigger, "scheduled_time", None)
            plan = plan_of_rule(rules[0] if rules else None, start.isoformat() if start is not None else None)
            if plan is not None and getattr(alert, "alert_token", None):
                found.append((str(alert.alert_token), plan))
        return found

    def delete(self, alert_token: str) -> None:
        self._call("delete reminder", lambda: self._reminders().delete_reminder(alert_token))
