"""The core and storage type-check: mypy over ``handlers/`` and ``storage/`` (configured in pyproject.toml)."""

from __future__ import annotations

from mypy import api


def test_handlers_and_storage_type_check() -> None:
    report, errors, status = api.run([])
    assert status == 0, report + errors
