"""The preview server: routes, security, live reload, and a real Chromium looking at the page."""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digest.build import build_in_memory
from digest.config import load_edition
from digest.errors import ConfigError, DigestError
from digest.preview.server import PreviewServer
from digest.preview.views import dark_html, size_report
from tests.conftest import SAMPLE

SCREENSHOTS = Path(__file__).resolve().parent / "output" / "preview"
EDITION = Path("editions") / "2024-11-22.toml"
LEAD_TITLE = "NATO, Ukraine to Meet Tuesday Over Russian Attack"
TIMEOUT = 10.0  # seconds for anything that waits on a rebuild


def copy_sample(target: Path) -> Path:
    """A private copy of the sample publication, without built files."""
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("out"))
    return target


def request(
    server: PreviewServer,
    path: str,
    method: str = "GET",
    host: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One raw request (the path is sent exactly as given, no normalizing)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT * 3)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host != "":
            connection.putheader("Host", host or f"127.0.0.1:{server.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def get_json(server: PreviewServer, path: str) -> dict[str, Any]:
    status, _, body = request(server, path)
    assert status == 200
    data: dict[str, Any] = json.loads(body)
    return data


def wait_for_state(server: PreviewServer, since: int) -> dict[str, Any]:
    """Long-poll /version until it moves past `since`, then return /state.json."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if get_json(server, f"/version?since={since}")["version"] != since:
            return get_json(server, "/state.json")
    raise AssertionError("no rebuild seen")


def wait_until(
    server: PreviewServer, wanted: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    """Follow rebuilds until the state is `wanted` (several may come from one edit)."""
    deadline = time.monotonic() + TIMEOUT
    state = get_json(server, "/state.json")
    while not wanted(state):
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {what}; last state: {state.get('error')}")
        state = wait_for_state(server, state["version"])
    return state


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_mtime_ns, path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewServer]:
    """One server for the read-only HTTP tests (nothing here edits its files)."""
    folder = copy_sample(tmp_path_factory.mktemp("preview") / "greenwatch")
    with PreviewServer(folder / EDITION, watch=False) as running:
        yield running


@pytest.fixture
def live(sample_copy: Path) -> Iterator[PreviewServer]:
    """A watching server on a private copy that the test may edit."""
    with PreviewServer(sample_copy / EDITION) as running:
        yield running


# -- routes --------------------------------------------------------------------------------------


def test_page_is_served_with_security_headers(server: PreviewServer) -> None:
    status, headers, body = request(server, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert "frame-ancestors 'none'" in csp
    assert b'id="frame-desktop"' in body and b"/version?since=" in body
    # No external resources in the page itself.
    assert b'src="http' not in body and b'href="http' not in body


def test_state_matches_an_in_memory_build(server: PreviewServer) -> None:
    state = get_json(server, "/state.json")
    expected = build_in_memory(load_edition(server.edition_path)).digest
    assert state["ok"] is True and state["error"] is None and state["has_email"] is True
    assert state["text"] == expected.text
    assert state["mjml"] == expected.mjml
    assert LEAD_TITLE in state["html"]
    assert '<base target="_blank">' in state["html"]
    assert 'content="dark"' in state["html_dark"]
    assert state["size"]["html_bytes"] == expected.html_bytes
    assert state["size"]["limit"] == 102_400
    assert state["size"]["clip_in"] == "no clipping"
    assert state["size"]["markers"][0]["section"] == "Lead"
    assert isinstance(state["findings"], list)
    for finding in state["findings"]:
        assert finding["severity"] in {"error", "warning"}


def test_raw_parts_are_the_built_parts_without_the_preview_script(server: PreviewServer) -> None:
    expected = build_in_memory(load_edition(server.edition_path)).digest
    status, headers, body = request(server, "/email.html")
    assert status == 200 and body.decode() == expected.html
    assert "sandbox" in headers["content-security-policy"]
    assert b"<script" not in body and b"/version" not in body
    status, headers, body = request(server, "/email.txt")
    assert status == 200 and body.decode() == expected.text
    assert headers["content-type"].startswith("text/plain")
    status, _, body = request(server, "/email.mjml")
    assert status == 200 and body.decode() == expected.mjml


def test_version_answers_at_once_without_since_or_when_behind(server: PreviewServer) -> None:
    current = get_json(server, "/version")["version"]
    start = time.monotonic()
    assert get_json(server, f"/version?since={current - 1}")["version"] == current
    assert get_json(server, "/version?since=nonsense")["version"] == current
    assert time.monotonic() - start < 2


def test_head_sends_headers_only(server: PreviewServer) -> None:
    status, headers, body = request(server, "/", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) > 1000


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "127.0.0.1", "127.0.0.1:1", "", "[::1]:{port}"]
)
def test_unexpected_host_is_forbidden(server: PreviewServer, host: str) -> None:
    status, headers, _ = request(server, "/", host=host.format(port=server.port))
    assert status == 403
    assert headers["x-content-type-options"] == "nosniff"
    status, _, _ = request(server, "/", method="POST", host=host.format(port=server.port))
    assert status == 403


def test_localhost_host_is_allowed(server: PreviewServer) -> None:
    assert request(server, "/", host=f"localhost:{server.port}")[0] == 200
    assert request(server, "/", host=f"LOCALHOST:{server.port}")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/../digest.toml",
        "/%2e%2e/",
        "/%2e%2e/digest.toml",
        "/..%2fdigest.toml",
        "/digest.toml",
        "/editions/2024-11-22.toml",
        "/articles/cop29-overtime.txt",
        "//etc/passwd",
        "/state.json/../../digest.toml",
        "/email.html/",
        "http://evil.example/etc/passwd",
    ],
)
def test_unknown_paths_are_not_found(server: PreviewServer, path: str) -> None:
    status, headers, body = request(server, path)
    assert status == 404
    assert body == b"not found\n"
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "SEND"])
def test_other_methods_are_not_allowed(server: PreviewServer, method: str) -> None:
    status, headers, _ = request(server, "/", method=method)
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


def test_binds_loopback_only(server: PreviewServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}/"
    assert server._httpd is not None and server._httpd.server_address[0] == "127.0.0.1"


# -- building --------------------------------------------------------------------------------------


def test_preview_never_writes_files(sample_copy: Path) -> None:
    before = snapshot(sample_copy)
    with PreviewServer(sample_copy / EDITION) as running:
        for path in ("/", "/state.json", "/email.html", "/email.txt", "/email.mjml"):
            assert request(running, path)[0] == 200
        running.rebuild("test")
    assert snapshot(sample_copy) == before
    assert not (sample_copy / "out").exists()


def test_live_reload_error_and_recovery(live: PreviewServer) -> None:
    edition = live.edition_path
    original = edition.read_text(encoding="utf-8")
    state = get_json(live, "/state.json")

    edition.write_text(original.replace("lead = true", 'lead = true\ntitle = "Fresh"', 1))
    state = wait_for_state(live, state["version"])
    assert state["ok"] and "Fresh" in state["html"]

    edition.write_text("[[articles]\n", encoding="utf-8")
    state = wait_for_state(live, state["version"])
    assert not state["ok"] and "not valid TOML" in state["error"]
    assert "Fresh" in state["html"]  # the last good email stays
    assert request(live, "/email.html")[2].decode().count("Fresh") >= 1

    edition.write_text(original, encoding="utf-8")
    state = wait_for_state(live, state["version"])
    assert state["ok"] and state["error"] is None and "Fresh" not in state["html"]


def test_article_source_and_template_changes_rebuild(live: PreviewServer) -> None:
    root = live.edition_path.parent.parent
    state = get_json(live, "/state.json")
    article = root / "articles" / "sudan-attacks.md"
    article.write_text(article.read_text().replace("Sudan", "Sudan-edited", 1))
    state = wait_for_state(live, state["version"])
    assert state["ok"]
    (root / "templates" / "digest.txt.j2").write_text(
        '{% extends "default/digest.txt.j2" %}{% block footer %}CUSTOM FOOTER{% endblock %}'
    )
    state = wait_for_state(live, state["version"])
    assert state["version"] >= 3


def test_missing_edition_and_busy_port_are_errors_in_words(
    server: PreviewServer, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError):
        PreviewServer(tmp_path / "nope.toml").start()
    busy = PreviewServer(server.edition_path, port=server.port, watch=False)
    with pytest.raises(DigestError, match="another --port"):
        busy.start()


def test_explicit_port_is_used(sample_copy: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with PreviewServer(sample_copy / EDITION, port=port, watch=False) as running:
        assert running.url == f"http://127.0.0.1:{port}/"
        assert request(running, "/")[0] == 200


def test_size_report_names_the_story_where_gmail_clips() -> None:
    result = build_in_memory(load_edition(SAMPLE / EDITION))
    third = result.edition.stories[2].title.replace("'", "&#39;")
    html = result.digest.html
    cut = html.index(third) if third in html else html.index(third.replace("&#39;", "'"))
    padded = html[:cut] + "<!--" + "x" * 100_000 + "-->" + html[cut:]
    digest = replace(result.digest, html=padded, html_bytes=len(padded.encode()))
    report = size_report(replace(result, digest=digest))
    assert report.clipped
    assert "byte 102,400" in report.clip_in and "story 2" in report.clip_in
    assert [m.offset >= 102_400 for m in report.markers][:3] == [False, False, True]


def test_dark_view_forces_dark_queries_only_in_the_copy() -> None:
    html = "<html><head><style>@media (prefers-color-scheme: dark) { p {} }</style></head></html>"
    dark = dark_html(html)
    assert "prefers-color-scheme" not in dark and "(min-width: 0px)" in dark
    assert dark.index('content="dark"') < dark.index("<style>@media")
    assert "prefers-color-scheme: dark" in html


def test_ctrl_c_stops_cleanly(sample_copy: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from digest.preview.server import serve; "
        "serve(Path(sys.argv[1]), None, False, lambda url: print(url, flush=True))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(sample_copy / EDITION)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


OVERRIDES = {
    "digest.mjml.j2": (
        '{% extends "default/digest.mjml.j2" %}{% block footer %}<mj-section><mj-column>'
        "<mj-text>Override footer 77</mj-text></mj-column></mj-section>{% endblock %}"
    ),
    "partials/story.mjml.j2": (
        "{% macro lead(story) %}<mj-text>Override lead 77: {{ story.title }}</mj-text>"
        "{% endmacro %}{% macro story(story) %}<mj-text>{{ story.title }}</mj-text>{% endmacro %}"
        "{% macro sponsor(item) %}<mj-text>{{ item.text }}</mj-text>{% endmacro %}"
    ),
}


@pytest.mark.parametrize("name", sorted(OVERRIDES))
@pytest.mark.parametrize("folder_exists", [True, False], ids=["folder", "no-folder"])
def test_template_override_created_while_running_is_used(
    sample_copy: Path, name: str, folder_exists: bool
) -> None:
    templates = sample_copy / "templates"
    if not folder_exists:
        shutil.rmtree(templates)
    with PreviewServer(sample_copy / EDITION) as live:
        state = get_json(live, "/state.json")
        assert state["ok"] and "Override" not in state["html"]
        override = templates / name
        override.parent.mkdir(parents=True, exist_ok=True)
        override.write_text(OVERRIDES[name], encoding="utf-8")
        state = wait_until(live, lambda s: "Override" in s["html"], "the override in use")
        assert state["ok"] and "77" in state["html"]
        override.unlink()
        state = wait_until(live, lambda s: "Override" not in s["html"], "the default again")
        assert state["ok"] and LEAD_TITLE in state["html"]


def test_rebuild_reads_and_summarizes_only_what_changed(live: PreviewServer) -> None:
    root = live.edition_path.parent.parent
    assert live.cache is not None
    reads, summaries = live.cache.reads, live.cache.summaries
    state = get_json(live, "/state.json")
    read_before, summarized_before = reads.misses, summaries.misses
    article = root / "articles" / "cop29-overtime.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    state = wait_for_state(live, state["version"])
    assert state["ok"]
    assert reads.misses == read_before + 1  # only the edited file was read again
    assert summaries.misses - summarized_before <= 1  # and summarized again, if it had to be
    expected = build_in_memory(load_edition(live.edition_path)).digest
    assert state["html"].count("One more") == expected.html.count("One more")
    assert state["text"] == expected.text  # the cache changes nothing in the output


def test_connection_cap_holds(sample_copy: Path) -> None:
    with PreviewServer(sample_copy / EDITION, watch=False, workers=2, backlog=2) as running:
        threads_before = threading.active_count()
        held: list[socket.socket] = []

        def hold() -> None:
            held.append(socket.create_connection(("127.0.0.1", running.port), timeout=TIMEOUT))

        try:
            # Two idle connections keep both workers reading; two more wait in the queue.
            hold()
            hold()
            deadline = time.monotonic() + TIMEOUT
            while len(running._httpd._active) < 2:  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the workers never took the connections"
                time.sleep(0.01)
            hold()
            hold()
            for _ in range(10):  # everything beyond is turned away at once, with a 503
                start = time.monotonic()
                status, headers, body = request(running, "/state.json")
                assert status == 503 and headers["retry-after"] == "1", (status, body)
                assert b"busy" in body and time.monotonic() - start < 2
            # No thread was started for any of the 14 connections: the pool's 2 did it all.
            assert threading.active_count() == threads_before
            assert len(running._httpd._threads) == 2  # type: ignore[union-attr]
        finally:
            for connection in held:
                connection.close()
        deadline = time.monotonic() + TIMEOUT
        while (status := request(running, "/state.json")[0]) != 200:
            assert time.monotonic() < deadline, f"still {status} after the idle clients left"
            time.sleep(0.05)


def test_long_polls_leave_workers_for_other_requests(sample_copy: Path) -> None:
    with PreviewServer(sample_copy / EDITION, watch=False, workers=2) as running:
        current = get_json(running, "/version")["version"]
        answers: list[tuple[int, float]] = []

        def long_poll() -> None:
            start = time.monotonic()
            status = request(running, f"/version?since={current}")[0]
            answers.append((status, time.monotonic() - start))

        pollers = [threading.Thread(target=long_poll) for _ in range(2)]
        for poller in pollers:
            poller.start()
        deadline = time.monotonic() + TIMEOUT
        while not answers:  # one of the two waits; the other is told to come back
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert answers[0][0] == 503 and answers[0][1] < 2
        assert request(running, "/state.json")[0] == 200  # the other worker still answers
        running.rebuild("test")
        for poller in pollers:
            poller.join(TIMEOUT)
        assert [status for status, _ in answers] == [503, 200]


# -- a real browser --------------------------------------------------------------------------------


def frame_width(page: Any, selector: str) -> float:
    """Rendered width of an iframe, border included."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    width: float = box["width"]
    return width


def test_page_in_chromium_switches_views_and_reloads_live(
    live: PreviewServer, browser: Any
) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    edition = live.edition_path
    original = edition.read_text(encoding="utf-8")
    problems: list[str] = []
    expect.set_options(timeout=TIMEOUT * 1000)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live.url, timeout=TIMEOUT * 1000)
    desktop = page.frame_locator("#frame-desktop")
    expect(desktop.get_by_text(LEAD_TITLE)).to_be_visible()
    assert frame_width(page, "#frame-desktop") == pytest.approx(602, abs=1)
    page.screenshot(path=SCREENSHOTS / "desktop.png")

    page.click("#tab-mobile")
    expect(page.frame_locator("#frame-mobile").get_by_text(LEAD_TITLE)).to_be_visible()
    # The email inside is laid out at 375 px: the frame's scrollbar sits outside that width.
    mobile_width = page.frame_locator("#frame-mobile").locator("html")
    assert mobile_width.evaluate("html => html.clientWidth") == 375
    page.screenshot(path=SCREENSHOTS / "mobile.png")

    page.click("#tab-dark")
    dark = page.frame_locator("#frame-dark")
    expect(dark.get_by_text(LEAD_TITLE)).to_be_visible()
    expect(dark.locator("body")).to_have_css("background-color", "rgb(17, 20, 24)")
    page.screenshot(path=SCREENSHOTS / "dark.png")

    page.click("#tab-text")
    expect(page.locator("#text")).to_contain_text(LEAD_TITLE)
    page.click("#tab-mjml")
    expect(page.locator("#mjml")).to_contain_text("<mjml")
    page.click("#tab-checks")
    expect(page.locator("#checks li").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "checks.png")
    page.click("#tab-size")
    expect(page.locator("#size-line")).to_contain_text("of 102,400 bytes")
    expect(page.locator("#size-line")).to_contain_text("no clipping")
    expect(page.locator("#markers tr").first).to_contain_text("Lead")
    page.screenshot(path=SCREENSHOTS / "size.png")

    # Back to desktop, scrolled down; an edit must show up without a page reload.
    page.click("#tab-desktop")
    expect(desktop.get_by_text(LEAD_TITLE)).to_be_visible()
    frame = page.frame_locator("#frame-desktop").locator("html")
    frame.evaluate("() => window.scrollTo(0, 400)")
    page.evaluate("() => { window.notReloaded = true; }")
    edition.write_text(
        original.replace("lead = true", 'lead = true\ntitle = "Live headline 42"', 1),
        encoding="utf-8",
    )
    expect(desktop.get_by_text("Live headline 42")).to_be_visible()
    assert page.evaluate("() => window.notReloaded") is True
    assert page.evaluate("() => location.hash") == "#desktop"
    page.wait_for_function(
        "() => document.querySelector('#frame-desktop').contentWindow.scrollY > 300"
    )
    page.screenshot(path=SCREENSHOTS / "reloaded.png")

    edition.write_text("[[articles]\n", encoding="utf-8")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-text")).to_contain_text("not valid TOML")
    expect(page.locator("#error")).to_contain_text("last good email")
    expect(desktop.get_by_text("Live headline 42")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "error.png")

    edition.write_text(original, encoding="utf-8")
    expect(page.locator("#error")).to_be_hidden()
    expect(desktop.get_by_text(LEAD_TITLE)).to_be_visible()
    assert page.evaluate("() => window.notReloaded") is True
    # CSP violations and script errors show up as console errors; the email's remote images
    # fail to load offline, which is fine.
    assert [p for p in problems if "Failed to load resource" not in p] == [], problems
