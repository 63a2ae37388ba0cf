"""Many workspaces from one deployment: installs by OAuth through bolt's real flow.

The real slack-bolt app is served over HTTP; the stand-in plays Slack: ``oauth.v2.access``
hands each workspace its own bot token, ``auth.test`` answers per token, and every call
records the token it came with. Installations are kept in a real SQLite database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from cryptography.fernet import Fernet
from slack_harness import (
    LEAD_GROUP,
    MEMBER,
    MODERATOR_GROUP,
    SECRET,
    VOLUNTEER,
    VOLUNTEER_CHANNEL,
    VOLUNTEER_GROUP,
    SlackBot,
    last_seq,
    open_checkin,
    posted_to,
    press_in_message,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_standin import SlackDriver, SlackStandIn, Workspace, drain_bolt_tasks
from sqlalchemy import select

from bot.adapters.slack.app import make_client
from bot.adapters.slack.oauth import Installs
from bot.adapters.slack.run import (
    HttpServer,
    SlackAdapter,
    attach_slack,
    serve_slack,
    start_http,
)
from bot.adapters.slack.settings import (
    BOT_SCOPES,
    EVENTS_PATH,
    SlackSettings,
    SlackSettingsError,
)
from bot.adapters.slack.workspaces import TOKEN_SECONDS, WorkspaceMessenger, Workspaces, untag
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.desk_support import CONFIRM
from bot.core.errors import DeliveryError
from bot.core.messages import Destination, Outbound, Reply, Section
from bot.core.settings import CommunitySettings
from bot.storage.crypto import Cipher
from bot.storage.engine import Database, sqlite_url
from bot.storage.installations import SqlInstallations, SqlOAuthStates
from bot.storage.schema import slack_bots, slack_installations
from bot.storage.sql import open_database

COOKIE = "slack-app-oauth-state"


@dataclass
class Deployment:
    """The bot serving every workspace that installs it, and what it keeps them in."""

    runtime: Runtime
    slack: SlackStandIn
    server: HttpServer
    settings: SlackSettings
    adapter: SlackAdapter
    db: Database
    installations: SqlInstallations
    clock: ManualClock
    purged: list[str]

    def url(self, path: str) -> str:
        return self.server.url + path

    def bot_for(self, driver: SlackDriver) -> SlackBot:
        """The harness's view of one workspace: its own driver (its team id)."""
        return SlackBot(self.runtime, self.slack, driver, self.server, self.settings, self.adapter)

    def driver(self, team_id: str) -> SlackDriver:
        return SlackDriver(self.url(EVENTS_PATH), SECRET, standin=self.slack, team_id=team_id)

    async def settle(self) -> None:
        assert await self.adapter.work.drain(5.0)
        await drain_bolt_tasks()
        await self.runtime.deliveries.drain()


def oauth_env(slack: SlackStandIn) -> dict[str, str]:
    return {
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE": slack.api_url,
        "SLACK_VOLUNTEER_CHANNEL": VOLUNTEER_CHANNEL,
        "SLACK_VOLUNTEER_GROUP": VOLUNTEER_GROUP,
        "SLACK_LEAD_GROUP": LEAD_GROUP,
        "SLACK_MODERATOR_GROUP": MODERATOR_GROUP,
    }


@pytest.fixture
async def deployment(
    runtime: Runtime, slack: SlackStandIn, tmp_path: Path
) -> AsyncIterator[Deployment]:
    db = await open_database(
        sqlite_url(tmp_path / "installs.sqlite3"), Cipher(Fernet.generate_key())
    )
    clock = ManualClock()
    installations = SqlInstallations(db)
    installs = Installs(installations, SqlOAuthStates(db, clock=clock))
    settings = SlackSettings.from_env(oauth_env(slack))
    assert settings.oauth
    purged: list[str] = []

    async def purge(community: str) -> None:
        # Where the lead wires the community purge: it runs after the installation went.
        assert await installations.bot_token(community) is None
        assert runtime.communities is not None
        await runtime.communities.uninstalled(community)  # as `python -m bot run` wires it
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
        await db.close()


@dataclass(frozen=True)
class Started:
    state: str
    cookie: str
    authorize_url: str


