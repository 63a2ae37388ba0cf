"""One bot in many servers, through real discord.py against the stand-in: each guild its
own community, commands registered globally, roles looked up per guild, DMs routed to the
right community's conversation (asking when there are two), joins and removals reported."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from bot.adapters.discord.guilds import CUSTOM_ID_MAX, split_tag, tag_for
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.actors import Actor, Role
from bot.core.clock import ManualClock
from bot.core.practice import MENU
from bot.core.settings import CommunitySettings
from bot.storage.memory import MemoryStore
from tests.discord.driver import TIMEOUT, DiscordBot, button, open_checkin, start_bot, text
from tests.discord_standin import (
    DiscordStandin,
    FakeGuild,
    Perm,
    StoredMessage,
    finish_client_tasks,
)


@dataclass
class Hooks:
    """What serve_discord reported about servers joined and left."""

    joined: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_joined(self, community: str, name: str) -> None:
        self.joined.append((community, name))
        self.changed.set()

    async def on_removed(self, community: str) -> None:
        self.removed.append(community)
        self.changed.set()

    async def until(self, done: Callable[[], object]) -> None:
        async def wait() -> None:
            while not done():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), TIMEOUT)


@pytest.fixture
def guild_b(standin: DiscordStandin) -> FakeGuild:
    """A second server, there before the bot connects; the member is in both."""
    guild = standin.add_guild("Second Server")
    standin.join(guild, standin.member)
    return guild


@pytest.fixture
async def many(
    standin: DiscordStandin, discord_settings: Settings, guild_b: FakeGuild
) -> AsyncIterator[tuple[DiscordBot, Hooks]]:
    """The bot with no DISCORD_GUILD_ID: every server is a community of its own."""
    env = {k: v for k, v in discord_settings.env.items() if k != "DISCORD_GUILD_ID"}
    clock = ManualClock()
    runtime = await build(Settings.from_env(env), store=MemoryStore(), clock=clock)
    for guild in (standin.guild, guild_b):  # as each server's admin set it up
        own = CommunitySettings(
            volunteers_channel=str(guild.channel("volunteers").id),
            volunteer_role=str(guild.role("Volunteer").id),
        )
        await runtime.app.services.setup.book.save(community(guild), own, "Admin", clock.now())
    hooks = Hooks()
    bot = await start_bot(
        standin,
        runtime,
        serve_options={"on_joined": hooks.on_joined, "on_removed": hooks.on_removed},
    )
    try:
        yield bot, hooks
    finally:
        await bot.close()
        await runtime.aclose()
        await finish_client_tasks()


def community(guild: FakeGuild) -> str:
    return f"discord:{guild.id}"


async def barrier(bot: DiscordBot, guild: FakeGuild) -> None:
    """An answered /help: every gateway event sent before it has been parsed."""
    await bot.command(bot.standin.member, "help", guild=guild)  # type: ignore[arg-type]


async def test_two_guilds_are_two_communities_with_separate_keys(
    standin: DiscordStandin, many: tuple[DiscordBot, Hooks], guild_b: FakeGuild
) -> None:
    bot, hooks = many
    await open_checkin(bot)
    await open_checkin(bot, guild=guild_b)  # not "you already have one open": another key
    store = bot.runtime.store.checkins
    uid = standin.member.id
    in_a = await store.active_checkin(f"{community(standin.guild)}:{uid}")
    in_b = await store.active_checkin(f"{community(guild_b)}:{uid}")
    assert in_a is not None and in_b is not None and in_a.id != in_b.id
    assert await store.active_checkin(f"discord:{uid}") is None, "no default community"
    await hooks.until(lambda: len(hooks.joined) >= 2)
    assert sorted(hooks.joined) == sorted(
        [(community(standin.guild), standin.guild.name), (community(guild_b), guild_b.name)]
    )


async def test_commands_are_registered_globally_and_in_the_development_guild(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    names = {c["name"] for c in standin.global_commands.values()}
    assert {"checkin", "help", "upstander"} <= names
    dev = {c["name"] for c in standin.guild_commands.get(standin.guild.id, {}).values()}
    assert dev == names, "DISCORD_GUILD_ID also gets them at once"


async def test_commands_are_global_only_without_a_development_guild(
    standin: DiscordStandin, many: tuple[DiscordBot, Hooks], guild_b: FakeGuild
) -> None:
    assert {c["name"] for c in standin.global_commands.values()} >= {"checkin", "help"}
    assert not any(standin.guild_commands.values())
    # A command registered globally answers in either server.
    await barrier(many[0], guild_b)


async def test_a_role_update_refreshes_the_roles_looked_up(
    standin: DiscordStandin, many: tuple[DiscordBot, Hooks], guild_b: FakeGuild
) -> None:
    bot, _ = many
    helper = guild_b.role("Volunteer Lead")  # known to discord.py: it came in GUILD_CREATE
    rita = standin.add_user("rita", in_guild=False)
    standin.join(guild_b, rita, [helper])
    directory = bot.runtime.directories["discord"]
    rita_in_b = Actor("discord", str(rita.id), community=community(guild_b))
    rita_in_a = Actor("discord", str(rita.id), community=community(standin.guild))

    def fetches() -> int:
        return len([r for r in standin.requests if r.route == "get_member"])

    assert await directory.roles(rita_in_b) == frozenset()
    assert await directory.roles(rita_in_b) == frozenset()
    assert fetches() == 1, "the member's record is cached"
    assert await directory.roles(rita_in_a) == frozenset(), "not a member of the first server"

    standin.update_role(guild_b, helper, permissions=Perm.MANAGE_GUILD)
    await barrier(bot, guild_b)
    assert await directory.roles(rita_in_b) == frozenset({Role.ADMIN, Role.MODERATOR})


async def claim_first_card(bot: DiscordBot) -> None:
    standin = bot.standin
    await bot.drain()
    card = next(
        m
        for m in standin.sent_messages(standin.volunteers_channel.id)
        if not m.ephemeral and "Claim" in text(m)
    )
    await bot.press(standin.volunteer, button(card, "Claim"), card)
    await bot.drain()


async def ask_which(bot: DiscordBot, words: str) -> StoredMessage:
    standin = bot.standin
    before = len(standin.dm_messages(standin.member))
    await standin.send_dm(standin.member, words)

    def asked(m: StoredMessage) -> bool:
        return "Which server" in text(m) and m in standin.dm_messages(standin.member)[before:]

    return await standin.wait_for_message(asked)


async def choose(
    bot: DiscordBot, question: StoredMessage, label: str, *, answered: bool
) -> list[StoredMessage]:
    """Press the server's button; the core's answers to what waited (if ``answered``)."""
    it = await bot.standin.send_button(
        bot.standin.member, button(question, label), message=question
    )
    answer = await bot.shown(it)
    assert "Sent to your conversation in " + label in text(answer) and not answer.buttons()
    if answered:
        await it.wait_followup(lambda r: r.route == "webhook_followup")
    return [m for m in it.messages() if m.source == "followup"]


async def test_a_dm_with_conversations_in_two_guilds_asks_which_and_never_guesses(
    standin: DiscordStandin, many: tuple[DiscordBot, Hooks], guild_b: FakeGuild
) -> None:
    bot, _ = many
    await bot.command(standin.volunteer, "volunteer", {"state": "on"})
    await open_checkin(bot)
    await claim_first_card(bot)  # the first server's check-in is claimed, not the second's
    (joined,) = standin.dm_messages(standin.member)
    assert all(split_tag(b["custom_id"])[0] == standin.guild.id for b in joined.buttons())
    await open_checkin(bot, guild=guild_b)
    volunteer_dms = len(standin.dm_messages(standin.volunteer))

    question = await ask_which(bot, "is anyone there?")
    labels = sorted(str(b["label"]) for b in question.buttons())
    assert labels == sorted([standin.guild.name, guild_b.name])
    assert all(len(b["custom_id"]) <= CUSTOM_ID_MAX for b in question.buttons())
    assert len(standin.dm_messages(standin.volunteer)) == volunteer_dms, "nothing relayed yet"

    (waiting,) = await choose(bot, question, guild_b.name, answered=True)
    assert "waiting for a volunteer" in text(waiting)
    assert len(standin.dm_messages(standin.volunteer)) == volunteer_dms

    question = await ask_which(bot, "it happened again tonight")
    assert await choose(bot, question, standin.guild.name, answered=False) == []
    await bot.drain()
    assert "it happened again tonight" in text(standin.dm_messages(standin.volunteer)[-1])

    # The DM's own button carries its server: ending that conversation leaves one.
    closed = await bot.press(standin.member, button(joined, "End conversation"), joined)
    assert "Closed" in text(closed)
    before = len(standin.dm_messages(standin.member))
    await standin.send_dm(standin.member, "still there?")

    def answered() -> list[StoredMessage] | None:
        new = standin.dm_messages(standin.member)[before:]
        return new if any("waiting for a volunteer" in text(m) for m in new) else None

    new = await standin.request_log.wait_until(answered, timeout=TIMEOUT)
    assert not any("Which server" in text(m) for m in new), "one conversation: no question"


async def test_a_dm_press_is_believed_only_in_a_server_the_presser_is_in(
    standin: DiscordStandin, many: tuple[DiscordBot, Hooks], guild_b: FakeGuild
) -> None:
    bot, _ = many
    mallory = standin.add_user("mallory")  # in the first server only
    naming_b = tag_for(community(guild_b), None) + f"{MENU}|"
    for user, believed in ((standin.member, guild_b.id), (mallory, None)):
        dm = standin._make_message(
            standin.dm_channel_for(user), {"content": "menu"}, author=standin.bot_user
        )
        answer = await bot.shown(await standin.send_button(user, naming_b, message=dm))
        # The answer's own buttons carry the community the press was answered in.
        assert answer.buttons()
        assert {split_tag(b["custom_id"])[0] for b in answer.buttons()} == {believed}
    lookups = [r for r in standin.requests if r.route == "get_member"]
    assert [(r.params["user_id"], r.status) for r in lookups] == [
        (str(standin.member.id), 200),
        (str(mallory.id), 404),
    ]


async def test_removed_from_a_guild_reports_it_once(
    standin: DiscordStandin, many: tuple[DiscordBot, Hooks], guild_b: FakeGuild
) -> None:
    bot, hooks = many
    await hooks.until(lambda: len(hooks.joined) >= 2)
    standin.remove_guild(guild_b)
    await hooks.until(lambda: hooks.removed)
    await barrier(bot, standin.guild)
    assert hooks.removed == [community(guild_b)]

    third = standin.add_guild("Third Server")
    await hooks.until(lambda: (community(third), third.name) in hooks.joined)


def test_a_dm_tag_fits_the_largest_snowflake_and_reads_back() -> None:
    largest = 2**64 - 1
    tag = tag_for(f"discord:{largest}", None)
    assert len(tag) <= 15 and split_tag(tag + "dk.close|x") == (largest, "dk.close|x")
    assert tag_for("discord", 5) == "" and tag_for("slack:T1", None) == ""
    assert split_tag("~zz~") == (int("zz", 36), "")
    assert split_tag("dk.close|~1~") == (None, "dk.close|~1~")
    assert split_tag("~not a tag~x") == (None, "~not a tag~x")


@dataclass
class Registry(Hooks):
    """serve_discord's hooks wired to the deployment's real community registry, as
    `python -m bot run` wires them; the events only say when each call returned."""

    runtime: Runtime | None = None

    async def on_joined(self, community: str, name: str) -> None:
        assert self.runtime is not None and self.runtime.communities is not None
        await self.runtime.communities.joined(community, name)
        await super().on_joined(community, name)

    async def on_removed(self, community: str) -> None:
        assert self.runtime is not None and self.runtime.communities is not None
        await self.runtime.communities.left(community)
        await super().on_removed(community)


async def test_a_server_that_removes_the_bot_is_registered_then_marked_for_purging(
    standin: DiscordStandin, discord_settings: Settings, guild_b: FakeGuild
) -> None:
    env = {k: v for k, v in discord_settings.env.items() if k != "DISCORD_GUILD_ID"}
    clock = ManualClock()
    runtime = await build(Settings.from_env(env), store=MemoryStore(), clock=clock)
    hooks = Registry(runtime=runtime)
    serve = {"on_joined": hooks.on_joined, "on_removed": hooks.on_removed}
    bot = await start_bot(standin, runtime, serve_options=serve)
    try:
        await hooks.until(lambda: len(hooks.joined) >= 2)
        registered = await runtime.store.communities.get_community(community(guild_b))
        assert registered is not None and registered.name == guild_b.name
        standin.remove_guild(guild_b)
        await hooks.until(lambda: hooks.removed)
        removed = await runtime.store.communities.get_community(community(guild_b))
        assert removed is not None and removed.status == "removed"
        assert removed.purge_after is not None and removed.purge_after > clock.now()
    finally:
        await bot.close()
        await runtime.aclose()
        await finish_client_tasks()


async def test_a_bot_for_servers_set_up_from_the_chat_needs_no_channel_in_its_environment(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    unset = ("DISCORD_GUILD_ID", "DISCORD_VOLUNTEER_CHANNEL_ID")
    env = {k: v for k, v in discord_settings.env.items() if k not in unset}
    runtime = await build(Settings.from_env(env), store=MemoryStore(), clock=ManualClock())
    bot = await start_bot(standin, runtime)
    try:
        it = await standin.send_slash_command(standin.member, "checkin")
        await it.wait_callback()
        message = it.response_message()
        assert message is not None and message.ephemeral
        shown = text(message)
        assert "not set up in this community" in shown, "until its admin runs setup"
        assert shown.index("emergency") < shown.index("not set up"), "crisis lines first"
    finally:
        await bot.close()
        await runtime.aclose()
        await finish_client_tasks()
