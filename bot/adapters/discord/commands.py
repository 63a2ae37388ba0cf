"""The slash commands, one cog per feature. Each method converts its options and hands the
core call to the router; autocomplete asks the core for choices. No decisions are made here.

The English names and descriptions below are what Discord shows when a member's language
has no wording in the content files; `translator.py` adds each language's wording from
``discord.commands.*`` in scripts_content/messages. ``python -m bot discord sync``
registers them with Discord.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.content_commands import add_content_commands
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.messages import Option, Reply
from bot.core.settings import known_regions

__all__ = ["Router", "add_commands", "feature_cogs"]

AUTOCOMPLETE_MAX = 25
WEEKDAY_CHOICES = Literal[
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
]
CHOICE_MAX = 100

Choice = app_commands.Choice[str]
Interaction = discord.Interaction[Any]


class Router(Protocol):
    @property
    def app(self) -> Upstander: ...

    def actor(self, interaction: Interaction) -> Actor: ...

    async def command(
        self, interaction: Interaction, call: Callable[[Actor], Awaitable[Reply]]
    ) -> None: ...


def _choices(options: tuple[Option, ...]) -> list[Choice]:
    return [
        app_commands.Choice(name=o.label[:CHOICE_MAX] or o.value[:CHOICE_MAX], value=o.value)
        for o in options[:AUTOCOMPLETE_MAX]
        if len(o.value) <= CHOICE_MAX
    ]


def time_zones(typed: str) -> list[str]:
    """IANA zone names containing what was typed, for the schedule's autocomplete."""
    wanted = typed.strip().lower()
    return sorted(z for z in zoneinfo.available_timezones() if wanted in z.lower())[
        :AUTOCOMPLETE_MAX
    ]


class Feature(commands.Cog):
    """A feature's commands; every one reaches the core through ``router``."""

    def __init__(self, router: Router) -> None:
        self.router = router


class HelpCommand(Feature):
    @app_commands.command(name="help", description="What Upstander can do for you")
    async def help(self, interaction: Interaction) -> None:
        await self.router.command(interaction, self.router.app.help)


class PracticeCommand(Feature):
    async def _scenarios(self, interaction: Interaction, current: str) -> list[Choice]:
        actor = self.router.actor(interaction)
        return _choices(self.router.app.scenario_choices(actor, current))

    @app_commands.command(name="practice", description="Practise a 'what would you do?' scenario")
    @app_commands.describe(
        scenario="A scenario to start (leave empty for the list)",
        together="Practise together in this channel: everyone votes at each step",
    )
    @app_commands.autocomplete(scenario=_scenarios)
    async def practice(
        self, interaction: Interaction, scenario: str = "", together: bool = False
    ) -> None:
        app = self.router.app
        call = app.practice_together if together else app.practice
        await self.router.command(interaction, lambda actor: call(actor, scenario))


class ResourcesCommand(Feature):
    async def _topics(self, interaction: Interaction, current: str) -> list[Choice]:
        actor = self.router.actor(interaction)
        return _choices(self.router.app.topic_choices(actor, current))

    @app_commands.command(
        name="resources", description="Reading lists on allyship and intervention"
    )
    @app_commands.describe(
        search="Words to search for", topic="A reading list topic", kind="A kind of resource"
    )
    @app_commands.autocomplete(topic=_topics)
    async def resources(
        self, interaction: Interaction, search: str = "", topic: str = "", kind: str = ""
    ) -> None:
        app = self.router.app
        await self.router.command(
            interaction, lambda actor: app.resources(actor, search, topic, kind)
        )


class CheckInCommands(Feature):
    @app_commands.command(
        name="checkin", description="Ask a trained volunteer for support, privately"
    )
    @app_commands.describe(action="open (the default) or close your check-in")
    async def checkin(
        self, interaction: Interaction, action: Literal["open", "close"] = "open"
    ) -> None:
        app = self.router.app
        await self.router.command(
            interaction, app.close_checkin if action == "close" else app.checkin
        )

    @app_commands.command(name="volunteer", description="Volunteers: take check-ins or pause")
    @app_commands.describe(state="on, off or status; or whether members see you as “a volunteer”")
    async def volunteer(
        self,
        interaction: Interaction,
        state: Literal["on", "off", "status", "anonymous-on", "anonymous-off"] = "status",
    ) -> None:
        app = self.router.app
        # Choice values are key-safe; the core reads the words as typed elsewhere.
        words = state.replace("-", " ")
        await self.router.command(interaction, lambda actor: app.volunteer(actor, words))


class MyDataCommand(Feature):
    @app_commands.command(name="mydata", description="See or erase what Upstander keeps about you")
    @app_commands.describe(action="export or delete")
    async def mydata(self, interaction: Interaction, action: Literal["export", "delete"]) -> None:
        app = self.router.app
        await self.router.command(interaction, lambda actor: app.mydata(actor, action))


