"""Turning the bytes of a text source into str, with a clear error for binary files."""

from __future__ import annotations

from digest.errors import SourceError

# Share of control characters above which a "text" file is really binary.
MAX_CONTROL_SHARE = 0.01
ALLOWED_CONTROLS = {"\n", "\r", "\t", "\f"}


def decode_text(data: bytes, origin: str) -> str:
    """UTF-8 (BOM allowed), else Windows-1252, the usual encoding of mislabelled pages."""
    if b"\0" in data[:8192]:
        raise SourceError(f"{origin}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in ALLOWED_CONTROLS)
    if text and controls / len(text) > MAX_CONTROL_SHARE:
        raise SourceError(f"{origin}: looks like a binary file, not text")
    return text
