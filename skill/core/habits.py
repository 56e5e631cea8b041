"""The daily habit, as pure logic: the record of days stretched, reminder schedules, and preferences.

No ASK SDK and no HTTP here: the handlers fetch the time zone and talk to the Reminders API; this module
decides what a reminder is, what the record says, and the words for both. The record is a set of ISO dates
(``Profile.stretch_days``), so two devices saving the same day never count it twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from skill.core.content import LocaleContent
from skill.core.profile import Profile

# Where the user lives when the device's settings cannot be read: the locale's most likely zone.
DEFAULT_ZONES = {
    "en-US": "America/New_York", "en-CA": "America/Toronto", "en-GB": "Europe/London",
    "en-AU": "Australia/Sydney", "en-IN": "Asia/Kolkata", "es-ES": "Europe/Madrid",
    "es-MX": "America/Mexico_City", "es-US": "America/New_York",
}
FALLBACK_ZONE = "America/New_York"
TIME_ZONE = "time_zone"  # preference key: the device's zone, as last read from the settings API
DEFAULT_ROUTINE = "default_routine"  # preference key: the routine "guide my stretches" starts
RECURRENCES = ("daily", "weekdays", "weekends")
# AMAZON.TIME sends these for "in the morning", "afternoon", "evening", "night".
VAGUE_TIMES = {"MO": "08:00", "AF": "14:00", "EV": "18:00", "NI": "20:00"}
_RULE_DAYS = {"weekdays": "MO,TU,WE,TH,FR", "weekends": "SA,SU"}


# ------------------------------------------------------------------------------------------------ the record


class Record(NamedTuple):
    week: int  # days stretched this week (Monday to today)
    streak: int  # consecutive days ending today, or yesterday if today is not done yet
    total: int  # days stretched in all


def zone_of(profile: Profile, locale: str | None) -> str:
    """The user's time zone: the one last read from the device, else the locale's default."""
    stored = profile.preferences.get(TIME_ZONE)
    return stored or DEFAULT_ZONES.get(locale or "", FALLBACK_ZONE)


def local_now(zone: str, now: datetime | None = None) -> datetime:
    """Now in the user's zone (naive). An unknown zone, or a runtime without tz data, falls back to UTC."""
    moment = now or datetime.now(UTC)
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    except (ImportError, LookupError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return moment.astimezone(UTC).replace(tzinfo=None)


def record(days: list[str], today: date) -> Record:
    """Week, streak and total from the stretch days. A future date (a device with a wrong clock) is ignored."""
    seen = {d for d in days if d <= today.isoformat()}
    monday = today - timedelta(days=today.weekday())
    week = sum(1 for d in seen if d >= monday.isoformat())
    cursor = today if today.isoformat() in seen else today - timedelta(days=1)
    streak = 0
    while cursor.isoformat() in seen:
        streak += 1
        cursor -= timedelta(days=1)
    return Record(week, streak, len(seen))


def days_words(c: LocaleContent, count: int) -> str:
    if count == 0:
        return c.phrase("days_none")
    return c.phrase("days_one") if count == 1 else c.phrase("days_many", count=count)


def zone_data(zone: str) -> bool:
    """Whether this runtime can convert to ``zone`` (a Lambda image without the tz database cannot)."""
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(zone)
    except (ImportError, LookupError, ValueError, OSError):
        return False
    return True


def record_line(c: LocaleContent, rec: Record) -> str:
    """The short line said at the end of a routine: this week and the streak."""
    return c.phrase("record_after_routine", week=days_words(c, rec.week), streak=days_words(c, rec.streak))


def progress_report(c: LocaleContent, rec: Record) -> str:
    """The answer to "how am I doing": week, streak and total, or an invitation when there is nothing yet."""
    if rec.total == 0:
        return c.phrase("progress_none")
    if rec.streak == 0:
        return c.phrase("progress_no_streak", week=days_words(c, rec.week), total=days_words(c, rec.total))
    return c.phrase("progress_report", week=days_words(c, rec.week), streak=days_words(c, rec.streak),
                    total=days_words(c, rec.total))


# ------------------------------------------------------------------------------------------------ reminders


class Plan(NamedTuple):
    """What the user asked for: a time, and either a recurrence or one date."""

    time: str  # "HH:MM", 24-hour, local
    recurrence: str | None  # daily | weekdays | weekends; None for a one-off
    day: str | None = None  # ISO date of a one-off reminder

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, "recurrence": self.recurrence, "day": self.day}

    @classmethod
    def from_dict(cls, data: Any) -> Plan | None:
        """A plan kept in the session (or a Connections token); None when it is not one."""
        if not isinstance(data, dict):
            return None
        time, recurrence, day = data.get("time"), data.get("recurrence"), data.get("day")
        if parse_time(time) is None or (recurrence is not None and recurrence not in RECURRENCES):
            return None
        if day is not None and parse_date(day, date(2000, 1, 1)) is None:
            return None
        if recurrence is None and day is None:
            return None
        return cls(str(time), recurrence, day)


