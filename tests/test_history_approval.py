"""Approval bound to the bytes: build -> approve -> send, and the sends that are refused.

aiosmtpd on 127.0.0.1 counts what really went out: nothing, whenever a send is refused.
"""

from __future__ import annotations

from pathlib import Path

from tests.history_newsroom import D, digest, make_newsroom
from tests.smtp_server import smtp_server

REQUIRED = "require_approval = true"
TWO_PEOPLE = "require_second_person = true"
EDITED = 'summary = "The World Bank cut its forecast for Bangladesh to 4.1 per cent."'


def _edit_summary(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    marker = 'source = "../articles/worldbank.md"\n'
    path.write_text(text.replace(marker, marker + EDITED + "\n"), encoding="utf-8")


def test_build_approve_send_and_an_edit_after_approval_is_refused(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, delivery_extra=REQUIRED)
        edition, recipients = str(newsroom.edition(D)), str(newsroom.recipients)
        send = ("send", edition, "--to", recipients, "--yes")
        assert digest("build", edition)[0] == 0
        code, output = digest(*send)
        assert code == 12 and "has no approval" in output and "digest approve" in output

        code, output = digest("approve", edition, "--as", "Desk Editor")
        assert code == 0 and "Approved 2024-11-21 as Desk Editor" in output, output
        _edit_summary(newsroom.edition(D))  # after the approval: what would go out changed
        code, output = digest(*send)
        assert code == 12, output
        assert "changed since Desk Editor approved it" in output
        assert "story 3 'World Bank cuts Bangladesh growth forecast to 4.1% for FY25': " in output
        assert "summary edited" in output
        assert smtp.handler.received == []

        assert digest("approve", edition, "--as", "Desk Editor")[0] == 0  # reviewed again
        code, output = digest(*send)
        assert code == 0 and "sent 5" in output, output
        assert len(smtp.handler.received) == 5
        history = digest("history", edition)[1]
        assert "approved by Desk Editor" in history


def test_self_approval_is_refused_when_two_people_are_required(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        extra = f"{REQUIRED}\n{TWO_PEOPLE}"
        newsroom = make_newsroom(tmp_path / "news", smtp.port, delivery_extra=extra)
        edition, recipients = str(newsroom.edition(D)), str(newsroom.recipients)
        send = ("send", edition, "--to", recipients, "--yes")
        code, output = digest("approve", edition, env={"DIGEST_APPROVER": "Ann Editor"})
        assert code == 0 and "as Ann Editor" in output, output
        # The approver sends it herself (her name as she types it, or from DIGEST_APPROVER).
        code, output = digest(*send, "--as", "ann  EDITOR")
        assert code == 12 and "Ann Editor approved it and is sending it" in output
        code, output = digest(*send, env={"DIGEST_APPROVER": "Ann Editor"})
        assert code == 12 and "require_second_person" in output
        # Nobody says who is sending: refused too, never guessed.
        code, output = digest(*send)
        assert code == 12 and "say who is sending with --as NAME" in output
        assert smtp.handler.received == []
        code, output = digest(*send, "--as", "Bob Night Editor")
        assert code == 0 and "sent 5" in output, output
        assert "went out" in digest("history", edition)[1]
        assert "by Bob Night Editor, approved by Ann Editor" in digest("history", edition)[1]


def test_an_approval_for_one_list_does_not_cover_another(tmp_path: Path) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, delivery_extra=REQUIRED)
        edition, recipients = str(newsroom.edition(D)), str(newsroom.recipients)
        code, output = digest("approve", edition, "--as", "Desk", "--to", recipients)
        assert code == 0 and "for the list" in output and "(5 addresses)" in output
        other = newsroom.root / "other.csv"
        other.write_text(newsroom.recipients.read_text() + "new@example.org\n")
        code, output = digest("send", edition, "--to", str(other), "--yes")
        assert code == 12 and "the recipient list is not the one approved" in output
        assert "a list of 5 addresses, this one has 6" in output
        assert digest("send", edition, "--to", recipients, "--yes")[0] == 0
        assert len(smtp.handler.received) == 5


def test_an_approver_is_named_never_guessed_and_test_sends_need_no_approval(
    tmp_path: Path,
) -> None:
    with smtp_server() as smtp:
        newsroom = make_newsroom(tmp_path / "news", smtp.port, delivery_extra=REQUIRED)
        edition = str(newsroom.edition(D))
        code, output = digest("approve", edition, env={"DIGEST_APPROVER": ""})
        assert code == 2 and "say who approves" in output
        code, output = digest("approve", edition, "--as", "Tab\there")
        assert code == 2 and "on one line" in output
        code, output = digest("send", edition, "--test", "me@example.org")
        assert code == 0 and "sent a test" in output
        assert len(smtp.handler.received) == 1


def test_a_lists_fingerprint_is_the_same_counted_at_once_or_one_by_one_in_any_order() -> None:
    from digest.history.sends import Fingerprint

    addresses = [f"reader{i}@example.org" for i in range(2_000)]
    one_by_one, at_once, reversed_halves = Fingerprint(), Fingerprint(), Fingerprint()
    for address in addresses:
        one_by_one.add(address)
    at_once.add_all(addresses)
    reversed_halves.add_all(addresses[1_000:][::-1])
    reversed_halves.add_all(addresses[:1_000])
    assert one_by_one.text == at_once.text == reversed_halves.text
    assert one_by_one.count == at_once.count == reversed_halves.count == 2_000
    fewer = Fingerprint()
    fewer.add_all(addresses[1:])
    assert fewer.text != at_once.text
