"""SMTP against a fault-injecting aiosmtpd on 127.0.0.1; command and files transports."""

from __future__ import annotations

import mailbox
import re
import ssl
import stat
import sys
import time
from pathlib import Path

import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.config import Delivery
from digest.delivery.transports import (
    ConnectionLost,
    FatalTransportError,
    OutcomeUnknown,
    PermanentFailure,
    TemporaryFailure,
    create_transport,
    get_factory,
)
from digest.delivery.transports.command import CommandTransport
from digest.delivery.transports.files import FilesTransport
from digest.delivery.transports.smtp import SmtpSettings, SmtpTransport, is_loopback
from digest.delivery.transports.smtp_client import data_body
from digest.errors import DigestError
from tests.scripted_smtp import PHASES, scripted_server
from tests.smtp_server import PASSWORD, USERNAME, FaultHandler, smtp_server

# A reply that must come within the timeout may take this much longer on a busy machine.
DEADLINE_SLACK = 1.5
MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello\r\n.dot line\r\n"
SENDER = "desk@example.org"
TIMEOUT = 5.0
TO = "b@x.org"


def _noop() -> None:
    pass


def plain(port: int, **extra: object) -> SmtpTransport:
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=TIMEOUT)
    for key, value in extra.items():
        object.__setattr__(settings, key, value)
    return SmtpTransport(settings)


def test_one_connection_reused_and_reconnect_every() -> None:
    with smtp_server() as server:
        transport = plain(server.port, reconnect_every=3)
        calls: list[str] = []
        for n in range(7):
            transport.send(SENDER, f"r{n}@example.org", MESSAGE, lambda: calls.append("data"))
        transport.close()
        assert len(server.handler.received) == 7
        assert calls == ["data"] * 7
        assert server.handler.connections == 3  # 3 + 3 + 1
        # dot-stuffing survived the round trip
        assert b"\r\n.dot line\r\n" in server.handler.received[0][1]


def test_550_is_permanent_with_the_servers_words_and_connection_survives() -> None:
    handler = FaultHandler(reject={"gone@example.org"})
    with smtp_server(handler) as server:
        transport = plain(server.port)
        marked: list[str] = []
        with pytest.raises(PermanentFailure) as caught:
            transport.send(SENDER, "gone@example.org", MESSAGE, lambda: marked.append("x"))
        assert "550" in caught.value.message and "no such user" in caught.value.message
        assert marked == []  # never reached DATA
        transport.send(SENDER, "ok@example.org", MESSAGE, _noop)
        transport.close()
        assert handler.connections == 1
        assert [rcpt for rcpt, _ in handler.received] == ["ok@example.org"]


def test_451_is_temporary_then_succeeds() -> None:
    handler = FaultHandler(defer_times={"grey@example.org": 1})
    with smtp_server(handler) as server:
        transport = plain(server.port)
        with pytest.raises(TemporaryFailure) as caught:
            transport.send(SENDER, "grey@example.org", MESSAGE, _noop)
        assert caught.value.code == 451
        transport.send(SENDER, "grey@example.org", MESSAGE, _noop)
        transport.close()
        assert handler.count("grey@example.org") == 1


def test_421_and_disconnect_then_reconnect() -> None:
    handler = FaultHandler(close_421={"busy@example.org": 1})
    with smtp_server(handler) as server:
        transport = plain(server.port)
        with pytest.raises(ConnectionLost) as caught:
            transport.send(SENDER, "busy@example.org", MESSAGE, _noop)
        assert not caught.value.after_data
        transport.send(SENDER, "busy@example.org", MESSAGE, _noop)  # reconnects by itself
        transport.close()
        assert handler.connections == 2
        assert handler.count("busy@example.org") == 1


@pytest.mark.parametrize("fault", ["drop", "hang", "421"])
def test_a_lost_confirmation_after_the_final_dot_is_unknown(fault: str) -> None:
    handler = FaultHandler(after_dot=fault, hang=3.0)
    with smtp_server(handler) as server:
        transport = plain(server.port, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown) as caught:
            transport.send(SENDER, "lost@example.org", MESSAGE, _noop)
        assert caught.value.after_data
        assert time.monotonic() - started < 0.5 + DEADLINE_SLACK
        assert handler.count("lost@example.org") == 1  # it did arrive
        transport.close()


def test_the_final_dot_waits_for_the_journal_and_an_abandoned_message_is_not_delivered() -> None:
    with smtp_server() as server:
        transport = plain(server.port)

        def journal_says_no() -> None:
            raise KeyboardInterrupt  # e.g. Ctrl-C while the claim was being committed

        with pytest.raises(KeyboardInterrupt):
            transport.send(SENDER, "a@example.org", MESSAGE, journal_says_no)
        transport.send(SENDER, "b@example.org", MESSAGE, _noop)  # reconnects
        transport.close()
        time.sleep(0.2)
        assert [rcpt for rcpt, _ in server.handler.received] == ["b@example.org"]


