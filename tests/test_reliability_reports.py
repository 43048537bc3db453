"""Red-team cases for reports that arrive by mail: forged ones change nothing, real ones act.

Each forged report names a real reader of a real send; only a report that quotes the bounce
tag of the message we sent that reader (Message-ID or tagged return path) may change their
state. Real Postfix DSNs (tests/data/bounces/postfix.mbox, and live through a private Postfix
when it can run) still suppress.
"""

from __future__ import annotations

import hashlib
import json
import mailbox
import os
import socket
import subprocess
import sys
from email.message import Message
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config.publication import SAMPLE_TAG
from digest.delivery.suppression import Reason
from digest.mail.tags import TAG_CHARS, edition_hint
from tests import bounce_relay, postfix_relay
from tests.newsroom import BOUNCE_READERS, EDITIONS, ENV, Newsroom, make_newsroom, parse, send
from tests.sink import free_port
from tests.smtp_server import smtp_server
from tests.test_bounces import BOUNCES, exim_report, suppressions

runner = CliRunner()
DIGEST = str(Path(sys.executable).with_name("digest"))
VICTIM = "ann@example.org"
# A bounce import of a Maildir holding a FIFO must end; far longer than a real one takes.
IMPORT_DEADLINE_S = 60


def bounces(newsroom: Newsroom, path: Path, *extra: str) -> str:
    command = ["bounces", "import", str(path), "--dir", str(newsroom.root), *extra]
    result = runner.invoke(app, command, env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def sent_newsroom(folder: Path) -> tuple[Newsroom, dict[str, bytes]]:
    """The bounce newsroom after its first edition went out (to aiosmtpd)."""
    with smtp_server() as smtp:
        newsroom = make_newsroom(folder / "news", smtp.port, readers=BOUNCE_READERS)
        send(newsroom, EDITIONS[0])
        return newsroom, dict(smtp.handler.received)


def dsn(recipient: str, returned: Message | None = None, date: str | None = None) -> bytes:
    """An RFC 3464 hard bounce for `recipient`, anyone can write: from a stranger's server."""
    report = Message()
    report["From"] = "MAILER-DAEMON@evil.example"
    report["To"] = "digest@news.example.org"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    if date:
        report["Date"] = date
    report.set_type("multipart/report")
    report.set_param("report-type", "delivery-status")
    human = Message()
    human.set_payload(f"<{recipient}>: host said: 550 5.1.1 user unknown\n")
    status = Message()
    status.set_type("message/delivery-status")
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = "dns; mx.evil.example"
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Diagnostic-Code"] = "smtp; 550 5.1.1 user unknown"
    status.set_payload([per_message, per_recipient])
    parts = [human, status]
    if returned is not None:
        wrapper = Message()
        wrapper.set_type("message/rfc822")
        wrapper.set_payload([returned])
        parts.append(wrapper)
    report.set_payload(parts)
    return report.as_bytes()


def returned_headers(message_id: str) -> Message:
    copy = Message()
    copy["From"] = "Test Daily <digest@news.example.org>"
    copy["To"] = VICTIM
    copy["Subject"] = "Test Daily: Story number 1"
    copy["Message-ID"] = message_id
    copy.set_payload("")
    return copy


def stranger_arf() -> bytes:
    """A spam complaint written by attacker@evil.example, naming the victim."""
    arf = Message()
    arf["From"] = "attacker@evil.example"
    arf["Subject"] = "complaint about message"
    arf.set_type("multipart/report")
    arf.set_param("report-type", "feedback-report")
    human, feedback, fields, wrapper = Message(), Message(), Message(), Message()
    human.set_payload("This is an email abuse report.")
    feedback.set_type("message/feedback-report")
    fields["Feedback-Type"] = "abuse"
    fields["Original-Rcpt-To"] = VICTIM
    feedback.set_payload([fields])
    wrapper.set_type("message/rfc822")
    wrapper.set_payload([returned_headers("<made-up-1@news.example.org>")])
    arf.set_payload([human, feedback, wrapper])
    return arf.as_bytes()


def legacy_message_id(edition: str, address: str) -> str:
    """What digest's Message-IDs were before bounce tags: anyone can compute them."""
    seed = f"{edition}\n{address}".encode()
    return f"<{hashlib.sha256(seed).hexdigest()[:32]}@news.example.org>"


def test_forged_reports_change_no_reader_and_are_shown_unverified(tmp_path: Path) -> None:
    newsroom, _ = sent_newsroom(tmp_path)
    forged_tag = f"<{edition_hint(EDITIONS[0])}-{'0' * 24}@news.example.org>"
    forgeries = {
        "headerless.eml": dsn(VICTIM),
        "computed.eml": dsn(VICTIM, returned_headers(legacy_message_id(EDITIONS[0], VICTIM))),
        "tag-shaped.eml": dsn(VICTIM, returned_headers(forged_tag)),
        "arf.eml": stranger_arf(),
    }
    folder = tmp_path / "forged"
    folder.mkdir()
    for name, data in forgeries.items():
        (folder / name).write_bytes(data)
    output = bounces(newsroom, folder)
    assert suppressions(newsroom.root) == {}
    assert output.count("reported, unverified:") == 4, output
    assert "returned no headers of our message" in output
    assert "format of sends before bounce tags, which anyone can compute" in output
    assert "bounce tag does not verify" in output
    assert "the complaint quotes no message we sent" in output
    assert "4 unverified" in output and "--accept-unverified acts on them" in output
    status = runner.invoke(app, ["status", str(newsroom.edition(EDITIONS[0])), "--json"])
    reported = json.loads(status.output)["reported_unverified"]
    assert [r["address"] for r in reported] == [VICTIM] * 4  # each about the likely edition
    text = runner.invoke(app, ["status", str(newsroom.edition(EDITIONS[0]))]).output
    assert "reported, unverified" in text and VICTIM in text

    again = bounces(newsroom, folder)  # recorded once, however often imported
    assert "4 unverified" in again
    status = runner.invoke(app, ["status", str(newsroom.edition(EDITIONS[0])), "--json"])
    assert len(json.loads(status.output)["reported_unverified"]) == 4

    accepted = bounces(newsroom, folder / "computed.eml", "--accept-unverified")
    assert "suppressed (hard-bounce) [unverified, accepted]" in accepted
    assert suppressions(newsroom.root) == {VICTIM: Reason.HARD_BOUNCE}


def test_a_headerless_bounce_from_a_skewed_clock_says_why(tmp_path: Path) -> None:
    newsroom, _ = sent_newsroom(tmp_path)
    report = tmp_path / "skewed.eml"
    report.write_bytes(dsn(VICTIM, date="Mon, 01 Jan 2001 00:00:00 +0000"))
    output = bounces(newsroom, report, "--accept-unverified")
    assert "no edition fits" in output
    assert "dated 2001-01-01 00:00 UTC, before the first send to this address" in output
    assert suppressions(newsroom.root) == {}  # even accepted, nothing fits: nothing is done


def nested_multiparts(depth: int) -> bytes:
    head = b"From: x@evil.example\nSubject: deep\nMIME-Version: 1.0\n"
    opens = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (n, n) for n in range(depth)
    )
    closes = b"".join(b"--b%d--\n" % n for n in reversed(range(depth)))
    return head + opens + b"Content-Type: text/plain\n\nhi\n" + closes


