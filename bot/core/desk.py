"""The check-in desk: a private request for support, routed to volunteers.

Order of care: crisis lines first; stored before "received"; volunteers see a pseudonym,
never the text on the card and never who an anonymous member is.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from bot.core.access import Access
from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog
from bot.core.clock import Clock
from bot.core.crisis import Stage, crisis_section, pinned_for_checkin, region_for, shows_danger
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
    outbox_item,
    volunteers,
)
from bot.core.erasure import Erasure
from bot.core.errors import Conflict, NotFound, UserFacingError
from bot.core.handover import Handover
from bot.core.messages import Action, Outbound, Reply, Section, Style
from bot.core.models import AuditEntry, CheckIn, CheckinStatus, OpeningState, OutboxItem
from bot.core.ports import CheckinStore, ContentSource, HandoverStore, VolunteerStore
from bot.core.pseudonyms import unique_pseudonym
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
        handover: HandoverStore,
        access: Access,
        clock: Clock,
        settings: DeskSettings,
        erasure: Erasure,
    ) -> None:
        self._erasure = erasure
        self._content = content
        self._store = store
        self._volunteers = volunteers
        self._handover_store = handover
        self._access = access
        self._clock = clock
        self._settings = settings
        # Set whenever the outbox gains items, so the delivery worker wakes at once.
        self.outbox_changed = asyncio.Event()
        self.handover = Handover(
            content, store, volunteers, handover, access, clock, settings, self.outbox_changed
        )

    # -- the member's side: open ---------------------------------------------------

    async def form(self, actor: Actor) -> Reply:
        catalog, locale = self._locale(actor)
        refused = await self._refused(actor, catalog, locale, crisis=False)
        if refused is not None:
            return refused
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
        pinned = self._pinned(catalog, locale, actor, crisis, Stage.DRAFT)
        if identity not in (ANONYMOUS, NAMED) or urgency not in catalog.checkin_urgencies:
            # Not sent until the member has chosen: show the form again, crisis lines first.
            return Reply(
                pinned=pinned,
                sections=(Section(catalog.text(locale, "checkin.choose_required")),),
                form=checkin_form(catalog, locale),
            )
        if category not in catalog.checkin_categories:
            category = catalog.checkin_categories[-1] if catalog.checkin_categories else "other"
        refused = await self._refused(actor, catalog, locale, crisis=crisis)
        if refused is not None:
            return refused
        checkin = CheckIn(
            id=new_id(),
            platform=actor.platform,
            member=actor.key,
            member_user_id=actor.user_id,
            member_name=actor.display_name if identity == NAMED else "",
            pseudonym=await unique_pseudonym(
                self._store, actor.platform, since=self._clock.now() - self._settings.retention
            ),
            category=category,
            urgency=urgency,
            anonymous=identity == ANONYMOUS,
            text=text,
            crisis=crisis,
            locale=locale,
            status=CheckinStatus.DRAFT,
            created_at=self._clock.now(),
            region=region_for(self._settings.crisis_region, actor.locale) or "",
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
        pinned = self._pinned_for_checkin(catalog, locale, checkin, _stage_of(checkin))
        status = self._status_text(catalog, locale, checkin)
        if not opening.opened:
            # A second press: say where it stands, and settle the summary it came from.
            settled = self._settled(catalog, locale, checkin, status)
            return Reply(pinned=pinned, sections=(Section(status),), pressed=settled)
        self.outbox_changed.set()
        log.info(
            "check-in %s opened (crisis=%s, urgency=%s)",
            checkin.id,
            checkin.crisis,
            checkin.urgency,
        )
        received = self._received(catalog, locale, checkin, pinned, opening.volunteers_on_duty)
        sent = catalog.text(locale, "checkin.summary_sent", pseudonym=checkin.pseudonym)
        return replace(received, pressed=self._settled(catalog, locale, checkin, sent))

    async def cancel(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._locale(actor)
        checkin = await self._own_checkin(actor, checkin_id)
        if checkin.status is CheckinStatus.DRAFT:
            await self._store.purge_draft(checkin.id)
            stage = Stage.NOT_SENT
            text = catalog.text(locale, "checkin.cancelled")
            status = catalog.text(locale, "checkin.summary_not_sent")
        else:
            # Sent already: Cancel no longer withdraws it, and says so.
            stage = _stage_of(checkin)
            text = status = self._status_text(catalog, locale, checkin)
        pinned = self._pinned_for_checkin(catalog, locale, checkin, stage)
        settled = self._settled(catalog, locale, checkin, status, stage)
        return Reply(pinned=pinned, sections=(Section(text),), pressed=settled)

    async def keep_open(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._locale(actor)
        checkin = await self._own_checkin(actor, checkin_id)
        pinned = self._pinned_for_checkin(catalog, locale, checkin, _stage_of(checkin))
        return Reply(pinned=pinned, sections=(Section(catalog.text(locale, "checkin.kept_open")),))

    # -- volunteers ------------------------------------------------------------------

    async def availability(self, actor: Actor, command: str) -> Reply:
        catalog, locale = self._locale(actor)
        await self._access.require(actor, Role.VOLUNTEER, Role.LEAD)
        verb, _, setting = command.partition(" ")
        if verb == "anonymous":
            return await self.handover.anonymity(actor, setting.strip())
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
            if command == "off":
                # Off duty with someone still in the conversation: ask, never drop it.
                return self.handover.off_duty_question(actor, lines, claim)
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
        joined = await self.handover.joined_text(catalog, checkin, actor.key, name)
        items = self._claim_outbox(catalog, checkin, actor, (name, joined), now)
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
        self,
        catalog: Catalog,
        checkin: CheckIn,
        actor: Actor,
        named: tuple[str, str],
        now: datetime,
    ) -> list[OutboxItem]:
        """`named`: the volunteer's name (for volunteers) and what the member is told."""
        name, joined = named
        volunteer_locale = catalog.default_locale
        details = self._details(catalog, volunteer_locale, checkin)
        member_locale = checkin.locale
        member_pinned = self._pinned_for_checkin(catalog, member_locale, checkin, Stage.SENT)
        to_member = Reply(
            pinned=member_pinned,
            sections=(Section(joined),),
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
            # A DM carries no locale on either platform: answer in the check-in's language.
            return await self._relay_from_member(catalog, own.locale, own, text)
        claim = await self._store.active_claim(actor.key)
        if claim is not None and await self._access.has_any(actor, Role.VOLUNTEER, Role.LEAD):
            return await self._relay_from_volunteer(catalog, claim, text)
        return Reply(sections=(Section(catalog.text(locale, "relay.nothing_open")),))

    async def _relay_from_member(
        self, catalog: Catalog, locale: str, checkin: CheckIn, text: str
    ) -> Reply | None:
        if checkin.status is not CheckinStatus.CLAIMED:
            return Reply(
                pinned=self._pinned_for_checkin(catalog, locale, checkin, Stage.SENT),
                sections=(Section(catalog.text(locale, "relay.not_claimed_yet")),),
            )
        now = self._clock.now()
        body = Reply(sections=(Section(text, title=checkin.pseudonym),))
        item = outbox_item(
            checkin, "relay", Outbound(dm(checkin.platform, checkin.claimed_by_user_id), body), now
        )
        await self._handover_store.relay(checkin.id, [item], now)
        self.outbox_changed.set()
        log.info("relayed a member message for check-in %s", checkin.id)
        return None

    async def _relay_from_volunteer(
        self, catalog: Catalog, checkin: CheckIn, text: str
    ) -> Reply | None:
        now = self._clock.now()
        title = await self.handover.volunteer_title(catalog, checkin)
        pinned = self._pinned_for_checkin(catalog, checkin.locale, checkin, Stage.SENT)
        body = Reply(pinned=pinned, sections=(Section(text, title=title),))
        item = outbox_item(
            checkin, "relay", Outbound(dm(checkin.platform, checkin.member_user_id), body), now
        )
        await self._handover_store.relay(checkin.id, [item], now)
        self.outbox_changed.set()
        return None

    # -- closing, rating, blocking ---------------------------------------------------

    async def close(self, actor: Actor, checkin_id: str | None = None) -> Reply:
        catalog, locale = self._locale(actor)
        checkin = await self._closable(actor, checkin_id)
        side = "member" if checkin.member == actor.key else "volunteer"
        await self._close(catalog, checkin, side, actor.display_name)
        if side == "volunteer":
            text = catalog.text(
                locale, "checkin.closed_by_you_volunteer", pseudonym=checkin.pseudonym
            )
            return Reply(sections=(Section(text),))
        return Reply(
            pinned=self._pinned_for_checkin(catalog, locale, checkin, Stage.CLOSED),
            sections=(Section(catalog.text(locale, "checkin.closed_by_you_member")),),
        )

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
            pinned = self._pinned_for_checkin(catalog, member_locale, checkin, Stage.CLOSED)
            items.append(
                outbox_item(
                    checkin,
                    "notice",
                    Outbound(
                        dm(checkin.platform, checkin.member_user_id),
                        Reply(pinned=pinned, sections=(Section(notice),)),
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
        await self._erasure.sweep()
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

    async def _refused(
        self, actor: Actor, catalog: Catalog, locale: str, *, crisis: bool
    ) -> Reply | None:
        """Why the member may not open a check-in now, as a reply; None when they may.
        The crisis lines come first when their words called for them, when the refusal
        points to the lines (blocked), and when the request already open was flagged."""
        state = await self._store.opening_state(actor.key)
        refusal, stage = self._refusal(state)
        if refusal is None:
            return None
        if crisis and stage is None:
            stage = Stage.NOT_SENT
        if state.active is not None and stage is Stage.SENT:
            pinned = self._pinned_for_checkin(catalog, locale, state.active, stage)
        else:
            pinned = self._pinned(catalog, locale, actor, stage is not None, stage)
        sections = (
            Section(catalog.text(locale, refusal.key, **refusal.params)),
            self._support_resources(catalog, locale),
        )
        return Reply(pinned=pinned, sections=sections)

    def _refusal(self, state: OpeningState) -> tuple[UserFacingError | None, Stage | None]:
        now = self._clock.now()
        until = state.blocked_until
        if until is not None and until > now:
            return Conflict("checkin.blocked_member"), Stage.NOT_SENT
        if state.active is not None:
            active = state.active
            refusal = Conflict("checkin.already_open", pseudonym=active.pseudonym)
            return refusal, (Stage.SENT if active.crisis else None)
        last = state.last_closed_at
        if last is not None and now - last < self._settings.cooldown:
            wait = math.ceil((self._settings.cooldown - (now - last)).total_seconds() / 60)
            return Conflict("checkin.cooldown", minutes=wait), None
        return None, None

    def _pinned(
        self, catalog: Catalog, locale: str, actor: Actor, crisis: bool, stage: Stage | None
    ) -> tuple[Section, ...]:
        if not crisis or stage is None:
            return ()
        region = region_for(self._settings.crisis_region, actor.locale)
        return (crisis_section(catalog, locale, region, stage),)

    def _pinned_for_checkin(
        self, catalog: Catalog, locale: str, checkin: CheckIn, stage: Stage
    ) -> tuple[Section, ...]:
        if locale != checkin.locale:
            checkin = replace(checkin, locale=locale)
        return pinned_for_checkin(catalog, checkin, self._settings.crisis_region, stage)

    def _settled(
        self,
        catalog: Catalog,
        locale: str,
        checkin: CheckIn,
        status: str,
        stage: Stage | None = None,
    ) -> Reply:
        """The summary as it now stands: what happened instead of Send and Cancel."""
        pinned = self._pinned_for_checkin(catalog, locale, checkin, stage or _stage_of(checkin))
        sections = (self._summary(catalog, locale, checkin), Section(status))
        return Reply(pinned=pinned, sections=sections)

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


def _stage_of(checkin: CheckIn) -> Stage:
    if checkin.status is CheckinStatus.DRAFT:
        return Stage.DRAFT
    return Stage.CLOSED if checkin.status is CheckinStatus.CLOSED else Stage.SENT
