"""A loopback stand-in of Discord (REST + gateway) for end-to-end tests with discord.py.

Start it and point discord.py at it (the only patching allowed)::

    async with DiscordStandin() as standin:
        with endpoints(standin.api_base, standin.gateway_url):  # bot.adapters.discord.endpoints
            client = MyClient(intents=discord.Intents.default(), guild_ready_timeout=0.01)
            task = asyncio.create_task(client.start(standin.token))
            ...  # wait for on_ready (and on_guild_available) through asyncio.Events
            await client.close(); await task

The application id is the bot user's id and comes to discord.py from
``GET /oauth2/applications/@me`` at login (``tree.sync()`` in ``setup_hook`` works).

The world: ``standin.guild`` (roles "@everyone", "Volunteer", "Volunteer Lead",
"Moderator"; channels ``standin.general`` and ``standin.volunteers_channel`` — the latter
hidden from @everyone, visible to Volunteer and the bot), users ``standin.member``,
``standin.volunteer``, ``standin.moderator``, ``standin.owner``, ``standin.bot_user``.
More: ``standin.add_user(name, roles=[...], accepts_dms=False)``, ``standin.add_channel``,
``standin.add_attachment(filename, data)`` (an attachment option's value, served on the
stand-in's CDN); the files the bot attached to its messages are in ``standin.uploads``.

Events (each ``await``-ed; interactions return a ``DispatchedInteraction`` with ``id``,
``token``, ``payload``, ``await wait_callback()``, ``callbacks()``, ``followups()``,
``messages()``, ``response_message()``, ``modal()``, ``autocomplete_choices()``)::

    await standin.send_slash_command(user, "name", {"opt": value}, subcommand="group sub",
                                     guild=True, locale="fr")
    await standin.send_autocomplete(user, "name", {"opt": "al"}, focused="opt")
    await standin.send_button(user, "custom:id", message=stored_message_or_id)
    await standin.send_select(user, "custom:id", ["value"])
    await standin.send_modal_submit(user, "modal:id", {"input_id": "text"})
    await standin.send_dm(user, "text")                       # MESSAGE_CREATE in a DM
    await standin.send_channel_message(user, channel, "text")   # guild MESSAGE_CREATE
    standin.dispatch("ANY_EVENT", payload)

Inspect and wait: ``standin.requests`` (``RecordedRequest``: method, path, route, params,
query, json, headers, files, status, response, injected), ``await standin.wait_for(pred)``,
``wait_for_count``, ``wait_for_message``, ``sent_messages(channel_id)``,
``dm_messages(user)``, ``callbacks(interaction_id)``, ``all_outbound_text()``,
``all_outbound_strings()``, ``pings()``, ``errors()``, ``unknown_routes()``,
``gateway_frames`` / ``wait_for_gateway``.

Faults and time: ``standin.fail_next("POST", "/channels/*/messages", 429, retry_after=0.05)``,
``hold = standin.hold_next("POST", "/channels/*/messages")`` (``await hold.reached.wait()``,
then ``hold.release.set()``),
``await standin.drop_connection(code=4000 | abnormal=True)``, ``send_reconnect()``,
``invalidate_session()``, ``wait_resumed()``, ``wait_identified()``;
``standin.clock.advance(4)`` (or ``DiscordStandin(clock=ManualClock())``).

``tests/test_discord_standin.py`` shows all of it with the real discord.py client.
"""

from .attachments import FakeAttachment
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
    Hold,
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
    "FakeAttachment",
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Fault",
    "GatewayFrame",
    "Hold",
    "ManualClock",
    "Perm",
    "RecordedRequest",
    "StandinClock",
    "StoredMessage",
    "finish_client_tasks",
    "make_user",
    "next_snowflake",
]


async def finish_client_tasks() -> None:
    """Let the event tasks a closed discord.py client dispatched run to their end.

    discord.py runs each event handler in a task of its own; one created just before
    close and never started would warn "never awaited" when collected, during whichever
    test happens to be running then.
    """
    import asyncio

    tasks = [
        t
        for t in asyncio.all_tasks()
        if t is not asyncio.current_task() and t.get_name().startswith("discord.py:")
    ]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
