"""Pseudonyms unique among a platform's open and recent check-ins (issue 18.8).

Four hex digits collide by chance at about 300 check-ins; two volunteers would then talk
about two people under one name. A candidate already in use is drawn again, and after a
few tries from a wider space, so a busy community still gets a free name at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from bot.core.ports import CheckinStore

# Digits per try: short names while they are free, longer ones when the short are busy.
TRIES = (4, 4, 4, 6, 6, 8)

Draw = Callable[[int], str]


def draw_hex(digits: int) -> str:
    return secrets.token_hex((digits + 1) // 2)[:digits].upper()


async def unique_pseudonym(
    store: CheckinStore, community: str, since: datetime, draw: Draw = draw_hex
) -> str:
    """A pseudonym no check-in of `community` uses that is active or closed after `since`."""
    for digits in TRIES:
        candidate = f"Member {draw(digits)}"
        if not await store.pseudonym_in_use(community, candidate, since):
            return candidate
    # Sixteen digits: a collision here would take billions of live check-ins.
    return f"Member {draw(16)}"
