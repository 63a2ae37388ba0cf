"""A scenario of the week (issue 21.2): moderators schedule a weekly group session in a
channel; a job posts it, once across every process.

The job (`post_due`, run by the JobRunner under its lease) claims each due schedule with
a compare-and-set on its next due moment, together with the outbox item that posts it,
so that two processes never post twice and a post is never lost once claimed. After
downtime a schedule posts once and moves to its next future slot.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import group_view, outbound_json
from bot.core.access import Access
from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog, Scenario
from bot.core.clock import Clock
from bot.core.errors import NotFound
from bot.core.group_model import GroupSession
from bot.core.messages import Destination, Field, Form, Option, Outbound, Reply, Section
from bot.core.models import OutboxItem
from bot.core.ports import ContentSource, GroupPracticeStore, ScheduleStore
from bot.core.schedule_model import WEEKDAYS, Schedule, parse_slot

PURPOSE = "group_post"
CHANNEL = "channel"  # the Destination kind of a post in a public channel
COMMAND_WORDS = ("add", "list", "pause", "resume", "remove")
# A schedule form's id: this, then the channel it schedules for (where it was asked).
FORM_PREFIX = "schedule|"


class WeeklyPractice:
    def __init__(
        self,
        content: ContentSource,
        store: ScheduleStore,
        groups: GroupPracticeStore,
        access: Access,
        clock: Clock,
    ) -> None:
        self._content = content
        self._store = store
        self._groups = groups
        self._access = access
        self._clock = clock

    # -- moderators --------------------------------------------------------------------

    async def add(
        self, actor: Actor, channel: str, weekday: str, at: str, zone: str, topics: str = ""
    ) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        if not channel.strip():
            raise NotFound("schedule.needs_channel")
        slot = parse_slot(weekday, at, zone)
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        schedule = Schedule(
            id=secrets.token_hex(3),
            platform=actor.platform,
            community=actor.community,
            channel=channel.strip(),
            slot=slot,
            topics=tuple(t for t in topics.replace(",", " ").lower().split() if t),
            locale=locale,
            created_by=actor.key,
            paused=False,
            next_due=slot.next_after(self._clock.now()),
        )
        await self._store.add_schedule(schedule)
        text = catalog.text(
            locale, "schedule.added", **_described(catalog, locale, schedule), id=schedule.id
        )
        return Reply(sections=(Section(text),))

    async def form(self, actor: Actor, channel: str) -> Reply:
        """The form (a Slack modal) that schedules a scenario of the week in `channel`."""
        await self._access.require(actor, Role.MODERATOR)
        catalog = self._content.catalog(actor.community)
        loc = catalog.locale_for(actor.locale)
        days = tuple(Option(day, catalog.text(loc, f"schedule.day_{day}")) for day in WEEKDAYS)
        fields = (
            Field("weekday", catalog.text(loc, "schedule.field_weekday"), True, days),
            Field(
                "time",
                catalog.text(loc, "schedule.field_time"),
                True,
                max_length=5,
                placeholder="09:30",
            ),
            Field(
                "zone",
                catalog.text(loc, "schedule.field_zone"),
                True,
                max_length=60,
                placeholder="Europe/Madrid",
            ),
            Field("topics", catalog.text(loc, "schedule.field_topics"), max_length=200),
        )
        title = catalog.text(loc, "schedule.form_title")
        submit = catalog.text(loc, "schedule.form_submit")
        return Reply(form=Form(f"{FORM_PREFIX}{channel}", title, fields, submit))

    async def submit(self, actor: Actor, form_id: str, values: Mapping[str, str]) -> Reply:
        channel = form_id.removeprefix(FORM_PREFIX)
        return await self.add(
            actor,
            channel,
            values.get("weekday", ""),
            values.get("time", ""),
            values.get("zone", ""),
            values.get("topics", ""),
        )

    async def listing(self, actor: Actor) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        found = await self._store.list_schedules(actor.community)
        if not found:
            return Reply(sections=(Section(catalog.text(locale, "schedule.list_empty")),))
        lines = [
            catalog.text(locale, "schedule.list_line", **_described(catalog, locale, s), id=s.id)
            for s in found
        ]
        title = catalog.text(locale, "schedule.list_title")
        return Reply(sections=(Section("\n".join(lines), title=title),))

    async def usage(self, actor: Actor) -> Reply:
        """How to write the command, for a moderator who wrote it otherwise."""
        await self._access.require(actor, Role.MODERATOR)
        raise NotFound("schedule.usage")

    async def pause(self, actor: Actor, schedule_id: str) -> Reply:
        return await self._set_paused(actor, schedule_id, paused=True)

    async def resume(self, actor: Actor, schedule_id: str) -> Reply:
        return await self._set_paused(actor, schedule_id, paused=False)

    async def remove(self, actor: Actor, schedule_id: str) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        await self._own_schedule(actor, schedule_id)
        await self._store.remove_schedule(schedule_id)
        return self._note(actor, "schedule.removed", id=schedule_id)

    async def _set_paused(self, actor: Actor, schedule_id: str, *, paused: bool) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        # A resumed schedule waits for its next slot: no post for the weeks it was paused.
        schedule = await self._own_schedule(actor, schedule_id)
        next_due = schedule.slot.next_after(self._clock.now())
        await self._store.set_schedule_paused(schedule_id, paused, next_due)
        return self._note(
            actor, "schedule.paused" if paused else "schedule.resumed", id=schedule_id
        )

    async def _own_schedule(self, actor: Actor, schedule_id: str) -> Schedule:
        """The schedule, if it is in the actor's community."""
        schedule = await self._store.get_schedule(schedule_id.strip())
        if schedule is None or schedule.community != actor.community:
            raise NotFound("schedule.not_found", id=schedule_id[:20])
        return schedule

    def _note(self, actor: Actor, key: str, **params: object) -> Reply:
        catalog = self._content.catalog(actor.community)
        text = catalog.text(catalog.locale_for(actor.locale), key, **params)
        return Reply(sections=(Section(text),))

    # -- the job -----------------------------------------------------------------------

    async def post_due(self) -> int:
        """Post every due schedule's next scenario once; how many were posted."""
        now = self._clock.now()
        posted = 0
        for schedule in await self._store.due_schedules(now):
            if await self._post(schedule, now):
                posted += 1
        return posted

    async def _post(self, schedule: Schedule, now: datetime) -> bool:
        catalog = self._content.current
        scenario = next_scenario(catalog, schedule)
        if scenario is None:
            return False
        session = GroupSession.waiting(
            secrets.token_hex(8),
            scenario.id,
            scenario.locale,
            scenario.start,
            schedule.created_by,
            now,
            schedule.community,
        )
        # Made before the claim: a session whose claim is lost is never shown, and expires.
        await self._groups.create_group(session)
        history = schedule.posted if scenario.id not in schedule.posted else ()
        claimed = replace(
            schedule,
            next_due=schedule.slot.next_after(now),
            last_posted_at=now,
            last_scenario=scenario.id,
            posted=(*history, scenario.id),
        )
        item = _post_item(catalog, schedule, session, scenario, now)
        return await self._store.claim_schedule(claimed, schedule.next_due, [item])


