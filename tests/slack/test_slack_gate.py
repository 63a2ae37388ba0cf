"""Hostile HTTP requests cost nothing: refused at the door, in one short log line each.

The real adapter serves the real bolt app on 127.0.0.1:0 (``bot`` fixture); requests are
sent as raw bytes so that bodies Slack never sends (not UTF-8, nested thousands deep,
oversized, chunked) can be tried, signed with the app's secret or not.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_harness import MEMBER, SECRET, SlackBot

from bot.adapters.slack.gate import MAX_BODY_BYTES
from bot.adapters.slack.settings import EVENTS_PATH

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEEP = "[" * 100_000 + "]" * 100_000
LONGEST_LINE = 80


def signed_headers(body: bytes, content_type: str, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 signature computed over the exact bytes (the driver signs str only)."""
    ts = str(int(time.time()))
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def hostile_unsigned(i: int) -> tuple[bytes, dict[str, str]]:
    """The i-th of a rotating set of unsigned bodies and headers an attacker might send."""
    bodies: list[tuple[bytes, str]] = [
        (b"\xff\xfe\xfa payload=\x80\x81" + bytes([i % 256]) * 64, FORM),
        (('{"a":' * 20_000 + "1" + "}" * 20_000).encode(), JSON),
        (DEEP.encode(), JSON),
        (b"payload=" + DEEP.encode(), FORM),
        (json.dumps({"type": "block_actions", "user": {"id": MEMBER}}).encode(), JSON),
    ]
    body, content_type = bodies[i % len(bodies)]
    headers = signed_headers(body, content_type, secret="not-the-secret")
    if i % 3 == 1:
        headers["X-Slack-Request-Timestamp"] = "not-a-number\u00e9"
    elif i % 3 == 2:
        del headers["X-Slack-Signature"]
    return body, headers


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession, bot: SlackBot, body: bytes, headers: dict[str, str]
) -> int:
    data = io.BytesIO(body)  # aiohttp warns about large raw bytes
    async with http.post(bot.server.url + EVENTS_PATH, data=data, headers=headers) as resp:
        await resp.read()
        return resp.status


def gate_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.adapters.slack.gate"]


async def test_500_unsigned_hostile_requests_get_401_and_one_short_line_each(
    bot: SlackBot, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    statuses: list[int] = []
    with caplog.at_level(logging.DEBUG):
        for i in range(500):
            body, headers = hostile_unsigned(i)
            statuses.append(await post(http, bot, body, headers))
    assert set(statuses) == {401}
    assert not [r for r in caplog.records if r.exc_info is not None or r.levelno >= logging.ERROR]
    # Nothing but the door's own line: no bolt warning, no access log, no traceback.
    assert len(caplog.records) == len(gate_lines(caplog)) == 500
    assert max(len(r.getMessage()) for r in caplog.records) <= LONGEST_LINE
    assert len(caplog.text) < 500 * 2 * LONGEST_LINE
    assert bot.slack.calls() == []


SIGNED_MALFORMED: list[tuple[bytes, str]] = [
    (b"payload=%7Bnot+json", FORM),  # a payload that is not JSON
    (b"payload=" + json.dumps(["a", "list"]).encode(), FORM),  # JSON, not an object
    (b'"just a string"', JSON),
    (b"[1, 2, 3]", JSON),
    (b"{truncated", JSON),
    (DEEP.encode(), JSON),  # nested deeper than any parser recurses
    (b"payload=" + DEEP.encode(), FORM),
    (b"\xff\xfe payload=x", FORM),  # signed, yet not UTF-8
    (b"payload=%FF%FE%ZZ", FORM),  # bad percent-encoding
    (json.dumps({"type": "block_actions", "actions": [{"action_id": "up:1"}]}).encode(), JSON),
    (b"payload=" + json.dumps({"type": "view_submission", "user": {"id": MEMBER}}).encode(), FORM),
    (b"command=%2Fupstander&text=help", FORM),  # no user id
]


@pytest.mark.parametrize(("body", "content_type"), SIGNED_MALFORMED)
async def test_a_signed_malformed_request_gets_400_and_one_line(
    bot: SlackBot,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
) -> None:
    with caplog.at_level(logging.DEBUG):
        status = await post(http, bot, body, signed_headers(body, content_type))
    expected = 401 if body.startswith(b"\xff") else 400  # bytes SignatureVerifier cannot read
    assert status == expected
    [line] = caplog.records
    assert line.name == "bot.adapters.slack.gate" and line.exc_info is None
    assert len(line.getMessage()) <= LONGEST_LINE

    ack = await bot.driver.slash_command("/upstander", "help", user_id=MEMBER)
    assert ack.status == 200 and ack.json()["blocks"]


@pytest.mark.parametrize("signed", [True, False])
async def test_an_oversized_body_gets_413_before_it_is_read(
    bot: SlackBot, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture, signed: bool
) -> None:
    body = b"payload=" + b"x" * MAX_BODY_BYTES
    headers = signed_headers(body, FORM, secret=SECRET if signed else "wrong")
    with caplog.at_level(logging.DEBUG):
        assert await post(http, bot, body, headers) == 413
    assert [r.name for r in caplog.records] == ["bot.adapters.slack.gate"]
    assert bot.slack.calls() == []


async def test_an_oversized_chunked_body_gets_413(
    bot: SlackBot, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    chunk = b"x" * 65536

    async def chunks() -> AsyncIterator[bytes]:
        yield b"payload="
        for _ in range(MAX_BODY_BYTES // len(chunk) + 2):
            yield chunk

    headers = signed_headers(b"", FORM)
    with caplog.at_level(logging.DEBUG):
        async with http.post(bot.server.url + EVENTS_PATH, data=chunks(), headers=headers) as r:
            assert r.status == 413
    assert not [r for r in caplog.records if r.exc_info is not None]


async def test_a_valid_signed_request_still_works_after_the_hostile_ones(
    bot: SlackBot, http: aiohttp.ClientSession
) -> None:
    for i in range(10):
        assert await post(http, bot, *hostile_unsigned(i)) == 401
    body = b"command=%2Fupstander&text=help&user_id=" + MEMBER.encode()
    assert await post(http, bot, body, signed_headers(body, FORM)) == 200
