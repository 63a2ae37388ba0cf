"""Shared pieces of the load, fault and shutdown tests.

- :class:`IndexedStandIn` — the Slack Web API stand-in, plus waits keyed by what a call
  was for (a response_url, a DM, a trigger), so that hundreds of members waiting at
  once do not each rescan every call (the stand-in's own ``wait_for`` scans them all).
- :class:`Members` — members and volunteers acting through the bot's real HTTP endpoint
  with signed requests (``SlackDriver``): practice runs and check-ins, step by step.
- :class:`BotProcess` — ``python -m bot run`` as a child process in Slack HTTP mode
  against the stand-in, with its stderr (JSON log lines) captured.

Every wait is on a condition (a call reaching the stand-in, /health answering, the
process exiting) with a generous deadline: the machine may be slow and shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_standin import (
    RESPONSE_URL_METHOD,
    Call,
    SlackDriver,
    SlackStandIn,
    plain_text_value,
    radio_buttons_value,
)

from bot.core.desk_support import CLAIM, CONFIRM
from bot.core.practice import BEGIN, CHOOSE, INTRO

ROOT = Path(__file__).resolve().parents[2]

SECRET = "ops-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-ops-1234567890-abcdefghijklmnop"
VOLUNTEER = "U0VOLOPS1"
VOLUNTEER_CHANNEL = "C0VOLOPS"
VOLUNTEER_GROUP = "S0VOLOPS"
LEAD_GROUP = "S0LEADOPS"
MODERATOR_GROUP = "S0MODOPS"
CHANNEL = "C0GENERAL"

WAIT = 60.0  # seconds: a deadline for one reply on a slow, shared machine

JSON = dict[str, Any]


# -- the stand-in, indexed --------------------------------------------------------------


def path_of(url: str) -> str:
    return urlsplit(url).path


class IndexedStandIn(SlackStandIn):
    """Waits keyed by (method, key): a response_url's path, a DM's user, a trigger_id.

    ``expect`` is called before the request that causes the call, and is resolved by the
    first successful matching call recorded after it.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._seen = 0
        self._expected: dict[tuple[str, str], list[asyncio.Future[Call]]] = defaultdict(list)
        # Called with every call as it is recorded (a test's trigger: "kill it now").
        self.observers: list[Callable[[Call], None]] = []
        # method -> gate: requests for a held method wait until the gate opens (work kept
        # in flight on purpose). ``held`` counts them; a request whose caller is gone by
        # the time the gate opens is not recorded (it never reached anyone) but counted
        # in ``abandoned``.
        self.holds: dict[str, asyncio.Event] = {}
        self.held: dict[str, int] = defaultdict(int)
        self.abandoned: dict[str, int] = defaultdict(int)

    def hold(self, method: str) -> None:
        self.holds[method] = asyncio.Event()

    def release(self, method: str) -> None:
        self.holds.pop(method).set()

    async def _wait_at_gate(self, method: str, request: web.Request) -> bool:
        gate = self.holds.get(method)
        if gate is None:
            return True
        self.held[method] += 1
        await gate.wait()
        transport = request.transport
        if transport is None or transport.is_closing():
            self.abandoned[method] += 1
            return False
        return True

    async def _handle_api(self, request: web.Request) -> web.Response:
        if not await self._wait_at_gate(request.match_info["method"], request):
            return web.Response(status=503)
        return await super()._handle_api(request)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        if not await self._wait_at_gate(RESPONSE_URL_METHOD, request):
            return web.Response(status=503)
        return await super()._handle_response_url(request)

    def clear_calls(self) -> None:
        super().clear_calls()
        self._seen = 0

    async def _record(self, **kwargs: Any) -> None:
        await super()._record(**kwargs)
        # Only the new calls: copying every call so far made a long burst slow itself.
        fresh = self.calls_since(self._seen)
        self._seen += len(fresh)
        for call in fresh:
            for observer in list(self.observers):
                observer(call)
            if call.ok:
                for key in _keys(call):
                    for future in self._expected.pop(key, []):
                        if not future.done():
                            future.set_result(call)

    def expect(self, method: str, key: str) -> asyncio.Future[Call]:
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self._expected[(method, key)].append(future)
        return future


def _keys(call: Call) -> list[tuple[str, str]]:
    if call.method == RESPONSE_URL_METHOD:
        return [(call.method, call.path)]
    if call.method == "chat.postMessage":
        return [(call.method, str(call.args.get("channel", "")))]
    if call.method == "views.open":
        return [(call.method, str(call.args.get("trigger_id", "")))]
    return []


async def arrival(future: asyncio.Future[Call], what: str, timeout: float = WAIT) -> Call:  # noqa: ASYNC109
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise AssertionError(f"{what}: nothing reached the stand-in within {timeout}s") from None


