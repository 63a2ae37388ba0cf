"""Two Slack workspaces installed by OAuth into one deployment, end to end: the real
slack-bolt app over signed HTTP, the stand-in playing Slack, the runtime's own database
(SQLite, and a real PostgreSQL where one answers) keeping check-ins, settings and the
installations, as `python -m bot run` wires them.

Each workspace's installer (its admin) runs `/upstander setup channel=… volunteer=…`;
each check-in's card goes to its own workspace's channel with its own token; a volunteer
of one workspace cannot claim the other's; stats and audit are per workspace; and
uninstalling one purges its check-ins and settings and leaves the other whole."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_harness import (
    MEMBER,
    VOLUNTEER_CHANNEL,
    form_values,
    last_seq,
    next_call,
    posted_to,
    press_in_message,
    text_of,
)
from slack_standin import RESPONSE_URL_METHOD, Call, SlackDriver, SlackStandIn, drain_bolt_tasks
from test_slack_oauth import Deployment, install, oauth_env, tokens_since

from bot.adapters.slack.oauth import Installs
from bot.adapters.slack.run import attach_slack, start_http
from bot.adapters.slack.settings import SlackSettings
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.desk_support import CLAIM, CONFIRM
from bot.core.models import CheckinStatus
from bot.storage.engine import Database
from bot.storage.installations import SqlInstallations, SqlOAuthStates
from bot.storage.schema import metadata
from tests.conftest import pg_schema


@dataclass(frozen=True)
class Team:
    """One workspace and the people and places its setup names."""

    team_id: str
    admin: str  # a workspace admin (users.info: is_admin)
    volunteer: str
    channel: str
    group: str

    @property
    def community(self) -> str:
        return f"slack:{self.team_id}"


# Who installed the app in each workspace (by OAuth); see the last test.
INSTALLER = {"T0AAA": "U0INSTALA", "T0BBB": "U0INSTALB"}
ALPHA = Team("T0AAA", "U0ADMINA", "U0VOLA", "C0ALPHA", "S0ALPHA")
BRAVO = Team("T0BBB", "U0ADMINB", "U0VOLB", "C0BRAVO", "S0BRAVO")
OTHER_MEMBER = "U0MEMBER2"


@pytest.fixture(params=["sqlite", "postgresql"])
async def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The runtime on its own database, opened by `build` from the settings."""
    env = {"UPSTANDER_DATA_DIR": str(tmp_path / "data")}
    async with AsyncExitStack() as stack:
        if request.param == "postgresql":
            env.update((await stack.enter_async_context(pg_schema())).env())
        built = await build(Settings.from_env(env), clock=ManualClock())
        try:
            yield built
        finally:
            await built.aclose()


@pytest.fixture
async def deployment(runtime: Runtime, slack: SlackStandIn) -> AsyncIterator[Deployment]:
    db = runtime.database
    assert db is not None and runtime.communities is not None
    installations = SqlInstallations(db)
    clock = ManualClock()
    installs = Installs(installations, SqlOAuthStates(db, clock=clock))
    settings = SlackSettings.from_env(oauth_env(slack))
    purged: list[str] = []
    communities = runtime.communities

    async def purge(community: str) -> None:
        await communities.uninstalled(community)
        purged.append(community)

    adapter = attach_slack(runtime.app, runtime, settings, installs=installs, purge=purge)
    server = await start_http(adapter, runtime, settings, host="127.0.0.1", port=0)
    try:
        yield Deployment(
            runtime, slack, server, settings, adapter, db, installations, clock, purged
        )
        await adapter.work.drain(5.0)
        await drain_bolt_tasks()
    finally:
        await server.close()


async def install_both(deployment: Deployment) -> dict[str, str]:
    """Both workspaces installed by OAuth, each by its own installer; their bot tokens.
    (The stand-in's people are one directory for every token: an admin's `is_admin` is
    seen from either workspace.)"""
    slack = deployment.slack
    tokens = {}
    for team in (ALPHA, BRAVO):
        slack.add_user(team.admin, team.admin.lower(), is_admin=True)
        slack.add_user(INSTALLER[team.team_id], INSTALLER[team.team_id].lower())
        slack.add_user(team.volunteer, team.volunteer.lower())
        slack.set_usergroup_members(team.group, [team.volunteer])
        slack.set_channel_members(team.channel, [team.volunteer, slack.bot_user_id])
        workspace = slack.add_workspace(team.team_id, installer=INSTALLER[team.team_id])
        await install(deployment, workspace)
        tokens[team.team_id] = workspace.bot_token
    return tokens


