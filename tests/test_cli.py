"""The command line through Typer's CliRunner: output, files and exit codes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import ExitCode

from .conftest import MINIMAL_PUBLICATION, PublicationFactory

runner = CliRunner()


def test_help_teaches_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "init"):
        assert command in result.output
    build_help = runner.invoke(app, ["build", "--help"])
    assert "102,400" in build_help.output and "--out" in build_help.output


def test_build_the_sample(sample_copy: Path) -> None:
    result = runner.invoke(app, ["build", str(sample_copy / "editions" / "2024-11-22.toml")])
    assert result.exit_code == 0, result.output
    assert "8 articles in 4 sections" in result.output
    assert "/ 102,400 bytes" in result.output
    assert "dropped" in result.output
    out = sample_copy / "out" / "2024-11-22"
    for name in ("digest.html", "digest.txt", "digest.mjml", "digest.eml", "report.json"):
        assert (out / name).is_file()


def test_build_with_out_folder(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    edition = str(sample_copy / "editions" / "2024-11-22.toml")
    result = runner.invoke(app, ["build", edition, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "digest.html").is_file()


def test_config_errors_exit_2_without_traceback(make_publication: PublicationFactory) -> None:
    edition = make_publication('[[articles]]\nsource = "nope.md"\ntypo = 1\n')
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.CONFIG
    assert "2 problems" in result.output
    assert "articles[1].typo: unknown key" in result.output
    assert "Traceback" not in result.output


def test_unreadable_article_exits_3(make_publication: PublicationFactory) -> None:
    edition = make_publication(
        '[[articles]]\nsource = "../a.md"\n', files={"a.md": "---\nsection: x\n---\nno title"}
    )
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.SOURCE
    assert "needs a `title`" in result.output and "Traceback" not in result.output


def test_missing_edition_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path / "2024-11-22.toml")])
    assert result.exit_code == ExitCode.CONFIG
    assert "file not found" in result.output


def test_init_then_build_then_refuse_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "newsroom"
    result = runner.invoke(app, ["init", str(folder), "--name", "Morning Brief"])
    assert result.exit_code == 0, result.output
    today = date.today().isoformat()
    edition = folder / "editions" / f"{today}.toml"
    assert edition.is_file() and (folder / "templates").is_dir()
    assert 'name = "Morning Brief"' in (folder / "digest.toml").read_text()
    assert "#" in (folder / "digest.toml").read_text()  # commented for the editor

    built = runner.invoke(app, ["build", str(edition)])
    assert built.exit_code == 0, built.output
    assert (folder / "out" / today / "digest.html").is_file()

    before = (folder / "digest.toml").read_text()
    again = runner.invoke(app, ["init", str(folder)])
    assert again.exit_code == ExitCode.CONFIG
    assert "refusing to overwrite" in again.output
    assert (folder / "digest.toml").read_text() == before


def test_send_files_transport_then_rerun_sends_nothing_twice(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGEST_UNSUBSCRIBE_SECRET", "a-test-secret-of-32-characters!!")
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,name\nann@example.org,Ann\nbob@example.org,Bob\nbad,X\n")
    edition = str(sample_copy / "editions" / "2024-11-22.toml")
    base = ["send", edition, "--to", str(recipients), "--transport", "files", "--yes"]

    refused = runner.invoke(app, base)
    assert refused.exit_code == ExitCode.RECIPIENTS
    assert "line 4" in refused.output

    first = runner.invoke(app, [*base, "--skip-invalid"])
    assert first.exit_code == 0, first.output
    assert "sent 2" in first.output
    outbox = sample_copy / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 2

    again = runner.invoke(app, [*base, "--skip-invalid"])
    assert again.exit_code == 0 and "nothing to send" in again.output and "2 sent" in again.output
    status = runner.invoke(app, ["status", edition])
    assert "sent 2" in status.output and "pending 0" in status.output


def test_send_needs_a_list_or_a_test_address(sample_copy: Path) -> None:
    result = runner.invoke(app, ["send", str(sample_copy / "editions" / "2024-11-22.toml")])
    assert result.exit_code == ExitCode.CONFIG
    assert "--to LIST.csv, --to subscribers (the subscriber store) or --test ADDRESS" in (
        result.output
    )


def test_source_outside_the_publication_exits_2_naming_the_entry(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication('[[articles]]\nsource = "../../../../../../../../etc/passwd"\n')
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.CONFIG
    assert "articles[1].source" in result.output and "outside the publication" in result.output
    assert "root:" not in result.output and "Traceback" not in result.output


# --- degrade, don't fail -----------------------------------------------------------------------

STORY_PAGE = (
    "<html><head><title>Council approves tram</title></head><body><article>"
    "<h1>Council approves tram</h1>"
    + "<p>The council approved the new tram line on Tuesday after a long debate.</p>" * 5
    + "</article></body></html>"
).encode()
INTRANET = '[fetch]\nallow_hosts = ["127.0.0.1"]\ntimeout = 5\n'


class _StoryHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        found = self.path == "/story"
        body = STORY_PAGE if found else b"gone"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def story_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _StoryHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_article_with_title_and_summary_is_built_with_a_warning(
    make_publication: PublicationFactory, story_server: str
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/story"
    edition = make_publication(
        f"""
        [[articles]]
        url = "{story_server}/story"

        [[articles]]
        url = "{dead}"
        title = "Bridge closes for repairs"
        summary = "The old bridge closes on Monday for three weeks of repairs."
        section = "World"
        """,
        publication=MINIMAL_PUBLICATION + INTRANET,
    )
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == 0, result.output
    assert "2 articles" in result.output
    assert f"warning: articles[2]: {dead}: the connection was refused" in result.output
    assert "built from the edition's title and summary" in result.output
    html = (edition.parent.parent / "out" / "2024-11-22" / "digest.html").read_text()
    assert "Bridge closes for repairs" in html and "three weeks of repairs" in html


def test_unreadable_articles_without_title_and_summary_are_all_named(
    make_publication: PublicationFactory, story_server: str
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/story"
    edition = make_publication(
        f"""
        [[articles]]
        url = "{story_server}/story"

        [[articles]]
        url = "{dead}"
        title = "A title but no summary"

        [[articles]]
        url = "{story_server}/gone"

        [[articles]]
        url = "http://10.0.0.1/private"
        """,
        publication=MINIMAL_PUBLICATION + INTRANET,
    )
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.SOURCE
    assert "3 of 4 articles could not be read" in result.output
    for key in ("articles[2]", "articles[3]", "articles[4]"):
        assert f"  - {key}: " in result.output
    assert "articles[1]" not in result.output
    assert "`title` and a `summary`" in result.output and "Traceback" not in result.output


def test_offline_build_uses_the_cache_and_the_editors_words(
    make_publication: PublicationFactory, story_server: str
) -> None:
    never_fetched = "https://news.example/never-fetched"
    edition = make_publication(
        f"""
        [[articles]]
        url = "{story_server}/story"

        [[articles]]
        url = "{never_fetched}"
        title = "Written by the editor"
        summary = "Built from the edition alone, offline."
        """,
        publication=MINIMAL_PUBLICATION + INTRANET,
    )
    online = runner.invoke(app, ["build", str(edition)])  # fetches the story into the cache
    assert online.exit_code == 0 and "articles[1]" not in online.output
    offline = runner.invoke(app, ["build", str(edition), "--offline"])
    assert offline.exit_code == 0, offline.output
    assert "articles[1]" not in offline.output  # read from the cache, no warning
    assert f"articles[2]: {never_fetched}: not in the cache" in offline.output
    checked = runner.invoke(app, ["check", str(edition), "--offline"])
    assert "built from the edition's title and summary" in checked.output


def test_a_bug_is_one_line_without_a_traceback_unless_verbose(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import digest.build
    from digest.cli import main

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("missing-piece")

    monkeypatch.setattr(digest.build, "build", broken)
    edition = str(sample_copy / "editions" / "2024-11-22.toml")
    monkeypatch.setattr("sys.argv", ["digest", "build", edition])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == ExitCode.BUG
    error = capsys.readouterr().err
    assert "digest failed unexpectedly (KeyError: 'missing-piece')" in error
    assert "--verbose" in error and "Traceback" not in error
    monkeypatch.setattr("sys.argv", ["digest", "--verbose", "build", edition])
    with pytest.raises(KeyError):
        main()


def test_a_folder_as_source_is_named(make_publication: PublicationFactory) -> None:
    edition = make_publication('[[articles]]\nsource = "../articles"\n', files={"articles/a": ""})
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.CONFIG
    assert "../articles is a folder, not a file" in result.output


def test_control_characters_in_one_line_fields_are_named(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication('subject = "Hello\\u202eevil"\n[[ticker]]\ntext = "a\\u2028b"\n')
    result = runner.invoke(app, ["build", str(edition)])
    assert result.exit_code == ExitCode.CONFIG
    assert "subject: holds a bidirectional control (U+202E)" in result.output
    assert "ticker[1].text: must be one line; it holds a line break (U+2028)" in result.output


def test_preview_offline_builds_from_the_cache_and_the_editors_words(
    make_publication: PublicationFactory,
) -> None:
    from digest.preview.server import PreviewServer

    edition = make_publication(
        '[[articles]]\nurl = "https://news.example/not-cached"\n'
        'title = "Written by the editor"\nsummary = "No network needed."\n'
    )
    server = PreviewServer(edition, watch=False, offline=True)
    timing = server.rebuild("test")
    assert timing.ok and server.state.result is not None
    (warning,) = server.state.result.warnings
    assert "not in the cache" in warning and "offline mode" in warning
