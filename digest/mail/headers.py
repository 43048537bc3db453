"""Every header value goes through here: refused or cleaned, then encoded by us (RFC 2047).

Which characters, and what happens to them:

- **Refused everywhere** (a `HeaderError`, exit 2; a bad row in a recipient list, exit 7):
  CR, LF and NUL. They are how header injection works, and no text a person means to put in a
  one-line header holds them.
- **In names** (From, Reply-To, a recipient's name, the publication name in List-Id), also
  refused: every other C0 control (tab included), DEL, the C1 controls (U+0080-U+009F, NEL
  U+0085 among them), the line and paragraph separators U+2028/U+2029, the bidirectional
  controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and lone surrogates. Names
  come from digest.toml or the list, where they can be fixed, and the list check uses this same
  rule, so a list that passes the check cannot stop the send halfway.
- **In the subject**, which usually comes from a headline on a web page: tabs, the Unicode line
  separators (NEL, U+2028, U+2029) and the other whitespace controls become one space; the rest
  of the list above is removed, because none of it shows in a one-line header. Bidirectional
  controls are removed rather than kept because they can make a subject read differently from
  what it is (the "Trojan Source" trick); mail clients lay out right-to-left text themselves.

Encoding: a value that is not plain printable ASCII, or that holds "=?" (which a mail client
would decode as an RFC 2047 encoded word), is written as encoded words by this module, never by
the email package's parser, so a reader sees exactly the text given: `=?utf-8?b?SGk=?=` typed
into a name shows as those characters, not as "Hi".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.header import Header
from email.policy import Policy

from digest.errors import DigestError

CRLF = "\r\n"
# RFC 5322: lines should stay within 78 characters; encoded words are folded to fit.
HEADER_SOFT_LIMIT = 78
ENCODING_CHARSET = "utf-8"
# Never in any header value: the header-injection characters.
INJECTION = re.compile("[\r\n\x00]")
# Refused in names, cleaned out of subjects (see the module docstring).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}\ud800-\udfff]")
# The unsafe characters that separate words: a subject keeps the gap as one space.
SPACE_LIKE = re.compile("[\t\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
# A display name holding one of these must be a quoted string (RFC 5322 "specials").
SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')
# What may sit between < and >: printable ASCII without spaces or angle brackets.
PLAIN_ADDRESS = re.compile(r"[!-;=?-~]+")
# An address as the From, Reply-To and To headers may carry it: a dot-atom local part and a
# domain of letters, digits and hyphens (internationalized domains arrive here in ASCII).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
ADDR_SPEC = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
# Text that a mail client would take for the start of an encoded word.
ENCODED_WORD_START = "=?"
# An ASCII word longer than this cannot be folded to the soft limit; encoded words can.
MAX_PLAIN_WORD = 66
_NAMES = {
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
    "\x00": "a NUL character",
    "\x85": "a next-line character",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}


class HeaderError(DigestError):
    """A header value holds a character that may not reach a mail header."""


def describe(char: str) -> str:
    """A character as a person can find it: 'a tab (U+0009)', 'U+202E RIGHT-TO-LEFT OVERRIDE'."""
    code = f"U+{ord(char):04X}"
    if char in _NAMES:
        return f"{_NAMES[char]} ({code})"
    name = unicodedata.name(char, "")
    kind = "a bidirectional control" if re.match(f"[{BIDI_CONTROLS}]", char) else "a control"
    return f"{kind} character ({code}{' ' + name if name else ''})"


def name_problem(value: str) -> str | None:
    """Why `value` may not be a name in a header (None when it may): the list check uses it."""
    found = UNSAFE.search(value)
    return None if found is None else f"contains {describe(found.group())}"


def check_name(value: str, what: str) -> str:
    """`value` unchanged, or a HeaderError naming `what` and the refused character."""
    problem = name_problem(value)
    if problem:
        raise HeaderError(f"the {what} {problem}, which is refused in mail headers")
    return value


def clean_subject(value: str, what: str = "subject") -> str:
    """The subject on one line: line breaks refused; separators to spaces; controls removed."""
    found = INJECTION.search(value)
    if found:
        raise HeaderError(
            f"the {what} contains {describe(found.group())}, which is refused in mail headers"
        )
    return " ".join(UNSAFE.sub("", SPACE_LIKE.sub(" ", value)).split())


def needs_encoding(value: str) -> bool:
    """True when `value` must be written as encoded words to read back exactly as given."""
    return (
        not value.isascii()
        or ENCODED_WORD_START in value
        or not value.isprintable()
        or any(len(word) > MAX_PLAIN_WORD for word in value.split())
    )


def encoded_words(value: str, header_name: str = "") -> str:
    """RFC 2047 encoded words for `value`, folded with CRLF + space."""
    header = Header(value, ENCODING_CHARSET, HEADER_SOFT_LIMIT, header_name=header_name)
    return header.encode(linesep=CRLF)


def phrase(display_name: str, header_name: str = "") -> str:
    """A display name as it goes before `<address>`: atoms, a quoted string or encoded words."""
    if needs_encoding(display_name):
        return encoded_words(display_name, header_name)
    if SPECIALS.search(display_name):
        escaped = display_name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return display_name


def check_addr_spec(addr_spec: str, what: str) -> str:
    """`addr_spec` unchanged if it is a plain `local@domain` address, else a HeaderError."""
    if not ADDR_SPEC.fullmatch(addr_spec):
        raise HeaderError(f"the {what} {addr_spec!r} is not a plain ASCII address (user@domain)")
    return addr_spec


def mailbox(display_name: str | None, addr_spec: str, what: str, header_name: str = "") -> str:
    """`Name <user@host>` (or the bare address) for an address header; the name is checked."""
    check_addr_spec(addr_spec, f"{what} address")
    name = " ".join(check_name(display_name or "", f"{what} name").split())
    if not name:
        return addr_spec
    return f"{phrase(name, header_name)} <{addr_spec}>"


def header_line(name: str, value: str) -> str:
    """`Name: value` + CRLF, folded before `<address>` when a line would pass the soft limit."""
    line = f"{name}: {value}"
    last = line.rsplit(CRLF, 1)[-1]
    if len(last) > HEADER_SOFT_LIMIT and " <" in last:
        head, _, address = line.rpartition(" <")
        line = f"{head}{CRLF} <{address}"
    return line + CRLF


@dataclass(frozen=True, slots=True)
class EncodedHeader:
    """A header already written by this module; the email package stores and emits it as is.

    `email.policy.EmailPolicy` keeps a value that has a matching `name` and folds it by calling
    its `fold`, so the library never parses (and so never decodes) what we encoded.
    """

    name: str
    value: str

    def fold(self, *, policy: Policy) -> str:
        """The header line(s) exactly as written, with the policy's line ending."""
        del policy  # every digest message is serialized with CRLF (email.policy.SMTP)
        return header_line(self.name, self.value)

    def __str__(self) -> str:
        return self.value


def subject_header(subject: str) -> str | EncodedHeader:
    """The Subject value to store in an EmailMessage: plain text, or our encoded words."""
    text = clean_subject(subject)
    return (
        EncodedHeader("Subject", encoded_words(text, "Subject")) if needs_encoding(text) else text
    )


def address_header(
    header: str, display_name: str | None, addr_spec: str, what: str
) -> EncodedHeader:
    """An address header (From, To, Reply-To) written by us, name checked and encoded."""
    return EncodedHeader(header, mailbox(display_name, addr_spec, what, header))


def list_id_header(value: str) -> EncodedHeader:
    """List-Id from `Label <list.id>` (RFC 2919): the label is a checked, encoded phrase."""
    label, _, rest = value.rpartition("<")
    list_id = rest.removesuffix(">")
    rest = f"<{rest}"
    if not rest.endswith(">") or not PLAIN_ADDRESS.fullmatch(list_id):
        raise HeaderError(f"the List-Id {value!r} must look like: Name <list.example.org>")
    name = " ".join(check_name(label, "List-Id name").split())
    return EncodedHeader("List-Id", f"{phrase(name, 'List-Id')} <{list_id}>" if name else rest)