async def start_install(deployment: Deployment) -> Started:
    """``GET /slack/install``: off to Slack's consent page, with a state, as a cookie too."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.get(deployment.url("/slack/install"), allow_redirects=False) as answer,
    ):
        assert answer.status == 302
        location = answer.headers["Location"]
        cookie = answer.cookies[COOKIE].value
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [deployment.slack.client_id]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    [state] = query["state"]
    return Started(state, cookie, location)


async def finish_install(
    deployment: Deployment, code: str, state: str, cookie: str | None
) -> tuple[int, str]:
    """Slack sends the person back to ``GET /slack/oauth_redirect?code&state``."""
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie is not None else {}
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.get(
            deployment.url("/slack/oauth_redirect"),
            params={"code": code, "state": state},
            headers=headers,
            allow_redirects=False,
        ) as answer,
    ):
        return answer.status, await answer.text()


async def install(deployment: Deployment, workspace: Workspace) -> None:
    started = await start_install(deployment)
    code = deployment.slack.issue_oauth_code(workspace)
    status, page = await finish_install(deployment, code, started.state, started.cookie)
    assert status == 200, page


async def install_and_set_up(deployment: Deployment, workspace: Workspace) -> None:
    """Installed, then set up by its admin (tests/slack/test_slack_two_workspaces.py does
    that through /upstander setup): its own volunteers' channel."""
    await install(deployment, workspace)
    own = CommunitySettings(volunteers_channel=VOLUNTEER_CHANNEL)
    at = deployment.clock.now()
    await deployment.runtime.app.services.setup.book.save(
        f"slack:{workspace.key}", own, "Admin", at
    )


async def two_installed(deployment: Deployment) -> tuple[Workspace, Workspace]:
    first = deployment.slack.add_workspace("T0AAA", "Alpha")
    second = deployment.slack.add_workspace("T0BBB", "Bravo")
    await install_and_set_up(deployment, first)
    await install_and_set_up(deployment, second)
    return first, second


def tokens_since(slack: SlackStandIn, seq: int) -> set[str | None]:
    """The tokens of every Web API call made after ``seq`` (response_urls carry none)."""
    return {c.token for c in slack.calls() if c.seq > seq and c.method != "response_url"}


async def test_two_workspaces_install_and_each_is_served_with_its_own_token(
    deployment: Deployment,
) -> None:
    slack = deployment.slack
    first, second = await two_installed(deployment)
    [exchanged, _] = slack.delivered("oauth.v2.access")
    assert exchanged.token is None, "the code is exchanged with the app's credentials"
    assert await deployment.installations.bot_token("slack:T0AAA") == first.bot_token
    assert await deployment.installations.bot_token("slack:T0BBB") == second.bot_token

    # The tokens are sealed at rest: the raw rows do not hold them.
    async with deployment.db.read() as conn:
        raw = repr(
            [
                tuple(r)
                for t in (slack_bots, slack_installations)
                for r in (await conn.execute(select(t))).all()
            ]
        )
    assert "T0AAA" in raw and "T0BBB" in raw
    assert first.bot_token not in raw and second.bot_token not in raw and "xoxb-" not in raw

    # A check-in in each workspace: every call for it carries that workspace's token only.
    for workspace in (first, second):
        async with deployment.driver(workspace.team_id) as driver:
            before = last_seq(slack)
            summary = await open_checkin(deployment.bot_for(driver))
            assert summary.args["channel"] == MEMBER
            await press_in_message(deployment.bot_for(driver), MEMBER, summary, f"{CONFIRM}|")
            await deployment.settle()
            assert tokens_since(slack, before) == {workspace.bot_token}
            [checkin] = await deployment.runtime.store.checkins.member_checkins(
                f"slack:{workspace.team_id}:{MEMBER}"
            )
            assert checkin.member_user_id == MEMBER


async def test_each_workspace_s_card_reaches_its_volunteers_with_its_own_token(
    deployment: Deployment,
) -> None:
    slack = deployment.slack
    first, second = await two_installed(deployment)
    for workspace in (first, second):
        async with deployment.driver(workspace.team_id) as driver:
            before = last_seq(slack)
            summary = await open_checkin(deployment.bot_for(driver))
            await press_in_message(deployment.bot_for(driver), MEMBER, summary, f"{CONFIRM}|")
            await deployment.settle()
            [card] = posted_to(slack, VOLUNTEER_CHANNEL, before)
            assert card.token == workspace.bot_token


