"""One exception root for Upstander.

    UpstanderError
    ├── UserFacingError        expected; carries a copy key shown to the member
    │   ├── PermissionDenied   the actor may not do this (checked in the core)
    │   ├── NotFound           a scenario, run, check-in or page that does not exist
    │   └── Conflict           already claimed, already open, cooling down, ...
    ├── ContentInvalid         moderators' YAML failed validation; carries every Problem
    ├── StorageError           the store failed; the operation did not happen
    └── DeliveryError          a platform refused or failed a send; the outbox retries

Anything else that escapes a use case is a bug: adapters log it and show the member a
fixed, kind apology, never the exception text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


class UpstanderError(Exception):
    """Root of every error Upstander raises on purpose."""


class UserFacingError(UpstanderError):
    """An expected failure. `key` names the bot copy shown to the member."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class PermissionDenied(UserFacingError):
    pass


class NotFound(UserFacingError):
    pass


class Conflict(UserFacingError):
    pass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth a look) in a content file."""

    path: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentInvalid(UpstanderError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "no problems recorded"
        super().__init__(f"{len(self.problems)} content problem(s); first: {first}")


class StorageError(UpstanderError):
    pass


class DeliveryError(UpstanderError):
    """A platform send failed. `retry_after` is the platform's hint in seconds, if any;
    `permanent` says the platform refused it for good (unknown channel, DMs closed), so
    the outbox gives it up after a few tries instead of backing off for long."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
