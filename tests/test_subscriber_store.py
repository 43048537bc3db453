"""`digest subscribers add | import | list | export | remove | erase`, through the CLI."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.delivery.journal import default_journal_path
from digest.delivery.suppression import Reason, SuppressionList, default_suppression_path
from digest.store.subscribers import Status, SubscriberStore
from tests.newsroom import ENV
from tests.readers_newsroom import make_readers_newsroom, statuses

runner = CliRunner()
# One export of each kind the reader knows, as those services write them (header names and
# status words studied from their exports; rows made up).
EXPORTS = {
    "mailchimp-subscribed.csv": (
        "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,LEID,TAGS\n"
        "mc.one@example.org,Ada,One,2,2024-01-02 10:00:00,2024-01-02 10:01:00,11,\n"
        "mc.two@example.org,Bo,Two,3,2024-01-03 10:00:00,2024-01-03 10:01:00,12,vip\n"
    ),
    "mailchimp-unsubscribed.csv": (
        "Email Address,First Name,Last Name,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE\n"
        "mc.gone@example.org,Cy,Gone,2024-02-01 09:00:00,Daily\n"
    ),
    "mailchimp-cleaned.csv": (
        "Email Address,First Name,CLEAN_TIME,CLEAN_CAMPAIGN_TITLE\n"
        "mc.bounced@example.org,Di,2024-02-02 09:00:00,Daily\n"
    ),
    "listmonk.csv": (
        "uuid,email,name,attributes,status,created_at,updated_at\n"
        'a1,lm.on@example.org,Lee,"{""city"": ""Oslo""}",enabled,2024-01-01,2024-01-01\n'
        "a2,lm.blocked@example.org,Max,{},blocklisted,2024-01-01,2024-01-01\n"
    ),
    "ghost.csv": (
        "id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,"
        "created_at,deleted_at,labels,tiers\n"
        "g1,gh.on@example.org,Nia,,true,false,,2024-01-01T00:00:00Z,,,\n"
        "g2,gh.off@example.org,Oli,,false,false,,2024-01-01T00:00:00Z,,,\n"
    ),
    "substack.csv": (
        "email,active_subscription,expiry,plan,email_disabled,created_at,first_payment_at\n"
        "ss.on@example.org,false,,free,false,2024-01-01,\n"
        "ss.off@example.org,false,,free,true,2024-01-01,\n"
        "gone123@deletion-request.substack.com,false,,free,false,2024-01-01,\n"
    ),
    "buttondown.csv": (
        "email,creation_date,subscriber_type,notes,referrer_url\n"
        "bd.on@example.org,2024-01-01,regular,,\n"
        "bd.left@example.org,2024-01-01,unsubscribed,,\n"
        "bd.bad@example.org,2024-01-01,undeliverable,,\n"
        "bd.new@example.org,2024-01-01,unactivated,,\n"
        "bd.spam@example.org,2024-01-01,spammy,,\n"
    ),
    "digest-suppressed.csv": (
        "email,reason,date,source\n"
        "dg.spam@example.org,complaint,2024-03-01 08:00:00,bounces import\n"
    ),
    "plain.txt": "pl.one@example.org\nnot an address\npl.two@example.org\npl.one@example.org\n",
}
EXPECTED = {
    "mc.one@example.org": Status.CONFIRMED,
    "mc.two@example.org": Status.CONFIRMED,
    "mc.gone@example.org": Status.UNSUBSCRIBED,
    "mc.bounced@example.org": Status.BOUNCED,
    "lm.on@example.org": Status.CONFIRMED,
    "lm.blocked@example.org": Status.UNSUBSCRIBED,
    "gh.on@example.org": Status.CONFIRMED,
    "gh.off@example.org": Status.UNSUBSCRIBED,
    "ss.on@example.org": Status.CONFIRMED,
    "ss.off@example.org": Status.UNSUBSCRIBED,
    "gone123@deletion-request.substack.com": Status.UNSUBSCRIBED,
    "bd.on@example.org": Status.CONFIRMED,
    "bd.left@example.org": Status.UNSUBSCRIBED,
    "bd.bad@example.org": Status.BOUNCED,
    "bd.new@example.org": Status.PENDING,
    # Buttondown flags a likely spam sign-up "spammy": blocked, not a complaint of the reader.
    "bd.spam@example.org": Status.UNSUBSCRIBED,
    "dg.spam@example.org": Status.COMPLAINED,
    "pl.one@example.org": Status.CONFIRMED,
    "pl.two@example.org": Status.CONFIRMED,
}


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args), env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def newsroom(tmp_path: Path) -> Path:
    return make_readers_newsroom(tmp_path / "news", 2525, transport="files").root


def test_every_export_format_imports_with_its_statuses(newsroom: Path, tmp_path: Path) -> None:
    for name, text in EXPORTS.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        output = cli("subscribers", "import", str(path), "--dir", str(newsroom))
        if name == "plain.txt":
            assert "duplicates 1" in output and "bad rows 1" in output
    assert statuses(newsroom) == EXPECTED
    with SuppressionList(default_suppression_path(newsroom)) as suppressions:
        reasons = {entry.address: entry.reason for entry in suppressions.entries()}
    assert reasons["mc.bounced@example.org"] is Reason.HARD_BOUNCE
    assert reasons["dg.spam@example.org"] is Reason.COMPLAINT
    assert reasons["gh.off@example.org"] is Reason.UNSUBSCRIBED
    assert "mc.one@example.org" not in reasons and "bd.new@example.org" not in reasons
    with SubscriberStore(default_suppression_path(newsroom)) as store:
        reader = store.get("mc.two@example.org")
        assert reader is not None and reader.name == "Bo Two"
        assert dict(reader.attributes)["tags"] == "vip" and "import" in reader.how
        assert dict(store.get("lm.on@example.org").attributes)["attributes"]  # type: ignore[union-attr]


def test_an_import_never_brings_back_who_left(newsroom: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("email,status\nann@example.org,unsubscribed\nbob@example.org,\n")
    cli("subscribers", "import", str(first), "--dir", str(newsroom))
    again = tmp_path / "again.csv"
    again.write_text("email,status\nann@example.org,subscribed\nbob@example.org,subscribed\n")
    output = cli("subscribers", "import", str(again), "--dir", str(newsroom))
    assert "kept as they were (left earlier) 1" in output
    assert statuses(newsroom) == {
        "ann@example.org": Status.UNSUBSCRIBED,
        "bob@example.org": Status.CONFIRMED,
    }
    dry = cli("subscribers", "import", str(first), "--dir", str(newsroom), "--dry-run")
    assert "would write" in dry


def test_add_list_export_remove(newsroom: Path, tmp_path: Path) -> None:
    root = str(newsroom)
    output = cli(
        "subscribers", "add", "Zoe@Example.org", "--name", "Zoë", "-a", "city=Oslo", "--dir", root
    )
    assert "added 1" in output
    cli("subscribers", "add", "max@example.org", "=cmd@example.org", "--dir", root)
    refused = runner.invoke(app, ["subscribers", "add", "not-an-address", "--dir", root], env=ENV)
    assert refused.exit_code == 7 and "refused: not-an-address" in refused.output
    listed = cli("subscribers", "list", "--dir", root)
    assert "zoe@example.org  Zoë" in listed and "3 readers (confirmed 3)" in listed
    target = tmp_path / "export.csv"
    assert "Wrote 3" in cli("subscribers", "export", str(target), "--dir", root)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [row["email"] for row in rows] == [
        "'=cmd@example.org",
        "max@example.org",
        "zoe@example.org",
    ]
    assert rows[2]["city"] == "Oslo" and rows[2]["status"] == "confirmed"
    # Back in through import: the formula guard comes off, the reader is the same.
    fresh = make_readers_newsroom(tmp_path / "fresh", 2525).root
    cli("subscribers", "import", str(target), "--dir", str(fresh))
    assert sorted(statuses(fresh)) == ["=cmd@example.org", "max@example.org", "zoe@example.org"]
    assert "Removed 1 of 2" in cli(
        "subscribers", "remove", "MAX@example.org", "x@example.org", "--yes", "--dir", root
    )
    assert sorted(statuses(newsroom)) == ["=cmd@example.org", "zoe@example.org"]
    # An address that left is refused unless the reader asked (--force).
    with SuppressionList(default_suppression_path(newsroom)) as suppressions:
        suppressions.add("left@example.org", Reason.UNSUBSCRIBED)
    refused = runner.invoke(app, ["subscribers", "add", "left@example.org", "--dir", root], env=ENV)
    assert refused.exit_code == 7 and "suppressed (unsubscribed)" in refused.output
    cli("subscribers", "add", "left@example.org", "--force", "--dir", root)
    assert statuses(newsroom)["left@example.org"] is Status.CONFIRMED


def test_erase_leaves_only_a_hash_and_the_reader_is_never_mailed_or_imported_again(
    newsroom: Path, tmp_path: Path
) -> None:
    root = str(newsroom)
    gone = "erase.me.please@example.org"
    cli("subscribers", "add", gone, "kept@example.org", "--dir", root)
    edition = newsroom / "editions" / "2024-11-24.toml"
    result = runner.invoke(app, ["send", str(edition), "--to", "subscribers", "--yes"], env=ENV)
    assert result.exit_code == 0, result.output
    with SuppressionList(default_suppression_path(newsroom)) as suppressions:
        suppressions.record_soft_bounce(gone, "2024-11-24", "4.2.2")
    output = cli("subscribers", "erase", gone, "--yes", "--dir", root)
    assert "Erased erase.me.please@example.org" in output
    # Byte for byte: no file digest keeps holds the address any more.
    for path in (default_suppression_path(newsroom), default_journal_path(newsroom)):
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{path}{suffix}")
            if part.exists():
                assert b"erase.me.please" not in part.read_bytes(), part
    assert statuses(newsroom) == {"kept@example.org": Status.CONFIRMED}
    # Not imported again, not mailed from a list file, unless they sign up anew.
    listing = tmp_path / "old-list.csv"
    listing.write_text(f"email\n{gone}\nkept@example.org\n", encoding="utf-8")
    assert "erased earlier 1" in cli("subscribers", "import", str(listing), "--dir", root)
    other = newsroom / "editions" / "2024-11-22.toml"
    result = runner.invoke(app, ["send", str(other), "--to", str(listing), "--yes"], env=ENV)
    assert result.exit_code == 0 and "suppressed 1" in result.output, result.output
    refused = runner.invoke(app, ["subscribers", "add", gone, "--dir", root], env=ENV)
    assert refused.exit_code == 7 and "erased earlier" in refused.output
    # The journal still knows how many went out (the guard against a lost journal holds).
    status = cli("status", str(newsroom / "editions" / "2024-11-24.toml"))
    assert "sent 2" in status


def test_send_to_subscribers_needs_someone_confirmed(newsroom: Path) -> None:
    edition = newsroom / "editions" / "2024-11-24.toml"
    result = runner.invoke(app, ["send", str(edition), "--to", "subscribers", "--yes"], env=ENV)
    assert result.exit_code == 7 and "no confirmed readers" in result.output
    toml = newsroom / "digest.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'transport = "files"', 'transport = "files"\nlist = "subscribers"'
        ),
        encoding="utf-8",
    )
    cli("subscribers", "add", "ann@example.org", "--dir", str(newsroom))
    result = runner.invoke(app, ["send", str(edition), "--yes"], env=ENV)
    assert result.exit_code == 0 and "sent 1," in result.output, result.output
