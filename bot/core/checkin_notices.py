"""Outbox items about one check-in: a DM to either side, or a card in the volunteers' channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.catalog import Catalog
from bot.core.community import community_of_key
from bot.core.crisis import Stage, pinned_for_checkin
from bot.core.desk_support import dm, outbox_item, volunteers
from bot.core.messages import Destination, Outbound, Reply, Section
from bot.core.models import CheckIn, OutboxItem


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
        member = self.checkin.member_user_id
        return self._item(purpose, dm(self.checkin.platform, member, self._community), reply)

    def to_volunteer(self, user_id: str, said: str | Reply, purpose: str = "notice") -> OutboxItem:
        destination = dm(self.checkin.platform, user_id, self._community)
        return self._item(purpose, destination, _as_reply(said))

    def to_channel(
        self, reply: Reply, purpose: str = "card_update", update_ref: str = ""
    ) -> OutboxItem:
        """A card in the volunteers' channel; `update_ref` edits an earlier one instead."""
        destination = volunteers(self.checkin.platform, self._community)
        outbound = Outbound(destination, reply, update_ref=update_ref)
        return outbox_item(self.checkin, purpose, outbound, self.now)

    @property
    def _community(self) -> str:
        """The check-in's community: every message about it is sent there."""
        return community_of_key(self.checkin.member)

    def _item(self, purpose: str, destination: Destination, reply: Reply) -> OutboxItem:
        return outbox_item(self.checkin, purpose, Outbound(destination, reply), self.now)


def _as_reply(said: str | Reply) -> Reply:
    return Reply(sections=(Section(said),)) if isinstance(said, str) else said
