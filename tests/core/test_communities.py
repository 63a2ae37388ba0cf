"""Two communities on one deployment, through the real use cases on the in-memory store:
each check-in is routed, listed, counted and audited in its own community alone; a
volunteer or moderator of one can do nothing to the other's; a removed community is
purged after its grace, and only it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core import outbound_json
from bot.core.actors import Actor, Role
from bot.core.clock import ManualClock
from bot.core.desk_support import (
    BLOCK,
    CLAIM,
    CLOSE,
    CONFIRM,
    FIELD_CATEGORY,
    FIELD_IDENTITY,
    FIELD_TEXT,
    FIELD_URGENCY,
    FORM_ID,
    REQUEUE,
)
from bot.core.group_view import BEGIN as GROUP_BEGIN
from bot.core.group_view import VOTE
from bot.core.messages import Action, Outbound, Reply
from bot.core.models import CheckIn, CheckinStatus
from bot.core.practice import BEGIN
from bot.core.settings import CommunitySettings
from bot.storage.memory import MemoryStore

A, B = "chat:A", "chat:B"
WORDS = {A: "words only community A may read", B: "words only community B may read"}


@dataclass
class Roles:
    """The platform's answer: a role by the user id's first word."""

    async def roles(self, actor: Actor) -> frozenset[Role]:
        by_prefix = {"vol": Role.VOLUNTEER, "lead": Role.LEAD, "mod": Role.MODERATOR}
        return frozenset(r for p, r in by_prefix.items() if actor.user_id.startswith(p))


@dataclass
class Recorder:
    sent: list[Outbound] = field(default_factory=list)

    async def send(self, outbound: Outbound) -> str:
        self.sent.append(outbound)
        return f"ref{len(self.sent)}"

    async def delete(self, ref: str) -> None:
        return None


def person(community: str, user_id: str) -> Actor:
    return Actor("chat", user_id, display_name=user_id.title(), community=community)


@pytest.fixture
async def runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    built = await build(settings, store=MemoryStore(), clock=clock)
    built.register_platform("chat", Roles(), Recorder())
    for community in (A, B):  # as each community's admin set it up
        own = CommunitySettings(volunteers_channel=f"volunteers-of-{community}")
        await built.app.services.setup.book.save(community, own, "Admin", clock.now())
    yield built
    await built.aclose()


def text_of(runtime: Runtime, key: str, **params: object) -> str:
    catalog = runtime.content.current
    return catalog.text(catalog.default_locale, key, **params)


async def open_checkin(runtime: Runtime, member: Actor) -> CheckIn:
    app = runtime.app
    await app.checkin(member)
    values = {
        FIELD_TEXT: WORDS[member.community],
        FIELD_CATEGORY: "other",
        FIELD_URGENCY: "today",
        FIELD_IDENTITY: "anonymous",
    }
    summary = await app.submit_form(member, FORM_ID, values)
    [confirm] = [a for a in summary.actions if a.kind == CONFIRM]
    await app.press(member, confirm.id)
    found = await runtime.store.checkins.active_checkin(member.key)
    assert found is not None and found.status is CheckinStatus.OPEN
    return found


async def queued(runtime: Runtime) -> list[tuple[str, Outbound]]:
    """Every queued item's community and what it carries."""
    now = runtime.clock.now()
    items = await runtime.store.outbox.lease_due_outbox(now, 1000, "test", now)
    return [(i.community, outbound_json.decode(i.payload)) for i in items]


def button(kind: str, arg: str) -> str:
    return Action(kind, arg, "").id


def said(reply: Reply) -> str:
    return reply.text()


async def both_open(runtime: Runtime) -> dict[str, CheckIn]:
    for community in (A, B):
        await runtime.app.volunteer(person(community, "vol1"), "on")
    return {c: await open_checkin(runtime, person(c, "member1")) for c in (A, B)}


async def test_each_checkin_goes_to_its_own_volunteers_and_is_counted_there(
    runtime: Runtime,
) -> None:
    opened = await both_open(runtime)
    assert opened[A].community == A and opened[B].community == B
    assert opened[A].member != opened[B].member, "one person, two keys: nothing links them"
    for community, outbound in await queued(runtime):
        theirs = opened[A] if community == A else opened[B]
        assert outbound.destination.community == community
        assert theirs.pseudonym in outbound.reply.text() or outbound.destination.kind == "dm"
    waiting = said(await runtime.app.volunteer(person(B, "vol1"), "status"))
    assert text_of(runtime, "volunteer.waiting", count=1) in waiting
    assert [c.id for c in await runtime.store.checkins.unclaimed(A)] == [opened[A].id]


