"""A scenario of the week in the console: `/schedule` for newcomers (issue 21.2)."""

from __future__ import annotations

from harness import Console

from bot.core.clock import ManualClock


async def test_a_moderator_schedules_and_the_post_prints_in_the_channel(
    console: Console, clock: ManualClock
) -> None:
    # Thursday 1 January 2026, 12:00 UTC: 13:00 in Madrid.
    added = await console.say("/schedule add practice-room thursday 13:30 Europe/Madrid")
    assert "Scheduled (" in added and "#practice-room" in added
    usage = await console.say("/schedule add practice-room thursday")
    assert "add #channel monday 09:30 Europe/Madrid" in usage
    refused = await console.say("/as member sam", "/schedule list")
    assert "Only moderators can do that." in refused
    await console.say("/as moderator mo")
    clock.advance(minutes=30)
    assert await console.runtime.app.services.weekly.post_due() == 1
    await console.runtime.deliveries.drain()
    [post] = console.sent
    assert post.destination.kind == "channel" and post.destination.user_id == "practice-room"
    assert "→ #practice-room" in "\n".join(console.lines)
    listing = await console.say("/schedule list")
    assert "last posted:" in listing and "next due: 2026-01-08 13:30" in listing