def populate(slack: SlackStandIn, members: list[str]) -> None:
    slack.add_user(VOLUNTEER, "val.ops", real_name="Val Ops", display_name="val")
    for member in members:
        slack.add_user(member, member.lower())
    slack.set_usergroup_members(VOLUNTEER_GROUP, [VOLUNTEER])
    slack.set_usergroup_members(LEAD_GROUP, [])
    slack.set_usergroup_members(MODERATOR_GROUP, [])
    slack.set_channel_members(VOLUNTEER_CHANNEL, [VOLUNTEER, slack.bot_user_id])


def slack_env(slack: SlackStandIn) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE": slack.api_url,
        "SLACK_VOLUNTEER_CHANNEL": VOLUNTEER_CHANNEL,
        "SLACK_VOLUNTEER_GROUP": VOLUNTEER_GROUP,
        "SLACK_LEAD_GROUP": LEAD_GROUP,
        "SLACK_MODERATOR_GROUP": MODERATOR_GROUP,
    }


# -- reading blocks ---------------------------------------------------------------------


def buttons(blocks: list[JSON]) -> list[JSON]:
    found: list[JSON] = []
    for block in blocks:
        if block.get("type") == "actions":
            found.extend(e for e in block["elements"] if e.get("type") == "button")
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "button":
            found.append(accessory)
    return found


def button_valued(blocks: list[JSON], prefix: str) -> JSON | None:
    return next((b for b in buttons(blocks) if str(b.get("value", "")).startswith(prefix)), None)


def text_of(blocks: list[JSON]) -> str:
    parts: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements", []) if block.get("type") == "context" else []:
            if isinstance(element, dict):
                parts.append(str(element.get("text", "")))
    return "\n".join(parts)


def checkin_id_of(element: JSON) -> str:
    return str(element["value"]).partition("|")[2]


def cards(slack: SlackStandIn) -> dict[str, list[Call]]:
    """Volunteer cards that reached the volunteers' channel, by check-in id."""
    found: dict[str, list[Call]] = defaultdict(list)
    for call in slack.delivered("chat.postMessage"):
        if call.args.get("channel") != VOLUNTEER_CHANNEL:
            continue
        claim = button_valued(call.args.get("blocks") or [], f"{CLAIM}|")
        if claim is not None:
            found[checkin_id_of(claim)].append(call)
    return found


def form_values(text: str, identity: str = "anonymous") -> dict[str, dict[str, JSON]]:
    return {
        "text": {"value": plain_text_value(text)},
        "category": {"value": radio_buttons_value("harassment")},
        "urgency": {"value": radio_buttons_value("this-week")},
        "identity": {"value": radio_buttons_value(identity)},
    }


# -- members acting through the bot's endpoint ------------------------------------------


@dataclass
class Submitted:
    """A check-in a member confirmed: its id, and whether "received" reached them."""

    member: str
    checkin_id: str
    summary: Call
    url_path: str  # the response_url the press carried: where "received" goes
    received: Call | None = None


