"""The core's front door: every adapter calls these methods and renders what they return.

Expected failures become the member-facing copy they name; anything else is logged and
the member gets a fixed, kind apology — never the exception's text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core import group_view
from bot.core.actors import Actor
from bot.core.catalog import Catalog
from bot.core.commands import PLAIN, SPELLINGS, Spelling, addressing
from bot.core.content_admin import ContentAdmin, ContentCommands
from bot.core.desk import Desk
from bot.core.desk_support import (
    BLOCK,
    CANCEL,
    CLAIM,
    CLOSE,
    CONFIRM,
    FORM_ID,
    HAND_BACK,
    KEEP_CLAIM,
    KEEP_OPEN,
    RATE,
    REQUEUE,
    REQUEUE_CANCEL,
    REQUEUE_CONFIRM,
)
from bot.core.errors import NotFound, UserFacingError
from bot.core.group_practice import GroupPractice
from bot.core.library import PAGE, TOPIC, Library, Query
from bot.core.limits import CommunityLimits
from bot.core.messages import Option, Reply, Section, parse_action_id
from bot.core.moderation import Moderation
from bot.core.mydata import DELETE_CANCEL, DELETE_CONFIRM, MyData
from bot.core.ports import ContentSource
from bot.core.practice import BEGIN, CHOOSE, INTRO, MENU, MENU_PAGE, RESUME, STOP, Practice
from bot.core.practice import CANCEL as PRACTICE_CANCEL
from bot.core.setup import Setup
from bot.core.weekly import FORM_PREFIX as SCHEDULE_FORM
from bot.core.weekly import WeeklyPractice

log = logging.getLogger(__name__)

Handler = Callable[[Actor, str], Awaitable[Reply]]
# Presses that take a turn of their community's practice share (bot/core/limits.py).
PRACTICE_KINDS = frozenset(
    {MENU, MENU_PAGE, INTRO, BEGIN, CHOOSE, STOP, RESUME, PRACTICE_CANCEL}
    | {group_view.BEGIN, group_view.CANCEL, group_view.VOTE, group_view.REVEAL, group_view.PICK}
)


@dataclass(frozen=True, slots=True)
class Services:
    content: ContentSource
    practice: Practice
    library: Library
    desk: Desk
    mydata: MyData
    moderation: Moderation
    group: GroupPractice
    weekly: WeeklyPractice
    content_admin: ContentAdmin
    setup: Setup
    # Per-community rate limits, for whatever else reloads a community's content.
    limits: CommunityLimits | None = None


class Upstander:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._spellings: dict[str, Spelling] = dict(SPELLINGS)
        # `/upstander content ...`: a community's own content files (issue 20.5).
        self.community_content = ContentCommands(services.content_admin, self._safely)
        s = services
        self._buttons: Mapping[str, Handler] = {
            MENU: lambda a, _arg: s.practice.menu(a),
            MENU_PAGE: s.practice.turn_page,
            INTRO: s.practice.intro,
            BEGIN: s.practice.begin,
            CHOOSE: s.practice.choose,
            STOP: s.practice.stop,
            RESUME: s.practice.resume,
            PRACTICE_CANCEL: lambda a, _arg: s.practice.cancel(a),
            TOPIC: lambda a, arg: s.library.search(a, Query(topic=arg)),
            PAGE: lambda a, arg: s.library.search(a, Query.decode(arg)),
            CONFIRM: s.desk.intake.confirm,
            CANCEL: s.desk.intake.cancel,
            KEEP_OPEN: s.desk.intake.keep_open,
            CLAIM: s.desk.conversation.claim,
            CLOSE: s.desk.conversation.close,
            RATE: s.desk.conversation.rate,
            BLOCK: s.desk.conversation.block,
            HAND_BACK: s.desk.handover.hand_back,
            KEEP_CLAIM: s.desk.handover.keep_claim,
            REQUEUE: s.desk.handover.ask_requeue,
            REQUEUE_CONFIRM: s.desk.handover.requeue,
            REQUEUE_CANCEL: s.desk.handover.cancel_requeue,
            DELETE_CONFIRM: lambda a, _arg: s.mydata.delete(a),
            group_view.BEGIN: s.group.begin,
            group_view.CANCEL: s.group.cancel,
            group_view.VOTE: s.group.vote,
            group_view.REVEAL: s.group.reveal,
            group_view.PICK: s.group.pick,
            DELETE_CANCEL: lambda a, _arg: s.mydata.keep(a),
        }

    def spell_commands(self, platform: str, spelling: Spelling) -> None:
        """How copy names commands for ``platform`` (Slack's slash command is configurable)."""
        self._spellings[platform] = spelling

    def text(self, actor: Actor, key: str, /, **params: object) -> str:
        """One text of the copy, in the actor's language, commands spelled for its platform."""
        catalog = self.services.content.catalog(actor.community)
        with addressing(self._spellings.get(actor.platform, PLAIN)):
            return catalog.text(catalog.locale_for(actor.locale), key, **params)

    # -- members -----------------------------------------------------------------------

    async def help(self, actor: Actor) -> Reply:
        return await self._safely(actor, self._help(actor))

    async def _help(self, actor: Actor) -> Reply:
        catalog = self.services.content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        return Reply(
            sections=(
                Section(
                    catalog.text(locale, "help.body"), title=catalog.text(locale, "help.title")
                ),
            )
        )

    async def practice(self, actor: Actor, scenario_id: str = "") -> Reply:
        practice = self.services.practice
        work = practice.intro(actor, scenario_id) if scenario_id else practice.menu(actor)
        return await self._safely(actor, _in_turn(self.services.limits, actor, work))

    async def practice_together(self, actor: Actor, scenario_id: str) -> Reply:
        """Group practice: the scenario posted in the channel for everyone to vote on."""
        work = self.services.group.start(actor, scenario_id)
        return await self._safely(actor, _in_turn(self.services.limits, actor, work))

    async def resources(
        self, actor: Actor, words: str = "", topic: str = "", kind: str = ""
    ) -> Reply:
        library = self.services.library
        if not (words or topic or kind):
            return await self._safely(actor, library.topics(actor))
        return await self._safely(
            actor, library.search(actor, Query(words=words, topic=topic, kind=kind))
        )

    async def checkin(self, actor: Actor) -> Reply:
        return await self._safely(actor, self.services.desk.intake.form(actor))

    async def submit_form(self, actor: Actor, form_id: str, values: Mapping[str, str]) -> Reply:
        if form_id.startswith(SCHEDULE_FORM):
            return await self._safely(actor, self.services.weekly.submit(actor, form_id, values))
        if form_id != FORM_ID:
            return await self._safely(actor, _raise(NotFound("error.unknown_action")))
        return await self._safely(actor, self.services.desk.intake.submit(actor, values))

    async def close_checkin(self, actor: Actor) -> Reply:
        return await self._safely(actor, self.services.desk.conversation.close(actor))

    async def message(self, actor: Actor, text: str) -> Reply | None:
        """A private message to the bot (a DM): relayed during a check-in."""
        with addressing(self._spellings.get(actor.platform, PLAIN)):
            try:
                await self.services.content.ready(actor.community)
                return await self.services.desk.conversation.message(actor, text)
            except UserFacingError as exc:
                return _said(
                    self.services.content.catalog(actor.community), actor, exc.key, exc.params
                )
            except Exception:
                log.exception("relaying a private message failed")
                return _said(
                    self.services.content.catalog(actor.community), actor, "error.sorry", {}
                )

    async def mydata(self, actor: Actor, command: str) -> Reply:
        mydata = self.services.mydata
        if command == "export":
            return await self._safely(actor, mydata.export(actor))
        if command == "delete":
            return await self._safely(actor, mydata.ask_delete(actor))
        return await self._safely(
            actor, _raise(NotFound("error.unknown_subcommand", command=command))
        )

    async def press(self, actor: Actor, action_id: str) -> Reply:
        kind, arg = parse_action_id(action_id)
        handler = self._buttons.get(kind)
        if handler is None:
            # A malformed or forged id: refuse without detail.
            log.warning("unknown action kind %r", kind[:40])
            return await self._safely(actor, _raise(NotFound("error.unknown_action")))
        work = _pressed(handler, actor, arg)
        if kind in PRACTICE_KINDS:
            work = _in_turn(self.services.limits, actor, work)
        return await self._safely(actor, work)

    def scenario_choices(self, actor: Actor, typed: str) -> tuple[Option, ...]:
        return self.services.practice.autocomplete(actor, typed)

    def topic_choices(self, actor: Actor, typed: str) -> tuple[Option, ...]:
        return self.services.library.topic_autocomplete(actor, typed)

    # -- volunteers and moderators ---------------------------------------------------

    async def volunteer(self, actor: Actor, command: str) -> Reply:
        return await self._safely(
            actor, self.services.desk.conversation.availability(actor, command)
        )

    async def reload(self, actor: Actor) -> Reply:
        return await self._safely(actor, self.services.moderation.reload(actor))

    async def stats(self, actor: Actor) -> Reply:
        return await self._safely(actor, self.services.moderation.stats(actor))

    async def audit(self, actor: Actor) -> Reply:
        return await self._safely(actor, self.services.moderation.audit(actor))

    async def schedule_add(
        self, actor: Actor, channel: str, weekday: str, time: str, zone: str, topics: str = ""
    ) -> Reply:
        """A scenario of the week in `channel` (issue 21.2)."""
        weekly = self.services.weekly
        return await self._safely(actor, weekly.add(actor, channel, weekday, time, zone, topics))

    async def schedule_form(self, actor: Actor, channel: str) -> Reply:
        """The form that schedules a scenario of the week in `channel` (a Slack modal)."""
        return await self._safely(actor, self.services.weekly.form(actor, channel))

    async def schedule(self, actor: Actor, words: str) -> Reply:
        """The text form: `add <channel> <weekday> <HH:MM> <zone> [topics]`, `list`,
        `pause <id>`, `resume <id>`, `remove <id>`."""
        weekly = self.services.weekly
        command, *rest = words.split() or ["list"]
        command = command.lower()
        if command == "add" and len(rest) >= 4:
            channel, weekday, time, zone, *topics = rest
            return await self.schedule_add(actor, channel, weekday, time, zone, " ".join(topics))
        if command == "list" and not rest:
            return await self._safely(actor, weekly.listing(actor))
        changes = {"pause": weekly.pause, "resume": weekly.resume, "remove": weekly.remove}
        if command in changes and len(rest) == 1:
            return await self._safely(actor, changes[command](actor, rest[0]))
        return await self._safely(actor, weekly.usage(actor))

    # -- community admins ----------------------------------------------------------------

    async def setup(self, actor: Actor, request: str | Mapping[str, str] = "") -> Reply:
        """`/upstander setup`: nothing shows the settings; `key=value` words (the text
        form) or changes by field name (Discord's options, Slack's modal) change them."""
        setup = self.services.setup
        if isinstance(request, str):
            return await self._safely(actor, setup.change_words(actor, request))
        work = setup.change(actor, request) if request else setup.show(actor)
        return await self._safely(actor, work)

    # -- error policy ------------------------------------------------------------------

    async def _safely(self, actor: Actor, work: Awaitable[Reply]) -> Reply:
        with addressing(self._spellings.get(actor.platform, PLAIN)):
            try:
                # The community's own catalog, built the first time one of its members
                # is served; at once for every other community.
                await self.services.content.ready(actor.community)
                return await work
            except UserFacingError as exc:
                return _said(
                    self.services.content.catalog(actor.community), actor, exc.key, exc.params
                )
            except Exception:
                log.exception("a request failed")
                return _said(
                    self.services.content.catalog(actor.community), actor, "error.sorry", {}
                )


def _said(catalog: Catalog, actor: Actor, key: str, params: Mapping[str, object]) -> Reply:
    """An expected failure's own message, or the fixed apology: never the exception text."""
    locale = catalog.locale_for(actor.locale)
    return Reply(sections=(Section(catalog.text(locale, key, **params)),))


async def _pressed(handler: Handler, actor: Actor, arg: str) -> Reply:
    # Inside the error policy: a handler may read its argument before it awaits anything
    # (Query.decode), and a forged id that trips it must get the apology, not an exception.
    return await handler(actor, arg)


async def _in_turn(
    limits: CommunityLimits | None, actor: Actor, work: Coroutine[Any, Any, Reply]
) -> Reply:
    """Practice work, done in a turn of its community's share: a burst in one community
    waits behind itself, not in front of another (bot/core/limits.py)."""
    if limits is None:
        return await work
    try:
        async with limits.practice.turn(actor.community):
            return await work
    finally:
        work.close()  # cancelled while waiting: never started, and no warning


async def _raise(exc: Exception) -> Reply:
    raise exc
