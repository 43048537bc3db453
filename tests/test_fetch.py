"""fetch: limits, redirects and the public-address rule, against a real server on 127.0.0.1."""

from __future__ import annotations

import functools
import gzip
import ipaddress
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from digest.config.access import parse_allow_hosts
from digest.errors import SourceError
from digest.sources.fetch import (
    USER_AGENT,
    FetchSettings,
    address_problem,
    cache_key,
    check_url,
    fetch,
    literal_address,
    parse_ipv4_number,
    resolve,
    resolve_all,
)

from .conftest import PublicationFactory

PAGE = b"<html><head><title>Hello</title></head><body><p>Hi there.</p></body></html>"
STORY = (
    "<html><head><title>Intranet notice</title></head><body><article><h1>Intranet notice</h1>"
    + "<p>The newsroom meeting moves to the third floor from Monday, the desk said.</p>" * 6
    + "</article></body></html>"
).encode()
LIMIT = 64 * 1024  # small cap so the oversize tests stay fast


@functools.cache
def _bomb() -> bytes:
    """50 MB of zeros in 50 KB of gzip; made once, before the server is asked (compressing
    it takes longer than the client's read timeout on a busy machine)."""
    return gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)


class Handler(BaseHTTPRequestHandler):
    """Routes for every case; each writes a full response."""

    seen_headers: ClassVar[dict[str, str]] = {}

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {"Content-Type": "text/html; charset=utf-8"}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.seen_headers = dict(self.headers.items())
        path = self.path
        if path == "/ok":
            self._send(200, PAGE)
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = "/ok" if left == 0 else f"/hop/{left - 1}"
            self._send(302, b"", {"Location": target})
        elif path == "/loop-a":
            self._send(301, b"", {"Location": "/loop-b"})
        elif path == "/loop-b":
            host = self.headers["Host"]  # absolute URL back to the start: a loop across forms
            self._send(307, b"", {"Location": f"http://{host}/loop-a"})
        elif path == "/to-private":
            self._send(302, b"", {"Location": "http://10.0.0.1/secret"})
        elif path == "/story":
            self._send(200, STORY)
        elif path == "/to-cms":  # a redirect into a host the editor opted in
            port = self.headers["Host"].rsplit(":", 1)[1]
            self._send(302, b"", {"Location": f"http://cms.internal:{port}/ok"})
        elif path == "/to-file":
            self._send(302, b"", {"Location": "file:///etc/passwd"})
        elif path == "/slow":
            time.sleep(2)
            self._send(200, PAGE)
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/big":
            self._send(200, b"a" * (LIMIT + 1))
        elif path == "/big-unannounced":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"a" * (LIMIT * 3))
        elif path == "/bomb":
            self._send(200, _bomb(), {"Content-Type": "text/html", "Content-Encoding": "gzip"})
        elif path == "/gzip":
            self._send(
                200, gzip.compress(PAGE), {"Content-Type": "text/html", "Content-Encoding": "gzip"}
            )
        elif path == "/deflate":
            self._send(
                200,
                zlib.compress(PAGE),
                {"Content-Type": "text/html", "Content-Encoding": "deflate"},
            )
        elif path == "/raw-deflate":
            packer = zlib.compressobj(wbits=-15)
            body = packer.compress(PAGE) + packer.flush()
            self._send(200, body, {"Content-Type": "text/html", "Content-Encoding": "deflate"})
        elif path == "/image":
            self._send(200, b"\x89PNG\r\n", {"Content-Type": "image/png"})
        elif path == "/latin":
            self._send(
                200,
                "<p>café</p>".encode("latin-1"),
                {"Content-Type": "text/html; charset=ISO-8859-1"},
            )
        else:
            self._send(404, b"not here", {"Content-Type": "text/plain"})


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (the size tests do) are expected, not errors."""

    def handle_error(self, request: object, client_address: object) -> None:
        """Say nothing."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A real HTTP server on a free loopback port."""
    _bomb()
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


LOCAL = FetchSettings(allow_private=True, max_bytes=LIMIT, read_timeout=0.5, total_timeout=3)


def test_fetches_a_page(server: str) -> None:
    result = fetch(f"{server}/ok", settings=LOCAL)
    assert result.data == PAGE
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.final_url == f"{server}/ok"
    assert Handler.seen_headers["User-Agent"] == USER_AGENT
    assert Handler.seen_headers["Host"] == server.removeprefix("http://")


def test_loopback_refused_without_allow_private(server: str) -> None:
    with pytest.raises(SourceError, match="loopback"):
        fetch(f"{server}/ok")


