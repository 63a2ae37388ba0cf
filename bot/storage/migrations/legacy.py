"""The schema as releases before Alembic built it: a database records in
`schema_version` the last of these it ran. Kept so that such a file can be adopted.

Scripts 1-3 are the first release (revision 0001 builds the same schema); scripts 4-6
came later and add what revision 0003 adds. Frozen: Alembic revisions (`versions/`)
carry every change since.
"""

from __future__ import annotations

# The first release ran scripts 1-3; revision 0001 is exactly them.
FIRST_RELEASE_SCRIPTS = 3

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
    # 4: handover and idle close (issue 18.4): the last relayed message and the idle
    # reminder of a check-in; whether members see a volunteer by name
    """
    ALTER TABLE checkins ADD COLUMN last_activity_at TEXT;
    ALTER TABLE checkins ADD COLUMN idle_reminded_at TEXT;
    ALTER TABLE volunteers ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
    """,
    # 5: group practice in a channel (issue 21.1): sessions, and votes kept only until
    # their step is revealed, under a keyed fingerprint of session and voter
    """
    CREATE TABLE group_sessions (
        id TEXT PRIMARY KEY,
        scenario_id TEXT NOT NULL,
        locale TEXT NOT NULL,
        starter TEXT NOT NULL,
        step_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        path TEXT NOT NULL,
        status TEXT NOT NULL,
        tied TEXT NOT NULL,
        started_at TEXT NOT NULL,
        active_at TEXT NOT NULL
    );
    CREATE INDEX group_sessions_open ON group_sessions (status, active_at);
    CREATE TABLE group_votes (
        session_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        voter_fp TEXT NOT NULL,
        choice INTEGER NOT NULL,
        PRIMARY KEY (session_id, number, voter_fp)
    );
    """,
    # 6: the member's region, so that every later message about a flagged check-in shows
    # the right emergency number first
    """
    ALTER TABLE checkins ADD COLUMN region TEXT NOT NULL DEFAULT '';
    """,
)
