"""A loopback stand-in of Discord (REST + gateway) for end-to-end tests with discord.py.

See ``server.DiscordStandin`` for the API; ``tests/test_discord_standin.py`` shows it used
with the real discord.py client.
"""

from .factories import (
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    make_user,
    next_snowflake,
)
from .recording import (
    Clock,
    Fault,
    GatewayFrame,
    ManualClock,
    RecordedRequest,
    StandinClock,
)
from .server import (
    CB_AUTOCOMPLETE_RESULT,
    CB_CHANNEL_MESSAGE,
    CB_DEFERRED_CHANNEL_MESSAGE,
    CB_DEFERRED_UPDATE_MESSAGE,
    CB_MODAL,
    CB_PONG,
    CB_UPDATE_MESSAGE,
    INTERACTION_DEADLINE_S,
    INTERACTION_TOKEN_TTL_S,
    DiscordStandin,
    DispatchedInteraction,
    StoredMessage,
)

__all__ = [
    "CB_AUTOCOMPLETE_RESULT",
    "CB_CHANNEL_MESSAGE",
    "CB_DEFERRED_CHANNEL_MESSAGE",
    "CB_DEFERRED_UPDATE_MESSAGE",
    "CB_MODAL",
    "CB_PONG",
    "CB_UPDATE_MESSAGE",
    "INTERACTION_DEADLINE_S",
    "INTERACTION_TOKEN_TTL_S",
    "Clock",
    "DiscordStandin",
    "DispatchedInteraction",
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Fault",
    "GatewayFrame",
    "ManualClock",
    "Perm",
    "RecordedRequest",
    "StandinClock",
    "StoredMessage",
    "make_user",
    "next_snowflake",
]
