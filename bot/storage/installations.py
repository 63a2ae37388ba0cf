"""Slack installations and OAuth states in our database (issue 20.3), for slack-bolt.

``SqlInstallations`` is slack_sdk's ``AsyncInstallationStore`` over the bot's own
database: one row per workspace's bot (``slack_bots``) and one per installing person
(``slack_installations``), each sealed whole with the bot's cipher, so that no token
(bot or user) is ever stored in the clear. A workspace is a team id, or the enterprise
id of an Enterprise Grid org-wide install; each row also names its community
(``community_id("slack", workspace, default_team)``), which is how the adapter finds the
token to send with and what a community's purge deletes.

``SqlOAuthStates`` is the ``AsyncOAuthStateStore``: a state is random, kept as its
SHA-256 digest until it expires (``STATE_SECONDS``), and opens the redirect once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import ColumnElement, Table, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.clock import Clock, SystemClock
from bot.core.community import community_id
from bot.storage.engine import Database, upsert
from bot.storage.schema import slack_bots, slack_installations, slack_oauth_states

log = logging.getLogger(__name__)

PLATFORM = "slack"
STATE_SECONDS = 600  # bolt's default: ten minutes from "Add to Slack" to the redirect


def workspace_of(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> str:
    """The workspace an installation serves: an org-wide install's enterprise, else its team."""
    if (is_enterprise_install or not team_id) and enterprise_id:
        return enterprise_id
    return team_id or ""


def _json(value: object) -> str:
    return json.dumps(value, default=_iso, separators=(",", ":"))


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store a {type(value).__name__}")


def _when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


