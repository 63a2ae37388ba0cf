"""`/upstander content` through real discord.py (issue 20.5): a moderator uploads an
attachment (fetched from the stand-in's CDN), downloads the files as attachments, and
reverts; a member is refused; another community is never touched."""

from __future__ import annotations

from pathlib import Path

from bot.core.actors import Actor
from tests.discord.driver import DiscordBot, text
from tests.discord_standin import (
    CB_DEFERRED_CHANNEL_MESSAGE,
    DiscordStandin,
    DispatchedInteraction,
    FakeUser,
    StoredMessage,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "scenarios"
SCENARIO = "scenarios/lift-remark.yaml"
ORIGINAL_TITLE = "A remark in the lift"
NEW_TITLE = "A remark on the stairs"
TIMEOUT = 30.0  # each upload validates the whole catalog twice in a worker process


def renamed() -> bytes:
    text = (FIXTURE / "lift-remark.yaml").read_text(encoding="utf-8")
    return text.replace(f"title: {ORIGINAL_TITLE}", f"title: {NEW_TITLE}").encode()


def broken() -> bytes:
    return renamed().replace(b"        next: lobby\n", b"        next: basement\n", 1)


async def answered(it: DispatchedInteraction) -> StoredMessage:
    """The answer, straight away or (when the core took longer) after a deferral."""
    callback = await it.wait_callback(timeout=TIMEOUT)
    assert callback.ok, callback.response
    if callback.json["type"] == CB_DEFERRED_CHANNEL_MESSAGE:
        # The first follow-up after "thinking…" becomes that message, as on Discord.
        await it.wait_followup(lambda r: r.route == "webhook_followup", timeout=TIMEOUT)
    message = it.response_message()
    assert message is not None
    return message


async def content(
    standin: DiscordStandin, user: FakeUser, sub: str, options: dict[str, object]
) -> StoredMessage:
    it = await standin.send_slash_command(user, "upstander", options, subcommand=f"content {sub}")
    return await answered(it)


async def titles(bot: DiscordBot, community: str) -> str:
    actor = Actor("discord", "someone", community=community)
    return (await bot.runtime.app.practice(actor)).text()


async def test_a_moderator_uploads_downloads_and_reverts_this_servers_content(
    discord_bot: DiscordBot, standin: DiscordStandin
) -> None:
    bot, mod = discord_bot, standin.moderator
    bad = standin.add_attachment("lift-remark.yaml", broken())
    refused = await content(standin, mod, "upload", {"file": bad})
    assert refused.ephemeral and "Not stored: 1 problem(s)" in text(refused)
    assert f"{SCENARIO}:18:" in text(refused)
    assert ORIGINAL_TITLE in await titles(bot, "discord")

    member = await content(
        standin, standin.member, "upload", {"file": standin.add_attachment("x.yaml", renamed())}
    )
    assert "Only moderators can do that." in text(member)

    good = standin.add_attachment("lift-remark.yaml", renamed())
    stored = await content(standin, mod, "upload", {"file": good})
    assert f"Stored {SCENARIO} (version 1)" in text(stored)
    assert NEW_TITLE in await titles(bot, "discord")
    assert ORIGINAL_TITLE in await titles(bot, "discord:222")  # another server: unchanged

    downloaded = await content(standin, mod, "download", {})
    assert SCENARIO in text(downloaded)
    assert ("scenarios__lift-remark.yaml", renamed()) in standin.uploads

    reverted = await content(standin, mod, "revert", {"path": SCENARIO})
    assert "the bundled file serves again" in text(reverted)
    assert ORIGINAL_TITLE in await titles(bot, "discord")
    none = await content(standin, mod, "download", {})
    assert "no content files of its own" in text(none)
