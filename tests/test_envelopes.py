"""Request envelopes: the ASK SDK reads them as real Alexa requests, and the session behaves like on a device."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import IntentRequest, LaunchRequest, RequestEnvelope, SessionEndedRequest
from ask_sdk_model.interfaces.alexa.presentation.apl import UserEvent

from skill.simulator.envelopes import DEFAULT_SKILL_ID, Conversation
from skill.simulator.nlu import Understander, slots_to_request
from tests.test_nlu import en_model

SERIALIZER = DefaultSerializer()


def typed(envelope: dict) -> RequestEnvelope:
    return SERIALIZER.deserialize(json.dumps(envelope), RequestEnvelope)


def test_launch_is_a_new_session_with_real_looking_ids():
    conv = Conversation("en-GB")
    env = conv.launch()
    parsed = typed(env)
    assert isinstance(parsed.request, LaunchRequest)
    assert parsed.version == "1.0"
    assert parsed.session.new is True
    assert parsed.session.application.application_id == DEFAULT_SKILL_ID
    assert parsed.session.user.user_id.startswith("amzn1.ask.account.")
    assert parsed.context.system.device.device_id.startswith("amzn1.ask.device.")
    assert parsed.context.system.user.user_id == parsed.session.user.user_id
    assert parsed.context.system.api_endpoint == "https://api.eu.amazonalexa.com"
    assert parsed.context.system.api_access_token
    assert parsed.request.locale == "en-GB"
    assert env["request"]["requestId"].startswith("amzn1.echo-api.request.")
    assert env["session"]["sessionId"].startswith("amzn1.echo-api.session.")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", env["request"]["timestamp"])
    stamp = datetime.strptime(env["request"]["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=5)
    assert parsed.context.viewport is None
    assert env["context"]["System"]["device"]["supportedInterfaces"] == {}


def test_intent_request_carries_slots_from_the_nlu():
    model = en_model()
    res = Understander.from_model(model, "en-US").resolve("why does my lumbar spine crack")
    conv = Conversation("en-US")
    env = conv.intent(res.intent, slots_to_request(res, model, skill_id=conv.skill_id))
    parsed = typed(env)
    assert isinstance(parsed.request, IntentRequest)
    assert parsed.request.dialog_state.value == "COMPLETED"
    assert parsed.request.intent.name == "WhyCrackIntent"
    assert parsed.request.intent.confirmation_status.value == "NONE"
    slot = parsed.request.intent.slots["BodyPart"]
    assert slot.value == "lumbar spine"
    authority = slot.resolutions.resolutions_per_authority[0]
    assert authority.status.code.value == "ER_SUCCESS_MATCH"
    assert authority.values[0].value.id == "LOWER_BACK"
    assert authority.values[0].value.name == "lower back"
    assert authority.authority.endswith(f"{DEFAULT_SKILL_ID}.BodyPartType")


def test_intent_without_slots_and_unfilled_slots_deserialise():
    model = en_model()
    und = Understander.from_model(model, "en-US")
    conv = Conversation("en-US")
    assert "slots" not in conv.intent("AMAZON.HelpIntent")["request"]["intent"]
    res = und.resolve("start a 5 minute routine")
    parsed = typed(conv.intent(res.intent, slots_to_request(res, model)))
    assert parsed.request.intent.slots["Routine"].value is None
    assert parsed.request.intent.slots["Minutes"].value == "5"
    confirmed = typed(conv.intent("AMAZON.YesIntent", confirmation="CONFIRMED"))
    assert confirmed.request.intent.confirmation_status.value == "CONFIRMED"


@pytest.mark.parametrize(("reason", "error"), [
    ("USER_INITIATED", None),
    ("EXCEEDED_MAX_REPROMPTS", None),
    ("ERROR", {"type": "INVALID_RESPONSE", "message": "bad SSML"}),
])
def test_session_ended_deserialises_and_closes(reason, error):
    conv = Conversation("es-MX")
    conv.launch()
    conv.absorb({"version": "1.0", "sessionAttributes": {"step": 1}, "response": {"shouldEndSession": False}})
    env = conv.session_ended(reason, error)
    parsed = typed(env)
    assert isinstance(parsed.request, SessionEndedRequest)
    assert parsed.request.reason.value == reason
    if error:
        assert parsed.request.error.object_type.value == "INVALID_RESPONSE"
        assert parsed.request.error.message == "bad SSML"
    assert env["session"]["attributes"] == {"step": 1}
    assert typed(conv.intent("AMAZON.HelpIntent")).session.new is True


def test_screen_device_advertises_apl_and_viewport():
    conv = Conversation("en-US", screen=True)
    env = conv.launch()
    parsed = typed(env)
    apl = parsed.context.system.device.supported_interfaces.alexa_presentation_apl
    assert apl.runtime.max_version == "2023.3"
    assert parsed.context.viewport.pixel_width > 0
    assert parsed.context.viewport.shape.value == "RECTANGLE"


def test_apl_user_event_uses_the_rendered_document_token():
    conv = Conversation("en-US", screen=True)
    conv.launch()
    conv.absorb({"version": "1.0", "response": {"directives": [
        {"type": "Alexa.Presentation.APL.RenderDocument", "token": "routineScreen", "document": {}},
    ]}})
    env = conv.apl_user_event(["next", 2], token="routineScreen")
    parsed = typed(env)
    assert isinstance(parsed.request, UserEvent)
    assert parsed.request.arguments == ["next", 2]
    assert parsed.request.token == "routineScreen"
    assert parsed.session.new is False
    assert parsed.context.alexa_presentation_apl.token == "routineScreen"
    assert typed(conv.apl_user_event(["pause"])).request.token == "routineScreen"


def test_session_attributes_carry_over_while_open():
    conv = Conversation("en-US")
    first = conv.launch()
    conv.absorb({"version": "1.0", "sessionAttributes": {"step": 2, "routine": "desk"},
                 "response": {"shouldEndSession": False}})
    second = conv.intent("AMAZON.NextIntent")
    assert second["session"]["new"] is False
    assert second["session"]["sessionId"] == first["session"]["sessionId"]
    assert second["session"]["attributes"] == {"step": 2, "routine": "desk"}
    assert second["request"]["requestId"] != first["request"]["requestId"]
    assert second["context"]["System"]["user"]["userId"] == first["session"]["user"]["userId"]


def test_should_end_session_true_starts_a_new_session():
    conv = Conversation("en-US", screen=True)
    first = conv.launch()
    conv.absorb({"version": "1.0", "sessionAttributes": {"step": 2}, "response": {"shouldEndSession": True}})
    after = conv.intent("AMAZON.HelpIntent")
    assert after["session"]["new"] is True
    assert after["session"]["sessionId"] != first["session"]["sessionId"]
    assert after["session"]["attributes"] == {}
    assert after["session"]["user"]["userId"] == first["session"]["user"]["userId"]


@pytest.mark.parametrize(("screen", "stays_open"), [(False, False), (True, True)])
def test_omitted_should_end_session_depends_on_the_screen(screen, stays_open):
    conv = Conversation("en-US", screen=screen)
    conv.launch()
    conv.absorb({"version": "1.0", "sessionAttributes": {"x": 1}, "response": {}})
    after = conv.intent("AMAZON.HelpIntent")
    assert after["session"]["new"] is (not stays_open)
    assert after["session"]["attributes"] == ({"x": 1} if stays_open else {})


def test_ids_can_be_pinned():
    conv = Conversation("en-US", user_id="amzn1.ask.account.TEST", device_id="amzn1.ask.device.TEST",
                        skill_id="amzn1.ask.skill.other")
    parsed = typed(conv.launch())
    assert parsed.session.user.user_id == "amzn1.ask.account.TEST"
    assert parsed.context.system.device.device_id == "amzn1.ask.device.TEST"
    assert parsed.context.system.application.application_id == "amzn1.ask.skill.other"


def test_real_ask_sdk_skill_round_trip():
    """Envelopes drive a real ASK SDK skill, and its responses drive the session."""
    builder = SkillBuilder()

    @builder.request_handler(can_handle_func=is_request_type("LaunchRequest"))
    def launch(handler_input):
        handler_input.attributes_manager.session_attributes["count"] = 0
        return handler_input.response_builder.speak("hi").ask("again?").response

    @builder.request_handler(can_handle_func=is_intent_name("AMAZON.NextIntent"))
    def next_(handler_input):
        attributes = handler_input.attributes_manager.session_attributes
        attributes["count"] = attributes.get("count", 0) + 1
        return handler_input.response_builder.speak(f"step {attributes['count']}").ask("next?").response

    @builder.request_handler(can_handle_func=is_intent_name("AMAZON.StopIntent"))
    def stop(handler_input):
        return handler_input.response_builder.speak("bye").set_should_end_session(True).response

    handler = builder.lambda_handler()
    conv = Conversation("en-US")
    conv.absorb(handler(conv.launch(), None))
    conv.absorb(handler(conv.intent("AMAZON.NextIntent"), None))
    reply = handler(conv.intent("AMAZON.NextIntent"), None)
    assert reply["sessionAttributes"] == {"count": 2}
    assert "step 2" in reply["response"]["outputSpeech"]["ssml"]
    conv.absorb(reply)
    conv.absorb(handler(conv.intent("AMAZON.StopIntent"), None))
    fresh = conv.intent("AMAZON.NextIntent")
    assert fresh["session"]["new"] is True
    assert handler(fresh, None)["sessionAttributes"] == {"count": 1}
