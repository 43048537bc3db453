"""`digest check --links` against a real HTTP server on 127.0.0.1: gone pages, failing ones,
redirects to the home page, silence past the deadline, a closed port; several asked at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from digest.cli import app
from digest.config.access import parse_allow_hosts
from digest.errors import ExitCode
from digest.sources.fetch.settings import publication_settings
from digest.sources.linkcheck import probe_links

from .conftest import PublicationFactory
from .test_check import check, runner
from .test_cli import _closed_port

PAGE = b"<html><head><title>Story</title></head><body><p>A page.</p></body></html>"
# A 1x1 PNG: enough for an image link to be an image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
SLOW_SECONDS = 6  # well past the 3 s deadline, so the check gives up first
DEADLINE = 3  # roomy: on a loaded 2-core machine a good answer can take over 1 s


class _Site(BaseHTTPRequestHandler):
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        with _Site.lock:
            _Site.in_flight += 1
            _Site.most_in_flight = max(_Site.most_in_flight, _Site.in_flight)
        try:
            self._answer()
        finally:
            with _Site.lock:
                _Site.in_flight -= 1

    def _answer(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/slow"):
            time.sleep(SLOW_SECONDS)
        if path.startswith("/moved"):
            self.send_response(301)
            self.send_header("Location", "/")
            self.end_headers()
            return
        status = {"/gone": 404, "/removed": 410, "/failing": 503, "/forbidden": 403}.get(
            path.removesuffix(".png"), 200
        )
        body, kind = (PNG, "image/png") if path.endswith(".png") else (PAGE, "text/html")
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the check gave up on a slow page and closed the connection


@pytest.fixture
def site() -> Iterator[str]:
    _Site.in_flight = _Site.most_in_flight = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def publication(site: str) -> str:
    return f"""\
name = "Test Daily"
from = "Test Daily <digest@example.org>"
timezone = "Europe/London"
[brand]
postal_address = "1 Test Street, London"
[unsubscribe]
url = "{site}/unsubscribe?token={{token}}"
[fetch]
allow_hosts = ["127.0.0.1"]
timeout = {DEADLINE}
"""


def edition_with(make: PublicationFactory, site: str, paths: list[str]) -> Path:
    """One story per path, read from a local file, linking to the path on `site`."""
    entries, files = "", {}
    for number, path in enumerate(paths, 1):
        url = f"{site}{path}" if path.startswith("/") else path
        entries += f'[[articles]]\nsource = "../articles/a{number}.md"\nurl = "{url}"\n\n'
        files[f"articles/a{number}.md"] = (
            f"---\ntitle: Story {number} about {path.strip('/')}\n"
            "date: 2024-11-22T06:00:00Z\n---\n"
            f"Story {number} has a body long enough to pass the short-summary check.\n"
        )
    return make(entries, files=files, publication=publication(site))


def by_code(payload: dict[str, object]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in payload["findings"]:  # type: ignore[attr-defined]
        found.setdefault(finding["code"], []).append(finding["message"])
    return found


def test_each_bad_answer_gives_its_code_and_good_ones_none(
    make_publication: PublicationFactory, site: str
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/story"
    paths = ["/fine", "/gone", "/removed", "/failing", "/forbidden", "/moved/page", "/slow", dead]
    edition = edition_with(make_publication, site, paths)
    assert check(edition)[1]["findings"] == []  # without --links, nothing is asked
    code, payload = check(edition, "--links")
    found = by_code(payload)
    assert code == ExitCode.CHECK
    assert sorted(found) == [
        "link-broken", "link-redirects-home", "link-status", "link-timeout", "link-unreachable"
    ]  # fmt: skip
    assert len(found["link-broken"]) == 2 and "answers 404: the page is gone" in " ".join(
        found["link-broken"]
    )
    assert sorted(m.split(" answers ")[1][:3] for m in found["link-status"]) == ["403", "503"]
    assert found["link-redirects-home"][0].startswith("editions/2024-11-22.toml: articles[6].url: ")
    assert f"to the site's home page {site}/" in found["link-redirects-home"][0]
    assert f"({DEADLINE:g} s)" in found["link-timeout"][0]
    assert "articles[8].url" in found["link-unreachable"][0]
    bad = [m for ms in found.values() for m in ms if "/fine" in m or "unsubscribe" in m]
    assert not bad, bad


def test_links_are_asked_several_at_once(make_publication: PublicationFactory, site: str) -> None:
    edition = edition_with(make_publication, site, ["/slow/1", "/slow/2", "/slow/3", "/slow/4"])
    _code, payload = check(edition, "--links")
    assert len(by_code(payload)["link-timeout"]) == 4
    assert _Site.most_in_flight >= 2  # one at a time would never overlap


def test_images_are_asked_as_images(site: str) -> None:
    """(The email leaves http images out, so the pool is asked directly: no TLS here.)"""
    settings = publication_settings(None, None)
    settings = replace(settings, allow=parse_allow_hosts(["127.0.0.1"]), total_timeout=5)
    links = [("img", f"{site}/photo.png"), ("img", f"{site}/gone.png"), ("img", f"{site}/page")]
    links += [("a", f"{site}/page"), ("a", "mailto:desk@example.org"), ("a", f"{site}/page")]
    answers = probe_links(links, settings)
    assert [(a.outcome, a.status) for a in answers] == [
        ("ok", None), ("status", 404), ("status", None), ("ok", None)
    ]  # fmt: skip
    assert "not an image" in answers[2].detail


def test_links_cannot_be_asked_offline(make_publication: PublicationFactory, site: str) -> None:
    edition = edition_with(make_publication, site, ["/fine"])
    result = runner.invoke(app, ["check", str(edition), "--links", "--offline"])
    assert result.exit_code == ExitCode.CONFIG and "cannot run --offline" in result.output