class SqlInstallations(AsyncInstallationStore):
    """bolt's installation store on our database; tokens sealed at rest.

    ``default_team``: the workspace whose community id is ``"slack"`` alone (see
    bot/core/community.py); "" when no workspace is the environment's.
    """

    def __init__(self, db: Database, *, default_team: str = "") -> None:
        self._db = db
        self._default_team = default_team

    @property
    def logger(self) -> logging.Logger:
        return log

    def community(self, workspace: str) -> str:
        return community_id(PLATFORM, workspace, self._default_team)

    # -- saving ---------------------------------------------------------------------

    async def async_save(self, installation: Installation) -> None:
        workspace = workspace_of(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        row_id = f"{workspace}/{installation.user_id or ''}"
        sealed = self._db.cipher.seal(
            _json(installation.to_dict_for_copying()),
            ("slack_installations", row_id, "installation_enc"),
        )
        row = {
            "id": row_id,
            "workspace": workspace,
            "community": self.community(workspace),
            "enterprise_id": installation.enterprise_id or "",
            "team_id": installation.team_id or "",
            "user_id": installation.user_id or "",
            "is_enterprise_install": int(bool(installation.is_enterprise_install)),
            "installation_enc": sealed,
            "installed_at": _when(installation.installed_at),
        }
        async with self._db.write() as conn:
            await _put(conn, self._db.dialect, slack_installations, row)
            if installation.bot_token:
                await self._put_bot(conn, installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        async with self._db.write() as conn:
            await self._put_bot(conn, bot)

    async def _put_bot(self, conn: AsyncConnection, bot: Bot) -> None:
        workspace = workspace_of(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        sealed = self._db.cipher.seal(
            _json(bot.to_dict_for_copying()), ("slack_bots", workspace, "bot_enc")
        )
        row = {
            "id": workspace,
            "community": self.community(workspace),
            "enterprise_id": bot.enterprise_id or "",
            "team_id": bot.team_id or "",
            "is_enterprise_install": int(bool(bot.is_enterprise_install)),
            "bot_enc": sealed,
            "installed_at": _when(bot.installed_at),
        }
        await _put(conn, self._db.dialect, slack_bots, row)

    # -- finding --------------------------------------------------------------------

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        workspace = workspace_of(enterprise_id, team_id, is_enterprise_install)
        return await self._bot(slack_bots.c.id == workspace)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The person's installation when ``user_id`` is given, else the latest one; with
        the workspace's current bot token either way (bolt's rule)."""
        workspace = workspace_of(enterprise_id, team_id, is_enterprise_install)
        table = slack_installations
        where = table.c.workspace == workspace
        if user_id is not None:
            where = and_(where, table.c.user_id == user_id)
        query = select(table.c.id, table.c.installation_enc).where(where)
        query = query.order_by(table.c.installed_at.desc()).limit(1)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        place = ("slack_installations", row.id, "installation_enc")
        installation = Installation(**json.loads(self._db.cipher.open(row.installation_enc, place)))
        bot = await self._bot(slack_bots.c.id == workspace)
        if bot is not None and bot.bot_token != installation.bot_token:
            installation.bot_token, installation.bot_id = bot.bot_token, bot.bot_id
            installation.bot_user_id, installation.bot_scopes = bot.bot_user_id, bot.bot_scopes
            installation.bot_refresh_token = bot.bot_refresh_token
            installation.bot_token_expires_at = bot.bot_token_expires_at
        return installation

    async def bot_token(self, community: str) -> str | None:
        """The bot token ``community`` is served with, or None when it has no installation."""
        bot = await self._bot(slack_bots.c.community == community)
        return bot.bot_token if bot is not None else None

    async def installer(self, community: str) -> str | None:
        """Who installed the app in ``community`` most recently (they are its admin)."""
        table = slack_installations
        query = select(table.c.user_id).where(table.c.community == community)
        query = query.order_by(table.c.installed_at.desc()).limit(1)
        async with self._db.read() as conn:
            user_id = (await conn.execute(query)).scalar()
        return str(user_id) if user_id else None

    async def _bot(self, where: ColumnElement[bool]) -> Bot | None:
        query = select(slack_bots.c.id, slack_bots.c.bot_enc).where(where)
        query = query.order_by(slack_bots.c.installed_at.desc()).limit(1)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        opened = self._db.cipher.open(row.bot_enc, ("slack_bots", row.id, "bot_enc"))
        return Bot(**json.loads(opened))

    # -- deleting -------------------------------------------------------------------

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self._db.write() as conn:
            where = _workspaces(slack_bots.c.id, enterprise_id, team_id)
            await conn.execute(delete(slack_bots).where(where))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        table = slack_installations
        where = _workspaces(table.c.workspace, enterprise_id, team_id)
        if user_id is not None:
            where = and_(where, table.c.user_id == user_id)
        async with self._db.write() as conn:
            await conn.execute(delete(table).where(where))

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self._db.write() as conn:
            for table, column in (
                (slack_bots, slack_bots.c.id),
                (slack_installations, slack_installations.c.workspace),
            ):
                await conn.execute(delete(table).where(_workspaces(column, enterprise_id, team_id)))

    async def delete_community(self, community: str) -> int:
        """Every installation and bot token of ``community``, deleted in one transaction;
        how many rows went."""
        gone = 0
        async with self._db.write() as conn:
            for table in (slack_bots, slack_installations):
                result = await conn.execute(delete(table).where(table.c.community == community))
                gone += int(result.rowcount or 0)
        return gone


def _workspaces(
    column: ColumnElement[str], enterprise_id: str | None, team_id: str | None
) -> ColumnElement[bool]:
    """The rows of the workspace these ids name: the team's own install, or an org-wide
    install of its enterprise (bolt's delete calls carry no is_enterprise_install)."""
    named = [i for i in (team_id, enterprise_id) if i]
    if not named:
        return column == ""
    return or_(*(column == i for i in named))


async def _put(conn: AsyncConnection, dialect: str, table: Table, row: dict[str, Any]) -> None:
    """Insert the row, or replace the one with its id (a workspace installing again)."""
    insert = upsert(dialect, table).values(**row)
    changes = {key: insert.excluded[key] for key in row if key != "id"}
    await conn.execute(insert.on_conflict_do_update(index_elements=[table.c.id], set_=changes))


class SqlOAuthStates(AsyncOAuthStateStore):
    """One-time OAuth states that expire; only their digests are stored."""

    def __init__(
        self, db: Database, *, clock: Clock | None = None, expiration_seconds: int = STATE_SECONDS
    ) -> None:
        self._db = db
        self._clock = clock or SystemClock()
        self._lifetime = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self._clock.now()
        table = slack_oauth_states
        async with self._db.write() as conn:
            await conn.execute(delete(table).where(table.c.expires_at <= now))
            row = {"digest": _digest(state), "expires_at": now + self._lifetime}
            await conn.execute(table.insert().values(**row))
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here and not yet expired; it is gone after."""
        if not state:
            return False
        table = slack_oauth_states
        mine = table.c.digest == _digest(state)
        async with self._db.write() as conn:
            expires = (await conn.execute(select(table.c.expires_at).where(mine))).scalar()
            if expires is None:
                return False
            await conn.execute(delete(table).where(mine))
        return bool(expires > self._clock.now())


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()
