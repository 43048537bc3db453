"""The built email judged by third-party tools: caniemail's data, node MJML's strict
validation, axe-core, html-validate and SpamAssassin.

The node tools come from benchmarks/node (`npm ci --prefix benchmarks/node`: exact versions
in its package-lock.json); each function says "n/a" when its tool is missing, and the tests
skip. Used by tests/test_email_judges.py and benchmarks/theme.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "benchmarks" / "node"
DESKTOP = 600
NOT_INSTALLED = "n/a"
# Features named in a figure; the count covers them all.
SHOWN_FEATURES = 4

# The clients the lint bar names: none unsupported here (less accepted enhancements)...
STRICT_CLIENTS = (
    "gmail.*",
    "apple-mail.*",
    "outlook.macos",
    "samsung-email.android",
)
# ...and here only the documented progressive enhancements.
ENHANCED_CLIENTS = ("outlook.windows", "yahoo.*")
# html-validate's recommended rules, less those that judge HTML written for browsers rather
# than for mail clients (each fires on every email MJML writes): inline styles (what clients
# keep), MSO conditional comments (Outlook's tables and VML), presentational attributes
# (cellpadding, bgcolor, `<a name>` targets), MJML's role="article" wrapper; and matters of
# taste: the doctype's case, a <title> (the subject) over 70 characters.
HTML_VALIDATE_CONFIG = {
    "extends": ["html-validate:recommended"],
    "rules": {
        "no-inline-style": "off",
        "no-conditional-comment": "off",
        "no-deprecated-attr": "off",
        "prefer-native-element": "off",
        "doctype-style": "off",
        "long-title": "off",
    },
}


def axe_violations(browser: Any, html: Path) -> str:
    """axe-core's serious and critical violations (WCAG 2 A/AA rules), or why not run."""
    script = NODE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        return NOT_INSTALLED
    page = browser.new_page(viewport={"width": DESKTOP, "height": 900})
    page.route("http*://**/*", lambda route: route.abort())
    page.goto(html.as_uri())
    page.add_script_tag(path=str(script))
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"
        ".then(r => r.violations.map(v => [v.id, v.impact, v.nodes.length]))"
    )
    page.close()
    severe = [
        f"{rule}x{count}" for rule, impact, count in result if impact in ("serious", "critical")
    ]
    return "0" if not severe else ", ".join(severe)


def node_tool(*args: str) -> subprocess.CompletedProcess[str] | None:
    """A judge from benchmarks/node/node_modules/.bin, or None when not installed."""
    tool = NODE / "node_modules" / ".bin" / args[0]
    if not tool.exists():
        return None
    return subprocess.run([str(tool), *args[1:]], capture_output=True, text=True, timeout=300)


def caniemail_figures(theme: str, html: Path) -> tuple[str, str]:
    """Unsupported features left after the theme's accepted exceptions, per client group."""
    if not (NODE / "node_modules" / "caniemail").exists() or not shutil.which("node"):
        return NOT_INSTALLED, "n/a"
    accepted_file = ROOT / "templates" / theme / "email-clients.toml"
    accepted = (
        tomllib.loads(accepted_file.read_text(encoding="utf-8")).get("accepted", [])
        if accepted_file.exists()
        else []
    )
    clients = [*STRICT_CLIENTS, *ENHANCED_CLIENTS]
    done = subprocess.run(
        ["node", str(NODE / "caniemail.mjs"), str(html), *clients],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    found: dict[str, dict[str, list[Any]]] = json.loads(done.stdout)

    def left(patterns: tuple[str, ...]) -> str:
        missing = sorted(
            f"{client}:{slug}"
            for client, features in found.items()
            if any(fnmatch(client, pattern) for pattern in patterns)
            for slug in features
            if not any(
                slug == entry["feature"] and any(fnmatch(client, c) for c in entry["clients"])
                for entry in accepted
            )
        )
        shown = ", ".join(missing[:SHOWN_FEATURES]) + (
            ", ..." if len(missing) > SHOWN_FEATURES else ""
        )
        return "0" if not missing else f"{len(missing)}: {shown}"

    return left(STRICT_CLIENTS), left(ENHANCED_CLIENTS)


def mjml_strict(mjml: Path) -> str:
    """node MJML's strict validation of the MJML the build wrote: errors, or 0."""
    done = node_tool("mjml", "--validate", str(mjml), "--config.validationLevel=strict")
    if done is None:
        return NOT_INSTALLED
    errors = [line for line in (done.stdout + done.stderr).splitlines() if "Line " in line]
    return "0" if done.returncode == 0 and not errors else f"{len(errors)}: {errors[:2]}"


def html_validate(html: Path, folder: Path) -> str:
    """html-validate's errors under the email-minded configuration above."""
    config = folder / "htmlvalidate.json"
    config.write_text(json.dumps(HTML_VALIDATE_CONFIG), encoding="utf-8")
    done = node_tool("html-validate", "--config", str(config), "--formatter", "json", str(html))
    if done is None:
        return NOT_INSTALLED
    results = json.loads(done.stdout or "[]")
    messages = [m for r in results for m in r["messages"] if m["severity"] == 2]
    rules = sorted({m["ruleId"] for m in messages})
    return "0" if not messages else f"{len(messages)}: {', '.join(rules)}"


def spamassassin(eml: Path) -> str:
    """SpamAssassin's score with local tests only (-L)."""
    if not shutil.which("spamassassin"):
        return NOT_INSTALLED
    done = subprocess.run(
        ["spamassassin", "-t", "-L"], input=eml.read_bytes(), capture_output=True, timeout=300
    )
    found = re.search(rb"Content analysis details:\s+\((-?\d+\.\d+) points", done.stdout)
    return found.group(1).decode() if found else "?"
