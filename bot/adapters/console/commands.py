"""The console's slash commands that the core answers: one small handler per command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.adapters.console.content import content_command, upstander_command
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.library import parse_query
from bot.core.messages import Reply

CoreCommand = Callable[[Upstander, Actor, list[str]], Awaitable[Reply]]


def _first(args: list[str], default: str) -> str:
    return args[0] if args else default


async def _help(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    return await app.help(actor)


async def _practice(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    if args[:1] == ["together"]:
        return await app.practice_together(actor, args[1] if len(args) > 1 else "")
    return await app.practice(actor, _first(args, ""))


async def _resources(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    query = parse_query(args)
    return await app.resources(actor, query.words, query.topic, query.kind)


async def _checkin(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    if args[:1] == ["close"]:
        return await app.close_checkin(actor)
    return await app.checkin(actor)


async def _volunteer(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    return await app.volunteer(actor, _first(args, "status"))


async def _mydata(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    return await app.mydata(actor, _first(args, "export"))


async def _stats(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    return await app.stats(actor)


async def _reload(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    return await app.reload(actor)


async def _audit(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    return await app.audit(actor)


async def _schedule(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    return await app.schedule(actor, " ".join(args))


async def _setup(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    """`/setup key=value …` (or `/upstander setup …`): no words shows the settings."""
    return await app.setup(actor, " ".join(args))


async def _upstander(app: Upstander, actor: Actor, args: list[str]) -> Reply:
    """`/upstander setup …` and `/upstander content …`, as on Slack and Discord."""
    if args[:1] == ["setup"]:
        return await _setup(app, actor, args[1:])
    return await upstander_command(app, actor, args)


CORE_COMMANDS: dict[str, CoreCommand] = {
    "help": _help,
    "practice": _practice,
    "resources": _resources,
    "checkin": _checkin,
    "volunteer": _volunteer,
    "mydata": _mydata,
    "stats": _stats,
    "reload": _reload,
    "audit": _audit,
    "schedule": _schedule,
    "content": content_command,
    "setup": _setup,
    "upstander": _upstander,
}
