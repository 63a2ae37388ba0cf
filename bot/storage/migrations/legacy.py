"""The schema as the first release built it, before Alembic: a database records in
`schema_version` the last of these it ran. Kept so that such a file can be adopted.

Frozen: Alembic revisions (`versions/`) carry every change since.
"""

from __future__ import annotations

LEGACY_SCRIPTS: tuple[str, ...] = (
    # 1: practice progress and anonymous counters
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        member TEXT NOT NULL,
        scenario_id TEXT NOT NULL,
        locale TEXT NOT NULL,
        step_id TEXT NOT NULL,
        moves TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX runs_member ON runs (member, status, updated_at);
    CREATE TABLE counters (
        metric TEXT NOT NULL,
        key TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (metric, key)
    );
    """,
    # 2: the check-in desk
    """
    CREATE TABLE checkins (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        member_fp TEXT NOT NULL,
        member_enc TEXT NOT NULL,
        pseudonym TEXT NOT NULL,
        category TEXT NOT NULL,
        urgency TEXT NOT NULL,
        anonymous INTEGER NOT NULL,
        text_enc TEXT NOT NULL,
        crisis INTEGER NOT NULL,
        locale TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        opened_at TEXT,
        claimed_at TEXT,
        claimed_by TEXT NOT NULL DEFAULT '',
        claimed_by_user_id TEXT NOT NULL DEFAULT '',
        claimed_by_name TEXT NOT NULL DEFAULT '',
        closed_at TEXT,
        closed_by TEXT NOT NULL DEFAULT '',
        rating INTEGER,
        escalation_level INTEGER NOT NULL DEFAULT 0,
        last_escalated_at TEXT,
        card_ref TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX checkins_member ON checkins (member_fp, status);
    CREATE INDEX checkins_status ON checkins (status, opened_at);
    CREATE INDEX checkins_claimed_by ON checkins (claimed_by, status);
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        checkin_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        priority INTEGER NOT NULL,
        payload_enc TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX outbox_due ON outbox (next_attempt_at, priority);
    CREATE TABLE volunteers (
        volunteer TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        available INTEGER NOT NULL
    );
    CREATE TABLE blocks (
        member_fp TEXT PRIMARY KEY,
        until TEXT NOT NULL
    );
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        checkin_id TEXT NOT NULL,
        pseudonym TEXT NOT NULL,
        action TEXT NOT NULL,
        by_name TEXT NOT NULL
    );
    """,
    # 3: only claimed check-ins in the index by volunteer (the one query asks for those),
    # so a Send, draft → open, writes two index pages fewer
    """
    DROP INDEX checkins_claimed_by;
    CREATE INDEX checkins_claimed ON checkins (claimed_by, claimed_at) WHERE status = 'claimed';
    """,
)
