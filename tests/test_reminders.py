"""Reminders, the voice permission, the record and preferences, through the whole skill and real HTTP.

The Alexa API is a local fake (skill.simulator.fake_alexa_api) on 127.0.0.1; the request envelopes point
their apiEndpoint and apiAccessToken at it, so the ASK SDK's own service clients and HTTP client do the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.core.content import library
from skill.simulator.fake_alexa_api import FakeAlexaApi
from tests.alexa import Conversation, Said, Words
from tests.conftest import stored

SCOPE = "alexa::alerts:reminders:skill:readwrite"
EN = library().for_locale("en-US")


@pytest.fixture
def fake() -> Iterator[FakeAlexaApi]:
    with FakeAlexaApi(token="token-of-this-test", time_zone="America/Los_Angeles") as api:
        yield api


@pytest.fixture
def user(talk: Callable[..., Conversation], fake: FakeAlexaApi) -> Conversation:
    return talk(api_endpoint=fake.url, api_token=fake.token)


def remind(user: Conversation, time: str | None = "08:00", recurrence: str | None = "every day",
           date: str | None = None) -> Said:
    return user.ask("SetReminderIntent", {"Time": time, "Recurrence": recurrence, "Date": date})


def ask_for(said: Said) -> dict[str, Any] | None:
    return next((d for d in said.directives if d.get("type") == "Connections.SendRequest"), None)


def consent_card(said: Said) -> bool:
    card = said.card or {}
    return card.get("type") == "AskForPermissionsConsent" and card.get("permissions") == [SCOPE]


# ------------------------------------------------------------------------------------------- create, list, delete


def test_a_daily_reminder_is_created_in_the_device_zone(user: Conversation, fake: FakeAlexaApi, words: Words,
                                                       memory_skill: CustomSkill) -> None:
    user.launch()
    said = remind(user, "08:00", "every day")
    assert words.one_in("reminder_set", said.speech, when="every day at 8 AM")
    assert said.open and words.ends_with("what_next", said.speech)
    [reminder] = fake.listed()
    trigger = reminder["trigger"]
    assert trigger["timeZoneId"] == "America/Los_Angeles"
    assert trigger["recurrence"]["recurrenceRules"] == ["FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0;INTERVAL=1;"]
    assert trigger["recurrence"]["startDateTime"][11:16] == "08:00"
    [spoken] = reminder["alertInfo"]["spokenInfo"]["content"]
    assert spoken == {"locale": "en-US", "text": EN.phrase("reminder_text")}
    assert ("GET", f"/v2/devices/{user.device_id}/settings/System.timeZone") in fake.requests
    preferences = stored(memory_skill, user.user_id)["preferences"]
    assert preferences["time_zone"] == "America/Los_Angeles"
    assert preferences["reminder"] == "daily 08:00"


def test_weekdays_and_a_one_off_tomorrow(user: Conversation, fake: FakeAlexaApi, words: Words) -> None:
    said = remind(user, "07:30", "every weekday")
    assert words.one_in("reminder_set", said.speech, when="every weekday at 7:30 AM")
    rule = fake.listed()[0]["trigger"]["recurrence"]["recurrenceRules"][0]
    assert rule.startswith("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=30")
    fake.reminders.clear()
    from skill.core.habits import local_now

    tomorrow = local_now("America/Los_Angeles").date().toordinal() + 1
    day = type(local_now("UTC").date()).fromordinal(tomorrow).isoformat()
    said = remind(user, "18:00", None, day)
    assert words.one_in("reminder_set", said.speech, when="tomorrow at 6 PM")
    [one_off] = fake.listed()
    assert "recurrence" not in one_off["trigger"] or not one_off["trigger"]["recurrence"]
    assert one_off["trigger"]["scheduledTime"].startswith(f"{day}T18:00")


def test_a_new_reminder_replaces_ours_instead_of_adding_a_second(user: Conversation, fake: FakeAlexaApi) -> None:
    remind(user, "08:00", "every day")
    remind(user, "19:00", "every day")
    [reminder] = fake.listed()
    assert reminder["trigger"]["recurrence"]["recurrenceRules"][0].startswith("FREQ=DAILY;BYHOUR=19")


def test_without_a_time_it_asks_and_keeps_the_rhythm(user: Conversation, fake: FakeAlexaApi, words: Words) -> None:
    said = remind(user, None, "every weekday")
    assert said.speech.endswith(EN.phrase("reminder_ask_time")) and said.open
    assert fake.listed() == []
    said = user.ask("SetReminderIntent", {"Time": "07:00"})
    assert words.one_in("reminder_set", said.speech, when="every weekday at 7 AM")


def test_when_is_my_reminder_reads_the_service(user: Conversation, fake: FakeAlexaApi, words: Words) -> None:
    said = user.ask("ReminderStatusIntent")
    assert words.one_in("reminder_none", said.speech)
    remind(user, "07:30", "every weekday")
    said = user.ask("ReminderStatusIntent")
    assert words.one_in("reminder_status", said.speech, when="every weekday at 7:30 AM")
    assert ("GET", "/v1/alerts/reminders") in fake.requests


def test_stop_reminding_me_deletes_them_all(user: Conversation, fake: FakeAlexaApi, words: Words,
                                           memory_skill: CustomSkill) -> None:
    remind(user, "08:00", "every day")
    fake.reminders["someone-else-in-this-skill"] = dict(fake.listed()[0], alertToken="someone-else-in-this-skill")
    said = user.ask("CancelReminderIntent")
    assert words.one_in("reminder_cancelled", said.speech)
    assert fake.listed() == []
    assert sum(1 for method, _ in fake.requests if method == "DELETE") == 2
    assert "reminder" not in stored(memory_skill, user.user_id)["preferences"]
    said = user.ask("CancelReminderIntent")
    assert words.one_in("reminder_cancel_none", said.speech)


# ------------------------------------------------------------------------------------------------ failures


@pytest.mark.parametrize("status, key", [(429, "reminder_throttled"), (500, "reminder_unavailable"),
                                         (503, "reminder_unavailable"), (504, "reminder_unavailable")])
def test_service_errors_are_said_plainly_and_nothing_is_lost(user: Conversation, fake: FakeAlexaApi, words: Words,
                                                            status: int, key: str,
                                                            memory_skill: CustomSkill) -> None:
    fake.fail = status
    said = remind(user, "08:00", "every day")
    assert words.one_in(key, said.speech) and said.open
    assert fake.listed() == [] and "reminder" not in (stored(memory_skill, user.user_id) or {}).get("preferences", {})
    fake.fail = None
    said = user.ask("SetReminderIntent")  # "try again": what they asked for was kept
    assert words.one_in("reminder_set", said.speech, when="every day at 8 AM")
    assert len(fake.listed()) == 1


@pytest.mark.parametrize("intent", ["ReminderStatusIntent", "CancelReminderIntent"])
@pytest.mark.parametrize("status, key", [(429, "reminder_throttled"), (500, "reminder_unavailable")])
def test_listing_and_cancelling_survive_service_errors(user: Conversation, fake: FakeAlexaApi, words: Words,
                                                       intent: str, status: int, key: str) -> None:
    remind(user)
    fake.fail = status
    said = user.ask(intent)
    assert words.one_in(key, said.speech) and said.open
    fake.fail = None
    assert len(fake.listed()) == 1  # a failed cancel deleted nothing it did not say


def test_a_service_that_never_answers_still_gets_an_answer_within_three_seconds(user: Conversation,
                                                                                fake: FakeAlexaApi,
                                                                                words: Words) -> None:
    fake.hang = True
    started = time.monotonic()
    said = remind(user, "08:00", "every day")
    elapsed = time.monotonic() - started
    assert words.one_in("reminder_unavailable", said.speech) and said.open
    assert elapsed < 3.0, f"the turn took {elapsed:.2f} s"


def test_an_unreadable_time_zone_falls_back_to_the_locale_and_says_so(user: Conversation, fake: FakeAlexaApi,
                                                                     words: Words) -> None:
    fake.zone_status = 500
    said = remind(user, "08:00", "every day")
    assert words.one_in("reminder_set", said.speech, when="every day at 8 AM")
    assert words.one_in("reminder_zone_fallback", said.speech, zone="New York time")
    assert fake.listed()[0]["trigger"]["timeZoneId"] == "America/New_York"


def test_a_device_without_a_time_zone_setting_gets_the_locales(user: Conversation, fake: FakeAlexaApi,
                                                               words: Words) -> None:
    fake.time_zone = None  # the settings API answers 204: no value
    said = remind(user, "08:00", "every day")
    assert words.one_in("reminder_zone_fallback", said.speech, zone="New York time")
    assert fake.listed()[0]["trigger"]["timeZoneId"] == "America/New_York"


def test_a_permission_answer_with_a_malformed_token_still_gets_an_answer(user: Conversation,
                                                                           words: Words) -> None:
    said = user.permission("ACCEPTED", token="reminder:{not json")
    assert said.open and said.speech.endswith(EN.phrase("reminder_ask_time"))  # it was lost: ask again


def test_no_api_endpoint_in_the_request_is_unavailable_not_a_crash(talk: Callable[..., Conversation],
                                                                  words: Words) -> None:
    user = talk(api_endpoint="", api_token="")
    said = remind(user)
    assert words.one_in("reminder_unavailable", said.speech) and said.open


# ------------------------------------------------------------------------------------------------ permission


def test_without_permission_alexa_asks_by_voice_and_accepting_creates_what_was_asked(
        user: Conversation, fake: FakeAlexaApi, words: Words) -> None:
    fake.granted = False
    said = remind(user, "07:30", "every weekday")
    request = ask_for(said)
    assert request is not None and request["name"] == "AskFor"
    assert request["payload"] == {"@type": "AskForPermissionsConsentRequest", "@version": "1",
                                  "permissionScope": SCOPE}
    assert "shouldEndSession" not in said["response"] and not said.speech
    assert fake.listed() == []
    fake.granted = True  # the user said "I approve"
    said = user.permission("ACCEPTED", token=request["token"])
    assert words.one_in("reminder_set", said.speech, when="every weekday at 7:30 AM")
    assert said.open
    assert fake.listed()[0]["trigger"]["recurrence"]["recurrenceRules"][0].startswith("FREQ=WEEKLY;BYDAY=MO")


def test_accepting_works_from_the_token_when_the_session_attributes_are_lost(
        user: Conversation, fake: FakeAlexaApi, words: Words) -> None:
    fake.granted = False
    request = ask_for(remind(user, "06:00", "every weekend"))
    assert request is not None
    fake.granted = True
    user.attributes = {}
    said = user.permission("ACCEPTED", token=request["token"])
    assert words.one_in("reminder_set", said.speech, when="on weekends at 6 AM")


def test_a_no_is_respected_and_never_asked_again_in_the_session(user: Conversation, fake: FakeAlexaApi,
                                                               words: Words) -> None:
    fake.granted = False
    request = ask_for(remind(user))
    assert request is not None
    said = user.permission("DENIED", token=request["token"])
    assert words.one_in("reminder_permission_refused", said.speech) and said.open
    assert consent_card(said)
    said = remind(user)
    assert ask_for(said) is None
    assert words.one_in("reminder_permission_asked_before", said.speech) and consent_card(said) and said.open
    assert fake.listed() == []
    user.end_session()  # a new session may ask again
    assert ask_for(remind(user)) is not None


def test_no_answer_to_the_permission_question(user: Conversation, fake: FakeAlexaApi, words: Words) -> None:
    fake.granted = False
    request = ask_for(remind(user))
    assert request is not None
    said = user.permission("NOT_ANSWERED", token=request["token"])
    assert words.one_in("reminder_permission_not_answered", said.speech) and said.open
    assert ask_for(remind(user)) is None


def test_where_voice_permission_is_unavailable_the_card_does_it(user: Conversation, fake: FakeAlexaApi,
                                                               words: Words) -> None:
    fake.granted = False
    request = ask_for(remind(user))
    assert request is not None
    said = user.permission("", token=request["token"], code="400")
    assert words.one_in("reminder_permission_card", said.speech) and consent_card(said) and said.open


def test_a_wrong_token_is_treated_as_no_permission(talk: Callable[..., Conversation], fake: FakeAlexaApi) -> None:
    user = talk(api_endpoint=fake.url, api_token="someone-elses-token")
    assert ask_for(remind(user)) is not None
    assert fake.listed() == []


def test_the_permission_answer_mid_routine_goes_back_to_the_routine(user: Conversation, fake: FakeAlexaApi,
                                                                   words: Words) -> None:
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    fake.granted = False
    request = ask_for(remind(user))
    assert request is not None
    fake.granted = True
    said = user.permission("ACCEPTED", token=request["token"])
    assert words.ends_with("step_ready_question", said.speech)
    said = user.ask("AMAZON.YesIntent")
    assert "routine" in said.attributes  # still in the routine, one step on


# ------------------------------------------------------------------------------------------------ the record


def finish_quick(user: Conversation) -> Said:
    said = user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    for _ in range(10):  # one turn a stretch: "next" until the routine is over
        if "routine" not in said.attributes:
            break
        said = user.ask("AMAZON.NextIntent")
    return said


def test_the_end_of_a_routine_says_the_record_and_how_am_i_doing_reads_it(user: Conversation, words: Words,
                                                                          memory_skill: CustomSkill) -> None:
    said = finish_quick(user)
    assert words.one_in("routine_done_first", said.speech, routine="quick routine")
    assert words.one_in("record_after_routine", said.speech, week="one day", streak="one day")
    [day] = stored(memory_skill, user.user_id)["stretch_days"]
    said = finish_quick(user)  # the same day again: still one day
    assert words.one_in("record_after_routine", said.speech, week="one day", streak="one day")
    assert stored(memory_skill, user.user_id)["stretch_days"] == [day]
    said = user.ask("ProgressReportIntent")
    assert words.one_in("progress_report", said.speech, week="one day", streak="one day", total="one day")
    assert said.open and said.attributes["offer"] == {"kind": "routine", "id": "quick"}


def test_before_any_routine_the_report_invites_a_first_one(user: Conversation, words: Words) -> None:
    said = user.ask("ProgressReportIntent")
    assert words.one_in("progress_none", said.speech) and said.open


def test_a_routine_stopped_for_pain_never_counts_or_cheers(user: Conversation, words: Words,
                                                          memory_skill: CustomSkill) -> None:
    user.ask("StartRoutineIntent", {"Routine": "quick routine"})
    user.ask("AMAZON.NextIntent")
    said = user.ask("PainIntent")
    assert not words.one_in("record_after_routine", said.speech, week="one day", streak="one day")
    assert stored(memory_skill, user.user_id)["stretch_days"] == []
    said = user.ask("ProgressReportIntent")
    assert words.one_in("progress_none", said.speech)


def test_a_single_stretch_is_not_a_routine_day(user: Conversation, memory_skill: CustomSkill) -> None:
    said = user.ask("StretchIntent", {"Stretch": "bridge"})
    while "routine" in said.attributes:
        said = user.ask("AMAZON.NextIntent")
    assert stored(memory_skill, user.user_id)["stretch_days"] == []


# ------------------------------------------------------------------------------------------------ preferences


def test_the_default_routine_is_used_and_read_back(user: Conversation, words: Words,
                                                  memory_skill: CustomSkill) -> None:
    said = user.ask("DefaultRoutineIntent", {"Routine": "full routine"})
    assert words.one_in("default_routine_set", said.speech, routine="full routine")
    assert stored(memory_skill, user.user_id)["preferences"]["default_routine"] == "full"
    said = user.ask("StartRoutineIntent")
    assert said.attributes["routine"]["routine"] == "full"
    said = user.ask("SettingsIntent")
    assert "Your default routine is the full routine." in said.speech


def test_an_unknown_default_routine_lists_the_routines(user: Conversation, words: Words,
                                                      memory_skill: CustomSkill) -> None:
    said = user.ask("DefaultRoutineIntent", {"Routine": "marathon"})
    assert words.one_in("routine_unknown", said.speech, routines=EN.list_names("routine")) and said.open
    said = user.ask("DefaultRoutineIntent")
    assert words.one_in("routine_unknown", said.speech, routines=EN.list_names("routine"))


def test_settings_read_back_the_reminder_too(user: Conversation, words: Words) -> None:
    said = user.ask("SettingsIntent")
    assert words.one_in("settings_no_reminder", said.speech)
    remind(user, "07:30", "every weekday")
    said = user.ask("SettingsIntent")
    assert words.one_in("reminder_status", said.speech, when="every weekday at 7:30 AM")
    assert said.open


def test_spanish_reminder_speaks_and_is_stored_in_spanish(talk: Callable[..., Conversation], fake: FakeAlexaApi,
                                                         ) -> None:
    user = talk(api_endpoint=fake.url, api_token=fake.token, locale="es-ES")
    words = Words("es-ES")
    said = remind(user, "08:00", "todos los días")
    assert words.one_in("reminder_set", said.speech, when="todos los días a las 8:00")
    [spoken] = fake.listed()[0]["alertInfo"]["spokenInfo"]["content"]
    assert spoken == {"locale": "es-ES", "text": library().for_locale("es-ES").phrase("reminder_text")}


# ------------------------------------------------------------------------------------- a store that fails


@pytest.fixture
def faulty(sqlite_path: Any) -> Any:
    from skill.assembly import build_skill
    from tests.alexa import SKILL_ID
    from tests.test_store_faults import Faulty

    skill = build_skill(store=f"sqlite:///{sqlite_path}", skill_id=SKILL_ID)
    skill.persistence_adapter = Faulty(skill.persistence_adapter)
    return skill


@pytest.fixture
def quiet_store_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="spine_coach")


def test_a_failed_save_is_never_counted_later(faulty: Any, talk: Callable[..., Conversation], words: Words,
                                             quiet_store_errors: None) -> None:
    user = talk(faulty)
    faulty.persistence_adapter.fail_save = True
    said = finish_quick(user)
    assert not words.pattern("record_after_routine").search(said.speech)  # no streak for an unsaved day
    faulty.persistence_adapter.fail_save = False
    user.end_session()
    said = user.ask("ProgressReportIntent")
    assert words.one_in("progress_none", said.speech)  # the day that was not saved is not claimed


def test_an_unreadable_store_gives_no_numbers(faulty: Any, talk: Callable[..., Conversation], words: Words,
                                             quiet_store_errors: None) -> None:
    user = talk(faulty)
    finish_quick(user)
    faulty.persistence_adapter.fail_get = True
    user.end_session()
    said = finish_quick(user)
    assert words.one_in("routine_done_uncounted", said.speech, routine="quick routine")
    assert not words.pattern("record_after_routine").search(said.speech)  # not "one day" when it may be two
    said = user.ask("ProgressReportIntent")
    assert words.one_in("progress_unavailable", said.speech) and said.open


def test_a_one_off_at_a_time_already_gone_today_is_set_for_tomorrow_and_says_so(
        user: Conversation, fake: FakeAlexaApi, words: Words) -> None:
    from datetime import timedelta

    from skill.core.habits import local_now

    now = local_now("America/Los_Angeles")
    gone = (now - timedelta(hours=1)).strftime("%H:%M")
    if (now - timedelta(hours=1)).date() != now.date():
        pytest.skip("just after midnight in Los Angeles: no hour of today has gone yet")
    said = remind(user, gone, None, now.date().isoformat())
    assert words.pattern("when_tomorrow").search(said.speech)
    tomorrow = (now + timedelta(days=1)).date().isoformat()
    assert fake.listed()[0]["trigger"]["scheduledTime"].startswith(f"{tomorrow}T{gone}")


def test_a_default_routine_that_could_not_be_saved_is_not_claimed(faulty: Any, talk: Callable[..., Conversation],
                                                                  words: Words, quiet_store_errors: None) -> None:
    user = talk(faulty)
    faulty.persistence_adapter.fail_save = True
    said = user.ask("DefaultRoutineIntent", {"Routine": "full routine"})
    assert words.one_in("setting_not_saved", said.speech) and said.open
    assert not words.one_in("default_routine_set", said.speech, routine="full routine")