def parse_time(value: Any) -> str | None:
    """AMAZON.TIME's value as "HH:MM": "08:00", "18:30", or MO/AF/EV/NI for a part of the day."""
    if not isinstance(value, str):
        return None
    value = value.strip().upper()
    if value in VAGUE_TIMES:
        return VAGUE_TIMES[value]
    parts = value.split(":")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_date(value: Any, today: date) -> str | None:
    """AMAZON.DATE's value as an ISO day: "2026-12-02" as is; "PRESENT_REF" is today. Weeks, months and
    seasons are not a day to remind on, so they give None (the user is asked for a day or a rhythm)."""
    if not isinstance(value, str):
        return None
    if value.strip().upper() == "PRESENT_REF":
        return today.isoformat()
    try:
        return date.fromisoformat(value.strip()).isoformat() if len(value.strip()) == 10 else None
    except ValueError:
        return None


def plan_from_slots(time: str | None, recurrence: str | None, day: str | None, today: date,
                    pending: Plan | dict[str, Any] | None = None) -> tuple[Plan | None, dict[str, Any]]:
    """The reminder the user asked for, or (None, what is known so far) when the time is missing.

    "Every weekday" without a time keeps the rhythm and asks for the time; "at seven" after that completes it.
    Without a rhythm or a date the reminder is daily: that is what a habit is.
    """
    known = pending.to_dict() if isinstance(pending, Plan) else dict(pending or {})
    hour = parse_time(time) or (parse_time(known.get("time")) if time is None else None)
    rhythm = recurrence if recurrence in RECURRENCES else None
    one_day = parse_date(day, today) if day else None
    if rhythm is None and one_day is None:
        rhythm = known.get("recurrence") if known.get("recurrence") in RECURRENCES else None
        one_day = known.get("day") if isinstance(known.get("day"), str) else None
    if hour is None:
        return None, {"time": None, "recurrence": rhythm, "day": one_day}
    if rhythm is None and one_day is None:
        rhythm = "daily"
    return Plan(hour, rhythm if one_day is None else None, one_day), {}


def next_start(plan: Plan, now_local: datetime, clock_known: bool = True) -> datetime:
    """The first moment the reminder fires: today at the time if that is still ahead, else the next day.
    A one-off on its day; a one-off whose moment has passed (a day gone by, a time gone today) takes the next
    time that is still ahead, as a person saying "remind me at six" a little late would expect."""
    hour, minute = (int(x) for x in plan.time.split(":"))
    if plan.day is not None:
        start = datetime.combine(date.fromisoformat(plan.day), datetime.min.time()).replace(hour=hour, minute=minute)
        if start > now_local or not clock_known:  # without the zone's clock, trust Alexa's resolved day
            return start
    start = now_local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return start if start > now_local else start + timedelta(days=1)


def recurrence_rule(plan: Plan) -> str | None:
    """The iCalendar rule the Reminders API takes (``recurrenceRules``); None for a one-off."""
    if plan.recurrence is None:
        return None
    hour, minute = (int(x) for x in plan.time.split(":"))
    days = _RULE_DAYS.get(plan.recurrence)
    freq = f"FREQ=WEEKLY;BYDAY={days}" if days else "FREQ=DAILY"
    return f"{freq};BYHOUR={hour};BYMINUTE={minute};BYSECOND=0;INTERVAL=1;"


class Spec(NamedTuple):
    """A reminder ready for the Reminders API, still as plain data (the handlers make SDK models of it)."""

    start: datetime  # local, naive
    zone: str
    rule: str | None
    text: str
    locale: str


