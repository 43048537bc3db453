"""Writes tests/data/lists/: recipient lists as the services export them, and as Excel saves them.

The column sets are the services' own (Mailchimp's three audience files, listmonk's subscriber
export, Ghost's members CSV, Substack's and Buttondown's subscriber exports), with 25 readers
whose names need more than ASCII (Chloé García, François Lefèvre, Zoë d’Arcy...). The Mailchimp
files come again as Excel saves them in Western Europe: `;`-separated, CRLF, in "CSV UTF-8"
(a BOM), "Unicode Text" (UTF-16 with a BOM) and plain "CSV" (Windows-1252). Workbooks (.xlsx,
.ods) are the smallest valid files of their kind, one renamed .csv as people do. Every byte is
fixed, so the files are the same whoever makes them:

    .venv/bin/python -m tests.list_exports      # rewrite tests/data/lists/
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "data" / "lists"
# (first name, last name, address): every name is in Windows-1252, so all three encodings
# can hold the same file.
READERS = (
    ("Chloé", "García", "chloe.garcia@example.org"),
    ("François", "Lefèvre", "francois.lefevre@example.org"),
    ("Zoë", "d’Arcy", "zoe.darcy@example.net"),
    ("Jürgen", "Groß", "juergen.gross@example.de"),
    ("Íñigo", "Muñoz", "inigo.munoz@example.es"),
    ("Åsa", "Öberg", "asa.oberg@example.se"),
    ("Inès", "Dupré", "ines.dupre@example.fr"),
    ("José", "Martínez", "jose.martinez@example.es"),
    ("Björn", "Ångström", "bjorn.angstrom@example.se"),
    ("Søren", "Kierkegård", "soren@example.dk"),
    ("Renée", "Côté", "renee.cote@example.ca"),
    ("Noël", "Müller", "noel.mueller@example.ch"),
    ("Maëlle", "Le Bihan", "maelle.lebihan@example.fr"),
    ("João", "Gonçalves", "joao.goncalves@example.pt"),
    ("Ève", "Lemaître", "eve.lemaitre@example.fr"),
    ("Dagný", "Þórsdóttir", "dagny@example.is"),
    ("Ümit", "Çelik", "umit.celik@example.com"),
    ("Željko", "Šuster", "zeljko.suster@example.hr"),
    ("Chloë", "O’Brien", "chloe.obrien@example.ie"),
    ("Œlla", "Fæster", "oella.faester@example.dk"),
    ("Ana", "Conceição", "ana.conceicao@example.br"),
    ("Mårten", "Ødegaard", "marten@example.no"),
    ("Cédric", "Ménard", "cedric.menard@example.fr"),
    ("Ñuño", "Peña", "nuno.pena@example.mx"),
    ("Anaïs", "Brontë", "anais.bronte@example.org"),
)
# Mailchimp's audience export columns (the subscribed file; unsubscribed and cleaned add theirs).
MAILCHIMP = (
    "Email Address",
    "First Name",
    "Last Name",
    "Address",
    "Phone Number",
    "MEMBER_RATING",
    "OPTIN_TIME",
    "OPTIN_IP",
    "CONFIRM_TIME",
    "CONFIRM_IP",
    "LATITUDE",
    "LONGITUDE",
    "GMTOFF",
    "DSTOFF",
    "TIMEZONE",
    "CC",
    "REGION",
    "LAST_CHANGED",
    "LEID",
    "EUID",
    "NOTES",
    "TAGS",
)
UNSUBSCRIBED = ("UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE", "UNSUB_CAMPAIGN_ID", "UNSUB_REASON")
UNSUBSCRIBED += ("UNSUB_REASON_OTHER",)
CLEANED = ("CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID")
# Excel's encodings for "CSV UTF-8", "Unicode Text" and "CSV" on a Western European Windows.
EXCEL_ENCODINGS = {"utf8-bom": "utf-8-sig", "utf16": "utf-16", "cp1252": "cp1252"}
# Readers the listmonk export marks blocklisted, and the Substack/Ghost ones who turned mail off.
BLOCKLISTED = frozenset({2, 7, 19})
EMAIL_OFF = frozenset({1, 4, 12})
ZIP_DATE = (2024, 11, 22, 9, 0, 0)


def _mailchimp_row(n: int, first: str, last: str, address: str, extra: Sequence[str]) -> list[str]:
    day = 1 + n % 27
    return [
        address,
        first,
        last,
        f"{n + 1} Rue de la Paix  Paris  75002  FR" if n % 5 == 0 else "",
        "",
        str(1 + n % 5),
        f"2023-03-{day:02d} 10:{n:02d}:00",
        "",
        f"2023-03-{day:02d} 10:{n:02d}:31",
        f"203.0.113.{n + 10}",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        f"2024-10-{day:02d} 08:00:00",
        str(180_000_000 + n),
        f"a1b2c3{n:04d}",
        "",
        '"Newsletter"' if n % 3 else '"Newsletter","Events"',
        *extra,
    ]


def mailchimp(kind: str) -> list[list[str]]:
    """A Mailchimp audience file: `subscribed`, `unsubscribed` or `cleaned`, 25 readers."""
    header = list(MAILCHIMP) + list(
        {"subscribed": (), "unsubscribed": UNSUBSCRIBED}.get(kind, CLEANED)
    )
    rows = [header]
    for n, (first, last, address) in enumerate(READERS):
        if kind == "unsubscribed":
            extra = [f"2024-11-{1 + n % 20:02d} 07:30:00", "Daily 1 Nov", "f3a1b2c4d5", "", ""]
        elif kind == "cleaned":
            extra = [f"2024-11-{1 + n % 20:02d} 07:30:00", "Daily 1 Nov", "f3a1b2c4d5"]
        else:
            extra = []
        rows.append(_mailchimp_row(n, first, last, address, extra))
    return rows


def listmonk() -> list[list[str]]:
    """listmonk's subscriber export: three readers blocklisted, one disabled (still mailed)."""
    rows = [["uuid", "email", "name", "attributes", "status", "created_at", "updated_at"]]
    for n, (first, last, address) in enumerate(READERS):
        status = "blocklisted" if n in BLOCKLISTED else "disabled" if n == 10 else "enabled"
        city = '{"city": "Lyon"}' if n % 2 else "{}"
        stamp = f"2024-0{1 + n % 9}-1{n % 10} 09:{n:02d}:00.{n:06d} +0000 UTC"
        rows.append([f"5e3c1a2b-0000-4000-8000-{n:012d}", address, f"{first} {last}", city, status,
                     stamp, stamp])  # fmt: skip
    return rows


