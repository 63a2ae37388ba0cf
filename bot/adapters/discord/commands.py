"""The slash commands. Each callback converts its options and hands the core call to the
router; autocomplete asks the core for choices. No decisions are made here.

Command names and descriptions are registered with Discord by ``python -m bot discord
sync``; the wording the bot says in answer lives in the content files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

import discord

from bot.adapters.discord.convert import actor_from_interaction
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.messages import Option, Reply

__all__ = ["Router", "install_commands"]

AUTOCOMPLETE_MAX = 25
CHOICE_MAX = 100

Choice = discord.app_commands.Choice[str]


class Router(Protocol):
    @property
    def app(self) -> Upstander: ...

    async def command(
        self, interaction: discord.Interaction[Any], call: Callable[[Actor], Awaitable[Reply]]
    ) -> None: ...


def _choices(options: tuple[Option, ...]) -> list[Choice]:
    return [
        discord.app_commands.Choice(
            name=o.label[:CHOICE_MAX] or o.value[:CHOICE_MAX], value=o.value
        )
        for o in options[:AUTOCOMPLETE_MAX]
        if len(o.value) <= CHOICE_MAX
    ]


def install_commands(tree: discord.app_commands.CommandTree[Any], router: Router) -> None:
    """Add every Upstander command to ``tree``; callbacks reach the core through ``router``."""

    async def scenarios(interaction: discord.Interaction[Any], current: str) -> list[Choice]:
        actor = actor_from_interaction(interaction)
        return _choices(router.app.scenario_choices(actor, current))

    async def topics(interaction: discord.Interaction[Any], current: str) -> list[Choice]:
        actor = actor_from_interaction(interaction)
        return _choices(router.app.topic_choices(actor, current))

    @tree.command(name="help", description="What Upstander can do for you")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await router.command(interaction, router.app.help)

    @tree.command(name="practice", description="Practise a 'what would you do?' scenario")
    @discord.app_commands.describe(
        scenario="A scenario to start (leave empty for the list)",
        together="Practise together in this channel: everyone votes at each step",
    )
    @discord.app_commands.autocomplete(scenario=scenarios)
    async def practice(
        interaction: discord.Interaction[Any], scenario: str = "", together: bool = False
    ) -> None:
        call = router.app.practice_together if together else router.app.practice
        await router.command(interaction, lambda actor: call(actor, scenario))

    @tree.command(name="resources", description="Reading lists on allyship and intervention")
    @discord.app_commands.describe(
        search="Words to search for", topic="A reading list topic", kind="A kind of resource"
    )
    @discord.app_commands.autocomplete(topic=topics)
    async def resources(
        interaction: discord.Interaction[Any], search: str = "", topic: str = "", kind: str = ""
    ) -> None:
        await router.command(
            interaction, lambda actor: router.app.resources(actor, search, topic, kind)
        )

    @tree.command(name="checkin", description="Ask a trained volunteer for support, privately")
    @discord.app_commands.describe(action="open (the default) or close your check-in")
    async def checkin(
        interaction: discord.Interaction[Any], action: Literal["open", "close"] = "open"
    ) -> None:
        call = router.app.close_checkin if action == "close" else router.app.checkin
        await router.command(interaction, call)

    @tree.command(name="volunteer", description="Volunteers: take check-ins or pause")
    @discord.app_commands.describe(
        state="on, off or status; or whether members see you as “a volunteer”"
    )
    async def volunteer(
        interaction: discord.Interaction[Any],
        state: Literal["on", "off", "status", "anonymous on", "anonymous off"] = "status",
    ) -> None:
        await router.command(interaction, lambda actor: router.app.volunteer(actor, state))

    @tree.command(name="mydata", description="See or erase what Upstander keeps about you")
    @discord.app_commands.describe(action="export or delete")
    async def mydata(
        interaction: discord.Interaction[Any], action: Literal["export", "delete"]
    ) -> None:
        await router.command(interaction, lambda actor: router.app.mydata(actor, action))

    # Hidden from members by default; the core checks the moderator role again.
    admin = discord.app_commands.Group(
        name="upstander",
        description="Moderators: reload content, see statistics and the audit trail",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    @admin.command(name="reload", description="Validate and reload the content files")
    async def reload(interaction: discord.Interaction[Any]) -> None:
        await router.command(interaction, router.app.reload)

    @admin.command(name="stats", description="Anonymous figures")
    async def stats(interaction: discord.Interaction[Any]) -> None:
        await router.command(interaction, router.app.stats)

    @admin.command(name="audit", description="Recent check-in events")
    async def audit(interaction: discord.Interaction[Any]) -> None:
        await router.command(interaction, router.app.audit)

    tree.add_command(admin)
