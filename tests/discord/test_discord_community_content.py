"""`/upstander content` in two Discord servers, each set up as its own community with
`/upstander setup`, through real discord.py against the stand-in: a broken upload in A is
refused with its `file:line` and changes nothing; a good new scenario in A shows in A's
`/practice` and not in B's; A's download gives the file back; A's revert takes the
scenario away again; B never had files of its own; a member of A (B's moderator, too) is
refused the upload. On SQLite, through `bootstrap.build` as `python -m bot run` opens it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from tests.discord.driver import DiscordBot, start_bot, text
from tests.discord.test_discord_content import answered
from tests.discord.test_discord_two_communities import Side, Two, _sides, set_up_both
from tests.discord_standin import (
    DiscordStandin,
    FakeUser,
    StoredMessage,
    finish_client_tasks,
)

BUNDLED = Path(__file__).resolve().parents[2] / "scripts_content" / "scenarios"
FILE = "pub-quiz-joke.yaml"
PATH = f"scenarios/{FILE}"
TITLE = "The joke at the pub quiz"
EXISTING = "A remark in the lift"  # the content tree's one scenario, served to both


def new_scenario() -> bytes:
    """A bundled scenario under a new id and title, reading from this content tree's
    reading list (the test one, not the bundled one)."""
    source = (BUNDLED / "party-joke.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("\nid: party-joke\n", "\nid: pub-quiz-joke\n"),
        ("[adl, right-to-be-5ds, learning-for-justice-speak-up]", "[test-5ds]"),
        ("resources: [adl]", "resources: [test-care]"),
    ):
        assert old in source, old
        source = source.replace(old, new)
    assert '\ntitle: The "joke" at the birthday party\n' in source
    return source.replace(
        '\ntitle: The "joke" at the birthday party\n', f"\ntitle: {TITLE}\n", 1
    ).encode()


def broken() -> tuple[bytes, int]:
    """The new scenario with its start naming a step it does not have, and that line."""
    lines = new_scenario().decode().splitlines(keepends=True)
    (at,) = [n for n, line in enumerate(lines) if line == "start: opening\n"]
    lines[at] = "start: nowhere\n"
    return "".join(lines).encode(), at + 1


@pytest.fixture
async def two(
    standin: DiscordStandin, discord_settings: Settings, tmp_path: Path
) -> AsyncIterator[Two]:
    a, b = _sides(standin)
    env = {k: v for k, v in discord_settings.env.items() if k != "DISCORD_GUILD_ID"}
    env["UPSTANDER_DATA_DIR"] = str(tmp_path / "two-data")  # SQLite, in the data directory
    runtime = await build(Settings.from_env(env), clock=ManualClock())
    bot = await start_bot(standin, runtime)
    try:
        yield Two(bot, a, b)
    finally:
        await bot.close()
        await runtime.aclose()
        await finish_client_tasks()


async def content(
    standin: DiscordStandin, side: Side, user: FakeUser, sub: str, options: dict[str, object]
) -> StoredMessage:
    it = await standin.send_slash_command(
        user, "upstander", options, subcommand=f"content {sub}", guild=side.guild
    )
    shown = await answered(it)
    assert shown.ephemeral
    return shown


async def practice_list(bot: DiscordBot, side: Side, user: FakeUser) -> str:
    menu = await bot.command(user, "practice", guild=side.guild)  # type: ignore[arg-type]
    assert menu.ephemeral
    return text(menu)


async def test_one_server_s_uploaded_scenario_is_its_own_until_reverted(
    standin: DiscordStandin, two: Two
) -> None:
    bot, a, b = two.bot, two.a, two.b
    await set_up_both(two)
    member = standin.member  # a plain member of both servers
    before_a = await practice_list(bot, a, member)
    before_b = await practice_list(bot, b, member)
    assert EXISTING in before_a and TITLE not in before_a
    assert EXISTING in before_b and TITLE not in before_b

    bad, line = broken()
    refused = await content(
        standin, a, a.admin, "upload", {"file": standin.add_attachment(FILE, bad)}
    )
    assert "Not stored: 1 problem(s)" in text(refused), text(refused)
    assert f"{PATH}:{line}:" in text(refused), text(refused)
    assert await practice_list(bot, a, member) == before_a

    # A plain member of A, and B's moderator (a plain member in A): neither may upload.
    for nobody in (member, b.admin):
        attached = standin.add_attachment(FILE, new_scenario())
        no = await content(standin, a, nobody, "upload", {"file": attached})
        assert "Only moderators can do that." in text(no), text(no)
        assert "Stored" not in text(no)
    assert await practice_list(bot, a, member) == before_a

    good = standin.add_attachment(FILE, new_scenario())
    stored = await content(standin, a, a.admin, "upload", {"file": good})
    assert f"Stored {PATH} (version 1)" in text(stored), text(stored)
    shown_a = await practice_list(bot, a, member)
    assert TITLE in shown_a and EXISTING in shown_a
    assert await practice_list(bot, b, member) == before_b

    downloaded = await content(standin, a, a.admin, "download", {})
    assert PATH in text(downloaded), text(downloaded)
    assert ("scenarios__pub-quiz-joke.yaml", new_scenario()) in standin.uploads

    reverted = await content(standin, a, a.admin, "revert", {"path": PATH})
    assert f"Removed this community's {PATH}" in text(reverted), text(reverted)
    assert await practice_list(bot, a, member) == before_a
    assert await practice_list(bot, b, member) == before_b

    none_b = await content(standin, b, b.admin, "download", {})
    assert "no content files of its own" in text(none_b), text(none_b)
    none_a = await content(standin, a, a.admin, "download", {})
    assert "no content files of its own" in text(none_a), text(none_a)
