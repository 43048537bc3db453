"""Image sizes: the header parser on real file headers, the fetch's image mode, offline rules."""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.build import build
from digest.errors import SourceError
from digest.sources.fetch import FetchSettings, fetch
from digest.sources.fetch.settings import CACHE_FOLDER
from digest.sources.imagesize import ImageSize, fetch_image_size, image_size

from .browser import png
from .conftest import PublicationFactory


def jpeg(width: int, height: int, exif_bytes: int = 3000) -> bytes:
    """A JPEG header: SOI, a large APP1 (as EXIF makes it), DQT, then the SOF0 frame."""
    app1 = b"\xff\xe1" + struct.pack(">H", exif_bytes + 2) + b"E" * exif_bytes
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00" * 3
    return b"\xff\xd8" + app1 + dqt + sof + b"\xff\xda"


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"


def webp_vp8x(width: int, height: int) -> bytes:
    body = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    body += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    body = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + bits.to_bytes(4, "little")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def webp_lossy(width: int, height: int) -> bytes:
    frame = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    body = b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


@pytest.mark.parametrize("make", [png, jpeg, gif, webp_vp8x, webp_lossless, webp_lossy])
def test_reads_the_size_of_every_format(make: object) -> None:
    assert callable(make)
    assert image_size(make(1200, 675)) == ImageSize(1200, 675)
    assert image_size(make(1, 3)) == ImageSize(1, 3)


@given(st.binary(max_size=200))
def test_any_bytes_give_a_size_or_none_never_an_error(data: bytes) -> None:
    size = image_size(data)
    assert size is None or (size.width > 0 and size.height > 0)


@given(st.binary(max_size=64))
def test_truncated_headers_are_refused_quietly(tail: bytes) -> None:
    for header in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"GIF89a", b"RIFF\0\0\0\0WEBP"):
        image_size(header + tail)


class ImageHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        kinds = {
            "/photo.jpg": ("image/jpeg", jpeg(800, 600)),
            "/page.html": ("text/html", b"<html><body>page</body></html>"),
        }
        kind, body = kinds.get(self.path, ("text/plain", b"missing"))
        self.send_response(200 if self.path in kinds else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def image_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ImageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_image_mode_takes_images_only_and_caches_them(image_server: str, tmp_path: Path) -> None:
    cache = tmp_path / CACHE_FOLDER
    images = FetchSettings(allow_private=True, mode="image", cache_dir=cache, total_timeout=5)
    result = fetch(f"{image_server}/photo.jpg", settings=images)
    assert image_size(result.data) == ImageSize(800, 600)
    with pytest.raises(SourceError, match="not an image"):
        fetch(f"{image_server}/page.html", settings=images)
    pages = FetchSettings(allow_private=True, total_timeout=5)
    with pytest.raises(SourceError, match="not a web page"):
        fetch(f"{image_server}/photo.jpg", settings=pages)
    # Offline, the size comes from the cache alone; an image never fetched stays unknown.
    assert fetch_image_size(f"{image_server}/photo.jpg", tmp_path, offline=True) == ImageSize(
        800, 600
    )
    assert fetch_image_size(f"{image_server}/other.jpg", tmp_path, offline=True) is None


def test_unknown_size_leaves_the_image_out_and_says_so(
    make_publication: PublicationFactory,
) -> None:
    edition = make_publication(
        """
        [[articles]]
        source = "../a.md"
        image = "https://images.invalid/a.jpg"
        [[articles]]
        source = "../b.md"
        """,
        files={
            "a.md": "---\ntitle: A\nurl: https://example.org/a\n---\nBody.\n",
            "b.md": "---\ntitle: B\nurl: https://example.org/b\nimage: "
            "https://images.invalid/b.jpg\nimage_width: 640\nimage_height: 480\n---\nB.\n",
        },
    )
    result, _ = build(edition)
    html = result.digest.html
    assert "images.invalid/a.jpg" not in html
    box = re.search(r'src="https://images\.invalid/b\.jpg"[^>]*width="(\d+)" height="(\d+)"', html)
    assert box and int(box[1]) * 3 == int(box[2]) * 4  # the page's 640 x 480, scaled
    assert any("its size is unknown" in warning for warning in result.warnings)


def test_page_metadata_gives_the_size_of_its_own_image() -> None:
    from zoneinfo import ZoneInfo

    from digest.sources.readers import ReadContext
    from digest.sources.readers.html import read

    body = "<p>" + "A sentence of the article body that is long enough to count. " * 20 + "</p>"
    page = (
        '<html><head><meta property="og:image" content="https://example.org/p.jpg">'
        '<meta property="og:image:width" content="1600">'
        '<meta property="og:image:height" content="900">'
        f"<title>Headline</title></head><body><article>{body}</article></body></html>"
    )
    context = ReadContext(tz=ZoneInfo("UTC"), base_url=None, sections=())
    article = read(page.encode(), origin="https://example.org/story", context=context)
    assert (article.image, article.image_width, article.image_height) == (
        "https://example.org/p.jpg",
        1600,
        900,
    )


def test_an_unreachable_image_host_is_asked_once_per_build_and_once_per_preview_window(
    make_publication: PublicationFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten images on a host that does not resolve cost one lookup, and a rebuild none."""
    import socket

    from digest.build import build_in_memory
    from digest.cache import BuildCache
    from digest.config import load_edition

    entries = "".join(
        f'[[articles]]\nsource = "../a.md"\ntitle = "Story {n}"\n'
        f'image = "https://images.invalid/{n}.jpg"\n'
        for n in range(10)
    )
    edition = make_publication(
        entries, files={"a.md": "---\ntitle: A\nurl: https://example.org/a\n---\nBody.\n"}
    )
    lookups: list[str] = []
    real = socket.getaddrinfo

    def counting(host: str, *args: object, **kwargs: object) -> object:
        lookups.append(host)
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    cache = BuildCache()
    loaded = load_edition(edition)
    first = build_in_memory(loaded, cache=cache)
    assert lookups.count("images.invalid") == 1
    assert sum("its size is unknown" in warning for warning in first.warnings) == 10
    build_in_memory(loaded, cache=cache)  # the preview's next rebuild
    assert lookups.count("images.invalid") == 1
