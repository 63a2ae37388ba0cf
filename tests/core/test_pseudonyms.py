"""Pseudonyms are unique among a platform's open and recent check-ins (issue 18.8)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.actors import Actor
from bot.core.desk_support import FIELD_CATEGORY, FIELD_IDENTITY, FIELD_TEXT, FIELD_URGENCY
from bot.core.models import CheckIn, CheckinStatus
from bot.core.pseudonyms import unique_pseudonym
from bot.storage.memory import MemoryStore
from tests.harness import Console

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def seeded(seed: int) -> random.Random:
    return random.Random(seed)


def draw_from(rng: random.Random) -> Callable[[int], str]:
    return lambda digits: f"{rng.getrandbits(4 * digits):0{digits}X}"


def stored(cid: str, pseudonym: str, closed_at: datetime | None = None) -> CheckIn:
    status = CheckinStatus.CLOSED if closed_at else CheckinStatus.OPEN
    return CheckIn(
        id=cid, platform="discord", member=f"discord:{cid}", member_user_id=cid,
        member_name="", pseudonym=pseudonym, category="other", urgency="today",
        anonymous=True, text="", crisis=False, locale="en", status=status, created_at=T0,
        closed_at=closed_at,
    )  # fmt: skip


async def test_a_collision_from_the_generator_is_drawn_again() -> None:
    store = MemoryStore()
    first = f"Member {draw_from(seeded(7))(4)}"
    await store.checkins.save_draft(stored("c1", first))
    # The same seed draws the same first name: it is taken, so the next draw is used.
    picked = await unique_pseudonym(store.checkins, "discord", T0, draw_from(seeded(7)))
    rng = seeded(7)
    draw = draw_from(rng)
    draw(4)
    assert picked != first and picked == f"Member {draw(4)}"


async def test_when_every_short_name_is_taken_a_longer_one_is_used() -> None:
    store = MemoryStore()
    await store.checkins.save_draft(stored("c1", "Member 0000"))
    always_zero = lambda digits: "0" * digits  # noqa: E731
    picked = await unique_pseudonym(store.checkins, "discord", T0, always_zero)
    assert picked == "Member 000000"


async def test_a_name_closed_long_ago_may_be_reused_and_another_platform_does_not_count() -> None:
    store = MemoryStore()
    await store.checkins.save_draft(stored("c1", "Member 0000", closed_at=T0 - timedelta(days=90)))
    await store.checkins.save_draft(
        replace(stored("c2", "Member 1111"), platform="slack", community="slack")
    )
    assert await unique_pseudonym(store.checkins, "discord", T0, lambda d: "0" * d) == "Member 0000"
    assert await unique_pseudonym(store.checkins, "discord", T0, lambda d: "1" * d) == "Member 1111"


async def test_the_desk_never_reuses_a_name_in_use(console: Console) -> None:
    """Every four-digit name is taken: the desk's check-in gets a free, longer one."""
    checkins = console.runtime.store.checkins
    for n in range(16**4):
        await checkins.save_draft(
            replace(stored(f"c{n}", f"Member {n:04X}"), platform="console", community="console")
        )
    values = {FIELD_IDENTITY: "anonymous", FIELD_URGENCY: "whenever", FIELD_CATEGORY: "other",
              FIELD_TEXT: ""}  # fmt: skip
    await console.runtime.desk.intake.submit(Actor("console", "sam"), values)
    mine = await checkins.member_checkins("console:sam")
    assert len(mine) == 1 and len(mine[0].pseudonym) == len("Member 000000")