async def test_deliveries_go_out_with_the_destination_community_s_token(
    deployment: Deployment,
) -> None:
    slack = deployment.slack
    first, second = await two_installed(deployment)
    messenger = deployment.runtime.messengers["slack"]
    reply = Reply(sections=(Section("A check-in is waiting."),))
    refs = {}
    for workspace in (first, second):
        to = Destination("slack", "dm", VOLUNTEER, f"slack:{workspace.team_id}")
        refs[workspace.team_id] = await messenger.send(Outbound(to, reply))
        [sent] = [c for c in slack.delivered("chat.postMessage")][-1:]
        assert sent.token == workspace.bot_token and sent.args["channel"] == VOLUNTEER
    # The reference names its community: an edit and a deletion use the same token.
    community, _ = untag(refs["T0AAA"])
    assert community == "slack:T0AAA"
    to_first = Destination("slack", "dm", VOLUNTEER, "slack:T0AAA")
    await messenger.send(Outbound(to_first, reply, update_ref=refs["T0AAA"]))
    assert slack.delivered("chat.update")[-1].token == first.bot_token
    await messenger.delete(refs["T0BBB"])
    assert slack.delivered("chat.delete")[-1].token == second.bot_token

    # A workspace that never installed: refused for good, nothing sent with any token.
    before = last_seq(slack)
    nowhere = Destination("slack", "volunteers", community="slack:T0NONE")
    with pytest.raises(DeliveryError) as refused:
        await messenger.send(Outbound(nowhere, reply))
    assert refused.value.permanent
    assert last_seq(slack) == before


async def test_a_bad_or_expired_state_is_refused(deployment: Deployment) -> None:
    slack = deployment.slack
    workspace = slack.add_workspace("T0AAA")

    started = await start_install(deployment)
    made_up = "not-a-state-we-issued"
    status, _ = await finish_install(
        deployment, slack.issue_oauth_code(workspace), made_up, made_up
    )
    assert status == 401
    # The state without the browser that started the install (no cookie): refused too.
    status, _ = await finish_install(
        deployment, slack.issue_oauth_code(workspace), started.state, None
    )
    assert status == 400

    assert not slack.calls("oauth.v2.access"), "no code was exchanged"

    # The state the bot issued, with its browser: good once, and only once.
    code = slack.issue_oauth_code(workspace)
    assert (await finish_install(deployment, code, started.state, started.cookie))[0] == 200
    again = await finish_install(
        deployment, slack.issue_oauth_code(workspace), started.state, started.cookie
    )
    assert again[0] == 401
    await deployment.installations.delete_community("slack:T0AAA")

    # A state past its ten minutes: refused, nothing exchanged, nothing installed.
    late = await start_install(deployment)
    deployment.clock.advance(seconds=601)
    exchanged = len(slack.calls("oauth.v2.access"))
    status, _ = await finish_install(
        deployment, slack.issue_oauth_code(workspace), late.state, late.cookie
    )
    assert status == 401
    assert len(slack.calls("oauth.v2.access")) == exchanged
    assert await deployment.installations.bot_token("slack:T0AAA") is None


async def test_uninstalling_one_workspace_leaves_the_other_working(
    deployment: Deployment,
) -> None:
    slack = deployment.slack
    first, second = await two_installed(deployment)
    async with deployment.driver("T0AAA") as driver:
        assert (await driver.send_event({"type": "app_uninstalled"})).status == 200
        await deployment.settle()
        assert deployment.purged == ["slack:T0AAA"]
        slack.revoke(first.bot_token)  # Slack revokes the token with the uninstall
        assert await deployment.installations.bot_token("slack:T0AAA") is None
        async with deployment.db.read() as conn:
            rows = (await conn.execute(select(slack_bots.c.id))).scalars().all()
        assert rows == ["T0BBB"]

        # The uninstalled workspace is no longer served: nothing goes out with any token.
        before = last_seq(slack)
        answer = await driver.slash_command("/upstander", "checkin", user_id=MEMBER)
        assert answer.status == 200
        await deployment.settle()
        assert tokens_since(slack, before) == set()
    with pytest.raises(DeliveryError):
        to_first = Destination("slack", "dm", VOLUNTEER, "slack:T0AAA")
        await deployment.runtime.messengers["slack"].send(Outbound(to_first, Reply()))

    async with deployment.driver("T0BBB") as driver:
        before = last_seq(slack)
        summary = await open_checkin(deployment.bot_for(driver))
        assert summary.token == second.bot_token
        assert tokens_since(slack, before) == {second.bot_token}


async def test_a_revoked_bot_token_removes_the_workspace_a_person_s_only_their_own(
    deployment: Deployment,
) -> None:
    first, second = await two_installed(deployment)
    async with deployment.driver("T0AAA") as driver:
        people_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U0INSTALL"], "bot": []}}
        assert (await driver.send_event(people_only)).status == 200
        await deployment.settle()
        assert await deployment.installations.bot_token("slack:T0AAA") == first.bot_token
        found = await deployment.installations.async_find_installation(
            enterprise_id=None, team_id="T0AAA"
        )
        assert found is None, "the installer's own row went"
        assert deployment.purged == [], "a person's token is not the workspace's"

        bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOTUSER"]}}
        assert (await driver.send_event(bot)).status == 200
        await deployment.settle()
    assert await deployment.installations.bot_token("slack:T0AAA") is None
    assert await deployment.installations.bot_token("slack:T0BBB") == second.bot_token
    assert deployment.purged == ["slack:T0AAA"]


