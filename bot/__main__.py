"""Upstander's command line: `python -m bot run` and the moderators' content tools."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import logs
from bot.config import Settings
from bot.gctune import settle_after_startup

if TYPE_CHECKING:  # imported where used: `content` and `db` start without the bot's parts
    from bot.bootstrap import Runtime
    from bot.health import HealthServer

log = logging.getLogger("bot")

Serve = Callable[[], Coroutine[Any, Any, None]]

# The console's log, beside its database: the chat on screen stays a chat.
LOG_FILE = "upstander.log"
NO_PLATFORM = (
    "cannot start: set DISCORD_TOKEN or SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and"
    " SLACK_CLIENT_SECRET) for `run`,"
    " or try the bot in a terminal with `python -m bot console` (`make run`)"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command == "run":
        if not _platforms(settings):
            print(NO_PLATFORM, file=sys.stderr)
            return 1
        logs.configure(settings.log_level, secrets=logs.known_secrets(settings.env))
        return asyncio.run(_run(settings, console=False))
    if args.command in (None, "console"):
        logs.configure_console(
            settings.log_level,
            settings.data_dir / LOG_FILE,
            secrets=logs.known_secrets(settings.env),
        )
        return asyncio.run(_run(settings, console=True))
    if args.command == "content":
        return _content(args, settings)
    if args.command == "db":
        return _db(settings)
    if args.command == "keys":
        return _keys(settings)
    if args.command == "discord":
        from bot.adapters.discord.cli import discord_command

        logs.configure(settings.log_level, secrets=logs.known_secrets(settings.env))
        return int(discord_command(args, settings))
    parser.print_help()
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Upstander")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="serve Discord and/or Slack (needs their tokens)")
    sub.add_parser("console", help="the whole bot in a terminal chat (the default)")
    _content_parser(sub.add_parser("content", help="moderators' tools"))
    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate the database to the latest revision")
    keys = sub.add_parser("keys", help="encryption key tools")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser(
        "rotate",
        help="re-seal everything under UPSTANDER_SECRET_KEY; then UPSTANDER_OLD_SECRET_KEYS can go",
    )
    discord = sub.add_parser("discord", help="Discord tools")
    discord_sub = discord.add_subparsers(dest="discord_command", required=True)
    sync = discord_sub.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument("--guild", type=int, default=None, help="sync to one server (instant)")
    return parser


def _content_parser(content: argparse.ArgumentParser) -> None:
    """`python -m bot content …`: the moderators' tools."""
    content_sub = content.add_subparsers(dest="content_command", required=True)
    validate = content_sub.add_parser("validate", help="check every content file")
    validate.add_argument("dir", nargs="?", help="content directory (default: scripts_content)")
    validate.add_argument("--resources", help="resources.yaml (default: beside the content dir)")
    validate.add_argument(
        "--strict-locales",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a text missing in a shipped locale is an error (default: only in the"
        " bundled content; a warning in a community's own)",
    )
    schema = content_sub.add_parser("schema", help="write the JSON Schemas editors use")
    schema.add_argument("out", nargs="?", help="output directory (default: scripts_content/schema)")
    preview = content_sub.add_parser("preview", help="play one scenario in the terminal")
    preview.add_argument("scenario_id")
    preview.add_argument("--locale", default=None)
    screen = content_sub.add_parser(
        "screen", help="try the crisis screen: one text a line on stdin, crisis/ok out"
    )
    screen.add_argument("dir", nargs="?", help="content directory (default: scripts_content)")
    screen.add_argument("--resources", help="resources.yaml (default: beside the content dir)")
    screen.add_argument("--locale", default=None, help="only this locale's crisis phrases")


def _db(settings: Settings) -> int:
    """`db upgrade`: what start-up does anyway, for operators who migrate before deploying."""
    from bot.bootstrap import upgrade_database
    from bot.core.errors import StorageError

    logs.configure(settings.log_level, secrets=logs.known_secrets(settings.env))
    try:
        asyncio.run(upgrade_database(settings))
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("the database is at the latest revision")
    return 0


def _keys(settings: Settings) -> int:
    """`keys rotate`: re-seal and re-fingerprint everything under the sealing key."""
    from bot.bootstrap import rotate_keys
    from bot.core.errors import UpstanderError

    logs.configure(settings.log_level, secrets=logs.known_secrets(settings.env))
    try:
        done = asyncio.run(rotate_keys(settings))
    except UpstanderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"re-sealed {done.checkins} check-in(s) and {done.outbox} outbox item(s),"
        f" re-keyed {done.blocks} block(s); the data is sealed under key id {done.key_id}:"
        " UPSTANDER_OLD_SECRET_KEYS can be removed"
    )
    if done.blocks_unmatched:
        print(
            f"{done.blocks_unmatched} block(s) match no check-in left and keep their"
            " fingerprint: one made under an old key stops applying once that key is removed"
        )
    return 0


