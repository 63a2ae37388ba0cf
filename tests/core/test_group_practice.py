"""Group practice in the core, on the in-memory store: votes, reveal, tie, recap, expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from harness import Console

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.access import StaticDirectory
from bot.core.actors import Actor, Role
from bot.core.clock import ManualClock
from bot.core.group_model import GroupStatus
from bot.core.group_view import PICK, REVEAL, VOTE
from bot.core.messages import Reply
from bot.storage.memory import MemoryStore

PLATFORM = "test"
STARTER = Actor(PLATFORM, "ana")
MEMBERS = (Actor(PLATFORM, "ben"), Actor(PLATFORM, "cai"), Actor(PLATFORM, "dee"))
MODERATOR = Actor(PLATFORM, "mo")


class NoMessenger:
    async def send(self, outbound: object) -> str:
        raise AssertionError("group practice sends nothing outside the reply")


@pytest.fixture
async def runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    runtime = await build(settings, store=MemoryStore(), clock=clock)
    directory = StaticDirectory({"mo": frozenset({Role.MODERATOR})})
    runtime.register_platform(PLATFORM, directory, NoMessenger())
    yield runtime
    await runtime.aclose()


def action(reply: Reply, label: str) -> str:
    for a in reply.actions:
        if label in a.label:
            return a.id
    raise AssertionError(f"no {label!r} in {[a.label for a in reply.actions]}")


async def begun(runtime: Runtime) -> Reply:
    intro = await runtime.app.practice_together(STARTER, "lift-remark")
    assert not intro.private and not intro.replace
    assert "Content note: this scenario includes a remark about religion" in intro.text()
    assert "The doors close" not in intro.text(), "nothing starts before the starter begins"
    step = await runtime.app.press(STARTER, action(intro, "Begin together"))
    assert not step.private and step.replace
    return step


async def test_votes_are_counted_never_named_and_the_majority_path_is_taken(
    runtime: Runtime,
) -> None:
    app = runtime.app
    step = await begun(runtime)
    assert "The doors close" in step.text() and "Votes so far: 0" in step.text()
    await app.press(MEMBERS[0], action(step, "Ask the woman"))
    await app.press(MEMBERS[1], action(step, "Look at your phone"))
    # A changed vote replaces the earlier one: still one vote from this member.
    await app.press(MEMBERS[1], action(step, "Ask the woman"))
    counted = await app.press(MEMBERS[2], action(step, "Tell him"))
    assert "Votes so far: 3" in counted.text() and not counted.private
    assert not any(m.user_id in counted.text() for m in MEMBERS)

    refused = await app.press(MEMBERS[0], action(step, "Reveal"))
    assert refused.private and not refused.replace
    assert "Only the person who started" in refused.text()

    revealed = await app.press(STARTER, action(step, "Reveal"))
    text = revealed.text()
    assert "How the group voted" in text and not revealed.private and revealed.replace
    assert "• Ask the woman which floor she needs: 2 (Distract)" in text
    assert "• Tell him that was out of line: 1 (Direct)" in text
    assert "• Look at your phone: 0 (Not stepping in)" in text
    assert "A simple question shifts the moment" in text  # every choice's feedback
    assert "The group goes on with: Ask the woman which floor she needs" in text
    assert "The lift reaches the lobby" in text and "step 2" in text

    # A vote on the revealed step is refused privately and changes nothing.
    late = await app.press(MEMBERS[2], action(step, "Look at your phone"))
    assert late.private and "Voting on this step has closed." in late.text()

    await app.press(MEMBERS[0], action(revealed, "Ask her if she is all right"))
    recap = await app.press(MODERATOR, action(revealed, "Reveal"))
    text = recap.text()
    assert "Group recap" in text and "She thanks you" in text
    assert "Step 1: Ask the woman which floor she needs (Distract), 2 of 3 votes" in text
    assert "Step 2: Ask her if she is all right (Delay), 1 of 1 votes" in text
    assert "To discuss together" in text and "speak up next time?" in text
    assert not any(a.kind in (VOTE, REVEAL) for a in recap.actions)

    counts = await runtime.store.stats.counts(PLATFORM, "group_tactic")
    assert counts == {"distract": 2, "direct": 1, "delay": 1}
    assert await runtime.store.stats.counts(PLATFORM, "groups_finished") == {"lift-remark": 1}


async def test_a_tie_is_broken_by_the_starter_alone(runtime: Runtime) -> None:
    app = runtime.app
    step = await begun(runtime)
    await app.press(MEMBERS[0], action(step, "Ask the woman"))
    await app.press(MEMBERS[1], action(step, "Tell him"))
    tied = await app.press(STARTER, action(step, "Reveal"))
    assert "A tie." in tied.text()
    picks = [a for a in tied.actions if a.kind == PICK]
    assert [a.label for a in picks] == [
        "Ask the woman which floor she needs",
        "Tell him that was out of line",
    ]
    refused = await app.press(MEMBERS[0], picks[1].id)
    assert refused.private and "Only the person who started" in refused.text()
    chosen = await app.press(STARTER, picks[1].id)
    assert "The group goes on with: Tell him that was out of line" in chosen.text()
    assert "The lift reaches the lobby" in chosen.text()


async def test_reveal_with_no_votes_is_a_private_word(runtime: Runtime) -> None:
    step = await begun(runtime)
    nobody = await runtime.app.press(STARTER, action(step, "Reveal"))
    assert nobody.private and "Nobody has voted yet" in nobody.text()


async def test_only_the_starter_begins(runtime: Runtime) -> None:
    intro = await runtime.app.practice_together(STARTER, "lift-remark")
    refused = await runtime.app.press(MEMBERS[0], action(intro, "Begin together"))
    assert refused.private and "Only the person who started" in refused.text()


async def test_an_idle_session_ends_on_the_next_press(runtime: Runtime, clock: ManualClock) -> None:
    step = await begun(runtime)
    await runtime.app.press(MEMBERS[0], action(step, "Ask the woman"))
    clock.advance(minutes=119)
    kept = await runtime.app.press(MEMBERS[1], action(step, "Tell him"))
    assert "Votes so far: 2" in kept.text()
    clock.advance(minutes=120)
    ended = await runtime.app.press(MEMBERS[2], action(step, "Tell him"))
    assert "ended after 120 minutes without votes" in ended.text()
    assert not ended.private and ended.replace and not ended.actions


async def test_the_expiry_is_a_job_one_process_runs_per_period(
    runtime: Runtime, settings: Settings, clock: ManualClock
) -> None:
    step = await begun(runtime)
    await runtime.app.press(MEMBERS[0], action(step, "Ask the woman"))
    clock.advance(minutes=121)
    other = await build(settings, store=runtime.store, clock=clock, content=runtime.content)
    assert "group-practice-expiry" in await other.jobs.run_due()
    assert "group-practice-expiry" not in await runtime.jobs.run_due(), "the other's lease"
    session_id = action(step, "Reveal").split("|")[1].split(":")[0]
    session = await runtime.store.groups.get_group(session_id)
    assert session is not None and session.status is GroupStatus.EXPIRED


async def test_expire_idle_groups_ends_quiet_sessions_and_forgets_votes(
    runtime: Runtime, clock: ManualClock
) -> None:
    step = await begun(runtime)
    await runtime.app.press(MEMBERS[0], action(step, "Ask the woman"))
    assert runtime.group is not None
    assert await runtime.group.expire_idle_groups() == 0
    clock.advance(minutes=121)
    assert await runtime.group.expire_idle_groups() == 1
    assert await runtime.group.expire_idle_groups() == 0
    session_id = action(step, "Reveal").split("|")[1].split(":")[0]
    session = await runtime.store.groups.get_group(session_id)
    assert session is not None and session.status is GroupStatus.EXPIRED
    assert session.starter == "", "the starter is forgotten when the session ends"
    assert await runtime.store.groups.group_tally(session_id, 1) == {}
    late = await runtime.app.press(STARTER, action(step, "Reveal"))
    assert "ended after 120 minutes" in late.text()


async def test_a_group_needs_a_scenario(runtime: Runtime) -> None:
    reply = await runtime.app.practice_together(STARTER, "")
    assert reply.private and "Name a scenario" in reply.text()


async def test_newcomers_can_try_it_in_the_console(console: Console) -> None:
    intro = await console.say("/as member ana", "/practice together lift-remark")
    assert "Practice together: A remark in the lift" in intro and "Content note" in intro
    assert "The doors close" in await console.press("Begin together")
    await console.say("/as member ben")
    assert "Votes so far: 1" in await console.press("Ask the woman")
    refused = await console.press("Reveal")
    assert "Only the person who started" in refused
    await console.say("/as member ana")
    assert "The group goes on with: Ask the woman" in await console.press("Reveal")
