"""Shared pieces of the check-in desk: settings, the form, cards, outbox items."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import outbound_json
from bot.core.actors import Actor
from bot.core.catalog import Catalog
from bot.core.messages import (
    Action,
    Destination,
    Field,
    Form,
    Option,
    Outbound,
    Reply,
    Section,
    Style,
)
from bot.core.models import CheckIn, OutboxItem

FORM_ID = "checkin.form"
FIELD_TEXT = "text"
FIELD_CATEGORY = "category"
FIELD_URGENCY = "urgency"
FIELD_IDENTITY = "identity"
ANONYMOUS = "anonymous"
NAMED = "named"

CONFIRM = "checkin.confirm"
CANCEL = "checkin.cancel"
CLAIM = "checkin.claim"
CLOSE = "checkin.close"
RATE = "checkin.rate"
BLOCK = "checkin.block"
KEEP_OPEN = "checkin.keep"
# Handover (issue 18.4): the claimer hands back or keeps; a lead returns one to the queue.
HAND_BACK = "checkin.handback"
KEEP_CLAIM = "checkin.keepclaim"
REQUEUE = "checkin.requeue"
REQUEUE_CONFIRM = "checkin.requeue_yes"
REQUEUE_CANCEL = "checkin.requeue_no"
MAX_TEXT = 1500


@dataclass(frozen=True, slots=True)
class DeskSettings:
    cooldown: timedelta = timedelta(minutes=5)
    escalate_after: timedelta = timedelta(minutes=10)
    max_escalations: int = 3
    retention: timedelta = timedelta(days=30)
    draft_ttl: timedelta = timedelta(hours=1)
    block_for: timedelta = timedelta(days=30)
    crisis_region: str | None = None
    # A claimed check-in with no relayed message for this long closes (0: never); both
    # sides are reminded after two thirds of it.
    idle_close: timedelta = timedelta(hours=72)


def checkin_form(catalog: Catalog, locale: str) -> Form:
    def opt(prefix: str, value: str) -> Option:
        return Option(value, catalog.text(locale, f"{prefix}.{value}"))

    return Form(
        id=FORM_ID,
        title=catalog.text(locale, "checkin.form_title"),
        submit_label=catalog.text(locale, "checkin.form_submit"),
        fields=(
            Field(
                FIELD_TEXT,
                catalog.text(locale, "checkin.field_text"),
                required=False,
                max_length=MAX_TEXT,
                placeholder=catalog.text(locale, "checkin.field_text_placeholder"),
                multiline=True,
            ),
            Field(
                FIELD_CATEGORY,
                catalog.text(locale, "checkin.field_category"),
                required=True,
                options=tuple(opt("category", c) for c in catalog.checkin_categories),
            ),
            Field(
                FIELD_URGENCY,
                catalog.text(locale, "checkin.field_urgency"),
                required=True,
                options=tuple(opt("urgency", u) for u in catalog.checkin_urgencies),
            ),
            # No default: the member chooses, every time.
            Field(
                FIELD_IDENTITY,
                catalog.text(locale, "checkin.field_identity"),
                required=True,
                options=(opt("identity", ANONYMOUS), opt("identity", NAMED)),
            ),
        ),
    )


def volunteer_name(catalog: Catalog, actor: Actor) -> str:
    """How volunteers and the audit name a volunteer with no display name."""
    return actor.display_name or catalog.text(catalog.default_locale, "volunteer.default_name")


def new_id() -> str:
    return secrets.token_hex(12)


def outbox_item(checkin: CheckIn, purpose: str, outbound: Outbound, now: datetime) -> OutboxItem:
    # A crisis first; the rest in queue order, so a relay never waits behind later cards.
    return OutboxItem(
        id=new_id(),
        checkin_id=checkin.id,
        purpose=purpose,
        priority=2 if checkin.crisis else 1,
        payload=outbound_json.encode(outbound),
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        community=checkin.community,
    )


def volunteers(platform: str, community: str) -> Destination:
    """The volunteers' channel of `community` (on `platform`)."""
    return Destination(platform, "volunteers", community=community)


def dm(platform: str, user_id: str, community: str) -> Destination:
    """A DM to `user_id`, sent with `community`'s token (a Slack workspace's own)."""
    return Destination(platform, "dm", user_id, community)


def card(catalog: Catalog, checkin: CheckIn, now: datetime, *, escalated: bool = False) -> Reply:
    """What volunteers see in their channel: never the text, never who it is."""
    locale = catalog.default_locale
    opened = checkin.opened_at or checkin.created_at
    minutes = max(0, int((now - opened).total_seconds() // 60))
    lines = [
        catalog.text(
            locale, "card.category", category=catalog.text(locale, f"category.{checkin.category}")
        ),
        catalog.text(
            locale, "card.urgency", urgency=catalog.text(locale, f"urgency.{checkin.urgency}")
        ),
        catalog.text(locale, "card.age", minutes=minutes),
    ]
    if checkin.crisis:
        lines.insert(0, catalog.text(locale, "card.crisis"))
    title_key = "card.title_escalated" if escalated else "card.title"
    return Reply(
        sections=(
            Section(
                "\n".join(lines), title=catalog.text(locale, title_key, pseudonym=checkin.pseudonym)
            ),
        ),
        actions=(
            Action(CLAIM, checkin.id, catalog.text(locale, "card.claim_button"), Style.PRIMARY),
        ),
        private=False,
    )


def card_claimed(catalog: Catalog, checkin: CheckIn, volunteer_name: str) -> Reply:
    locale = catalog.default_locale
    claimed_by = catalog.text(locale, "card.claimed_by", name=volunteer_name)
    # Shown to every volunteer; the desk lets only leads use it.
    requeue = Action(REQUEUE, checkin.id, catalog.text(locale, "card.requeue_button"))
    return _card_note(catalog, checkin, claimed_by, (requeue,))


def card_requeued(catalog: Catalog, checkin: CheckIn) -> Reply:
    """The old card once its check-in is back in the queue (a new card follows)."""
    return _card_note(catalog, checkin, catalog.text(catalog.default_locale, "card.requeued"))


def card_closed(catalog: Catalog, checkin: CheckIn) -> Reply:
    return _card_note(catalog, checkin, catalog.text(catalog.default_locale, "card.closed"))


def _card_note(
    catalog: Catalog, checkin: CheckIn, line: str, actions: tuple[Action, ...] = ()
) -> Reply:
    """A card reduced to one line of where its check-in stands."""
    title = catalog.text(catalog.default_locale, "card.title", pseudonym=checkin.pseudonym)
    return Reply(sections=(Section(line, title=title),), actions=actions, private=False)