async def tables_naming(db: Database, team_id: str) -> set[str]:
    """The tables with a row that names ``team_id`` in any column."""
    found = set()
    async with db.read() as conn:
        for table in metadata.sorted_tables:
            rows = (await conn.execute(table.select())).all()
            if any(team_id in repr(tuple(row)) for row in rows):
                found.add(table.name)
    return found


async def command(driver: SlackDriver, words: str, user: str) -> str:
    answer = await driver.slash_command("/upstander", words, user_id=user)
    assert answer.status == 200
    return text_of(answer.json()["blocks"])


async def set_up(deployment: Deployment, team: Team) -> None:
    async with deployment.driver(team.team_id) as driver:
        said = await command(
            driver, f"setup channel={team.channel} volunteer={team.group}", team.admin
        )
        assert "Saved" in said, said
    stored = await deployment.runtime.store.settings.get(team.community)
    assert stored is not None
    assert (stored.volunteers_channel, stored.volunteer_role) == (team.channel, team.group)


async def open_checkin(deployment: Deployment, team: Team, member: str = MEMBER) -> None:
    """``member``'s check-in in ``team``: the form, the summary, confirmed, delivered."""
    slack = deployment.slack
    async with deployment.driver(team.team_id) as driver:
        bot = deployment.bot_for(driver)
        before = last_seq(slack)
        answer = await driver.slash_command("/upstander", "checkin", user_id=member)
        assert answer.status == 200
        opened = await next_call(slack, "views.open", before)
        view = {**opened.args["view"], "id": opened.response["view"]["id"]}
        assert view["private_metadata"] == "checkin.form"
        before = last_seq(slack)
        submitted = await driver.submit_view(view, form_values("anonymous"), user_id=member)
        assert submitted.status == 200
        summary = await next_call(slack, "chat.postMessage", before)
        await press_in_message(bot, member, summary, f"{CONFIRM}|")
        await deployment.settle()


async def press_claim(deployment: Deployment, team: Team, user: str, card: Call) -> str:
    """``user`` presses Claim on ``card`` in workspace ``team``: what they are told."""
    async with deployment.driver(team.team_id) as driver:
        before = await press_in_message(deployment.bot_for(driver), user, card, f"{CLAIM}|")
        told = await next_call(deployment.slack, RESPONSE_URL_METHOD, before)
        await deployment.settle()
    return text_of(told.args["blocks"])


async def test_two_workspaces_each_set_up_served_and_counted_apart(
    deployment: Deployment,
) -> None:
    slack, store = deployment.slack, deployment.runtime.store
    tokens = await install_both(deployment)
    for team in (ALPHA, BRAVO):
        await set_up(deployment, team)

    cards = {}
    for team in (ALPHA, BRAVO):
        before = last_seq(slack)
        await open_checkin(deployment, team)
        assert tokens_since(slack, before) == {tokens[team.team_id]}
        [cards[team.team_id]] = posted_to(slack, team.channel, before)
        assert cards[team.team_id].token == tokens[team.team_id]
    assert posted_to(slack, VOLUNTEER_CHANNEL) == [], "the environment's channel is no one's"
    for team, other in ((ALPHA, BRAVO), (BRAVO, ALPHA)):
        assert len(posted_to(slack, team.channel)) == 1, f"{other.team_id}'s card not here"

    [open_b] = await store.checkins.unclaimed(BRAVO.community)
    [open_a] = await store.checkins.unclaimed(ALPHA.community)
    # Alpha's volunteer on Bravo's card, in Bravo (not in Bravo's group) and from Alpha.
    told = await press_claim(deployment, BRAVO, ALPHA.volunteer, cards["T0BBB"])
    assert "Only volunteers can do that." in told
    told = await press_claim(deployment, ALPHA, ALPHA.volunteer, cards["T0BBB"])
    assert "not available" in told, told
    still = await store.checkins.get_checkin(open_b.id)
    assert still is not None and still.status == CheckinStatus.OPEN and not still.claimed_by

    assert "You claimed" in await press_claim(deployment, ALPHA, ALPHA.volunteer, cards["T0AAA"])
    async with deployment.driver("T0AAA") as driver:
        stats_a = await command(driver, "stats", ALPHA.admin)
        audit_a = await command(driver, "audit", ALPHA.admin)
        assert "Only" in await command(driver, "stats", BRAVO.volunteer), "nobody in Alpha"
    async with deployment.driver("T0BBB") as driver:
        stats_b = await command(driver, "stats", BRAVO.admin)
        audit_b = await command(driver, "audit", BRAVO.admin)
    assert "Opened: &lt;5 · claimed: &lt;5 · closed: 0" in stats_a, stats_a
    assert "Opened: &lt;5 · claimed: 0 · closed: 0" in stats_b, stats_b
    assert open_a.pseudonym in audit_a and open_b.pseudonym not in audit_a
    assert "Nothing to show yet." in audit_b and open_a.pseudonym not in audit_b


