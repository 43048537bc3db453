"""Reading digest.toml and edition files: TOML -> models, every problem reported at once."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from digest.config.access import inside
from digest.config.dates import parse_iso_date
from digest.config.edition import EDITION_ID_PATTERN, EditionFile, LoadedEdition
from digest.config.messages import plain_message, unknown_key_message
from digest.config.publication import PUBLICATION_FILE, Publication
from digest.errors import ConfigError, Problem

EDITION_DATE_PATTERN = re.compile(r"(\d{4}-\d{2}-\d{2})")
# What a file name that cannot be an identity becomes in the suggested `id =`.
NOT_IN_AN_ID = re.compile(r"[^A-Za-z0-9._-]+")


def _read_toml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "file not found"))
    except tomllib.TOMLDecodeError as error:
        problems.append(Problem(str(path), "", f"not valid TOML: {error}"))
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(str(path), "", f"cannot be read: {error}"))
    return None


def _key(location: tuple[int | str, ...]) -> str:
    """('articles', 2, 'url') -> 'articles[3].url' (1-based, as a person counts entries)."""
    key = ""
    for part in location:
        if isinstance(part, int):
            key += f"[{part + 1}]"
        else:
            key += f".{part}" if key else str(part)
    return key


def _problems_from(error: ValidationError, file: Path, model: type[BaseModel]) -> list[Problem]:
    problems = []
    for item in error.errors():
        location = tuple(part for part in item["loc"] if not str(part).startswith("function-"))
        if item["type"] == "extra_forbidden":
            message = unknown_key_message(model, location)
        else:
            message = plain_message(item)
        problems.append(Problem(str(file), _key(location), message))
    return problems


def find_publication(start: Path) -> Path | None:
    """The nearest digest.toml in the edition's folder or one of its parents."""
    for folder in [start, *start.parents]:
        candidate = folder / PUBLICATION_FILE
        if candidate.is_file():
            return candidate
    return None


def load_publication(path: Path) -> Publication:
    """Read and validate digest.toml."""
    problems: list[Problem] = []
    data = _read_toml(path, problems)
    if data is None:
        raise ConfigError(problems)
    try:
        return Publication.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_problems_from(error, path, Publication)) from None


def _edition_date(path: Path, edition: EditionFile | None) -> dt.date | str:
    """The edition's date (its `date`, else its file name's), or why there is none."""
    if edition is not None and edition.date is not None:
        return edition.date
    match = EDITION_DATE_PATTERN.search(path.stem)
    if not match:
        return "no date: name the file YYYY-MM-DD.toml or set `date = 2024-11-22` in it"
    try:
        return parse_iso_date(match.group(1))
    except ValueError as error:
        return (
            f"{error} (the date comes from the file name); rename the file, "
            "or set date = YYYY-MM-DD in it"
        )


def _identity_problems(
    path: Path, data: dict[str, Any], edition: EditionFile | None
) -> list[Problem]:
    """An identity that cannot name files, or that says another day than the edition's date.

    The identity (`id =`, else the file's stem) names the edition's folder in out/, its archive
    page, its rows in the send journal and its Message-IDs; a file named for one day holding
    another day's `date =` would be filed under the wrong day, beside that day's own edition.
    """
    problems = []
    given = data.get("id")
    if given is None and not re.fullmatch(EDITION_ID_PATTERN, path.stem):
        suggested = NOT_IN_AN_ID.sub("-", path.stem).strip("-.") or "edition"
        problems.append(
            Problem(
                str(path),
                "",
                f"the file name {path.name!r} cannot name the edition (its out/ folder, archive "
                "page and send journal use it): only letters, digits, '.', '_' and '-'; "
                f'rename the file or set id = "{suggested}" in it',
            )
        )
    if edition is None:
        return problems
    if edition.id is not None and edition.id != path.stem:
        sibling = path.with_name(f"{edition.id}.toml")
        if sibling.exists():
            problems.append(
                Problem(
                    str(path),
                    "id",
                    f"id = {edition.id!r} is the name of another edition, {sibling.name}: the "
                    "two would share one journal, out/ folder and archive page; choose another id",
                )
            )
    if edition.date is not None:
        for where, name in (("file name", path.stem), ("id", edition.id)):
            named = _named_date(name)
            if named is not None and named != edition.date:
                problems.append(
                    Problem(
                        str(path),
                        "date",
                        f"date = {edition.date.isoformat()} but the {where} {name!r} says "
                        f"{named.isoformat()}: rename the file (or change its id) or correct "
                        "the date, so the edition is not filed under another day",
                    )
                )
    return problems


