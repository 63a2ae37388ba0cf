"""The fuzz tests: hypothesis properties over the adapters' payload conversion, the real
HTTP and gateway paths, and the content loader (see each module's docstring)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Payloads carry strings of up to 100,000 characters on purpose; hypothesis warns when
    # it builds a repr that large for its own reporting, which is not a finding.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:Generating overly large repr"))
