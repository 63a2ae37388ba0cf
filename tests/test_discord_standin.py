"""The Discord stand-in, proved with the real discord.py client and a trivial test bot.

The bot here is defined by the test (not Upstander's code): one slash command replying
ephemerally with a persistent button, one opening a modal, one with autocomplete, one
that waits for the test before replying (to be late), and a DM echo.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord_standin import (
    CB_AUTOCOMPLETE_RESULT,
    CB_CHANNEL_MESSAGE,
    CB_DEFERRED_CHANNEL_MESSAGE,
    CB_MODAL,
    CB_UPDATE_MESSAGE,
    DiscordStandin,
    finish_client_tasks,
)

from bot.adapters.discord.endpoints import (
    DEFAULT_API_BASE,
    DEFAULT_GATEWAY_URL,
    configure_endpoints,
    current_endpoints,
    endpoints,
    restore_endpoints,
)

TIMEOUT = 5.0


class Seen:
    """Things the bot's handlers saw, with a way to wait for them (no sleeping)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self._changed = asyncio.Event()

    def add(self, kind: str, value: Any) -> None:
        self.items.append((kind, value))
        self._changed.set()

    def of(self, kind: str) -> list[Any]:
        return [v for k, v in self.items if k == kind]

    async def wait(self, kind: str, count: int = 1) -> list[Any]:
        async def _wait() -> list[Any]:
            while len(self.of(kind)) < count:
                self._changed.clear()
                await self._changed.wait()
            return self.of(kind)

        return await asyncio.wait_for(_wait(), TIMEOUT)


class PersistentView(discord.ui.View):
    def __init__(self, seen: Seen) -> None:
        super().__init__(timeout=None)
        self.seen = seen

    @discord.ui.button(label="Claim", custom_id="t:1", style=discord.ButtonStyle.primary)
    async def claim(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.seen.add("button", (interaction.user.id, interaction.data))
        await interaction.response.send_message("claimed", ephemeral=True)


class ReasonModal(discord.ui.Modal, title="Check in"):
    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What is going on?", custom_id="reason", max_length=400
    )
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Anything else?", custom_id="note", required=False
    )

    def __init__(self, seen: Seen) -> None:
        super().__init__(custom_id="checkin:form")
        self.seen = seen

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.seen.add("modal", (self.reason.value, self.note.value))
        await interaction.response.send_message(
            f"thanks ({len(self.reason.value)})", ephemeral=True
        )