def _named_date(name: str | None) -> dt.date | None:
    """The valid date a file name or id holds, if any."""
    match = EDITION_DATE_PATTERN.search(name or "")
    if match is None:
        return None
    try:
        return parse_iso_date(match.group(1))
    except ValueError:
        return None


def _source_problems(data: dict[str, Any], path: Path, roots: list[Path] | None) -> list[Problem]:
    """Source files that don't exist or lie outside the publication, checked on the raw data
    so they are reported even when other keys of the same edition are invalid.

    `roots` are the folders sources may come from (None: the publication is unknown)."""
    problems = []
    for table in ("articles", "ticker"):
        entries = data.get(table)
        if not isinstance(entries, list):
            continue
        for number, entry in enumerate(entries, 1):
            source = entry.get("source") if isinstance(entry, dict) else None
            if not isinstance(source, str) or "\0" in source:
                continue
            key = f"{table}[{number}].source"
            target = (path.parent / source).resolve()  # symlinks followed before the check
            if roots is not None and not inside(target, roots):
                problems.append(Problem(str(path), key, _outside(source, target, roots[0])))
            elif target.is_dir():
                problems.append(Problem(str(path), key, f"{source} is a folder, not a file"))
            elif not target.is_file():
                problems.append(Problem(str(path), key, f"file not found: {source}"))
    return problems


def _outside(source: str, target: Path, root: Path) -> str:
    # Name the resolved target only when it says something the source does not.
    subject = f"{source} is" if Path(source) == target else f"{source} is {target},"
    return (
        f"{subject} outside the publication folder {root}; local sources must "
        "stay inside it. Move the file into the publication, or, if that folder belongs to "
        f'it, list it in digest.toml: [sources] allow_paths = ["{target.parent}"]'
    )


def refuse_publication_file(path: Path, publication_path: Path | None = None) -> None:
    """Raise ConfigError when `path` is digest.toml, given where an edition file belongs:
    "this is the publication file; pass an edition file such as editions/…"."""
    path = path.resolve()
    if path.name != PUBLICATION_FILE and path != publication_path:
        return
    editions = sorted((path.parent / "editions").glob("*.toml"))
    example = f"editions/{editions[-1].name}" if editions else "editions/YYYY-MM-DD.toml"
    message = (
        f"this is the publication file ({PUBLICATION_FILE}); pass an edition file such as {example}"
    )
    raise ConfigError([Problem(str(path), "", message)])


def load_edition(edition_path: Path, publication_path: Path | None = None) -> LoadedEdition:
    """Read an edition and its publication; raise ConfigError listing every problem."""
    edition_path = edition_path.resolve()
    problems: list[Problem] = []
    if publication_path is None:
        publication_path = find_publication(edition_path.parent)
    refuse_publication_file(edition_path, publication_path)
    publication: Publication | None = None
    if publication_path is None:
        problems.append(
            Problem(
                str(edition_path),
                "",
                f"no {PUBLICATION_FILE} found in its folder or any parent "
                "(run `digest init DIR` to create a publication)",
            )
        )
    else:
        try:
            publication = load_publication(publication_path)
        except ConfigError as error:
            problems.extend(error.problems)

    edition: EditionFile | None = None
    data = _read_toml(edition_path, problems)
    if data is not None:
        try:
            edition = EditionFile.model_validate(data)
        except ValidationError as error:
            problems.extend(_problems_from(error, edition_path, EditionFile))
        roots = None
        if publication is not None and publication_path is not None:
            roots = publication.sources.roots(publication_path.parent)
        problems.extend(_source_problems(data, edition_path, roots))
        problems.extend(_identity_problems(edition_path, data, edition))
    if edition is not None and not edition.articles and not edition.ticker:
        problems.append(
            Problem(str(edition_path), "articles", "the edition selects no articles or ticker")
        )
    edition_date = _edition_date(edition_path, edition)
    dated_by_key = isinstance(data, dict) and "date" in data
    if data is not None and isinstance(edition_date, str) and not dated_by_key:
        problems.append(Problem(str(edition_path), "", edition_date))
    if problems:
        raise ConfigError(problems)
    assert publication is not None and edition is not None and isinstance(edition_date, dt.date)
    assert publication_path is not None
    return LoadedEdition(
        publication=publication,
        edition=edition,
        date=edition_date,
        edition_path=edition_path,
        root=publication_path.parent.resolve(),
    )
