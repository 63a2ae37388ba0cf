"""Drive the running Upstander bot through the Discord stand-in, as its people would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bot.adapters.discord.run import serve_discord
from bot.adapters.discord.settings import DiscordSettings
from bot.bootstrap import Runtime
from tests.discord_standin import (
    CB_CHANNEL_MESSAGE,
    CB_MODAL,
    CB_UPDATE_MESSAGE,
    DiscordStandin,
    DispatchedInteraction,
    FakeGuild,
    FakeUser,
    StoredMessage,
)

TIMEOUT = 5.0


def serve(runtime: Runtime, stop: asyncio.Event, **options: Any) -> Coroutine[Any, Any, None]:
    """``serve_discord`` on a bot from ``bootstrap.build``, as `python -m bot run` calls it."""
    settings = DiscordSettings.from_env(runtime.settings.env)
    return serve_discord(runtime.app, runtime.content, runtime, settings, stop, **options)


class DiscordBot:
    """One running bot: start it, drive it through the stand-in, stop it."""

    def __init__(
        self,
        standin: DiscordStandin,
        runtime: Runtime,
        *,
        serve_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        self.standin = standin
        self.runtime = runtime
        # For serve_discord itself (on_joined, on_removed); ``options`` go to the client.
        self.serve_options = dict(serve_options or {})
        self.options: dict[str, Any] = {"guild_ready_timeout": 0.01, **options}
        self.stop = asyncio.Event()
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(
            serve(
                self.runtime,
                self.stop,
                ready=self.ready,
                client_options=self.options,
                **self.serve_options,
            )
        )
        waiter = asyncio.create_task(self.ready.wait())
        done, _ = await asyncio.wait(
            {self.task, waiter}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter not in done:
            waiter.cancel()
            await self.close()
            pytest.fail("the bot did not become ready")

    async def close(self) -> None:
        self.stop.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, TIMEOUT)
            self.task = None
        # Events discord.py dispatched just before it closed run to their end here, not
        # left for the loop's teardown (where one never started warns in a later test).
        events = [t for t in asyncio.all_tasks() if t.get_name().startswith("discord.py: ")]
        if events:
            await asyncio.wait(events, timeout=TIMEOUT)

    # -- driving -------------------------------------------------------------------

    async def command(
        self,
        user: FakeUser,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        guild: bool = True,
    ) -> StoredMessage:
        it = await self.standin.send_slash_command(
            user, name, options, subcommand=subcommand, guild=guild
        )
        return await self.shown(it)

    async def press(
        self, user: FakeUser, custom_id: str, message: StoredMessage | None = None
    ) -> StoredMessage:
        it = await self.standin.send_button(user, custom_id, message=message)
        return await self.shown(it)

    async def press_settling(
        self, user: FakeUser, custom_id: str, message: StoredMessage
    ) -> tuple[StoredMessage, StoredMessage]:
        """A press that settles the pressed message (edited in place, its buttons gone)
        and answers in a follow-up: both messages, settled first."""
        it = await self.standin.send_button(user, custom_id, message=message)
        settled = await self.shown(it)
        assert settled.id == message.id, "the pressed message itself is edited"
        await it.wait_followup(lambda r: r.route == "webhook_followup")
        (follow,) = [m for m in it.messages() if m.source == "followup"]
        return settled, follow

    async def shown(self, it: DispatchedInteraction) -> StoredMessage:
        """The message the bot answered with (a new one, or the one a button edited)."""
        callback = await it.wait_callback()
        assert callback.ok, callback.response
        assert callback.json["type"] in (CB_CHANNEL_MESSAGE, CB_UPDATE_MESSAGE), callback.json
        message = it.response_message()
        assert message is not None
        return message

    async def drain(self) -> None:
        await self.runtime.deliveries.drain()

    async def wait_messages(
        self, channel_id: int, count: int, predicate: Callable[[StoredMessage], bool] | None = None
    ) -> list[StoredMessage]:
        def found() -> list[StoredMessage] | None:
            msgs = [
                m
                for m in self.standin.sent_messages(channel_id)
                if predicate is None or predicate(m)
            ]
            return msgs if len(msgs) >= count else None

        result: list[StoredMessage] = await self.standin.request_log.wait_until(
            found, timeout=TIMEOUT
        )
        return result


def text(message: StoredMessage) -> str:
    """What a person reads in a message: content, embeds, button labels."""
    parts = [message.content]
    parts += [
        str(e.get("title") or "") + "\n" + str(e.get("description") or "") for e in message.embeds
    ]
    parts += [str(b.get("label") or "") for b in message.buttons()]
    return "\n".join(p for p in parts if p)


def button(message: StoredMessage, label: str) -> str:
    """The custom id of the first button whose label contains ``label``."""
    for b in message.buttons():
        if label in str(b.get("label")) and "custom_id" in b:
            return str(b["custom_id"])
    raise AssertionError(f"no button {label!r} in {[b.get('label') for b in message.buttons()]}")


async def start_bot(standin: DiscordStandin, runtime: Runtime, **options: Any) -> DiscordBot:
    bot = DiscordBot(standin, runtime, **options)
    await bot.start()
    return bot


async def dm_and_deliver(bot: DiscordBot, user: FakeUser, content: str) -> None:
    """``user`` DMs the bot; wait until the core has queued the relay, then deliver it."""
    changed = bot.runtime.desk.outbox_changed
    changed.clear()
    await bot.standin.send_dm(user, content)
    await asyncio.wait_for(changed.wait(), TIMEOUT)
    await bot.drain()


def select_values(modal: dict[str, Any]) -> dict[str, list[str]]:
    """Each select in a modal: its option values, and no option marked as the default."""
    out: dict[str, list[str]] = {}
    for top in modal["components"]:
        inner = top.get("component") or {}
        if inner.get("type") == 3:
            assert not any(o.get("default") for o in inner["options"]), inner
            out[inner["custom_id"]] = [o["value"] for o in inner["options"]]
    return out


def requests_to_channels(standin: DiscordStandin, channel_ids: set[int]) -> list[Any]:
    """The JSON bodies of every request the bot made to these channels."""
    return [
        r.json
        for r in standin.requests
        if r.json is not None and int(r.params.get("channel_id", "0") or 0) in channel_ids
    ]


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


WORDS = "@everyone someone keeps mocking my accent in voice chat"


async def open_checkin(
    bot: DiscordBot, *, identity: str = "anonymous", guild: bool | FakeGuild = True
) -> StoredMessage:
    """The member fills the modal and confirms (in ``guild``: the first one by default);
    returns the confirmation message."""
    standin = bot.standin
    it = await standin.send_slash_command(standin.member, "checkin", guild=guild)
    callback = await it.wait_callback()
    assert callback.ok and callback.json["type"] == CB_MODAL
    modal = it.modal()
    assert modal is not None and len(modal["title"]) <= 45
    choices = select_values(modal)
    assert choices["identity"] == ["anonymous", "named"]
    submit = await standin.send_modal_submit(
        standin.member,
        modal["custom_id"],
        {
            "text": WORDS,
            "category": [choices["category"][0]],
            "urgency": [choices["urgency"][0]],
            "identity": [identity],
        },
    )
    summary = await bot.shown(submit)
    assert summary.ephemeral and "Please check before sending" in text(summary)
    settled, received = await bot.press_settling(
        standin.member, button(summary, "Send to volunteers"), summary
    )
    assert "Sent to the volunteers" in text(settled) and not settled.payload.get("components")
    assert "Received and stored safely" in text(received)
    return received
