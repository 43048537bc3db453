"""`digest init`: a new publication folder with commented starting files.

Owns: the starter files (package data in `starter_files/`) and writing them, never over a file.
May import: the spine (`errors`, `config`).
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path

from digest.atomic import write_atomic
from digest.errors import DigestError, ExitCode, OutputError, describe_os_error

# The scaffold's file contents live as package data; {name} and {date} are filled in.
SCAFFOLD_PACKAGE = "digest.scaffold.starter_files"
TEMPLATE_FILES = {
    "digest.toml": "digest.toml.txt",
    "editions/{date}.toml": "edition.toml.txt",
    "articles/welcome.md": "welcome.md.txt",
    "templates/README.md": "templates-readme.md.txt",
}


def scaffold(folder: Path, *, name: str, today: date | None = None) -> list[Path]:
    """Create the publication files; refuse (writing nothing) if any already exists."""
    if any(ch in name for ch in '\r\n\0"'):
        raise DigestError("the publication name must be one line without quotes")
    day = (today or date.today()).isoformat()
    targets = {
        folder / relative.format(date=day): source for relative, source in TEMPLATE_FILES.items()
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
        text = (files(SCAFFOLD_PACKAGE) / source).read_text(encoding="utf-8")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text.replace("{name}", name).replace("{date}", day).encode("utf-8")
            write_atomic(path, data, private=False, exclusive=True)  # never clobber a file
        except FileExistsError:
            raise DigestError(f"refusing to overwrite {path}, created meanwhile") from None
        except OSError as error:
            raise OutputError(describe_os_error(error, "cannot create")) from None
        created.append(path)
    return created
