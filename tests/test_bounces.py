"""`digest bounces import` on real Postfix bounces and Exim-format DSNs for messages really sent."""

from __future__ import annotations

import mailbox
from email.message import Message
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path
from digest.subscribers.dsn import Kind, classify, read_report
from tests.conftest import DATA
from tests.newsroom import BOUNCE_READERS, EDITIONS, ENV, Newsroom, make_newsroom, parse, send
from tests.smtp_server import smtp_server

BOUNCES = DATA / "bounces"
HARD = {"gone@example.org", "closed@example.net", "nouser@example.com"}
SOFT = {"full@example.org", "slow@example.net"}
runner = CliRunner()


def returned_copy(data: bytes, headers_only: bool) -> str:
    """The message as an MTA returns it: LF line ends, whole or headers only."""
    text = data.decode("utf-8").replace("\r\n", "\n")
    return text.split("\n\n", 1)[0] + "\n" if headers_only else text


def exim_report(template: str, sent: bytes) -> bytes:
    """An Exim DSN (layout of Exim 4.96's deliver.c) returning a message digest sent."""
    headers_only = "text/rfc822-headers" in template
    return (
        template.replace("{message_id}", str(parse(sent)["Message-ID"]))
        .replace("{returned}", returned_copy(sent, headers_only))
        .encode("utf-8")
    )


def bounce_mailbox(folder: Path, sent: dict[str, bytes]) -> Path:
    """Real Postfix bounces, Exim DSNs, a delay warning and an out-of-office reply."""
    path = folder / "bounces.mbox"
    box = mailbox.mbox(path)
    for message in mailbox.mbox(BOUNCES / "postfix.mbox"):
        box.add(message)
    for name, reader in (
        ("exim-hard", "nouser@example.com"),
        ("exim-soft", "slow@example.net"),
        ("exim-delay", "ann@example.org"),
    ):
        template = (BOUNCES / f"{name}.eml.tmpl").read_text(encoding="utf-8")
        box.add(exim_report(template, sent[reader]))
    box.add((BOUNCES / "out-of-office.eml").read_bytes())
    box.flush()
    box.close()
    return path


def suppressions(root: Path) -> dict[str, Reason]:
    with SuppressionList(default_suppression_path(root)) as opened:
        return {entry.address: entry.reason for entry in opened.entries()}


def import_bounces(newsroom: Newsroom, path: Path) -> str:
    command = ["bounces", "import", str(path), "--dir", str(newsroom.root)]
    result = runner.invoke(app, command, env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def test_three_hard_and_two_soft_bounces_then_the_next_send_skips_the_three(
    tmp_path: Path,
) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, readers=BOUNCE_READERS)
        send(newsroom, EDITIONS[0])
        sent = {rcpt: data for rcpt, data in smtp.handler.received}
        path = bounce_mailbox(tmp_path, sent)

        output = import_bounces(newsroom, path)
        assert "8 messages: 3 suppressed, 2 soft bounces counted, 0 already suppressed" in output
        assert "1 delay warnings, 0 unverified, 1 unmatched, 1 not bounces, 0 unreadable" in output
        assert "gone@example.org: hard 5.1.1 (2024-11-22) -> suppressed (hard-bounce)" in output
        assert "nouser@example.com: hard 5.1.1 (2024-11-22)" in output  # Exim's 5.0.0, refined
        assert "slow@example.net: soft 4.2.2 (2024-11-22) -> soft bounce counted (1 of 3" in output
        assert "<lunch-1@desk.news.example.org> is not from a send in the journal" in output
        assert "'Out of office: Test Daily: Story number 1'" in output
        assert suppressions(newsroom.root) == dict.fromkeys(HARD, Reason.HARD_BOUNCE)

        smtp.handler.received.clear()
        assert "suppressed 3" in send(newsroom, EDITIONS[1])
        got = {rcpt for rcpt, _ in smtp.handler.received}
        assert got == set(BOUNCE_READERS) - HARD

        again = import_bounces(newsroom, path)  # the same mailbox twice changes nothing
        assert "0 suppressed, 2 soft bounces counted, 3 already suppressed" in again
        assert suppressions(newsroom.root) == dict.fromkeys(HARD, Reason.HARD_BOUNCE)


def test_soft_bounces_in_a_row_suppress_at_the_limit(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, readers=BOUNCE_READERS)
        toml = newsroom.root / "digest.toml"
        toml.write_text(toml.read_text() + "[bounces]\nsoft_limit = 2\n", encoding="utf-8")
        template = (BOUNCES / "exim-soft.eml.tmpl").read_text(encoding="utf-8")
        for number, edition in enumerate(EDITIONS, start=1):
            smtp.handler.received.clear()
            send(newsroom, edition)
            copy = next(d for r, d in smtp.handler.received if r == "slow@example.net")
            report = tmp_path / f"soft-{edition}.eml"
            report.write_bytes(exim_report(template, copy))
            output = import_bounces(newsroom, report)
            if number == 1:
                assert "soft bounce counted (1 of 2 in a row)" in output
                assert suppressions(newsroom.root) == {}
            else:
                assert f"({edition}) -> suppressed (2 soft bounces in a row)" in output
                assert suppressions(newsroom.root) == {"slow@example.net": Reason.SOFT_BOUNCES}


