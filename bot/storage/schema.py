"""The tables, as the latest migration leaves them (a test compares the two).

Times are stored as ISO 8601 text in UTC, as the first SQLite databases stored them, so
that those files serve unchanged; text in one format orders as the times do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Dialect,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator


class IsoTime(TypeDecorator[datetime]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else iso(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return datetime.fromisoformat(value) if value else None


def iso(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


metadata = MetaData()


def _text(name: str, **kw: Any) -> Column[str]:
    return Column(name, Text, nullable=False, **kw)


def _community() -> Column[str]:
    """The community a row belongs to (bot/core/community.py); `""`: a row from before
    communities that could not be attributed (docs/communities.md)."""
    return Column("community", Text, nullable=False, server_default="")


# The registry of communities (issue 20): one Discord server or Slack workspace each.
communities = Table(
    "communities",
    metadata,
    Column("id", Text, primary_key=True),
    _text("platform"),
    _text("workspace"),
    _text("name"),
    _text("status"),  # "active" | "removed"
    Column("created_at", IsoTime, nullable=False),
    Column("removed_at", IsoTime),
    Column("purge_after", IsoTime),
    UniqueConstraint("platform", "workspace", name="communities_workspace"),
)
Index("communities_removed", communities.c.status, communities.c.purge_after)


runs = Table(
    "runs",
    metadata,
    Column("id", Text, primary_key=True),
    _text("member"),
    _text("scenario_id"),
    _text("locale"),
    _text("step_id"),
    _text("moves"),
    _text("status"),
    Column("started_at", IsoTime, nullable=False),
    Column("updated_at", IsoTime, nullable=False),
    _community(),
)
Index("runs_member", runs.c.member, runs.c.status, runs.c.updated_at)
Index("runs_community", runs.c.community)

counters = Table(
    "counters",
    metadata,
    Column("community", Text, primary_key=True),
    Column("metric", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("count", Integer, nullable=False),
)

checkins = Table(
    "checkins",
    metadata,
    Column("id", Text, primary_key=True),
    _text("platform"),
    _text("member_fp"),
    _text("member_enc"),
    _text("pseudonym"),
    _text("category"),
    _text("urgency"),
    Column("anonymous", Integer, nullable=False),
    _text("text_enc"),
    Column("crisis", Integer, nullable=False),
    _text("locale"),
    _text("status"),
    Column("created_at", IsoTime, nullable=False),
    Column("opened_at", IsoTime),
    Column("claimed_at", IsoTime),
    _text("claimed_by", server_default=""),
    _text("claimed_by_user_id", server_default=""),
    _text("claimed_by_name", server_default=""),
    Column("closed_at", IsoTime),
    _text("closed_by", server_default=""),
    Column("rating", Integer),
    Column("escalation_level", Integer, nullable=False, server_default="0"),
    Column("last_escalated_at", IsoTime),
    _text("card_ref", server_default=""),
    # Handover and idle close (issue 18.4): the last relayed message, the idle reminder.
    Column("last_activity_at", IsoTime),
    Column("idle_reminded_at", IsoTime),
    # The member's region, so that later messages show the right emergency number first.
    _text("region", server_default=""),
    _community(),
)
Index("checkins_member", checkins.c.member_fp, checkins.c.status)
Index("checkins_status", checkins.c.status, checkins.c.opened_at)
Index("checkins_pseudonym", checkins.c.pseudonym)
# A community's queue, counts and purge.
Index("checkins_community", checkins.c.community, checkins.c.status, checkins.c.opened_at)
_claimed = text("status = 'claimed'")
Index(
    "checkins_claimed",
    checkins.c.claimed_by,
    checkins.c.claimed_at,
    sqlite_where=_claimed,
    postgresql_where=_claimed,
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Text, primary_key=True),
    _text("checkin_id"),
    _text("purpose"),
    Column("priority", Integer, nullable=False),
    _text("payload_enc"),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", IsoTime, nullable=False),
    Column("created_at", IsoTime, nullable=False),
    # Which process is sending the item, and until when; after that, any process may.
    _text("leased_by", server_default=""),
    Column("lease_until", IsoTime),
    # Its place among the items queued with it, which share their times.
    Column("seq", Integer, nullable=False, server_default="0"),
    _community(),
)
# Walked in this order, the due items come first: fetching them sorts nothing.
Index("outbox_due", outbox.c.priority.desc(), outbox.c.next_attempt_at, outbox.c.seq)
Index("outbox_age", outbox.c.created_at)
Index("outbox_community", outbox.c.community)
# Each enqueue reads max(seq); closing a check-in deletes its relays (revision 0012).
Index("outbox_seq", outbox.c.seq)
Index("outbox_checkin", outbox.c.checkin_id, outbox.c.purpose)

# The bot's own messages that carry a member's words or name (issue 18.6), until deleted:
# where each went and its platform reference, sealed, since a DM names its person.
sent_copies = Table(
    "sent_copies",
    metadata,
    Column("id", Text, primary_key=True),
    _text("checkin_id"),
    _text("platform"),
    _text("copy_enc"),
    Column("created_at", IsoTime, nullable=False),
    _community(),
)
Index("sent_copies_checkin", sent_copies.c.checkin_id)
Index("sent_copies_community", sent_copies.c.community)

volunteers = Table(
    "volunteers",
    metadata,
    Column("volunteer", Text, primary_key=True),
    _text("platform"),
    Column("available", Integer, nullable=False),
    # Whether members see this volunteer as "a volunteer" instead of by name.
    Column("anonymous", Integer, nullable=False, server_default="0"),
    _community(),
)
Index("volunteers_community", volunteers.c.community, volunteers.c.available)

blocks = Table(
    "blocks",
    metadata,
    Column("member_fp", Text, primary_key=True),
    Column("until", IsoTime, nullable=False),
    _community(),
)
Index("blocks_community", blocks.c.community)

audit = Table(
    "audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", IsoTime, nullable=False),
    _text("checkin_id"),
    _text("pseudonym"),
    _text("action"),
    _text("by_name"),
    _community(),
    sqlite_autoincrement=True,
)
Index("audit_community", audit.c.community, audit.c.at)

leases = Table(
    "leases",
    metadata,
    Column("name", Text, primary_key=True),
    _text("owner"),
    Column("until", IsoTime, nullable=False),
)

sightings = Table(
    "sightings",
    metadata,
    Column("key", Text, primary_key=True),
    Column("seen_at", IsoTime, nullable=False),
)
Index("sightings_seen", sightings.c.seen_at)

# Group practice in a channel (issue 21.1). A vote is kept under a keyed fingerprint of
# session and voter, and only until its step is revealed.
group_sessions = Table(
    "group_sessions",
    metadata,
    Column("id", Text, primary_key=True),
    _text("scenario_id"),
    _text("locale"),
    _text("starter"),
    _text("step_id"),
    Column("number", Integer, nullable=False),
    _text("path"),
    _text("status"),
    _text("tied"),
    Column("started_at", IsoTime, nullable=False),
    Column("active_at", IsoTime, nullable=False),
    _community(),
)
Index("group_sessions_open", group_sessions.c.status, group_sessions.c.active_at)
Index("group_sessions_community", group_sessions.c.community)

group_votes = Table(
    "group_votes",
    metadata,
    Column("session_id", Text, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("voter_fp", Text, primary_key=True),
    Column("choice", Integer, nullable=False),
)

# Which key the data is sealed under (issue 18.5): its id and a value sealed under it, so
# that a key which does not open the data stops the bot at start-up. One row.
key_check = Table(
    "key_check",
    metadata,
    Column("name", Text, primary_key=True),
    _text("key_id"),
    _text("check_enc"),
    Column("recorded_at", IsoTime, nullable=False),
)
# Scenarios of the week (issue 21.2): a weekly group session in a channel.
schedules = Table(
    "schedules",
    metadata,
    Column("id", Text, primary_key=True),
    _text("platform"),
    _text("channel"),
    Column("weekday", Integer, nullable=False),
    _text("at_time"),  # HH:MM, local to `zone`
    _text("zone"),
    _text("topics"),  # space-separated
    _text("locale"),
    _text("created_by"),
    Column("paused", Integer, nullable=False),
    Column("next_due", IsoTime, nullable=False),
    Column("last_posted_at", IsoTime),
    _text("last_scenario"),
    _text("posted"),  # space-separated scenario ids, oldest first
    _community(),
)
Index("schedules_due", schedules.c.paused, schedules.c.next_due)
Index("schedules_community", schedules.c.community)

# Slack installations by OAuth (issue 20.3), one community per workspace (team id, or the
# enterprise id of an org-wide install): bolt's installations and bots, sealed whole
# (their bot and user tokens with them), and the OAuth flow's states, by digest.
slack_installations = Table(
    "slack_installations",
    metadata,
    Column("id", Text, primary_key=True),  # "<workspace>/<installing user>"
    _text("workspace"),
    _text("community"),
    _text("enterprise_id"),
    _text("team_id"),
    _text("user_id"),
    Column("is_enterprise_install", Integer, nullable=False),
    _text("installation_enc"),
    Column("installed_at", IsoTime, nullable=False),
)
Index("slack_installations_workspace", slack_installations.c.workspace)
Index("slack_installations_community", slack_installations.c.community)

slack_bots = Table(
    "slack_bots",
    metadata,
    Column("id", Text, primary_key=True),  # the workspace
    _text("community"),
    _text("enterprise_id"),
    _text("team_id"),
    Column("is_enterprise_install", Integer, nullable=False),
    _text("bot_enc"),
    Column("installed_at", IsoTime, nullable=False),
)
Index("slack_bots_community", slack_bots.c.community)

slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("digest", Text, primary_key=True),
    Column("expires_at", IsoTime, nullable=False),
)
Index("slack_oauth_states_expiry", slack_oauth_states.c.expires_at)

# A community's own content files (issue 20.5): every uploaded version, newest serving.
# Moderators' content, not members' words: stored as written, not sealed.
community_content = Table(
    "community_content",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _text("community"),
    _text("path"),
    Column("version", Integer, nullable=False),
    _text("text"),
    Column("created_at", IsoTime, nullable=False),
    _text("by_name"),
    UniqueConstraint("community", "path", "version", name="community_content_version"),
    sqlite_autoincrement=True,
)

# Each community's settings, as its admins chose them with `/upstander setup` (issue 20.2).
community_settings = Table(
    "community_settings",
    metadata,
    Column("community", Text, primary_key=True),
    _text("volunteers_channel"),
    _text("volunteer_role"),
    _text("lead_role"),
    _text("moderator_role"),
    _text("crisis_region"),
    _text("language"),
    Column("escalation_minutes", Integer, nullable=False),
    Column("cooldown_minutes", Integer, nullable=False),
    _text("updated_by"),  # the admin's display name, as the audit names volunteers
    Column("updated_at", IsoTime, nullable=False),
)
