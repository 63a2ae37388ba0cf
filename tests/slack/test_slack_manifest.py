"""manifest.yml agrees with the code: command, endpoints, events, scopes, mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapters.slack.settings import (
    BOT_SCOPES,
    DEFAULT_API_BASE,
    DEFAULT_COMMAND,
    DEFAULT_PORT,
    EVENTS_PATH,
    REDIRECT_PATH,
    SlackSettings,
    SlackSettingsError,
)

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def _manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_manifest_matches_what_the_adapter_serves() -> None:
    data = _manifest()
    [command] = data["features"]["slash_commands"]
    assert command["command"] == DEFAULT_COMMAND
    settings = data["settings"]
    for url in (
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ):
        assert url.startswith("https://") and url.endswith(EVENTS_PATH)
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "message.im",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    home = data["features"]["app_home"]
    assert home["home_tab_enabled"] is True and home["messages_tab_enabled"] is True
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    needed = {"commands", "chat:write", "im:history", "im:write", "users:read", "usergroups:read"}
    assert needed <= scopes
    # An install by OAuth asks for exactly the manifest's scopes, and comes back to us.
    assert data["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    [redirect] = data["oauth_config"]["redirect_urls"]
    assert redirect.startswith("https://") and redirect.endswith(REDIRECT_PATH)


def test_settings_from_the_environment() -> None:
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert (settings.api_base, settings.port, settings.command) == (
        DEFAULT_API_BASE,
        DEFAULT_PORT,
        DEFAULT_COMMAND,
    )
    assert not settings.socket_mode
    socket = SlackSettings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
            "PORT": "8080",
            "SLACK_API_BASE": "http://127.0.0.1:9/api",
            "SLACK_COMMAND": "ally",
        }
    )
    assert socket.socket_mode and socket.port == 8080
    assert socket.api_base == "http://127.0.0.1:9/api/" and socket.command == "/ally"
    with pytest.raises(SlackSettingsError, match="SLACK_SIGNING_SECRET"):
        SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(SlackSettingsError, match="PORT"):
        SlackSettings.from_env({"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s", "PORT": "web"})


def test_installs_by_oauth_from_the_environment() -> None:
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "cs", "SLACK_SIGNING_SECRET": "s"}
    settings = SlackSettings.from_env(oauth)
    assert settings.oauth and not settings.bot_token and settings.redirect_uri == ""
    # A bot token wins: one workspace, as before.
    assert not SlackSettings.from_env({**oauth, "SLACK_BOT_TOKEN": "xoxb-1"}).oauth
    with pytest.raises(SlackSettingsError, match="SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"):
        SlackSettings.from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"})
    with pytest.raises(SlackSettingsError, match="HTTP mode"):
        SlackSettings.from_env({**oauth, "SLACK_APP_TOKEN": "xapp-1"})
    with pytest.raises(SlackSettingsError, match="SLACK_SIGNING_SECRET"):
        SlackSettings.from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "cs"})
