"""Numbers press buttons of the latest reply only; forms read as they should."""

from __future__ import annotations

from harness import Console


async def test_a_scenario_keeps_its_number_when_resume_appears(console: Console) -> None:
    first = await console.say("/as member sam", "/practice")
    number = console.button("A remark in the lift", first)
    await console.say(number)
    await console.press("Begin")
    again = await console.say("/practice")
    assert console.button("Resume: A remark in the lift", again) != number
    assert f"[{number}] A remark in the lift" in again


async def test_a_number_after_a_reply_without_buttons_presses_nothing(console: Console) -> None:
    await console.say("/as member sam", "/practice")
    after_text = await console.say("/resources kind:nonsense", "1")
    assert "nothing to press" in after_text
    assert "Begin" not in after_text


async def test_a_number_after_switching_person_presses_nothing(console: Console) -> None:
    await console.say("/as member sam", "/practice")
    pressed = await console.say("/as member kim", "1")
    assert "nothing to press" in pressed and "Begin" not in pressed


async def test_a_number_past_the_buttons_says_there_is_no_such_button(console: Console) -> None:
    await console.say("/as member sam", "/practice")
    assert "There is no button 9." in await console.say("9")


async def test_an_optional_field_says_optional_once(console: Console) -> None:
    form = await console.say("/as member sam", "/checkin")
    assert "? What is going on? (optional)\n" in form + "\n"
    assert "(optional) (optional)" not in form


async def test_quit_in_a_form_leaves_rather_than_answering(console: Console) -> None:
    await console.say("/as member sam", "/checkin", "/quit")
    assert console.session.finished
    assert await console.runtime.store.checkins.active_checkin("console:sam") is None