async def test_an_org_wide_install_serves_its_enterprise_s_teams_as_one_community(
    deployment: Deployment,
) -> None:
    slack = deployment.slack
    org = slack.add_workspace("T0ORG1", enterprise_id="E0ORG", org_wide=True)
    await install_and_set_up(deployment, org)
    assert await deployment.installations.bot_token("slack:E0ORG") == org.bot_token
    org_wide = {"enterprise_id": "E0ORG", "is_enterprise_install": "true"}
    async with deployment.driver("T0ORG2") as driver:
        before = last_seq(slack)
        answer = await driver.slash_command("/upstander", "checkin", user_id=MEMBER, extra=org_wide)
        assert answer.status == 200
        opened = await slack.wait_for(lambda c: c.method == "views.open" and c.seq > before)
        assert opened.token == org.bot_token


async def test_serve_slack_keeps_installs_in_the_bot_s_own_database(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    env = {**oauth_env(slack), "UPSTANDER_DATA_DIR": str(tmp_path), "PORT": "0"}
    settings = SlackSettings.from_env(env)
    runtime = await build(Settings.from_env(env), clock=ManualClock())
    try:
        assert runtime.database is not None, "the bot's own database, opened at start-up"
        with pytest.raises(SlackSettingsError, match="database"):
            await serve_slack(runtime.app, runtime, settings, asyncio.Event())
        stop = asyncio.Event()
        stop.set()  # already asked to stop: it starts, serves, and closes at once
        serving = serve_slack(runtime.app, runtime, settings, stop, database=runtime.database)
        await asyncio.wait_for(serving, timeout=5)
        assert isinstance(runtime.messengers["slack"], WorkspaceMessenger)
        assert not slack.calls("auth.test"), "no token of its own to ask about"
    finally:
        await runtime.aclose()


async def test_another_process_s_uninstall_is_seen_within_the_token_cache(
    deployment: Deployment,
) -> None:
    first, second = await two_installed(deployment)
    now = [0.0]
    made: list[str] = []

    def make(token: str) -> AsyncWebClient:
        made.append(token)
        return make_client(deployment.settings, token, session=deployment.adapter.work.session)

    workspaces = Workspaces(
        deployment.installations, deployment.settings, make, clock=lambda: now[0]
    )
    kept = await workspaces.get("slack:T0AAA")
    assert kept is not None and kept.token == first.bot_token
    assert await workspaces.get("slack:T0AAA") is kept, "one client per token, kept"
    # Another process deletes the installation: this one sees it once its look-up expires.
    await deployment.installations.delete_community("slack:T0AAA")
    assert await workspaces.get("slack:T0AAA") is kept
    now[0] += TOKEN_SECONDS
    assert await workspaces.get("slack:T0AAA") is None
    other = await workspaces.get("slack:T0BBB")
    assert other is not None and other.token == second.bot_token
    assert made == [first.bot_token, second.bot_token]


async def test_uninstalling_a_workspace_purges_its_check_ins_and_keeps_the_other_s(
    deployment: Deployment,
) -> None:
    first, second = await two_installed(deployment)
    store = deployment.runtime.store
    for workspace in (first, second):
        async with deployment.driver(workspace.team_id) as driver:
            summary = await open_checkin(deployment.bot_for(driver))
            await press_in_message(deployment.bot_for(driver), MEMBER, summary, f"{CONFIRM}|")
            await deployment.settle()
    key = f"slack:{{}}:{MEMBER}"
    assert await store.checkins.member_checkins(key.format("T0AAA"))
    async with deployment.driver("T0AAA") as driver:
        assert (await driver.send_event({"type": "app_uninstalled"})).status == 200
        await deployment.settle()
    assert deployment.purged == ["slack:T0AAA"]
    assert await store.checkins.member_checkins(key.format("T0AAA")) == []
    [kept] = await store.checkins.member_checkins(key.format("T0BBB"))
    assert kept.community == "slack:T0BBB"
    [line] = await store.audit.audit_entries("slack:T0AAA", 10)
    assert line.action == "community_purged" and line.by == ""
