"""A community's own content files (issue 20.5): what the database keeps of each upload.

Each upload of one path is a new version; the newest version of a path is the one that
overrides the bundled file. A revert drops the newest version, so the one before it (or,
with none, the disk's or the bundled file) serves again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# The paths a community may override, relative to the content root (docs/community-content.md).
_LOCALE = r"[a-z]{2,3}(?:-[A-Z]{2})?"
_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
OVERRIDABLE = re.compile(
    rf"(?:scenarios/{_NAME}|scenarios/{_LOCALE}/{_NAME}|messages/{_LOCALE}|checkin|resources)"
    r"\.yaml"
)
_LOCALE_FILE = re.compile(rf"{_LOCALE}\.yaml")
ROOT_FILES = ("checkin.yaml", "resources.yaml")
# Folders in a file name that cannot have them (a Discord attachment's).
FLAT = "__"
_FLATTENED = (f"scenarios{FLAT}", f"messages{FLAT}")


@dataclass(frozen=True, slots=True)
class ContentFile:
    community: str
    path: str  # relative to the content root, like scenarios/lift-remark.yaml
    version: int  # 1, 2, ... per (community, path)
    text: str
    created_at: datetime
    by_name: str  # the moderator who uploaded it, as the platform showed them


def overridable(path: str) -> bool:
    return OVERRIDABLE.fullmatch(path) is not None


def flat_name(path: str) -> str:
    """`path` as one file name, for platforms whose files have no folders:
    scenarios/es/x.yaml is scenarios__es__x.yaml; `content_path` reads it back."""
    return path.replace("/", FLAT)


def content_path(named: str, locales: frozenset[str] = frozenset()) -> str:
    """Where an uploaded file goes: a path as named (`scenarios/es/x.yaml`), or for a bare
    file name the place its name says: `checkin.yaml` and `resources.yaml` at the root, a
    locale's name (`es.yaml`, one of `locales`) under messages/, any other a scenario.
    Empty when it can go nowhere."""
    named = named.strip().replace("\\", "/").lstrip("/")
    if named.startswith(_FLATTENED):
        named = named.replace(FLAT, "/")
    if "/" not in named and named not in ROOT_FILES:
        stem_is_locale = _LOCALE_FILE.fullmatch(named) and named[:-5] in locales
        named = f"messages/{named}" if stem_is_locale else f"scenarios/{named}"
    return named if overridable(named) else ""
