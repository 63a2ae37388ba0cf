"""The check-in desk: a private request for support, routed to volunteers.

Order of care: crisis lines first; stored before "received"; volunteers see a pseudonym,
never the text on the card and never who an anonymous member is.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from datetime import datetime

from bot.core.access import Access
from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog
from bot.core.clock import Clock
from bot.core.crisis import crisis_section, region_for, shows_danger
from bot.core.desk_support import (
    ANONYMOUS,
    BLOCK,
    CANCEL,
    CLOSE,
    CONFIRM,
    FIELD_CATEGORY,
    FIELD_IDENTITY,
    FIELD_TEXT,
    FIELD_URGENCY,
    KEEP_OPEN,
    MAX_TEXT,
    NAMED,
    RATE,
    DeskSettings,
    card,
    card_claimed,
    card_closed,
    checkin_form,
    dm,
    new_id,
    new_pseudonym,
    outbox_item,
    volunteers,
)
from bot.core.errors import Conflict, NotFound, UserFacingError
from bot.core.messages import Action, Outbound, Reply, Section, Style
from bot.core.models import AuditEntry, CheckIn, CheckinStatus, OutboxItem
from bot.core.ports import CheckinStore, ContentSource, OutboxStore, VolunteerStore
from bot.core.resources_view import resource_lines

SUPPORT_TOPIC = "wellbeing-burnout"

# Logs name check-ins by id and pseudonym only: never a member, never their words.
log = logging.getLogger(__name__)


class Desk:
    def __init__(
        self,
        content: ContentSource,
        store: CheckinStore,
        volunteers: VolunteerStore,
        outbox: OutboxStore,
        access: Access,
        clock: Clock,
        settings: DeskSettings,
    ) -> None:
        self._content = content
        self._store = store
        self._volunteers = volunteers
        self._outbox = outbox
        self._access = access
        self._clock = clock
        self._settings = settings
        # Set whenever the outbox gains items, so the delivery worker wakes at once.
        self.outbox_changed = asyncio.Event()

    # -- the member's side: open ---------------------------------------------------

    async def form(self, actor: Actor) -> Reply:
        catalog, locale = self._locale(actor)
        await self._check_may_open(actor, catalog, locale)
        return Reply(
            sections=(Section(catalog.text(locale, "checkin.form_intro")),),
            form=checkin_form(catalog, locale),
        )

    async def submit(self, actor: Actor, values: Mapping[str, str]) -> Reply:
        """The form came back: screen it, keep it as a draft, and ask the member to confirm."""
        catalog, locale = self._locale(actor)
        identity = values.get(FIELD_IDENTITY, "")
        urgency = values.get(FIELD_URGENCY, "")
        category = values.get(FIELD_CATEGORY, "") or "other"
        text = values.get(FIELD_TEXT, "").strip()[:MAX_TEXT]
        crisis = shows_danger(catalog, text, urgency)
        pinned = self._pinned(catalog, locale, actor, crisis)
        if identity not in (ANONYMOUS, NAMED) or urgency not in catalog.checkin_urgencies:
            # Not sent until the member has chosen: show the form again, crisis lines first.
            return Reply(
                pinned=pinned,
                sections=(Section(catalog.text(locale, "checkin.choose_required")),),
                form=checkin_form(catalog, locale),
            )
        if category not in catalog.checkin_categories:
            category = catalog.checkin_categories[-1] if catalog.checkin_categories else "other"
        try:
            await self._check_may_open(actor, catalog, locale)
        except UserFacingError as exc:
            return self._refusal(catalog, locale, pinned, exc)
        checkin = CheckIn(
            id=new_id(),
            platform=actor.platform,
            member=actor.key,
            member_user_id=actor.user_id,
            member_name=actor.display_name if identity == NAMED else "",
            pseudonym=new_pseudonym(),
            category=category,
            urgency=urgency,
            anonymous=identity == ANONYMOUS,
            text=text,
            crisis=crisis,
            locale=locale,
            status=CheckinStatus.DRAFT,
            created_at=self._clock.now(),
        )
        await self._store.save_draft(checkin)
        return Reply(
            pinned=pinned,
            sections=(self._summary(catalog, locale, checkin),),
            actions=(
                Action(
                    CONFIRM,
                    checkin.id,
                    catalog.text(locale, "checkin.confirm_button"),
                    Style.PRIMARY,
                ),
                Action(CANCEL, checkin.id, catalog.text(locale, "checkin.cancel_button")),
            ),
            # A crisis reply is never edited away: the next answer comes as a new message.
            replace=False,
        )

    async def confirm(self, actor: Actor, checkin_id: str) -> Reply:
        """Send: the durable open, in one store call."""
        catalog, locale = self._locale(actor)
        now = self._clock.now()

        def card_for(opened: CheckIn) -> list[OutboxItem]:
            outbound = Outbound(volunteers(opened.platform), card(catalog, opened, now))
            return [outbox_item(opened, "card", outbound, now)]

        # Stored (with its card queued) and committed before anything tells the member it
        # was received: the store answers only after the commit.
        opening = await self._store.open_checkin(checkin_id, actor.key, now, card_for)
        checkin = opening.checkin
        if checkin is None:
            raise NotFound("error.checkin_gone")
        pinned = self._pinned(catalog, locale, actor, checkin.crisis)
        if not opening.opened:
            return Reply(
                pinned=pinned, sections=(Section(self._status_text(catalog, locale, checkin)),)
            )
        self.outbox_changed.set()
        log.info(
            "check-in %s opened (crisis=%s, urgency=%s)",
            checkin.id,
            checkin.crisis,
            checkin.urgency,
        )
        return self._received(catalog, locale, checkin, pinned, opening.volunteers_on_duty)

    async def cancel(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._locale(actor)
        checkin = await self._own_checkin(actor, checkin_id)
        pinned = self._pinned(catalog, locale, actor, checkin.crisis)
        if checkin.status is CheckinStatus.DRAFT:
            await self._store.purge_draft(checkin.id)
            text = catalog.text(locale, "checkin.cancelled")
        else:
            text = self._status_text(catalog, locale, checkin)
        return Reply(pinned=pinned, sections=(Section(text),), replace=not checkin.crisis)

    async def keep_open(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._locale(actor)
        checkin = await self._own_checkin(actor, checkin_id)
        pinned = self._pinned(catalog, locale, actor, checkin.crisis)
        return Reply(pinned=pinned, sections=(Section(catalog.text(locale, "checkin.kept_open")),))

    # -- volunteers ------------------------------------------------------------------

    async def availability(self, actor: Actor, command: str) -> Reply:
        catalog, locale = self._locale(actor)
        await self._access.require(actor, Role.VOLUNTEER, Role.LEAD)
        if command in ("on", "off"):
            await self._volunteers.set_availability(actor.key, actor.platform, command == "on")
        available = await self._volunteers.is_available(actor.key)
        waiting = [c for c in await self._store.unclaimed() if c.platform == actor.platform]
        claim = await self._store.active_claim(actor.key)
        lines = [
            catalog.text(locale, "volunteer.on" if available else "volunteer.off"),
            catalog.text(locale, "volunteer.waiting", count=len(waiting)),
        ]
        if claim is not None:
            lines.append(catalog.text(locale, "volunteer.current", pseudonym=claim.pseudonym))
        return Reply(sections=(Section("\n".join(lines)),))

    async def claim(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._locale(actor)
        await self._access.require(actor, Role.VOLUNTEER, Role.LEAD)
        checkin = await self._store.get_checkin(checkin_id)
        if (
            checkin is None
            or checkin.platform != actor.platform
            or checkin.status is CheckinStatus.DRAFT
        ):
            raise NotFound("error.checkin_gone")
        if checkin.member == actor.key:
            raise Conflict("checkin.cannot_claim_own")
        if checkin.status is not CheckinStatus.OPEN:
            raise Conflict("checkin.already_claimed")
        current = await self._store.active_claim(actor.key)
        if current is not None:
            raise Conflict("checkin.finish_current_first", pseudonym=current.pseudonym)
        now = self._clock.now()
        name = actor.display_name or catalog.text(catalog.default_locale, "volunteer.default_name")
        items = self._claim_outbox(catalog, checkin, actor, name, now)
        audit = AuditEntry(now, checkin.id, checkin.pseudonym, "claimed", name)
        if not await self._store.claim(
            checkin.id, (actor.key, actor.user_id, name), now, items, audit
        ):
            raise Conflict("checkin.already_claimed")
        self.outbox_changed.set()
        log.info("check-in %s claimed", checkin.id)
        return Reply(
            sections=(
                Section(catalog.text(locale, "checkin.claimed_you", pseudonym=checkin.pseudonym)),
            )
        )

    def _claim_outbox(
        self, catalog: Catalog, checkin: CheckIn, actor: Actor, name: str, now: datetime
    ) -> list[OutboxItem]:
        volunteer_locale = catalog.default_locale
        details = self._details(catalog, volunteer_locale, checkin)
        member_locale = checkin.locale
        member_pinned = self._pinned_for_checkin(catalog, member_locale, checkin)
        to_member = Reply(
            pinned=member_pinned,
            sections=(Section(catalog.text(member_locale, "checkin.volunteer_joined", name=name)),),
            actions=(
                Action(
                    CLOSE,
                    checkin.id,
                    catalog.text(member_locale, "checkin.close_button"),
                    Style.DANGER,
                ),
            ),
        )
        return [
            outbox_item(
                checkin, "details", Outbound(dm(checkin.platform, actor.user_id), details), now
            ),
            outbox_item(
                checkin,
                "notice",
                Outbound(dm(checkin.platform, checkin.member_user_id), to_member),
                now,
            ),
            outbox_item(
                checkin,
                "card_update",
                Outbound(volunteers(checkin.platform), card_claimed(catalog, checkin, name)),
                now,
            ),
        ]

    def _details(self, catalog: Catalog, locale: str, checkin: CheckIn) -> Reply:
        lines = [
            catalog.text(
                locale,
                "card.category",
                category=catalog.text(locale, f"category.{checkin.category}"),
            ),
            catalog.text(
                locale, "card.urgency", urgency=catalog.text(locale, f"urgency.{checkin.urgency}")
            ),
        ]
        if checkin.crisis:
            lines.insert(0, catalog.text(locale, "card.crisis"))
        if not checkin.anonymous and checkin.member_name:
            lines.append(catalog.text(locale, "details.shared_name", name=checkin.member_name))
        else:
            lines.append(catalog.text(locale, "details.anonymous"))
        sections = [
            Section(
                "\n".join(lines),
                title=catalog.text(locale, "details.title", pseudonym=checkin.pseudonym),
            )
        ]
        if checkin.text:
            sections.append(
                Section(checkin.text, title=catalog.text(locale, "details.their_words"))
            )
        sections.append(
            Section(catalog.text(locale, "details.how_to_talk", pseudonym=checkin.pseudonym))
        )
        return Reply(
            sections=tuple(sections),
            actions=(
                Action(
                    CLOSE, checkin.id, catalog.text(locale, "checkin.close_button"), Style.DANGER
                ),
                Action(BLOCK, checkin.id, catalog.text(locale, "checkin.block_button")),
            ),
        )

    # -- relay -----------------------------------------------------------------------

    async def message(self, actor: Actor, text: str) -> Reply | None:
        """A private message to the bot: relayed if the actor is in a conversation."""
        catalog, locale = self._locale(actor)
        text = text.strip()
        if not text:
            return None
        own = await self._store.active_checkin(actor.key)
        if own is not None:
            return await self._relay_from_member(catalog, locale, own, text)
        claim = await self._store.active_claim(actor.key)
        if claim is not None and await self._access.has_any(actor, Role.VOLUNTEER, Role.LEAD):
            return await self._relay_from_volunteer(catalog, claim, text)
        return Reply(sections=(Section(catalog.text(locale, "relay.nothing_open")),))

    async def _relay_from_member(
        self, catalog: Catalog, locale: str, checkin: CheckIn, text: str
    ) -> Reply | None:
        if checkin.status is not CheckinStatus.CLAIMED:
            return Reply(sections=(Section(catalog.text(locale, "relay.not_claimed_yet")),))
        now = self._clock.now()
        body = Reply(sections=(Section(text, title=checkin.pseudonym),))
        item = outbox_item(
            checkin, "relay", Outbound(dm(checkin.platform, checkin.claimed_by_user_id), body), now
        )
        await self._outbox.enqueue([item])
        self.outbox_changed.set()
        log.info("relayed a member message for check-in %s", checkin.id)
        return None

    async def _relay_from_volunteer(
        self, catalog: Catalog, checkin: CheckIn, text: str
    ) -> Reply | None:
        now = self._clock.now()
        title = catalog.text(checkin.locale, "relay.from_volunteer", name=checkin.claimed_by_name)
        body = Reply(sections=(Section(text, title=title),))
        item = outbox_item(
            checkin, "relay", Outbound(dm(checkin.platform, checkin.member_user_id), body), now
        )
        await self._outbox.enqueue([item])
        self.outbox_changed.set()
        return None

    # -- closing, rating, blocking ---------------------------------------------------

    async def close(self, actor: Actor, checkin_id: str | None = None) -> Reply:
        catalog, locale = self._locale(actor)
        checkin = await self._closable(actor, checkin_id)
        side = "member" if checkin.member == actor.key else "volunteer"
        await self._close(catalog, checkin, side, actor.display_name)
        key = (
            "checkin.closed_by_you_member"
            if side == "member"
            else "checkin.closed_by_you_volunteer"
        )
        return Reply(sections=(Section(catalog.text(locale, key, pseudonym=checkin.pseudonym)),))

    async def _closable(self, actor: Actor, checkin_id: str | None) -> CheckIn:
        if checkin_id is None:
            found = await self._store.active_checkin(actor.key) or await self._store.active_claim(
                actor.key
            )
            if found is None:
                raise NotFound("checkin.nothing_to_close")
            return found
        checkin = await self._store.get_checkin(checkin_id)
        if checkin is None:
            raise NotFound("error.checkin_gone")
        is_member = checkin.member == actor.key
        is_claimer = checkin.claimed_by == actor.key and await self._access.has_any(
            actor, Role.VOLUNTEER, Role.LEAD
        )
        if not (is_member or is_claimer):
            raise NotFound("error.checkin_gone")
        if not checkin.is_active:
            raise Conflict("checkin.already_closed")
        return checkin

    async def _close(self, catalog: Catalog, checkin: CheckIn, side: str, by_name: str) -> None:
        now = self._clock.now()
        items = [
            outbox_item(
                checkin,
                "card_update",
                Outbound(volunteers(checkin.platform), card_closed(catalog, checkin)),
                now,
            )
        ]
        member_locale = checkin.locale
        if side != "member" and checkin.member_user_id:
            notice = catalog.text(member_locale, "checkin.closed_by_volunteer")
            items.append(
                outbox_item(
                    checkin,
                    "notice",
                    Outbound(
                        dm(checkin.platform, checkin.member_user_id),
                        Reply(sections=(Section(notice),)),
                    ),
                    now,
                )
            )
        if side == "member" and checkin.claimed_by_user_id:
            notice = catalog.text(
                catalog.default_locale, "checkin.closed_by_member", pseudonym=checkin.pseudonym
            )
            items.append(
                outbox_item(
                    checkin,
                    "notice",
                    Outbound(
                        dm(checkin.platform, checkin.claimed_by_user_id),
                        Reply(sections=(Section(notice),)),
                    ),
                    now,
                )
            )
        if checkin.member_user_id:
            items.append(
                outbox_item(
                    checkin,
                    "notice",
                    Outbound(
                        dm(checkin.platform, checkin.member_user_id),
                        self._rating_request(catalog, checkin),
                    ),
                    now,
                )
            )
        who = (
            by_name
            if side == "volunteer"
            else catalog.text(catalog.default_locale, "audit.the_member")
        )
        audit = AuditEntry(now, checkin.id, checkin.pseudonym, "closed", who)
        if not await self._store.close(checkin.id, side, now, items, audit):
            raise Conflict("checkin.already_closed")
        self.outbox_changed.set()
        log.info("check-in %s closed by the %s", checkin.id, side)

    def _rating_request(self, catalog: Catalog, checkin: CheckIn) -> Reply:
        locale = checkin.locale
        stars = tuple(Action(RATE, f"{checkin.id}:{n}", str(n)) for n in range(1, 6))
        skip = Action(RATE, f"{checkin.id}:0", catalog.text(locale, "checkin.rate_skip"))
        return Reply(
            sections=(Section(catalog.text(locale, "checkin.rate_ask")),), actions=(*stars, skip)
        )

    async def rate(self, actor: Actor, arg: str) -> Reply:
        catalog, locale = self._locale(actor)
        checkin_id, _, value = arg.partition(":")
        checkin = await self._own_checkin(actor, checkin_id)
        rating = int(value) if value.isdigit() else 0
        if 1 <= rating <= 5:
            await self._store.rate(checkin.id, rating)
        return Reply(sections=(Section(catalog.text(locale, "checkin.rate_thanks")),), replace=True)

    async def block(self, actor: Actor, checkin_id: str) -> Reply:
        """The claiming volunteer blocks the pseudonym: never told who it is."""
        catalog, locale = self._locale(actor)
        await self._access.require(actor, Role.VOLUNTEER, Role.LEAD)
        checkin = await self._store.get_checkin(checkin_id)
        if checkin is None or checkin.claimed_by != actor.key:
            raise NotFound("error.checkin_gone")
        now = self._clock.now()
        if checkin.member:
            await self._volunteers.block(checkin.member, now + self._settings.block_for)
        if checkin.is_active:
            await self._close(catalog, checkin, "volunteer", actor.display_name)
        return Reply(
            sections=(
                Section(catalog.text(locale, "checkin.blocked", pseudonym=checkin.pseudonym)),
            )
        )

    # -- helpers ---------------------------------------------------------------------

    def _locale(self, actor: Actor) -> tuple[Catalog, str]:
        catalog = self._content.current
        return catalog, catalog.locale_for(actor.locale)

    async def _own_checkin(self, actor: Actor, checkin_id: str) -> CheckIn:
        checkin = await self._store.get_checkin(checkin_id)
        if checkin is None or checkin.member != actor.key:
            raise NotFound("error.checkin_gone")
        return checkin

    async def _check_may_open(self, actor: Actor, catalog: Catalog, locale: str) -> None:
        now = self._clock.now()
        state = await self._store.opening_state(actor.key)
        until = state.blocked_until
        if until is not None and until > now:
            raise Conflict("checkin.blocked_member")
        if state.active is not None:
            raise Conflict("checkin.already_open", pseudonym=state.active.pseudonym)
        last = state.last_closed_at
        if last is not None and now - last < self._settings.cooldown:
            wait = math.ceil((self._settings.cooldown - (now - last)).total_seconds() / 60)
            raise Conflict("checkin.cooldown", minutes=wait)

    def _refusal(
        self, catalog: Catalog, locale: str, pinned: tuple[Section, ...], exc: UserFacingError
    ) -> Reply:
        # Refused or not, a member who wrote about danger still gets the crisis lines first.
        sections = [Section(catalog.text(locale, exc.key, **exc.params))]
        sections.append(self._support_resources(catalog, locale))
        return Reply(pinned=pinned, sections=tuple(sections))

    def _pinned(
        self, catalog: Catalog, locale: str, actor: Actor, crisis: bool
    ) -> tuple[Section, ...]:
        if not crisis:
            return ()
        region = region_for(self._settings.crisis_region, actor.locale)
        return (crisis_section(catalog, locale, region),)

    def _pinned_for_checkin(
        self, catalog: Catalog, locale: str, checkin: CheckIn
    ) -> tuple[Section, ...]:
        if not checkin.crisis:
            return ()
        return (crisis_section(catalog, locale, region_for(self._settings.crisis_region, None)),)

    def _summary(self, catalog: Catalog, locale: str, checkin: CheckIn) -> Section:
        identity = "identity.anonymous" if checkin.anonymous else "identity.named"
        lines = [
            catalog.text(
                locale,
                "checkin.summary_category",
                category=catalog.text(locale, f"category.{checkin.category}"),
            ),
            catalog.text(
                locale,
                "checkin.summary_urgency",
                urgency=catalog.text(locale, f"urgency.{checkin.urgency}"),
            ),
            catalog.text(
                locale, "checkin.summary_identity", identity=catalog.text(locale, identity)
            ),
            catalog.text(
                locale,
                "checkin.summary_text",
                text=checkin.text or catalog.text(locale, "checkin.summary_no_text"),
            ),
            catalog.text(locale, "checkin.summary_who_sees"),
        ]
        return Section("\n".join(lines), title=catalog.text(locale, "checkin.summary_title"))

    def _received(
        self,
        catalog: Catalog,
        locale: str,
        checkin: CheckIn,
        pinned: tuple[Section, ...],
        volunteers_on_duty: bool,
    ) -> Reply:
        sections = [Section(catalog.text(locale, "checkin.received", pseudonym=checkin.pseudonym))]
        actions: list[Action] = []
        if not volunteers_on_duty:
            # Honest: nobody is on duty. Their request stays open unless they withdraw it.
            sections.append(Section(catalog.text(locale, "checkin.nobody_available")))
            sections.append(self._support_resources(catalog, locale))
            actions = [
                Action(
                    KEEP_OPEN,
                    checkin.id,
                    catalog.text(locale, "checkin.keep_open_button"),
                    Style.PRIMARY,
                ),
                Action(CLOSE, checkin.id, catalog.text(locale, "checkin.withdraw_button")),
            ]
        else:
            sections.append(Section(catalog.text(locale, "checkin.what_next")))
            actions = [Action(CLOSE, checkin.id, catalog.text(locale, "checkin.withdraw_button"))]
        return Reply(pinned=pinned, sections=tuple(sections), actions=tuple(actions))

    def _support_resources(self, catalog: Catalog, locale: str) -> Section:
        ids = [r.id for r in catalog.resources.values() if r.topic == SUPPORT_TOPIC][:3]
        lines = resource_lines(catalog, ids)
        return Section(
            "\n".join(lines) or catalog.text(locale, "checkin.meanwhile_none"),
            title=catalog.text(locale, "checkin.meanwhile"),
        )

    def _status_text(self, catalog: Catalog, locale: str, checkin: CheckIn) -> str:
        return catalog.text(
            locale, f"checkin.status_{checkin.status.value}", pseudonym=checkin.pseudonym
        )
