"""What the readers' server needs of HTTP: a request read safely, a response, form fields.

Bodies are read only up to MAX_BODY_BYTES (a sign-up form is a few hundred bytes), fields are
parsed from urlencoded and multipart forms, and every answer carries the same strict headers:
no script, nothing from elsewhere, no Referer leaving with a token, no framing, no caching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

# The one-click body is 26 bytes; a browser's multipart form a few hundred. Anything bigger is
# not a request of ours, and is refused before it is read.
MAX_BODY_BYTES = 4096
ALLOWED_METHODS = ("GET", "HEAD", "POST")
REASON_PHRASES = {
    200: "OK",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex, nofollow"),
)
# A field longer than this is not an address or a name.
MAX_FIELD_CHARS = 320


@dataclass(frozen=True, slots=True)
class Response:
    """An answer: status, body (HTML unless told), and headers beyond the security ones."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "text/html; charset=utf-8"

    def header_list(self) -> list[tuple[str, str]]:
        """Every header the answer goes out with."""
        listed = [("Content-Length", str(len(self.body))), *SECURITY_HEADERS, *self.headers]
        if self.body or self.status != 302:
            listed.insert(0, ("Content-Type", self.content_type))
        return listed


@dataclass(slots=True)
class Request:
    """One request: method, path, query, the client, and the body once read."""

    environ: Mapping[str, Any]
    method: str = ""
    path: str = ""
    _body: bytes | None = field(default=None, repr=False)
    _too_large: bool = False

    def __post_init__(self) -> None:
        self.method = str(self.environ.get("REQUEST_METHOD", "GET")).upper()
        self.path = str(self.environ.get("SCRIPT_NAME", "")) + str(
            self.environ.get("PATH_INFO", "")
        )

    def header(self, name: str) -> str:
        """A request header ('' when absent)."""
        return str(self.environ.get("HTTP_" + name.upper().replace("-", "_"), ""))

    @property
    def client(self) -> str:
        """The client's address: the socket's, or the trusted proxy's word for it."""
        return str(self.environ.get("REMOTE_ADDR", ""))

    @property
    def too_large(self) -> bool:
        """True when the body was over MAX_BODY_BYTES (and was not read)."""
        self.body()
        return self._too_large

    def body(self) -> bytes:
        """The request body (b"" when larger than MAX_BODY_BYTES; see `too_large`)."""
        if self._body is None:
            self._body = self._read()
        return self._body

    def _read(self) -> bytes:
        stream = self.environ.get("wsgi.input")
        if stream is None:
            return b""
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return b""
        if length < 0 and self.environ.get("wsgi.input_terminated"):
            # A chunked body without Content-Length: read one byte past the cap to know.
            data: bytes = stream.read(MAX_BODY_BYTES + 1)
            if len(data) > MAX_BODY_BYTES:
                self._too_large = True
                return b""
            return data
        if length > MAX_BODY_BYTES:
            self._too_large = True
            return b""
        return bytes(stream.read(length)) if length > 0 else b""

    def form(self) -> dict[str, str]:
        """The form fields of the body (urlencoded or multipart), each its first value."""
        return form_fields(self.body(), str(self.environ.get("CONTENT_TYPE", "")))


def form_fields(body: bytes, content_type: str) -> dict[str, str]:
    """Fields of a urlencoded or multipart/form-data body; values cut at MAX_FIELD_CHARS."""
    fields: dict[str, str] = {}
    if content_type.lower().startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        for part in message.iter_parts() if message.is_multipart() else ():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes) and name not in fields:
                fields[name] = payload.decode("utf-8", "replace").strip()[:MAX_FIELD_CHARS]
        return fields
    text = body.decode("utf-8", "replace")
    for name, values in parse_qs(text, keep_blank_values=True).items():
        fields[name] = values[0].strip()[:MAX_FIELD_CHARS]
    return fields


def redirect(location: str) -> Response:
    """302 to `location` (an URL the publication registered, never one a request names)."""
    return Response(302, headers=(("Location", location),))
