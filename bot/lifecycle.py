"""What an adapter gets from the running bot besides the core: the life around it.

An adapter asks the core (``Upstander``) for every answer. From the bot that runs it, it
needs only this: to plug its platform in, to let the outbox send through its session
before that closes, and the few process-wide services a platform's plumbing asks for.
``bootstrap.Runtime`` implements it.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.core.ports import Directory, Messenger

# How long GET /health waits for the database before it calls it unwell.
DATABASE_TIMEOUT_SECONDS = 5.0


class Lifecycle(Protocol):
    def register_platform(self, platform: str, directory: Directory, messenger: Messenger) -> None:
        """Plug a platform in: who is a volunteer there, and how to send there."""
        ...

    async def caught_up(self) -> None:
        """Return once the outbox has sent what is due now (the console prints it before
        its next prompt)."""
        ...

    async def flush_outbox(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Deliver what the outbox holds, then stop the background work: an adapter calls
        it before it closes the session the outbox sends through. True when finished."""
        ...

    async def first_sighting(self, key: str) -> bool:
        """True the first time any process on this bot's store sees ``key``: a platform's
        redelivered event is handled once."""
        ...

    async def health(
        self, database_seconds: float = DATABASE_TIMEOUT_SECONDS
    ) -> tuple[int, dict[str, Any]]:
        """GET /health's answer: (HTTP status, JSON body); see ``bot.health``."""
        ...
