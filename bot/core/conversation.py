"""The check-in desk's conversation: a volunteer claims a check-in, gets its details
privately, messages are relayed both ways, and either side closes it; the member rates
it, and the claimer can block the pseudonym.

Volunteers see a pseudonym, never who an anonymous member is.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog
from bot.core.crisis import Stage
from bot.core.desk_context import DeskContext
from bot.core.desk_support import BLOCK, CLOSE, RATE, card_claimed, card_closed, volunteer_name
from bot.core.erasure import Erasure
from bot.core.errors import Conflict, NotFound
from bot.core.handover import Handover
from bot.core.messages import Action, Reply, Section, Style
from bot.core.models import AuditEntry, CheckIn, CheckinStatus, OutboxItem

# One logger for the whole desk; it names check-ins by id only, never a member or their words.
log = logging.getLogger("bot.core.desk")


class Conversation:
    def __init__(self, context: DeskContext, handover: Handover, erasure: Erasure) -> None:
        self._ctx = context
        self._handover = handover
        # Deletes the copies of the member's words once the conversation is closed.
        self._erasure = erasure

    # -- volunteers ------------------------------------------------------------------

    async def availability(self, actor: Actor, command: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        await self._ctx.access.require(actor, Role.VOLUNTEER, Role.LEAD)
        verb, _, setting = command.partition(" ")
        if verb == "anonymous":
            return await self._handover.anonymity(actor, setting.strip())
        if command in ("on", "off"):
            await self._ctx.volunteers.set_availability(actor.key, actor.community, command == "on")
        available = await self._ctx.volunteers.is_available(actor.key)
        waiting = await self._ctx.checkins.unclaimed(actor.community)
        claim = await self._ctx.checkins.active_claim(actor.key)
        lines = [
            catalog.text(locale, "volunteer.on" if available else "volunteer.off"),
            catalog.text(locale, "volunteer.waiting", count=len(waiting)),
        ]
        if claim is not None:
            lines.append(catalog.text(locale, "volunteer.current", pseudonym=claim.pseudonym))
            if command == "off":
                # Off duty with someone still in the conversation: ask, never drop it.
                return self._handover.off_duty_question(actor, lines, claim)
        return Reply(sections=(Section("\n".join(lines)),))

    async def claim(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        await self._ctx.access.require(actor, Role.VOLUNTEER, Role.LEAD)
        checkin = await self._claimable(actor, checkin_id)
        now = self._ctx.clock.now()
        name = volunteer_name(catalog, actor)
        joined = await self._handover.joined_text(catalog, checkin, actor.key, name)
        items = self._claim_outbox(catalog, checkin, actor, (name, joined), now)
        audit = AuditEntry(now, checkin.id, checkin.pseudonym, "claimed", name, checkin.community)
        claimer = (actor.key, actor.user_id, name)
        claimed = self._ctx.checkins.claim(checkin.id, claimer, now, items, audit)
        await self._ctx.queue_or_refuse(claimed, Conflict("checkin.already_claimed"))
        log.info("check-in %s claimed", checkin.id)
        text = catalog.text(locale, "checkin.claimed_you", pseudonym=checkin.pseudonym)
        return Reply(sections=(Section(text),))

    async def _claimable(self, actor: Actor, checkin_id: str) -> CheckIn:
        checkin = await self._ctx.checkins.get_checkin(checkin_id)
        if (
            checkin is None
            or checkin.community != actor.community
            or checkin.status is CheckinStatus.DRAFT
        ):
            raise NotFound("error.checkin_gone")
        if checkin.member == actor.key:
            raise Conflict("checkin.cannot_claim_own")
        if checkin.status is not CheckinStatus.OPEN:
            raise Conflict("checkin.already_claimed")
        current = await self._ctx.checkins.active_claim(actor.key)
        if current is not None:
            raise Conflict("checkin.finish_current_first", pseudonym=current.pseudonym)
        return checkin

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
        notices = self._ctx.notices(catalog, checkin, now)
        close = catalog.text(checkin.locale, "checkin.close_button")
        to_member = Reply(
            sections=(Section(joined),),
            actions=(Action(CLOSE, checkin.id, close, Style.DANGER),),
        )
        details = claimer_details(catalog, catalog.default_locale, checkin)
        return [
            notices.to_volunteer(actor.user_id, details, "details"),
            notices.to_member(to_member, crisis_stage=Stage.SENT),
            notices.to_channel(card_claimed(catalog, checkin, name)),
        ]

    # -- relay -----------------------------------------------------------------------

    async def in_conversation(self, actor: Actor) -> bool:
        """Whether a private message from the actor would be relayed somewhere: they have a
        check-in open, or have claimed one (adapters ask this in each community a DM may
        belong to)."""
        checkins = self._ctx.checkins
        if await checkins.active_checkin(actor.key) is not None:
            return True
        return await checkins.active_claim(actor.key) is not None

    async def message(self, actor: Actor, text: str) -> Reply | None:
        """A private message to the bot: relayed if the actor is in a conversation."""
        catalog, locale = self._ctx.catalog_and_locale(actor)
        text = text.strip()
        if not text:
            return None
        own = await self._ctx.checkins.active_checkin(actor.key)
        if own is not None:
            # A DM carries no locale on either platform: answer in the check-in's language.
            return await self._relay_from_member(catalog, own, text)
        claim = await self._ctx.checkins.active_claim(actor.key)
        if claim is not None and await self._ctx.access.has_any(actor, Role.VOLUNTEER, Role.LEAD):
            await self._relay_from_volunteer(catalog, claim, text)
            return None
        return Reply(sections=(Section(catalog.text(locale, "relay.nothing_open")),))

    async def _relay_from_member(
        self, catalog: Catalog, checkin: CheckIn, text: str
    ) -> Reply | None:
        if checkin.status is not CheckinStatus.CLAIMED:
            locale = checkin.locale
            return Reply(
                pinned=self._ctx.pinned_for(catalog, locale, checkin, Stage.SENT),
                sections=(Section(catalog.text(locale, "relay.not_claimed_yet")),),
            )
        now = self._ctx.clock.now()
        said = Reply(sections=(Section(text, title=checkin.pseudonym),))
        notices = self._ctx.notices(catalog, checkin, now)
        item = notices.to_volunteer(checkin.claimed_by_user_id, said, "relay")
        await self._relay(checkin, item, now)
        log.info("relayed a member message for check-in %s", checkin.id)
        return None

    async def _relay_from_volunteer(self, catalog: Catalog, checkin: CheckIn, text: str) -> None:
        now = self._ctx.clock.now()
        title = await self._handover.volunteer_title(catalog, checkin)
        said = Reply(sections=(Section(text, title=title),))
        notices = self._ctx.notices(catalog, checkin, now)
        item = notices.to_member(said, crisis_stage=Stage.SENT, purpose="relay")
        await self._relay(checkin, item, now)

    async def _relay(self, checkin: CheckIn, item: OutboxItem, now: datetime) -> None:
        await self._ctx.handover.relay(checkin.id, [item], now)
        self._ctx.outbox_changed.set()

    # -- closing, rating, blocking ---------------------------------------------------

    async def close(self, actor: Actor, checkin_id: str | None = None) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        checkin = await self._closable(actor, checkin_id)
        side = "member" if checkin.member == actor.key else "volunteer"
        await self._close(catalog, checkin, side, actor.display_name)
        if side == "volunteer":
            text = catalog.text(
                locale, "checkin.closed_by_you_volunteer", pseudonym=checkin.pseudonym
            )
            return Reply(sections=(Section(text),))
        return Reply(
            pinned=self._ctx.pinned_for(catalog, locale, checkin, Stage.CLOSED),
            sections=(Section(catalog.text(locale, "checkin.closed_by_you_member")),),
        )

    async def _closable(self, actor: Actor, checkin_id: str | None) -> CheckIn:
        checkins = self._ctx.checkins
        if checkin_id is None:
            found = await checkins.active_checkin(actor.key) or await checkins.active_claim(
                actor.key
            )
            if found is None:
                raise NotFound("checkin.nothing_to_close")
            return found
        checkin = await checkins.get_checkin(checkin_id)
        if checkin is None:
            raise NotFound("error.checkin_gone")
        is_member = checkin.member == actor.key
        is_claimer = checkin.claimed_by == actor.key and await self._ctx.access.has_any(
            actor, Role.VOLUNTEER, Role.LEAD
        )
        if not (is_member or is_claimer):
            raise NotFound("error.checkin_gone")
        if not checkin.is_active:
            raise Conflict("checkin.already_closed")
        return checkin

    async def _close(self, catalog: Catalog, checkin: CheckIn, side: str, by_name: str) -> None:
        now = self._ctx.clock.now()
        items = self._close_outbox(catalog, checkin, side, now)
        who = (
            by_name
            if side == "volunteer"
            else catalog.text(catalog.default_locale, "audit.the_member")
        )
        audit = AuditEntry(now, checkin.id, checkin.pseudonym, "closed", who, checkin.community)
        closed = self._ctx.checkins.close(checkin.id, side, now, items, audit)
        await self._ctx.queue_or_refuse(closed, Conflict("checkin.already_closed"))
        if await self._erasure.sweep():
            self._ctx.outbox_changed.set()
        log.info("check-in %s closed by the %s", checkin.id, side)

    def _close_outbox(
        self, catalog: Catalog, checkin: CheckIn, side: str, now: datetime
    ) -> list[OutboxItem]:
        """The card marked closed; the other side told; the member asked for a rating."""
        notices = self._ctx.notices(catalog, checkin, now)
        items = [notices.to_channel(card_closed(catalog, checkin))]
        if side != "member" and checkin.member_user_id:
            notice = catalog.text(checkin.locale, "checkin.closed_by_volunteer")
            items.append(notices.to_member(notice, crisis_stage=Stage.CLOSED))
        if side == "member" and checkin.claimed_by_user_id:
            notice = catalog.text(
                catalog.default_locale, "checkin.closed_by_member", pseudonym=checkin.pseudonym
            )
            items.append(notices.to_volunteer(checkin.claimed_by_user_id, notice))
        if checkin.member_user_id:
            items.append(notices.to_member(rating_request(catalog, checkin), crisis_stage=None))
        return items

    async def rate(self, actor: Actor, arg: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        checkin_id, _, value = arg.partition(":")
        checkin = await self._ctx.own_checkin(actor, checkin_id)
        rating = int(value) if value.isdigit() else 0
        if 1 <= rating <= 5:
            await self._ctx.checkins.rate(checkin.id, rating)
        return Reply(sections=(Section(catalog.text(locale, "checkin.rate_thanks")),), replace=True)

    async def block(self, actor: Actor, checkin_id: str) -> Reply:
        """The claiming volunteer blocks the pseudonym: never told who it is."""
        catalog, locale = self._ctx.catalog_and_locale(actor)
        await self._ctx.access.require(actor, Role.VOLUNTEER, Role.LEAD)
        checkin = await self._ctx.checkins.get_checkin(checkin_id)
        if checkin is None or checkin.claimed_by != actor.key:
            raise NotFound("error.checkin_gone")
        now = self._ctx.clock.now()
        if checkin.member:
            until = now + self._ctx.settings.block_for
            await self._ctx.volunteers.block(checkin.member, until, checkin.community)
        if checkin.is_active:
            await self._close(catalog, checkin, "volunteer", actor.display_name)
        text = catalog.text(locale, "checkin.blocked", pseudonym=checkin.pseudonym)
        return Reply(sections=(Section(text),))


def claimer_details(catalog: Catalog, locale: str, checkin: CheckIn) -> Reply:
    """What the claimer alone is sent: the member's words, and their name if they shared it."""
    category = catalog.text(locale, f"category.{checkin.category}")
    urgency = catalog.text(locale, f"urgency.{checkin.urgency}")
    lines = [
        catalog.text(locale, "card.category", category=category),
        catalog.text(locale, "card.urgency", urgency=urgency),
    ]
    if checkin.crisis:
        lines.insert(0, catalog.text(locale, "card.crisis"))
    if not checkin.anonymous and checkin.member_name:
        lines.append(catalog.text(locale, "details.shared_name", name=checkin.member_name))
    else:
        lines.append(catalog.text(locale, "details.anonymous"))
    title = catalog.text(locale, "details.title", pseudonym=checkin.pseudonym)
    sections = [Section("\n".join(lines), title=title)]
    if checkin.text:
        sections.append(Section(checkin.text, title=catalog.text(locale, "details.their_words")))
    how_to_talk = catalog.text(locale, "details.how_to_talk", pseudonym=checkin.pseudonym)
    sections.append(Section(how_to_talk))
    return Reply(
        sections=tuple(sections),
        actions=(
            Action(CLOSE, checkin.id, catalog.text(locale, "checkin.close_button"), Style.DANGER),
            Action(BLOCK, checkin.id, catalog.text(locale, "checkin.block_button")),
        ),
    )


def rating_request(catalog: Catalog, checkin: CheckIn) -> Reply:
    locale = checkin.locale
    stars = tuple(Action(RATE, f"{checkin.id}:{n}", str(n)) for n in range(1, 6))
    skip = Action(RATE, f"{checkin.id}:0", catalog.text(locale, "checkin.rate_skip"))
    return Reply(
        sections=(Section(catalog.text(locale, "checkin.rate_ask")),), actions=(*stars, skip)
    )
