"""Spreadsheet-safe CSV cells for the exports (the rule lives with the list reader, which
reads them back: `digest.delivery.lists.spreadsheet`)."""

from __future__ import annotations

from digest.delivery.lists.spreadsheet import (
    ESCAPE,
    FORMULA_STARTS,
    from_spreadsheet,
    spreadsheet_safe,
)

__all__ = ["ESCAPE", "FORMULA_STARTS", "from_spreadsheet", "spreadsheet_safe"]
