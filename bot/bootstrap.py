"""The composition root: builds the bot from real or fake parts, the same way for both.

An adapter gets the core (``Runtime.app``) and the Runtime as its ``Lifecycle``: it
registers its platform's Directory (who is a volunteer) and Messenger (how to send)
there; the core reaches platforms only through those.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.config import Settings
from bot.content.holder import ContentHolder
from bot.content.overlay import CommunityContent
from bot.core.access import Access
from bot.core.app import Services, Upstander
from bot.core.clock import Clock, SystemClock
from bot.core.communities import Communities
from bot.core.content_admin import ContentAdmin
from bot.core.delivery import Deliveries, DeliveryPolicy, new_owner_id
from bot.core.desk import Desk
from bot.core.erasure import Erasure
from bot.core.escalation import Escalation
from bot.core.group_practice import GroupPractice
from bot.core.idle import IdleWatch
from bot.core.jobs import Job, JobRunner, community_purge_job
from bot.core.library import Library
from bot.core.limits import CommunityLimits
from bot.core.moderation import Moderation
from bot.core.mydata import MyData
from bot.core.ports import ContentSource, Directory, Messenger, Stores
from bot.core.practice import Practice
from bot.core.settings import SettingsBook
from bot.core.setup import Setup
from bot.core.stats import Stats
from bot.core.weekly import WeeklyPractice
from bot.lifecycle import DATABASE_TIMEOUT_SECONDS
from bot.storage import rotation
from bot.storage.crypto import Cipher, load_key, load_old_keys
from bot.storage.datalock import DataDirLock
from bot.storage.engine import Database, prepare_sqlite_file, sqlite_url
from bot.storage.rotation import Rotated
from bot.storage.sql import open_database, sql_stores

log = logging.getLogger(__name__)

# Periods of the jobs that run once across all processes (see bot.core.jobs).
ESCALATION_PERIOD = timedelta(seconds=30)
IDLE_PERIOD = timedelta(seconds=30)  # reminders and closes of quiet conversations
GROUP_EXPIRY_PERIOD = timedelta(seconds=30)  # group practice sessions nobody votes in
PURGE_PERIOD = timedelta(minutes=10)
WEEKLY_PERIOD = timedelta(minutes=1)  # a scenario of the week posts within a minute of its time
SIGHTINGS_PERIOD = timedelta(hours=1)
# Slack retries an event for minutes, and refuses requests signed over 5 minutes ago:
# a day of event ids is far more than a retry or a replay can reach back.
SIGHTINGS_KEPT = timedelta(days=1)
# A store that does not answer at shutdown must not keep the process from exiting.
CLOSE_SECONDS = 5.0


@dataclass
class Runtime:
    settings: Settings
    content: ContentSource
    store: Stores
    clock: Clock
    app: Upstander
    desk: Desk
    deliveries: Deliveries
    escalation: Escalation
    jobs: JobRunner
    directories: dict[str, Directory]
    messengers: dict[str, Messenger]
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _watcher: asyncio.Task[None] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _closed: bool = False
    # Held from start-up until the database is closed: one bot per data directory.
    data_lock: DataDirLock | None = None
    idle: IdleWatch | None = None
    group: GroupPractice | None = None
    # Marks a community removed (the bot left it) and purges it: for the adapters.
    communities: Communities | None = None
    # The database the store is on (None for a store passed in): Slack installs by OAuth.
    database: Database | None = None

    # -- the Lifecycle adapters get (bot.lifecycle) ----------------------------

    def register_platform(self, platform: str, directory: Directory, messenger: Messenger) -> None:
        self.directories[platform] = directory
        self.messengers[platform] = messenger

    async def caught_up(self) -> None:
        await self.deliveries.caught_up()

    async def first_sighting(self, key: str) -> bool:
        return await self.store.events.first_sighting(key, self.clock.now())

    async def health(
        self, database_seconds: float = DATABASE_TIMEOUT_SECONDS
    ) -> tuple[int, dict[str, Any]]:
        from bot.health import check  # its web server stays out of the console's start-up

        return await check(
            self.store.outbox, self.content, database_seconds=database_seconds, clock=self.clock
        )

    @property
    def owner(self) -> str:
        """This process's name in the outbox's and the jobs' leases."""
        return self.deliveries.owner

    def start_background(self) -> None:
        """The outbox worker (resuming whatever a previous run left pending) and the jobs."""
        self._stop.clear()
        log.info("leasing outbox items and jobs as %s", self.owner)
        self._tasks.append(
            asyncio.create_task(self.deliveries.run_forever(self.desk.outbox_changed, self._stop))
        )
        self._tasks.append(asyncio.create_task(self.jobs.run_forever(self._stop)))
        if isinstance(self.content, CommunityContent):
            # Other processes' uploads and reverts reach this one's catalogs.
            self._tasks.append(asyncio.create_task(self.content.follow(self._stop)))
        if self.settings.watch_content and isinstance(self.content, ContentHolder):
            self._watcher = asyncio.create_task(self.content.watch())

    async def flush_outbox(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Deliver what the outbox holds, then stop the background work.

        An adapter calls it on shutdown after it has finished its work in flight and
        before it closes its platform session (the outbox sends through it); ``aclose``
        calls it too. Whatever is not delivered within ``timeout`` seconds (default: the
        settings') stays in the outbox, committed, for the next start: at-least-once,
        never lost. True when the worker finished in time; calling it again is harmless.
        """
        self._stop.set()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if not self._tasks:
            return True
        limit = self.settings.flush_seconds if timeout is None else timeout
        done, pending = await asyncio.wait(self._tasks, timeout=limit)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("background task failed", exc_info=task.exception())
        if pending:
            log.warning("outbox flush not finished after %.0fs; stopping it", limit)
        self._tasks.clear()
        return not pending

    async def aclose(self, flush_timeout: float | None = None) -> None:
        """Stop the background work, flush the outbox (bounded), close the database.

        Call it once the adapters have stopped taking work and finished what was in
        flight. Safe to call twice.
        """
        if self._closed:
            return
        self._closed = True
        await self.flush_outbox(flush_timeout)
        try:
            left = await asyncio.wait_for(self.store.outbox.pending_outbox_count(), CLOSE_SECONDS)
        except Exception:
            log.exception("could not count the outbox before closing")
        else:
            if left:
                log.info("%d outbox item(s) left for the next start", left)
        try:
            await self.store.close_store()
        finally:
            if self.data_lock is not None:
                self.data_lock.release()
        log.info("database closed")


async def open_store(settings: Settings) -> Stores:
    """The database the settings name: PostgreSQL at UPSTANDER_DATABASE_URL, else the
    SQLite file in the data directory; migrated, and its keys checked, before it serves."""
    return sql_stores(await open_settings_database(settings))


async def open_settings_database(settings: Settings) -> Database:
    cipher = Cipher(
        load_key(settings.secret_key, settings.data_dir), load_old_keys(settings.old_secret_keys)
    )
    if settings.database_url:
        url = settings.database_url
    else:
        prepare_sqlite_file(settings.database)
        url = sqlite_url(settings.database)
    return await open_database(url, cipher, schema=settings.database_schema)


def _deliveries(
    settings: Settings, store: Stores, messengers: dict[str, Messenger], clock: Clock, owner: str
) -> Deliveries:
    """The outbox worker, its lease from the settings; a send may take a quarter of it."""
    lease = settings.outbox_lease_seconds
    policy = DeliveryPolicy(lease=timedelta(seconds=lease), send_timeout=lease / 4)
    outbox, checkins, copies = store.outbox, store.checkins, store.copies
    return Deliveries(
        outbox, checkins, messengers, clock, owner=owner, policy=policy, copies=copies
    )


async def upgrade_database(settings: Settings) -> None:
    """Migrate the database to the latest revision (SQLite: only while no bot runs on it)."""
    lock = None if settings.database_url else DataDirLock.take(settings.data_dir)
    try:
        store = await open_store(settings)
        await store.close_store()
    finally:
        if lock is not None:
            lock.release()


async def _release_dead_leases(store: Stores) -> None:
    """Under the data-directory lock no other process runs: a lease left is a dead one's,
    and its messages go out now rather than when it ends."""
    released = await store.outbox.release_outbox_leases()
    if released:
        log.info("%d outbox item(s) leased by a process that stopped are free again", released)


async def rotate_keys(settings: Settings) -> Rotated:
    """`keys rotate`: everything re-sealed under UPSTANDER_SECRET_KEY (SQLite: only while
    no bot runs on it; PostgreSQL: bots may keep serving)."""
    lock = None if settings.database_url else DataDirLock.take(settings.data_dir)
    try:
        db = await open_settings_database(settings)
        try:
            return await rotation.rotate_keys(db)
        finally:
            await db.close()
    finally:
        if lock is not None:
            lock.release()


async def build(
    settings: Settings,
    *,
    store: Stores | None = None,
    content: ContentSource | None = None,
    clock: Clock | None = None,
) -> Runtime:
    clock = clock or SystemClock()
    content = content or await CommunityContent.open(settings.content_dir, settings.resources_file)
    data_lock: DataDirLock | None = None
    database: Database | None = None
    if store is None:
        store, data_lock, database = await _open_own_store(settings)
    if isinstance(content, CommunityContent):
        content.attach(store.content_files, settings.community_content_dir)
    directories: dict[str, Directory] = {}
    messengers: dict[str, Messenger] = {}
    erasure = Erasure(store.copies, store.practice, clock)
    services = _services(settings, content, store, clock, Access(directories), erasure)
    passes = _periodic(settings, content, store, clock, services, erasure)
    owner = new_owner_id()
    jobs = periodic_jobs(store, clock, services.desk, passes)
    return Runtime(
        settings=settings,
        content=content,
        store=store,
        clock=clock,
        app=Upstander(services),
        desk=services.desk,
        deliveries=_deliveries(settings, store, messengers, clock, owner),
        escalation=passes.escalation,
        jobs=JobRunner(store.leases, clock, jobs, owner=owner),
        directories=directories,
        messengers=messengers,
        data_lock=data_lock,
        idle=passes.idle,
        group=services.group,
        communities=passes.communities,
        database=database,
    )


def _periodic(
    settings: Settings,
    content: ContentSource,
    store: Stores,
    clock: Clock,
    services: Services,
    erasure: Erasure,
) -> Periodic:
    return Periodic(
        Escalation(content, store.checkins, clock, settings.desk, erasure, services.setup.book),
        IdleWatch(content, store.handover, clock, settings.desk, erasure),
        services.group,
        services.weekly,
        Communities(store.communities, clock, settings.removed_community_grace),
    )


async def _open_own_store(
    settings: Settings,
) -> tuple[Stores, DataDirLock | None, Database]:
    """The settings' database and its stores, with the data directory's lock when it is
    SQLite."""
    data_lock: DataDirLock | None = None
    if not settings.database_url:
        # SQLite serves one process: before the file is touched, a second bot on this
        # data directory stops here. PostgreSQL serves any number.
        data_lock = DataDirLock.take(settings.data_dir)
    try:
        database = await open_settings_database(settings)
        store = sql_stores(database)
        if data_lock is not None:
            await _release_dead_leases(store)
    except BaseException:
        if data_lock is not None:
            data_lock.release()
        raise
    return store, data_lock, database


def _services(
    settings: Settings,
    content: ContentSource,
    store: Stores,
    clock: Clock,
    access: Access,
    erasure: Erasure,
) -> Services:
    """The core's services on one store, content and clock."""
    limits = CommunityLimits(clock, settings.limits)
    book = SettingsBook(store.settings, settings.desk)
    desk = Desk(
        content,
        store.checkins,
        store.volunteers,
        store.handover,
        access,
        clock,
        settings.desk,
        erasure,
        limits,
        book,
    )
    return Services(
        content=content,
        practice=Practice(content, store.practice, store.stats, clock),
        library=Library(content, store.stats),
        desk=desk,
        mydata=MyData(content, store.practice, store.checkins, desk, erasure),
        moderation=Moderation(
            content, store.checkins, store.audit, Stats(store.stats), access, limits
        ),
        group=GroupPractice(content, store.groups, access, clock, settings.group_idle),
        weekly=WeeklyPractice(content, store.schedules, store.groups, access, clock),
        content_admin=ContentAdmin(content, store.content_files, access, clock),
        limits=limits,
        setup=Setup(content, access, book, clock),
    )


@dataclass(frozen=True, slots=True)
class Periodic:
    """The core services whose passes run as jobs."""

    escalation: Escalation
    idle: IdleWatch
    group: GroupPractice
    weekly: WeeklyPractice
    communities: Communities


def periodic_jobs(store: Stores, clock: Clock, desk: Desk, passes: Periodic) -> list[Job]:
    """The jobs that run once per period across every process on the store."""

    async def escalate() -> None:
        if await passes.escalation.tick():
            desk.outbox_changed.set()

    async def close_idle() -> None:
        if await passes.idle.idle_round():
            desk.outbox_changed.set()

    async def purge() -> None:
        await passes.escalation.purge()
        # The purge queues the deletion of copies of members' words: wake the worker.
        desk.outbox_changed.set()

    async def post_scenarios_of_the_week() -> None:
        if await passes.weekly.post_due():
            desk.outbox_changed.set()

    async def forget_sightings() -> None:
        await store.events.forget_sightings(clock.now() - SIGHTINGS_KEPT)

    return [
        Job("escalation", ESCALATION_PERIOD, escalate),
        Job("idle-close", IDLE_PERIOD, close_idle),
        Job("group-practice-expiry", GROUP_EXPIRY_PERIOD, passes.group.expire_idle_groups),
        Job("scenario-of-the-week", WEEKLY_PERIOD, post_scenarios_of_the_week),
        Job("retention-purge", PURGE_PERIOD, purge),
        Job("forget-event-sightings", SIGHTINGS_PERIOD, forget_sightings),
        community_purge_job(passes.communities),
    ]
