"""`digest serve`: the readers' server (and `serve-unsubscribe`, its old name)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import app, run_reported

SERVE_HELP = "\n\n".join(
    (
        "Run the readers' server for a publication: unsubscribe links (RFC 8058 one-click), "
        "sign-up with double opt-in, the preference page and click links. Ctrl-C stops it.",
        "A GET never changes anything (link scanners follow links): unsubscribing, confirming "
        "a sign-up and every preference take a POST from the page's button, or the one-click "
        "POST of a mail client. Tokens are opaque and checked with the secret in "
        "DIGEST_UNSUBSCRIBE_SECRET (the variable named by \\[unsubscribe] secret_env): it must "
        "be the one `digest send` used.",
        "Point \\[unsubscribe] url (e.g. https://example.org/r/u/{token}) and \\[readers] url "
        "(https://example.org/r/) at the public address of this server, through a reverse "
        "proxy that terminates TLS, and give the proxy's address with --trusted-proxy so rate "
        "limits and click counts see each reader's own address. Confirmation messages go "
        "through \\[delivery] transport. For gunicorn or uvicorn, see README.md.",
    )
)

DirOption = Annotated[
    Path,
    typer.Option(
        "--dir", help="The publication folder (where digest.toml is, or a folder inside it)."
    ),
]
HostOption = Annotated[
    str, typer.Option(help="Address to listen on. Behind a reverse proxy keep 127.0.0.1.")
]
PortOption = Annotated[
    int,
    typer.Option(
        min=0, max=65535, help="Port to listen on (not 8025, where test SMTP servers listen)."
    ),
]
ThreadsOption = Annotated[
    int, typer.Option(min=1, max=64, help="Worker threads (requests served at once).")
]
ProxyOption = Annotated[
    str | None,
    typer.Option(
        "--trusted-proxy",
        help="The reverse proxy's address (e.g. 127.0.0.1), whose X-Forwarded-For is believed.",
        show_default=False,
    ),
]


def serve_command(
    directory: DirOption = Path("."),
    host: HostOption = "127.0.0.1",
    port: PortOption = 8080,
    threads: ThreadsOption = 4,
    trusted_proxy: ProxyOption = None,
) -> None:
    """`digest serve` (its help is SERVE_HELP), also under its old name `serve-unsubscribe`."""
    from digest.subscribers.server import serve

    def ready(url: str) -> None:
        typer.echo(f"Readers' server listening on {url} (Ctrl-C to stop)")

    run_reported(
        lambda: serve(
            directory,
            host,
            port,
            threads=threads,
            trusted_proxy=trusted_proxy,
            environ=os.environ,
            ready=ready,
        )
    )
    typer.echo("Stopped.")


app.command("serve", help=SERVE_HELP)(serve_command)
app.command("serve-unsubscribe", help="The old name of `digest serve`; it does the same.")(
    serve_command
)
