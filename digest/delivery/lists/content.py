"""A list file's bytes: what kind of file it is, its text encoding, and its lines as text.

Spreadsheets and archives are known by their first bytes, whatever their name says, and named
rather than read as text. A byte-order mark (UTF-8, UTF-16, UTF-32) is believed; UTF-16 without
one shows itself by its NUL bytes. Otherwise every line is read as UTF-8, and a line that is not
UTF-8 is read in the file's legacy encoding: Excel saves "CSV" in the computer's ANSI code page,
Windows-1252 in Western Europe and the Americas. Detectors cannot tell the Western code pages
apart on a list of names (charset-normalizer and chardet both call "Chloé García" Windows-1250,
which turns "Muñoz" into "Muńoz"), so Windows-1252 is kept whenever its reading is Latin text;
only text that reads as another script (Cyrillic saved as Windows-1251, say) is handed to
charset-normalizer. A line no encoding reads is a bad line with its number, never the end of
the file.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

READ_BLOCK_BYTES = 1 << 18
# Lines longer than this are not a person's row; they are reported, not kept in memory.
MAX_LINE_CHARS = 65_536
LEGACY = "cp1252"
UTF8_BOM = b"\xef\xbb\xbf"
BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)
# Without a BOM, UTF-16 text of mostly ASCII has a NUL in every other byte.
NUL_SHARE_FOR_UTF16 = 0.3
SNIFF_BYTES = 4_096
# A text file may hold a stray NUL in a row (a bad row); a binary file holds them everywhere.
NUL_SHARE_FOR_BINARY = 0.1
MIN_BINARY_SAMPLE = 512
# In Western text read as Windows-1252, letters outside ASCII stand alone among ASCII ones
# ("García"); another script read that way gives words of them ("Èâàí" for "Иван").
NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{3,}")
MAX_RUN_SHARE = 0.2
# The most of the first block's non-ASCII lines a detector is shown.
DETECT_SAMPLE_BYTES = 65_536
LINE_BREAK = re.compile(rb"\r\n|\r|\n")
TEXT_LINE_BREAK = re.compile(r"\r\n|\r|\n")
CODEC_LABELS = {
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "cp1253": "Windows-1253",
    "cp1254": "Windows-1254",
    "mac_roman": "Mac Roman",
    "latin_1": "ISO-8859-1",
}

_NO_PROBLEMS = itertools.repeat("")
Line = tuple[int, str | None, str]
"""(line number, its text or None, why it could not be read) — a tuple: a million are made."""


@dataclass(frozen=True, slots=True)
class Encoding:
    """How a file's bytes become text."""

    codec: str  # the whole file's codec (wide files) or the first one tried on each line
    label: str  # for people: "UTF-8 with a byte-order mark", "Windows-1252"
    bom: int = 0  # bytes of byte-order mark at the start
    wide: bool = False  # UTF-16/32: decoded before lines are split
    legacy: str = LEGACY  # a line that is not UTF-8 is read in this


def describe_container(head: bytes) -> str | None:
    """What a file is when it is not text: a workbook, an archive, a PDF; None for text."""
    if head.startswith(b"PK\x03\x04"):
        if head[30:38] == b"mimetype" and b"opendocument.spreadsheet" in head[:120]:
            return "this is an OpenDocument spreadsheet (.ods); export it as CSV UTF-8"
        if b"xl/" in head or b"[Content_Types].xml" in head[:200]:
            return "this is an Excel workbook (.xlsx); export it as CSV UTF-8"
        return (
            "this is a ZIP archive; unpack it and give one of the CSV files inside "
            "(a Mailchimp audience export is a ZIP of three)"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "this is an Excel 97-2003 workbook (.xls); export it as CSV UTF-8"
    if head.startswith(b"%PDF-"):
        return "this is a PDF document, not a list; export the list as CSV UTF-8"
    if head.startswith(b"\x1f\x8b"):
        return "this is a gzip archive; unpack it first"
    sample = head[:SNIFF_BYTES]
    if (
        len(sample) >= MIN_BINARY_SAMPLE
        and sample.count(0) > len(sample) * NUL_SHARE_FOR_BINARY
        and not head.startswith(tuple(bom for bom, _, _ in BOMS))
        and _utf16_without_bom(head) is None
    ):
        return "this is not a text file (it holds NUL bytes); export the list as CSV UTF-8"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:SNIFF_BYTES]
    if len(sample) < 2 or sample.count(0) < len(sample) * NUL_SHARE_FOR_UTF16:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 4 * even:
        return "utf-16-le"
    if even > 4 * odd:
        return "utf-16-be"
    return None


