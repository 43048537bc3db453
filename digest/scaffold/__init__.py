"""`digest init`: a new publication folder with commented starting files.

Owns: the starter files (package data in `starter_files/`) and writing them, never over a file.
May import: the spine (`errors`, `atomic`, `config`).
"""

from __future__ import annotations

import textwrap
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path

from digest.atomic import write_atomic
from digest.config.placeholders import (
    PLACEHOLDER_FROM_ADDRESS,
    PLACEHOLDER_POSTAL_ADDRESS,
    PLACEHOLDER_UNSUBSCRIBE_URL,
)
from digest.errors import DigestError, ExitCode, OutputError, describe_os_error
from digest.scaffold.theme_outline import MAIN_TEMPLATE, ThemeOutline, outline

# The scaffold's file contents live as package data. Their {{markers}} are filled in here;
# single-brace {date} and {token} are digest's own placeholders and stay as written.
SCAFFOLD_PACKAGE = "digest.scaffold.starter_files"
THEME_PACKAGE = "digest.templates"
DEFAULT_THEME = "briefing"  # the theme `digest init` starts with (see mail.render)
README_WIDTH = 92
TEMPLATE_FILES = {
    "digest.toml": "digest.toml.txt",
    "editions/{today}.toml": "edition.toml.txt",
    "articles/example-tram-line.md": "example-tram-line.md.txt",
    "articles/example-library-hours.md": "example-library-hours.md.txt",
    "templates/README.md": "templates-readme.md.txt",
}
# Keeps .digest/ (readers' addresses) out of version control; added to a .gitignore already
# there rather than refusing the folder.
GITIGNORE = ".gitignore"
GITIGNORE_SOURCE = "gitignore.txt"
PRIVATE_FOLDER_LINE = ".digest/"


def default_theme_folder(theme: str = DEFAULT_THEME) -> Path:
    """Where an installed theme is (the default one unless named), to point editors at it."""
    with as_file(files(THEME_PACKAGE) / theme) as folder:
        return Path(folder)


def theme_markers(theme: ThemeOutline) -> dict[str, str]:
    """The templates README's markers, from what the theme's files really hold."""
    main = theme.main
    defined = main.blocks if main is not None else ()
    listed = [
        f"- `{t.name}`: "
        + ("The whole email; extend it to replace a block." if t is main else t.about or "")
        for t in theme.templates
    ]
    others = sorted((t.name for t in theme.templates if t is not main), key=lambda n: "/" not in n)
    if defined:
        names = ", ".join(f"`{name}`" for name in defined)
        blocks = textwrap.fill(f"The blocks of `{MAIN_TEMPLATE}`, in order: {names}.", README_WIDTH)
    else:
        blocks = f"`{MAIN_TEMPLATE}` of this theme defines no blocks: override whole files."
    return {
        "theme_name": theme.name,
        "theme": str(theme.folder),
        "templates": "\n".join(listed),
        "example_template": others[0] if others else MAIN_TEMPLATE,
        "main_template": MAIN_TEMPLATE,
        "example_block": "footer" if "footer" in defined or not defined else defined[-1],
        "blocks": blocks,
    }


def _fill(text: str, markers: dict[str, str]) -> str:
    for marker, value in markers.items():
        text = text.replace("{{" + marker + "}}", value)
    return text


def scaffold(
    folder: Path, *, name: str, today: date | None = None, theme: str = DEFAULT_THEME
) -> list[Path]:
    """Create the publication files; refuse (writing nothing) if any already exists.

    templates/README.md describes `theme` as its files are now: templates and blocks.
    """
    if any(ch in name for ch in '\r\n\0"\\'):
        raise DigestError("the publication name must be one line without quotes or backslashes")
    day = (today or date.today()).isoformat()
    markers = {
        "name": name,
        "today": day,
        "from_address": PLACEHOLDER_FROM_ADDRESS,
        "postal_address": PLACEHOLDER_POSTAL_ADDRESS,
        "unsubscribe_url": PLACEHOLDER_UNSUBSCRIBE_URL,
        **theme_markers(outline(theme, default_theme_folder(theme))),
    }
    targets = {
        folder / relative.format(today=day): source for relative, source in TEMPLATE_FILES.items()
    }
    existing = [path for path in targets if path.exists()]
    if existing:
        listed = "\n".join(f"  - {path}" for path in existing)
        raise DigestError(
            f"refusing to overwrite existing files:\n{listed}\n"
            "Choose an empty folder, or move these files away first.",
            exit_code=ExitCode.CONFIG,
        )
    created = []
    for path, source in targets.items():
        text = _fill((files(SCAFFOLD_PACKAGE) / source).read_text(encoding="utf-8"), markers)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(describe_os_error(error, "cannot create")) from None
        try:
            write_atomic(path, text.encode("utf-8"), private=False, exclusive=True)
        except FileExistsError:
            raise DigestError(f"refusing to overwrite {path}, created meanwhile") from None
        except OSError as error:
            raise OutputError(describe_os_error(error, "cannot create")) from None
        created.append(path)
    ignore = _gitignore(folder)
    return created + ([ignore] if ignore else [])


def _gitignore(folder: Path) -> Path | None:
    """Write (or add to) the folder's .gitignore so .digest/ is never committed."""
    path = folder / GITIGNORE
    ours = (files(SCAFFOLD_PACKAGE) / GITIGNORE_SOURCE).read_text(encoding="utf-8")
    try:
        theirs = path.read_text(encoding="utf-8") if path.exists() else ""
        if PRIVATE_FOLDER_LINE in theirs.split():
            return None
        joined = theirs + ("\n" if theirs and not theirs.endswith("\n") else "") + ours
        write_atomic(path, joined.encode("utf-8"), private=False)
    except (OSError, UnicodeDecodeError) as error:
        reason = describe_os_error(error, "cannot write") if isinstance(error, OSError) else error
        raise OutputError(f"{reason}; add the line {PRIVATE_FOLDER_LINE} to it yourself") from None
    return path
