"""Figures, targets, the printed table and the JSON file."""

from __future__ import annotations

import json
import math
import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Target:
    """What a figure should be: ``value <op> bound``, e.g. ``Target(">=", 0.8)``."""

    op: str
    bound: float

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.op == ">=":
            return value >= self.bound
        if self.op == "<=":
            return value <= self.bound
        if self.op == "<":
            return value < self.bound
        if self.op == ">":
            return value > self.bound
        raise ValueError(f"unknown comparison {self.op!r}")

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


@dataclass(frozen=True, slots=True)
class Figure:
    section: str  # "a. Discord end to end"
    name: str  # "bot: interactions/s at 50 in flight"
    value: float
    unit: str  # "/s", "ms", "MB", "x"
    target: Target | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.target.met(self.value) else "MISSED"


@dataclass(frozen=True, slots=True)
class Options:
    """``quick`` shrinks every workload so the suite can check the benchmarks still run."""

    quick: bool = False
    sections: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 100 samples is the 99th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else math.nan


def format_value(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(figures: Sequence[Figure]) -> str:
    rows = [("", "figure", "value", "unit", "target", "")]
    section = None
    for figure in figures:
        head = figure.section if figure.section != section else ""
        section = figure.section
        rows.append(
            (
                head,
                figure.name,
                format_value(figure.value),
                figure.unit,
                str(figure.target or ""),
                figure.verdict,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i == 2 else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(figures: Sequence[Figure], folder: Path, options: Options) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    document = {
        "when": stamp.isoformat(timespec="seconds"),
        "quick": options.quick,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.machine(),
        },
        "figures": [
            {
                **{k: v for k, v in asdict(f).items() if k != "target"},
                "value": None if math.isnan(f.value) else f.value,
                "target": str(f.target) if f.target else None,
                "verdict": f.verdict or None,
            }
            for f in figures
        ],
    }
    text = json.dumps(document, indent=2)
    path = folder / f"bench-{stamp.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(text, encoding="utf-8")
    (folder / "latest.json").write_text(text, encoding="utf-8")
    return path