def test_one_malformed_message_among_five_real_bounces(tmp_path: Path) -> None:
    newsroom, sent = sent_newsroom(tmp_path)
    postfix = [m.as_bytes() for m in mailbox.mbox(BOUNCES / "postfix.mbox")]
    ours = [data for data in postfix if b"stranger@example.org" not in data]
    exim = [
        exim_report((BOUNCES / f"{name}.eml.tmpl").read_text(encoding="utf-8"), sent[reader])
        for name, reader in (("exim-hard", "nouser@example.com"), ("exim-soft", "slow@example.net"))
    ]
    messages = [*ours[:2], nested_multiparts(3000), *ours[2:], *exim]
    path = bounce_relay.write_mbox(tmp_path / "bounces.mbox", messages)
    result = runner.invoke(
        app, ["bounces", "import", str(path), "--dir", str(newsroom.root)], env=ENV
    )
    assert result.exit_code == 0, result.output
    assert "6 messages: 3 suppressed, 2 soft bounces counted" in result.output
    assert "unreadable: message 3: cannot be parsed (RecursionError" in result.output
    assert "1 unreadable" in result.output
    assert set(suppressions(newsroom.root)) == {
        "gone@example.org",
        "closed@example.net",
        "nouser@example.com",
    }


def test_an_unknown_charset_is_read_not_fatal(tmp_path: Path) -> None:
    newsroom, _ = sent_newsroom(tmp_path)
    first = next(iter(mailbox.mbox(BOUNCES / "postfix.mbox"))).as_bytes()
    odd = first.replace(b"charset=utf-8", b"charset=x-no-such-charset", 1)
    assert odd != first
    (tmp_path / "odd.eml").write_bytes(odd)
    output = bounces(newsroom, tmp_path / "odd.eml")
    assert "gone@example.org: hard 5.1.1 (2024-11-22) -> suppressed (hard-bounce)" in output


