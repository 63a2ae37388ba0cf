"""Faults around a check-in: flaky platforms, restarts, storage failing half-way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from harness import Console, build_console

from bot.bootstrap import build
from bot.config import Settings
from bot.core.actors import Actor
from bot.core.clock import ManualClock
from bot.core.errors import DeliveryError, StorageError
from bot.core.messages import Outbound
from bot.core.models import CheckIn, CheckinStatus, Opening, OutboxItem
from bot.storage.memory import MemoryCheckins, MemoryState, MemoryStore


class FlakyMessenger:
    """A platform that refuses the first `failures` sends, then accepts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.accepted: list[Outbound] = []

    async def send(self, outbound: Outbound) -> str:
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryError("platform answered 500")
        self.accepted.append(outbound)
        return f"ref-{len(self.accepted)}"


async def confirm_checkin(console: Console) -> str:
    await console.say("/as member zed", "/checkin", "my words", "1", "1", "1")
    return await console.press("Send to volunteers")


async def test_fails_twice_then_delivered_once(console: Console, clock: ManualClock) -> None:
    flaky = FlakyMessenger(failures=2)
    console.runtime.messengers["console"] = flaky
    await confirm_checkin(console)  # the console drains once: attempt 1 fails
    assert flaky.accepted == []
    clock.advance(seconds=1)
    assert await console.runtime.deliveries.drain() == 0, "backoff: not due yet"
    clock.advance(seconds=2)
    await console.runtime.deliveries.drain()  # attempt 2 fails; next in 4 s
    clock.advance(seconds=4)
    await console.runtime.deliveries.drain()  # attempt 3 succeeds
    clock.advance(minutes=10)
    await console.runtime.deliveries.drain()
    cards = [o for o in flaky.accepted if o.destination.kind == "volunteers"]
    assert len(cards) == 1
    assert await console.runtime.store.outbox.pending_outbox_count() == 0


async def test_pending_notifications_are_delivered_after_a_restart(
    settings: Settings, clock: ManualClock
) -> None:
    first = await build_console(settings, clock, sqlite=True)
    first.runtime.messengers["console"] = FlakyMessenger(failures=99)
    received = await confirm_checkin(first)
    assert "Received and stored safely" in received
    assert await first.runtime.store.outbox.pending_outbox_count() == 1
    await first.close()

    second = await build(settings, clock=clock)
    try:
        platform = FlakyMessenger(failures=0)
        second.messengers["console"] = platform
        clock.advance(minutes=5)
        await second.deliveries.drain()
        assert [o.destination.kind for o in platform.accepted] == ["volunteers"]
        assert (
            "Claim"
            in platform.accepted[0].reply.text() + platform.accepted[0].reply.actions[0].label
        )
    finally:
        await second.aclose()


class CheckinsThatFailOnOpen(MemoryCheckins):
    """The database fails at the moment the request would be committed."""

    async def open_checkin(
        self,
        checkin_id: str,
        member: str,
        at: datetime,
        outbox: Callable[[CheckIn], list[OutboxItem]],
    ) -> Opening:
        raise StorageError("disk I/O error")


async def test_a_failed_commit_never_tells_the_member_received(
    settings: Settings, clock: ManualClock
) -> None:
    store = MemoryStore(checkins=CheckinsThatFailOnOpen(MemoryState()))
    runtime = await build(settings, store=store, clock=clock)
    try:
        member = Actor("console", "zed", display_name="Zed")
        summary = await runtime.app.submit_form(
            member,
            "checkin.form",
            {"text": "my words", "category": "other", "urgency": "today", "identity": "anonymous"},
        )
        confirm = next(a for a in summary.actions if a.kind == "checkin.confirm")
        reply = await runtime.app.press(member, confirm.id)
        assert "Received" not in reply.text()
        assert "something went wrong on my side" in reply.text()
        [checkin] = await store.checkins.member_checkins(member.key)
        assert checkin.status is CheckinStatus.DRAFT
        assert await store.outbox.pending_outbox_count() == 0, (
            "no card for a request that is not stored"
        )
    finally:
        await runtime.aclose()


async def test_text_is_not_readable_in_the_database_file(
    sqlite_console: Console, settings: Settings
) -> None:
    # Needles long enough that base64 ciphertext cannot contain them by chance.
    secret = "quetzal-lantern words about my manager"
    await sqlite_console.say("/as volunteer val", "/volunteer on")
    await sqlite_console.say("/as member zephyrine", "/checkin", secret, "1", "1", "2")
    await sqlite_console.press("Send to volunteers")
    await sqlite_console.say("/as volunteer val", sqlite_console.button("Claim"))
    await sqlite_console.say("/as member zephyrine", "a relayed quetzal-ember message")
    raw = b"".join(p.read_bytes() for p in settings.data_dir.glob("upstander.sqlite3*"))
    assert len(raw) > 10_000
    for needle in (b"quetzal-lantern", b"quetzal-ember", b"Zephyrine", b"about my manager"):
        assert needle not in raw
    [checkin] = await sqlite_console.runtime.store.checkins.member_checkins("console:zephyrine")
    assert checkin.text == secret, "and yet the bot can read it back"