def ghost() -> list[list[str]]:
    """Ghost's members export: three readers with newsletters turned off."""
    header = ["id", "email", "name", "note", "subscribed_to_emails", "complimentary_plan",
              "stripe_customer_id", "created_at", "deleted_at", "labels", "tiers"]  # fmt: skip
    rows = [header]
    for n, (first, last, address) in enumerate(READERS):
        subscribed = "false" if n in EMAIL_OFF else "true"
        rows.append([f"6543{n:020x}", address, f"{first} {last}", "", subscribed, "false", "",
                     f"2023-05-{1 + n:02d}T12:00:00.000Z", "", "Imported", ""])  # fmt: skip
    return rows


def substack() -> list[list[str]]:
    """Substack's subscriber export: readers with email off, and a deletion request."""
    rows = [["email", "active_subscription", "expiry", "plan", "email_disabled", "created_at"]]
    for n, (_, _, address) in enumerate(READERS[:-1]):
        disabled = "true" if n in EMAIL_OFF else "false"
        rows.append([address, "false", "", "free", disabled, f"2023-06-{1 + n:02d}T08:00:00.000Z"])
    rows.append(["x7k2p9@deletion-request.substack.com", "false", "", "free", "false",
                 "2023-07-01T08:00:00.000Z"])  # fmt: skip
    return rows


