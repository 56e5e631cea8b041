"""The daily habit's pure logic: the record (week, streak, total), reminder plans and rules, words, settings."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from skill.core import habits
from skill.core.content import library
from skill.core.habit_replies import stored_plan
from skill.core.habits import Plan, Record
from skill.core.profile import Profile

EN = library().for_locale("en-US")
ES = library().for_locale("es-ES")
TUESDAY = date(2026, 12, 1)  # a Tuesday


def days(*offsets: int) -> list[str]:
    return [date.fromordinal(TUESDAY.toordinal() - n).isoformat() for n in offsets]


@pytest.mark.parametrize("stretched, expected", [
    ([], Record(0, 0, 0)),
    (days(0), Record(1, 1, 1)),
    (days(1), Record(1, 1, 1)),  # yesterday still counts: today is not over
    (days(2), Record(0, 0, 1)),  # last Sunday: another week, and the streak is broken
    (days(0, 1, 2, 3), Record(2, 4, 4)),  # Tuesday, Monday, and last week's Sunday and Saturday
    (days(1, 2, 4), Record(1, 2, 3)),  # a gap on Friday ends the streak there
    (days(0, 0, 0), Record(1, 1, 1)),  # one day saved by two devices is still one day
])
def test_the_record_counts_days_not_saves(stretched: list[str], expected: Record) -> None:
    assert habits.record(stretched, TUESDAY) == expected


def test_a_future_day_from_a_wrong_clock_is_not_counted() -> None:
    assert habits.record(["2027-01-01", *days(0)], TUESDAY) == Record(1, 1, 1)


def test_recording_a_day_twice_keeps_one() -> None:
    profile = Profile()
    profile.note_stretch_day(TUESDAY.isoformat())
    profile.note_stretch_day(TUESDAY.isoformat())
    assert profile.stretch_days == ["2026-12-01"]


def test_the_local_day_follows_the_zone() -> None:
    late_utc = datetime.fromisoformat("2026-12-02T03:30:00+00:00")  # still the 1st in Los Angeles
    assert habits.local_now("America/Los_Angeles", late_utc).date() == TUESDAY
    assert habits.local_now("Europe/Madrid", late_utc).date() == date(2026, 12, 2)
    assert habits.local_now("Not/AZone", late_utc).date() == date(2026, 12, 2)  # unknown: UTC, no crash


def test_the_zone_is_the_stored_one_else_the_locales() -> None:
    assert habits.zone_of(Profile(), "en-GB") == "Europe/London"
    assert habits.zone_of(Profile(), "xx-XX") == habits.FALLBACK_ZONE
    assert habits.zone_of(Profile(preferences={"time_zone": "Asia/Tokyo"}), "en-GB") == "Asia/Tokyo"


# ------------------------------------------------------------------------------------------------ plans


@pytest.mark.parametrize("time, recurrence, day, expected", [
    ("08:00", "daily", None, Plan("08:00", "daily")),
    ("07:30", "weekdays", None, Plan("07:30", "weekdays")),
    ("EV", "weekends", None, Plan("18:00", "weekends")),
    ("18:00", None, "2026-12-02", Plan("18:00", None, "2026-12-02")),
    ("06:15", None, None, Plan("06:15", "daily")),  # no rhythm, no day: a habit is daily
    ("18:00", None, "2026-W49", Plan("18:00", "daily")),  # a week is not a day to remind on
])
def test_slots_become_a_plan(time: str, recurrence: str | None, day: str | None, expected: Plan) -> None:
    assert habits.plan_from_slots(time, recurrence, day, TUESDAY) == (expected, {})


def test_without_a_time_the_rhythm_is_kept_for_the_next_turn() -> None:
    plan, known = habits.plan_from_slots(None, "weekdays", None, TUESDAY)
    assert plan is None and known == {"time": None, "recurrence": "weekdays", "day": None}
    assert habits.plan_from_slots("07:00", None, None, TUESDAY, known) == (Plan("07:00", "weekdays"), {})


@pytest.mark.parametrize("bad", ["25:00", "eight", "", None, "12"])
def test_a_time_alexa_never_sends_is_not_a_time(bad: str | None) -> None:
    assert habits.parse_time(bad) is None


@pytest.mark.parametrize("plan, rule", [
    (Plan("08:00", "daily"), "FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0;INTERVAL=1;"),
    (Plan("07:30", "weekdays"), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=30;BYSECOND=0;INTERVAL=1;"),
    (Plan("10:05", "weekends"), "FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=5;BYSECOND=0;INTERVAL=1;"),
    (Plan("18:00", None, "2026-12-02"), None),
])
def test_recurrence_rules_round_trip(plan: Plan, rule: str | None) -> None:
    assert habits.recurrence_rule(plan) == rule
    start = habits.next_start(plan, datetime(2026, 12, 1, 9, 0)).isoformat()
    assert habits.plan_of_rule(rule, start) == plan


def test_the_first_reminder_is_today_if_the_time_is_still_ahead() -> None:
    morning = datetime(2026, 12, 1, 6, 0)
    assert habits.next_start(Plan("08:00", "daily"), morning) == datetime(2026, 12, 1, 8, 0)
    assert habits.next_start(Plan("05:00", "daily"), morning) == datetime(2026, 12, 2, 5, 0)
    # a one-off whose moment has gone: the next time still ahead, never a reminder in the past
    assert habits.next_start(Plan("05:00", None, "2026-12-01"), morning) == datetime(2026, 12, 2, 5, 0)
    assert habits.next_start(Plan("07:00", None, "2026-11-20"), morning) == datetime(2026, 12, 1, 7, 0)
    assert habits.next_start(Plan("07:00", None, "2026-12-24"), morning) == datetime(2026, 12, 24, 7, 0)
    # without the zone's clock (no tz database), the day Alexa resolved stands
    assert habits.next_start(Plan("05:00", None, "2026-12-01"), morning, False) == datetime(2026, 12, 1, 5, 0)
    assert habits.zone_data("America/New_York") and not habits.zone_data("Not/AZone")


def test_a_plan_from_the_session_is_checked() -> None:
    assert Plan.from_dict({"time": "08:00", "recurrence": "daily"}) == Plan("08:00", "daily")
    for bad in ({"time": "8", "recurrence": "daily"}, {"time": "08:00", "recurrence": "hourly"},
                {"time": "08:00", "recurrence": None}, "08:00", None, {"time": "08:00", "day": "soon"}):
        assert Plan.from_dict(bad) is None


# ------------------------------------------------------------------------------------------------ words


def test_when_words_in_english_and_spanish() -> None:
    assert habits.when_words(EN, Plan("08:00", "daily"), TUESDAY) == "every day at 8 AM"
    assert habits.when_words(EN, Plan("18:30", "weekdays"), TUESDAY) == "every weekday at 6:30 PM"
    assert habits.when_words(EN, Plan("18:00", None, "2026-12-02"), TUESDAY) == "tomorrow at 6 PM"
    assert habits.when_words(EN, Plan("12:00", None, "2026-12-24"), TUESDAY) == "on December 24 at 12 PM"
    assert habits.when_words(ES, Plan("08:00", "daily"), TUESDAY) == "todos los días a las 8:00"
    assert habits.when_words(ES, Plan("18:00", None, "2026-12-24"), TUESDAY) == "el 24 de diciembre a las 18:00"


def test_the_record_in_words() -> None:
    assert habits.progress_report(EN, Record(3, 2, 10)) == (
        "This week you've stretched on 3 days. Your current streak is 2 days, and 10 days in all.")
    assert habits.progress_report(EN, Record(0, 0, 0)) == EN.phrase("progress_none")
    assert habits.record_line(EN, Record(1, 1, 1)) == (
        "This week you've stretched on one day, and your streak is one day.")
    assert "racha" in habits.record_line(ES, Record(2, 2, 5))


# ------------------------------------------------------------------------------------------- preferences


def test_settings_read_back_defaults_when_nothing_is_stored() -> None:
    assert habits.settings_lines(EN, {}, None) == [
        "Your default routine is the quick routine.", EN.phrase("settings_hold_default"),
        EN.phrase("settings_every_side_off"), EN.phrase("settings_no_reminder")]


def test_settings_read_back_what_is_stored_and_skip_what_they_do_not_know() -> None:
    stored = {"default_routine": "full", "hold": "longer", "sides": "ask", "time_zone": "Asia/Tokyo",
              "some_future_key": "whatever"}
    lines = habits.settings_lines(EN, stored, "Your reminder is set for every day at 8 AM.")
    assert lines == ["Your default routine is the full routine.", EN.phrase("settings_hold_longer"),
                     EN.phrase("settings_every_side_on"), "Your reminder is set for every day at 8 AM."]
    assert not any("Tokyo" in line or "whatever" in line for line in lines)


def test_shorter_holds_and_a_whole_stretch_per_turn_read_back() -> None:
    lines = habits.settings_lines(EN, {"hold": "shorter", "sides": "flow"}, None)
    assert lines[1:3] == [EN.phrase("settings_hold_shorter"), EN.phrase("settings_every_side_off")]


@pytest.mark.parametrize("stored", [{"default_routine": "gone"}, {"hold": "forever"},
                                    {"sides": "maybe"}, {"hold": "9999"}, {"hold": ""}])
def test_malformed_preferences_read_back_as_defaults(stored: dict[str, str]) -> None:
    assert habits.settings_lines(EN, stored, None) == habits.settings_lines(EN, {}, None)


def test_the_stored_reminder_reads_back() -> None:
    assert stored_plan("weekdays 07:30") == Plan("07:30", "weekdays")
    assert stored_plan("once 2026-12-02 18:00") == Plan("18:00", None, "2026-12-02")
    assert stored_plan("hourly 07:30") is None and stored_plan(None) is None


def test_profile_reads_preferences_and_days_defensively() -> None:
    profile = Profile.from_dict({"preferences": {"default_routine": "full", "bad": 3, 4: "x"},
                                 "stretch_days": ["2026-12-01", "yesterday", 5, "2026-11-30", "2026-12-01"]})
    assert profile.preferences == {"default_routine": "full"}
    assert profile.stretch_days == ["2026-11-30", "2026-12-01"]
    assert Profile.from_dict({"preferences": "x", "stretch_days": {}}).to_dict()["stretch_days"] == []


def test_a_day_without_a_time_is_kept_for_the_next_turn() -> None:
    plan, known = habits.plan_from_slots(None, None, "2026-12-02", TUESDAY)
    assert plan is None and known["day"] == "2026-12-02"
    assert habits.plan_from_slots("18:00", None, None, TUESDAY, known) == (Plan("18:00", None, "2026-12-02"), {})
    # a new rhythm said with the time replaces the day kept from before
    assert habits.plan_from_slots("07:00", "weekdays", None, TUESDAY, known) == (Plan("07:00", "weekdays"), {})