def test_pipelining_is_used_when_offered_and_works_without() -> None:
    for offered in (True, False):
        handler = FaultHandler(pipelining=offered, reject={"gone@example.org"})
        with smtp_server(handler) as server:
            transport = plain(server.port)
            transport.send(SENDER, "a@example.org", MESSAGE, _noop)
            assert transport.pipelining is offered
            with pytest.raises(PermanentFailure, match="550"):
                transport.send(SENDER, "gone@example.org", MESSAGE, _noop)
            transport.send(SENDER, "b@example.org", MESSAGE, _noop)  # same connection
            transport.close()
            assert handler.connections == 1
            assert sorted(handler.copies()) == ["a@example.org", "b@example.org"]


@pytest.mark.parametrize("mode", ["stall", "trickle"])
@pytest.mark.parametrize("phase", PHASES)
def test_every_reply_has_a_deadline(phase: str, mode: str) -> None:
    """A server that stalls or trickles one byte at a time never holds a send past timeout."""
    timeout = 0.6
    with scripted_server(phase, mode) as (port, script):
        transport = plain(port, timeout=timeout)
        started = time.monotonic()
        with pytest.raises(ConnectionLost) as caught:
            transport.send(SENDER, "a@example.org", MESSAGE, _noop)
        elapsed = time.monotonic() - started
        transport.close()
    assert elapsed < timeout + DEADLINE_SLACK, f"{phase}/{mode} took {elapsed:.1f} s"
    assert caught.value.after_data is (phase == "dot")
    assert script.received == (1 if phase == "dot" else 0)


def test_connection_refused_is_connection_lost() -> None:
    from tests.smtp_server import free_port

    transport = plain(free_port())
    with pytest.raises(ConnectionLost):
        transport.send(SENDER, "a@example.org", MESSAGE, _noop)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def _client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_starttls_with_trusted_certificate_and_login(ca: trustme.CA) -> None:
    with smtp_server(tls_context=_server_tls(ca), auth=True) as server:
        transport = SmtpTransport(
            SmtpSettings(
                host="127.0.0.1",
                port=server.port,
                security="starttls",
                username=USERNAME,
                password=PASSWORD,
                timeout=TIMEOUT,
                ssl_context=_client_tls(ca),
            )
        )
        transport.send(SENDER, "a@example.org", MESSAGE, _noop)
        transport.close()
        assert server.handler.count("a@example.org") == 1


def test_starttls_refuses_untrusted_certificate(ca: trustme.CA) -> None:
    other = trustme.CA()
    with smtp_server(tls_context=_server_tls(ca)) as server:
        transport = SmtpTransport(
            SmtpSettings(
                host="127.0.0.1",
                port=server.port,
                security="starttls",
                timeout=TIMEOUT,
                ssl_context=_client_tls(other),
            )
        )
        marked: list[str] = []
        with pytest.raises(FatalTransportError) as caught:
            transport.send(SENDER, "a@example.org", MESSAGE, lambda: marked.append("x"))
        assert "not trusted" in caught.value.message
        assert marked == [] and server.handler.received == []


