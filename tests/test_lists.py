"""The one list reader: exports as the services write them and as Excel saves them, bad bytes,
workbooks, quoted line breaks, and the spool that keeps each address once."""

from __future__ import annotations

import string
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.delivery import spool as spool_module
from digest.delivery.lists import BadRow, ListFileError, Row, Status, open_list, parse_list
from digest.delivery.recipient_list import parse_recipients
from tests import list_exports
from tests.conftest import DATA

LISTS = DATA / "lists"
READERS = [(address, f"{first} {last}") for first, last, address in list_exports.READERS]


def rows(name: str) -> list[Row | BadRow]:
    with open_list(LISTS / name) as listing:
        return list(listing)


def test_the_fixtures_are_what_the_script_writes() -> None:
    """tests/data/lists/ is made by tests/list_exports.py; run it after changing it."""
    for name, data in list_exports.files():
        assert (LISTS / name).read_bytes() == data, f"run python -m tests.list_exports ({name})"


@pytest.mark.parametrize(
    ("name", "format_name", "statuses"),
    [
        ("mailchimp-subscribed.csv", "Mailchimp subscribed export", {"subscribed": 25}),
        ("mailchimp-unsubscribed.csv", "Mailchimp unsubscribed export", {"unsubscribed": 25}),
        ("mailchimp-cleaned.csv", "Mailchimp cleaned export", {"cleaned": 25}),
        ("listmonk.csv", "listmonk export", {"subscribed": 22, "blocklisted": 3}),
        ("ghost-members.csv", "Ghost members export", {"subscribed": 22, "unsubscribed": 3}),
        ("substack.csv", "Substack export", {"subscribed": 21, "unsubscribed": 4}),
        (
            "buttondown.csv",
            "Buttondown export",
            {"subscribed": 21, "unsubscribed": 1, "cleaned": 1, "blocklisted": 1, "unconfirmed": 1},
        ),
    ],
)
def test_each_export_is_named_and_every_status_column_is_read(
    name: str, format_name: str, statuses: dict[str, int]
) -> None:
    with open_list(LISTS / name) as listing:
        assert listing.format.name == format_name
        read = list(listing)
    assert all(isinstance(row, Row) for row in read)
    assert Counter(str(row.status) for row in read if isinstance(row, Row)) == statuses


def test_the_words_behind_each_status_are_kept() -> None:
    details = {row.email: row.detail for row in rows("listmonk.csv") if isinstance(row, Row)}
    assert details["zoe.darcy@example.net"] == "listmonk status blocklisted"
    assert details["renee.cote@example.ca"] == ""  # `disabled`: listmonk still mails them
    substack = {r.email: (r.status, r.detail) for r in rows("substack.csv") if isinstance(r, Row)}
    assert substack["x7k2p9@deletion-request.substack.com"] == (
        Status.UNSUBSCRIBED,
        "a Substack deletion request",
    )
    assert substack["francois.lefevre@example.org"] == (Status.UNSUBSCRIBED, "email_disabled true")
    mailchimp = rows("mailchimp-cleaned.csv")[0]
    assert isinstance(mailchimp, Row)
    assert (mailchimp.detail, mailchimp.date) == (
        "a Mailchimp cleaned export",
        "2024-11-01 07:30:00",
    )


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("excel-subscribed-utf8-bom.csv", "UTF-8 with a byte-order mark"),
        ("excel-subscribed-utf16.csv", "UTF-16"),
        ("excel-subscribed-cp1252.csv", "Windows-1252"),
        ("excel-subscribed-utf16-tab.txt", "UTF-16"),
    ],
)
def test_an_excel_saved_export_reads_the_same_in_every_encoding(name: str, encoding: str) -> None:
    with open_list(LISTS / name) as listing:
        assert listing.encoding.label == encoding
        assert listing.format.name == "Mailchimp subscribed export"
        read = list(listing)
    assert [(row.email, row.name) for row in read if isinstance(row, Row)] == READERS
    assert not [row for row in read if isinstance(row, BadRow)]
    tags = next(row for row in read if isinstance(row, Row)).values[-1]
    assert tags == '"Newsletter","Events"'  # Mailchimp's quoted tags survive Excel's quoting