def buttondown() -> list[list[str]]:
    """Buttondown's subscriber export: one reader of each kind that is not mailed."""
    kinds = {3: "unsubscribed", 8: "undeliverable", 15: "spammy", 20: "unactivated"}
    rows = [["id", "email_address", "creation_date", "type", "source", "tags", "notes",
             "metadata", "referrer_url"]]  # fmt: skip
    for n, (_, _, address) in enumerate(READERS):
        rows.append([f"b0d1e2f3-0000-4000-8000-{n:012d}", address, f"2023-08-{1 + n:02d}T10:00:00Z",
                     kinds.get(n, "regular"), "import", "", "", "{}", ""])  # fmt: skip
    return rows


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    """Rows as a CSV writer quotes them (only cells that need it, as Excel and the services)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def _zip(members: Sequence[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            stored = name == "mimetype"  # OpenDocument: first, and not compressed
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def xlsx() -> bytes:
    """The smallest valid Excel workbook: one sheet, a header and one row."""
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
             '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
             'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
             '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
             'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
             '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.spreadsheetml.worksheet+xml"/></Types>')  # fmt: skip
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
            '"xl/workbook.xml"/></Relationships>')  # fmt: skip
    book = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Subscribers" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>')  # fmt: skip
    book_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                 'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
                 '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                 'Target="worksheets/sheet1.xml"/></Relationships>')  # fmt: skip
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t='
             '"inlineStr"><is><t>Email Address</t></is></c></row><row r="2"><c r="A2" '
             't="inlineStr"><is><t>chloe.garcia@example.org</t></is></c></row></sheetData>'
             "</worksheet>")  # fmt: skip
    return _zip(
        [
            ("[Content_Types].xml", types),
            ("_rels/.rels", rels),
            ("xl/workbook.xml", book),
            ("xl/_rels/workbook.xml.rels", book_rels),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
    )


def ods() -> bytes:
    """The smallest valid OpenDocument spreadsheet: one table, a header and one row."""
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:'
                'oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')  # fmt: skip
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:'
               'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
               'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
               'text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table '
               'table:name="Subscribers"><table:table-row><table:table-cell><text:p>email</text:p>'
               "</table:table-cell></table:table-row><table:table-row><table:table-cell><text:p>"
               "chloe.garcia@example.org</text:p></table:table-cell></table:table-row></table:table>"
               "</office:spreadsheet></office:body></office:document-content>")  # fmt: skip
    return _zip(
        [
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", content),
        ]
    )


def files() -> Iterator[tuple[str, bytes]]:
    """(file name, bytes) of every fixture."""
    for kind in ("subscribed", "unsubscribed", "cleaned"):
        rows = mailchimp(kind)
        yield f"mailchimp-{kind}.csv", csv_text(rows).encode("utf-8")
        for label, codec in EXCEL_ENCODINGS.items():
            yield f"excel-{kind}-{label}.csv", csv_text(rows, ";").encode(codec)
    yield "excel-subscribed-utf16-tab.txt", csv_text(mailchimp("subscribed"), "\t").encode("utf-16")
    yield "listmonk.csv", csv_text(listmonk(), newline="\n").encode("utf-8")
    yield "ghost-members.csv", csv_text(ghost()).encode("utf-8")
    yield "substack.csv", csv_text(substack(), newline="\n").encode("utf-8")
    yield "buttondown.csv", csv_text(buttondown(), newline="\n").encode("utf-8")
    yield "subscribers.xlsx", xlsx()
    yield "subscribers.ods", ods()
    yield "workbook-renamed.csv", xlsx()


def main() -> None:
    """Write every fixture into tests/data/lists/."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, data in files():
        (FOLDER / name).write_bytes(data)
        print(f"wrote {FOLDER / name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