def next_scenario(catalog: Catalog, schedule: Schedule) -> Scenario | None:
    """The first scenario (in catalog order, among the schedule's topics) not yet posted
    in the channel; once all have been, the round starts again."""
    scenarios = catalog.scenario_list(schedule.locale)
    if schedule.topics:
        scenarios = tuple(s for s in scenarios if _matches(s, schedule.topics))
    fresh = [s for s in scenarios if s.id not in schedule.posted]
    if fresh:
        return fresh[0]
    return scenarios[0] if scenarios else None


def _matches(scenario: Scenario, topics: tuple[str, ...]) -> bool:
    """A topic is one of the 5Ds the scenario coaches, or a word of its setting."""
    tags = {t.value for t in scenario.focus} | set(scenario.setting.lower().split())
    return bool(tags.intersection(topics))


def _post_item(
    catalog: Catalog, schedule: Schedule, session: GroupSession, scenario: Scenario, now: datetime
) -> OutboxItem:
    intro = group_view.intro(catalog, session, scenario)
    heading = Section(catalog.text(schedule.locale, "schedule.post_heading"))
    reply = replace(intro, sections=(heading, *intro.sections))
    to = Destination(schedule.platform, CHANNEL, schedule.channel, schedule.community)
    outbound = Outbound(to, reply)
    return OutboxItem(
        id=secrets.token_hex(8),
        checkin_id=f"schedule:{schedule.id}",
        purpose=PURPOSE,
        priority=0,
        payload=outbound_json.encode(outbound),
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        community=schedule.community,
    )


def _described(catalog: Catalog, locale: str, schedule: Schedule) -> dict[str, object]:
    """What the copy says about a schedule: where, when, its state and its posts."""
    never = catalog.text(locale, "schedule.never")
    last = schedule.last_scenario
    scenario = catalog.scenario(last, locale) if last else None
    state = "schedule.state_paused" if schedule.paused else "schedule.state_active"
    if last:
        title = scenario.title if scenario else last
        last_text = f"{title} ({_local(schedule, schedule.last_posted_at)})"
    else:
        last_text = never
    return {
        "channel": _channel_ref(schedule),
        "slot": schedule.slot.text,
        "topics": ", ".join(schedule.topics) or catalog.text(locale, "schedule.any_topic"),
        "state": catalog.text(locale, state),
        "last": last_text,
        "next": never if schedule.paused else _local(schedule, schedule.next_due),
    }


def _local(schedule: Schedule, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(schedule.slot.zone)).strftime("%Y-%m-%d %H:%M")


def _channel_ref(schedule: Schedule) -> str:
    # Discord draws <#id> as the channel's name and never pings; Slack's renderer escapes
    # every "<", so there the channel shows by its id.
    if schedule.platform == "discord":
        return f"<#{schedule.channel}>"
    return f"#{schedule.channel.lstrip('#')}"
