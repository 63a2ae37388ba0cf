"""`/upstander content ...` in the console (issue 20.5): the console's operator uploads a
file from their own disk; the core decides everything else."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.content_admin import MAX_UPLOAD_BYTES
from bot.core.messages import Reply, Section


async def content_command(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    """`upload <file on disk> [where it goes]`, `download`, `revert <path>`."""
    action, *rest = args or ["download"]
    if action == "upload" and rest:
        file = Path(rest[0])
        try:
            data = await asyncio.to_thread(_head, file)
        except OSError:
            return _note(app.text(actor, "community_content.cannot_read", file=str(file)))
        return await app.community_content.upload(
            actor, rest[1] if len(rest) > 1 else file.name, data
        )
    if action == "download" and not rest:
        return await app.community_content.download(actor)
    if action == "revert" and len(rest) == 1:
        return await app.community_content.revert(actor, rest[0])
    return _note(app.text(actor, "community_content.usage"))


async def upstander_command(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    """`/upstander <subcommand>`: only `content` here (setup adds its own)."""
    if args[:1] == ["content"]:
        return await content_command(app, actor, args[1:])
    return _note(app.text(actor, "community_content.usage"))


def _note(text: str) -> Reply:
    return Reply(sections=(Section(text),))


def _head(file: Path) -> bytes:
    # One byte past the limit is enough for the core to refuse it as too large.
    with file.expanduser().open("rb") as handle:
        return handle.read(MAX_UPLOAD_BYTES + 1)
