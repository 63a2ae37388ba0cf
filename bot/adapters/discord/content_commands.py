"""`/upstander content upload | download | revert` (issue 20.5): a community's moderators
manage its own content files. The group joins `/upstander` once the cogs are in the tree
(`add_content_commands`), so it stays out of the moderators' cog; the core checks the
moderator role again and decides everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.core.actors import Actor
from bot.core.commands import GROUP
from bot.core.content_admin import MAX_UPLOAD_BYTES
from bot.core.messages import Reply

if TYPE_CHECKING:
    from bot.adapters.discord.commands import Router

Interaction = discord.Interaction[Any]


def content_group(router: Router) -> app_commands.Group:
    group = app_commands.Group(
        name="content", description="Moderators: this server's own content files"
    )

    @group.command(name="upload", description="Check a YAML content file and use it here")
    @app_commands.describe(
        file="A scenario, messages, check-in or reading-list YAML file",
        path="Where it goes, like scenarios/es/my-scenario.yaml (default: from its name)",
    )
    async def upload(interaction: Interaction, file: discord.Attachment, path: str = "") -> None:
        name = path or file.filename

        async def call(actor: Actor) -> Reply:
            # Discord says the size before anything is fetched: too large is not read.
            if file.size > MAX_UPLOAD_BYTES:
                return await router.app.community_content.upload(actor, name, b"", size=file.size)
            return await router.app.community_content.upload(actor, name, await file.read())

        await router.command(interaction, call)

    @group.command(name="download", description="This server's own content files")
    async def download(interaction: Interaction) -> None:
        await router.command(interaction, router.app.community_content.download)

    @group.command(name="revert", description="Go back to the previous version of a file")
    @app_commands.describe(path="The file, like scenarios/my-scenario.yaml")
    async def revert(interaction: Interaction, path: str) -> None:
        await router.command(
            interaction, lambda actor: router.app.community_content.revert(actor, path)
        )

    return group


def add_content_commands(tree: app_commands.CommandTree[Any], router: Router) -> None:
    """Put the content group under `/upstander` (the moderators' cog must be added first)."""
    parent = tree.get_command(GROUP)
    if isinstance(parent, app_commands.Group):
        parent.add_command(content_group(router))
