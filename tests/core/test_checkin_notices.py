"""The one helper for outbox items about a check-in: who each goes to, and the crisis
lines first in a message to the member of a flagged check-in, and nowhere else."""

from __future__ import annotations

from datetime import UTC, datetime

from harness import Console

from bot.core import outbound_json
from bot.core.checkin_notices import CheckinNotices
from bot.core.crisis import Stage, crisis_section
from bot.core.desk_support import card_closed
from bot.core.messages import Destination
from bot.core.models import CheckIn, CheckinStatus

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def checkin(*, crisis: bool) -> CheckIn:
    return CheckIn(
        id="c1",
        platform="console",
        member="console:m",
        member_user_id="m",
        member_name="",
        pseudonym="Member 0A1B",
        category="other",
        urgency="soon",
        anonymous=True,
        text="words for the claimer only",
        crisis=crisis,
        locale="en",
        status=CheckinStatus.CLAIMED,
        created_at=NOW,
        claimed_by="console:v",
        claimed_by_user_id="v",
        region="GB",
    )


async def test_a_flagged_checkins_member_gets_the_lines_first_and_the_volunteer_none(
    console: Console,
) -> None:
    catalog = console.runtime.content.current
    flagged = checkin(crisis=True)
    notices = CheckinNotices(catalog, flagged, NOW, None)

    to_member = outbound_json.decode(notices.to_member("closed", crisis_stage=Stage.CLOSED).payload)
    assert to_member.destination == Destination("console", "dm", "m")
    assert to_member.reply.pinned == (crisis_section(catalog, "en", "GB", Stage.CLOSED),)
    assert to_member.reply.sections[0].text == "closed"

    item = notices.to_volunteer("v", "the member closed it", "relay")
    to_volunteer = outbound_json.decode(item.payload)
    assert to_volunteer.destination == Destination("console", "dm", "v")
    assert to_volunteer.reply.pinned == ()
    assert (item.purpose, item.checkin_id, item.next_attempt_at) == ("relay", "c1", NOW)


async def test_no_lines_without_the_flag_or_the_stage_and_cards_go_to_the_channel(
    console: Console,
) -> None:
    catalog = console.runtime.content.current
    calm = CheckinNotices(catalog, checkin(crisis=False), NOW, None)
    assert (
        outbound_json.decode(calm.to_member("hello", crisis_stage=Stage.SENT).payload).reply.pinned
        == ()
    )
    flagged = CheckinNotices(catalog, checkin(crisis=True), NOW, None)
    assert (
        outbound_json.decode(flagged.to_member("rate us", crisis_stage=None).payload).reply.pinned
        == ()
    )

    item = calm.to_channel(card_closed(catalog, calm.checkin), update_ref="ref-1")
    card = outbound_json.decode(item.payload)
    assert card.destination == Destination("console", "volunteers")
    assert card.update_ref == "ref-1"
    assert item.purpose == "card_update"
