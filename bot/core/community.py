"""Communities: one Discord server or one Slack workspace, each sealed off from the rest.

A community's id is `"<platform>:<workspace>"` (a guild id, a Slack team or enterprise
id), except the one community per platform that the environment variables name
(`DISCORD_GUILD_ID`, `SLACK_BOT_TOKEN`'s team): its id is the platform's name alone, so
that everything stored before communities existed is already that community's.
"""

from __future__ import annotations


def community_id(platform: str, workspace: str, default_workspace: str = "") -> str:
    """The id of `workspace` on `platform`; the platform's name for its default one."""
    if not workspace or workspace == default_workspace:
        return platform
    return f"{platform}:{workspace}"


def community_of_key(key: str) -> str:
    """The community of a member key (``Actor.key``: ``"<community>:<user id>"``)."""
    return key.rpartition(":")[0]


def platform_of(community: str) -> str:
    return community.partition(":")[0]


def is_default(community: str) -> bool:
    """Whether `community` is the one named by the environment variables."""
    return ":" not in community


def scope_of(community: str) -> tuple[str, ...]:
    """The communities whose stored rows `community` sees in its counts and audit.

    Counters and audit lines written before communities existed could not all be
    attributed (a counter names no one): they were stored with the community `""`, the
    whole deployment's figures from before communities. A default community (the one
    the environment names, whose moderators saw those figures until now) keeps seeing
    them; any other community sees its own rows alone."""
    return (community, "") if is_default(community) else (community,)