def test_follows_redirects_within_the_limit(server: str) -> None:
    result = fetch(f"{server}/hop/3", settings=LOCAL)
    assert result.data == PAGE
    assert result.final_url == f"{server}/ok"


def test_too_many_redirects(server: str) -> None:
    with pytest.raises(SourceError, match="more than 5 redirects"):
        fetch(f"{server}/hop/9", settings=LOCAL)


def test_redirect_loop(server: str) -> None:
    with pytest.raises(SourceError, match="redirect loop"):
        fetch(f"{server}/loop-a", settings=LOCAL)


def test_redirect_to_private_address_refused(server: str) -> None:
    # allow_private lets loopback through, nothing else: the hop to 10.0.0.1 is checked.
    with pytest.raises(SourceError, match=r"10\.0\.0\.1 is a private network address"):
        fetch(f"{server}/to-private", settings=LOCAL)


def test_redirect_to_file_scheme_refused(server: str) -> None:
    with pytest.raises(SourceError, match="only http"):
        fetch(f"{server}/to-file", settings=LOCAL)


def test_timeout(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match="did not answer in time"):
        fetch(f"{server}/slow", settings=LOCAL)
    assert time.monotonic() - started < 1.9


def test_slow_drip_hits_total_timeout(server: str) -> None:
    settings = FetchSettings(allow_private=True, read_timeout=1, total_timeout=1)
    with pytest.raises(SourceError, match="took longer"):
        fetch(f"{server}/drip", settings=settings)


def test_oversize_announced(server: str) -> None:
    with pytest.raises(SourceError, match="larger than"):
        fetch(f"{server}/big", settings=LOCAL)


def test_oversize_unannounced(server: str) -> None:
    with pytest.raises(SourceError, match="larger than"):
        fetch(f"{server}/big-unannounced", settings=LOCAL)


def test_gzip_bomb_is_capped(server: str) -> None:
    with pytest.raises(SourceError, match="larger than"):
        fetch(f"{server}/bomb", settings=LOCAL)


@pytest.mark.parametrize("route", ["/gzip", "/deflate", "/raw-deflate"])
def test_content_encodings_decoded(server: str, route: str) -> None:
    assert fetch(f"{server}{route}", settings=LOCAL).data == PAGE


def test_wrong_content_type(server: str) -> None:
    with pytest.raises(SourceError, match="image/png, not a web page"):
        fetch(f"{server}/image", settings=LOCAL)


def test_http_error_status(server: str) -> None:
    with pytest.raises(SourceError, match="404"):
        fetch(f"{server}/missing", settings=LOCAL)


def test_charset_reported(server: str) -> None:
    result = fetch(f"{server}/latin", settings=LOCAL)
    assert result.charset == "iso-8859-1"
    assert result.data == "<p>café</p>".encode("latin-1")


def test_connection_refused() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceError, match=r"refused|unreachable"):
        fetch(f"http://127.0.0.1:{port}/", settings=LOCAL)


def test_cache_and_offline(server: str, tmp_path: Path) -> None:
    settings = FetchSettings(allow_private=True, cache_dir=tmp_path)
    first = fetch(f"{server}/hop/1", settings=settings)
    assert not first.from_cache
    assert (tmp_path / f"{cache_key(server + '/hop/1')}.body").read_bytes() == PAGE
    offline = FetchSettings(cache_dir=tmp_path, offline=True)  # no allow_private: no network
    again = fetch(f"{server}/hop/1", settings=offline)
    assert again.from_cache and again.data == PAGE and again.final_url == f"{server}/ok"
    with pytest.raises(SourceError, match=r"https://example\.org/never: not in the cache"):
        fetch("https://example.org/never", settings=offline)


def test_offline_without_cache_names_the_url() -> None:
    with pytest.raises(SourceError, match=r"example\.org/a.*offline"):
        fetch("https://example.org/a", settings=FetchSettings(offline=True))