async def test_uninstalling_one_purges_its_check_ins_and_settings_the_other_keeps_working(
    deployment: Deployment,
) -> None:
    slack, store = deployment.slack, deployment.runtime.store
    tokens = await install_both(deployment)
    for team in (ALPHA, BRAVO):
        await set_up(deployment, team)
        await open_checkin(deployment, team)
    member = f"slack:{{}}:{MEMBER}"
    held = await tables_naming(deployment.db, "T0AAA")
    assert {"checkins", "community_settings", "slack_bots", "slack_installations"} <= held

    async with deployment.driver("T0AAA") as driver:
        assert (await driver.send_event({"type": "app_uninstalled"})).status == 200
        await deployment.settle()
    slack.revoke(tokens["T0AAA"])
    assert deployment.purged == [ALPHA.community]
    assert await store.checkins.member_checkins(member.format("T0AAA")) == []
    assert await store.checkins.unclaimed(ALPHA.community) == []
    assert await store.settings.get(ALPHA.community) is None
    assert await deployment.installations.bot_token(ALPHA.community) is None
    # Read past the stores: nothing of Alpha's is left but the purge's own audit line.
    assert await tables_naming(deployment.db, "T0AAA") == {"audit"}
    [line] = await store.audit.audit_entries(ALPHA.community, 10)
    assert line.action == "community_purged" and line.by == ""

    # Bravo is whole: its settings, its check-in, its token; a new check-in reaches its channel.
    kept = await store.settings.get(BRAVO.community)
    assert kept is not None and kept.volunteers_channel == BRAVO.channel
    [still] = await store.checkins.member_checkins(member.format("T0BBB"))
    assert still.community == BRAVO.community
    assert await deployment.installations.bot_token(BRAVO.community) == tokens["T0BBB"]
    slack.add_user(OTHER_MEMBER, "omar.member")
    before = last_seq(slack)
    await open_checkin(deployment, BRAVO, OTHER_MEMBER)
    assert tokens_since(slack, before) == {tokens["T0BBB"]}
    [card] = posted_to(slack, BRAVO.channel, before)
    assert card.token == tokens["T0BBB"] and posted_to(slack, ALPHA.channel, before) == []
    assert len(await store.checkins.unclaimed(BRAVO.community)) == 2


async def test_the_installer_is_an_admin_of_their_own_workspace_only(
    deployment: Deployment,
) -> None:
    """The installer is the workspace's admin (SlackDirectory's `installer`, see
    test_slack_setup.test_the_installer_is_an_admin_of_their_workspace) in the deployment
    as wired, not just when the directory is built by hand."""
    await install_both(deployment)
    setup = f"setup channel={ALPHA.channel} volunteer={ALPHA.group}"
    async with deployment.driver("T0BBB") as driver:
        assert "Only this community's admins" in await command(driver, setup, INSTALLER["T0AAA"])
    async with deployment.driver("T0AAA") as driver:
        said = await command(driver, setup, INSTALLER["T0AAA"])
    assert "Saved" in said, said
    stored = await deployment.runtime.store.settings.get(ALPHA.community)
    assert stored is not None and stored.volunteers_channel == ALPHA.channel
    assert await deployment.runtime.store.settings.get(BRAVO.community) is None


async def test_setup_checks_the_channel_with_its_workspace_s_own_token(
    deployment: Deployment,
) -> None:
    slack = deployment.slack
    tokens = await install_both(deployment)
    slack.set_channel_members("C0NOBOT", [ALPHA.volunteer])  # the app was never invited
    before = last_seq(slack)
    async with deployment.driver("T0AAA") as driver:
        said = await command(driver, f"setup channel=C0NOBOT volunteer={ALPHA.group}", ALPHA.admin)
    assert "Nothing was changed" in said and "I cannot post in that channel" in said, said
    checks = [c for c in slack.calls() if c.seq > before and c.method != "users.info"]
    assert {c.method for c in checks} >= {"conversations.info"}
    assert tokens_since(slack, before) == {tokens["T0AAA"]}
    assert await deployment.runtime.store.settings.get(ALPHA.community) is None
