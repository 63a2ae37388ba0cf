"""`/upstander content` through the real slack-bolt app (issue 20.5): the upload modal's
file input, the file fetched with files.info and the bot token, the answer in the DM;
download as text; revert; a member refused; another community untouched."""

from __future__ import annotations

from pathlib import Path

from slack_harness import MEMBER, MODERATOR, SlackBot, last_seq, next_call, text_of
from slack_standin import Call

from bot.adapters.slack.content import CALLBACK_ID

NAME = "bus-phone-call"
SCENARIO = f"scenarios/{NAME}.yaml"
BUNDLED = Path(__file__).resolve().parents[2] / "scripts_content" / SCENARIO


def original_title() -> str:
    for line in BUNDLED.read_text(encoding="utf-8").splitlines():
        if line.startswith("title: "):
            return line.removeprefix("title: ").strip()
    raise AssertionError("the bundled scenario has a title")


def renamed(title: str) -> bytes:
    text = BUNDLED.read_text(encoding="utf-8")
    return text.replace(f"title: {original_title()}", f"title: {title}", 1).encode()


def broken() -> bytes:
    """A step's `next:` naming no step: its line is where the problem is reported."""
    lines = renamed("Broken").decode().splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if line.strip().startswith("next: "))
    lines[number] = lines[number].split("next:")[0] + "next: nowhere-at-all\n"
    return "".join(lines).encode()


def broken_line() -> int:
    return 1 + next(
        n for n, line in enumerate(broken().decode().splitlines()) if "nowhere-at-all" in line
    )


async def titles(bot: SlackBot, community: str) -> str:
    """The scenario's title as the community's members are served it."""
    content = bot.runtime.content
    await content.ready(community)
    return content.catalog(community).scenarios["en"][NAME].title


async def upload(bot: SlackBot, data: bytes, user: str = MODERATOR) -> Call:
    """/upstander content upload → the modal → a file picked and submitted → the DM."""
    ack = await bot.driver.slash_command("/upstander", "content upload", user_id=user)
    assert ack.status == 200
    await bot.slack.wait_for("views.open")
    view = bot.slack.last_view(user)
    assert view["callback_id"] == CALLBACK_ID
    assert view["blocks"][0]["element"]["type"] == "file_input"
    picked = bot.slack.uploaded.add(f"{NAME}.yaml", data, user)
    before = last_seq(bot.slack)
    values = {
        "file": {"value": {"type": "file_input", "files": [picked]}},
        "path": {"value": {"type": "plain_text_input", "value": None}},
    }
    submitted = await bot.driver.submit_view(view, values, user_id=user)
    assert submitted.status == 200
    await bot.settle_work(timeout=60)
    return await next_call(bot.slack, "chat.postMessage", before)


async def test_a_moderator_uploads_downloads_and_reverts_the_workspaces_content(
    bot: SlackBot,
) -> None:
    refused = await upload(bot, broken())
    said = text_of(refused.args["blocks"])
    assert "Not stored: 3 problem(s)" in said and f"{SCENARIO}:{broken_line()}:" in said
    # Checked against the whole catalog it would join: the bundled translations now
    # branch differently from it, each at its own file and line.
    assert f"scenarios/es/{NAME}.yaml:" in said and f"scenarios/fr/{NAME}.yaml:" in said
    assert original_title() in await titles(bot, "slack")

    stored = await upload(bot, renamed("A remark on the stairs"))
    assert f"Stored {SCENARIO} (version 1)" in text_of(stored.args["blocks"])
    assert len(bot.slack.uploaded.downloads) == 2  # fetched with the bot token both times
    assert "A remark on the stairs" in await titles(bot, "slack")
    assert original_title() in await titles(bot, "slack:T0OTHER")

    downloaded = await bot.driver.slash_command("/upstander", "content download", user_id=MODERATOR)
    shown = text_of(downloaded.json()["blocks"])
    assert SCENARIO in shown and "title: A remark on the stairs" in shown

    reverted = await bot.driver.slash_command(
        "/upstander", f"content revert {SCENARIO}", user_id=MODERATOR
    )
    assert "the bundled file serves again" in text_of(reverted.json()["blocks"])
    assert original_title() in await titles(bot, "slack")


async def test_a_member_gets_no_upload_form(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "content upload", user_id=MEMBER)
    assert "Only moderators can do that." in text_of(ack.json()["blocks"])
    assert bot.slack.calls("views.open") == []
    revert = await bot.driver.slash_command(
        "/upstander", f"content revert {SCENARIO}", user_id=MEMBER
    )
    assert "Only moderators can do that." in text_of(revert.json()["blocks"])
