"""Where discord.py sends its REST requests and opens its gateway.

Production leaves both settings unset and talks to Discord itself. Tests point the real
discord.py client at a loopback stand-in, and an operator may route through a proxy, by
setting them. discord.py keeps these as process-wide class attributes
(``discord.http.Route.BASE`` and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``),
so this module is the one place that changes them, and it always lets the caller put the
previous values back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

__all__ = [
    "DEFAULT_API_BASE",
    "DEFAULT_GATEWAY_URL",
    "EndpointSettings",
    "configure_endpoints",
    "current_endpoints",
    "endpoints",
    "restore_endpoints",
]

# Captured at import time, before anything in this process could have changed them.
DEFAULT_API_BASE: str = Route.BASE
DEFAULT_GATEWAY_URL: str = str(DiscordWebSocket.DEFAULT_GATEWAY)


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    """The REST base URL and the gateway URL discord.py is using."""

    api_base: str
    gateway_url: str


def current_endpoints() -> EndpointSettings:
    """The values discord.py is using right now."""
    return EndpointSettings(api_base=Route.BASE, gateway_url=str(DiscordWebSocket.DEFAULT_GATEWAY))


def _normalise_api_base(api_base: str) -> str:
    # Route builds URLs as BASE + "/users/@me", so a trailing slash would double up.
    base = api_base.rstrip("/")
    url = yarl.URL(base)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"api_base must be an absolute http(s) URL, got {api_base!r}")
    return base


def _normalise_gateway(gateway_url: str) -> yarl.URL:
    url = yarl.URL(gateway_url)
    if url.scheme not in ("ws", "wss", "http", "https") or not url.host:
        raise ValueError(f"gateway_url must be an absolute ws(s) URL, got {gateway_url!r}")
    if url.query_string:
        # discord.py adds v=, encoding= and compress= itself (with_query replaces the query).
        raise ValueError(f"gateway_url must not carry a query string, got {gateway_url!r}")
    return url


def configure_endpoints(api_base: str | None, gateway_url: str | None) -> EndpointSettings:
    """Point discord.py at ``api_base`` (REST) and ``gateway_url`` (WebSocket).

    ``None`` means Discord's own default for that setting. Returns the settings that were
    in force before the call, so that a caller can hand them to :func:`restore_endpoints`.

    This changes process-global state in discord.py: every client in the process is
    affected, including interaction callbacks and webhook follow-ups (they are built from
    ``Route.BASE`` too). Call it before the client logs in.
    """
    previous = current_endpoints()
    base = DEFAULT_API_BASE if api_base is None else _normalise_api_base(api_base)
    gateway = (
        yarl.URL(DEFAULT_GATEWAY_URL) if gateway_url is None else _normalise_gateway(gateway_url)
    )
    Route.BASE = base
    DiscordWebSocket.DEFAULT_GATEWAY = gateway
    return previous


def restore_endpoints(settings: EndpointSettings) -> None:
    """Put back settings returned by :func:`configure_endpoints` or :func:`current_endpoints`."""
    Route.BASE = settings.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


@contextmanager
def endpoints(api_base: str | None, gateway_url: str | None) -> Iterator[EndpointSettings]:
    """Use the given endpoints inside the ``with`` block, then restore the previous ones.

    Yields the settings now in force.
    """
    previous = configure_endpoints(api_base, gateway_url)
    try:
        yield current_endpoints()
    finally:
        restore_endpoints(previous)
