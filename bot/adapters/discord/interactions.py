"""Answering interactions: acknowledge in time, call the core, show its reply.

Every callback funnels through :class:`Interactions`. The core's answer usually comes in
milliseconds and is sent as the interaction response; when it has not come within
``FAST_SECONDS`` (checked every ``WATCH_SECONDS``) the interaction is deferred first
(ephemeral "thinking" for commands, a silent update for buttons) so that Discord's
3-second deadline is always met, and the reply follows as a follow-up or an edit.

Every answer in progress is tracked, so that a shutdown can let them finish
(:meth:`Interactions.drain`) before the client closes its HTTP session under them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import discord

from bot.adapters.discord.convert import custom_id, modal_values
from bot.adapters.discord.guilds import Communities, split_tag
from bot.adapters.discord.render import render, render_modal
from bot.adapters.tasks import TrackedTasks
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.messages import Reply
from bot.core.ports import ContentSource

__all__ = ["FAST_SECONDS", "NO_MENTIONS", "Interactions"]

log = logging.getLogger(__name__)

# Well inside Discord's 3 s, leaving room for the network on both legs.
FAST_SECONDS = 1.5
# How often the answers still waiting for the core are looked at: a deferral goes out
# between FAST_SECONDS and FAST_SECONDS + WATCH_SECONDS after the interaction came.
WATCH_SECONDS = 0.25
NO_MENTIONS = discord.AllowedMentions.none()

Call = Callable[[Actor], Awaitable[Reply]]


@dataclass(eq=False, slots=True)
class _Unanswered:
    """An interaction whose answer the core has not given yet."""

    interaction: discord.Interaction[Any]
    component: bool
    due: float  # loop time after which it is deferred
    acknowledging: asyncio.Task[Exception | None] | None = None


class Interactions:
    """Routes interactions to the core and renders what it says."""

    def __init__(
        self,
        app: Upstander,
        content: ContentSource,
        communities: Communities,
        *,
        ack_after: float = FAST_SECONDS,
    ) -> None:
        self.app = app
        self.communities = communities
        self._content = content
        self._ack_after = ack_after
        # The tasks answering right now: discord.py runs each event in a task of its own
        # and does not wait for them when the client closes.
        self._in_flight = TrackedTasks()
        # One watcher for every answer still waiting for the core, rather than a timer
        # per interaction: this runs for every press, and a timer costs more than the
        # set entry, while the core almost always answers long before any deadline.
        self._waiting: set[_Unanswered] = set()
        self._watcher: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def drain(self, timeout: float) -> int:  # noqa: ASYNC109
        """Wait up to ``timeout`` seconds for the answers in progress, those still coming
        in included; cancel what is left then and return how many that was."""
        # Interactions already read from the gateway have tasks that have not run yet:
        # TrackedTasks.drain lets them start (and join the tracked ones) first.
        unfinished = await self._in_flight.drain(timeout)
        if self._watcher is not None:
            self._watcher.cancel()
        return unfinished

    async def command(self, interaction: discord.Interaction[Any], call: Call) -> None:
        """A slash command: the core's reply, or the modal of the form it asks for."""
        await self._answer(interaction, call, component=False)

    def actor(self, interaction: discord.Interaction[Any]) -> Actor:
        """Who is asking, in which community (for autocomplete; answers resolve DM tags)."""
        return self.communities.actor(interaction)

    async def component(self, interaction: discord.Interaction[Any]) -> None:
        """A button press anywhere, on any message, from before or after a restart."""
        _, action_id = split_tag(custom_id(interaction))
        await self._answer(
            interaction, lambda actor: self.app.press(actor, action_id), component=True
        )

    async def modal_submit(self, interaction: discord.Interaction[Any]) -> None:
        _, form_id = split_tag(custom_id(interaction))
        values = modal_values(interaction.data)
        await self._answer(
            interaction,
            lambda actor: self.app.submit_form(actor, form_id, values),
            component=False,
        )

    # -- the one path every answer takes -------------------------------------------

    async def _answer(
        self, interaction: discord.Interaction[Any], call: Call, *, component: bool
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self._answer_now(interaction, call, component=component)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _answer_now(
        self, interaction: discord.Interaction[Any], call: Call, *, component: bool
    ) -> None:
        waiting = self._wait_for_core(interaction, component)
        actor = self.communities.actor(interaction)
        try:
            try:
                # In a DM, the community the pressed button names (a look-up, maybe REST).
                actor = await self.communities.press_actor(interaction)
                reply = await call(actor)
            finally:
                self._waiting.discard(waiting)
            if waiting.acknowledging is not None:
                failure = await waiting.acknowledging
                if failure is not None:
                    raise failure
            await self._show(
                interaction,
                reply,
                deferred=waiting.acknowledging is not None,
                component=component,
                tag=self._dm_tag(interaction, actor),
            )
        except discord.HTTPException as exc:
            log.warning(
                "Discord refused an interaction response (HTTP %s, code %s)", exc.status, exc.code
            )
        except Exception:
            log.exception("answering an interaction failed")
            if waiting.acknowledging is not None:
                await waiting.acknowledging  # so that the apology knows whether it was acknowledged
            await self._apologise(interaction, actor)

    # -- deferring what the core has not answered in time ---------------------------

    def _wait_for_core(self, interaction: discord.Interaction[Any], component: bool) -> _Unanswered:
        loop = asyncio.get_running_loop()
        waiting = _Unanswered(interaction, component, loop.time() + self._ack_after)
        self._waiting.add(waiting)
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())
        return waiting

    async def _watch(self) -> None:
        """Defer every answer past its due time; end when none is waiting (the next
        interaction starts a new watcher)."""
        loop = asyncio.get_running_loop()
        period = min(WATCH_SECONDS, self._ack_after / 4)
        while self._waiting:
            await asyncio.sleep(period)
            now = loop.time()
            for waiting in list(self._waiting):
                if waiting.acknowledging is None and waiting.due <= now:
                    waiting.acknowledging = self._acknowledge(waiting)

    def _acknowledge(self, waiting: _Unanswered) -> asyncio.Task[Exception | None]:
        deferral = self._defer(waiting.interaction, component=waiting.component)
        return self._in_flight.spawn(deferral, "deferring an interaction")

    async def _defer(
        self, interaction: discord.Interaction[Any], *, component: bool
    ) -> Exception | None:
        """Acknowledge now, the answer to come later; what went wrong, returned to the
        answer (which waits for this) rather than raised into a task nobody awaits."""
        try:
            if component:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
        except Exception as exc:
            return exc
        return None

    def _dm_tag(self, interaction: discord.Interaction[Any], actor: Actor) -> str:
        """In a DM, the buttons of the answer carry the community it was given in."""
        if interaction.guild_id is not None:
            return ""
        return self.communities.tag(actor.community)

    async def _show(
        self,
        interaction: discord.Interaction[Any],
        reply: Reply,
        *,
        deferred: bool,
        component: bool,
        tag: str = "",
    ) -> None:
        response = interaction.response
        modal_allowed = interaction.type is not discord.InteractionType.modal_submit
        if reply.form is not None and not deferred and modal_allowed:
            await response.send_modal(render_modal(reply.form, tag=tag))
            return
        if component and reply.pressed is not None:
            await self._replace_pressed_then_post(interaction, reply, deferred=deferred, tag=tag)
            return
        rendered = render(reply, tag=tag)
        if component and reply.replace:
            if deferred:
                await interaction.edit_original_response(
                    **rendered.edit_kwargs(), allowed_mentions=NO_MENTIONS
                )
            else:
                await response.edit_message(**rendered.edit_kwargs(), allowed_mentions=NO_MENTIONS)
            return
        if deferred:
            await interaction.followup.send(
                **rendered.send_kwargs(), ephemeral=reply.private, allowed_mentions=NO_MENTIONS
            )
        else:
            await response.send_message(
                **rendered.send_kwargs(), ephemeral=reply.private, allowed_mentions=NO_MENTIONS
            )

    async def _replace_pressed_then_post(
        self, interaction: discord.Interaction[Any], reply: Reply, *, deferred: bool, tag: str
    ) -> None:
        """Edit the pressed message to what it now stands for (its buttons gone, so that
        they cannot be used twice), then post the reply itself as a new message."""
        assert reply.pressed is not None
        pressed_now = render(reply.pressed, tag=tag).edit_kwargs()
        if deferred:
            await interaction.edit_original_response(**pressed_now, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.edit_message(**pressed_now, allowed_mentions=NO_MENTIONS)
        rendered = render(replace(reply, pressed=None), tag=tag)
        await interaction.followup.send(
            **rendered.send_kwargs(), ephemeral=reply.private, allowed_mentions=NO_MENTIONS
        )

    async def _apologise(self, interaction: discord.Interaction[Any], actor: Actor) -> None:
        catalog = self._content.current
        text = catalog.text(catalog.locale_for(actor.locale), "error.sorry")
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(
                    text, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        except discord.HTTPException:
            log.warning("could not send the apology either")