def test_dry_run_changes_nothing_and_unknown_paths_fail_clearly(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, readers=BOUNCE_READERS)
        send(newsroom, EDITIONS[0])
        path = bounce_mailbox(tmp_path, {r: d for r, d in smtp.handler.received})
    result = runner.invoke(
        app, ["bounces", "import", str(path), "--dir", str(newsroom.root), "--dry-run"], env=ENV
    )
    assert result.exit_code == 0 and "dry run: 8 messages: 3 suppressed" in result.output
    assert suppressions(newsroom.root) == {}
    missing = runner.invoke(
        app, ["bounces", "import", str(tmp_path / "nope"), "--dir", str(newsroom.root)], env=ENV
    )
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    assert "Traceback" not in missing.output
    never_sent = make_newsroom(tmp_path / "quiet", 25)
    nothing = runner.invoke(
        app, ["bounces", "import", str(path), "--dir", str(never_sent.root)], env=ENV
    )
    assert nothing.exit_code == 2 and "no send journal at" in nothing.output


def test_maildir_and_a_folder_of_messages_are_read(tmp_path: Path) -> None:
    from digest.subscribers.mailboxes import read_messages

    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add((BOUNCES / "qmail.eml").read_bytes())
    assert [len(e.data or b"") > 0 for e in read_messages(tmp_path / "Maildir")] == [True]
    folder = tmp_path / "eml"
    folder.mkdir()
    (folder / "a.eml").write_bytes((BOUNCES / "qmail.eml").read_bytes())
    (folder / "b.eml").write_bytes((BOUNCES / "out-of-office.eml").read_bytes())
    assert [entry.label for entry in read_messages(folder)] == ["a.eml", "b.eml"]


def test_a_qmail_text_bounce() -> None:
    report = read_report((BOUNCES / "qmail.eml").read_bytes())
    assert report.format == "text"
    assert report.message_id == "<0123456789abcdef0123456789abcdef@news.example.org>"
    (failure,) = report.failures
    assert failure.addresses == ("nobody@example.com",)
    assert (failure.kind, failure.status) == (Kind.HARD, "5.1.1")


def test_postfix_reports_read_field_by_field() -> None:
    reports = [read_report(m.as_bytes()) for m in mailbox.mbox(BOUNCES / "postfix.mbox")]
    kinds = {r.failures[0].addresses[0]: (r.failures[0].kind, r.format) for r in reports}
    assert kinds == {
        "gone@example.org": (Kind.HARD, "dsn"),
        "full@example.org": (Kind.SOFT, "dsn"),
        "stranger@example.org": (Kind.HARD, "dsn"),
        "closed@example.net": (Kind.HARD, "dsn"),  # returned headers only (RET=HDRS)
    }
    assert all(r.message_id for r in reports)


def test_a_spam_complaint_is_suppressed_as_a_complaint(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, readers=BOUNCE_READERS)
        send(newsroom, EDITIONS[0])
        copy = next(d for r, d in smtp.handler.received if r == "ann@example.org")
    arf = Message()
    arf["From"] = "staff@hotmail.example"
    arf["Subject"] = "complaint about message"
    arf.set_type("multipart/report")
    arf.set_param("report-type", "feedback-report")
    human = Message()
    human.set_payload("This is an email abuse report.")
    feedback = Message()
    feedback.set_type("message/feedback-report")
    fields = Message()
    fields["Feedback-Type"] = "abuse"
    fields["Original-Rcpt-To"] = "ann@example.org"
    feedback.set_payload([fields])
    returned = Message()
    returned.set_type("message/rfc822")
    returned.set_payload([parse(copy)])
    arf.set_payload([human, feedback, returned])
    path = tmp_path / "arf.eml"
    path.write_bytes(arf.as_bytes())
    output = import_bounces(newsroom, path)
    assert "ann@example.org: complaint (2024-11-22) -> suppressed (complaint)" in output
    assert suppressions(newsroom.root) == {"ann@example.org": Reason.COMPLAINT}


@pytest.mark.parametrize(
    "status,detail,note,expected",
    [
        ("5.1.1", "550 5.1.1 user unknown", "", (Kind.HARD, "5.1.1")),
        ("4.4.1", "connect timed out", "", (Kind.SOFT, "4.4.1")),
        ("5.0.0", "452 4.2.2 mailbox full", "", (Kind.SOFT, "4.2.2")),  # Exim gave up retrying
        ("5.0.0", "", "mailbox is full: retry timeout exceeded", (Kind.SOFT, "5.0.0")),
        ("5.0.0", "450 TEMPERROR", "", (Kind.SOFT, "450")),
        ("5.0.0", "550 no such user", "", (Kind.HARD, "550")),
        ("5.7.1", "550 5.7.1 message refused as spam", "", (Kind.SOFT, "5.7.1")),
        ("5.3.4", "552 5.3.4 message too big", "", (Kind.SOFT, "5.3.4")),
        ("", "", "", (Kind.HARD, "")),
    ],
)
def test_classify(status: str, detail: str, note: str, expected: tuple[Kind, str]) -> None:
    assert classify(status, detail, note) == expected


def test_a_forwarded_address_is_found_by_the_returned_message_id(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, readers=BOUNCE_READERS)
        send(newsroom, EDITIONS[0])
    # The reader's mail was forwarded; the final server refused the forwarding target.
    original = next(iter(mailbox.mbox(BOUNCES / "postfix.mbox"))).as_bytes()
    forwarded = original.replace(b"gone@example.org", b"gone.forward@elsewhere.example")
    path = tmp_path / "forwarded.eml"
    path.write_bytes(forwarded)
    output = import_bounces(newsroom, path)
    assert "gone@example.org: hard 5.1.1 (2024-11-22) -> suppressed (hard-bounce)" in output
    assert suppressions(newsroom.root) == {"gone@example.org": Reason.HARD_BOUNCE}
