"""The crisis screen: when the words or the urgency suggest danger, crisis lines come first."""

from __future__ import annotations

from enum import StrEnum

from bot.core.catalog import Catalog, CrisisLine
from bot.core.messages import Section
from bot.core.models import CheckIn


def shows_danger(catalog: Catalog, text: str, urgency: str) -> bool:
    """True when the urgency or the words call for the crisis lines first. Phrases of every
    locale count, not just the member's: people mix languages, and a platform locale often
    differs from the language someone writes in when things are bad."""
    rules = catalog.crisis_rules
    return urgency in rules.urgencies or rules.screen.matches(text)


def region_for(configured: str | None, platform_locale: str | None) -> str | None:
    """Configured region wins; else the region part of a locale such as 'en-GB'."""
    if configured:
        return configured.upper()
    if platform_locale and "-" in platform_locale:
        return platform_locale.split("-", 1)[1].upper()
    return None


class Stage(StrEnum):
    """Where the member's request stands: the block's last line says so, and only that."""

    DRAFT = "draft"  # not sent yet (the form, the summary)
    SENT = "sent"  # with the volunteers (receipt, waiting, relays)
    NOT_SENT = "not_sent"  # "Don't send", or refused: nothing went anywhere
    CLOSED = "closed"  # the conversation has ended


_STAGE_KEYS = {
    Stage.DRAFT: "crisis.stage_draft",
    Stage.SENT: "crisis.stage_sent",
    Stage.NOT_SENT: "crisis.stage_not_sent",
    Stage.CLOSED: "crisis.stage_closed",
}


def crisis_section(catalog: Catalog, locale: str, region: str | None, stage: Stage) -> Section:
    """The local emergency number first when the region is known, else the international
    lines first; then the support lines; then what became of the request."""
    number = catalog.emergency_number(region)
    body = [catalog.text(locale, "crisis.emergency", number=number)] if number else []
    body.append(catalog.text(locale, "crisis.intro"))
    if number:
        body.extend(_line(line) for line in catalog.crisis_lines_for(region))
    else:
        # International lines first, then any the region has.
        local = catalog.crisis_lines.get((region or "").upper(), ())
        body.extend(_line(line) for line in (*catalog.crisis_lines_for(None), *local))
        body.append(catalog.text(locale, "crisis.emergency_unknown"))
    body.append(catalog.text(locale, "crisis.not_a_service"))
    body.append(catalog.text(locale, _STAGE_KEYS[stage]))
    return Section("\n".join(body), title=catalog.text(locale, "crisis.title"))


def _line(line: CrisisLine) -> str:
    parts = [f"• {line.name}: {line.contact}"]
    if line.hours:
        parts.append(f"({line.hours})")
    if line.url:
        parts.append(line.url)
    return " ".join(parts)


def pinned_for_checkin(
    catalog: Catalog, checkin: CheckIn, configured_region: str | None, stage: Stage
) -> tuple[Section, ...]:
    """The crisis block for any message to the member about a flagged check-in, else none."""
    if not checkin.crisis:
        return ()
    region = region_for(configured_region, None) or checkin.region or None
    return (crisis_section(catalog, checkin.locale, region, stage),)
