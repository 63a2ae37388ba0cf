"""A scenario of the week (issue 21.2): when a channel's next group session is due.

The slot is a weekday and a wall-clock time in an IANA time zone, so 09:30 in
Europe/Madrid stays 09:30 there across daylight saving changes; the store keeps the next
due moment in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import NotFound

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Slot:
    """A weekly moment: `weekday` 0 (Monday) to 6, `at` local time in `zone`."""

    weekday: int
    at: time
    zone: str

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after `moment` (aware), in UTC."""
        tz = ZoneInfo(self.zone)
        local_day = moment.astimezone(tz).date()
        for offset in range(8):
            day = local_day + timedelta(days=offset)
            if day.weekday() != self.weekday:
                continue
            due = datetime.combine(day, self.at, tzinfo=tz)
            if due > moment:
                return due.astimezone(moment.tzinfo)
        return self.next_after(moment + timedelta(days=1))

    @property
    def text(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.at:%H:%M} {self.zone}"


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    platform: str
    channel: str
    slot: Slot
    topics: tuple[str, ...]
    locale: str
    created_by: str  # the moderator's actor key: the sessions' starter
    paused: bool
    next_due: datetime
    last_posted_at: datetime | None = None
    last_scenario: str = ""
    posted: tuple[str, ...] = ()  # scenario ids already posted, oldest first
    community: str = ""  # the channel's community; empty: the platform's default one

    def __post_init__(self) -> None:
        if not self.community:
            object.__setattr__(self, "community", self.platform)


def parse_slot(weekday: str, at: str, zone: str) -> Slot:
    """A slot from what a moderator typed; NotFound names what was wrong."""
    day = weekday.strip().lower()
    matches = [i for i, name in enumerate(WEEKDAYS) if day and name.startswith(day[:3])]
    if day.isdecimal() and 1 <= int(day) <= 7:
        matches = [int(day) - 1]
    if len(matches) != 1:
        raise NotFound("schedule.bad_weekday", weekday=weekday[:20])
    hours, _, minutes = at.strip().partition(":")
    if not (hours.isdecimal() and minutes.isdecimal() and len(minutes) == 2):
        raise NotFound("schedule.bad_time", time=at[:20])
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise NotFound("schedule.bad_time", time=at[:20])
    try:
        ZoneInfo(zone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise NotFound("schedule.bad_zone", zone=zone[:60]) from None
    return Slot(matches[0], time(int(hours), int(minutes)), zone.strip())
