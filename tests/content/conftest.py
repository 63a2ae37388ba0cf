"""Fixtures for the content tests: a content tree in tmp_path, the working directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from content_tree import FIXTURES, Tree


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    shutil.copytree(FIXTURES / "base", tmp_path / "tree")
    monkeypatch.chdir(tmp_path)
    return Tree(tmp_path / "tree")
