"""Answering interactions: acknowledge in time, call the core, show its reply.

Every callback funnels through :class:`Interactions`. The core's answer usually comes in
milliseconds and is sent as the interaction response; when it has not come within
``FAST_SECONDS`` the interaction is deferred first (ephemeral "thinking" for commands, a
silent update for buttons) so that Discord's 3-second deadline is always met, and the
reply follows as a follow-up or an edit.

Every answer in progress is tracked, so that a shutdown can let them finish
(:meth:`Interactions.drain`) before the client closes its HTTP session under them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.adapters.discord.convert import actor_from_interaction, custom_id, modal_values
from bot.adapters.discord.render import render, render_modal
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.messages import Reply
from bot.core.ports import ContentSource

__all__ = ["FAST_SECONDS", "NO_MENTIONS", "Interactions"]

log = logging.getLogger(__name__)

# Well inside Discord's 3 s, leaving room for the network on both legs.
FAST_SECONDS = 1.5
NO_MENTIONS = discord.AllowedMentions.none()

Call = Callable[[Actor], Awaitable[Reply]]


class Interactions:
    """Routes interactions to the core and renders what it says."""

    def __init__(
        self, app: Upstander, content: ContentSource, *, ack_after: float = FAST_SECONDS
    ) -> None:
        self.app = app
        self._content = content
        self._ack_after = ack_after
        # The tasks answering right now: discord.py runs each event in a task of its own
        # and does not wait for them when the client closes.
        self._in_flight: set[asyncio.Task[Any]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def drain(self, timeout: float) -> int:  # noqa: ASYNC109
        """Wait up to ``timeout`` seconds for the answers in progress, those still coming
        in included; cancel what is left then and return how many that was."""
        # Interactions already read from the gateway have tasks that have not run yet.
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._in_flight:
            left = deadline - loop.time()
            if left <= 0:
                break
            await asyncio.wait(set(self._in_flight), timeout=left)
        unfinished = list(self._in_flight)
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
        return len(unfinished)

    async def command(self, interaction: discord.Interaction[Any], call: Call) -> None:
        """A slash command: the core's reply, or the modal of the form it asks for."""
        await self._answer(interaction, call, component=False)

    async def component(self, interaction: discord.Interaction[Any]) -> None:
        """A button press anywhere, on any message, from before or after a restart."""
        action_id = custom_id(interaction)
        await self._answer(
            interaction, lambda actor: self.app.press(actor, action_id), component=True
        )

    async def modal_submit(self, interaction: discord.Interaction[Any]) -> None:
        form_id = custom_id(interaction)
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
        actor = actor_from_interaction(interaction)
        acknowledging: asyncio.Task[Exception | None] | None = None

        def acknowledge() -> None:
            nonlocal acknowledging
            acknowledging = asyncio.create_task(self._defer(interaction, component=component))
            self._in_flight.add(acknowledging)
            acknowledging.add_done_callback(self._in_flight.discard)

        # A timer rather than a task for the core plus asyncio.wait: this runs for every
        # interaction, and the core usually answers long before the timer would fire.
        timer = asyncio.get_running_loop().call_later(self._ack_after, acknowledge)
        try:
            try:
                reply = await call(actor)
            finally:
                timer.cancel()
            if acknowledging is not None:
                failure = await acknowledging
                if failure is not None:
                    raise failure
            await self._show(
                interaction, reply, deferred=acknowledging is not None, component=component
            )
        except discord.HTTPException as exc:
            log.warning(
                "Discord refused an interaction response (HTTP %s, code %s)", exc.status, exc.code
            )
        except Exception:
            log.exception("answering an interaction failed")
            if acknowledging is not None:
                await acknowledging  # so that the apology knows whether it was acknowledged
            await self._apologise(interaction, actor)

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

    async def _show(
        self,
        interaction: discord.Interaction[Any],
        reply: Reply,
        *,
        deferred: bool,
        component: bool,
    ) -> None:
        response = interaction.response
        modal_allowed = interaction.type is not discord.InteractionType.modal_submit
        if reply.form is not None and not deferred and modal_allowed:
            await response.send_modal(render_modal(reply.form))
            return
        rendered = render(reply)
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
