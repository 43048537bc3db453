"""Spreadsheet-safe CSV cells: exports never hold a formula a spreadsheet would run.

OWASP's CSV-injection advice: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return is read as a formula by Excel, LibreOffice and Google Sheets, so it gets a leading
apostrophe, which they show as text. A cell that already starts with an apostrophe gets one
more, so reading an export back (`from_spreadsheet`) gives every value exactly.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def spreadsheet_safe(value: str) -> str:
    """The cell as written: an apostrophe before a formula start (or an apostrophe)."""
    return ESCAPE + value if value.startswith((*FORMULA_STARTS, ESCAPE)) else value


def from_spreadsheet(value: str) -> str:
    """The value `spreadsheet_safe` wrote (other cells are returned as they are)."""
    if value.startswith(ESCAPE) and value[1:].startswith((*FORMULA_STARTS, ESCAPE)):
        return value[1:]
    return value
