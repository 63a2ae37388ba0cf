"""/mydata delete asks first, and the question can be declined."""

from __future__ import annotations

from harness import Console

from bot.core.actors import Actor
from bot.core.mydata import DELETE_CANCEL, DELETE_CONFIRM


async def test_the_delete_question_offers_a_cancel(console: Console) -> None:
    ask = await console.runtime.app.mydata(Actor("console", "sam"), "delete")
    assert [a.kind for a in ask.actions] == [DELETE_CONFIRM, DELETE_CANCEL]


async def test_cancel_erases_nothing(console: Console) -> None:
    await console.say("/as member sam", "/practice lift-remark")
    await console.press("Begin")
    await console.say("/mydata delete")
    kept = await console.press("Cancel, keep my data")
    assert "Nothing was erased" in kept
    assert await console.runtime.store.practice.active_run("console:sam") is not None
    assert "Resume: A remark in the lift" in await console.say("/practice")
