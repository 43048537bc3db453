"""The one reader of recipient lists and exports: send lists, suppression and bounce imports.

`open_list(path)` reads a file's first block and header: workbooks and archives are named
(never read as text), the encoding is found (`content`), the delimiter and header row sniffed
and the export format named (`formats`: Mailchimp subscribed / unsubscribed / cleaned,
listmonk, Ghost, Substack, Buttondown, digest's own, plain lists). Iterating the `ListFile`
then gives each line once, in file order: a `Row` (validated address, name, merge values, the
row's `Status`) or a `BadRow` naming its line and problem. `digest send --to`, `digest
subscribers import-suppressions` and a subscriber store read lists through it alone.
"""

from __future__ import annotations

from digest.delivery.lists.formats import ExportFormat, Status
from digest.delivery.lists.reader import ListFile, open_list, parse_list
from digest.delivery.lists.records import BadRow, ListFileError, Row

__all__ = [
    "BadRow",
    "ExportFormat",
    "ListFile",
    "ListFileError",
    "Row",
    "Status",
    "open_list",
    "parse_list",
]
