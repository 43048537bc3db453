"""Refresh the caniemail data that `digest check` reads mail-client support from.

    python benchmarks/refresh_caniemail.py            # the version pinned in SOURCE.toml
    python benchmarks/refresh_caniemail.py --version 2.1.0

caniemail.com's data (MIT, Rémi Parmentier) is shipped on npm inside the maintained
`caniemail` package (MIT, Avi Goldman and Andrew Powell) as data/caniemail.json. This script
asks npm for the package tarball, checks it against the registry's sha512 integrity, and
copies the data file byte for byte into digest/mail/caniemail/ with SOURCE.toml (version,
integrity, the data's own update date) and major-clients.json, the part `digest check`
reads (the major clients' latest support, made by `client_data.major_clients_data`).
LICENSE.txt there carries both MIT notices; check it still holds when the version changes.
Nothing is fetched at run time: the copy in the repository is what every build uses, so a
build never depends on a floating version.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

from digest.mail.client_data import major_clients_data

FOLDER = Path(__file__).resolve().parent.parent / "digest" / "mail" / "caniemail"
PACKAGE = "caniemail"
DATA_MEMBER = "package/data/caniemail.json"
# Generous for one tarball of well under a megabyte over a slow link.
NPM_SECONDS = 120


def _npm(*arguments: str, cwd: Path | None = None) -> str:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed: apt-get install npm")
    done = subprocess.run(
        [npm, *arguments], cwd=cwd, capture_output=True, text=True, timeout=NPM_SECONDS
    )
    if done.returncode != 0:
        sys.exit(f"npm {' '.join(arguments)} failed:\n{done.stderr.strip()}")
    return done.stdout.strip()


def _pinned() -> str:
    source = FOLDER / "SOURCE.toml"
    if not source.exists():
        sys.exit("no SOURCE.toml yet: name the version with --version")
    with source.open("rb") as handle:
        return str(tomllib.load(handle)["version"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", help="the npm version of caniemail to copy")
    version = parser.parse_args().version or _pinned()
    spec = f"{PACKAGE}@{version}"
    integrity = _npm("view", spec, "dist.integrity")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        name = json.loads(_npm("pack", spec, "--json", cwd=folder))[0]["filename"]
        tarball = (folder / name).read_bytes()
        algorithm, _, expected = integrity.partition("-")
        actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
        if actual != expected:
            sys.exit(f"{spec}: the tarball does not match the registry's {algorithm} integrity")
        with tarfile.open(folder / name) as archive:
            member = archive.extractfile(DATA_MEMBER)
            if member is None:
                sys.exit(f"{spec} has no {DATA_MEMBER}")
            data = member.read()
    updated = json.loads(data)["last_update_date"]
    FOLDER.mkdir(parents=True, exist_ok=True)
    (FOLDER / "caniemail.json").write_bytes(data)
    major = major_clients_data(json.loads(data))
    (FOLDER / "major-clients.json").write_text(
        json.dumps(major, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    (FOLDER / "SOURCE.toml").write_text(
        "# Written by benchmarks/refresh_caniemail.py: where caniemail.json comes from.\n"
        f'package = "{PACKAGE}"\nversion = "{version}"\nintegrity = "{integrity}"\n'
        f'data_updated = "{updated}"\n',
        encoding="utf-8",
    )
    print(f"{spec}: caniemail.json ({len(data):,} bytes, data of {updated}) in {FOLDER}")


if __name__ == "__main__":
    main()
