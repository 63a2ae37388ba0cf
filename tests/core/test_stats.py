"""Stats for moderators: anonymous, small counts hidden, refused to members."""

from __future__ import annotations

from harness import Console

from bot.core.stats import shown


def test_small_counts_are_hidden() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


async def test_stats_show_runs_and_hide_small_counts(console: Console) -> None:
    for name in ("a", "b", "c", "d", "e", "f"):
        await console.say(f"/as member {name}", "/practice lift-remark")
        await console.press("Begin")
    await console.press("Tell him that was out of line")
    report = await console.say("/as moderator mo", "/stats")
    assert "A remark in the lift: 6 / 0" in report
    assert "Direct: <5" in report
    assert "Counts under 5 are shown as <5" in report


async def test_stats_are_refused_to_a_member(console: Console) -> None:
    reply = await console.say("/as member sam", "/stats")
    assert "Only moderators can do that." in reply
    assert "Practice runs" not in reply
