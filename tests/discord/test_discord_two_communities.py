"""Two Discord servers from one bot, end to end through real discord.py: each set up by
its own admin with `/upstander setup` (its own volunteers' channel and volunteer role),
each server's check-in card posted in its own channel only, a volunteer of one server
refused on the other's check-in, and each moderator's /upstander stats and audit showing
their own community alone. On SQLite and on a real PostgreSQL (skipped where none
answers), through `bootstrap.build` as `python -m bot run` opens the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.models import CheckinStatus
from tests.conftest import pg_schema
from tests.discord.driver import DiscordBot, button, open_checkin, start_bot, text
from tests.discord_standin import (
    DiscordStandin,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    Perm,
    StoredMessage,
    finish_client_tasks,
)


@dataclass
class Side:
    """One server as the test sees it: its admin, its volunteer, what setup names."""

    guild: FakeGuild
    admin: FakeUser
    volunteer: FakeUser
    channel: FakeChannel
    role: FakeRole

    @property
    def community(self) -> str:
        return f"discord:{self.guild.id}"


@dataclass
class Two:
    bot: DiscordBot
    a: Side
    b: Side


def _sides(standin: DiscordStandin) -> tuple[Side, Side]:
    """Both servers' own channel and role for cards, made before the bot connects (so
    they come in each GUILD_CREATE); the member is in both."""
    guild_a = standin.guild
    cards_a, helpers_a = standin.add_channel("cards-a"), standin.add_role("Helpers A")
    guild_a.members[standin.volunteer.id].roles.append(helpers_a.id)
    a = Side(guild_a, standin.moderator, standin.volunteer, cards_a, helpers_a)

    guild_b = standin.add_guild("Second Server")
    cards_b, helpers_b = guild_b.add_channel("cards-b"), guild_b.add_role("Helpers B")
    hidden = {"id": str(guild_b.id), "type": 0, "allow": "0", "deny": str(Perm.VIEW_CHANNEL)}
    private_b = guild_b.add_channel("private-b", permission_overwrites=[hidden])
    standin.channels.update({cards_b.id: cards_b, private_b.id: private_b})
    standin.join(guild_b, standin.member)
    bea = standin.add_user("bea", in_guild=False)
    standin.join(guild_b, bea, ["Moderator"])
    standin.join(guild_a, bea)  # a plain member of A
    vera = standin.add_user("vera", in_guild=False)
    standin.join(guild_b, vera, [helpers_b])
    # A's volunteer is in B too, with B's role *named* Volunteer: not the one B set up.
    standin.join(guild_b, standin.volunteer, ["Volunteer"])
    return a, Side(guild_b, bea, vera, cards_b, helpers_b)


@pytest.fixture(params=["sqlite", "postgresql"])
async def two(
    request: pytest.FixtureRequest,
    standin: DiscordStandin,
    discord_settings: Settings,
    tmp_path: Path,
) -> AsyncIterator[Two]:
    a, b = _sides(standin)
    env = {k: v for k, v in discord_settings.env.items() if k != "DISCORD_GUILD_ID"}
    env["UPSTANDER_DATA_DIR"] = str(tmp_path / "two-data")
    async with _database(request.param, env):
        runtime = await build(Settings.from_env(env), clock=ManualClock())
        bot = await start_bot(standin, runtime)
        try:
            yield Two(bot, a, b)
        finally:
            await bot.close()
            await runtime.aclose()
            await finish_client_tasks()


class _database:
    """Nothing for SQLite (the data directory's file); a schema of its own on PostgreSQL."""

    def __init__(self, kind: str, env: dict[str, str]) -> None:
        self.kind, self.env = kind, env
        self.pg = pg_schema()

    async def __aenter__(self) -> None:
        if self.kind == "postgresql":
            self.env.update((await self.pg.__aenter__()).env())

    async def __aexit__(self, *exc: object) -> None:
        if self.kind == "postgresql":
            await self.pg.__aexit__(None, None, None)


async def setup(bot: DiscordBot, side: Side, user: FakeUser, options: dict[str, object]) -> str:
    shown = await bot.command(
        user,
        "upstander",
        options,
        subcommand="setup",
        guild=side.guild,  # type: ignore[arg-type]
    )
    assert shown.ephemeral
    return text(shown)


async def moderator(bot: DiscordBot, side: Side, what: str) -> str:
    shown = await bot.command(side.admin, "upstander", subcommand=what, guild=side.guild)  # type: ignore[arg-type]
    assert shown.ephemeral
    return text(shown)


async def set_up_both(two: Two) -> None:
    bot = two.bot
    for side in (two.a, two.b):
        saved = await setup(
            bot, side, side.admin, {"channel": side.channel, "volunteer_role": side.role}
        )
        assert "Saved" in saved and f"<#{side.channel.id}>" in saved, saved
        stored = await bot.runtime.store.settings.get(side.community)
        assert stored is not None
        assert (stored.volunteers_channel, stored.volunteer_role) == (
            str(side.channel.id),
            str(side.role.id),
        )
        on = await bot.command(side.volunteer, "volunteer", {"state": "on"}, guild=side.guild)  # type: ignore[arg-type]
        assert on.ephemeral


def card_in(standin: DiscordStandin, channel: FakeChannel) -> StoredMessage:
    (card,) = [m for m in standin.sent_messages(channel.id) if not m.ephemeral]
    assert "Claim" in text(card)
    return card


async def test_each_server_s_setup_cards_claims_stats_and_audit_are_its_own(
    standin: DiscordStandin, two: Two
) -> None:
    bot, a, b = two.bot, two.a, two.b
    await set_up_both(two)
    # A's settings are A's: B's channel is not among them.
    shown = await setup(bot, a, standin.owner, {})  # the owner of both: allowed to look
    assert f"<#{a.channel.id}>" in shown and f"<#{b.channel.id}>" not in shown

    await open_checkin(bot, guild=a.guild)
    await open_checkin(bot, guild=b.guild)
    await bot.drain()
    card_a, card_b = card_in(standin, a.channel), card_in(standin, b.channel)
    for channel in (standin.volunteers_channel, b.guild.channel("volunteers"), standin.general):
        assert [m for m in standin.sent_messages(channel.id) if "Claim" in text(m)] == []

    store = bot.runtime.store.checkins
    [open_a] = await store.unclaimed(a.community)
    [open_b] = await store.unclaimed(b.community)
    assert open_a.id != open_b.id and open_b.community == b.community

    # A's volunteer on B's card, in B (where they hold B's role named Volunteer only).
    refused_b = await bot.press(a.volunteer, button(card_b, "Claim"), card_b)
    assert "Only volunteers can do that." in text(refused_b)
    # ...and B's check-in id pressed from A, where they are a volunteer.
    forged = await bot.press(a.volunteer, button(card_b, "Claim"), card_a)
    assert "You claimed" not in text(forged)
    assert "not available" in text(forged), text(forged)
    await bot.drain()
    still = await store.get_checkin(open_b.id)
    assert still is not None and still.status == CheckinStatus.OPEN and not still.claimed_by
    assert [c.id for c in await store.unclaimed(b.community)] == [open_b.id]

    claimed = await bot.press(a.volunteer, button(card_a, "Claim"), card_a)
    assert "You claimed" in text(claimed)
    await bot.drain()

    stats_a, stats_b = await moderator(bot, a, "stats"), await moderator(bot, b, "stats")
    assert "Opened: <5 · claimed: <5 · closed: 0" in stats_a, stats_a
    assert "Opened: <5 · claimed: 0 · closed: 0" in stats_b, stats_b

    audit_a, audit_b = await moderator(bot, a, "audit"), await moderator(bot, b, "audit")
    assert open_a.pseudonym in audit_a and "claimed" in audit_a
    assert open_b.pseudonym not in audit_a
    assert "Nothing to show yet." in audit_b and open_a.pseudonym not in audit_b

    # B's own volunteer claims B's: now B's audit has its line, A's audit is unchanged.
    mine = await bot.press(b.volunteer, button(card_b, "Claim"), card_b)
    assert "You claimed" in text(mine)
    await bot.drain()
    audit_b = await moderator(bot, b, "audit")
    assert open_b.pseudonym in audit_b and open_a.pseudonym not in audit_b
    assert await moderator(bot, a, "audit") == audit_a


async def test_one_server_s_admin_is_nobody_in_the_other(standin: DiscordStandin, two: Two) -> None:
    bot, a, b = two.bot, two.a, two.b
    # Bea holds B's Manage Server role; in A she is a plain member.
    refused = await setup(bot, a, b.admin, {"channel": a.channel, "volunteer_role": a.role})
    assert "Only this community's admins" in refused
    assert "Only this community's admins" in await setup(bot, a, b.admin, {})
    stats = await bot.command(b.admin, "upstander", subcommand="stats", guild=a.guild)  # type: ignore[arg-type]
    assert "Opened" not in text(stats)
    assert await bot.runtime.store.settings.get(a.community) is None
    assert await bot.runtime.store.settings.get(b.community) is None


async def test_the_second_server_s_channel_the_bot_cannot_post_in_is_refused(
    standin: DiscordStandin, two: Two
) -> None:
    bot, b = two.bot, two.b
    private = b.guild.channel("private-b")
    refused = await setup(bot, b, b.admin, {"channel": private})
    assert "Nothing was changed" in refused and "I cannot post in that channel" in refused
    assert await bot.runtime.store.settings.get(b.community) is None
    saved = await setup(bot, b, b.admin, {"channel": b.channel})
    assert "Saved" in saved
