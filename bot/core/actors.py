"""Who is asking: a person on a platform, as the platform attests it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    LEAD = "lead"
    MODERATOR = "moderator"
    # The community's admin (Discord Manage Server; Slack workspace admin or owner, or the
    # installer), as the platform's Directory verified it: may change its settings.
    ADMIN = "admin"


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
    # The community (one Discord server, one Slack workspace) the person acts in; empty
    # means the platform's own default community, whose id is the platform's name.
    community: str = ""

    def __post_init__(self) -> None:
        if not self.community:
            object.__setattr__(self, "community", self.platform)

    @property
    def key(self) -> str:
        """The member's key in their community: the same person in two communities has
        two keys, so nothing stored links them. The default community's keys are the
        ones stored before communities existed."""
        return f"{self.community}:{self.user_id}"
