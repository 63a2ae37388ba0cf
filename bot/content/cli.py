"""What `python -m bot content validate|schema` print. The entry point in bot/__main__.py
parses arguments and calls these with the stream to write to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.content.files import shown_path
from bot.content.loader import ValidationReport, load_catalog, validate
from bot.content.schema import write_schemas
from bot.core.catalog import DEFAULT_LOCALE
from bot.core.crisis import shows_danger
from bot.core.errors import ContentInvalid


def validate_command(
    content_dir: Path, resources_file: Path, out: TextIO, *, strict_locales: bool | None = None
) -> int:
    """Print every problem as `path:line: message`, the coverage and a summary; 1 on errors."""
    report = validate(content_dir, resources_file, strict_locales=strict_locales)
    for error in report.errors:
        print(error, file=out)
    for warning in report.warnings:
        print(f"{warning.path}:{warning.line}: warning: {warning.message}", file=out)
    if report.problems:
        print(file=out)
    print(coverage_table(report), file=out)
    print(summary_line(report), file=out)
    return 1 if report.errors else 0


def schema_command(out_dir: Path, out: TextIO) -> int:
    try:
        written = write_schemas(out_dir)
    except OSError as exc:
        print(f"{shown_path(out_dir)}: cannot write schemas: {exc.strerror}", file=out)
        return 1
    for path in written:
        print(f"wrote {shown_path(path)}", file=out)
    return 0


def screen_command(
    content_dir: Path,
    resources_file: Path,
    locale: str | None,
    lines: Iterable[str],
    out: TextIO,
    err: TextIO,
) -> int:
    """`crisis<TAB>text` or `ok<TAB>text` for each line, in order, by the check-in's own
    screen; with `locale`, that locale's phrases alone (the check-in uses every locale's)."""
    try:
        catalog = load_catalog(content_dir, resources_file)
    except ContentInvalid as exc:
        for problem in exc.problems:
            print(problem, file=err)
        return 1
    if locale is not None:
        if locale not in catalog.crisis_rules.phrases:
            known = ", ".join(sorted(catalog.crisis_rules.phrases))
            print(f"no crisis phrases for locale {locale!r} (there are: {known})", file=err)
            return 2
        catalog = replace(catalog, crisis_rules=catalog.crisis_rules.only(locale))
    for line in lines:
        text = line.rstrip("\r\n")
        verdict = "crisis" if shows_danger(catalog, text, "") else "ok"
        print(f"{verdict}\t{text}", file=out, flush=True)
    return 0


def coverage_table(report: ValidationReport) -> str:
    lines = [f"Coverage ({report.stats.scenarios} scenarios in {DEFAULT_LOCALE})"]
    lines += _table("focus", report.coverage.by_focus)
    lines += _table("setting", report.coverage.by_setting)
    return "\n".join(lines) + "\n"


def summary_line(report: ValidationReport) -> str:
    stats = report.stats
    verdict = "OK" if report.ok else "FAILED"
    return (
        f"{verdict}: {_count(stats.scenarios, 'scenario')} "
        f"({_count(len(stats.locales), 'locale')}), "
        f"{_count(stats.topics, 'topic')}, {_count(stats.resources, 'resource')}, "
        f"{_count(len(report.errors), 'error')}, {_count(len(report.warnings), 'warning')}"
    )


def _table(heading: str, counts: Mapping[str, int]) -> list[str]:
    width = max([len(heading), *(len(name) for name in counts)])
    rows = [f"  {heading:<{width}}  scenarios"]
    rows += [f"  {name:<{width}}  {count:>9}" for name, count in counts.items()]
    if not counts:
        rows.append(f"  {'(none)':<{width}}")
    return rows


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
