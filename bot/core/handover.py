"""Handing a check-in back to the queue, and how members see a volunteer (issue 18.4).

A volunteer going off duty is asked to hand back their conversation; a lead can return
any claimed check-in to the queue. Either way the card is posted again as open (crisis
first, as any card), the member is told another volunteer will pick it up, and nothing
is dropped: relayed messages already queued are still delivered, and the next claimer
gets the details privately as every claimer does.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog
from bot.core.crisis import Stage
from bot.core.desk_context import DeskContext
from bot.core.desk_support import (
    HAND_BACK,
    KEEP_CLAIM,
    REQUEUE_CANCEL,
    REQUEUE_CONFIRM,
    card,
    card_requeued,
    volunteer_name,
)
from bot.core.errors import Conflict, NotFound
from bot.core.messages import Action, Reply, Section, Style
from bot.core.models import AuditEntry, CheckIn, CheckinStatus, OutboxItem

# Logs name check-ins by id only.
log = logging.getLogger(__name__)


class Handover:
    def __init__(self, context: DeskContext) -> None:
        self._ctx = context

    # -- the claimer going off duty --------------------------------------------------

    def off_duty_question(self, actor: Actor, lines: list[str], claim: CheckIn) -> Reply:
        """`/volunteer off` with a conversation still claimed: hand it back, or keep it."""
        catalog, locale = self._ctx.catalog_and_locale(actor)
        ask = catalog.text(locale, "handover.ask", pseudonym=claim.pseudonym)
        return Reply(
            sections=(Section("\n".join([*lines, ask])),),
            actions=(
                Action(
                    HAND_BACK,
                    claim.id,
                    catalog.text(locale, "handover.hand_back_button"),
                    Style.PRIMARY,
                ),
                Action(KEEP_CLAIM, claim.id, catalog.text(locale, "handover.keep_button")),
            ),
        )

    async def hand_back(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        await self._ctx.access.require(actor, Role.VOLUNTEER, Role.LEAD)
        checkin = await self._claimed(actor, checkin_id)
        if checkin.claimed_by != actor.key:
            raise Conflict("handover.not_yours", pseudonym=checkin.pseudonym)
        await self._requeue(catalog, checkin, "handed_back", volunteer_name(catalog, actor), False)
        text = catalog.text(locale, "handover.handed_back", pseudonym=checkin.pseudonym)
        return Reply(sections=(Section(text),), replace=True)

    async def keep_claim(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        await self._ctx.access.require(actor, Role.VOLUNTEER, Role.LEAD)
        checkin = await self._ctx.checkins.get_checkin(checkin_id)
        if checkin is None or checkin.claimed_by != actor.key:
            raise NotFound("error.checkin_gone")
        text = catalog.text(locale, "handover.kept", pseudonym=checkin.pseudonym)
        return Reply(sections=(Section(text),), replace=True)

    # -- leads -----------------------------------------------------------------------

    async def ask_requeue(self, actor: Actor, checkin_id: str) -> Reply:
        """A lead pressed "Return to queue" on a claimed card: confirm first."""
        catalog, locale = self._ctx.catalog_and_locale(actor)
        await self._ctx.access.require(actor, Role.LEAD)
        checkin = await self._claimed(actor, checkin_id)
        ask = catalog.text(
            locale,
            "handover.requeue_ask",
            pseudonym=checkin.pseudonym,
            name=checkin.claimed_by_name,
        )
        return Reply(
            sections=(Section(ask),),
            actions=(
                Action(
                    REQUEUE_CONFIRM,
                    checkin.id,
                    catalog.text(locale, "handover.requeue_confirm_button"),
                    Style.DANGER,
                ),
                Action(
                    REQUEUE_CANCEL,
                    checkin.id,
                    catalog.text(locale, "handover.requeue_cancel_button"),
                ),
            ),
        )

    async def requeue(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        await self._ctx.access.require(actor, Role.LEAD)
        checkin = await self._claimed(actor, checkin_id)
        await self._requeue(catalog, checkin, "requeued", volunteer_name(catalog, actor), True)
        text = catalog.text(locale, "handover.requeued", pseudonym=checkin.pseudonym)
        return Reply(sections=(Section(text),), replace=True)

    async def cancel_requeue(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        await self._ctx.access.require(actor, Role.LEAD)
        text = catalog.text(locale, "handover.requeue_cancelled")
        return Reply(sections=(Section(text),), replace=True)

    # -- how members see a volunteer -------------------------------------------------

    async def anonymity(self, actor: Actor, setting: str) -> Reply:
        """`/volunteer anonymous on|off`: the caller has checked the volunteer role."""
        catalog, locale = self._ctx.catalog_and_locale(actor)
        if setting in ("on", "off"):
            await self._ctx.volunteers.set_volunteer_anonymous(
                actor.key, actor.community, setting == "on"
            )
        anonymous = await self._ctx.volunteers.volunteer_anonymous(actor.key)
        key = "volunteer.anonymous_on" if anonymous else "volunteer.anonymous_off"
        return Reply(sections=(Section(catalog.text(locale, key)),))

    async def joined_text(
        self, catalog: Catalog, checkin: CheckIn, volunteer: str, name: str
    ) -> str:
        """What the member is told when `volunteer` (named `name`) picks their check-in up."""
        if await self._ctx.volunteers.volunteer_anonymous(volunteer):
            return catalog.text(checkin.locale, "checkin.volunteer_joined_anonymous")
        return catalog.text(checkin.locale, "checkin.volunteer_joined", name=name)

    async def volunteer_title(self, catalog: Catalog, checkin: CheckIn) -> str:
        """Who a relayed message is from, as the member sees it."""
        if await self._ctx.volunteers.volunteer_anonymous(checkin.claimed_by):
            return catalog.text(checkin.locale, "relay.from_a_volunteer")
        return catalog.text(checkin.locale, "relay.from_volunteer", name=checkin.claimed_by_name)

    # -- helpers ---------------------------------------------------------------------

    async def _requeue(
        self, catalog: Catalog, checkin: CheckIn, action: str, by: str, tell_claimer: bool
    ) -> None:
        now = self._ctx.clock.now()
        items = self._requeue_outbox(catalog, checkin, now, tell_claimer)
        audit = AuditEntry(now, checkin.id, checkin.pseudonym, action, by, checkin.community)
        requeued = self._ctx.handover.requeue(checkin.id, checkin.claimed_by, now, items, audit)
        refusal = Conflict("handover.not_claimed", pseudonym=checkin.pseudonym)
        await self._ctx.queue_or_refuse(requeued, refusal)
        log.info("check-in %s is back in the queue (%s)", checkin.id, action)

    def _requeue_outbox(
        self, catalog: Catalog, checkin: CheckIn, now: datetime, tell_claimer: bool
    ) -> list[OutboxItem]:
        notices = self._ctx.notices(catalog, checkin, now)
        reopened = replace(checkin, status=CheckinStatus.OPEN, escalation_level=0)
        items: list[OutboxItem] = []
        if checkin.card_ref:
            # The old card is edited, not left saying who has it; its reference is fixed
            # now, since the new card will take the check-in's card reference.
            retired = card_requeued(catalog, checkin)
            items.append(notices.to_channel(retired, "card_retired", update_ref=checkin.card_ref))
        items.append(notices.to_channel(card(catalog, reopened, now), "card"))
        if checkin.member_user_id:
            told = catalog.text(checkin.locale, "handover.member_notice")
            items.append(notices.to_member(told, crisis_stage=Stage.SENT))
        if tell_claimer and checkin.claimed_by_user_id:
            text = catalog.text(
                catalog.default_locale, "handover.taken_from_you", pseudonym=checkin.pseudonym
            )
            items.append(notices.to_volunteer(checkin.claimed_by_user_id, text))
        return items

    async def _claimed(self, actor: Actor, checkin_id: str) -> CheckIn:
        checkin = await self._ctx.checkins.get_checkin(checkin_id)
        if checkin is None or checkin.community != actor.community:
            raise NotFound("error.checkin_gone")
        if checkin.status is not CheckinStatus.CLAIMED:
            raise Conflict("handover.not_claimed", pseudonym=checkin.pseudonym)
        return checkin
