"""Per-scenario figures for moderators (issue 21.5): starts, finishes, stops, spread."""

from __future__ import annotations

from harness import Console


async def test_stats_show_each_scenarios_path_and_hide_small_counts(console: Console) -> None:
    for name in ("a", "b", "c", "d", "e", "f"):
        await console.say(f"/as member {name}", "/practice lift-remark")
        await console.press("Begin")
        if name != "f":  # f stops at the first step
            await console.press("Ask the woman which floor she needs")
            await console.press("Ask her if she is all right")
    await console.say("/as member g", "/practice together lift-remark")
    await console.press("Begin together")
    report = await console.say("/as moderator mo", "/stats")
    assert "By scenario" in report
    line = "A remark in the lift: started 6, finished 5 · group sessions <5, finished 0"
    assert line in report
    assert "Stopped at: doors-close <5" in report
    assert "doors-close: Ask the woman which floor s… 5 · Tell him that was out of li… 0" in report
    assert "lobby: Ask her if she is all right 5 · Write down what happened an… 0" in report
    assert "console:" not in report and " f " not in report
