"""The door of the HTTP endpoint: who is asking is settled on the raw bytes, first.

Order, cheapest refusal first: a body over ``MAX_BODY_BYTES`` gets 413 before it is
read in full; a body without a valid Slack signature (``SignatureVerifier``: v0 HMAC of
the exact bytes, timestamp within five minutes; a body that is not UTF-8 cannot carry
one) gets 401 before anything is parsed; a signed body that is not a readable Slack
request (bad form or JSON, nesting deeper than the parser goes, not an object, a shape
``check_request`` refuses) gets 400. Each refusal logs one short line, never the body and
never a traceback (the two that anyone can cause at INFO, so a flood adds no warnings);
only what passes reaches bolt, which verifies the signature again as it always does.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.convert import check_request

log = logging.getLogger(__name__)

# Slack's largest requests (a modal's submission carries the whole view) stay far below.
MAX_BODY_BYTES = 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# What reading a signed body can raise: bad JSON or UTF-8 (ValueError), nesting deeper
# than the parser recurses, and bolt's own readers meeting the wrong types.
_UNREADABLE = (ValueError, RecursionError, TypeError, AttributeError, KeyError, IndexError)


def events_handler(app: AsyncApp, signing_secret: str) -> Handler:
    """The ``POST /slack/events`` handler: refuse at the door, then dispatch to bolt."""
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = await _read(request)
        if raw is None:
            return _refuse(413, "Slack request refused: body too large", logging.INFO)
        if not _signed(verifier, raw, request.headers):
            # At INFO: a wrong signing secret still shows, a flood adds no warnings.
            return _refuse(401, "Slack request refused: invalid signature", logging.INFO)
        try:
            bolt_request = _bolt_request(raw, request)
        except _UNREADABLE as exc:
            return _refuse(400, f"Slack request refused: malformed ({type(exc).__name__})")
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    return handle


async def _read(request: web.Request) -> bytes | None:
    """The raw body, or None when it is larger than ``MAX_BODY_BYTES``."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return None
    try:
        # Chunked bodies have no length up front: aiohttp stops at client_max_size.
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        return None


def _signed(verifier: SignatureVerifier, raw: bytes, headers: Mapping[str, str]) -> bool:
    try:
        return verifier.is_valid_request(raw, dict(headers))
    except ValueError:
        # A timestamp that is not a number, or a body that is not UTF-8: not from Slack.
        return False


def _bolt_request(raw: bytes, request: web.Request) -> AsyncBoltRequest:
    """bolt's request (it parses the body as it is built), checked for Slack's shapes."""
    headers: dict[str, str | Sequence[str]] = dict(request.headers)
    bolt_request = AsyncBoltRequest(
        body=raw.decode("utf-8"), query=request.query_string, headers=headers
    )
    if not isinstance(bolt_request.body, dict):
        raise TypeError("not a JSON object")
    # Refuse shapes Slack never sends before bolt or a listener trips over them.
    check_request(bolt_request.body)
    return bolt_request


def _refuse(status: int, line: str, level: int = logging.WARNING) -> web.Response:
    log.log(level, line)
    return web.Response(status=status, text=_REASONS[status])


_REASONS = {400: "malformed request", 401: "invalid request", 413: "request too large"}
