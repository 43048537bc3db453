"""Debian's Postfix as a private relay on 127.0.0.1, for a test: nothing outside a temp folder.

Its own main.cf, master.cf, queue and data folders in a temporary folder, listening on a
non-privileged loopback port, relaying everything from 127.0.0.0/8 to one next hop (e.g.
smtp-sink); `postfix -c FOLDER stop` and the folder's removal leave the system as it was.
Starting Postfix needs root (it drops to the `postfix` user itself).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
POSTQUEUE = shutil.which("postqueue") or "/usr/sbin/postqueue"
MAIL_OWNER = "postfix"
COMMAND_TIMEOUT = 60
# The services a relay needs, none chrooted (a chroot would need copies of /etc files).
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n -  0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -  - trivial-rewrite
bounce     unix  - - n -  0 bounce
defer      unix  - - n -  0 bounce
trace      unix  - - n -  0 bounce
verify     unix  - - n -  1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -  - proxymap
proxywrite unix  - - n -  1 proxymap
smtp       unix  - - n -  - smtp
relay      unix  - - n -  - smtp
showq      unix  n - n -  - showq
error      unix  - - n -  - error
retry      unix  - - n -  - error
discard    unix  - - n -  - discard
anvil      unix  - - n -  1 anvil
scache     unix  - - n -  1 scache
postlog    unix-dgram n - n - 1 postlogd
"""
MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {folder}/spool
data_directory = {folder}/data
maillog_file = /dev/stdout
mail_owner = {owner}
myhostname = relay.digest.test
mydomain = digest.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:{next_hop}
smtp_dns_support_level = disabled
smtp_host_lookup = native
alias_maps =
alias_database =
local_recipient_maps =
smtpd_tls_security_level = none
smtp_tls_security_level = none
default_process_limit = 20
smtp_destination_concurrency_limit = 20
"""


# Give up on a temporary failure at once, as a real queue would after its lifetime (days):
# a 4xx from the next hop then bounces in seconds.
BOUNCE_AT_ONCE = "maximal_queue_lifetime = 0\nbounce_queue_lifetime = 0\n"


def available() -> str | None:
    """Why a private Postfix cannot run here (None when it can)."""
    if not os.path.exists(POSTFIX):
        return "Postfix (Debian package postfix) is not installed"
    if os.geteuid() != 0:
        return "starting Postfix needs root"
    try:
        pwd.getpwnam(MAIL_OWNER)
    except KeyError:
        return f"the {MAIL_OWNER} user does not exist"
    return None


@dataclass
class Relay:
    """A running private Postfix: its port and its configuration folder."""

    port: int
    folder: Path

    def queue_is_empty(self) -> bool:
        """True when Postfix holds no message (all relayed to the next hop)."""
        spool = self.folder / "spool"
        return not any(
            path.is_file()
            for queue in ("incoming", "active", "deferred", "maildrop")
            for path in (spool / queue).rglob("*")
        )

    def log(self) -> str:
        """Postfix's log so far."""
        path = self.folder / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""


def _postfix(folder: Path, *command: str) -> None:
    """Run a postfix command; it and the daemons it starts log to FOLDER/maillog."""
    # Logging to a file needs the postlogd daemon, which is not running before `start`;
    # /dev/stdout needs nothing, and the daemons inherit this file as their stdout.
    with (folder / "maillog").open("ab") as log:
        result = subprocess.run(
            [POSTFIX, "-c", str(folder), *command],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    if result.returncode != 0:
        tail = (folder / "maillog").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"postfix {' '.join(command)} failed:\n{tail}")


def _wait_for_master_to_exit(folder: Path) -> None:
    """`postfix stop` returns at once; its master removes its pid file when it is gone."""
    pid_file = folder / "spool" / "pid" / "master.pid"
    deadline = time.monotonic() + COMMAND_TIMEOUT
    while pid_file.exists() and time.monotonic() < deadline:
        try:
            os.kill(int(pid_file.read_text().split()[0]), 0)
        except (ProcessLookupError, ValueError, IndexError, OSError):
            return
        time.sleep(0.1)


@contextmanager
def postfix_relay(port: int, next_hop: int, extra: str = "") -> Iterator[Relay]:
    """Run a private Postfix on 127.0.0.1:port relaying to 127.0.0.1:next_hop.

    `extra` is appended to main.cf (e.g. queue lifetimes of 0, so a refusal bounces at once).
    """
    folder = Path(tempfile.mkdtemp(prefix="digest-postfix-"))
    folder.chmod(0o755)  # the postfix user must reach its queue inside
    owner = pwd.getpwnam(MAIL_OWNER)
    for name in ("spool", "data"):
        (folder / name).mkdir()
    os.chown(folder / "data", owner.pw_uid, owner.pw_gid)
    (folder / "main.cf").write_text(
        MAIN_CF.format(folder=folder, owner=MAIL_OWNER, next_hop=next_hop) + extra
    )
    (folder / "master.cf").write_text(MASTER_CF.format(port=port))
    started = False
    try:
        _postfix(folder, "check")  # creates the queue folders with their owners and modes
        _postfix(folder, "start")
        started = True
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield Relay(port, folder)
    finally:
        if started:
            _postfix(folder, "stop")
            _wait_for_master_to_exit(folder)
        shutil.rmtree(folder, ignore_errors=True)
