"""Fetching many at once: order, determinism, the per-host limit and the pool's bound, seen by a
real slow server in a process of its own, listening on several loopback addresses (hosts)."""

from __future__ import annotations

import http.client
import json
import os
import select
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from digest.build import build
from digest.cli import app
from digest.config import load_edition
from digest.errors import SourceError
from digest.sources.fetch import FetchSettings, Job, fetch, fetch_all, run_by_host
from digest.sources.fetch.pool import MAX_PER_HOST
from digest.sources.fetch.progress import FetchProgress, reporting
from digest.sources.read import read_articles

from .conftest import MINIMAL_PUBLICATION, ROOT, PublicationFactory

SERVER = ROOT / "benchmarks" / "slow_server.py"
PAGES = ROOT / "tests" / "data" / "pages"
HOSTS = [f"127.0.0.{n}" for n in range(2, 12)]  # ten hosts to the client, one server
START_SECONDS = 20
PUBLICATION = MINIMAL_PUBLICATION + '[fetch]\nallow_hosts = ["127.0.0.0/8"]\ntimeout = 20\n'
LOCAL = FetchSettings(allow_private=True, total_timeout=20)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    """The slow server's port on every address of HOSTS."""
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "--hosts", *HOSTS, "--pages", str(PAGES), "--delay", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
        line = process.stdout.readline().strip() if ready else ""
        if not line.isdigit():
            process.kill()
            _, error = process.communicate(timeout=START_SECONDS)
            pytest.skip(f"cannot listen on {HOSTS[0]}..{HOSTS[-1]} (not Linux?): {error[-300:]}")
        yield int(line)
    finally:
        process.kill()
        process.wait(timeout=START_SECONDS)


def _ask(port: int, path: str) -> dict[str, Any]:
    connection = http.client.HTTPConnection(HOSTS[0], port, timeout=START_SECONDS)
    try:
        connection.request("GET", path)
        result: dict[str, Any] = json.loads(connection.getresponse().read())
        return result
    finally:
        connection.close()


@pytest.fixture
def server(port: int) -> Iterator[int]:
    """The server with its counts cleared."""
    _ask(port, "/reset")
    yield port


def _url(port: int, host: int, path: str) -> str:
    return f"http://{HOSTS[host]}:{port}{path}"


def test_outcomes_come_back_in_the_order_asked_whatever_order_they_arrive_in(
    server: int,
) -> None:
    # The first URL answers last, the last first: six hosts, all at once.
    urls = [_url(server, n, f"/delay/{(6 - n) * 150}/story-{n}") for n in range(6)]
    seen: list[FetchProgress] = []
    caller = threading.get_ident()

    def listen(progress: FetchProgress) -> None:
        assert threading.get_ident() == caller  # the CLI draws from its own thread
        seen.append(progress)

    with reporting(listen):
        outcomes = fetch_all(urls, LOCAL)
    assert [outcome.url for outcome in outcomes] == urls
    assert [b"story %d" % n in outcome.get().data for n, outcome in enumerate(outcomes)] == [
        True
    ] * 6
    assert _ask(server, "/stats")["max_in_flight"] == 6
    assert [progress.done for progress in seen] == list(range(7))
    # Progress follows the answers: the fastest (the last URL) first.
    assert [progress.url for progress in seen[1:]] == urls[::-1]


def _edition(port: int, count: int, extra: str = "") -> str:
    """`count` stories on five hosts, two at a time each; the real pages as well."""
    entries = [f'[[articles]]\nurl = "{_url(port, n % 5, f"/story/s{n}")}"\n' for n in range(count)]
    entries += [
        f'[[articles]]\nurl = "{_url(port, 5 + n, "/page/" + page.name)}"\n'
        for n, page in enumerate(sorted(PAGES.glob("*.html.gz")))
    ]
    return "".join(entries) + extra


