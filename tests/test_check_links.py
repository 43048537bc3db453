"""`digest check` on links and addresses readers cannot use: private hosts, http unsubscribe."""

from __future__ import annotations

import pytest

from digest.config.access import parse_allow_hosts
from digest.errors import ExitCode
from digest.mail.link_checks import host_problem

from .conftest import MINIMAL_PUBLICATION, PublicationFactory
from .test_check import ARTICLE, ONE_ARTICLE, check

NOTHING = parse_allow_hosts([])


def codes_and_messages(edition: object) -> list[tuple[str, str]]:
    _code, payload = check(edition)  # type: ignore[arg-type]
    return [(f["code"], f["message"]) for f in payload["findings"]]


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1",
        "0x7f.0.0.1",
        "2130706433",
        "[::1]",
        "10.2.3.4",
        "192.168.1.20",
        "172.16.0.9",
        "169.254.10.1",
        "[fe80::1]",
        "[::ffff:10.0.0.1]",
        "localhost",
        "cms.localhost",
        "printer.local",
        "wiki.internal",
        "nas.home.arpa",
    ],
)
def test_hosts_readers_cannot_reach(host: str) -> None:
    assert host_problem(host, NOTHING) is not None


@pytest.mark.parametrize(
    "host", ["www.greenwatch.example", "93.184.216.34", "[2606:4700::1111]", "local.example"]
)
def test_public_hosts_pass(host: str) -> None:
    assert host_problem(host, NOTHING) is None


def test_listed_hosts_pass() -> None:
    allow = parse_allow_hosts(["127.0.0.0/8", "cms.internal", "*.corp.example"])
    for host in ("127.0.0.1", "cms.internal", "wiki.corp.example"):
        assert host_problem(host, allow) is None
    assert host_problem("wiki.internal", allow) is not None


def test_a_read_more_link_to_loopback_is_an_error_naming_the_key(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(ONE_ARTICLE + 'url = "http://127.0.0.1:8731/story"\n', files=ARTICLE)
    code, payload = check(edition)
    assert code == ExitCode.CHECK
    assert [f["code"] for f in payload["findings"]] == ["link-private-host"]
    message = payload["findings"][0]["message"]
    assert message.startswith("editions/2024-11-22.toml: articles[1].url: link http://127.0.0")
    assert "a loopback address your readers cannot reach" in message
    assert "[fetch] allow_hosts" in message


def test_an_image_on_an_intranet_host_is_an_error(make_publication: PublicationFactory) -> None:
    entry = ONE_ARTICLE + (
        'image = "https://cms.internal/photo.jpg"\nimage_width = 1200\nimage_height = 675\n'
        'image_alt = "A photo"\n'
    )
    found = codes_and_messages(make_publication(entry, files=ARTICLE))
    assert [code for code, _ in found] == ["link-private-host"]
    assert "articles[1].image: image https://cms.internal/photo.jpg" in found[0][1]


def test_a_ticker_link_to_a_private_address_names_the_ticker_entry(
    make_publication: PublicationFactory,
) -> None:
    ticker = '\n[[ticker]]\ntext = "Office closed Monday"\nurl = "http://10.0.0.5/notice"\n'
    found = codes_and_messages(make_publication(ONE_ARTICLE + ticker, files=ARTICLE))
    assert [code for code, _ in found] == ["link-private-host"]
    assert found[0][1].startswith("editions/2024-11-22.toml: ticker[1].url: ")


def test_a_listed_intranet_host_is_accepted(make_publication: PublicationFactory) -> None:
    publication = MINIMAL_PUBLICATION + '[fetch]\nallow_hosts = ["127.0.0.1"]\n'
    edition = make_publication(
        ONE_ARTICLE + 'url = "http://127.0.0.1:8731/story"\n',
        files=ARTICLE,
        publication=publication,
    )
    assert codes_and_messages(edition) == []


def test_an_http_unsubscribe_url_is_an_error(make_publication: PublicationFactory) -> None:
    publication = MINIMAL_PUBLICATION.replace(
        "https://example.org/unsubscribe", "http://example.org/unsubscribe"
    )
    edition = make_publication(ONE_ARTICLE, files=ARTICLE, publication=publication)
    found = codes_and_messages(edition)
    assert [code for code, _ in found] == ["unsubscribe-not-https"]
    assert found[0][1].startswith("digest.toml: unsubscribe.url: http://example.org/")
    assert "RFC 8058" in found[0][1]


def test_an_unsubscribe_url_on_loopback_is_an_error(
    make_publication: PublicationFactory,
) -> None:
    publication = MINIMAL_PUBLICATION.replace(
        "https://example.org/unsubscribe", "https://127.0.0.1:8080/unsubscribe"
    )
    found = codes_and_messages(
        make_publication(ONE_ARTICLE, files=ARTICLE, publication=publication)
    )
    assert [code for code, _ in found] == ["link-private-host"]
    assert found[0][1].startswith("digest.toml: unsubscribe.url: ")


def test_an_http_archive_url_is_an_error(make_publication: PublicationFactory) -> None:
    publication = 'archive_url = "http://example.org/{date}.html"\n' + MINIMAL_PUBLICATION
    found = codes_and_messages(
        make_publication(ONE_ARTICLE, files=ARTICLE, publication=publication)
    )
    assert [code for code, _ in found] == ["archive-not-https"]
    assert found[0][1].startswith("digest.toml: archive_url: http://example.org/{date}.html")
