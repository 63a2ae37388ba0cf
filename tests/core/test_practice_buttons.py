"""Practice buttons name the scenario, step and move, not the run.

A step's reply is then the same for every member who reaches it; each press is checked
against the presser's own run. Buttons on messages posted
before (``run:step:index``) keep working.
"""

from __future__ import annotations

from pathlib import Path

from harness import Console

from bot.content.holder import ContentHolder
from bot.content.schema import ID_LIMIT
from bot.core.actors import Actor
from bot.core.messages import Reply
from bot.core.practice import CHOOSE, MENU, STOP

SAM = Actor("console", "sam")
KIM = Actor("console", "kim")


async def _begin(console: Console, actor: Actor, scenario: str = "lift-remark") -> Reply:
    app = console.runtime.app
    intro = await app.practice(actor, scenario)
    begin = next(a for a in intro.actions if a.kind == "practice.begin")
    return await app.press(actor, begin.id)


def _choice(reply: Reply, index: int) -> str:
    return [a for a in reply.actions if a.kind == CHOOSE][index].id


async def _moves(console: Console, actor: Actor) -> int:
    runs = await console.runtime.store.practice.member_runs(actor.key)
    return max(len(r.moves) for r in runs)


async def test_a_step_is_the_same_reply_for_every_member_and_names_no_run(
    console: Console,
) -> None:
    sams, kims = await _begin(console, SAM), await _begin(console, KIM)
    assert sams == kims, "nothing in a step is one member's"
    run = await console.runtime.store.practice.active_run(SAM.key)
    assert run is not None
    ids = [a.id for a in sams.actions]
    assert ids == [
        f"{CHOOSE}|lift-remark:doors-close:1:0",
        f"{CHOOSE}|lift-remark:doors-close:1:1",
        f"{CHOOSE}|lift-remark:doors-close:1:2",
        f"{STOP}|",
    ]
    assert not any(run.id in i for i in ids)
    app = console.runtime.app
    after_sam = await app.press(SAM, _choice(sams, 0))
    after_kim = await app.press(KIM, _choice(kims, 0))
    assert after_sam == after_kim, "the next step, under the same feedback, is the same too"
    assert "The lift reaches the lobby" in after_sam.text()


async def test_a_press_moves_only_the_pressers_own_run(console: Console) -> None:
    step = await _begin(console, SAM)
    await _begin(console, KIM)
    app = console.runtime.app
    await app.press(KIM, _choice(step, 1))
    assert await _moves(console, KIM) == 1
    assert await _moves(console, SAM) == 0, "Kim's press never touches Sam's run"


async def test_a_member_with_no_run_of_that_scenario_gets_run_gone(console: Console) -> None:
    step = await _begin(console, SAM)
    reply = await console.runtime.app.press(KIM, _choice(step, 0))
    assert "no longer available" in reply.text()
    assert await _moves(console, SAM) == 0


async def test_a_double_press_records_one_move_and_shows_where_they_are(
    console: Console,
) -> None:
    step = await _begin(console, SAM)
    app = console.runtime.app
    await app.press(SAM, _choice(step, 2))
    again = await app.press(SAM, _choice(step, 2))
    assert "The lift reaches the lobby" in again.text() and "step 2" in again.text()
    assert "You chose" not in again.text(), "the second press is not a second move"
    assert await _moves(console, SAM) == 1


async def test_a_double_press_on_the_last_choice_shows_the_recap_again(console: Console) -> None:
    app = console.runtime.app
    step1 = await _begin(console, SAM)
    step2 = await app.press(SAM, _choice(step1, 0))
    recap = await app.press(SAM, _choice(step2, 0))
    assert "Tactics you used: Distract, Delay." in recap.text()
    again = await app.press(SAM, _choice(step2, 0))
    assert "Tactics you used: Distract, Delay." in again.text()
    assert await _moves(console, SAM) == 2


async def test_a_button_from_a_left_run_does_not_play_the_new_one_at_another_move(
    console: Console,
) -> None:
    app = console.runtime.app
    first = await _begin(console, SAM)
    await app.press(SAM, _choice(first, 0))
    # Begin again: the first run is left, the new one is at move 1 of the same step.
    second = await _begin(console, SAM)
    assert second == first
    # A button the first run showed at move 2 is not for the new run (at move 1).
    later = f"{CHOOSE}|lift-remark:lobby:2:0"
    reply = await app.press(SAM, later)
    assert "The doors close" in reply.text(), "they are shown where the new run really is"
    assert await _moves(console, SAM) == 1, "the left run kept its one move; nothing new"
    run = await console.runtime.store.practice.active_run(SAM.key)
    assert run is not None and run.moves == ()


