"""The composition root: builds the bot from real or fake parts, the same way for both.

Adapters register their platform's Directory (who is a volunteer) and Messenger (how to
send) on the Runtime; the core reaches platforms only through those.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from bot.config import Settings
from bot.content.holder import ContentHolder
from bot.core.access import Access
from bot.core.app import Services, Upstander
from bot.core.clock import Clock, SystemClock
from bot.core.delivery import Deliveries
from bot.core.desk import Desk
from bot.core.escalation import Escalation
from bot.core.library import Library
from bot.core.moderation import Moderation
from bot.core.mydata import MyData
from bot.core.ports import ContentSource, Directory, Messenger, Store
from bot.core.practice import Practice
from bot.core.stats import Stats
from bot.storage.crypto import Cipher, load_key
from bot.storage.sqlite import SqliteStore

log = logging.getLogger(__name__)

CARE_INTERVAL_SECONDS = 30.0


@dataclass
class Runtime:
    settings: Settings
    content: ContentSource
    store: Store
    clock: Clock
    app: Upstander
    desk: Desk
    deliveries: Deliveries
    escalation: Escalation
    directories: dict[str, Directory]
    messengers: dict[str, Messenger]
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _watcher: asyncio.Task[None] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def register_platform(self, platform: str, directory: Directory, messenger: Messenger) -> None:
        self.directories[platform] = directory
        self.messengers[platform] = messenger

    def start_background(self) -> None:
        """The outbox worker (resuming whatever a previous run left pending) and care loop."""
        self._stop.clear()
        self._tasks.append(
            asyncio.create_task(self.deliveries.run_forever(self.desk.outbox_changed, self._stop))
        )
        self._tasks.append(asyncio.create_task(self._care_loop()))
        if self.settings.watch_content and isinstance(self.content, ContentHolder):
            self._watcher = asyncio.create_task(self.content.watch())

    async def _care_loop(self) -> None:
        while not self._stop.is_set():
            try:
                if await self.escalation.tick():
                    self.desk.outbox_changed.set()
                await self.escalation.purge()
            except Exception:
                log.exception("care round failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), CARE_INTERVAL_SECONDS)

    async def aclose(self) -> None:
        """Stop taking work, flush the outbox, close the database."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.store.close_store()


async def open_store(settings: Settings) -> Store:
    cipher = Cipher(load_key(settings.secret_key, settings.data_dir))
    return await SqliteStore.open(settings.database, cipher)


async def build(
    settings: Settings,
    *,
    store: Store | None = None,
    content: ContentSource | None = None,
    clock: Clock | None = None,
) -> Runtime:
    clock = clock or SystemClock()
    if content is None:
        content = await ContentHolder.open(settings.content_dir, settings.resources_file)
    if store is None:
        store = await open_store(settings)
    directories: dict[str, Directory] = {}
    messengers: dict[str, Messenger] = {}
    access = Access(directories)
    stats = Stats(store)
    desk = Desk(content, store, access, clock, settings.desk)
    services = Services(
        content=content,
        practice=Practice(content, store, store, clock),
        library=Library(content, store),
        desk=desk,
        mydata=MyData(content, store, desk),
        moderation=Moderation(content, store, stats, access),
    )
    return Runtime(
        settings=settings,
        content=content,
        store=store,
        clock=clock,
        app=Upstander(services),
        desk=desk,
        deliveries=Deliveries(store, messengers, clock),
        escalation=Escalation(content, store, clock, settings.desk),
        directories=directories,
        messengers=messengers,
    )