def _platforms(settings: Settings) -> bool:
    env = settings.env
    return bool(env.get("DISCORD_TOKEN") or _slack(env))


def _slack(env: Mapping[str, str]) -> bool:
    """Slack is served with one bot token, or for every workspace installing by OAuth."""
    return bool(env.get("SLACK_BOT_TOKEN")) or bool(
        env.get("SLACK_CLIENT_ID", "").strip() and env.get("SLACK_CLIENT_SECRET", "").strip()
    )


async def _run(settings: Settings, *, console: bool) -> int:
    from bot.core.errors import UpstanderError

    runtime = await _build_or_say_why(settings)
    if runtime is None:
        return 1
    if not console:
        _import_adapters(settings.env)
    # Everything long-lived is built now: keep the collector from walking it under load.
    settle_after_startup()
    stop = asyncio.Event()
    _on_signals(stop)
    runtime.start_background()
    try:
        if console:
            await _serve_console(runtime, stop)
        else:
            await _serve_platforms(runtime, stop)
    except UpstanderError as exc:
        # Configuration and start-up problems the operator can fix: say what, no traceback.
        print(f"cannot start: {exc}", file=sys.stderr)
        return 1
    finally:
        # The adapters have stopped taking work and finished what was in flight: flush
        # the outbox (bounded) and close the database.
        await runtime.aclose()
        if not console:
            log.info("stopped")
    return 0


async def _build_or_say_why(settings: Settings) -> Runtime | None:
    """The bot, or None once the reason it cannot start is printed."""
    from bot.bootstrap import build
    from bot.core.errors import ContentInvalid, UpstanderError

    # The modules are imported: out of the collector's sight before the content load,
    # which then walks only what it builds.
    settle_after_startup()
    try:
        return await build(settings)
    except ContentInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("content is invalid; fix it and start again", file=sys.stderr)
    except UpstanderError as exc:
        # Another bot on this data directory, a database that will not open: say what.
        print(f"cannot start: {exc}", file=sys.stderr)
    return None


async def _serve_platforms(runtime: Runtime, stop: asyncio.Event) -> None:
    """Run every configured adapter until ``stop``; if one fails, stop the others too."""
    servers = _platform_servers(runtime, stop)
    health = await _serve_health_alone(runtime)
    adapters = [asyncio.create_task(serve(), name=name) for name, serve in servers.items()]
    try:
        await asyncio.wait(adapters, return_when=asyncio.FIRST_EXCEPTION)
        if not stop.is_set():
            stop.set()  # one adapter failed (or ended): the others stop as well
        await asyncio.wait(adapters)
    finally:
        if health is not None:
            await health.close()
    for task in adapters:
        if not task.cancelled() and (failure := task.exception()) is not None:
            raise failure


def _platform_servers(runtime: Runtime, stop: asyncio.Event) -> dict[str, Serve]:
    """The configured platforms' adapters; a setting missing stops here, before any listens."""
    env = runtime.settings.env
    servers: dict[str, Serve] = {}
    hooks = runtime.communities
    if env.get("DISCORD_TOKEN"):
        from bot.adapters.discord.run import serve_discord
        from bot.adapters.discord.settings import DiscordSettings

        discord = DiscordSettings.from_env(env)
        servers["discord"] = partial(
            serve_discord,
            runtime.app,
            runtime.content,
            runtime,
            discord,
            stop,
            on_joined=hooks.joined if hooks else None,
            on_removed=hooks.left if hooks else None,
        )
    if _slack(env):
        from bot.adapters.slack.run import serve_slack
        from bot.adapters.slack.settings import SlackSettings

        slack = SlackSettings.from_env(env)
        servers["slack"] = partial(
            serve_slack,
            runtime.app,
            runtime,
            slack,
            stop,
            database=runtime.database,
            purge=hooks.uninstalled if hooks else None,
        )
    return servers


