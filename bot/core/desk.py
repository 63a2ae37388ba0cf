"""The check-in desk: a private request for support, routed to volunteers.

Order of care: crisis lines first; stored before "received"; volunteers see a pseudonym,
never the text on the card and never who an anonymous member is. The desk is three
parts sharing one context: intake (opening), conversation (claim to close), handover.
"""

from __future__ import annotations

from bot.core.access import Access
from bot.core.actors import Actor
from bot.core.clock import Clock
from bot.core.conversation import Conversation
from bot.core.desk_context import DeskContext
from bot.core.desk_support import DeskSettings
from bot.core.erasure import Erasure
from bot.core.handover import Handover
from bot.core.intake import Intake
from bot.core.limits import CommunityLimits
from bot.core.messages import Reply
from bot.core.ports import CheckinStore, ContentSource, HandoverStore, VolunteerStore
from bot.core.settings import SettingsBook


class Desk:
    def __init__(
        self,
        content: ContentSource,
        checkins: CheckinStore,
        volunteers: VolunteerStore,
        handover: HandoverStore,
        access: Access,
        clock: Clock,
        settings: DeskSettings,
        erasure: Erasure,
        limits: CommunityLimits | None = None,
        book: SettingsBook | None = None,
    ) -> None:
        context = DeskContext(
            content,
            checkins,
            volunteers,
            handover,
            access,
            clock,
            settings,
            limits=limits,
            book=book,
        )
        # Set whenever the outbox gains items, so the delivery worker wakes at once.
        self.outbox_changed = context.outbox_changed
        self.intake = Intake(context)
        self.handover = Handover(context)
        self.conversation = Conversation(context, self.handover, erasure)

    async def close(self, actor: Actor) -> Reply:
        """Close whatever the actor has open (their data is about to be deleted)."""
        return await self.conversation.close(actor)
