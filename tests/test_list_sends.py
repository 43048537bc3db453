"""Lists as offices save them, through `digest send --to` (to a real SMTP server) and
`digest subscribers import-suppressions`: the same readers either way, whatever the encoding,
and a status in the export is obeyed by both."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path
from digest.errors import ExitCode
from tests import list_exports
from tests.conftest import DATA
from tests.newsroom import ENV, Newsroom, make_newsroom, parse
from tests.smtp_server import FaultHandler, smtp_server

LISTS = DATA / "lists"
ENCODINGS = ("utf8-bom", "utf16", "cp1252")
READERS = {address: f"{first} {last}" for first, last, address in list_exports.READERS}
runner = CliRunner()


def send(newsroom: Newsroom, recipients: Path, *extra: str) -> tuple[str, int]:
    result = runner.invoke(
        app,
        ["send", str(newsroom.edition("2024-11-22")), "--to", str(recipients), *extra],
        env=ENV,
    )
    return result.output, result.exit_code


def suppress(newsroom: Newsroom, export: Path, *extra: str) -> tuple[str, int]:
    result = runner.invoke(
        app,
        ["subscribers", "import-suppressions", str(export), "--dir", str(newsroom.root), *extra],
    )
    return result.output, result.exit_code


def suppressed(newsroom: Newsroom) -> dict[str, tuple[Reason, str]]:
    with SuppressionList(default_suppression_path(newsroom.root)) as entries:
        return {
            e.address: (e.reason, datetime.fromtimestamp(e.created, UTC).strftime("%Y-%m-%d"))
            for e in entries.entries()
        }


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_excel_saved_mailchimp_export_mails_all_25_readers_by_name(
    tmp_path: Path, encoding: str
) -> None:
    handler = FaultHandler()
    with smtp_server(handler) as server:
        newsroom = make_newsroom(tmp_path / "news", server.port)
        output, code = send(newsroom, LISTS / f"excel-subscribed-{encoding}.csv", "--yes")
    assert code == 0, output
    assert "sent 25, failed 0" in output
    received = {}
    for _, data in handler.received:
        (to,) = parse(data)["To"].addresses
        received[to.addr_spec] = to.display_name
    assert received == READERS  # every accent intact, nobody dropped for an encoding


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_unsubscribed_export_suppresses_the_same_25_in_every_encoding(
    tmp_path: Path, encoding: str
) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    export = LISTS / f"excel-unsubscribed-{encoding}.csv"
    output, code = suppress(newsroom, export)
    assert code == 0, output
    assert "25 rows read" in output and "added 25" in output and "skipped 0" in output
    assert "Mailchimp unsubscribed export" in output
    got = suppressed(newsroom)
    assert set(got) == set(READERS)
    assert got["chloe.garcia@example.org"] == (Reason.UNSUBSCRIBED, "2024-11-01")  # UNSUB_TIME


def test_a_subscribed_export_is_not_a_suppression_list_unless_every_row_is_asked_for(
    tmp_path: Path,
) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    export = LISTS / "excel-subscribed-cp1252.csv"
    output, code = suppress(newsroom, export)
    assert code == ExitCode.RECIPIENTS
    assert "every reader in it is subscribed (Mailchimp subscribed export)" in output
    assert f"digest send EDITION --to {export}" in output and "--every-row" in output
    assert suppressed(newsroom) == {}
    output, code = suppress(newsroom, export, "--every-row", "--reason", "manual")
    assert code == 0, output
    assert "added 25" in output
    assert set(suppressed(newsroom)) == set(READERS)  # the same 25 the send reads


def test_a_cleaned_export_is_refused_by_send_and_taken_by_import(tmp_path: Path) -> None:
    handler = FaultHandler()
    export = LISTS / "excel-cleaned-utf16.csv"
    with smtp_server(handler) as server:
        newsroom = make_newsroom(tmp_path / "news", server.port)
        output, code = send(newsroom, export, "--yes")
    assert code == ExitCode.RECIPIENTS
    assert handler.received == []
    assert (
        f"{export}: this is a list of addresses to suppress: import it with "
        f"`digest subscribers import-suppressions {export}"
    ) in output
    assert "Mailchimp cleaned export" in output
    output, code = suppress(newsroom, export)
    assert code == 0, output
    assert {reason for reason, _ in suppressed(newsroom).values()} == {Reason.HARD_BOUNCE}


def test_a_listmonk_export_mails_none_of_its_blocklisted_readers(tmp_path: Path) -> None:
    handler = FaultHandler()
    export = tmp_path / "listmonk.csv"
    shutil.copy(LISTS / "listmonk.csv", export)
    blocklisted = {list_exports.READERS[n][2] for n in list_exports.BLOCKLISTED}
    with smtp_server(handler) as server:
        newsroom = make_newsroom(tmp_path / "news", server.port)
        output, code = send(newsroom, export, "--yes")
        assert code == 0, output
        mailed = {rcpt for rcpt, _ in handler.received}
        assert len(mailed) == 22 and not mailed & blocklisted
        assert "3 readers are marked not to be mailed (3 blocklisted); they are not mailed:" in (
            output
        )
        assert "line 4: zoe.darcy@example.net (listmonk status blocklisted)" in output
        command = f"digest subscribers import-suppressions {export} --dir "
        assert "not mailed: 3 readers the list itself marks not to be mailed; keep them" in output
        assert command in output
        # The command the summary gives puts exactly those three on the suppression list.
        output, code = suppress(newsroom, export)
        assert code == 0, output
        assert "added 3" in output and "subscribed readers left alone 22" in output
        assert {a: r for a, (r, _) in suppressed(newsroom).items()} == dict.fromkeys(
            blocklisted, Reason.MANUAL
        )
        # ...and every later send to any list skips them.
        handler.received.clear()
        plain = tmp_path / "plain.csv"
        plain.write_text("\n".join(sorted(blocklisted)) + "\nnew@example.org\n", encoding="utf-8")
        output, code = (
            runner.invoke(
                app,
                ["send", str(newsroom.edition("2024-11-23")), "--to", str(plain), "--yes"],
                env=ENV,
            ).output,
            0,
        )
        assert {rcpt for rcpt, _ in handler.received} == {"new@example.org"}
        assert "suppressed 3" in output


@pytest.mark.parametrize(
    ("name", "not_mailed"),
    [
        ("ghost-members.csv", {1, 4, 12}),  # subscribed_to_emails false
        ("substack.csv", {1, 4, 12, 24}),  # email_disabled true; 24: a deletion request
        ("buttondown.csv", {3, 8, 15, 20}),  # unsubscribed, undeliverable, spammy, unactivated
    ],
)
def test_every_status_column_keeps_its_readers_out_of_the_send(
    tmp_path: Path, name: str, not_mailed: set[int]
) -> None:
    handler = FaultHandler()
    with smtp_server(handler) as server:
        newsroom = make_newsroom(tmp_path / "news", server.port)
        output, code = send(newsroom, LISTS / name, "--yes")
    assert code == 0, output
    rows = list_exports.READERS
    expected = {rows[n][2] for n in range(len(rows)) if n not in not_mailed}
    assert {rcpt for rcpt, _ in handler.received} == expected
    assert f"not mailed: {len(not_mailed)} readers" in output


@pytest.mark.parametrize("name", ["subscribers.xlsx", "subscribers.ods", "workbook-renamed.csv"])
def test_a_workbook_is_named_by_send_and_by_import(tmp_path: Path, name: str) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    for output, code in (send(newsroom, LISTS / name, "--yes"), suppress(newsroom, LISTS / name)):
        assert code == ExitCode.RECIPIENTS
        assert "workbook" in output or "spreadsheet" in output
        assert "export it as CSV UTF-8" in output
        assert "PK" not in output and "\ufffd" not in output and "Traceback" not in output


def test_skip_invalid_keeps_every_accented_row_and_names_the_one_in_no_encoding(
    tmp_path: Path,
) -> None:
    data = (LISTS / "excel-subscribed-cp1252.csv").read_bytes()
    broken = tmp_path / "broken.csv"
    broken.write_bytes(data.replace("Dupré".encode("cp1252"), b"Dupr\x81", 1))
    handler = FaultHandler()
    with smtp_server(handler) as server:
        newsroom = make_newsroom(tmp_path / "news", server.port)
        output, code = send(newsroom, broken, "--yes")
        assert code == ExitCode.RECIPIENTS  # a bad row stops the send...
        assert "line 8: bytes that are neither UTF-8 nor Windows-1252" in output
        output, code = send(newsroom, broken, "--yes", "--skip-invalid")  # ...unless skipped
    assert code == 0, output
    assert "sent 24" in output
    assert {rcpt for rcpt, _ in handler.received} == set(READERS) - {"ines.dupre@example.fr"}


def test_the_question_counts_the_suppressed_in_the_lists_one_pass(tmp_path: Path) -> None:
    newsroom = make_newsroom(tmp_path / "news", 25)
    with SuppressionList(default_suppression_path(newsroom.root)) as entries:
        entries.add("chloe.garcia@example.org", Reason.UNSUBSCRIBED)
        entries.add("soren@example.dk", Reason.HARD_BOUNCE)
    result = runner.invoke(
        app,
        [
            "send",
            str(newsroom.edition("2024-11-22")),
            "--to",
            str(LISTS / "excel-subscribed-utf16.csv"),
        ],
        env=ENV,
    )
    assert "edition to 23 recipients through smtp" in result.output
    assert "(2 suppressed (unsubscribed, bounced or paused))" in result.output
    assert result.exit_code == 9  # no terminal to answer on: the question is in the message


def test_import_names_the_line_in_no_encoding_and_imports_every_other(tmp_path: Path) -> None:
    data = (LISTS / "excel-unsubscribed-cp1252.csv").read_bytes()
    broken = tmp_path / "unsubscribed.csv"
    broken.write_bytes(data.replace("Dupré".encode("cp1252"), b"Dupr\x81", 1))
    newsroom = make_newsroom(tmp_path / "news", 25)
    output, code = suppress(newsroom, broken)
    assert code == 0, output  # never exit 70 for a file's bytes
    assert "added 24" in output and "skipped 1" in output
    assert "skipped: line 8: bytes that are neither UTF-8 nor Windows-1252" in output
    assert set(suppressed(newsroom)) == set(READERS) - {"ines.dupre@example.fr"}


@pytest.mark.parametrize("assume_yes", [False, True])
def test_yes_skips_the_counts_only_a_question_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, assume_yes: bool
) -> None:
    from digest.delivery.run import SendRequest, send_edition_file

    asked: list[str] = []
    counted: list[int] = []
    real_counts = SuppressionList.counts

    def counts(self: SuppressionList) -> dict[Reason, int]:
        counted.append(1)
        return real_counts(self)

    monkeypatch.setattr(SuppressionList, "counts", counts)
    handler = FaultHandler()
    with smtp_server(handler) as server:
        newsroom = make_newsroom(tmp_path / "news", server.port)
        summary = send_edition_file(
            SendRequest(
                edition_path=newsroom.edition("2024-11-22"),
                recipients_csv=LISTS / "excel-subscribed-utf8-bom.csv",
                assume_yes=assume_yes,
            ),
            confirm=lambda question: asked.append(question) or True,
            environ=ENV,
        )
    assert summary.sent == 25 and len(handler.received) == 25
    assert (asked, counted) == (([], []) if assume_yes else ([asked[0]], [1]))
