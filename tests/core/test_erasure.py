"""Erasure through the console (issue 18.6): the quiet-close path, the retention purge of
copies and practice runs, and an erasure that fails never holds up a message."""

from __future__ import annotations

from harness import Console, RecordingMessenger

from bot.core.clock import ManualClock
from bot.core.errors import DeliveryError
from bot.core.messages import Outbound
from bot.core.models import SentCopy

MEMBER, VOLUNTEER = "zephyrine", "val"


async def _claimed_with_relays(console: Console) -> None:
    await console.say(f"/as volunteer {VOLUNTEER}", "/volunteer on")
    await console.say(f"/as member {MEMBER}", "/checkin")
    await console.say("Someone keeps mocking my accent.", "1", "1", "1")
    await console.press("Send to volunteers")
    await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"))
    await console.say("I'm here.")
    await console.say(f"/as member {MEMBER}", "It happens every evening.")


def _messenger(console: Console) -> RecordingMessenger:
    messenger = console.runtime.messengers["console"]
    assert isinstance(messenger, RecordingMessenger)
    return messenger


async def test_a_quiet_close_deletes_the_copies(console: Console, clock: ManualClock) -> None:
    await _claimed_with_relays(console)
    idle = console.runtime.idle
    assert idle is not None
    clock.advance(hours=49)
    assert await idle.idle_round() == 1  # the reminder
    assert _messenger(console).deleted == []
    clock.advance(hours=24)
    assert await idle.idle_round() == 1  # the close
    await console.runtime.deliveries.drain()
    assert len(_messenger(console).deleted) == 3  # details and one relay each way


async def test_the_purge_erases_old_practice_runs(console: Console, clock: ManualClock) -> None:
    await console.say(f"/as member {MEMBER}", "/practice lift-remark")
    await console.press("Begin")
    runs = console.runtime.store.practice
    assert len(await runs.member_runs(f"console:{MEMBER}")) == 1
    clock.advance(days=29)
    await console.runtime.escalation.purge()
    assert len(await runs.member_runs(f"console:{MEMBER}")) == 1, "kept within retention"
    clock.advance(days=2)
    await console.runtime.escalation.purge()
    assert await runs.member_runs(f"console:{MEMBER}") == []


class RefusesDeletesOnce(RecordingMessenger):
    """The platform refuses the first deletion (a 5xx, say), then accepts."""

    def __init__(self, inner: object, sent: list[Outbound]) -> None:
        super().__init__(inner, sent)
        self.refused = 0

    async def delete(self, ref: str) -> None:
        if not self.refused:
            self.refused += 1
            raise DeliveryError("platform unavailable")
        await super().delete(ref)


async def test_a_failed_erasure_is_retried_and_holds_up_nothing(
    console: Console, clock: ManualClock
) -> None:
    await _claimed_with_relays(console)
    flaky = RefusesDeletesOnce(_messenger(console), console.sent)
    console.runtime.messengers["console"] = flaky
    await console.say("/checkin close")  # queues three deletions, after the notices
    assert flaky.refused == 1
    assert any("how helpful" in t for t in console.outbound_text(dm_to=MEMBER))
    assert any("closed the conversation" in t for t in console.outbound_text(dm_to=VOLUNTEER))
    # Waiting: the refused deletion and whatever of its lane (its DM) queued behind it.
    waiting = await console.runtime.store.outbox.pending_outbox_count()
    assert waiting >= 1 and len(flaky.deleted) + waiting == 3
    clock.advance(minutes=1)
    await console.runtime.deliveries.drain()
    assert len(flaky.deleted) == 3
    assert await console.runtime.store.outbox.pending_outbox_count() == 0


async def test_the_retention_purge_job_deletes_a_copy_recorded_after_the_close(
    console: Console,
) -> None:
    """A relay in flight at the close is recorded a moment later: the purge job finds it
    and wakes the outbox worker."""
    await _claimed_with_relays(console)
    await console.say("/checkin close")
    assert len(_messenger(console).deleted) == 3
    [closed] = await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}")
    runtime = console.runtime
    late = SentCopy(
        "late", closed.id, "console", "dm", VOLUNTEER, "console-late", runtime.clock.now()
    )
    await runtime.store.copies.record_copy(late)
    runtime.desk.outbox_changed.clear()
    [purge] = [job for job in runtime.jobs.jobs if job.name == "retention-purge"]
    assert await runtime.jobs.run_if_due(purge)
    assert runtime.desk.outbox_changed.is_set()
    await runtime.deliveries.drain()
    assert _messenger(console).deleted[-1] == "console-late"
    assert await runtime.store.copies.copies_of(closed.id) == []