class TrivialBot(discord.Client):
    def __init__(self, seen: Seen, **options: Any) -> None:
        # Intents.default(): guilds, guild and DM messages; not the privileged ones.
        super().__init__(intents=discord.Intents.default(), **options)
        self.seen = seen
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.guild_ready = asyncio.Event()
        self.gate = asyncio.Event()
        self._add_commands()

    def _add_commands(self) -> None:
        seen = self.seen

        @self.tree.command(name="hello", description="Say hello with a button")
        async def hello(interaction: discord.Interaction) -> None:
            seen.add("hello", interaction.id)
            await interaction.response.send_message(
                "hi there", ephemeral=True, view=PersistentView(seen)
            )

        @self.tree.command(name="form", description="Open the check-in form")
        async def form(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(ReasonModal(seen))

        @self.tree.command(name="slow", description="Reply only when the test says so")
        async def slow(interaction: discord.Interaction) -> None:
            seen.add("slow-started", interaction.id)
            await self.gate.wait()
            try:
                await interaction.response.send_message("finally")
            except discord.HTTPException as exc:
                seen.add("slow-error", exc)

        async def topics(interaction: discord.Interaction, current: str) -> list[Any]:
            names = ["allyship", "bystander", "boundaries", "coalitions"]
            return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

        @self.tree.command(name="learn", description="Browse a reading list")
        @app_commands.autocomplete(topic=topics)
        async def learn(interaction: discord.Interaction, topic: str, page: int = 1) -> None:
            seen.add("learn", (topic, page, str(interaction.locale)))
            await interaction.response.send_message(f"{topic} p{page}", ephemeral=True)

        @self.tree.command(name="think", description="Defer, then follow up")
        async def think(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("thought about it")
            await interaction.followup.send("one more thing", ephemeral=True)

        @self.tree.command(name="panel", description="A message whose button edits it")
        async def panel(interaction: discord.Interaction) -> None:
            view = discord.ui.View(timeout=60)
            button: discord.ui.Button[Any] = discord.ui.Button(label="Next", custom_id="p:next")

            async def next_step(press: discord.Interaction) -> None:
                seen.add("next", press.id)
                await press.response.edit_message(content="step 2", view=None)

            button.callback = next_step  # type: ignore[method-assign]
            view.add_item(button)
            await interaction.response.send_message("step 1", view=view)

        @self.tree.command(name="assign", description="Pick a volunteer")
        @app_commands.choices(
            urgency=[
                app_commands.Choice(name="Today", value="today"),
                app_commands.Choice(name="This week", value="week"),
            ]
        )
        async def assign(
            interaction: discord.Interaction,
            volunteer: discord.Member,
            urgency: app_commands.Choice[str],
        ) -> None:
            roles = [r.name for r in volunteer.roles if not r.is_default()]
            seen.add("assign", (volunteer.id, roles, urgency.value))
            await interaction.response.send_message("ok", ephemeral=True)

        @self.tree.command(name="revise", description="Reply, then revise")
        async def revise(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("v1", ephemeral=True)
            await interaction.edit_original_response(content="v2")
            extra = await interaction.followup.send("f1", ephemeral=True, wait=True)
            await extra.edit(content="f2")
            fetched = await interaction.original_response()
            seen.add("revise", fetched.content)
            await extra.delete()

    async def setup_hook(self) -> None:
        self.add_view(PersistentView(self.seen))  # persistent: survives restarts
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before every re-IDENTIFY (Discord's identify rate limit);
        # the stand-in has no such limit, so this test bot skips the wait.
        return None

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.guild_ready.set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.id == self.user.id if self.user else False:
            return
        if isinstance(message.channel, discord.DMChannel):
            self.seen.add("dm", message.content)
            await message.channel.send(f"echo: {message.content}")


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandin]:
    async with DiscordStandin() as s:
        with endpoints(s.api_base, s.gateway_url):
            yield s
    # Nothing the bot did may have hit a route the stand-in does not know.
    assert s.unknown_routes() == []


@contextlib.asynccontextmanager
async def running(
    client: discord.Client, standin: DiscordStandin, ready: asyncio.Event, guild: asyncio.Event
) -> AsyncIterator[None]:
    """Start ``client`` against the stand-in; wait for on_ready and the guild; close it."""
    task = asyncio.create_task(client.start(standin.token))
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=TIMEOUT, return_when="FIRST_COMPLETED")
    if waiter not in done:
        waiter.cancel()
        await client.close()
        if task.done():
            task.result()  # raise the start-up error
        pytest.fail("the client did not become ready")
    try:
        await asyncio.wait_for(guild.wait(), TIMEOUT)
        yield
    finally:
        await client.close()
        await asyncio.wait_for(task, TIMEOUT)
        await finish_client_tasks()


@pytest.fixture
async def bot(standin: DiscordStandin) -> AsyncIterator[TrivialBot]:
    # guild_ready_timeout: how long discord.py waits for more GUILD_CREATEs before
    # on_ready (2 s by default); the stand-in sends its one guild right after READY.
    client = TrivialBot(Seen(), guild_ready_timeout=0.01)
    async with running(client, standin, client.ready, client.guild_ready):
        yield client


def _callback_type(record: Any) -> int:
    return int(record.json["type"])


# ------------------------------------------------------------------------------------
# endpoints
# ------------------------------------------------------------------------------------


def test_configure_endpoints_returns_previous_and_restores() -> None:
    before = current_endpoints()
    previous = configure_endpoints("http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9/gateway")
    try:
        assert previous == before
        assert discord.http.Route.BASE == "http://127.0.0.1:9/api/v10"
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/gateway"
        configure_endpoints(None, None)
        assert discord.http.Route.BASE == DEFAULT_API_BASE
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == DEFAULT_GATEWAY_URL
    finally:
        restore_endpoints(previous)
    assert current_endpoints() == before
    with pytest.raises(ValueError):
        configure_endpoints("not a url", None)
    assert current_endpoints() == before


# ------------------------------------------------------------------------------------
# connecting
# ------------------------------------------------------------------------------------


async def test_client_connects_identifies_and_syncs(
    standin: DiscordStandin, bot: TrivialBot
) -> None:
    assert bot.user is not None and bot.user.id == standin.bot_user.id
    assert bot.application_id == standin.application_id
    guild = bot.get_guild(standin.guild.id)
    assert guild is not None
    assert {c.name for c in guild.text_channels} >= {"general", "volunteers"}
    assert discord.utils.get(guild.roles, name="Volunteer") is not None
    # The gateway was opened compressed, and IDENTIFY carried the intents.
    assert standin.gateway_connects[0]["query"]["compress"] == "zlib-stream"
    identify = standin.gateway_frames.find(lambda f: f.direction == "recv" and f.op == 2)
    assert identify is not None
    assert identify.data["intents"] == discord.Intents.default().value
    # Heartbeats were acknowledged.
    await standin.wait_for_gateway(lambda f: f.direction == "send" and f.op == 11)
    # tree.sync() registered the commands globally.
    put = [r for r in standin.requests if r.route == "global_commands_put"]
    assert len(put) == 1 and put[0].ok
    assert sorted(c["name"] for c in standin.global_commands.values()) == [
        "assign",
        "form",
        "hello",
        "learn",
        "panel",
        "revise",
        "slow",
        "think",
    ]
    assert standin.errors() == []


# ------------------------------------------------------------------------------------
# interactions
# ------------------------------------------------------------------------------------


async def test_slash_command_reply_then_button(standin: DiscordStandin, bot: TrivialBot) -> None:
    it = await standin.send_slash_command(standin.member, "hello")
    callback = await it.wait_callback()
    assert callback.ok
    assert callback.query.get("with_response") == "1"
    assert _callback_type(callback) == CB_CHANNEL_MESSAGE
    assert callback.json["data"]["content"] == "hi there"
    assert callback.json["data"]["flags"] & 64  # ephemeral
    reply = it.response_message()
    assert reply is not None and reply.ephemeral and reply.custom_ids() == ["t:1"]
    assert bot.seen.of("hello") == [it.id]

    press = await standin.send_button(standin.volunteer, "t:1")
    ((who, data),) = await bot.seen.wait("button")
    assert who == standin.volunteer.id
    assert data["custom_id"] == "t:1"
    pressed = await press.wait_callback()
    assert pressed.ok and pressed.json["data"]["content"] == "claimed"
    assert standin.errors() == []


async def test_persistent_button_on_unknown_message(
    standin: DiscordStandin, bot: TrivialBot
) -> None:
    # As after a restart: the message is not in the client's cache; add_view handles it.
    press = await standin.send_button(standin.member, "t:1")
    await bot.seen.wait("button")
    assert (await press.wait_callback()).ok


async def test_modal_open_and_submit(standin: DiscordStandin, bot: TrivialBot) -> None:
    it = await standin.send_slash_command(standin.member, "form")
    callback = await it.wait_callback()
    assert callback.ok and _callback_type(callback) == CB_MODAL
    modal = it.modal()
    assert modal is not None and modal["custom_id"] == "checkin:form"

    with pytest.raises(ValueError, match="required"):
        await standin.send_modal_submit(standin.member, "checkin:form", {"note": "x"})

    submit = await standin.send_modal_submit(
        standin.member, "checkin:form", {"reason": "someone keeps making jokes about me"}
    )
    ((reason, note),) = await bot.seen.wait("modal")
    assert reason == "someone keeps making jokes about me"
    assert note == ""
    answer = await submit.wait_callback()
    assert answer.ok and answer.json["data"]["content"] == "thanks (35)"
    assert "thanks (35)" in standin.all_outbound_text()


async def test_autocomplete_and_typed_options(standin: DiscordStandin, bot: TrivialBot) -> None:
    ac = await standin.send_autocomplete(standin.member, "learn", {"topic": "b"}, focused="topic")
    callback = await ac.wait_callback()
    assert callback.ok and _callback_type(callback) == CB_AUTOCOMPLETE_RESULT
    assert [c["name"] for c in ac.autocomplete_choices() or []] == ["bystander", "boundaries"]

    it = await standin.send_slash_command(
        standin.member, "learn", {"topic": "allyship", "page": 2}, locale="fr"
    )
    assert (await it.wait_callback()).ok
    assert bot.seen.of("learn") == [("allyship", 2, "fr")]
    with pytest.raises(ValueError, match="required"):
        await standin.send_slash_command(standin.member, "learn", {"page": 2})


async def test_late_reply_is_refused(standin: DiscordStandin, bot: TrivialBot) -> None:
    it = await standin.send_slash_command(standin.member, "slow")
    await bot.seen.wait("slow-started")
    standin.clock.advance(4.0)
    bot.gate.set()
    callback = await it.wait_callback()
    assert callback.status == 404 and callback.error_code == 10062
    (error,) = await bot.seen.wait("slow-error")
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert it.response_message() is None


async def test_double_reply_is_refused(standin: DiscordStandin, bot: TrivialBot) -> None:
    it = await standin.send_slash_command(standin.member, "hello")
    first = await it.wait_callback()
    assert first.ok
    # A second process answering the same interaction (discord.py itself refuses locally).
    url = f"{standin.api_base}/interactions/{it.id}/{it.token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "again"}}) as resp,
    ):
        assert resp.status == 400
        assert (await resp.json())["code"] == 40060
    assert [r.status for r in it.callbacks()] == [200, 400]
    assert len(it.messages()) == 1


async def test_followups_work_after_reply_and_expire(
    standin: DiscordStandin, bot: TrivialBot
) -> None:
    it = await standin.send_slash_command(standin.member, "hello")
    await it.wait_callback()
    interaction_webhook = discord.Webhook.partial(standin.application_id, it.token, client=bot)
    sent = await interaction_webhook.send("follow-up", wait=True)
    assert standin.messages[sent.id].content == "follow-up"
    standin.clock.advance(15 * 60 + 1)
    with pytest.raises(discord.HTTPException) as info:
        await interaction_webhook.send("too late", wait=True)
    assert info.value.code == 50027


# ------------------------------------------------------------------------------------
# DMs, gateway resume, faults
# ------------------------------------------------------------------------------------


async def test_dm_reaches_on_message(standin: DiscordStandin, bot: TrivialBot) -> None:
    await standin.send_dm(standin.member, "hello bot")
    assert await bot.seen.wait("dm") == ["hello bot"]
    echo = await standin.wait_for_message(lambda m: m.content == "echo: hello bot")
    assert echo.channel_id == standin.dm_channels[standin.member.id].id
    assert standin.dm_messages(standin.member) == [echo]


async def test_resume_replays_missed_dispatches(standin: DiscordStandin, bot: TrivialBot) -> None:
    mark = len(standin.gateway_frames.items)
    await standin.drop_connection()
    assert not standin.connected
    await standin.send_dm(standin.member, "while away 1")
    await standin.send_dm(standin.member, "while away 2")
    assert await bot.seen.wait("dm", 2) == ["while away 1", "while away 2"]
    await standin.wait_resumed(start=mark)

    frames = standin.gateway_frames.items[mark:]
    received_ops = [f.op for f in frames if f.direction == "recv"]
    assert 6 in received_ops and 2 not in received_ops  # RESUME, no new IDENTIFY
    resume = next(f for f in frames if f.direction == "recv" and f.op == 6)
    replayed = [f.seq for f in frames if f.direction == "send" and f.op == 0 and f.seq]
    assert replayed[0] == resume.data["seq"] + 1
    assert replayed == list(range(replayed[0], replayed[0] + len(replayed)))
    session = standin.gateway.session
    assert session is not None and bot.ws is not None
    assert bot.ws.sequence == session.last_seq
    # The bot reconnected to the resume_gateway_url from READY.
    assert standin.gateway_connects[-1]["path"] == "/gateway/resume"
    # Still fully working afterwards.
    it = await standin.send_slash_command(standin.member, "hello")
    assert (await it.wait_callback()).ok


async def test_abnormal_drop_also_resumes(standin: DiscordStandin, bot: TrivialBot) -> None:
    mark = len(standin.gateway_frames.items)
    await standin.drop_connection(abnormal=True)
    await standin.send_dm(standin.member, "after abort")
    assert await bot.seen.wait("dm") == ["after abort"]
    await standin.wait_resumed(start=mark)


async def test_rate_limited_message_is_retried_and_lands_once(
    standin: DiscordStandin, bot: TrivialBot
) -> None:
    fault = standin.fail_next("POST", "/channels/*/messages", status=429, retry_after=0.05)
    channel = bot.get_channel(standin.volunteers_channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("new check-in card")
    posts = [r for r in standin.requests if r.route == "create_message"]
    assert [r.status for r in posts] == [429, 200]
    assert posts[0].injected and posts[0].response["retry_after"] == 0.05
    assert len(fault.hits) == 1
    cards = standin.sent_messages(standin.volunteers_channel.id)
    assert [m.content for m in cards] == ["new check-in card"]
    assert cards[0].id == message.id


async def test_server_error_then_success(standin: DiscordStandin, bot: TrivialBot) -> None:
    standin.fail_next("GET", "/channels/*", status=500)
    channel = await bot.fetch_channel(standin.general.id)
    assert channel.id == standin.general.id
    gets = [r for r in standin.requests if r.route == "get_channel"]
    assert [r.status for r in gets] == [500, 200]


# ------------------------------------------------------------------------------------
# REST rules the bot must live with
# ------------------------------------------------------------------------------------


async def test_rules_on_channel_messages_threads_and_members(
    standin: DiscordStandin, bot: TrivialBot
) -> None:
    channel = bot.get_channel(standin.volunteers_channel.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("x" * 2001)
    assert info.value.code == 50035

    # Mentions: allowed_mentions decides who is really pinged.
    await channel.send(
        f"@everyone <@{standin.member.id}>", allowed_mentions=discord.AllowedMentions.none()
    )
    assert standin.pings() == []
    loud = await channel.send(f"<@&{standin.volunteer_role.id}> new card")
    assert standin.pings() == [(loud.id, "role", standin.volunteer_role.id)]

    thread = await channel.create_thread(
        name="Member 7F3A", type=discord.ChannelType.private_thread
    )
    await thread.add_user(discord.Object(standin.volunteer.id))
    assert standin.channels[thread.id].member_ids == {standin.bot_user.id, standin.volunteer.id}
    await thread.send("private relay")
    assert [m.content for m in standin.sent_messages(thread.id)] == ["private relay"]

    guild = bot.get_guild(standin.guild.id)
    assert guild is not None
    member = await guild.fetch_member(standin.volunteer.id)
    assert [r.name for r in member.roles if r.name != "@everyone"] == ["Volunteer"]
    with pytest.raises(discord.NotFound):
        await guild.fetch_member(12345)

    closed = standin.add_user("closed-dms", accepts_dms=False)
    user = await bot.fetch_user(closed.id)
    with pytest.raises(discord.Forbidden) as forbidden:
        await user.send("hello")
    assert forbidden.value.code == 50007


async def test_wait_for_times_out_without_sleeping(standin: DiscordStandin) -> None:
    with pytest.raises(TimeoutError):
        await standin.wait_for(lambda r: False, timeout=0.01)


async def test_defer_then_followups(standin: DiscordStandin, bot: TrivialBot) -> None:
    it = await standin.send_slash_command(standin.member, "think")
    callback = await it.wait_callback()
    assert callback.ok and callback.json["type"] == CB_DEFERRED_CHANNEL_MESSAGE
    await standin.wait_for_count(
        lambda r: r.route == "webhook_followup" and r.params.get("token") == it.token, 2
    )
    reply = it.response_message()
    # The first follow-up replaced the "thinking" message and kept the defer's ephemerality.
    assert reply is not None and reply.content == "thought about it" and reply.ephemeral
    assert [m.content for m in it.messages()] == ["thought about it", "one more thing"]
    assert standin.errors() == []


async def test_button_updates_its_message(standin: DiscordStandin, bot: TrivialBot) -> None:
    it = await standin.send_slash_command(standin.member, "panel")
    await it.wait_callback()
    panel = it.response_message()
    assert panel is not None and not panel.ephemeral and panel.custom_ids() == ["p:next"]
    press = await standin.send_button(standin.member, "p:next", message=panel)
    callback = await press.wait_callback()
    assert callback.ok and callback.json["type"] == CB_UPDATE_MESSAGE
    assert panel.content == "step 2" and panel.components == [] and panel.edits == 1


async def test_bot_without_access_is_refused(standin: DiscordStandin, bot: TrivialBot) -> None:
    hidden = standin.add_channel(
        "mods-only",
        permission_overwrites=[
            {"id": str(standin.guild.id), "type": 0, "allow": "0", "deny": str(1 << 10)}
        ],
    )
    with pytest.raises(discord.Forbidden) as info:
        await bot.get_partial_messageable(hidden.id).send("hello?")
    assert info.value.code == 50001
    assert [r.status for r in standin.errors()] == [403]


async def test_public_thread_from_a_card(standin: DiscordStandin, bot: TrivialBot) -> None:
    channel = bot.get_channel(standin.volunteers_channel.id)
    assert isinstance(channel, discord.TextChannel)
    card = await channel.send("card")
    thread = await card.create_thread(name="Member 7F3A")
    assert thread.id == card.id and thread.parent_id == channel.id
    assert standin.channels[thread.id].type == 11
    with pytest.raises(discord.HTTPException) as info:
        await card.create_thread(name="again")
    assert info.value.code == 160004


async def test_commands_bot_prefix_in_dm_and_slash(standin: DiscordStandin) -> None:
    seen = Seen()
    ready, guild_ready = asyncio.Event(), asyncio.Event()
    client = commands.Bot(
        command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.01
    )

    @client.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        seen.add("ping", ctx.channel.id)
        await ctx.send("pong")

    @client.tree.command(name="about", description="About the bot")
    async def about(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("about", ephemeral=True)

    @client.listen()
    async def on_message(message: discord.Message) -> None:
        seen.add("message", (message.author.id, message.content))

    @client.listen()
    async def on_ready() -> None:
        ready.set()

    @client.listen()
    async def on_guild_available(guild: discord.Guild) -> None:
        guild_ready.set()

    async with running(client, standin, ready, guild_ready):
        # DMs carry content without the privileged intent, so prefix commands work there.
        await standin.send_dm(standin.member, "!ping")
        await seen.wait("ping")
        pong = await standin.wait_for_message(lambda m: m.content == "pong")
        assert pong.channel_id == standin.dm_channels[standin.member.id].id

        # In a guild channel, without the message-content intent, content arrives empty,
        # so the command does not run.
        await standin.send_channel_message(standin.member, standin.general, "!ping")
        it = await standin.send_slash_command(standin.member, "about")
        assert (await it.wait_callback()).ok
        messages = await seen.wait("message", 3)
        # The bot is told about its own messages too (commands.Bot ignores them).
        assert messages == [
            (standin.member.id, "!ping"),
            (standin.bot_user.id, "pong"),
            (standin.member.id, ""),
        ]
        assert len(seen.of("ping")) == 1
    assert standin.unknown_routes() == []


async def test_slash_command_in_dm(standin: DiscordStandin, bot: TrivialBot) -> None:
    it = await standin.send_slash_command(standin.member, "hello", guild=False)
    assert "user" in it.payload and "member" not in it.payload and "guild_id" not in it.payload
    callback = await it.wait_callback()
    assert callback.ok
    reply = it.response_message()
    assert reply is not None
    assert reply.channel_id == standin.dm_channels[standin.member.id].id


async def test_unknown_routes_are_answered_404_and_recorded() -> None:
    async with DiscordStandin() as standin, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {standin.token}"}
        async with session.get(f"{standin.api_base}/stickers/1", headers=headers) as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["message"] == "404: Not Found"
        async with session.get(f"{standin.api_base}/users/@me") as resp:
            assert resp.status == 401  # no token
        (unknown,) = standin.unknown_routes()
        assert (unknown.method, unknown.path) == ("GET", "/stickers/1")


async def test_sharded_client_asks_gateway_bot(standin: DiscordStandin) -> None:
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.01)
    ready, guild_ready = asyncio.Event(), asyncio.Event()

    @client.event
    async def on_ready() -> None:
        ready.set()

    @client.event
    async def on_guild_available(guild: discord.Guild) -> None:
        guild_ready.set()

    async with running(client, standin, ready, guild_ready):
        assert client.shard_count == 1
        assert [r.route for r in standin.requests if r.route == "get_gateway_bot"]


async def test_user_option_is_resolved_and_choices_enforced(
    standin: DiscordStandin, bot: TrivialBot
) -> None:
    it = await standin.send_slash_command(
        standin.moderator, "assign", {"volunteer": standin.volunteer, "urgency": "week"}
    )
    assert (await it.wait_callback()).ok
    assert bot.seen.of("assign") == [(standin.volunteer.id, ["Volunteer"], "week")]
    assert it.payload["data"]["resolved"]["members"][str(standin.volunteer.id)]["roles"] == [
        str(standin.volunteer_role.id)
    ]
    with pytest.raises(ValueError, match="choices"):
        await standin.send_slash_command(
            standin.moderator, "assign", {"volunteer": standin.volunteer, "urgency": "now"}
        )
    with pytest.raises(ValueError, match="no option"):
        await standin.send_slash_command(
            standin.moderator,
            "assign",
            {"volunteer": standin.volunteer, "urgency": "week", "nope": 1},
        )


async def test_reconnect_request_resumes(standin: DiscordStandin, bot: TrivialBot) -> None:
    mark = len(standin.gateway_frames.items)
    await standin.send_reconnect()
    await standin.wait_resumed(start=mark)
    await standin.send_dm(standin.member, "after op 7")
    assert await bot.seen.wait("dm") == ["after op 7"]


async def test_invalid_session_makes_the_bot_identify_again(
    standin: DiscordStandin, bot: TrivialBot
) -> None:
    mark = len(standin.gateway_frames.items)
    bot.ready.clear()
    await standin.invalidate_session()
    await standin.wait_identified(start=mark)
    # The new session's READY ends in an on_ready: let it run before the loop closes.
    await asyncio.wait_for(bot.ready.wait(), 5)
    identifies = [f for f in standin.gateway_frames.items[mark:] if f.op == 2]
    assert len(identifies) == 1
    await standin.send_dm(standin.member, "new session")
    assert await bot.seen.wait("dm") == ["new session"]


async def test_file_upload_is_recorded(standin: DiscordStandin, bot: TrivialBot) -> None:
    channel = bot.get_channel(standin.volunteers_channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("export", file=discord.File(io.BytesIO(b"{}"), "mydata.json"))
    (post,) = [r for r in standin.requests if r.route == "create_message"]
    assert post.files == ["mydata.json"] and post.json["content"] == "export"
    assert [a.filename for a in message.attachments] == ["mydata.json"]


async def test_webhook_message_routes(standin: DiscordStandin, bot: TrivialBot) -> None:
    it = await standin.send_slash_command(standin.member, "revise")
    assert await bot.seen.wait("revise") == ["v2"]
    await it.wait_followup(lambda r: r.method == "DELETE")
    routes = [(r.method, r.route, r.path.rsplit("/", 1)[-1]) for r in it.followups()]
    assert [(m, name) for m, name, _ in routes] == [
        ("PATCH", "webhook_edit"),
        ("POST", "webhook_followup"),
        ("PATCH", "webhook_edit"),
        ("GET", "webhook_get"),
        ("DELETE", "webhook_delete"),
    ]
    assert routes[0][2] == "@original" and routes[3][2] == "@original"
    reply = it.response_message()
    assert reply is not None and reply.content == "v2" and reply.ephemeral
    assert [m.content for m in it.messages()] == ["v2"]  # the follow-up was deleted
    assert standin.errors() == []