def _is_latin(text: str) -> bool:
    """True when non-ASCII characters read as letters and marks of Latin text, standing alone."""
    outside = sum(1 for ch in text if ord(ch) > 0x7F)
    if not outside:
        return True
    runs = sum(len(run) for run in NON_ASCII_RUN.findall(text))
    if runs > outside * MAX_RUN_SHARE:
        return False
    return all(unicodedata.category(ch)[0] in "LPSZ" for ch in text if ord(ch) > 0x7F)


def _is_utf8(data: bytes, *, cut: bool = False) -> bool:
    """True when `data` is UTF-8 (`cut`: perhaps cut in the middle of its last character)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=not cut)
    except UnicodeDecodeError:
        return False
    return True


def _legacy(head: bytes) -> tuple[str, str]:
    """(codec, label) of the single-byte encoding of the lines of `head` that are not UTF-8.

    Windows-1252 when it reads most of them as Latin text; a stray line it cannot read is a
    bad line, not a reason to read every other line another way.
    """
    parts = LINE_BREAK.split(head)
    last = parts.pop()  # perhaps cut short by the end of the block
    foreign = [line for line in parts if not line.isascii() and not _is_utf8(line)]
    if not _is_utf8(last, cut=True):
        foreign.append(last)
    readable: list[str] = []
    for line in foreign:
        try:
            readable.append(line.decode(LEGACY))
        except UnicodeDecodeError:
            continue
    if readable and 2 * len(readable) >= len(foreign) and _is_latin("\n".join(readable)):
        return LEGACY, CODEC_LABELS[LEGACY]
    from charset_normalizer import from_bytes  # a few hundred ms to import; rarely needed

    best = from_bytes(b"\n".join(foreign)[:DETECT_SAMPLE_BYTES]).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return LEGACY, CODEC_LABELS[LEGACY]
    codec = codecs.lookup(best.encoding).name
    return codec, CODEC_LABELS.get(codec, codec.upper())


def detect_encoding(head: bytes) -> Encoding:
    """The encoding of a file whose first block is `head`."""
    if head.startswith(UTF8_BOM):
        return Encoding("utf-8", "UTF-8 with a byte-order mark", len(UTF8_BOM))
    for bom, codec, label in BOMS:
        if head.startswith(bom):
            return Encoding(codec, label, len(bom), wide=True)
    wide = _utf16_without_bom(head)
    if wide:
        return Encoding(wide, "UTF-16 without a byte-order mark", wide=True)
    if _is_utf8(head, cut=True):
        return Encoding("utf-8", "UTF-8")
    codec, label = _legacy(head)
    return Encoding("utf-8", label, legacy=codec)


def _decode(raw: bytes, encoding: Encoding) -> tuple[str | None, str]:
    """One line's text, or None and why: UTF-8 first, then the file's legacy encoding."""
    try:
        return raw.decode(encoding.codec), ""
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode(encoding.legacy), ""
    except UnicodeDecodeError as error:
        label = CODEC_LABELS.get(encoding.legacy, encoding.legacy)
        return None, (
            f"bytes that are neither UTF-8 nor {label} (byte {error.start + 1}, "
            f"0x{raw[error.start]:02X}); save the list as CSV UTF-8"
        )


def split_lines(text: str) -> list[str]:
    """`text` cut at CRLF, LF or CR (never at U+2028 or the other breaks splitlines() knows)."""
    returns = text.count("\r")
    if not returns:
        return text.split("\n")
    if returns == text.count("\r\n") == text.count("\n"):  # CRLF throughout (Excel, Windows)
        return text.split("\r\n")
    return TEXT_LINE_BREAK.split(text)


def _split(data: bytes, carry: bytes) -> tuple[bytes, bytes]:
    """(complete lines, the start of the next one) of `carry + data`."""
    data = carry + data
    held = b""
    if data.endswith(b"\r"):  # maybe the first half of CRLF: decide with the next block
        data, held = data[:-1], b"\r"
    cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
    return data[:cut], data[cut:] + held


def byte_lines(blocks: Iterable[bytes], encoding: Encoding) -> Iterator[Line]:
    """Numbered lines of a UTF-8 or single-byte file: each block is decoded at once when it
    can be, line by line (with the legacy encoding as fallback) when it cannot."""
    number = 0
    carry = b""
    oversize = False
    too_long = f"longer than {MAX_LINE_CHARS:,} characters"
    for block in blocks:
        body, carry = _split(block, carry)
        if len(carry) > MAX_LINE_CHARS * 4:  # no line break in sight: drop what is held
            oversize, carry = True, b""
        if not body:
            continue
        try:
            whole = split_lines(body.decode(encoding.codec))
        except UnicodeDecodeError:
            decoded = [_decode(raw, encoding) for raw in LINE_BREAK.split(body)[:-1]]
        else:
            whole.pop()  # body ends with a line break: nothing follows it
            if not oversize and max(map(len, whole)) <= MAX_LINE_CHARS:
                # The common block: every line read, none too long; numbered in C.
                yield from zip(itertools.count(number + 1), whole, _NO_PROBLEMS, strict=False)
                number += len(whole)
                continue
            decoded = [(text, "") for text in whole]
        for text, problem in decoded:
            number += 1
            if oversize:  # the end of a line whose start was already dropped
                oversize = False
                yield number, None, too_long
            elif text is None:
                yield number, None, problem
            elif len(text) > MAX_LINE_CHARS:
                yield number, None, too_long
            else:
                yield number, text, ""
    if oversize:
        yield number + 1, None, too_long
    elif carry.rstrip(b"\r"):
        text, problem = _decode(carry.rstrip(b"\r"), encoding)
        if text is not None and len(text) > MAX_LINE_CHARS:
            text, problem = None, too_long
        yield number + 1, text, problem


def wide_lines(blocks: Iterable[bytes], encoding: Encoding) -> Iterator[Line]:
    """Numbered lines of a UTF-16 or UTF-32 file, decoded as a stream."""
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="replace")
    number = 0
    carry = ""
    oversize = False
    for block in blocks:
        text = carry + decoder.decode(block)
        held = ""
        if text.endswith("\r"):  # maybe the first half of CRLF
            text, held = text[:-1], "\r"
        parts = split_lines(text)
        carry = parts.pop() + held
        for part in parts:
            number += 1
            yield _wide_line(number, None if oversize else part, encoding)
            oversize = False
        if len(carry) > MAX_LINE_CHARS:
            oversize, carry = True, ""
    tail = (carry + decoder.decode(b"", final=True)).rstrip("\r")
    if tail or oversize:
        yield _wide_line(number + 1, None if oversize else tail, encoding)


def _wide_line(number: int, text: str | None, encoding: Encoding) -> Line:
    if text is None or len(text) > MAX_LINE_CHARS:
        return number, None, f"longer than {MAX_LINE_CHARS:,} characters"
    if "\ufffd" in text:  # the decoder's mark for bytes that are no character
        return number, None, f"not valid {encoding.label} (a broken character)"
    return number, text, ""


def lines(blocks: Iterable[bytes], encoding: Encoding) -> Iterator[Line]:
    """The numbered lines of a file's blocks (its byte-order mark already removed)."""
    return wide_lines(blocks, encoding) if encoding.wide else byte_lines(blocks, encoding)