def test_authentication_failure_is_fatal_and_never_shows_the_password(
    ca: trustme.CA, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-password-do-not-print"
    with smtp_server(tls_context=_server_tls(ca), auth=True) as server:
        transport = SmtpTransport(
            SmtpSettings(
                host="127.0.0.1",
                port=server.port,
                security="starttls",
                username=USERNAME,
                password=wrong,
                timeout=TIMEOUT,
                ssl_context=_client_tls(ca),
            )
        )
        with pytest.raises(FatalTransportError) as caught:
            transport.send(SENDER, "a@example.org", MESSAGE, _noop)
        assert "refused the login" in str(caught.value)
        assert wrong not in str(caught.value) and wrong not in repr(caught.value)
        assert wrong not in repr(transport.settings) and wrong not in caplog.text
        assert server.handler.received == []


def test_security_none_only_towards_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("mail.example.org") and not is_loopback("10.0.0.1")
    with pytest.raises(DigestError, match="only allowed"):
        SmtpTransport(SmtpSettings(host="mail.example.org", port=25, security="none"))


def test_registry_builds_transports_from_delivery(tmp_path: Path) -> None:
    delivery = Delivery(transport="files", output="outbox")
    transport = create_transport("files", delivery, tmp_path, {})
    assert isinstance(transport, FilesTransport)
    assert transport.output == tmp_path / "outbox"
    smtp = create_transport(
        "smtp",
        Delivery(host="127.0.0.1", security="none", username="u", password_env="PW"),
        tmp_path,
        {"PW": "pw-value"},
    )
    assert isinstance(smtp, SmtpTransport) and smtp.settings.password == "pw-value"
    with pytest.raises(DigestError, match="unknown transport"):
        get_factory("carrier-pigeon")


# --- command --------------------------------------------------------------------------------


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_command_exit_0_sends_message_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.eml"
    script = _script(
        tmp_path,
        "ok.py",
        "import sys, pathlib\n"
        f"pathlib.Path({str(out)!r}).write_bytes(sys.stdin.buffer.read())\n"
        "assert sys.argv[1:] == ['--', 'b@example.org']\n",
    )
    transport = CommandTransport([str(script), "--", "{to}"], TIMEOUT, tmp_path, {})
    marked: list[str] = []
    transport.send(SENDER, "b@example.org", MESSAGE, lambda: marked.append("x"))
    assert out.read_bytes() == MESSAGE and marked == ["x"]


def test_command_exit_75_is_temporary(tmp_path: Path) -> None:
    script = _script(tmp_path, "later.py", "import sys\nsys.stdin.read()\nsys.exit(75)\n")
    with pytest.raises(TemporaryFailure):
        CommandTransport([str(script)], TIMEOUT, tmp_path, {}).send(
            SENDER, "b@x.org", MESSAGE, _noop
        )


def test_command_exit_1_is_permanent_with_stderr(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "fail.py",
        "import sys\nsys.stdin.read()\nsys.stderr.write('mailbox full')\nsys.exit(1)\n",
    )
    with pytest.raises(PermanentFailure, match="mailbox full"):
        CommandTransport([str(script)], TIMEOUT, tmp_path, {}).send(
            SENDER, "b@x.org", MESSAGE, _noop
        )


def test_command_that_hangs_is_stopped_and_its_outcome_is_unknown(tmp_path: Path) -> None:
    # The script starts a child that keeps the pipes open: the whole group must be killed.
    script = _script(
        tmp_path,
        "hang.py",
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "time.sleep(60)\n",
    )
    with pytest.raises(OutcomeUnknown, match="did not finish"):  # it may have passed it on
        CommandTransport([str(script)], 0.5, tmp_path, {}).send(SENDER, TO, MESSAGE, _noop)


def test_command_refuses_option_like_addresses(tmp_path: Path) -> None:
    transport = CommandTransport(["/bin/true", "{to}"], TIMEOUT, tmp_path, {})
    with pytest.raises(PermanentFailure):
        transport.send(SENDER, "-oQ/tmp/x@example.org", MESSAGE, _noop)


# --- files ----------------------------------------------------------------------------------


def test_files_writes_eml_per_recipient(tmp_path: Path) -> None:
    transport = FilesTransport(tmp_path / "out")
    transport.open()
    transport.send(SENDER, "a@example.org", MESSAGE, _noop)
    transport.send(SENDER, "../../etc/passwd@example.org", MESSAGE, _noop)
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(files) == 2 and all(name.endswith(".eml") and "/" not in name for name in files)
    assert (tmp_path / "out" / files[0]).read_bytes() == MESSAGE


def test_files_appends_to_mbox(tmp_path: Path) -> None:
    transport = FilesTransport(tmp_path / "review.mbox")
    transport.open()
    for n in range(3):
        transport.send(SENDER, f"r{n}@example.org", MESSAGE, _noop)
    box = mailbox.mbox(tmp_path / "review.mbox")
    assert len(box) == 3 and all(m["Subject"] == "hi" for m in box)


def test_command_sees_a_minimal_environment_and_its_stderr_is_scrubbed(tmp_path: Path) -> None:
    seen = tmp_path / "env.txt"
    script = _script(
        tmp_path,
        "env.py",
        "import os, sys\nsys.stdin.read()\n"
        f"open({str(seen)!r}, 'w').write(' '.join(sorted(os.environ)))\n"
        "sys.stderr.write('x' * 100000 + ' login failed for pw=' + "
        "os.environ.get('DIGEST_SMTP_PASSWORD', 'hunter2-secret'))\n"
        "sys.exit(1)\n",
    )
    environ = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/root",
        "DIGEST_SMTP_PASSWORD": "hunter2-secret",
        "DIGEST_UNSUBSCRIBE_SECRET": "unsubscribe-secret-0123456789",
        "MSMTP_ACCOUNT": "news",
    }
    delivery = Delivery(
        transport="command", command=[str(script)], username="u", command_env=["MSMTP_ACCOUNT"]
    )
    transport = create_transport("command", delivery, tmp_path, environ)
    with pytest.raises(PermanentFailure) as caught:
        transport.send(SENDER, TO, MESSAGE, _noop)
    names = seen.read_text().split()
    assert "DIGEST_SMTP_PASSWORD" not in names and "DIGEST_UNSUBSCRIBE_SECRET" not in names
    assert "HOME" not in names
    assert {"PATH", "LANG", "MSMTP_ACCOUNT", "DIGEST_RECIPIENT", "DIGEST_SENDER"} <= set(names)
    assert "hunter2-secret" not in caught.value.message
    assert caught.value.message.endswith("pw=[secret]")
    assert len(caught.value.message) < 400  # cut to the end of stderr


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b".", b"..", b"a", b"\r\n", b"\n", b"\r", b" "]), max_size=30))
def test_data_body_has_crlf_lines_and_doubled_leading_dots(pieces: list[bytes]) -> None:
    message = b"".join(pieces)
    expected = re.sub(rb"\r\n|\r|\n", b"\r\n", message)
    expected = re.sub(
        rb"(?m)^\.", b"..", expected if expected.endswith(b"\r\n") else expected + b"\r\n"
    )
    assert data_body(message) == expected
