"""The adapter's pure parts: rendering within Discord's limits, conversion, settings, roles."""

from __future__ import annotations

import pytest
from harness import Console

from bot.adapters.discord.convert import modal_values
from bot.adapters.discord.directory import env_settings, roles_for
from bot.adapters.discord.messenger import format_ref, parse_ref
from bot.adapters.discord.render import render, render_modal
from bot.adapters.discord.settings import DiscordSettings, DiscordSettingsError
from bot.core.actors import Actor, Role
from bot.core.messages import Action, Field, Form, Option, Reply, Section, Style

ENV = {"DISCORD_TOKEN": "t", "DISCORD_VOLUNTEER_CHANNEL_ID": "10"}


async def test_pinned_first_in_content_and_kept_by_edits() -> None:
    reply = Reply(
        pinned=(Section("Call 116 123", title="If you are in danger"),),
        sections=(Section("Body text", title="Heading"),),
    )
    rendered = render(reply)
    assert rendered.content is not None and rendered.content.startswith("**If you are in danger")
    assert rendered.embeds[0].description == "**Heading**\nBody text"
    # An edit without pinned text leaves the content (the crisis lines) alone.
    later = render(Reply(sections=(Section("next"),), replace=True))
    assert "content" not in later.edit_kwargs()
    assert later.edit_kwargs()["view"] is None


async def test_long_text_is_split_within_discord_limits() -> None:
    long = "word " * 3000  # 15,000 characters
    rendered = render(Reply(pinned=(Section(long),), sections=(Section(long), Section(long))))
    assert rendered.content is not None and len(rendered.content) <= 2000
    assert all(len(e.description or "") <= 4096 for e in rendered.embeds)
    assert sum(len(e.description or "") for e in rendered.embeds) <= 6000
    assert len(rendered.embeds) <= 10


async def test_buttons_keep_action_ids_and_limits() -> None:
    choices = [
        Action("practice.choose", f"run:step:{n}", "x" * 120, Style.PRIMARY) for n in range(30)
    ]
    actions = (*choices, Action("link", "", "Read", url="https://example.org"))
    view = render(Reply(actions=actions)).view
    assert view is not None and view.is_finished(), "never tracked by discord.py"
    payload = view.to_components()
    assert len(payload) == 5 and all(len(row["components"]) == 5 for row in payload)
    buttons = [b for row in payload for b in row["components"]]
    assert buttons[0]["custom_id"] == "practice.choose|run:step:0"
    assert all(len(b["label"]) <= 80 for b in buttons)


async def test_empty_reply_still_renders_a_valid_message() -> None:
    rendered = render(Reply())
    assert rendered.content


async def test_modal_has_selects_without_defaults() -> None:
    form = Form(
        "checkin.form",
        "A title that is far too long for a Discord modal title",
        (
            Field("text", "What is going on?", multiline=True, max_length=9000),
            Field(
                "identity",
                "Your name",
                required=True,
                options=(Option("a", "Anon"), Option("n", "Named")),
            ),
        ),
    )
    modal = render_modal(form)
    data = modal.to_dict()
    assert len(data["title"]) <= 45 and data["custom_id"] == "checkin.form"
    text_input = data["components"][0]["components"][0]
    assert text_input["max_length"] == 4000 and text_input["style"] == 2
    label = data["components"][1]
    assert label["type"] == 18 and label["component"]["type"] == 3
    assert not any(o.get("default") for o in label["component"]["options"])
    assert label["component"]["min_values"] == 1


def test_modal_values_from_labels_and_rows() -> None:
    data = {
        "custom_id": "checkin.form",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "hi"}]},
            {"type": 18, "component": {"type": 3, "custom_id": "identity", "values": ["named"]}},
            {"type": 18, "component": {"type": 3, "custom_id": "urgency", "values": []}},
        ],
    }
    assert modal_values(data) == {"text": "hi", "identity": "named", "urgency": ""}
    assert modal_values(None) == {}


