"""Practice through the console adapter: warnings first, feedback, recap, stop, resume."""

from __future__ import annotations

from pathlib import Path

from harness import Console, build_console

from bot.config import Settings
from bot.content.holder import ContentHolder
from bot.core.actors import Actor
from bot.core.clock import ManualClock


async def test_a_whole_run_shows_warnings_then_feedback_then_a_recap(console: Console) -> None:
    menu = await console.say("/as member sam", "/practice")
    assert "A remark in the lift" in menu
    intro = await console.press("A remark in the lift")
    assert "Content note: this scenario includes a remark about religion" in intro
    assert "The doors close" not in intro, "nothing starts before the member confirms"
    step1 = await console.press("Begin")
    assert "The doors close" in step1 and "step 1" in step1
    step2 = await console.press("Ask the woman which floor she needs")
    assert "You chose: Ask the woman which floor she needs (Distract)" in step2
    assert "A simple question shifts the moment" in step2
    assert "The lift reaches the lobby" in step2
    recap = await console.press("Ask her if she is all right")
    assert "Checking in afterwards tells her someone noticed" in recap
    assert "She thanks you" in recap and "Small acts after the fact still count." in recap
    assert "Tactics you used: Distract, Delay." in recap
    assert "Next time, try: Delegate, Document, Direct." in recap
    assert "What would make it easier for you to speak up next time?" in recap
    assert "The 5Ds of Bystander Intervention" in recap and "Caring for each other" in recap


async def test_silence_all_the_way_is_coached_not_shamed(console: Console) -> None:
    await console.say("/as member sam", "/practice lift-remark")
    await console.press("Begin")
    await console.press("Look at your phone")
    recap = await console.press("Walk on")
    assert "You did not step in this time" in recap
    assert "She leaves the building on her own." in recap


async def test_a_stale_button_shows_where_the_member_really_is(console: Console) -> None:
    await console.say("/as member sam", "/practice lift-remark")
    await console.press("Begin")
    run = await console.runtime.store.practice.active_run("console:sam")
    assert run is not None
    old_button = f"practice.choose|{run.id}:doors-close:2"
    sam = Actor("console", "sam")
    await console.runtime.app.press(sam, old_button)
    again = await console.runtime.app.press(sam, old_button)
    assert "The lift reaches the lobby" in again.text()
    run = await console.runtime.store.practice.active_run("console:sam")
    assert run is not None and len(run.moves) == 1, "a double press records one move"


async def test_stop_then_resume_from_the_menu(console: Console) -> None:
    await console.say("/as member sam", "/practice lift-remark")
    await console.press("Begin")
    await console.press("Tell him that was out of line")
    stopped = await console.press("Stop here")
    assert "Your place is saved" in stopped
    menu = await console.say("/practice")
    assert "Resume: A remark in the lift" in menu
    resumed = await console.press("Resume: A remark in the lift")
    assert "The lift reaches the lobby" in resumed and "step 2" in resumed


async def test_resume_survives_a_restart_on_sqlite(settings: Settings, clock: ManualClock) -> None:
    first = await build_console(settings, clock, sqlite=True)
    await first.say("/as member sam", "/practice lift-remark")
    await first.press("Begin")
    await first.press("Ask the woman which floor she needs")
    await first.close()

    second = await build_console(settings, clock, sqlite=True)
    try:
        await second.say("/as member sam", "/practice")
        resumed = await second.press("Resume: A remark in the lift")
        assert "The lift reaches the lobby" in resumed
    finally:
        await second.close()


async def test_another_members_run_cannot_be_played(console: Console) -> None:
    await console.say("/as member sam", "/practice lift-remark")
    await console.press("Begin")
    run = await console.runtime.store.practice.active_run("console:sam")
    assert run is not None
    other = Actor("console", "kim")
    reply = await console.runtime.app.press(other, f"practice.choose|{run.id}:doors-close:0")
    assert "no longer available" in reply.text()
    unchanged = await console.runtime.store.practice.get_run(run.id, "console:sam")
    assert unchanged is not None and unchanged.moves == ()


async def test_unknown_scenario_and_forged_buttons_get_clear_answers(console: Console) -> None:
    reply = await console.say("/as member sam", "/practice no-such-thing")
    assert "I don't know a scenario called “no-such-thing”" in reply
    actor = Actor("console", "sam")
    forgeries = ("", "|", "nope|x", "practice.choose|x", "practice.choose|a:b:c:d")
    for forged in (*forgeries, "practice.choose|a:b:²", "library.page|²:::"):
        text = (await console.runtime.app.press(actor, forged)).text()
        assert text and "went wrong" not in text


async def test_runs_and_tactics_are_counted_without_identity(console: Console) -> None:
    await console.say("/as member sam", "/practice lift-remark")
    await console.press("Begin")
    await console.press("Tell him that was out of line")
    await console.press("Write down what happened and offer it to her")
    store = console.runtime.store
    assert dict(await store.stats.counts("console", "runs_started")) == {"lift-remark": 1}
    assert dict(await store.stats.counts("console", "runs_finished")) == {"lift-remark": 1}
    assert dict(await store.stats.counts("console", "tactic")) == {"direct": 1, "document": 1}


async def test_a_reload_shows_the_new_wording_in_steps_and_recaps_already_seen(
    console: Console, content_dir: Path
) -> None:
    await console.say("/as member sam", "/practice lift-remark")
    before = await console.press("Begin")
    assert "The doors close." in before
    await console.press("Stop here")
    recap_before = await _play_to_the_recap(console)
    assert "What would make it easier for you to speak up next time?" in recap_before
    scenario = content_dir / "scenarios" / "lift-remark.yaml"
    text = scenario.read_text(encoding="utf-8")
    text = text.replace("The doors close.", "The lift doors slide shut.")
    text = text.replace("What would make it easier for you", "What would help you")
    scenario.write_text(text, encoding="utf-8")
    content = console.runtime.content
    assert isinstance(content, ContentHolder)
    assert (await content.reload()).ok
    await console.say("/practice lift-remark")
    after = await console.press("Begin")
    assert "The lift doors slide shut." in after and "The doors close." not in after
    await console.press("Stop here")
    recap_after = await _play_to_the_recap(console)
    assert "What would help you to speak up next time?" in recap_after


async def _play_to_the_recap(console: Console) -> str:
    await console.say("/practice lift-remark")
    await console.press("Begin")
    await console.press("Look at your phone")
    return await console.press("Walk on")
