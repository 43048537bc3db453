"""Recipient CSV: validation, duplicates, line numbers, merge columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.delivery.recipients import RecipientsError, load_recipients, parse_recipients


def test_clean_list_with_merge_fields_and_duplicates() -> None:
    result = parse_recipients(
        [
            "Email,Name,City\n",
            "ann@example.org,Ann,Paris\n",
            "ANN@Example.org,Ann again,Rome\n",
            "\n",
            "bob@Example.ORG,,Oslo\n",
        ]
    )
    assert result.problems == ()
    assert [r.email for r in result.recipients] == ["ann@example.org", "bob@example.org"]
    assert result.duplicates == 1
    assert result.recipients[0].field("city") == "Paris"
    assert result.recipients[1].name is None and result.recipients[1].line == 5


def test_bad_rows_are_reported_with_line_numbers() -> None:
    result = parse_recipients(
        [
            "email,name\n",
            "ok@example.org,Ok\n",
            "not-an-address,Bad\n",
            '"quoted\n',
            'line@example.org",Two lines\n',
            'evil@example.org,"Evil\x1b"\n',
            "too,many,columns\n",
        ]
    )
    assert [p.line for p in result.problems] == [3, 4, 6, 7]
    assert len(result.recipients) == 1


def test_header_problems() -> None:
    assert "no `email` column" in str(parse_recipients(["name\n", "x\n"]).problems[0])
    assert "twice" in str(parse_recipients(["email,Email\n"]).problems[0])


def test_load_refuses_until_clean_or_skip_invalid(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("\ufeffemail,name\nok@example.org,Ok\nbad@@example.org,Bad\n", "utf-8")
    with pytest.raises(RecipientsError, match="line 3") as caught:
        load_recipients(path)
    assert caught.value.exit_code == 7
    result = load_recipients(path, skip_invalid=True)
    assert [r.email for r in result.recipients] == ["ok@example.org"]
    with pytest.raises(RecipientsError, match="not found"):
        load_recipients(tmp_path / "missing.csv")


def test_internationalized_domain_is_sent_in_ascii() -> None:
    result = parse_recipients(["email\n", "anna@bücher.example\n"])
    assert result.recipients[0].email == "anna@xn--bcher-kva.example"
