"""The crisis screen: when the words or the urgency suggest danger, crisis lines come first."""

from __future__ import annotations

import functools
import re

from bot.core.catalog import Catalog, CrisisLine
from bot.core.messages import Section


def shows_danger(catalog: Catalog, text: str, urgency: str) -> bool:
    rules = catalog.crisis_rules
    if urgency in rules.urgencies:
        return True
    normalised = " ".join(text.lower().split())
    if not normalised:
        return False
    # Phrases of every locale, not just the member's: people mix languages, and a platform
    # locale often differs from the language someone writes in when things are bad.
    phrases = tuple(sorted({phrase for listed in rules.phrases.values() for phrase in listed}))
    pattern = _any_phrase(phrases)
    return pattern is not None and pattern.search(normalised) is not None


@functools.lru_cache(maxsize=8)
def _any_phrase(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for every phrase, each a whole-word match: compiled once per rule set,
    where a pattern per phrase per request was the costliest part of submitting a form."""
    if not phrases:
        return None
    alternatives = (r"\s+".join(re.escape(w) for w in phrase.split()) for phrase in phrases)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


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
    return Section("\n".join(body), title=catalog.text(locale, "crisis.title"))


def _line(line: CrisisLine) -> str:
    parts = [f"• {line.name}: {line.contact}"]
    if line.hours:
        parts.append(f"({line.hours})")
    if line.url:
        parts.append(line.url)
    return " ".join(parts)