async def test_stop_names_no_run_and_offers_resume_of_the_members_own(console: Console) -> None:
    step = await _begin(console, SAM)
    stop = next(a for a in step.actions if a.kind == STOP)
    app = console.runtime.app
    stopped = await app.press(SAM, stop.id)
    assert "Your place is saved" in stopped.text()
    run = await console.runtime.store.practice.active_run(SAM.key)
    assert run is not None
    assert [a.id for a in stopped.actions] == [f"practice.resume|{run.id}"]
    kims = await app.press(KIM, stop.id)
    assert "Your place is saved" not in kims.text() and "no scenario in progress" in kims.text()
    assert [a.kind for a in kims.actions] == [MENU], "Kim is never offered Sam's run"


async def test_stop_after_the_run_ended_promises_no_saved_place(console: Console) -> None:
    reply = await _begin(console, SAM)
    stop = next(a for a in reply.actions if a.kind == STOP)
    while any(a.kind == CHOOSE for a in reply.actions):
        reply = await console.runtime.app.press(SAM, _choice(reply, 0))
    assert await console.runtime.store.practice.active_run(SAM.key) is None
    stopped = await console.runtime.app.press(SAM, stop.id)
    assert "Your place is saved" not in stopped.text()
    assert "no scenario in progress" in stopped.text()
    assert [a.kind for a in stopped.actions] == [MENU]


async def test_buttons_on_older_messages_still_play_their_run(console: Console) -> None:
    await _begin(console, SAM)
    run = await console.runtime.store.practice.active_run(SAM.key)
    assert run is not None
    app = console.runtime.app
    stopped = await app.press(SAM, f"{STOP}|{run.id}")
    assert [a.id for a in stopped.actions] == [f"practice.resume|{run.id}"]
    moved = await app.press(SAM, f"{CHOOSE}|{run.id}:doors-close:1")
    assert "Tell him that was out of line (Direct)" in moved.text()
    assert await _moves(console, SAM) == 1
    forged = await app.press(KIM, f"{CHOOSE}|{run.id}:lobby:0")
    assert "no longer available" in forged.text()
    assert await _moves(console, SAM) == 1


async def test_ids_too_long_for_a_button_fall_back_to_naming_the_run(
    console: Console, content_dir: Path
) -> None:
    # Both at the content's limit (`ID_LIMIT`): too long for the newer form, and the
    # older one must still fit whole.
    scenario_id = "-".join(["a-long-scenario-id"] * 4)[: ID_LIMIT - 1] + "z"
    step_id = "-".join(["the-first-step"] * 5)[: ID_LIMIT - 1] + "z"
    assert len(scenario_id) == len(step_id) == ID_LIMIT
    source = (content_dir / "scenarios" / "lift-remark.yaml").read_text(encoding="utf-8")
    long_one = source.replace("id: lift-remark", f"id: {scenario_id}").replace(
        "doors-close", step_id
    )
    (content_dir / "scenarios" / "long.yaml").write_text(long_one, encoding="utf-8")
    content = console.runtime.content
    assert isinstance(content, ContentHolder)
    assert (await content.reload()).ok
    step = await _begin(console, SAM, scenario_id)
    run = await console.runtime.store.practice.active_run(SAM.key)
    assert run is not None
    ids = [a.id for a in step.actions]
    assert all(len(i) <= 100 for i in ids)
    assert ids[0] == f"{CHOOSE}|{run.id}:{step_id}:0" and ids[-1] == f"{STOP}|{run.id}"
    moved = await console.runtime.app.press(SAM, ids[0])
    assert "The lift reaches the lobby" in moved.text()
    assert await _moves(console, SAM) == 1


async def test_an_introduction_follows_a_reload(console: Console, content_dir: Path) -> None:
    app = console.runtime.app
    first = await app.practice(SAM, "lift-remark")
    assert first == await app.practice(KIM, "lift-remark")
    scenario = content_dir / "scenarios" / "lift-remark.yaml"
    text = scenario.read_text(encoding="utf-8").replace("crowded lift", "packed lift")
    scenario.write_text(text, encoding="utf-8")
    content = console.runtime.content
    assert isinstance(content, ContentHolder)
    assert (await content.reload()).ok
    after = await app.practice(SAM, "lift-remark")
    assert "packed lift" in after.text() and "crowded lift" not in after.text()