async def test_a_volunteer_of_one_community_cannot_claim_close_or_block_the_other_s(
    runtime: Runtime,
) -> None:
    opened = await both_open(runtime)
    gone = text_of(runtime, "error.checkin_gone")
    outsider = person(B, "vol1")
    assert gone in said(await runtime.app.press(outsider, button(CLAIM, opened[A].id)))
    untouched = await runtime.store.checkins.get_checkin(opened[A].id)
    assert untouched is not None and untouched.status is CheckinStatus.OPEN
    await runtime.app.press(person(A, "vol1"), button(CLAIM, opened[A].id))
    for kind in (CLOSE, BLOCK):
        assert gone in said(await runtime.app.press(outsider, button(kind, opened[A].id)))
    lead = person(B, "lead1")
    assert gone in said(await runtime.app.press(lead, button(REQUEUE, opened[A].id)))
    kept = await runtime.store.checkins.get_checkin(opened[A].id)
    assert kept is not None and kept.status is CheckinStatus.CLAIMED
    assert kept.claimed_by == person(A, "vol1").key
    assert await runtime.store.volunteers.blocked_until(opened[A].member) is None


async def test_stats_and_audit_show_a_moderator_their_own_community_alone(
    runtime: Runtime,
) -> None:
    opened = await both_open(runtime)
    for community in (A, B):
        await runtime.app.press(person(community, "vol1"), button(CLAIM, opened[community].id))
    audit_a = said(await runtime.app.audit(person(A, "mod1")))
    assert opened[A].pseudonym in audit_a and opened[B].pseudonym not in audit_a
    catalog = runtime.content.current
    scenario = catalog.scenario_list(catalog.default_locale)[0]
    await runtime.app.practice(person(A, "member1"), scenario.id)
    await runtime.app.press(person(A, "member1"), button(BEGIN, scenario.id))
    stats_a = said(await runtime.app.stats(person(A, "mod1")))
    stats_b = said(await runtime.app.stats(person(B, "mod1")))
    assert scenario.title in stats_a and scenario.title not in stats_b


async def test_a_removed_community_is_purged_after_its_grace_and_the_other_kept_whole(
    runtime: Runtime, clock: ManualClock
) -> None:
    for community in (A, B):
        workspace = community.partition(":")[2]
        await runtime.store.communities.register("chat", workspace, workspace, clock.now())
    opened = await both_open(runtime)
    communities = runtime.communities
    assert communities is not None
    purge_after = await communities.removed(A)
    assert purge_after == clock.now() + timedelta(days=30)
    assert "community-purge" in await runtime.jobs.run_due()
    assert await runtime.store.checkins.get_checkin(opened[A].id) is not None, "within grace"
    clock.advance(days=30, seconds=1)
    assert "community-purge" in await runtime.jobs.run_due()
    assert await runtime.store.checkins.get_checkin(opened[A].id) is None
    assert await runtime.store.communities.get_community(A) is None
    assert await runtime.store.volunteers.available_volunteers(A) == []
    kept = await runtime.store.checkins.get_checkin(opened[B].id)
    assert kept is not None and kept.text == WORDS[B]
    assert await runtime.store.volunteers.available_volunteers(B) == [person(B, "vol1").key]
    [line] = await runtime.store.audit.audit_entries(A, 10)
    assert (line.action, line.pseudonym, line.by) == ("community_purged", "", "")
    assert [c.id for c in await runtime.store.communities.active_communities()] == [B]


async def test_a_community_added_again_within_its_grace_keeps_everything(
    runtime: Runtime, clock: ManualClock
) -> None:
    await runtime.store.communities.register("chat", "A", "A", clock.now())
    opened = await both_open(runtime)
    communities = runtime.communities
    assert communities is not None
    await communities.removed(A)
    assert await communities.added_again(A)
    clock.advance(days=31)
    await runtime.jobs.run_due()
    assert await runtime.store.checkins.get_checkin(opened[A].id) is not None


async def test_a_group_session_is_played_in_its_own_community_alone(runtime: Runtime) -> None:
    catalog = runtime.content.current
    scenario = catalog.scenario_list(catalog.default_locale)[0]
    starter = person(A, "member1")
    intro = await runtime.app.practice_together(starter, scenario.id)
    [begin] = [a for a in intro.actions if a.kind == GROUP_BEGIN]
    outsider = person(B, "member1")  # the same user id, in the other community
    assert text_of(runtime, "group.gone") in said(await runtime.app.press(outsider, begin.id))
    started = await runtime.app.press(starter, begin.id)
    assert any(a.kind == VOTE for a in started.actions)


async def test_a_server_found_again_before_its_purge_is_restored(
    runtime: Runtime, clock: ManualClock
) -> None:
    communities = runtime.communities
    assert communities is not None
    await communities.joined(A, "Server A")
    opened = await both_open(runtime)
    await communities.left(A)
    gone = await runtime.store.communities.get_community(A)
    assert gone is not None and gone.status == "removed"
    await communities.joined(A, "Server A")  # added back, or seen again at start-up
    back = await runtime.store.communities.get_community(A)
    assert back is not None and back.status == "active"
    clock.advance(days=31)
    await runtime.jobs.run_due()
    assert await runtime.store.checkins.get_checkin(opened[A].id) is not None