def test_a_build_is_the_same_whatever_order_the_pages_arrive_in(
    server: int, make_publication: PublicationFactory, tmp_path: Path
) -> None:
    edition = make_publication(_edition(server, 10), publication=PUBLICATION)
    outputs = []
    for order in (range(10), reversed(range(10))):  # first URL fastest, then slowest
        delays = ",".join(f"s{n}={100 + 60 * rank}" for rank, n in enumerate(order))
        _ask(server, f"/delays/{delays}")
        cache = edition.parent.parent / ".digest-cache"
        if cache.exists():
            for path in cache.iterdir():
                path.unlink()
        result, files = build(edition, tmp_path / f"out-{len(outputs)}")
        assert len(result.edition.stories) == 14
        outputs.append({name: files[name].read_bytes() for name in ("html", "text", "eml")})
    assert outputs[0] == outputs[1]
    assert _ask(server, "/stats")["requests"] == 28  # each page fetched, in both builds


def test_at_most_two_at_once_per_host_as_the_server_sees_it(server: int) -> None:
    urls = [_url(server, 0, f"/delay/200/same-host-{n}") for n in range(8)]
    outcomes = fetch_all(urls, LOCAL)
    assert all(outcome.error is None for outcome in outcomes)
    stats = _ask(server, "/stats")
    assert stats["max_per_host"] == {HOSTS[0]: MAX_PER_HOST}
    assert stats["max_in_flight"] == MAX_PER_HOST


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_the_pool_never_runs_more_than_its_bound(server: int, concurrency: int) -> None:
    urls = [_url(server, n % 10, f"/delay/150/bound-{n}") for n in range(20)]  # 2 per host
    settings = FetchSettings(allow_private=True, total_timeout=20, concurrency=concurrency)
    outcomes = fetch_all(urls, settings)
    assert all(outcome.error is None for outcome in outcomes)
    stats = _ask(server, "/stats")
    assert stats["max_in_flight"] == concurrency  # reached, and never passed
    assert stats["requests"] == 20


def test_a_failure_among_twenty_is_reported_in_its_place(server: int) -> None:
    urls = [_url(server, n % 10, f"/delay/100/twenty-{n}") for n in range(20)]
    urls[6] = _url(server, 6, "/status/404/gone")
    outcomes = fetch_all(urls, LOCAL)
    assert [outcome.url for outcome in outcomes] == urls
    failed = [n for n, outcome in enumerate(outcomes) if outcome.error is not None]
    assert failed == [6]
    assert outcomes[6].error is not None and "answered 404" in outcomes[6].error.message
    with pytest.raises(SourceError, match="404"):
        outcomes[6].get()
    assert all(b"twenty %d" % n in outcomes[n].get().data for n in range(20) if n != 6)


def test_a_build_names_the_one_unreadable_article_of_twenty(
    server: int, make_publication: PublicationFactory
) -> None:
    entries = [f'[[articles]]\nurl = "{_url(server, n % 10, f"/story/b{n}")}"\n' for n in range(20)]
    entries[6] = f'[[articles]]\nurl = "{_url(server, 6, "/status/500/broken")}"\n'
    edition = make_publication("".join(entries), publication=PUBLICATION)
    with pytest.raises(SourceError) as raised:
        read_articles(load_edition(edition))
    message = raised.value.message
    assert "1 of 20 articles could not be read" in message
    assert "articles[7]: " in message and "answered 500" in message
    # Given a title and summary, it is built from those; the other 19 are read as fetched.
    entries[6] += 'title = "Broken page"\nsummary = "Told by the editor."\n'
    edition.write_text("".join(entries), encoding="utf-8")
    articles, warnings = read_articles(load_edition(edition))
    assert [item.key for item in articles] == [f"articles[{n}]" for n in range(1, 21)]
    assert [item.article.title for item in articles][5:8] == [
        "Report on b5",
        "Broken page",
        "Report on b7",
    ]
    assert len(warnings) == 1 and warnings[0].startswith("articles[7]: ")


def test_a_url_named_twice_is_fetched_once(server: int) -> None:
    url = _url(server, 0, "/delay/50/twice")
    first, second = fetch_all([url, f" {url} "], LOCAL)
    assert first.get().data == second.get().data
    assert _ask(server, "/stats")["requests"] == 1


