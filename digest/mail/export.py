"""`digest theme export DIR [--theme NAME]`: a theme's templates copied out, to edit or study."""

from __future__ import annotations

from pathlib import Path

from digest.atomic import write_atomic
from digest.errors import DigestError, ExitCode
from digest.mail.render import DEFAULT_THEME, THEMES, theme_folder

TEMPLATE_SUFFIX = ".j2"


def theme_templates(theme: str = DEFAULT_THEME) -> list[Path]:
    """A theme's template files, relative to the theme folder."""
    root = theme_folder(theme)
    return sorted(path.relative_to(root) for path in root.rglob(f"*{TEMPLATE_SUFFIX}"))


def export_theme(folder: Path, *, force: bool = False, theme: str = DEFAULT_THEME) -> list[Path]:
    """Copy every template of `theme` into `folder`; never overwrite unless `force`.

    Copied into a publication's templates/ folder, each file replaces the theme's own of the
    same name; delete the ones you do not change so they keep following new versions.
    """
    if theme not in THEMES:
        raise DigestError(
            f"no theme {theme!r}; the themes are: {', '.join(THEMES)}", exit_code=ExitCode.CONFIG
        )
    source = theme_folder(theme)
    targets = [(source / name, folder / name) for name in theme_templates(theme)]
    existing = [target for _, target in targets if target.exists()]
    if existing and not force:
        listed = ", ".join(str(path) for path in existing)
        raise DigestError(
            f"not exporting: these files exist already (use --force to replace them): {listed}",
            exit_code=ExitCode.CONFIG,
        )
    try:
        for origin, target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, origin.read_bytes())
    except OSError as error:
        raise DigestError(f"cannot write the theme to {folder}: {error}") from None
    return [target for _, target in targets]
