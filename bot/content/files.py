"""Where content files live, and reading them into YAML documents.

content_dir/scenarios/*.yaml             scenarios in the default locale
content_dir/scenarios/<locale>/*.yaml    their translations
content_dir/messages/<locale>.yaml       bot copy
content_dir/checkin.yaml                 check-in categories, urgencies, crisis rules
resources_file                           reading lists and crisis lines
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.schema import LOCALE_PATTERN
from bot.content.yamldoc import YamlDocument, read_yaml
from bot.core.catalog import DEFAULT_LOCALE
from bot.core.errors import Problem

# Problems about a file or directory as a whole, not a line in it.
WHOLE_FILE = 0

# The content shipped with Upstander, beside the `bot` package in the repository.
_REPOSITORY = Path(__file__).resolve().parent.parent.parent
BUNDLED_CONTENT = _REPOSITORY / "scripts_content"
BUNDLED_RESOURCES = _REPOSITORY / "resources.yaml"


@dataclass(frozen=True, slots=True)
class Layout:
    scenarios: tuple[tuple[Path, str], ...]  # (file, locale), in a stable order
    messages: tuple[tuple[Path, str], ...]
    checkin: Path
    resources: Path
    problems: tuple[Problem, ...]


def shown_path(path: Path) -> str:
    """`path` relative to the working directory when it is inside it, as editors expect."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def is_bundled(path: Path) -> bool:
    """Whether `path` is part of the content shipped with Upstander (not a community's)."""
    try:
        resolved = path.resolve()
    except OSError:
        return False
    return resolved == BUNDLED_RESOURCES or resolved.is_relative_to(BUNDLED_CONTENT)


def discover(content_dir: Path, resources_file: Path) -> Layout:
    problems: list[Problem] = []
    checkin = content_dir / "checkin.yaml"
    if not resources_file.is_file():
        problems.append(Problem(shown_path(resources_file), WHOLE_FILE, "file not found"))
    if not content_dir.is_dir():
        # One message, rather than one per file that would have been inside it.
        problems.append(Problem(shown_path(content_dir), WHOLE_FILE, "content directory not found"))
        return Layout((), (), checkin, resources_file, tuple(problems))
    scenarios = _scenario_files(content_dir / "scenarios", problems)
    messages = _message_files(content_dir / "messages", problems)
    if not checkin.is_file():
        problems.append(Problem(shown_path(checkin), WHOLE_FILE, "file not found"))
    return Layout(tuple(scenarios), tuple(messages), checkin, resources_file, tuple(problems))


def _scenario_files(directory: Path, problems: list[Problem]) -> list[tuple[Path, str]]:
    found = [(path, DEFAULT_LOCALE) for path in _yaml_files(directory, problems)]
    subdirectories = (
        sorted(p for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
    )
    for subdirectory in subdirectories:
        if not _is_locale(subdirectory.name):
            message = "not a locale directory (like 'es' or 'pt-BR'); its files are not loaded"
            problems.append(Problem(shown_path(subdirectory), WHOLE_FILE, message))
            continue
        found += [(path, subdirectory.name) for path in _yaml_files(subdirectory, problems)]
    if not any(locale == DEFAULT_LOCALE for _, locale in found):
        problems.append(Problem(shown_path(directory), WHOLE_FILE, "no scenario files (*.yaml)"))
    return found


def _message_files(directory: Path, problems: list[Problem]) -> list[tuple[Path, str]]:
    found = []
    for path in _yaml_files(directory, problems):
        if _is_locale(path.stem):
            found.append((path, path.stem))
        else:
            message = "bot copy files are named after their locale, like en.yaml"
            problems.append(Problem(shown_path(path), WHOLE_FILE, message))
    if not any(locale == DEFAULT_LOCALE for _, locale in found):
        expected = directory / f"{DEFAULT_LOCALE}.yaml"
        problems.append(
            Problem(shown_path(expected), WHOLE_FILE, "file not found: it holds every key")
        )
    return found


def _yaml_files(directory: Path, problems: list[Problem]) -> list[Path]:
    if not directory.is_dir():
        return []
    found: list[Path] = []
    strays: list[Path] = []
    for path in directory.iterdir():
        if path.name.endswith(".yml"):
            strays.append(path)
        elif path.name.endswith(".yaml") and path.is_file():
            found.append(path)
    for stray in _by_name(strays):
        message = "ignored: content files end in .yaml"
        problems.append(Problem(shown_path(stray), WHOLE_FILE, message, "warning"))
    return _by_name(found)


def _by_name(paths: list[Path]) -> list[Path]:
    """Files of one directory in the order Path sorts them, by name: comparing a thousand
    Paths themselves took 18 ms of Python."""
    return sorted(paths, key=lambda path: path.name)


def _is_locale(name: str) -> bool:
    return re.fullmatch(LOCALE_PATTERN, name) is not None


@dataclass
class FileReader:
    """Reads files once each, keeping a digest of everything read: the catalog's version."""

    root: Path
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    # Resolved once per reader: resolving them again for each of a thousand files showed
    # up in profiles of a large library.
    _places: tuple[Path | None, Path] | None = None
    # Each folder resolved once, not each of the thousand files in it.
    _folders: dict[Path, Path] = field(default_factory=dict)

    def read(self, path: Path) -> tuple[str, YamlDocument | None, list[Problem]]:
        """The path as shown to people, the document (None if unreadable) and its problems."""
        resolved = self._resolved_folder(path.parent) / path.name
        cwd, root = self._resolved_places()
        shown = str(path)
        if cwd is not None and resolved.is_relative_to(cwd):
            shown = str(resolved.relative_to(cwd))
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return shown, None, [Problem(shown, WHOLE_FILE, f"cannot read: {exc.strerror}")]
        self._remember(resolved, root, path.name, raw)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            return shown, None, [Problem(shown, line, "not valid UTF-8 text")]
        document, problems = read_yaml(text, shown)
        return shown, document, problems

    def version(self) -> str:
        return self._digest.hexdigest()[:12]

    def _resolved_folder(self, folder: Path) -> Path:
        if folder not in self._folders:
            try:
                self._folders[folder] = folder.resolve()
            except OSError:
                self._folders[folder] = folder
        return self._folders[folder]

    def _resolved_places(self) -> tuple[Path | None, Path]:
        if self._places is None:
            try:
                cwd: Path | None = Path.cwd().resolve()
            except OSError:
                cwd = None  # the working directory is gone: paths are shown as given
            try:
                root = self.root.resolve()
            except OSError:
                root = self.root
            self._places = (cwd, root)
        return self._places

    def _remember(self, resolved: Path, root: Path, fallback: str, raw: bytes) -> None:
        # The name counts too (renaming a file changes the content); relative to the root,
        # so the same tree checked out elsewhere has the same version.
        try:
            name = resolved.relative_to(root).as_posix()
        except ValueError:
            name = fallback
        self._digest.update(f"{name}\0{len(raw)}\0".encode())
        self._digest.update(raw)
