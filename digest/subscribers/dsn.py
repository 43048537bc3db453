"""Reading one bounce: who failed, hard or soft, and which message came back.

RFC 3464 delivery status notifications (Postfix, Exim 4.8x+, Microsoft, Gmail, ...) are read
field by field. Exim writes `Status: 5.0.0` for every failure, even when it gave up retrying
a mailbox that was only full, so a generic status is refined from the Diagnostic-Code's SMTP
reply and Exim's "retry timeout exceeded". Older text-only bounces (qmail, Exim without DSN
parts, assorted gateways) go through flufl.bounce, Mailman's detectors, and the reply code
beside each address. ARF feedback reports (RFC 5965) are complaints.
"""

from __future__ import annotations

import email
import logging
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from enum import StrEnum

from flufl.bounce import all_failures

from digest.mail.tags import find_tags

logger = logging.getLogger(__name__)

# RFC 3463 enhanced status codes, and basic SMTP reply codes where no enhanced one is given.
ENHANCED_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
REPLY_CODE = re.compile(r"(?<![\d.])([245])\d\d(?![\d.])")
# Failures that say nothing against the address: policy and security (X.7.x: spam filters,
# authentication), message content (X.6.x, 5.3.4 too big). Suppressing every Gmail reader
# because one edition was refused as spam would be a disaster, so these count as soft.
NOT_THE_ADDRESS = ("5.7.", "5.6.", "5.3.4")
# What an MTA says when it gave up on a temporary condition after its queue lifetime.
GAVE_UP_RETRYING = re.compile(
    r"retry timeout exceeded|retry time not reached|delivery temporarily suspended"
    r"|too long in queue|message expired",
    re.IGNORECASE,
)
RETURNED_PARTS = (
    "message/rfc822",
    "message/global",
    "text/rfc822-headers",
    "message/global-headers",
)
MESSAGE_ID_LINE = re.compile(r"^Message-I[dD]:[ \t]*(<[^>\s]+>)", re.MULTILINE)
# A note beside an address in the human-readable part is at most this long in the report.
MAX_NOTE_CHARS = 300


class Kind(StrEnum):
    """What a bounce means for the address."""

    HARD = "hard"  # the address does not work: suppress now
    SOFT = "soft"  # a temporary failure the MTA gave up on: count, suppress after N in a row
    DELAYED = "delayed"  # a warning; the MTA is still trying
    COMPLAINT = "complaint"  # the reader marked the message as spam


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient the report is about."""

    addresses: tuple[str, ...]  # Original-Recipient first, then Final-Recipient (lower case)
    kind: Kind
    status: str  # the code the kind was decided on, e.g. "5.1.1", "452", or ""
    detail: str  # the server's words (Diagnostic-Code or the text beside the address)


@dataclass(frozen=True, slots=True)
class Report:
    """One message from the bounce mailbox, read."""

    subject: str
    date: float | None  # Unix time from the Date header
    message_id: str | None  # Message-ID of the message that bounced, when it came back
    failures: tuple[Failure, ...]
    format: str  # "dsn", "text", "arf" or "" (not a bounce)
    # (edition hint, MAC) of every bounce tag quoted anywhere: a Message-ID or return path.
    tags: tuple[tuple[str, str], ...] = ()


def _address(field: str | None) -> str | None:
    """'rfc822; <Ann@Example.org>' -> 'ann@example.org'."""
    if not field:
        return None
    value = field.split(";", 1)[-1]
    value = re.sub(r"\s+", "", value).strip("<>").lower()
    return value if "@" in value else None


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know: the words are still mostly ASCII
        return payload.decode("utf-8", errors="replace")


def _human_text(message: Message) -> str:
    """The human-readable part(s): what the MTA wrote for people."""
    texts = [
        _text(part)
        for part in message.walk()
        if part.get_content_type() == "text/plain" and not part.is_multipart()
    ]
    return "\n".join(texts)


def _note_for(address: str, human: str) -> str:
    """The paragraph beside an address in the human-readable text."""
    index = human.lower().find(address)
    if index < 0:
        return ""
    paragraph = re.split(r"\n\s*\n", human[index:], maxsplit=1)[0]
    return " ".join(paragraph.split())[:MAX_NOTE_CHARS]


def classify(status: str, detail: str, note: str = "") -> tuple[Kind, str]:
    """(hard or soft, the code it was decided on) for a failed recipient."""
    code = ENHANCED_CODE.search(status)
    said = ENHANCED_CODE.search(detail) or ENHANCED_CODE.search(note)
    if code is None or code.group(2, 3) == ("0", "0"):
        # No status, or a generic one (Exim's 5.0.0): the remote server's words decide.
        if said is not None:
            code = said
        else:
            reply = REPLY_CODE.search(detail) or REPLY_CODE.search(note)
            if reply is not None and reply.group(1) == "4":
                return Kind.SOFT, reply.group(0)
            if GAVE_UP_RETRYING.search(f"{detail} {note}"):
                return Kind.SOFT, code.group(0) if code else ""
            if reply is not None:
                return Kind.HARD, reply.group(0)
    if code is None:
        return Kind.HARD, ""
    text = code.group(0)
    if code.group(1) == "4" or text.startswith(NOT_THE_ADDRESS):
        return Kind.SOFT, text
    return Kind.HARD, text


def _returned_message_id(message: Message, body_text: str) -> str | None:
    """The Message-ID of the message that bounced: its returned copy, headers, or References."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind not in RETURNED_PARTS:
            continue
        if kind.startswith("message/") and part.is_multipart():
            inner = part.get_payload(0)
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
        else:
            found = MESSAGE_ID_LINE.search(_text(part) or str(part.get_payload()))
            if found:
                return found.group(1)
    found = MESSAGE_ID_LINE.search(body_text)
    if found:
        return found.group(1)
    references = str(message.get("References", "") or message.get("In-Reply-To", "")).split()
    return references[-1] if references else None