def test_settings_from_env() -> None:
    settings = DiscordSettings.from_env({**ENV, "DISCORD_LEAD_ROLE_ID": " 7 "})
    assert settings.volunteer_channel_id == 10 and settings.lead_role_id == 7
    assert settings.guild_id is None and settings.api_base is None
    with pytest.raises(DiscordSettingsError, match="DISCORD_TOKEN"):
        DiscordSettings.from_env({"DISCORD_VOLUNTEER_CHANNEL_ID": "10"})
    # Only servers set up from the chat: no default volunteers' channel is needed.
    assert DiscordSettings.from_env({"DISCORD_TOKEN": "t"}).volunteer_channel_id is None
    with pytest.raises(DiscordSettingsError, match="DISCORD_VOLUNTEER_CHANNEL_ID"):
        DiscordSettings.from_env({"DISCORD_TOKEN": "t", "DISCORD_VOLUNTEER_CHANNEL_ID": "vol"})
    with pytest.raises(DiscordSettingsError, match="numeric"):
        DiscordSettings.from_env({**ENV, "DISCORD_GUILD_ID": "my-guild"})


def test_roles_from_role_ids_and_manage_server() -> None:
    settings = DiscordSettings.from_env(
        {
            **ENV,
            "DISCORD_VOLUNTEER_ROLE_ID": "1",
            "DISCORD_LEAD_ROLE_ID": "2",
            "DISCORD_MODERATOR_ROLE_ID": "3",
        }
    )
    ids = env_settings(settings)
    assert roles_for(ids, ["1"], False) == {Role.VOLUNTEER}
    assert roles_for(ids, ["1", "2"], False) == {Role.VOLUNTEER, Role.LEAD}
    assert roles_for(ids, ["3"], False) == {Role.MODERATOR}
    assert roles_for(ids, [], True) == {Role.ADMIN, Role.MODERATOR}
    assert roles_for(ids, ["9"], False) == frozenset()


def test_message_refs_round_trip() -> None:
    assert parse_ref(format_ref(1, 2)) == (1, 2)
    assert parse_ref("console-3") is None


def _as_discord_ui_builds_them(actions: tuple[Action, ...]) -> list[dict[str, object]]:
    """The same buttons built the long way, with discord.ui objects."""
    import discord

    styles = {
        Style.PRIMARY: discord.ButtonStyle.primary,
        Style.DANGER: discord.ButtonStyle.danger,
    }
    view = discord.ui.View(timeout=None)
    for index, action in enumerate(actions[:25]):
        label = action.label.strip() or "…"
        label = label if len(label) <= 80 else label[:79] + "…"
        if action.url:
            view.add_item(discord.ui.Button(label=label, url=action.url, row=index // 5))
        else:
            view.add_item(
                discord.ui.Button(
                    label=label,
                    custom_id=action.id,
                    style=styles.get(action.style, discord.ButtonStyle.secondary),
                    row=index // 5,
                )
            )
    return view.to_components()


@pytest.mark.parametrize("count", [1, 5, 7, 25, 30])
def test_buttons_are_sent_as_discord_ui_would_send_them(count: int) -> None:
    kinds = [Style.SECONDARY, Style.PRIMARY, Style.DANGER]
    actions = tuple(
        Action("practice.choose", f"run:{n}", f"Choice {n} " + "x" * (n * 7), kinds[n % 3])
        if n % 4
        else Action("link", str(n), f"Read {n}", url=f"https://example.org/{n}")
        for n in range(count)
    )
    rendered = render(Reply(sections=(Section("text"),), actions=actions))
    assert rendered.view is not None
    assert rendered.view.to_components() == _as_discord_ui_builds_them(actions)
    assert not rendered.view.is_dispatchable(), "discord.py must not keep or dispatch to it"


async def test_two_members_at_one_step_get_the_same_buttons(console: Console) -> None:
    app = console.runtime.app
    rendered = []
    for name in ("sam", "kim"):
        member = Actor("console", name)
        intro = await app.practice(member, "lift-remark")
        begin = next(a for a in intro.actions if a.kind == "practice.begin")
        rendered.append(render(await app.press(member, begin.id)))
    sams, kims = rendered
    assert sams.view is not None and kims.view is not None
    assert sams.view.to_components() == kims.view.to_components()
    assert [e.to_dict() for e in sams.embeds] == [e.to_dict() for e in kims.embeds]
    ids = [c["custom_id"] for row in sams.view.to_components() for c in row["components"]]
    assert ids[0] == "practice.choose|lift-remark:doors-close:1:0"
