"""What a failed Slack call is logged as: Slack's error code, never the request."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError


def failure_reason(exc: Exception) -> str:
    """Slack's error code (``channel_not_found``) or the exception's class name."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error", "error"))
    return type(exc).__name__
