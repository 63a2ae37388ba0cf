"""Who is asking: a person on a platform, as the platform attests it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    LEAD = "lead"
    MODERATOR = "moderator"


@dataclass(frozen=True, slots=True)
class Actor:
    """A person as the platform reports them.

    `roles` are role or group ids the platform put in the event (Discord member roles);
    `is_admin` is the platform's own permission flag (Discord Manage Server, Slack admin).
    Neither is trusted to mean anything until the core asks the platform's Directory.
    """

    platform: str
    user_id: str
    display_name: str = ""
    locale: str | None = None
    roles: frozenset[str] = frozenset()
    is_admin: bool = False

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"