def test_fifo_device_link_and_socket_in_a_maildir_are_skipped(tmp_path: Path) -> None:
    newsroom, _ = sent_newsroom(tmp_path)
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(next(iter(mailbox.mbox(BOUNCES / "postfix.mbox"))).as_bytes())
    new = tmp_path / "Maildir" / "new"
    os.mkfifo(new / "1.fifo")
    (new / "2.zero").symlink_to("/dev/zero")
    (new / "3.nothing").symlink_to(tmp_path / "missing")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(new / "4.sock"))
    big = tmp_path / "Maildir" / "cur" / "5.big"
    with big.open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)  # sparse: nothing is written, the size is what counts
    try:
        command = [DIGEST, "bounces", "import", str(tmp_path / "Maildir")]
        done = subprocess.run(
            [*command, "--dir", str(newsroom.root)],
            env={**os.environ, **ENV},
            capture_output=True,
            text=True,
            timeout=IMPORT_DEADLINE_S,
            check=False,
        )
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr
    assert "6 messages: 1 suppressed" in done.stdout and "5 unreadable" in done.stdout
    for label, why in (
        ("1.fifo", "a FIFO"),
        ("2.zero", "a device"),
        ("3.nothing", "a link to nothing"),
        ("4.sock", "a socket"),
        ("5.big", "larger than 10 MB"),
    ):
        assert f"unreadable: {label}: {why}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "value,words",
    [
        ("bounces@{tag}.example.org", "{tag} belongs before the @"),
        ("b" * 40 + "+{tag}@example.org", "longer than 64 characters"),
        ("bounces+{tag}{tag}@example.org", "must be one address"),
        ("bounces+{tag}@example.org>\r\nRCPT TO:<x@y", "must be one address"),
    ],
)
def test_a_return_path_that_cannot_work_is_refused(tmp_path: Path, value: str, words: str) -> None:
    assert len(SAMPLE_TAG) == TAG_CHARS  # the config check measures the real tag
    newsroom = make_newsroom(tmp_path / "news", 25)
    toml = newsroom.root / "digest.toml"
    toml.write_text(toml.read_text() + f"[bounces]\nreturn_path = {json.dumps(value)}\n")
    result = runner.invoke(app, ["build", str(newsroom.edition(EDITIONS[0]))], env=ENV)
    assert result.exit_code == 2 and "return_path" in result.output and words in result.output


@pytest.mark.skipif(postfix_relay.available() is not None, reason=str(postfix_relay.available()))
def test_real_postfix_dsns_for_our_messages_still_suppress(tmp_path: Path) -> None:
    """digest -> a private Postfix -> a next hop that refuses three readers -> Postfix's DSNs."""
    hop = bounce_relay.RefusingHop()
    with (
        smtp_server(hop) as next_hop,
        postfix_relay.postfix_relay(
            free_port(), next_hop.port, postfix_relay.BOUNCE_AT_ONCE
        ) as relay,
    ):
        newsroom = make_newsroom(tmp_path / "news", relay.port, readers=BOUNCE_READERS)
        toml = newsroom.root / "digest.toml"
        verp = '[bounces]\nreturn_path = "bounces+{tag}@news.example.org"\n'
        toml.write_text(toml.read_text() + verp, encoding="utf-8")
        send(newsroom, EDITIONS[0])
        reports = bounce_relay.wait_for_reports(hop, 3)
    assert len(reports) == 3, relay.log()[-3000:]
    delivered = {to: sender for sender, to, _ in hop.envelopes if sender}
    ann_tag = delivered[VICTIM].removeprefix("bounces+").removesuffix("@news.example.org")
    assert len(ann_tag) == TAG_CHARS  # VERP: each reader's copy has its own return path
    assert all(to.startswith("bounces+") for to, _ in reports)  # the DSNs came back tagged
    path = bounce_relay.write_mbox(tmp_path / "live.mbox", [data for _, data in reports])
    output = bounces(newsroom, path)
    assert "3 messages: 2 suppressed, 1 soft bounces counted" in output, output
    assert suppressions(newsroom.root) == {
        "gone@example.org": Reason.HARD_BOUNCE,
        "closed@example.net": Reason.HARD_BOUNCE,
    }
    # A bounce that returns nothing of the message is still proven by the tagged return path.
    full = next(data for to, data in reports if b"full@example.org" in data)
    message = parse(full)
    message.set_payload(
        [part for part in message.iter_parts() if "rfc822" not in part.get_content_type()]
    )
    assert b"Message-ID: <" not in message.as_bytes()
    (tmp_path / "bare.eml").write_bytes(message.as_bytes())
    bare = bounces(newsroom, tmp_path / "bare.eml")
    assert "full@example.org: soft 4.2.2 (2024-11-22) -> soft bounce counted" in bare, bare