# Hidden from members by default; the core checks the moderator role again.
@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class ModeratorCommands(
    Feature,
    commands.GroupCog,
    group_name="upstander",
    group_description="Moderators: reload content, see statistics and the audit trail",
):
    @app_commands.command(name="reload", description="Validate and reload the content files")
    async def reload(self, interaction: Interaction) -> None:
        await self.router.command(interaction, self.router.app.reload)

    @app_commands.command(name="stats", description="Anonymous figures")
    async def stats(self, interaction: Interaction) -> None:
        await self.router.command(interaction, self.router.app.stats)

    @app_commands.command(name="audit", description="Recent check-in events")
    async def audit(self, interaction: Interaction) -> None:
        await self.router.command(interaction, self.router.app.audit)

    @app_commands.command(name="schedule", description="A scenario of the week in a channel")
    @app_commands.describe(
        action="add, list (the default), pause, resume or remove",
        channel="add: the channel to post in",
        weekday="add: the day of the week",
        time="add: the local time, HH:MM",
        zone="add: the time zone, such as Europe/Madrid",
        topics="add: 5D tactics or settings to choose from (optional)",
        which="pause, resume, remove: the schedule's id from the list",
    )
    async def schedule(
        self,
        interaction: Interaction,
        action: Literal["add", "list", "pause", "resume", "remove"] = "list",
        channel: discord.TextChannel | None = None,
        weekday: WEEKDAY_CHOICES | None = None,
        time: str = "",
        zone: str = "",
        topics: str = "",
        which: str = "",
    ) -> None:
        app = self.router.app
        if action == "add":
            where = str(channel.id) if channel is not None else ""
            await self.router.command(
                interaction,
                lambda actor: app.schedule_add(actor, where, weekday or "", time, zone, topics),
            )
            return
        words = f"{action} {which}".strip()
        await self.router.command(interaction, lambda actor: app.schedule(actor, words))

    @app_commands.command(name="setup", description="Admins: this community's settings")
    @app_commands.describe(
        channel="The volunteers' channel: check-in cards go there",
        volunteer_role="Members with this role take check-ins",
        lead_role="Leads: mentioned when a check-in waits too long",
        moderator_role="Moderators: statistics, audit, content",
        region="The crisis lines' region, such as GB or ES",
        language="The default language, such as en, es or fr",
        escalation_minutes="Minutes before an unclaimed check-in is raised to the leads",
        cooldown_minutes="Minutes before a member can open another check-in",
    )
    async def setup(
        self,
        interaction: Interaction,
        channel: discord.TextChannel | None = None,
        volunteer_role: discord.Role | None = None,
        lead_role: discord.Role | None = None,
        moderator_role: discord.Role | None = None,
        region: str = "",
        language: str = "",
        escalation_minutes: int | None = None,
        cooldown_minutes: int | None = None,
    ) -> None:
        chosen = {
            "volunteers_channel": channel,
            "volunteer_role": volunteer_role,
            "lead_role": lead_role,
            "moderator_role": moderator_role,
            "crisis_region": region or None,
            "language": language or None,
            "escalation_minutes": escalation_minutes,
            "cooldown_minutes": cooldown_minutes,
        }
        changes = {name: _option_text(value) for name, value in chosen.items() if value is not None}
        app = self.router.app
        await self.router.command(interaction, lambda actor: app.setup(actor, changes))

    @setup.autocomplete("region")
    async def region_autocomplete(self, interaction: Interaction, current: str) -> list[Choice]:
        regions = known_regions(self.router.app.services.content.current)
        return _matching(regions, current)

    @setup.autocomplete("language")
    async def language_autocomplete(self, interaction: Interaction, current: str) -> list[Choice]:
        return _matching(self.router.app.services.content.current.copy.locales(), current)

    @schedule.autocomplete("zone")
    async def zone_autocomplete(self, interaction: Interaction, current: str) -> list[Choice]:
        return [app_commands.Choice(name=z, value=z) for z in time_zones(current)]


def _matching(values: tuple[str, ...], typed: str) -> list[Choice]:
    wanted = typed.strip().lower()
    found = [v for v in values if wanted in v.lower()][:AUTOCOMPLETE_MAX]
    return [app_commands.Choice(name=v, value=v) for v in found]


def _option_text(value: object) -> str:
    """An option as the core reads it: a channel's or a role's id, else its text."""
    if isinstance(value, discord.abc.Snowflake):
        return str(value.id)
    return str(value)


def feature_cogs(router: Router) -> list[commands.Cog]:
    return [
        HelpCommand(router),
        PracticeCommand(router),
        ResourcesCommand(router),
        CheckInCommands(router),
        MyDataCommand(router),
        ModeratorCommands(router),
    ]


async def add_commands(bot: commands.Bot, router: Router) -> None:
    """Add every Upstander command to ``bot.tree``; callbacks reach the core via ``router``."""
    for cog in feature_cogs(router):
        await bot.add_cog(cog)
    add_content_commands(bot.tree, router)
