"""Slack installations and OAuth states on SQLite and PostgreSQL: what bolt saves it finds
again, tokens are sealed at rest, a workspace's rows go with it, states open once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.storage import rotation
from bot.storage.crypto import Cipher
from bot.storage.engine import Database, sqlite_url
from bot.storage.installations import SqlInstallations, SqlOAuthStates, workspace_of
from bot.storage.schema import slack_bots, slack_installations, slack_oauth_states
from bot.storage.sql import open_database
from tests.conftest import pg_schema

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    cipher = Cipher(Fernet.generate_key())
    if request.param == "sqlite":
        made = await open_database(sqlite_url(tmp_path / "db.sqlite3"), cipher)
        yield made
        await made.close()
        return
    async with pg_schema() as pg:
        made = await open_database(pg.url, cipher, schema=pg.schema)
        yield made
        await made.close()


def installation(
    team: str | None,
    *,
    user: str = "U0INSTALL",
    bot_token: str | None = None,
    user_token: str | None = None,
    enterprise: str | None = None,
    org_wide: bool = False,
    at: float = 1_700_000_000.0,
) -> Installation:
    return Installation(
        app_id="A0APP",
        enterprise_id=enterprise,
        team_id=team,
        team_name=f"Team {team}",
        bot_token=bot_token if bot_token is not None else f"xoxb-{team or enterprise}-secret",
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        user_id=user,
        user_token=user_token,
        is_enterprise_install=org_wide,
        installed_at=at,
    )


async def raw_rows(db: Database) -> str:
    """Everything the three tables hold, as one string, read past the store."""
    async with db.read() as conn:
        found = []
        for table in (slack_installations, slack_bots, slack_oauth_states):
            found += [repr(tuple(row)) for row in (await conn.execute(select(table))).all()]
    return "\n".join(found)


async def test_an_installation_is_found_again_with_its_tokens_sealed(db: Database) -> None:
    store = SqlInstallations(db)
    await store.async_save(installation("T0AAA", user_token="xoxp-aaa-person-secret"))
    await store.async_save(installation("T0BBB"))

    bot = await store.async_find_bot(enterprise_id=None, team_id="T0AAA")
    assert bot is not None and bot.bot_token == "xoxb-T0AAA-secret"
    assert bot.bot_scopes == ["commands", "chat:write"]
    found = await store.async_find_installation(enterprise_id=None, team_id="T0AAA")
    assert found is not None and found.user_token == "xoxp-aaa-person-secret"
    assert found.team_name == "Team T0AAA" and found.installed_at == 1_700_000_000.0
    assert await store.bot_token("slack:T0AAA") == "xoxb-T0AAA-secret"
    assert await store.bot_token("slack:T0BBB") == "xoxb-T0BBB-secret"
    assert await store.bot_token("slack:T0CCC") is None

    raw = await raw_rows(db)
    assert "T0AAA" in raw, "the ids stay readable: they are how rows are found"
    for secret in ("xoxb-", "xoxp-", "secret", "Team T0AAA"):
        assert secret not in raw


async def test_installing_again_replaces_the_token(db: Database) -> None:
    store = SqlInstallations(db)
    await store.async_save(installation("T0AAA", bot_token="xoxb-old"))
    await store.async_save(installation("T0AAA", bot_token="xoxb-new", at=1_700_000_100.0))
    assert await store.bot_token("slack:T0AAA") == "xoxb-new"
    # Another person installing later: their row, and the bot's newest token for both.
    await store.async_save(installation("T0AAA", user="U0OTHER", bot_token="xoxb-newer"))
    first = await store.async_find_installation(
        enterprise_id=None, team_id="T0AAA", user_id="U0INSTALL"
    )
    assert first is not None and first.bot_token == "xoxb-newer"


async def test_the_default_workspace_is_the_community_named_slack(db: Database) -> None:
    store = SqlInstallations(db, default_team="T0HOME")
    await store.async_save(installation("T0HOME"))
    await store.async_save(installation("T0AWAY"))
    assert await store.bot_token("slack") == "xoxb-T0HOME-secret"
    assert await store.bot_token("slack:T0AWAY") == "xoxb-T0AWAY-secret"
    assert await store.bot_token("slack:T0HOME") is None


async def test_an_org_wide_install_serves_every_team_of_its_enterprise(db: Database) -> None:
    store = SqlInstallations(db)
    await store.async_save(installation(None, enterprise="E0ORG", org_wide=True))
    assert workspace_of("E0ORG", "T0ANY", True) == "E0ORG"
    bot = await store.async_find_bot(
        enterprise_id="E0ORG", team_id="T0ANY", is_enterprise_install=True
    )
    assert bot is not None and bot.bot_token == "xoxb-E0ORG-secret"
    assert await store.bot_token("slack:E0ORG") == "xoxb-E0ORG-secret"
    # A team of the same enterprise with an install of its own is another workspace.
    assert await store.async_find_bot(enterprise_id="E0ORG", team_id="T0ANY") is None
    await store.async_delete_all(enterprise_id="E0ORG", team_id=None)
    assert await store.bot_token("slack:E0ORG") is None


async def test_deleting_a_workspace_leaves_the_others(db: Database) -> None:
    store = SqlInstallations(db)
    await store.async_save(installation("T0AAA"))
    await store.async_save(installation("T0BBB"))
    assert await store.delete_community("slack:T0AAA") == 2  # its bot and its installer
    assert await store.bot_token("slack:T0AAA") is None
    assert await store.async_find_installation(enterprise_id=None, team_id="T0AAA") is None
    assert await store.bot_token("slack:T0BBB") == "xoxb-T0BBB-secret"

    await store.async_delete_bot(enterprise_id=None, team_id="T0BBB")
    assert await store.async_find_bot(enterprise_id=None, team_id="T0BBB") is None
    assert await store.async_find_installation(enterprise_id=None, team_id="T0BBB") is not None
    await store.async_delete_installation(enterprise_id=None, team_id="T0BBB", user_id="U0NOBODY")
    assert await store.async_find_installation(enterprise_id=None, team_id="T0BBB") is not None
    await store.async_delete_installation(enterprise_id=None, team_id="T0BBB", user_id="U0INSTALL")
    assert await store.async_find_installation(enterprise_id=None, team_id="T0BBB") is None


async def test_keys_rotate_over_installations_too(db: Database) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    db.cipher = Cipher(old)
    await SqlInstallations(db).async_save(installation("T0AAA"))
    db.cipher = Cipher(new, (old,))
    await rotation.rotate_keys(db)
    db.cipher = Cipher(new)  # the old key gone: only the new one opens
    assert await SqlInstallations(db).bot_token("slack:T0AAA") == "xoxb-T0AAA-secret"
    found = await SqlInstallations(db).async_find_installation(enterprise_id=None, team_id="T0AAA")
    assert found is not None and found.bot_token == "xoxb-T0AAA-secret"


async def test_a_state_opens_the_redirect_once_and_not_after_it_expires(db: Database) -> None:
    clock = ManualClock(T0)
    states = SqlOAuthStates(db, clock=clock, expiration_seconds=600)
    state = await states.async_issue()
    assert state not in await raw_rows(db), "only its digest is kept"
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False, "used once"
    assert await states.async_consume("made-up") is False
    assert await states.async_consume("") is False

    late = await states.async_issue()
    clock.advance(seconds=601)
    assert await states.async_consume(late) is False, "expired"
    stale = await states.async_issue()
    clock.advance(seconds=599)
    assert await states.async_consume(stale) is True, "still within its ten minutes"
