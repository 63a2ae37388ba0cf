"""A content tree in tmp_path: the valid base fixture, with broken files dropped in.

Tests run with tmp_path as the working directory (see conftest.py), so problems name files
as `tree/content/scenarios/x.yaml`, exactly as a moderator running the CLI would see them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.content.loader import ValidationReport, validate
from bot.core.errors import Problem

# How every missing-translation problem ends (bot.content.locale_checks).
UNTRANSLATED = "members reading it see"


def besides_untranslated(problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """The problems other than texts missing in a locale: the base fixture's Spanish is
    partial on purpose, like a community's translation in progress."""
    return tuple(problem for problem in problems if UNTRANSLATED not in problem.message)


FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Tree:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def resources(self) -> Path:
        return self.root / "resources.yaml"

    def add(self, fixture: str, target: str) -> str:
        """Copy fixtures/broken/<fixture> to <target> in the tree; return how it is shown."""
        destination = self.root / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / "broken" / fixture, destination)
        return f"tree/{target}"

    def overlay(self, fixture_dir: str) -> None:
        """Copy a whole directory of fixtures over the tree."""
        shutil.copytree(FIXTURES / "broken" / fixture_dir, self.root, dirs_exist_ok=True)

    def write(self, target: str, text: str) -> str:
        destination = self.root / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")
        return f"tree/{target}"

    def validate(self) -> ValidationReport:
        return validate(self.content, self.resources)

    def errors(self) -> list[tuple[str, int, str]]:
        return [(p.path, p.line, p.message) for p in self.validate().errors]
