"""A whole bot across a key rotation (issue 18.5): data made under key A serves with B
and A as old key, and with B alone after `keys rotate`: the export, the one-open-check-in
rule. With A alone, or B alone before the rotation, the bot does not start."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from harness import build_console

from bot.bootstrap import build, rotate_keys
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.errors import WrongKey

MEMBER = "zephyrine"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def _with(settings: Settings, key: str, old: str = "") -> Settings:
    return Settings.from_env(
        {**settings.env, "UPSTANDER_SECRET_KEY": key, "UPSTANDER_OLD_SECRET_KEYS": old}
    )


async def _still_served(settings: Settings, clock: ManualClock) -> None:
    console = await build_console(settings, clock, sqlite=True)
    try:
        again = await console.say(f"/as member {MEMBER}", "/checkin")
        assert "You already have a check-in open" in again, "one open check-in, still"
        assert "my own words" in await console.say("/mydata export")
    finally:
        await console.close()


async def test_a_bot_serves_across_a_rotation_and_refuses_a_key_that_does_not_open(
    settings: Settings, clock: ManualClock
) -> None:
    console = await build_console(_with(settings, KEY_A), clock, sqlite=True)
    try:
        await console.say(f"/as member {MEMBER}", "/checkin", "my own words", "1", "1", "1")
        assert "Received and stored safely" in await console.press("Send to volunteers")
    finally:
        await console.close()
    with pytest.raises(WrongKey):
        await build(_with(settings, KEY_B))
    await _still_served(_with(settings, KEY_B, KEY_A), clock)
    await rotate_keys(_with(settings, KEY_B, KEY_A))
    await _still_served(_with(settings, KEY_B), clock)
    with pytest.raises(WrongKey):
        await build(_with(settings, KEY_A))
