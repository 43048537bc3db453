"""Reader tokens: opaque (no address in any form), authenticated, expiring; old ones honoured."""

from __future__ import annotations

import base64
import binascii
import contextlib

from hypothesis import given
from hypothesis import strategies as st

from digest.delivery.tokens import (
    PREVIEW_TOKEN,
    READER_LIFETIME_S,
    Purpose,
    TokenKey,
    make_legacy_token,
    make_token,
    read_token,
)

SECRET = b"a-test-secret-of-32-characters!!"
LIST = "daily.news.example.org"
NOW = 1_732_258_800.0  # 2024-11-22 07:00 UTC
KEY = TokenKey(SECRET, LIST)


def decodings(token: str) -> list[bytes]:
    """Every reading of the token's characters a curious person might try."""
    found = [token.encode()]
    for start in range(4):
        piece = token[start:]
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            with contextlib.suppress(binascii.Error, ValueError):
                found.append(decode(piece + "=" * (-len(piece) % 4)))
    return found


def test_a_token_reads_back_its_lowercased_address_and_names_it_in_no_form() -> None:
    token = make_token(SECRET, LIST, "Zoe@Example.org", issued=NOW)
    check = read_token(SECRET, LIST, token, now=NOW + 60)
    assert check.valid and check.address == "zoe@example.org" and not check.legacy
    assert "." not in token and len(token) < 100
    for data in decodings(token):
        assert b"zoe" not in data.lower() and b"example" not in data.lower()


def test_the_same_reader_and_moment_give_one_token_and_another_moment_another() -> None:
    assert make_token(SECRET, LIST, "zoe@example.org", issued=NOW) == make_token(
        SECRET, LIST, "ZOE@example.org", issued=NOW
    )
    assert make_token(SECRET, LIST, "zoe@example.org", issued=NOW + 1) != make_token(
        SECRET, LIST, "zoe@example.org", issued=NOW
    )


def test_the_preview_token_is_recognised_and_names_nobody() -> None:
    check = read_token(SECRET, LIST, PREVIEW_TOKEN)
    assert check.preview and not check.valid and check.address is None


def test_another_secret_list_or_purpose_does_not_verify() -> None:
    token = make_token(SECRET, LIST, "zoe@example.org", issued=NOW)
    assert not read_token(b"another-secret-of-32-characters!!", LIST, token, now=NOW).valid
    assert not read_token(SECRET, "weekly.news.example.org", token, now=NOW).valid
    confirm = KEY.make(Purpose.CONFIRM, "zoe@example.org", issued=NOW)
    assert not read_token(SECRET, LIST, confirm, now=NOW).valid
    assert KEY.read(confirm, Purpose.CONFIRM, now=NOW, lifetime=3600).address == "zoe@example.org"


def test_every_altered_character_breaks_the_token() -> None:
    token = make_token(SECRET, LIST, "zoe@example.org", issued=NOW)
    for index in range(len(token)):
        altered = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
        assert not read_token(SECRET, LIST, altered, now=NOW).valid


def test_tokens_expire() -> None:
    token = make_token(SECRET, LIST, "zoe@example.org", issued=NOW)
    assert read_token(SECRET, LIST, token, now=NOW + READER_LIFETIME_S - 1).valid
    late = read_token(SECRET, LIST, token, now=NOW + READER_LIFETIME_S + 1)
    assert late.expired and not late.valid
    confirm = KEY.make(Purpose.CONFIRM, "zoe@example.org", issued=NOW)
    assert KEY.read(confirm, Purpose.CONFIRM, now=NOW + 7201, lifetime=7200).expired


def test_a_change_token_carries_both_addresses() -> None:
    token = KEY.make(Purpose.CHANGE, "old@example.org", issued=NOW, new_address="New@Example.org")
    check = KEY.read(token, Purpose.CHANGE, now=NOW, lifetime=3600)
    assert (check.address, check.new_address) == ("old@example.org", "new@example.org")


def test_old_format_tokens_work_until_they_expire_and_only_to_unsubscribe() -> None:
    old = make_legacy_token(SECRET, LIST, "zoe@example.org")
    assert "." in old  # the old, readable format
    kept = read_token(SECRET, LIST, old, now=NOW, legacy_until=NOW + 10)
    assert kept.valid and kept.legacy and kept.address == "zoe@example.org"
    assert read_token(SECRET, LIST, old, now=NOW + 11, legacy_until=NOW + 10).expired
    assert not read_token(SECRET, LIST, old, now=NOW).valid  # no cut-off given: refused
    assert not KEY.read(old, Purpose.CONFIRM, now=NOW, lifetime=1e9, legacy_until=NOW + 10).valid
    forged = (
        make_legacy_token(SECRET, LIST, "max@example.org").split(".")[0] + "." + old.split(".")[1]
    )
    assert not read_token(SECRET, LIST, forged, now=NOW, legacy_until=NOW + 10).valid


@given(st.text(max_size=600))
def test_any_string_is_an_answer_never_an_exception(token: str) -> None:
    check = read_token(SECRET, LIST, token, now=NOW, legacy_until=NOW)
    assert check.preview == (token == PREVIEW_TOKEN)
    assert not check.valid
