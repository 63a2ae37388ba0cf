"""The store contract for communities, in the in-memory fake, SQLite and PostgreSQL: two
communities' rows are listed, counted, routed and audited apart; the registry; the
purge empties one community and leaves the other whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.group_model import GroupSession, GroupStatus
from bot.core.models import AuditEntry, CheckIn, CommunityStatus, OutboxItem, SentCopy
from bot.core.ports import Stores
from tests.storage.test_schedule_store import weekly
from tests.storage.test_store_contract import (
    T0,
    checkin,
    due,
    item,
    open_draft,
    run,
    store,  # noqa: F401
)

A, B = "p:A", "p:B"


def theirs(community: str, cid: str) -> CheckIn:
    member = f"{community}:m{cid}"
    return replace(checkin(cid, member=member), community=community)


def note(community: str, cid: str, action: str = "claimed") -> AuditEntry:
    return AuditEntry(T0, cid, f"Member {cid}", action, "Val", community)


def queued(community: str, iid: str, cid: str) -> OutboxItem:
    return replace(item(iid, cid), community=community)


async def opened(store: Stores, community: str, cid: str) -> CheckIn:  # noqa: F811
    made = theirs(community, cid)
    await store.checkins.save_draft(made)
    await store.checkins.open_checkin(
        cid, made.member, T0, lambda c: [queued(community, f"o{cid}", cid)]
    )
    return made


async def test_two_communities_list_route_count_and_audit_apart(store: Stores) -> None:  # noqa: F811
    await store.volunteers.set_availability(f"{A}:v1", A, True)
    await store.volunteers.set_availability(f"{B}:v1", B, False)
    first, second = theirs(A, "a1"), theirs(B, "b1")
    for made in (first, second):
        await store.checkins.save_draft(made)
    assert (await open_draft(store, "a1", first.member)).volunteers_on_duty
    assert not (await open_draft(store, "b1", second.member)).volunteers_on_duty
    assert [c.id for c in await store.checkins.unclaimed(A)] == ["a1"]
    assert [c.id for c in await store.checkins.unclaimed(B)] == ["b1"]
    assert sorted(c.id for c in await store.checkins.unclaimed()) == ["a1", "b1"]
    assert (await store.checkins.get_checkin("b1")) == replace(
        second, status=second.status.OPEN, opened_at=T0
    )
    assert await store.volunteers.available_volunteers(A) == [f"{A}:v1"]
    assert await store.volunteers.available_volunteers(B) == []
    assert await store.checkins.claim("a1", (f"{A}:v1", "v1", "Val"), T0, [], note(A, "a1"))
    assert len(await store.checkins.checkin_figures(A)) == 1
    assert [f.claimed_at for f in await store.checkins.checkin_figures(B)] == [None]
    assert [e.checkin_id for e in await store.audit.audit_entries(A, 10)] == ["a1"]
    assert await store.audit.audit_entries(B, 10) == []
    assert await store.checkins.pseudonym_in_use(A, first.pseudonym, T0)
    assert not await store.checkins.pseudonym_in_use(B, first.pseudonym, T0)


async def test_counters_and_audit_of_before_communities_count_for_a_default_one(
    store: Stores,  # noqa: F811
) -> None:
    for community, by in (("", 5), ("p", 1), (A, 2), (B, 3)):
        await store.stats.bump(community, "tactic", "delay", by)
        await store.audit.audit_entries(A, 1)  # a read between writes changes nothing
    assert await store.stats.counts(A, "tactic") == {"delay": 2}
    assert await store.stats.counts(B, "tactic") == {"delay": 3}
    assert await store.stats.counts("p", "tactic") == {"delay": 6}, "its own and the older"
    await store.outbox.give_up("nothing", note("", "old", "undelivered"))
    assert [e.checkin_id for e in await store.audit.audit_entries("p", 10)] == ["old"]
    assert await store.audit.audit_entries(A, 10) == []


async def test_rows_carry_their_community_back(store: Stores) -> None:  # noqa: F811
    await opened(store, B, "b1")
    [leased] = await due(store, T0)
    assert leased.community == B
    copy = SentCopy("k1", "b1", "p", "dm", "m", "ref", T0, B)
    await store.copies.record_copy(copy)
    assert await store.copies.copies_of("b1") == [copy]
    await store.schedules.add_schedule(replace(weekly("s1", platform="p"), community=B))
    assert [s.id for s in await store.schedules.list_schedules(B)] == ["s1"]
    assert await store.schedules.list_schedules(A) == []
    group = GroupSession(
        "g1", "lift", "en", f"{B}:s", "s1", 1, (), GroupStatus.VOTING, (), T0, T0, B
    )
    await store.groups.create_group(group)
    assert await store.groups.get_group("g1") == group
    assert await store.groups.update_group(
        group, GroupStatus.VOTING, 1, [("groups_started", "lift", 1)]
    )
    assert await store.stats.counts(B, "groups_started") == {"lift": 1}
    assert await store.stats.counts(A, "groups_started") == {}
    saved = replace(run("r1", member=f"{B}:m1"), community=B)
    await store.practice.save_runs(B, [saved], [("runs_started", "s1")])
    assert await store.practice.get_run("r1", f"{B}:m1") == saved
    assert await store.stats.counts(B, "runs_started") == {"s1": 1}


async def test_the_registry_records_removes_and_restores(store: Stores) -> None:  # noqa: F811
    registry = store.communities
    assert await registry.register("p", "A", "Alpha", T0) == A
    assert await registry.register("p", "A", "Alpha renamed", T0 + timedelta(days=1)) == A
    assert await registry.register("p", "", "Default", T0) == "p"
    assert await registry.register("q", "W1", "Env", T0, default_workspace="W1") == "q"
    known = await registry.get_community(A)
    assert known is not None and (known.name, known.created_at) == ("Alpha renamed", T0)
    assert [c.id for c in await registry.active_communities("p")] == ["p", A]
    assert await registry.mark_removed(A, T0, T0 + timedelta(days=30))
    assert not await registry.mark_removed("p:nobody", T0, T0)
    removed = await registry.get_community(A)
    assert removed is not None and removed.status is CommunityStatus.REMOVED
    assert [c.id for c in await registry.active_communities()] == ["p", "q"]
    assert await registry.removed_due(T0 + timedelta(days=29)) == []
    assert [c.id for c in await registry.removed_due(T0 + timedelta(days=30))] == [A]
    assert await registry.restore(A)
    assert await registry.removed_due(T0 + timedelta(days=31)) == []
    back = await registry.get_community(A)
    assert back is not None and back.status is CommunityStatus.ACTIVE and back.purge_after is None


async def _fill(store: Stores, community: str) -> None:  # noqa: F811
    """One row of each kind, for `community`."""
    cid = f"{community[-1].lower()}1"
    made = await opened(store, community, cid)
    await store.copies.record_copy(SentCopy(f"k{cid}", cid, "p", "dm", "m", "ref", T0, community))
    await store.volunteers.set_availability(f"{community}:v1", community, True)
    await store.volunteers.set_volunteer_anonymous(f"{community}:v1", community, True)
    await store.volunteers.block(made.member, T0 + timedelta(days=1), community)
    await store.stats.bump(community, "tactic", "delay")
    await store.checkins.escalate(cid, 1, T0, [], note(community, cid, "escalated"))
    runner = replace(run(f"r{cid}", member=made.member), community=community)
    await store.practice.save_runs(community, [runner])
    sid = f"g{cid}"
    group = GroupSession(
        sid, "lift", "en", made.member, "s1", 1, (), GroupStatus.VOTING, (), T0, T0, community
    )
    await store.groups.create_group(group)
    await store.groups.cast_vote(sid, 1, made.member, 0, T0)
    await store.schedules.add_schedule(replace(weekly(f"s{cid}", "p"), community=community))
    await store.communities.register("p", community.partition(":")[2], community, T0)


async def _everything(store: Stores, community: str) -> list[object]:  # noqa: F811
    cid = f"{community[-1].lower()}1"
    member = f"{community}:m{cid}"
    return [
        await store.checkins.get_checkin(cid),
        [i.id for i in await due(store, T0, 100) if i.community == community],
        await store.copies.copies_of(cid),
        await store.volunteers.available_volunteers(community),
        await store.volunteers.volunteer_anonymous(f"{community}:v1"),
        await store.volunteers.blocked_until(member),
        await store.stats.counts(community, "tactic"),
        await store.audit.audit_entries(community, 10),
        await store.practice.member_runs(member),
        await store.groups.get_group(f"g{cid}"),
        await store.groups.group_tally(f"g{cid}", 1),
        await store.schedules.list_schedules(community),
        await store.communities.get_community(community),
    ]


async def test_purging_one_community_leaves_the_other_whole(store: Stores) -> None:  # noqa: F811
    await _fill(store, A)
    await _fill(store, B)
    before = await _everything(store, B)
    assert all(before), "every kind of row exists for B"
    line = AuditEntry(T0, "", "", "community_purged", "", A)
    assert await store.communities.purge(A, line) >= 9
    assert await _everything(store, B) == before
    left = await _everything(store, A)
    assert left[:-2] == [None, [], [], [], False, None, {}, [line], [], None, {}]
    assert left[-2:] == [[], None]
    assert await store.communities.purge(A) == 1, "nothing left but the purge's own line"
