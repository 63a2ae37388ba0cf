"""What `python -m bot content validate|schema` print, through the functions the CLI calls."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from content_tree import UNTRANSLATED, Tree

from bot.content.cli import schema_command, validate_command


def test_validate_prints_coverage_and_an_ok_summary(tree: Tree) -> None:
    # English alone: the base fixture's partial Spanish would add a warning per text.
    (tree.content / "messages" / "es.yaml").unlink()
    shutil.rmtree(tree.content / "scenarios" / "es")
    out = io.StringIO()
    assert validate_command(tree.content, tree.resources, out) == 0
    assert out.getvalue() == (
        "Coverage (2 scenarios in en)\n"
        "  focus     scenarios\n"
        "  distract          1\n"
        "  delegate          1\n"
        "  document          0\n"
        "  delay             0\n"
        "  direct            1\n"
        "  setting           scenarios\n"
        "  office kitchen            1\n"
        "  public transport          1\n"
        "\n"
        "OK: 2 scenarios (1 locale), 2 topics, 2 resources, 0 errors, 0 warnings\n"
    )


def test_validate_prints_errors_then_warnings_and_fails(tree: Tree) -> None:
    tree.overlay("many")
    out = io.StringIO()
    assert validate_command(tree.content, tree.resources, out) == 1
    lines = out.getvalue().splitlines()
    untranslated = [line for line in lines if UNTRANSLATED in line]
    assert untranslated and all(": warning: " in line for line in untranslated)
    problem_lines = [line for line in lines[: lines.index("")] if line not in untranslated]
    assert len(problem_lines) == 12
    assert problem_lines[0] == (
        "tree/content/checkin.yaml:4: crisis urgency 'immediately' is not one of the urgencies "
        "(whenever, this-week, today, right-now)"
    )
    assert all(": warning: " not in line for line in problem_lines[:10])
    assert problem_lines[10:] == [
        "tree/content/messages/es.yaml:3: warning: key 'practice.extra' is not in "
        "tree/content/messages/en.yaml, so it is never shown",
        "tree/content/scenarios/graph-errors.yaml:18: warning: choice 'Wait' has no feedback; "
        "every choice deserves coaching",
    ]
    assert lines[-1] == (
        "FAILED: 3 scenarios (2 locales), 1 topic, 2 resources, 10 errors, "
        f"{2 + len(untranslated)} warnings"
    )


def test_schema_command_writes_the_schemas(tmp_path: Path) -> None:
    out = io.StringIO()
    assert schema_command(tmp_path / "schema", out) == 0
    names = sorted(path.name for path in (tmp_path / "schema").iterdir())
    assert names == [
        "checkin.schema.json",
        "messages.schema.json",
        "resources.schema.json",
        "scenario.schema.json",
    ]
    for name in names:
        json.loads((tmp_path / "schema" / name).read_text(encoding="utf-8"))
    assert len(out.getvalue().splitlines()) == 4


def test_schema_command_reports_a_directory_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    out = io.StringIO()
    assert schema_command(blocker / "schema", out) == 1
    assert "cannot write schemas" in out.getvalue()
