"""`make bench` keeps working: every section runs on a small workload and reports figures.

This checks that the benchmarks run and report something measurable, never how fast: the
figures of a quick run on a shared machine mean nothing, so no target is asserted.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("a.", "b.", "c.", "d.", "e.", "f.", "g.")
# Without a PostgreSQL server (and CI unset) the bench says so and leaves f out.
NO_POSTGRESQL = "no PostgreSQL answers"


def test_every_benchmark_section_runs_and_writes_its_figures(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    document = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert document["quick"] is True
    figures = document["figures"]
    wanted = [p for p in SECTIONS if p != "f." or NO_POSTGRESQL not in done.stderr]
    for prefix in wanted:
        mine = [f for f in figures if f["section"].startswith(prefix)]
        assert mine, f"section {prefix} reported nothing"
        # Every figure is a real measurement: a number, finite and not negative.
        for figure in mine:
            assert figure["value"] is not None and math.isfinite(figure["value"]), figure
            assert figure["value"] >= 0, figure
        assert any(f["target"] for f in mine), f"section {prefix} states no target"
    # The table printed is the same figures.
    for figure in figures:
        assert figure["name"] in done.stdout
