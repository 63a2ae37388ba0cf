"""The crisis screen: when the words or the urgency suggest danger, crisis lines come first."""

from __future__ import annotations

from bot.core.catalog import Catalog, CrisisLine
from bot.core.messages import Section


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


def crisis_section(catalog: Catalog, locale: str, region: str | None) -> Section:
    lines = catalog.crisis_lines_for(region)
    body = [catalog.text(locale, "crisis.intro")]
    body.extend(_line(line) for line in lines)
    body.append(catalog.text(locale, "crisis.not_a_service"))
    return Section("\n".join(body), title=catalog.text(locale, "crisis.title"), from_content=True)


def _line(line: CrisisLine) -> str:
    parts = [f"• {line.name}: {line.contact}"]
    if line.hours:
        parts.append(f"({line.hours})")
    if line.url:
        parts.append(line.url)
    return " ".join(parts)