async def _serve_health_alone(runtime: Runtime) -> HealthServer | None:
    """Slack serves /health on PORT itself; a Discord-only web process must bind it too."""
    env = runtime.settings.env
    if _slack(env) or not env.get("PORT"):
        return None
    from bot.core.errors import UpstanderError
    from bot.health import serve_health

    try:
        health = await serve_health(runtime, host="0.0.0.0", port=_port(env["PORT"]))
    except OSError as exc:
        raise UpstanderError(f"cannot listen on PORT {env['PORT']}: {exc.strerror}") from exc
    log.info("health check listening on port %s", health.port)
    return health


def _import_adapters(env: Mapping[str, str]) -> None:
    """Import the configured adapters now, so start-up's freeze covers their modules too."""
    if env.get("DISCORD_TOKEN"):
        import bot.adapters.discord.run
    if _slack(env):
        import bot.adapters.slack.run  # noqa: F401


async def _serve_console(runtime: Runtime, stop: asyncio.Event) -> None:
    """The console until it ends or a signal comes. Its stdin read blocks a thread that
    only a line or end of input frees: after Ctrl-C the database is closed at once, and a
    second Ctrl-C leaves without waiting for that thread."""
    from bot.adapters.console.run import run_console

    console = asyncio.create_task(run_console(runtime.app, runtime), name="console")
    stopping = asyncio.create_task(stop.wait(), name="console-stop")
    interrupted = False
    try:
        await asyncio.wait({console, stopping}, return_when=asyncio.FIRST_COMPLETED)
        interrupted = not console.done()
    finally:
        for task in (console, stopping):
            task.cancel()
        await asyncio.gather(console, stopping, return_exceptions=True)
    if interrupted:
        await runtime.aclose()  # closed before saying so: a second Ctrl-C then loses nothing
        print("stopped; press Enter (or Ctrl-C again) to leave", file=sys.stderr)
    if not console.cancelled() and (failure := console.exception()) is not None:
        raise failure


def _port(raw: str) -> int:
    from bot.core.errors import UpstanderError

    raw = raw.strip()
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise UpstanderError(f"PORT must be a port number, not {raw!r}")
    return int(raw)


def _on_signals(stop: asyncio.Event) -> None:
    """First SIGTERM/SIGINT: stop taking work, finish, flush, close. A second one: exit now
    (whatever the outbox holds is committed and goes out at the next start)."""
    loop = asyncio.get_running_loop()

    def handle(sig: signal.Signals) -> None:
        if stop.is_set():
            log.warning("second %s: exiting without waiting", sig.name)
            logging.shutdown()
            os._exit(128 + sig.value)
        log.info("%s received: shutting down", sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        # Not every platform lets a loop handle signals; Ctrl-C still ends the process.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, handle, sig)


def _content(args: argparse.Namespace, settings: Settings) -> int:
    from bot.content import cli

    if args.content_command == "validate":
        content_dir = Path(args.dir) if args.dir else settings.content_dir
        resources = (
            Path(args.resources) if args.resources else _resources_beside(content_dir, settings)
        )
        return cli.validate_command(
            content_dir, resources, sys.stdout, strict_locales=args.strict_locales
        )
    if args.content_command == "screen":
        content_dir = Path(args.dir) if args.dir else settings.content_dir
        resources = (
            Path(args.resources) if args.resources else _resources_beside(content_dir, settings)
        )
        return cli.screen_command(
            content_dir, resources, args.locale, sys.stdin, sys.stdout, sys.stderr
        )
    if args.content_command == "schema":
        out = Path(args.out) if args.out else settings.content_dir / "schema"
        return cli.schema_command(out, sys.stdout)
    if args.content_command == "preview":
        from bot.adapters.console.preview import preview

        return int(asyncio.run(preview(settings, args.scenario_id, args.locale)))
    return 2


def _resources_beside(content_dir: Path, settings: Settings) -> Path:
    candidate = content_dir.resolve().parent / "resources.yaml"
    return candidate if candidate.exists() else settings.resources_file


if __name__ == "__main__":
    sys.exit(main())