def _dsn_failures(message: Message, human: str) -> list[Failure]:
    failures: list[Failure] = []
    for part in message.walk():
        if part.get_content_type() not in (
            "message/delivery-status",
            "message/global-delivery-status",
        ):
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks:  # the per-message block names no recipient and is passed over
            if not isinstance(block, Message):
                continue
            action = str(block.get("Action", "")).strip().lower()
            addresses = tuple(
                dict.fromkeys(
                    a
                    for a in (
                        _address(block.get("Original-Recipient")),
                        _address(block.get("Final-Recipient")),
                        _address(block.get("X-Actual-Recipient")),
                    )
                    if a
                )
            )
            if not addresses:
                continue
            detail = " ".join(str(block.get("Diagnostic-Code", "")).split()).split(";", 1)[-1]
            detail = detail.strip()
            note = _note_for(addresses[-1], human) or _note_for(addresses[0], human)
            if action.startswith("delayed"):
                failures.append(
                    Failure(addresses, Kind.DELAYED, str(block.get("Status", "")), detail)
                )
            elif action.startswith(("failed", "error")):  # OpenSMTPD writes "error"
                kind, code = classify(str(block.get("Status", "")), detail, note)
                failures.append(Failure(addresses, kind, code, detail or note))
    return failures


def _arf_failures(message: Message) -> list[Failure]:
    """A spam complaint (RFC 5965): the reader is in Original-Rcpt-To or the returned To."""
    addresses: list[str] = []
    feedback_type = ""
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            fields = part.get_payload()
            block = fields[0] if isinstance(fields, list) and fields else None
            if isinstance(block, Message):
                feedback_type = str(block.get("Feedback-Type", "abuse")).strip()
                addresses += [
                    a for a in (_address(v) for v in block.get_all("Original-Rcpt-To", [])) if a
                ]
        elif part.get_content_type() in RETURNED_PARTS and part.is_multipart():
            inner = part.get_payload(0)
            if isinstance(inner, Message):
                addresses += [a for a in [_address(str(inner.get("To", "")))] if a]
    if not addresses:
        return []
    return [
        Failure(
            tuple(dict.fromkeys(addresses)), Kind.COMPLAINT, "", f"feedback-type {feedback_type}"
        )
    ]


def _text_failures(message: Message, human: str) -> list[Failure]:
    """Bounces without a DSN part, through flufl.bounce's detectors."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a detector choking on a malformed message must not stop the import
        logger.debug("flufl.bounce failed on a message", exc_info=True)
        return []
    failures = []
    for raw in sorted(permanent):
        address = raw.decode("ascii", "replace").strip("<>").lower()
        note = _note_for(address, human)
        kind, code = classify("", note)
        failures.append(Failure((address,), kind, code, note))
    for raw in sorted(temporary - permanent):
        address = raw.decode("ascii", "replace").strip("<>").lower()
        failures.append(Failure((address,), Kind.DELAYED, "", _note_for(address, human)))
    return failures


def read_report(data: bytes) -> Report:
    """Read one message from a bounce mailbox (a malformed one may raise; the caller names it)."""
    message = email.message_from_bytes(data)
    subject = " ".join(str(message.get("Subject", "")).split())
    try:
        date: float | None = parsedate_to_datetime(str(message["Date"])).timestamp()
    except (TypeError, ValueError, IndexError):
        date = None
    human = _human_text(message)
    report_type = str(message.get_param("report-type", "") or "").lower()
    if message.get_content_type() == "multipart/report" and report_type == "feedback-report":
        failures, kind = _arf_failures(message), "arf"
    else:
        failures, kind = _dsn_failures(message, human), "dsn"
        if not failures:
            failures, kind = _text_failures(message, human), "text"
    if not failures:
        return Report(subject, date, None, (), "")
    returned = _returned_message_id(message, human)
    tags = tuple(find_tags(data.decode("latin-1")))  # tags are ASCII wherever they stand
    return Report(subject, date, returned, tuple(failures), kind, tags)
