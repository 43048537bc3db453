"""The email against what the major mail clients support (caniemail's data).

Every feature the compiled HTML uses (`client_features`) is looked up for each major client
(`client_data.MAJOR_CLIENTS`). What a client does not support is a finding, unless the theme
accepts it in its email-clients.toml (a progressive enhancement such as dark mode or rounded
corners), once, with the reason. `digest check --clients` prints the whole table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.mail.client_data import (
    CLIENT_NAMES,
    EXCEPTIONS_FILE,
    MAJOR_CLIENTS,
    Accepted,
    Level,
    caniemail,
    read_exceptions,
)
from digest.mail.client_features import Usage, html_usages
from digest.mail.findings import Finding
from digest.mail.render import DEFAULT_THEME, theme_folder

DOCTYPE = "<!doctype html"
# The caniemail note on in-email links that follow only <a name> targets, found by its words.
NAME_ONLY_NOTE = "`name` attribute"
TABLE_CLIENT_WIDTH = 17


@dataclass(frozen=True, slots=True)
class Gap:
    """One feature the email uses that one client does not fully support."""

    slug: str
    title: str
    example: str
    client: str
    level: Level  # "n" not supported, "a" partially
    notes: tuple[str, ...]
    accepted: Accepted | None  # the theme's exception that covers it


@dataclass(frozen=True, slots=True)
class ClientReport:
    """What the major clients make of one email."""

    gaps: tuple[Gap, ...]
    updated: str  # the day caniemail's data was last updated
    exception_files: tuple[str, ...]


def exception_files(publication_root: Path | None, theme: str) -> tuple[Path, ...]:
    """The theme's email-clients.toml, and the publication's own beside its templates."""
    files = [theme_folder(theme) / EXCEPTIONS_FILE]
    if publication_root is not None:
        files.append(publication_root / "templates" / EXCEPTIONS_FILE)
    return tuple(files)


def client_report(
    html: str, root: Any, publication_root: Path | None, theme: str = DEFAULT_THEME
) -> ClientReport:
    """Every gap between the email and the major clients, in the order features appear; the
    exceptions are those of `theme` (the publication's `[theme] name`) and the publication's."""
    data = caniemail()
    files = exception_files(publication_root, theme)
    accepted = [entry for path in files for entry in read_exceptions(path)]
    by_slug: dict[str, dict[tuple[str, ...], Usage]] = {}
    for usage in html_usages(root, html.lstrip()[: len(DOCTYPE)].lower() == DOCTYPE):
        if usage.slug in data.features:  # the first use in each context is the example
            by_slug.setdefault(usage.slug, {}).setdefault(usage.context, usage)
    gaps: list[Gap] = []
    for slug, usages in by_slug.items():
        feature = data.features[slug]
        for client, _name in MAJOR_CLIENTS:
            seen = [u for u in usages.values() if _reaches(u, client)]
            support = feature.of(client)
            if not seen or support.level not in ("n", "a"):
                continue
            cover = next((entry for entry in accepted if entry.covers(slug, client)), None)
            gaps.append(
                Gap(
                    slug,
                    feature.title,
                    seen[0].example,
                    client,
                    support.level,
                    support.notes,
                    cover,
                )
            )
    present = tuple(str(path) for path in files if path.is_file())
    return ClientReport(tuple(gaps), data.updated, present)


def _reaches(usage: Usage, client: str) -> bool:
    """False when the use sits inside an at-rule the client ignores (it never sees it)."""
    features = caniemail().features
    return all(features[slug].of(client).level != "n" for slug in usage.context)


def client_findings(report: ClientReport) -> Iterator[Finding]:
    """One warning per feature some major client does not support, unless the theme
    accepts it for each of them."""
    by_slug: dict[str, list[Gap]] = {}
    for gap in report.gaps:
        if gap.level == "n" and gap.accepted is None:
            by_slug.setdefault(gap.slug, []).append(gap)
    for slug, gaps in by_slug.items():
        clients = ", ".join(CLIENT_NAMES[gap.client] for gap in gaps)
        yield Finding(
            "warning",
            "client-unsupported",
            f"the email (theme's templates): {gaps[0].title} (`{gaps[0].example}`) is not "
            f"supported by {clients} (caniemail: {slug}); change the template, or accept it "
            f"in the theme's {EXCEPTIONS_FILE} with the reason",
        )


def anchor_findings(root: Any) -> Iterator[Finding]:
    """In-email links must target <a name>: some clients ignore `id` targets."""
    if root is None:
        return
    names = {element.get("name") for element in root.iter("a") if element.get("name")}
    targets = [
        href[1:]
        for element in root.iter("a")
        if (href := (element.get("href") or "").strip()).startswith("#") and len(href) > 1
    ]
    missing = list(dict.fromkeys(target for target in targets if target not in names))
    if not missing:
        return
    feature = caniemail().features["html-anchor-links"]
    clients = [
        CLIENT_NAMES[client]
        for client, support in feature.support
        if any(NAME_ONLY_NOTE in note for note in support.notes)
    ]
    shown = ", ".join(f"#{target}" for target in missing)
    yield Finding(
        "warning",
        "anchor-id-target",
        f"the email (theme's templates): the links to {shown} target `id`s; "
        f"{', '.join(clients) or 'some clients'} follow only <a name=…> targets: put "
        '<a name="…"></a> at each target',
    )


def format_client_table(report: ClientReport) -> str:
    """The per-client table of `digest check --clients`."""
    accepted = "*" if any(gap.accepted for gap in report.gaps) else ""
    lines = [
        f"Mail-client support of this email (caniemail data of {report.updated[:10]})",
        "  * = accepted by the theme: " + (", ".join(report.exception_files) or "none"),
        f"  {'client':<{TABLE_CLIENT_WIDTH}}not supported / partly supported",
    ]
    for client, name in MAJOR_CLIENTS:
        gaps = [gap for gap in report.gaps if gap.client == client]
        unsupported = [_cell(gap) for gap in gaps if gap.level == "n"] or ["-"]
        partial = [_cell(gap) for gap in gaps if gap.level == "a"] or ["-"]
        lines.append(f"  {name:<{TABLE_CLIENT_WIDTH}}no:   {', '.join(unsupported)}")
        lines.append(f"  {'':<{TABLE_CLIENT_WIDTH}}part: {', '.join(partial)}")
    notes = _notes(report)
    if notes:
        lines += ["", "Partly supported, as caniemail says:", *notes]
    if not accepted and not report.gaps:
        lines.append("Every major client supports everything this email uses.")
    return "\n".join(lines)


def _cell(gap: Gap) -> str:
    return f"{gap.title}{'*' if gap.accepted else ''}"


def _notes(report: ClientReport) -> list[str]:
    lines: list[str] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for gap in report.gaps:
        if gap.level != "a" or not gap.notes or (gap.slug, gap.notes) in seen:
            continue
        seen.add((gap.slug, gap.notes))
        clients = [
            CLIENT_NAMES[other.client]
            for other in report.gaps
            if other.slug == gap.slug and other.notes == gap.notes and other.level == "a"
        ]
        lines.append(f"  {gap.title} in {', '.join(clients)}: {' '.join(gap.notes)}")
    return lines
