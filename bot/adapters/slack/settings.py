"""Slack settings, read from the environment (tokens and secrets live only there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import UpstanderError

DEFAULT_API_BASE: str = AsyncWebClient.BASE_URL
DEFAULT_PORT = 3000
DEFAULT_COMMAND = "/upstander"
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/health"
# Installs by OAuth (bolt's flow): "Add to Slack" links here; Slack sends the person back.
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes an install asks for: manifest.yml's (a test keeps the two equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
    "usergroups:read",
    "channels:read",
    "groups:read",
    "files:read",
)


class SlackSettingsError(UpstanderError, ValueError):
    """A Slack setting is missing or malformed; the message names it."""


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    app_token: str = ""
    volunteer_channel: str = ""
    volunteer_group: str = ""
    lead_group: str = ""
    moderator_group: str = ""
    api_base: str = DEFAULT_API_BASE
    port: int = DEFAULT_PORT
    command: str = DEFAULT_COMMAND
    # Installs by OAuth, any number of workspaces (used when no SLACK_BOT_TOKEN is set).
    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""  # only needed when the app has several redirect URLs

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        """Whether workspaces install the app by OAuth (no single bot token)."""
        return not self.bot_token and bool(self.client_id and self.client_secret)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        def get(name: str) -> str:
            return env.get(name, "").strip()

        bot_token = get("SLACK_BOT_TOKEN")
        signing_secret = get("SLACK_SIGNING_SECRET")
        app_token = get("SLACK_APP_TOKEN")
        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        _check_mode(bot_token, signing_secret, app_token, bool(client_id and client_secret))
        raw_port = get("PORT") or str(DEFAULT_PORT)
        if not raw_port.isdigit() or not 0 <= int(raw_port) <= 65535:
            raise SlackSettingsError(f"PORT must be a port number, not {raw_port!r}")
        api_base = get("SLACK_API_BASE") or DEFAULT_API_BASE
        if not api_base.endswith("/"):
            api_base += "/"  # slack_sdk joins method names onto it
        command = get("SLACK_COMMAND") or DEFAULT_COMMAND
        if not command.startswith("/"):
            command = "/" + command
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            volunteer_channel=get("SLACK_VOLUNTEER_CHANNEL"),
            volunteer_group=get("SLACK_VOLUNTEER_GROUP"),
            lead_group=get("SLACK_LEAD_GROUP"),
            moderator_group=get("SLACK_MODERATOR_GROUP"),
            api_base=api_base,
            port=int(raw_port),
            command=command,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=get("SLACK_REDIRECT_URI"),
        )


def _check_mode(bot_token: str, signing_secret: str, app_token: str, oauth: bool) -> None:
    if not bot_token and not oauth:
        raise SlackSettingsError(
            "SLACK_BOT_TOKEN is not set (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET,"
            " for installs by OAuth)"
        )
    if not bot_token and app_token:
        raise SlackSettingsError(
            "installs by OAuth are served in HTTP mode: unset SLACK_APP_TOKEN, or set"
            " SLACK_BOT_TOKEN for one workspace in Socket Mode"
        )
    if not signing_secret and not app_token:
        # HTTP mode verifies every request with it; Socket Mode does not need it.
        raise SlackSettingsError("SLACK_SIGNING_SECRET is not set (needed in HTTP mode)")
