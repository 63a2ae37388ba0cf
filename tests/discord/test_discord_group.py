"""Group practice in a channel through real discord.py: votes, reveal, tie, restart, expiry."""

from __future__ import annotations

from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.group_view import REVEAL, VOTE
from tests.discord.driver import DiscordBot, button, start_bot, text
from tests.discord_standin import DiscordStandin, StoredMessage

TOGETHER = {"scenario": "lift-remark", "together": True}


async def begin_together(bot: DiscordBot, standin: DiscordStandin) -> StoredMessage:
    intro = await bot.command(standin.member, "practice", TOGETHER)
    assert not intro.ephemeral, "the scenario is posted for the whole channel"
    assert "Content note: this scenario includes a remark about religion" in text(intro)
    assert "The doors close" not in text(intro)
    step = await bot.press(standin.member, button(intro, "Begin together"), intro)
    assert not step.ephemeral and step.id == intro.id, "the same message, edited in place"
    assert "The doors close" in text(step) and "Votes so far: 0" in text(step)
    return step


async def test_three_members_vote_and_the_group_goes_on_through_a_restart(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    clock = ManualClock()
    ana, ben, cai = (standin.add_user(name) for name in ("ana", "ben", "cai"))
    runtime = await build(discord_settings, clock=clock)  # SQLite in tmp_path
    bot = await start_bot(standin, runtime)
    try:
        step = await begin_together(bot, standin)
        voted = await bot.press(ana, button(step, "Ask the woman"), step)
        assert "Votes so far: 1" in text(voted) and not voted.ephemeral
        voted = await bot.press(ben, button(step, "Tell him"), voted)
        assert "Votes so far: 2" in text(voted)
        assert not any(name in text(voted) for name in ("ana", "ben"))
    finally:
        await bot.close()
        await runtime.aclose()

    runtime = await build(discord_settings, clock=clock)  # the same file, a new process
    bot = await start_bot(standin, runtime)
    try:
        # Ben changes his vote, Cai votes: three voters, counted across the restart.
        voted = await bot.press(ben, button(step, "Ask the woman"), step)
        voted = await bot.press(cai, button(step, "Tell him"), voted)
        assert "Votes so far: 3" in text(voted)

        refused = await bot.press(ben, button(voted, "Reveal"), voted)
        assert refused.ephemeral and refused.id != voted.id
        assert "Only the person who started this session" in text(refused)

        revealed = await bot.press(standin.member, button(voted, "Reveal"), voted)
        shown = text(revealed)
        assert revealed.id == step.id and not revealed.ephemeral
        assert "Ask the woman which floor she needs: 2 (Distract)" in shown
        assert "Tell him that was out of line: 1 (Direct)" in shown
        assert "Short and calm. Check first that it is safe to do so." in shown
        assert "The group goes on with: Ask the woman which floor she needs" in shown
        assert "The lift reaches the lobby" in shown

        for voter in (ana, ben, cai):
            revealed = await bot.press(voter, button(revealed, "Write down"), revealed)
        recap = await bot.press(standin.moderator, button(revealed, "Reveal"), revealed)
        shown = text(recap)
        assert "Group recap" in shown and "She thanks you" in shown
        assert "Step 2: Write down what happened and offer it to her (Document), 3 of 3" in shown
        assert "To discuss together" in shown and "speak up next time?" in shown
        assert not any(cid.startswith((VOTE, REVEAL)) for cid in recap.custom_ids())
        assert standin.errors() == []
    finally:
        await bot.close()
        await runtime.aclose()


async def test_a_tie_is_broken_by_the_starter(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    ana, ben = standin.add_user("ana"), standin.add_user("ben")
    step = await begin_together(bot, standin)
    voted = await bot.press(ana, button(step, "Ask the woman"), step)
    voted = await bot.press(ben, button(step, "Look at your phone"), voted)
    tied = await bot.press(standin.member, button(voted, "Reveal"), voted)
    assert "A tie. The person who started chooses" in text(tied)
    assert [b["label"] for b in tied.buttons()] == [
        "Ask the woman which floor she needs",
        "Look at your phone",
    ]
    refused = await bot.press(ana, button(tied, "Ask the woman"), tied)
    assert refused.ephemeral and "Only the person who started" in text(refused)
    chosen = await bot.press(standin.member, button(tied, "Look at your phone"), tied)
    assert "The group goes on with: Look at your phone" in text(chosen)
    assert "The lift reaches the lobby" in text(chosen)


async def test_a_quiet_session_ends_by_itself(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    step = await begin_together(bot, standin)
    clock.advance(minutes=121)
    ended = await bot.press(standin.add_user("ana"), button(step, "Ask the woman"), step)
    assert "ended after 120 minutes without votes" in text(ended)
    assert ended.id == step.id and not ended.buttons()