@dataclass
class Members:
    slack: IndexedStandIn
    driver: SlackDriver
    recaps: dict[str, str] = field(default_factory=dict)
    submissions: list[Submitted] = field(default_factory=list)

    async def _ack_or_response(self, member: str, text: str) -> list[JSON]:
        """A slash command's answer: in the ack body, or later through its response_url."""
        url = self.slack.issue_response_url(CHANNEL, member)
        late = self.slack.expect(RESPONSE_URL_METHOD, path_of(url))
        ack = await self.driver.slash_command("/upstander", text, user_id=member, response_url=url)
        assert ack.status == 200, (ack.status, ack.body)
        body = ack.json() if ack.body else None
        if isinstance(body, dict) and body.get("blocks"):
            late.cancel()
            return list(body["blocks"])
        call = await arrival(late, f"{member}: /upstander {text}")
        return list(call.args["blocks"])

    async def _press(self, member: str, element: JSON) -> list[JSON]:
        """Press a button in an ephemeral message; the answer comes by its response_url."""
        url = self.slack.issue_response_url(CHANNEL, member)
        answer = self.slack.expect(RESPONSE_URL_METHOD, path_of(url))
        ack = await self.driver.click_button(
            str(element["action_id"]),
            str(element["value"]),
            user_id=member,
            channel_id=CHANNEL,
            message={"ts": "1700000000.000001"},
            is_ephemeral=True,
            response_url=url,
        )
        assert ack.status == 200, (ack.status, ack.body)
        call = await arrival(answer, f"{member}: pressed {element['value']}")
        return list(call.args["blocks"])

    async def practise(self, member: str, choice: int = 0) -> str:
        """/upstander practice → first scenario → begin → choose until the end: the recap."""
        blocks = await self._ack_or_response(member, "practice")
        for prefix in (INTRO, BEGIN):
            element = button_valued(blocks, f"{prefix}|")
            assert element is not None, (member, prefix, text_of(blocks))
            blocks = await self._press(member, element)
        for _ in range(20):
            choices = [b for b in buttons(blocks) if str(b["value"]).startswith(f"{CHOOSE}|")]
            if not choices:
                break
            blocks = await self._press(member, choices[choice % len(choices)])
        self.recaps[member] = text_of(blocks)
        return self.recaps[member]

    async def volunteer_on(self, volunteer: str = VOLUNTEER) -> None:
        await self._ack_or_response(volunteer, "volunteer on")

    async def fill_form(self, member: str, text: str) -> Call:
        """/upstander checkin → the modal → submit: the summary the bot posts in the DM."""
        trigger = self.slack.issue_trigger_id(member)
        opened = self.slack.expect("views.open", trigger)
        ack = await self.driver.slash_command(
            "/upstander", "checkin", user_id=member, trigger_id=trigger
        )
        assert ack.status == 200, (ack.status, ack.body)
        view_id = (await arrival(opened, f"{member}: the check-in modal")).response["view"]["id"]
        view = self.slack.views[view_id]
        summary = self.slack.expect("chat.postMessage", member)
        submitted = await self.driver.submit_view(view, form_values(text), user_id=member)
        assert submitted.status == 200, (submitted.status, submitted.body)
        return await arrival(summary, f"{member}: the check-in summary")

    async def confirm(self, member: str, summary: Call, *, wait: bool = True) -> Submitted:
        """Press "Send to volunteers" in the summary; with ``wait``, until "received".

        The press is recorded in ``submissions`` before it is sent, so that a test that
        kills the bot knows every check-in that may have been stored.
        """
        element = button_valued(summary.args["blocks"], f"{CONFIRM}|")
        assert element is not None, text_of(summary.args["blocks"])
        channel = str(summary.response["channel"])
        url = self.slack.issue_response_url(channel, member)
        received = self.slack.expect(RESPONSE_URL_METHOD, path_of(url))
        submitted = Submitted(member, checkin_id_of(element), summary, path_of(url))
        self.submissions.append(submitted)
        ack = await self.driver.click_button(
            str(element["action_id"]),
            str(element["value"]),
            user_id=member,
            channel_id=channel,
            message=summary.response["message"],
            response_url=url,
        )
        assert ack.status == 200, (ack.status, ack.body)
        if wait:
            submitted.received = await arrival(received, f"{member}: check-in received")
        return submitted

    def told_received(self) -> dict[str, Submitted]:
        """Check-ins whose "received" answer reached the member, by check-in id."""
        answered = {c.path: c for c in self.slack.delivered(RESPONSE_URL_METHOD)}
        told: dict[str, Submitted] = {}
        for submitted in self.submissions:
            if submitted.url_path in answered:
                submitted.received = answered[submitted.url_path]
                told[submitted.checkin_id] = submitted
        return told


# -- the bot as a child process -----------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_env(
    slack: SlackStandIn, data_dir: Path, content_dir: Path, resources: Path, port: int, key: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(slack_env(slack))
    env.update(
        {
            "UPSTANDER_DATA_DIR": str(data_dir),
            "UPSTANDER_SECRET_KEY": key,
            "UPSTANDER_CONTENT_DIR": str(content_dir),
            "UPSTANDER_RESOURCES": str(resources),
            "PORT": str(port),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            # Bursts of Sends faster than one community may send them; the per-community
            # limit has its own tests (tests/core/test_limits.py).
            "UPSTANDER_COMMUNITY_CHECKINS_PER_MINUTE": "0",
        }
    )
    env.pop("UPSTANDER_WATCH_CONTENT", None)
    return env


class BotProcess:
    """``python -m bot run`` in Slack HTTP mode; stderr goes to a file the test reads."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.env = dict(env)
        self.port = int(env["PORT"])
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, timeout: float = 90.0) -> None:  # noqa: ASYNC109
        """Start and wait until /health answers 200 (bounded; fails if the process dies)."""
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.returncode is not None:
                    raise AssertionError(f"the bot exited with {self.proc.returncode}: {self.log}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(
                        self.url + "/health", timeout=aiohttp.ClientTimeout(total=10)
                    ) as resp:
                        if resp.status == 200:
                            return
                if loop.time() > deadline:
                    raise AssertionError(f"the bot did not become healthy: {self.log}")
                await asyncio.sleep(0.1)  # polling a port that is not open yet

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def wait(self, timeout: float = 90.0) -> int:  # noqa: ASYNC109
        assert self.proc is not None
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(f"the bot did not exit within {timeout}s: {self.log}") from None

    async def kill(self) -> None:
        self.signal(signal.SIGKILL)
        assert await self.wait() == -signal.SIGKILL

    async def ensure_dead(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_lines(self) -> list[JSON]:
        """The log as JSON lines: in run mode with a platform, every line is JSON."""
        return [json.loads(raw) for raw in self.log.splitlines() if raw.strip()]


async def until(
    condition: Callable[[], Awaitable[bool] | bool], what: str, within: float = WAIT
) -> None:
    """Wait (bounded) until ``condition()`` holds, checking every 50 ms."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {within}s")
        await asyncio.sleep(0.05)
