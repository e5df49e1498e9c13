"""CSV cells that a spreadsheet will not run as formulas (CSV injection)."""

from __future__ import annotations

from collections.abc import Iterable

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets
# (tab and carriage return too: some of them skip leading whitespace).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: object) -> str:
    """``value`` as text, prefixed with an apostrophe when it would start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def neutralize_row(values: Iterable[object]) -> list[str]:
    """Every cell of a CSV row through :func:`neutralize_cell`."""
    return [neutralize_cell(value) for value in values]
