"""What the stand-in saw: recorded REST requests and gateway frames, a clock, and faults."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
U = TypeVar("U")


class Clock(Protocol):
    """What the stand-in reads time from (deadlines, token lifetimes)."""

    def now(self) -> float:
        """Seconds, monotonic."""
        ...

    def advance(self, seconds: float) -> None:
        """Make the stand-in believe ``seconds`` have passed."""
        ...


class StandinClock:
    """Real monotonic time plus an offset that tests can push forward.

    ``advance(4)`` makes the stand-in believe four seconds have passed (an interaction
    dispatched now is then too old to answer) without sleeping.
    """

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = 0.0) -> None:
        self.value = start

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@dataclass
class RecordedRequest:
    """One REST request the bot made, and how the stand-in answered it."""

    index: int
    method: str
    path: str  # relative to the API base, e.g. "/channels/123/messages"
    route: str | None  # the stand-in's name for the route, None when unknown
    params: dict[str, str]  # path parameters, e.g. {"channel_id": "123"}
    query: dict[str, str]
    json: Any  # the JSON body (or multipart payload_json), None when absent
    headers: dict[str, str]  # Authorization, Content-Type, User-Agent, X-Audit-Log-Reason
    files: list[str]  # file names of multipart attachments
    at: float  # stand-in clock time
    status: int = 0
    response: Any = None
    injected: bool = False  # answered by fail_next()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error_code(self) -> int | None:
        if isinstance(self.response, dict):
            code = self.response.get("code")
            return code if isinstance(code, int) else None
        return None


@dataclass
class GatewayFrame:
    """A frame on the gateway. ``direction`` is "recv" (from the bot) or "send"."""

    index: int
    direction: str
    op: int
    data: Any
    seq: int | None
    event: str | None
    connection: int
    at: float


class Log(Generic[T]):
    """An append-only list whose readers can wait for an entry matching a predicate."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self._changed = asyncio.Event()
        self._waiters = 0
        # wait_for's pending predicates, tested against each new entry as it is appended,
        # so that a waiter is woken only by its own match (many concurrent waiters would
        # otherwise all wake, and rescan, on every entry).
        self._pending: list[tuple[Callable[[T], bool], asyncio.Future[T]]] = []

    def append(self, item: T) -> None:
        self.items.append(item)
        self._changed.set()
        if self._pending:
            self._offer(item)

    def _offer(self, item: T) -> None:
        still: list[tuple[Callable[[T], bool], asyncio.Future[T]]] = []
        for predicate, future in self._pending:
            if future.done():
                continue  # timed out or cancelled
            try:
                matched = predicate(item)
            except Exception as exc:
                future.set_exception(exc)
                continue
            if matched:
                future.set_result(item)
            else:
                still.append((predicate, future))
        self._pending = still

    def find(self, predicate: Callable[[T], bool], start: int = 0) -> T | None:
        items = self.items
        # By index: slicing would copy the whole log on every call.
        for index in range(start, len(items)):
            if predicate(items[index]):
                return items[index]
        return None

    async def wait_for(
        self,
        predicate: Callable[[T], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        start: int = 0,
    ) -> T:
        found = self.find(predicate, start)
        if found is not None:
            return found
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((predicate, future))
        return await asyncio.wait_for(future, timeout)

    async def wait_until(
        self,
        check: Callable[[], U | None],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> U:
        """Wait until ``check()`` (re-evaluated whenever an entry is added) is not None."""

        async def _wait() -> U:
            while True:
                result = check()
                if result is not None:
                    return result
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(_wait(), timeout)

    async def wait_count(
        self,
        predicate: Callable[[T], bool],
        count: int,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[T]:
        async def _wait() -> list[T]:
            while True:
                found = [i for i in self.items if predicate(i)]
                if len(found) >= count:
                    return found
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(_wait(), timeout)


def compile_path_pattern(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    """``/channels/*/messages`` → one segment per ``*``; ``**`` spans segments.

    A compiled regex is used as is (full match on the path relative to the API base).
    """
    if isinstance(pattern, re.Pattern):
        return pattern
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]+")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


@dataclass
class Fault:
    """A planned failure for the next ``times`` requests matching ``method`` + ``pattern``."""

    method: str
    pattern: re.Pattern[str]
    status: int
    retry_after: float
    times: int
    is_global: bool
    body: dict[str, Any] | None
    hits: list[RecordedRequest] = field(default_factory=list)

    def matches(self, method: str, path: str) -> bool:
        return (
            len(self.hits) < self.times
            and (self.method == "*" or self.method == method)
            and self.pattern.fullmatch(path) is not None
        )

    @property
    def exhausted(self) -> bool:
        return len(self.hits) >= self.times


@dataclass
class Hold:
    """The next request matching ``method`` + ``pattern`` waits, once it has arrived
    (``reached``), until the test lets it go (``release``); then it is handled as usual."""

    method: str
    pattern: re.Pattern[str]
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, method: str, path: str) -> bool:
        return (
            not self.reached.is_set()
            and (self.method == "*" or self.method == method)
            and self.pattern.fullmatch(path) is not None
        )