# --- the address rule, no traffic ------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("0", "0.0.0.0"),
        ("192.168.0.1.", "192.168.0.1"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_inet_aton_forms(host: str, expected: str) -> None:
    assert parse_ipv4_number(host) == ipaddress.IPv4Address(expected)


@pytest.mark.parametrize("host", ["256.1.1.1", "1.2.3.4.5", "08.1.1.1", "1.16777216", "0xg.1"])
def test_numeric_hosts_that_are_not_addresses_refused(host: str) -> None:
    assert parse_ipv4_number(host) is None
    with pytest.raises(SourceError, match="not a valid"):
        literal_address(host)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "100.64.0.1",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::8.8.8.8",
        "64:ff9b::a00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::1",
        "2001:db8::1",
        "fec0::1",
        "::127.0.0.1",
    ],
)
def test_non_public_addresses_refused(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_allowed(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.1/",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://017700000001/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0/",
        "http://[fe80::1%25eth0]/",
    ],
)
def test_urls_to_internal_hosts_refused(url: str) -> None:
    with pytest.raises(SourceError):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://u:p@example.org/",
        "http://exa mple.org/",
        "http:///path",
        "http://example.org:99999/",
        "http://[::1",
        "http://[zz]/",
    ],
)
def test_malformed_or_unsafe_urls_refused(url: str) -> None:
    with pytest.raises(SourceError):
        fetch(url, settings=FetchSettings(total_timeout=1))


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def fake(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(SourceError, match=r"127\.0\.0\.1, a loopback"):
        resolve("rebind.example", 80)


def test_resolved_address_is_the_one_connected(
    monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    """A name is resolved once; the connection goes to that checked address (no rebinding)."""
    import socket

    port = int(server.rsplit(":", 1)[1])
    calls: list[str] = []
    real = socket.getaddrinfo

    def fake(host: str, *args: object, **kwargs: object) -> object:
        calls.append(host)
        if host == "news.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    result = fetch(f"http://news.test:{port}/ok", settings=LOCAL)
    assert result.data == PAGE
    assert calls.count("news.test") == 1
    assert Handler.seen_headers["Host"] == f"news.test:{port}"


def test_ipv6_loopback_server() -> None:
    import socket

    class V6(ThreadingHTTPServer):
        address_family = socket.AF_INET6

    try:
        httpd = V6(("::1", 0), Handler)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        result = fetch(f"http://[::1]:{httpd.server_port}/ok", settings=LOCAL)
        assert result.data == PAGE
        assert Handler.seen_headers["Host"] == f"[::1]:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- TLS to a pinned address -----------------------------------------------------------------


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name`, made with the openssl command."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """An HTTPS server on 127.0.0.1 whose certificate names news.test."""
    import ssl

    folder = tmp_path_factory.mktemp("tls")
    cert, key = _certificate(folder, "news.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], cert
    httpd.shutdown()
    httpd.server_close()


def _pretend_dns(monkeypatch: pytest.MonkeyPatch, names: set[str]) -> None:
    import socket

    real = socket.getaddrinfo

    def fake(host: str, port: int, *args: object, **kwargs: object) -> object:
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        assert host == "127.0.0.1", host  # only the pinned address is ever looked up again
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_tls_verified_against_the_name_while_connecting_to_the_address(
    monkeypatch: pytest.MonkeyPatch, tls_server: tuple[int, Path]
) -> None:
    port, cert = tls_server
    _pretend_dns(monkeypatch, {"news.test", "other.test"})
    settings = FetchSettings(allow_private=True, ca_certs=str(cert), read_timeout=2)
    result = fetch(f"https://news.test:{port}/ok", settings=settings)
    assert result.data == PAGE
    with pytest.raises(SourceError, match="secure connection failed"):
        fetch(f"https://other.test:{port}/ok", settings=settings)  # certificate names news.test


def test_tls_untrusted_certificate_refused(
    monkeypatch: pytest.MonkeyPatch, tls_server: tuple[int, Path]
) -> None:
    port, _cert = tls_server
    _pretend_dns(monkeypatch, {"news.test"})
    with pytest.raises(SourceError, match="secure connection failed"):
        fetch(f"https://news.test:{port}/ok", settings=FetchSettings(allow_private=True))


def test_next_address_tried_when_one_refuses(monkeypatch: pytest.MonkeyPatch, server: str) -> None:
    """A dual-stack name whose first address refuses still works, without a second lookup."""
    import socket

    import digest.sources.fetch.http as module

    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def fake(host: str, want: int, *args: object, **kwargs: object) -> object:
        if host == "dual.test":  # the server listens on 127.0.0.1 only, so ::1 refuses
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", want, 0, 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", want)),
            ]
        return real(host, want, *args, **kwargs)  # type: ignore[arg-type]

    calls: list[str] = []
    original = module._open

    def spy(target: object, address: object, settings: FetchSettings, deadline: object) -> object:
        calls.append(str(address))
        return original(target, address, settings, deadline)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    monkeypatch.setattr(module, "_open", spy)
    result = fetch(f"http://dual.test:{port}/ok", settings=LOCAL)
    assert result.data == PAGE
    assert calls == ["::1", "127.0.0.1"]


# --- [fetch] allow_hosts: intranet sources on purpose ----------------------------------------


def _port(server: str) -> int:
    return int(server.rsplit(":", 1)[1])


def test_private_address_refusal_teaches_both_ways_out(server: str) -> None:
    with pytest.raises(SourceError) as caught:
        fetch(f"{server}/ok", settings=FetchSettings(total_timeout=3))
    message = str(caught.value)
    assert "127.0.0.1 is a loopback address" in message
    assert '[fetch] allow_hosts = ["127.0.0.1"]' in message
    assert "save the page or feed and pass its path" in message


def test_allowed_network_is_fetched(server: str) -> None:
    settings = FetchSettings(allow=parse_allow_hosts(["127.0.0.0/8"]), total_timeout=3)
    assert fetch(f"{server}/ok", settings=settings).data == PAGE


def test_allowed_name_is_fetched_and_others_are_not(
    monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    _pretend_dns(monkeypatch, {"cms.internal", "wiki.internal", "feeds.corp.example"})
    settings = FetchSettings(
        allow=parse_allow_hosts(["CMS.internal", "*.corp.example"]), total_timeout=3
    )
    port = _port(server)
    assert fetch(f"http://cms.internal:{port}/ok", settings=settings).data == PAGE
    assert fetch(f"http://feeds.corp.example:{port}/ok", settings=settings).data == PAGE
    with pytest.raises(SourceError, match=r'allow_hosts = \["wiki.internal"\]'):
        fetch(f"http://wiki.internal:{port}/ok", settings=settings)


def test_no_redirect_from_the_list_to_other_private_space(
    monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    _pretend_dns(monkeypatch, {"cms.internal"})
    settings = FetchSettings(allow=parse_allow_hosts(["cms.internal"]), total_timeout=3)
    with pytest.raises(SourceError, match=r"10\.0\.0\.1 is a private network address"):
        fetch(f"http://cms.internal:{_port(server)}/to-private", settings=settings)


def test_no_redirect_from_outside_the_list_into_it(
    monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    """A page outside the list cannot redirect into a host the editor opted in: content never
    decides which private host is reached. Here the first hop is loopback (let through for the
    test, not listed), so the list is withdrawn for the hop that follows."""
    import digest.sources.fetch.http as module

    calls: list[tuple[str, bool, bool]] = []
    real = module.resolve_all

    def spy(host: str, port: int, **options: Any) -> Any:
        calls.append((host, bool(options["allow"]), bool(options["withdrawn"])))
        return real(host, port, **options)

    monkeypatch.setattr(module, "resolve_all", spy)
    _pretend_dns(monkeypatch, {"cms.internal"})
    settings = FetchSettings(
        allow_private=True, allow=parse_allow_hosts(["cms.internal"]), total_timeout=3
    )
    fetch(f"{server}/to-cms", settings=settings)
    assert calls == [("127.0.0.1", True, False), ("cms.internal", False, True)]


def test_redirect_into_the_list_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def fake(host: str, port: int, *args: object, **kwargs: object) -> object:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.2.3.4", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    listed = parse_allow_hosts(["cms.internal"])
    assert resolve_all("cms.internal", 80, allow=listed)  # asked for directly: fine
    with pytest.raises(SourceError, match="through a redirect from outside"):
        resolve_all("cms.internal", 80, withdrawn=listed)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("https://cms.internal/feed", "not a host name or a network"),
        ("cms.internal:8080", "not a host name or a network"),
        ("bad_name!", "not a valid host name"),
        ("10.2.0.0/33", "not a host name or a network"),
    ],
)
def test_bad_allow_hosts_entries(entry: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        parse_allow_hosts([entry])


def test_allow_hosts_in_digest_toml_reaches_an_intranet_page(
    server: str, make_publication: PublicationFactory
) -> None:
    from typer.testing import CliRunner

    from digest.cli import app

    url = f"{server}/story"
    edition = make_publication(f'[[articles]]\nurl = "{url}"\n')
    refused = CliRunner().invoke(app, ["build", str(edition)])
    assert refused.exit_code == 3 and "allow_hosts" in refused.output
    toml = edition.parent.parent / "digest.toml"
    toml.write_text(toml.read_text() + '[fetch]\nallow_hosts = ["127.0.0.1"]\ntimeout = 5\n')
    built = CliRunner().invoke(app, ["build", str(edition)])
    assert built.exit_code == 0, built.output
    bad = toml.read_text().replace('"127.0.0.1"', '"http://127.0.0.1/"')
    toml.write_text(bad)
    invalid = CliRunner().invoke(app, ["build", str(edition)])
    assert invalid.exit_code == 2
    assert "fetch.allow_hosts: 'http://127.0.0.1/' is not a host name" in invalid.output
