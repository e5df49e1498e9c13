"""The `identity splink` bench row without Splink installed: one row saying how to
install it, and nothing built or measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.registry import Size
from bench.runner import report, run

TINY = Size("T", 60, 400)


def test_without_splink_the_row_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bench.identity_splink.splink_installed", lambda: False)
    lines: list[str] = []
    rows, notes = run(TINY, cache_dir=tmp_path, only=["identity splink"], log=lines.append)
    assert [(r.workload, r.backend) for r in rows] == [("identity splink", "sqlite")]
    assert rows[0].ok == (
        "skipped: Splink is not installed (pip install -e '.[splink]' to measure it)"
    )
    assert "skipped: Splink is not installed" in report(rows, notes)
    # No dataset was built for it (the demo dataset or the book).
    assert notes == []
    assert list(tmp_path.iterdir()) == []