@pytest.mark.parametrize("name", ["subscribers.xlsx", "subscribers.ods", "workbook-renamed.csv"])
def test_workbooks_are_named_by_their_bytes_never_read_as_text(name: str) -> None:
    with pytest.raises(ListFileError) as caught:
        open_list(LISTS / name)
    kind = "OpenDocument spreadsheet" if name.endswith(".ods") else "Excel workbook"
    assert f"this is an {kind}" in caught.value.message
    assert caught.value.message.endswith("export it as CSV UTF-8")


def test_other_binary_files_are_named_too() -> None:
    for data, words in (
        (b"%PDF-1.7\n" + bytes(600), "a PDF document"),
        (b"\x1f\x8b\x08\x00" + bytes(600), "a gzip archive"),
        (b"PK\x03\x04" + b"\x14\x00" * 300, "a ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "an Excel 97-2003 workbook"),
        (b"\x89PNG\r\n\x1a\n" + bytes(600), "not a text file"),
    ):
        with pytest.raises(ListFileError, match=words):
            parse_list(data)


def test_a_line_in_no_encoding_is_one_bad_line_and_the_rest_read_as_windows_1252() -> None:
    text = "email;name\r\n" + "".join(f"{a};{n}\r\n" for a, n in READERS[:8])
    data = text.encode("cp1252").replace("Dupré".encode("cp1252"), b"Dupr\x81", 1)
    with parse_list(data, "list.csv") as listing:
        assert listing.encoding.label == "Windows-1252"
        read = list(listing)
    assert [row for row in read if isinstance(row, BadRow)] == [
        BadRow(
            8,
            "bytes that are neither UTF-8 nor Windows-1252 (byte 32, 0x81); "
            "save the list as CSV UTF-8",
        )
    ]
    names = [row.name for row in read if isinstance(row, Row)]
    assert names == [name for _, name in READERS[:8] if "Dupré" not in name]


def test_a_utf8_list_with_a_few_windows_1252_lines_reads_both() -> None:
    data = "email,name\nann@example.org,Änne\n".encode() + "bo@example.org,Bö\n".encode("cp1252")
    with parse_list(data) as listing:
        assert [row.name for row in listing if isinstance(row, Row)] == ["Änne", "Bö"]


def test_cyrillic_saved_as_windows_1251_is_left_to_the_detector() -> None:
    text = "email;имя\r\n" + "".join(
        f"r{n}@example.org;{name}\r\n"
        for n, name in enumerate(["Иван Петров", "Ольга Смирнова", "Дмитрий Кузнецов"] * 4)
    )
    with parse_list(text.encode("cp1251")) as listing:
        assert listing.encoding.label == "Windows-1251"
        first = next(iter(listing))
    assert isinstance(first, Row) and first.values == ("Иван Петров",)


def test_utf16_without_a_byte_order_mark_and_old_mac_line_ends() -> None:
    with parse_list("email\tname\r\nann@example.org\tÄnne\r\n".encode("utf-16-le")) as listing:
        assert listing.encoding.label == "UTF-16 without a byte-order mark"
        assert [row.name for row in listing if isinstance(row, Row)] == ["Änne"]
    with parse_list(b"email,name\rann@example.org,Ann\rbob@example.org,Bob\r") as listing:
        assert [row.line for row in listing] == [2, 3]


def test_a_quoted_cell_may_span_lines_and_a_quote_that_never_closes_spoils_one_line() -> None:
    text = (
        "email,name,notes\n"
        'ann@example.org,Ann,"met at the fair\nasked for the weekly"\n'
        'bob@example.org,"Bob,never closed\n'
        "cat@example.org,Cat,\n"
    )
    with parse_list(text) as listing:
        read = list(listing)
    assert read[0] == Row(
        2,
        "ann@example.org",
        "Ann",
        ("met at the fair\nasked for the weekly",),
        None,
        "",
        "",
        ("notes contains a line break or NUL, which is refused",),
    )
    assert read[1] == BadRow(4, "not valid CSV: an unterminated quote")
    assert isinstance(read[2], Row) and (read[2].line, read[2].name) == (5, "Cat")


def test_a_list_whose_own_words_mark_readers() -> None:
    text = (
        "Email,Status,Date\n"
        "ann@example.org,active,2024-01-01\n"
        "bob@example.org,Unsubscribed,2024-02-01\n"
        "cat@example.org,5.1.1,2024-03-01\n"
        "dan@example.org,4.2.2,2024-03-02\n"
        "eve@example.org,opted in,2024-03-03\n"
    )
    with parse_list(text) as listing:
        found = [(row.status, row.date) for row in listing if isinstance(row, Row)]
    assert found == [
        (Status.SUBSCRIBED, "2024-01-01"),
        (Status.UNSUBSCRIBED, "2024-02-01"),
        (Status.CLEANED, "2024-03-01"),  # a bounce list's enhanced status code: final
        (Status.SOFT_BOUNCED, "2024-03-02"),
        (None, "2024-03-03"),  # words nobody defined say nothing
    ]


def test_a_reader_held_anywhere_in_the_list_is_never_mailed() -> None:
    text = (
        "email,status\n"
        "ann@example.org,subscribed\n"
        "bob@example.org,blocked\n"
        "ANN@example.org,unsubscribed\n"  # a later row of Ann's withdraws the first
        "BOB@example.org,subscribed\n"  # and Bob's later subscribed row is not mailed
        "cat@example.org,subscribed\n"
    )
    with parse_recipients(text) as listing:
        assert [r.email for r in listing] == ["cat@example.org"]
        check = listing.check
    assert (check.valid, check.withdrawn, check.held_total) == (1, 1, 2)
    assert [str(held) for held in check.held] == [
        "line 3: bob@example.org (status blocked)",
        "line 4: ANN@example.org (status unsubscribed)",
    ]
    assert [str(d) for d in check.duplicates] == ["line 5 repeats line 3 (BOB@example.org)"]


@pytest.mark.parametrize("shift", [32, 200])  # 200: every fingerprint is the same
def test_the_spool_finds_every_repeat_and_only_repeats(
    monkeypatch: pytest.MonkeyPatch, shift: int
) -> None:
    monkeypatch.setattr(spool_module, "FINGERPRINT_SHIFT", shift)
    monkeypatch.setattr(spool_module, "MIN_SLOTS", 16)  # grows many times on the way
    spool = spool_module.Spool()
    count = 300 if shift == 200 else 20_000
    rows = [
        Row(n, f"r{n % (count // 2)}@example.org", "", (), None, "", "", ()) for n in range(count)
    ]
    repeats = spool.add_many(rows)
    spool.finish()
    assert repeats == [(n, n - count // 2) for n in range(count // 2, count)]
    assert [line for line, *_ in spool.rows()] == list(range(count // 2))
    spool.close()


printable = st.text(alphabet=string.printable.replace("\n", "").replace("\r", ""), max_size=30)


@settings(max_examples=300, deadline=None)
@given(address=st.one_of(st.emails(), printable), names=st.lists(printable, min_size=2, max_size=2))
def test_the_fast_path_builds_exactly_what_the_full_check_builds(
    address: str, names: list[str]
) -> None:
    """Common rows are built in one step; any row must come out as `_row` makes it."""
    line = ",".join([address, *names]).replace('"', "")
    with parse_list(f"Email Address,First Name,Last Name\n{line}\n") as listing:
        fast = list(listing)
        slow = listing._row(2, line.split(","), plain=False)
    assert fast == ([] if slow is None else [slow])


def test_the_reader_gives_a_store_typed_rows_with_their_dates() -> None:
    """What a subscriber store needs: address, name, merge values by field, status, date."""
    with open_list(LISTS / "mailchimp-unsubscribed.csv") as listing:
        first = next(iter(listing))
        fields = listing.field_names
    assert isinstance(first, Row)
    assert (first.email, first.name, first.status) == (
        "chloe.garcia@example.org",
        "Chloé García",
        Status.UNSUBSCRIBED,
    )
    assert dict(zip(fields, first.values, strict=True))["member_rating"] == "1"
    assert first.date == "2024-11-01 07:30:00"


def test_a_path_that_is_no_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ListFileError, match="file not found"):
        open_list(tmp_path / "missing.csv")
    with pytest.raises(ListFileError, match="is a folder"):
        open_list(tmp_path)
    (tmp_path / "empty.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(ListFileError, match="holds no rows"):
        open_list(tmp_path / "empty.csv")