def test_an_unreachable_host_costs_one_try_when_the_caller_says_so(server: int) -> None:
    """A refused port stands for a dead host: its first job goes alone, the rest not at all."""
    dead = f"http://{HOSTS[9]}:1"
    tried: list[str] = []

    def job(url: str) -> Job[bytes]:
        def call() -> bytes:
            tried.append(url)
            return fetch(url, settings=LOCAL).data

        return Job(url, call)

    urls = [f"{dead}/{n}" for n in range(5)] + [_url(server, 1, "/delay/50/alive")]
    outcomes = run_by_host([job(url) for url in urls], concurrency=8, skip_unreachable=True)
    assert tried.count(f"{dead}/0") == 1 and len(tried) == 2  # one try at the dead host
    assert all("not tried" in str(outcome.error) for outcome in outcomes[1:5])
    assert b"alive" in outcomes[5].get()
    # Without the option every URL is tried (a page's timeout is not its host's death).
    tried.clear()
    outcomes = run_by_host([job(url) for url in urls[:3]], concurrency=8)
    assert sorted(tried) == urls[:3]


def test_fetch_concurrency_in_digest_toml(
    server: int, make_publication: PublicationFactory
) -> None:
    entries = "".join(
        f'[[articles]]\nurl = "{_url(server, n, f"/story/c{n}")}"\n' for n in range(4)
    )
    publication = PUBLICATION + "concurrency = 1\n"
    edition = make_publication(entries, publication=publication)
    built = CliRunner().invoke(app, ["build", str(edition)])
    assert built.exit_code == 0, built.output
    assert "fetching" not in built.output  # not a terminal: no progress line
    assert _ask(server, "/stats")["max_in_flight"] == 1
    toml = edition.parent.parent / "digest.toml"
    toml.write_text(publication.replace("concurrency = 1", "concurrency = 0"), encoding="utf-8")
    refused = CliRunner().invoke(app, ["build", str(edition)])
    assert refused.exit_code == 2
    assert "fetch.concurrency" in refused.output


def test_the_progress_line_is_drawn_on_a_terminal_and_wiped(
    server: int, make_publication: PublicationFactory
) -> None:
    entries = "".join(
        f'[[articles]]\nurl = "{_url(server, n, f"/story/t{n}")}"\n' for n in range(3)
    )
    edition = make_publication(entries, publication=PUBLICATION)
    leader, follower = os.openpty()
    try:
        finished = subprocess.run(
            [sys.executable, "-c", "from digest.cli import main; main()", "build", str(edition)],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=120,
            check=False,
        )
        os.close(follower)
        drawn = b""
        while select.select([leader], [], [], 0.5)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert finished.returncode == 0, drawn
    assert b"fetching pages 0/3" in drawn and b"fetching pages 3/3 127.0.0." in drawn
    assert drawn.endswith(b"\r\x1b[2K")  # the line is gone before the summary is read
    assert b"fetching" not in finished.stdout


def test_reading_what_came_frees_the_host_for_its_next_request(server: int) -> None:
    """Four pages of one host, none read until the server has seen all four requests: that
    happens only if a job's reading (`then`) does not hold the host's places."""
    urls = [_url(server, 2, f"/delay/50/read-{n}") for n in range(4)]
    all_asked = threading.Event()

    def watch() -> None:
        for _ in range(200):
            if _ask(server, "/stats")["requests"] == 4:
                all_asked.set()
                return
            threading.Event().wait(0.05)

    def read(data: bytes) -> bytes:
        all_asked.wait(START_SECONDS)
        return data

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    jobs = [
        Job.followed(url, lambda url=url: fetch(url, settings=LOCAL).data, read) for url in urls
    ]
    outcomes = run_by_host(jobs, concurrency=8)
    watcher.join(START_SECONDS)
    assert all_asked.is_set(), "the host's next requests waited for the pages to be read"
    assert [b"read %d" % n in outcome.get() for n, outcome in enumerate(outcomes)] == [True] * 4
    assert _ask(server, "/stats")["max_per_host"] == {HOSTS[2]: MAX_PER_HOST}
