"""The check-in desk's intake: the form, the summary, Send and Cancel, and who may open one.

Order of care: crisis lines first; stored before "received"; the one-open rule, the
cooldown and blocks are checked before anything is kept.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from bot.core.actors import Actor
from bot.core.catalog import Catalog
from bot.core.crisis import Stage, crisis_section, region_for, shows_danger
from bot.core.desk_context import DeskContext
from bot.core.desk_support import (
    ANONYMOUS,
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
    card,
    checkin_form,
    new_id,
)
from bot.core.errors import Conflict, NotFound, UserFacingError
from bot.core.limits import log_refusal, minutes_to_wait
from bot.core.messages import Action, Reply, Section, Style
from bot.core.models import CheckIn, CheckinStatus, OpeningState, OutboxItem
from bot.core.pseudonyms import unique_pseudonym
from bot.core.resources_view import resource_lines

SUPPORT_TOPIC = "wellbeing-burnout"

# One logger for the whole desk; it names check-ins by id only, never a member or their words.
log = logging.getLogger("bot.core.desk")


class Intake:
    def __init__(self, context: DeskContext) -> None:
        self._ctx = context

    async def form(self, actor: Actor) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        if not await self._ctx.checkins_ready(actor.community):
            return await self._not_set_up(actor, catalog)
        refused = await self._refused(actor, catalog, locale, crisis=False)
        if refused is not None:
            return refused
        return Reply(
            sections=(Section(catalog.text(locale, "checkin.form_intro")),),
            form=checkin_form(catalog, locale),
        )

    async def submit(self, actor: Actor, values: Mapping[str, str]) -> Reply:
        """The form came back: screen it, keep it as a draft, and ask the member to confirm."""
        catalog, locale = self._ctx.catalog_and_locale(actor)
        urgency = values.get(FIELD_URGENCY, "")
        crisis = shows_danger(catalog, _form_text(values), urgency)
        region = await self._region(actor)
        pinned = self._pinned(catalog, locale, actor, crisis, Stage.DRAFT, region)
        if values.get(FIELD_IDENTITY, "") not in (ANONYMOUS, NAMED) or (
            urgency not in catalog.checkin_urgencies
        ):
            # Not sent until the member has chosen: show the form again, crisis lines first.
            return Reply(
                pinned=pinned,
                sections=(Section(catalog.text(locale, "checkin.choose_required")),),
                form=checkin_form(catalog, locale),
            )
        if not await self._ctx.checkins_ready(actor.community):
            return await self._not_set_up(actor, catalog)
        refused = await self._refused(actor, catalog, locale, crisis=crisis)
        if refused is not None:
            return refused
        checkin = await self._draft(actor, catalog, locale, values, crisis)
        await self._ctx.checkins.save_draft(checkin)
        return Reply(
            pinned=pinned,
            sections=(summary(catalog, locale, checkin),),
            actions=_send_or_cancel(catalog, locale, checkin),
            # A crisis reply is never edited away: the next answer comes as a new message.
            replace=False,
        )

    async def confirm(self, actor: Actor, checkin_id: str) -> Reply:
        """Send: the durable open, in one store call."""
        catalog, locale = self._ctx.catalog_and_locale(actor)
        busy = await self._community_busy(actor, catalog, locale, checkin_id)
        if busy is not None:
            return busy
        now = self._ctx.clock.now()

        def card_for(opened: CheckIn) -> list[OutboxItem]:
            notices = self._ctx.notices(catalog, opened, now)
            return [notices.to_channel(card(catalog, opened, now), "card")]

        # Stored (with its card queued) and committed before anything tells the member it
        # was received: the store answers only after the commit.
        opening = await self._ctx.checkins.open_checkin(checkin_id, actor.key, now, card_for)
        checkin = opening.checkin
        if checkin is None:
            raise NotFound("error.checkin_gone")
        pinned = self._ctx.pinned_for(catalog, locale, checkin, stage_of(checkin))
        status = status_text(catalog, locale, checkin)
        if not opening.opened:
            # A second press: say where it stands, and settle the summary it came from.
            settled = self._settled(catalog, locale, checkin, status)
            return Reply(pinned=pinned, sections=(Section(status),), pressed=settled)
        self._ctx.outbox_changed.set()
        log.info(
            "check-in %s opened (crisis=%s, urgency=%s)",
            checkin.id,
            checkin.crisis,
            checkin.urgency,
        )
        received = _received(catalog, locale, checkin, pinned, opening.volunteers_on_duty)
        sent = catalog.text(locale, "checkin.summary_sent", pseudonym=checkin.pseudonym)
        return replace(received, pressed=self._settled(catalog, locale, checkin, sent))

    async def cancel(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        checkin = await self._ctx.own_checkin(actor, checkin_id)
        if checkin.status is CheckinStatus.DRAFT:
            await self._ctx.checkins.purge_draft(checkin.id)
            stage = Stage.NOT_SENT
            text = catalog.text(locale, "checkin.cancelled")
            status = catalog.text(locale, "checkin.summary_not_sent")
        else:
            # Sent already: Cancel no longer withdraws it, and says so.
            stage = stage_of(checkin)
            text = status = status_text(catalog, locale, checkin)
        pinned = self._ctx.pinned_for(catalog, locale, checkin, stage)
        settled = self._settled(catalog, locale, checkin, status, stage)
        return Reply(pinned=pinned, sections=(Section(text),), pressed=settled)

    async def keep_open(self, actor: Actor, checkin_id: str) -> Reply:
        catalog, locale = self._ctx.catalog_and_locale(actor)
        checkin = await self._ctx.own_checkin(actor, checkin_id)
        pinned = self._ctx.pinned_for(catalog, locale, checkin, stage_of(checkin))
        return Reply(pinned=pinned, sections=(Section(catalog.text(locale, "checkin.kept_open")),))

    # -- who may open one ------------------------------------------------------------

    async def _not_set_up(self, actor: Actor, catalog: Catalog) -> Reply:
        """Honest: this community has nowhere to send a check-in yet. The crisis lines
        first, then what is missing, then readings for meanwhile."""
        settings = await self._ctx.community(actor.community)
        locale = catalog.locale_for(actor.locale or settings.language or None)
        region = region_for(settings.crisis_region, actor.locale)
        return Reply(
            pinned=(crisis_section(catalog, locale, region, Stage.NOT_SENT),),
            sections=(
                Section(catalog.text(locale, "checkin.not_set_up")),
                support_resources(catalog, locale),
            ),
        )

    async def _refused(
        self, actor: Actor, catalog: Catalog, locale: str, *, crisis: bool
    ) -> Reply | None:
        """Why the member may not open a check-in now, as a reply; None when they may.
        The crisis lines come first when their words called for them, when the refusal
        points to the lines (blocked), and when the request already open was flagged."""
        state = await self._ctx.checkins.opening_state(actor.key)
        settings = await self._ctx.community(actor.community)
        refusal, stage = self._refusal(state, settings.cooldown)
        if refusal is None:
            return None
        if crisis and stage is None:
            stage = Stage.NOT_SENT
        if state.active is not None and stage is Stage.SENT:
            pinned = self._ctx.pinned_for(catalog, locale, state.active, stage)
        else:
            region = settings.crisis_region
            pinned = self._pinned(catalog, locale, actor, stage is not None, stage, region)
        sections = (
            Section(catalog.text(locale, refusal.key, **refusal.params)),
            support_resources(catalog, locale),
        )
        return Reply(pinned=pinned, sections=sections)

    def _refusal(
        self, state: OpeningState, cooldown: timedelta
    ) -> tuple[UserFacingError | None, Stage | None]:
        now = self._ctx.clock.now()
        until = state.blocked_until
        if until is not None and until > now:
            return Conflict("checkin.blocked_member"), Stage.NOT_SENT
        if state.active is not None:
            active = state.active
            refusal = Conflict("checkin.already_open", pseudonym=active.pseudonym)
            return refusal, (Stage.SENT if active.crisis else None)
        last = state.last_closed_at
        if last is not None and now - last < cooldown:
            wait = math.ceil((cooldown - (now - last)).total_seconds() / 60)
            return Conflict("checkin.cooldown", minutes=wait), None
        return None, None

    async def _community_busy(
        self, actor: Actor, catalog: Catalog, locale: str, checkin_id: str
    ) -> Reply | None:
        """The community's limit on Send (bot/core/limits.py), as a kind reply with the
        crisis lines first; None when it allows. Read the draft only when over the limit:
        one the crisis screen flagged, or one already sent, always goes through."""
        limits = self._ctx.limits
        wait = limits.open_checkin(actor.community) if limits is not None else None
        if wait is None:
            return None
        draft = await self._ctx.own_checkin(actor, checkin_id)
        if draft.crisis or draft.status is not CheckinStatus.DRAFT:
            if draft.crisis:
                log.warning(
                    "community %s: over its check-in limit; a crisis one goes through",
                    actor.community,
                )
            return None
        log_refusal(actor.community, "a check-in", wait)
        pinned = self._pinned(catalog, locale, actor, True, Stage.NOT_SENT)
        text = catalog.text(locale, "checkin.community_busy", minutes=minutes_to_wait(wait))
        return Reply(pinned=pinned, sections=(Section(text), support_resources(catalog, locale)))

    # -- helpers ---------------------------------------------------------------------

    async def _draft(
        self,
        actor: Actor,
        catalog: Catalog,
        locale: str,
        values: Mapping[str, str],
        crisis: bool,
    ) -> CheckIn:
        """The check-in as the form left it: kept as a draft until the member presses Send."""
        identity = values.get(FIELD_IDENTITY, "")
        category = values.get(FIELD_CATEGORY, "") or "other"
        now = self._ctx.clock.now()
        if category not in catalog.checkin_categories:
            category = catalog.checkin_categories[-1] if catalog.checkin_categories else "other"
        return CheckIn(
            id=new_id(),
            platform=actor.platform,
            community=actor.community,
            member=actor.key,
            member_user_id=actor.user_id,
            member_name=actor.display_name if identity == NAMED else "",
            pseudonym=await unique_pseudonym(
                self._ctx.checkins, actor.community, since=now - self._ctx.settings.retention
            ),
            category=category,
            urgency=values.get(FIELD_URGENCY, ""),
            anonymous=identity == ANONYMOUS,
            text=_form_text(values),
            crisis=crisis,
            locale=locale,
            status=CheckinStatus.DRAFT,
            created_at=now,
            region=region_for(await self._region(actor), actor.locale) or "",
        )

    async def _region(self, actor: Actor) -> str | None:
        """The crisis region the actor's community set, else the deployment's."""
        settings = await self._ctx.community(actor.community)
        return settings.crisis_region or self._ctx.settings.crisis_region

    def _pinned(
        self,
        catalog: Catalog,
        locale: str,
        actor: Actor,
        crisis: bool,
        stage: Stage | None,
        region: str | None = None,
    ) -> tuple[Section, ...]:
        if not crisis or stage is None:
            return ()
        configured = region or self._ctx.settings.crisis_region
        return (crisis_section(catalog, locale, region_for(configured, actor.locale), stage),)

    def _settled(
        self,
        catalog: Catalog,
        locale: str,
        checkin: CheckIn,
        status: str,
        stage: Stage | None = None,
    ) -> Reply:
        """The summary as it now stands: what happened instead of Send and Cancel."""
        pinned = self._ctx.pinned_for(catalog, locale, checkin, stage or stage_of(checkin))
        sections = (summary(catalog, locale, checkin), Section(status))
        return Reply(pinned=pinned, sections=sections)


def summary(catalog: Catalog, locale: str, checkin: CheckIn) -> Section:
    """What the member is about to send (or sent), in their words, and who will see it."""
    identity = "identity.anonymous" if checkin.anonymous else "identity.named"
    category = catalog.text(locale, f"category.{checkin.category}")
    urgency = catalog.text(locale, f"urgency.{checkin.urgency}")
    text = checkin.text or catalog.text(locale, "checkin.summary_no_text")
    lines = [
        catalog.text(locale, "checkin.summary_category", category=category),
        catalog.text(locale, "checkin.summary_urgency", urgency=urgency),
        catalog.text(locale, "checkin.summary_identity", identity=catalog.text(locale, identity)),
        catalog.text(locale, "checkin.summary_text", text=text),
        catalog.text(locale, "checkin.summary_who_sees"),
    ]
    return Section("\n".join(lines), title=catalog.text(locale, "checkin.summary_title"))


def support_resources(catalog: Catalog, locale: str) -> Section:
    """A few readings for meanwhile: shown whenever the member cannot reach a volunteer now."""
    ids = [r.id for r in catalog.resources.values() if r.topic == SUPPORT_TOPIC][:3]
    lines = resource_lines(catalog, ids)
    return Section(
        "\n".join(lines) or catalog.text(locale, "checkin.meanwhile_none"),
        title=catalog.text(locale, "checkin.meanwhile"),
    )


def status_text(catalog: Catalog, locale: str, checkin: CheckIn) -> str:
    return catalog.text(
        locale, f"checkin.status_{checkin.status.value}", pseudonym=checkin.pseudonym
    )


def stage_of(checkin: CheckIn) -> Stage:
    if checkin.status is CheckinStatus.DRAFT:
        return Stage.DRAFT
    return Stage.CLOSED if checkin.status is CheckinStatus.CLOSED else Stage.SENT


def _form_text(values: Mapping[str, str]) -> str:
    return values.get(FIELD_TEXT, "").strip()[:MAX_TEXT]


def _send_or_cancel(catalog: Catalog, locale: str, checkin: CheckIn) -> tuple[Action, ...]:
    send = catalog.text(locale, "checkin.confirm_button")
    cancel = catalog.text(locale, "checkin.cancel_button")
    return (Action(CONFIRM, checkin.id, send, Style.PRIMARY), Action(CANCEL, checkin.id, cancel))


def _received(
    catalog: Catalog,
    locale: str,
    checkin: CheckIn,
    pinned: tuple[Section, ...],
    volunteers_on_duty: bool,
) -> Reply:
    received = Section(catalog.text(locale, "checkin.received", pseudonym=checkin.pseudonym))
    withdraw = Action(CLOSE, checkin.id, catalog.text(locale, "checkin.withdraw_button"))
    if volunteers_on_duty:
        what_next = Section(catalog.text(locale, "checkin.what_next"))
        return Reply(pinned=pinned, sections=(received, what_next), actions=(withdraw,))
    # Honest: nobody is on duty. Their request stays open unless they withdraw it.
    keep = Action(
        KEEP_OPEN, checkin.id, catalog.text(locale, "checkin.keep_open_button"), Style.PRIMARY
    )
    sections = (
        received,
        Section(catalog.text(locale, "checkin.nobody_available")),
        support_resources(catalog, locale),
    )
    return Reply(pinned=pinned, sections=sections, actions=(keep, withdraw))
