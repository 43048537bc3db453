"""Recipient lists as they come: dialects, export headers, plain lists, bad rows, duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.config import Publication
from digest.delivery.personalize import UNSUBSCRIBE_URL_MARKER, prepare
from digest.delivery.recipient_list import (
    describe_duplicates,
    load_recipients,
    parse_recipients,
)
from digest.delivery.recipients import RecipientsError, check_address
from digest.errors import ExitCode
from tests.test_headers import DATE, header_text


def emails(text: str | bytes) -> list[str]:
    with parse_recipients(text) as listing:
        return [r.email for r in listing]


@pytest.mark.parametrize(
    ("name", "text", "fields"),
    [
        (
            "mailchimp",
            "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,TAGS\r\n"
            'ann@example.org,Ann,Lee,2,"2024-01-02 10:00:00","a,b"\r\n'
            "bob@example.org,Bob,,1,,\r\n",
            {"first_name", "last_name", "member_rating", "optin_time", "tags"},
        ),
        (
            "buttondown",
            "email_address,creation_date,notes,tags\n"
            "ann@example.org,2024-01-01,,\nbob@example.org,2024-01-02,vip,\n",
            {"creation_date", "notes", "tags"},
        ),
        (
            "listmonk",
            'uuid,email,name,attributes,status\n1,ann@example.org,Ann Lee,"{""city"": ""Oslo""}",'
            "enabled\n2,bob@example.org,Bob,{},enabled\n",
            {"uuid", "attributes", "status"},
        ),
        (
            "substack",
            "email,active_subscription,expiry,plan\nann@example.org,true,,free\n"
            "bob@example.org,false,,paid\n",
            {"active_subscription", "expiry", "plan"},
        ),
        (
            "european excel",
            "\ufeffE-Mail;Name;Stadt\r\nann@example.org;Änne;Köln\r\nbob@example.org;Bob;Wien\r\n",
            {"stadt"},
        ),
        (
            "excel separator hint",
            "sep=;\r\nemail;name\r\nann@example.org;Ann\r\nbob@example.org;B\r\n",
            set(),
        ),
        ("tab separated", "Email\tName\nann@example.org\tAnn\nbob@example.org\tBob\n", set()),
        ("old mac line ends", "email,name\rann@example.org,Ann\rbob@example.org,Bob\r", set()),
    ],
)
def test_exports_load_as_they_come(name: str, text: str, fields: set[str]) -> None:
    with parse_recipients(text) as listing:
        assert listing.check.problem_count == 0, listing.check.problems
        people = list(listing)
        assert [r.email for r in people] == ["ann@example.org", "bob@example.org"]
        assert listing.fields == {"email", "name"} | fields
    if name == "mailchimp":
        assert people[0].name == "Ann Lee" and people[1].name == "Bob"
        assert people[0].field("tags") == "a,b"
    if name == "european excel":
        assert people[0].name == "Änne" and people[0].field("stadt") == "Köln"


def test_a_plain_list_of_addresses() -> None:
    assert emails("ann@example.org\r\n\r\nbob@example.org\n") == [
        "ann@example.org",
        "bob@example.org",
    ]
    with parse_recipients("ann@example.org, Ann Lee\n") as listing:
        assert next(iter(listing)).name == "Ann Lee"
        assert "no header row" in listing.check.layout


def test_one_unterminated_quote_hides_nothing_after_it() -> None:
    rows = ["email,name"] + [f"r{n:04d}@example.org,Reader {n}" for n in range(1000)]
    rows[9] = 'r0008@example.org,"Broken name'  # line 10
    with parse_recipients("\n".join(rows) + "\n") as listing:
        assert listing.check.problem_count == 1
        assert str(listing.check.problems[0]) == "line 10: not valid CSV: an unterminated quote"
        assert len(listing) == 999  # every other row survives


def test_bad_rows_are_each_named_by_line() -> None:
    text = (
        "email,name\n"
        "ok@example.org,Ok\n"
        "not-an-address,Bad\n"
        "tab@example.org,Ann\tLee\n"
        "rlo@example.org,Ann\u202eeeL\n"
        "nel@example.org,Ann\x85Lee\n"
        "too@example.org,many,cells\n"
        ",No address\n"
    ).encode() + b"latin@example.org,Ren\xe9\nnone@example.org,X\x81Y\n"
    with parse_recipients(text) as listing:
        messages = [str(problem) for problem in listing.check.problems]
        names = [recipient.name for recipient in listing]
    assert [m.split(":")[0] for m in messages] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8, 10)]
    assert "is not an email address" in messages[0]
    assert "tab (U+0009)" in messages[1] and "To header" in messages[1]
    assert "U+202E" in messages[2] and "U+0085" in messages[3]
    assert "3 cells where the header has 2" in messages[4]
    assert "no address" in messages[5]
    # A Windows-1252 line in a UTF-8 file is read as such; bytes in neither are one bad line.
    assert names == ["Ok", "René"]
    assert messages[6] == (
        "line 10: bytes that are neither UTF-8 nor Windows-1252 (byte 19, 0x81); "
        "save the list as CSV UTF-8"
    )


def test_duplicates_are_reported_with_lines_and_sent_once() -> None:
    text = "email,name\nann@example.org,Ann\nbob@example.org,Bob\nANN@Example.org,Ann again\n"
    with parse_recipients(text) as listing:
        assert [r.name for r in listing] == ["Ann", "Bob"]
        assert listing.check.duplicate_count == 1
        report = describe_duplicates(listing.check)
    assert "line 4 repeats line 2 (ANN@example.org)" in report


def test_header_problems_stop_the_list_and_say_how_to_fix() -> None:
    with pytest.raises(RecipientsError) as caught:
        parse_recipients("name,city\nAnn,Paris\n")
    assert "line 1: no column holds the addresses" in caught.value.message
    assert (
        "name it `email`" in caught.value.message and "--skip-invalid" not in caught.value.message
    )
    assert caught.value.exit_code == ExitCode.RECIPIENTS
    with pytest.raises(RecipientsError, match="several columns could hold the address"):
        parse_recipients("Email,E-mail\na@example.org,b@example.org\n")
    with parse_recipients("Correo,Nombre\nann@example.org,Ann\n") as listing:
        assert [r.email for r in listing] == ["ann@example.org"]
        assert "Correo" in listing.check.notes[0]


def test_skip_invalid_is_offered_only_when_it_can_help(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("\ufeffemail,name\nok@example.org,Ok\nbad@@example.org,Bad\n", "utf-8")
    with pytest.raises(RecipientsError, match="line 3") as caught:
        load_recipients(path)
    assert caught.value.exit_code == ExitCode.RECIPIENTS
    assert "--skip-invalid to send to the 1 valid rows" in caught.value.message
    with load_recipients(path, skip_invalid=True) as listing:
        assert [r.email for r in listing] == ["ok@example.org"]
    path.write_text("email\nbad@@example.org\nworse\n", "utf-8")
    with pytest.raises(RecipientsError) as caught:
        load_recipients(path, skip_invalid=True)
    assert "No row is valid" in caught.value.message
    assert "--skip-invalid" not in caught.value.message
    with pytest.raises(RecipientsError, match="not found"):
        load_recipients(tmp_path / "missing.csv")
    with pytest.raises(RecipientsError, match="folder"):
        load_recipients(tmp_path)


def test_internationalized_domain_is_sent_in_ascii() -> None:
    assert emails("email\nanna@bücher.example\n") == ["anna@xn--bcher-kva.example"]


def test_a_line_too_long_is_a_bad_row_not_a_memory_problem() -> None:
    text = b"email,name\n" + b"x" * 200_000 + b"\nok@example.org,Ok\n"
    with parse_recipients(text) as listing:
        assert [str(p) for p in listing.check.problems] == ["line 2: longer than 65,536 characters"]
        assert len(listing) == 1


atoms = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-.",
    min_size=1,
    max_size=70,
)
labels = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,64}", fullmatch=True)
tlds = st.sampled_from(["org", "com", "COM", "io", "test", "local", "xn--p1ai", "x", "a1"])


@settings(max_examples=500, deadline=None)
@given(local=atoms, domain=st.lists(labels, min_size=1, max_size=3), tld=tlds)
def test_the_fast_path_agrees_with_email_validator(local: str, domain: list[str], tld: str) -> None:
    address = f"{local}@{'.'.join([*domain, tld])}"
    try:
        expected = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        with pytest.raises(ValueError):
            check_address(address)
        return
    assert check_address(address) == (expected.ascii_email or expected.normalized)


@settings(max_examples=200, deadline=None)
@given(name=header_text)
def test_a_name_the_list_check_accepts_always_makes_a_message(name: str) -> None:
    """List check and send time agree: a row is refused (exit 7), or its message parses."""
    cell = '"' + name.replace('"', '""') + '"'
    with parse_recipients(
        f"email,name\nreader@example.org,{cell}\n".encode("utf-8", "replace")
    ) as listing:
        people = list(listing)
        if listing.check.problem_count:
            assert not people
            return
    personalizer = prepare(
        Publication.model_validate(
            {
                "name": "Daily",
                "from": "Desk <desk@news.example.org>",
                "unsubscribe": {"url": "https://news.example.org/u/{token}"},
            }
        ),
        edition_key="2024-11-22",
        subject="Today",
        text=f"Hi\n{UNSUBSCRIBE_URL_MARKER}\n",
        html=f'<a href="{UNSUBSCRIBE_URL_MARKER}">x</a>',
        date=DATE,
        secret=b"0123456789abcdef-test-secret",
        available_fields=listing.fields,
    )
    personalizer.verify(personalizer.render(people[0]), people[0])
