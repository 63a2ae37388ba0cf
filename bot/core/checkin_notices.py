"""Outbox items about one check-in: a DM to either side, or a card in the volunteers' channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.catalog import Catalog
from bot.core.crisis import Stage, pinned_for_checkin
from bot.core.desk_support import dm, outbox_item, volunteers
from bot.core.messages import Destination, Outbound, Reply, Section
from bot.core.models import CheckIn, OutboxItem
from bot.core.settings import community_of


@dataclass(frozen=True, slots=True)
class CheckinNotices:
    """Builds the outbox items queued at `now` about `checkin`; a plain text becomes a reply."""

    catalog: Catalog
    checkin: CheckIn
    now: datetime
    crisis_region: str | None

    def to_member(
        self, said: str | Reply, *, crisis_stage: Stage | None, purpose: str = "notice"
    ) -> OutboxItem:
        """A DM to the member; with `crisis_stage`, the crisis lines first when flagged."""
        reply = _as_reply(said)
        if crisis_stage is not None:
            pinned = pinned_for_checkin(
                self.catalog, self.checkin, self.crisis_region, crisis_stage
            )
            reply = replace(reply, pinned=pinned)
        return self._item(purpose, dm(self.checkin.platform, self.checkin.member_user_id), reply)

    def to_volunteer(self, user_id: str, said: str | Reply, purpose: str = "notice") -> OutboxItem:
        return self._item(purpose, dm(self.checkin.platform, user_id), _as_reply(said))

    def to_channel(
        self, reply: Reply, purpose: str = "card_update", update_ref: str = ""
    ) -> OutboxItem:
        """A card in the volunteers' channel; `update_ref` edits an earlier one instead."""
        to = volunteers(self.checkin.platform, self._community)
        outbound = Outbound(to, reply, update_ref=update_ref)
        return outbox_item(self.checkin, purpose, outbound, self.now)

    @property
    def _community(self) -> str:
        return community_of(self.checkin.platform, self.checkin.member)

    def _item(self, purpose: str, destination: Destination, reply: Reply) -> OutboxItem:
        return outbox_item(self.checkin, purpose, Outbound(destination, reply), self.now)


def _as_reply(said: str | Reply) -> Reply:
    return Reply(sections=(Section(said),)) if isinstance(said, str) else said