def reminder_spec(c: LocaleContent, plan: Plan, zone: str, now_local: datetime) -> Spec:
    """The reminder for a plan: when, in which zone, how often, and what Alexa says when it fires."""
    start = next_start(plan, now_local, zone_data(zone))
    return Spec(start, zone, recurrence_rule(plan), c.phrase("reminder_text"), c.locale)


def plan_of_rule(rule: str | None, start: str | None) -> Plan | None:
    """Read a reminder back from the API's rule and start ("every weekday at 7:30"), for "when is my reminder"."""
    hour = parse_time(start[11:16]) if isinstance(start, str) and len(start) >= 16 else None
    if hour is None:
        return None
    if not rule:
        return Plan(hour, None, start[:10] if start else None)  # type: ignore[index]
    fields = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    if "BYHOUR" in fields and fields["BYHOUR"].isdigit():
        minute = fields.get("BYMINUTE", "0")
        hour = f"{int(fields['BYHOUR']):02d}:{int(minute) if minute.isdigit() else 0:02d}"
    by_day = fields.get("BYDAY")
    recurrence = {"MO,TU,WE,TH,FR": "weekdays", "SA,SU": "weekends", "SU,SA": "weekends"}.get(by_day or "", "daily")
    return Plan(hour, recurrence)


def clock(c: LocaleContent, time: str) -> str:
    """"18:30" as this language says it ("6:30 p.m.", "las 18:30")."""
    hour, minute = (int(x) for x in time.split(":"))
    half = c.phrase("clock_am") if hour < 12 else c.phrase("clock_pm")
    values = {"hour12": hour % 12 or 12, "hour24": hour, "minute": f"{minute:02d}", "half": half}
    return c.phrase("clock_on_hour" if minute == 0 else "clock", **values)


def when_words(c: LocaleContent, plan: Plan, today: date) -> str:
    """"every weekday at 7 a.m.", "tomorrow at 6 p.m."."""
    at = clock(c, plan.time)
    if plan.recurrence is not None:
        return c.phrase(f"when_{plan.recurrence}", time=at)
    day = date.fromisoformat(plan.day) if plan.day else today
    if day == today:
        return c.phrase("when_today", time=at)
    if day == today + timedelta(days=1):
        return c.phrase("when_tomorrow", time=at)
    return c.phrase("when_once", time=at, day=day.day, month=c.phrase(f"month_{day.month}"))


def zone_words(c: LocaleContent, zone: str) -> str:
    """"New York time": the zone's city, which is how people say a time zone."""
    return c.phrase("zone_words", city=zone.rsplit("/", 1)[-1].replace("_", " "))


# ----------------------------------------------------------------------------------------------- preferences

# The coach's own preference keys (set by voice in ``coaching``, read back here): "hold" is "longer" or
# "shorter", absent for standard; "sides" is "ask" for a question after every side, absent or "flow" for a
# whole stretch per turn. Keys with no phrase here are not read back (but never break this).
HOLD_PREFERENCE = "hold"
SIDES_PREFERENCE = "sides"


def settings_lines(c: LocaleContent, preferences: dict[str, str], reminder: str | None) -> list[str]:
    """What "what are my settings" says: default routine, hold length, confirming after every side, and the
    reminder; each one either as stored or as the default. Malformed values fall back to the default wording."""
    lines = []
    routine = c.routines.get(preferences.get(DEFAULT_ROUTINE, ""))
    if routine is None:
        routine = c.routines.get("quick") or next(iter(c.routines.values()))
    lines.append(c.phrase("settings_default_routine", routine=routine.name))
    hold = preferences.get(HOLD_PREFERENCE)
    lines.append(c.phrase({"longer": "settings_hold_longer", "shorter": "settings_hold_shorter"}.get(
        hold if isinstance(hold, str) else "", "settings_hold_default")))
    asks = preferences.get(SIDES_PREFERENCE) == "ask"
    lines.append(c.phrase("settings_every_side_on" if asks else "settings_every_side_off"))
    lines.append(reminder or c.phrase("settings_no_reminder"))
    return lines


def local_day(c: LocaleContent, profile: Profile) -> str:
    """Today's date (ISO) where the user is: a routine finished at 11 pm counts for that evening's day."""
    return local_now(zone_of(profile, c.locale)).date().isoformat()


def record_of(c: LocaleContent, profile: Profile) -> Record:
    """The record as of the user's today."""
    return record(profile.stretch_days, local_now(zone_of(profile, c.locale)).date())
