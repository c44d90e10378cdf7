"""Tests for audiodrv.engine.jackserver against real jackd processes (dummy backend)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from audiodrv.engine.jackserver import JackError, JackServer, server_reachable

MakeServer = Callable[..., JackServer]

REPO = Path(__file__).resolve().parents[2]


def _shm_files(name: str) -> list[Path]:
    shm = Path("/dev/shm")
    return [p for p in shm.iterdir() if name in p.name] if shm.is_dir() else []


def _registered(name: str) -> bool:
    """Whether jackd2's server registry (8 slots per machine) holds an entry for *name*."""
    registry = Path("/dev/shm/jack-shm-registry")
    entry = f"jack-{os.getuid()}:{name}:".encode()
    return registry.exists() and entry in registry.read_bytes()


@pytest.mark.jack
def test_start_and_stop(make_jack_server: MakeServer) -> None:
    server = make_jack_server(start=False)
    assert server.name.startswith(f"audiodrv-{os.getpid()}-")
    assert not server.running
    assert not server_reachable(server.name)

    server.start()
    assert server.running
    assert server_reachable(server.name)

    server.stop()
    assert not server.running
    assert server.wait(0) == 0  # SIGTERM is a clean exit for jackd
    assert not server_reachable(server.name)
    assert _shm_files(server.name) == []


@pytest.mark.jack
def test_context_manager_and_restart(make_jack_server: MakeServer) -> None:
    server = make_jack_server(start=False, period=128)
    with server:
        assert server_reachable(server.name)
    assert not server_reachable(server.name)
    # Same name again: how a test makes a device go away and come back.
    with server:
        assert server_reachable(server.name)
        assert "system:playback_1" in server.ports()


@pytest.mark.jack
def test_session_server_is_activated(jack_server: JackServer) -> None:
    assert jack_server.running
    assert (jack_server.rate, jack_server.period) == (48000, 256)
    assert os.environ["JACK_DEFAULT_SERVER"] == jack_server.name
    assert os.environ["JACK_NO_AUDIO_RESERVATION"] == "1"
    assert server_reachable()  # the default server is now ours


@pytest.mark.jack
def test_ports(jack_server: JackServer) -> None:
    ports = jack_server.ports()
    assert "system:playback_1" in ports
    assert "system:capture_1" in ports
    assert jack_server.ports("playback") == ["system:playback_1", "system:playback_2"]
    assert jack_server.ports("no-such-port") == []
    jack_server.wait_for_port("system:capture_2", timeout=1.0)
    with pytest.raises(JackError, match="did not appear"):
        jack_server.wait_for_port("nobody:here", timeout=0.1)


@pytest.mark.jack
def test_connect_and_disconnect(jack_server: JackServer) -> None:
    src, dst = "system:capture_1", "system:playback_1"
    assert jack_server.connections(src) == []
    try:
        jack_server.connect(src, dst)
        assert jack_server.connections(src) == [dst]
        assert jack_server.connections(dst) == [src]
        jack_server.connect(src, dst)  # already connected: no-op
        assert jack_server.connections(src) == [dst]
    finally:
        jack_server.disconnect(src, dst)
    assert jack_server.connections(src) == []
    jack_server.disconnect(src, dst)  # not connected: no-op, no error


@pytest.mark.jack
def test_connect_errors_carry_the_tool_message(jack_server: JackServer) -> None:
    with pytest.raises(JackError, match="not a valid port"):
        jack_server.connect("system:capture_1", "system:nope")
    with pytest.raises(JackError, match="not a valid port"):
        jack_server.disconnect("system:capture_1", "system:nope")
    with pytest.raises(JackError, match="1 input port and 1 output port"):
        jack_server.connect("system:capture_1", "system:capture_2")
    with pytest.raises(JackError, match="no JACK port"):
        jack_server.connections("system:nope")


@pytest.mark.jack
def test_stop_is_idempotent(make_jack_server: MakeServer) -> None:
    never_started = make_jack_server(start=False)
    never_started.stop()
    never_started.stop()

    server = make_jack_server()
    server.stop()
    server.stop()
    assert not server.running


@pytest.mark.jack
def test_killed_server_is_unreachable(make_jack_server: MakeServer) -> None:
    server = make_jack_server()
    assert server_reachable(server.name)
    assert _registered(server.name)
    assert server.pid is not None
    os.kill(server.pid, signal.SIGKILL)
    assert server.wait(5.0) == -signal.SIGKILL
    assert not server_reachable(server.name)
    with pytest.raises(JackError):
        server.ports()
    assert _registered(server.name)  # a killed jackd keeps its registry slot...
    server.stop()  # ...until stop() reclaims it
    assert not _registered(server.name)
    assert _shm_files(server.name) == []  # and the dead server's socket and futexes are gone
    assert not server_reachable(server.name)


@pytest.mark.jack
def test_activate_restores_environment(
    make_jack_server: MakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "before")
    monkeypatch.delenv("JACK_NO_START_SERVER", raising=False)
    server = make_jack_server(activate=True)
    assert os.environ["JACK_DEFAULT_SERVER"] == server.name
    assert os.environ["JACK_NO_START_SERVER"] == "1"
    server.activate()  # twice: still restores the values from before the first
    server.stop()
    assert os.environ["JACK_DEFAULT_SERVER"] == "before"
    assert "JACK_NO_START_SERVER" not in os.environ


@pytest.mark.jack
def test_xruns_are_counted(make_jack_server: MakeServer) -> None:
    server = make_jack_server()
    assert server.pid is not None
    mark = server.xruns
    # A stopped jackd wakes up many periods late, which its timed driver reports as one
    # "JackTimedDriver::Process XRun".
    os.kill(server.pid, signal.SIGSTOP)
    try:
        assert not server.wait(0.1)
    finally:
        os.kill(server.pid, signal.SIGCONT)
    assert server.wait_for_xruns(mark + 1, timeout=5.0), server.output
    assert server.xruns_since(mark) >= 1


@pytest.mark.jack
def test_start_errors(make_jack_server: MakeServer) -> None:
    server = make_jack_server()
    with pytest.raises(JackError, match="already running"):
        server.start()
    with pytest.raises(JackError, match="already running"):
        make_jack_server(name=server.name)
    # jackd rejects the option and exits during start-up; its output is in the message.
    with pytest.raises(JackError, match=r"(?s)exited.*jackdmp"):
        make_jack_server(rate=-5)


@pytest.mark.parametrize(
    ("ci", "outcome"),
    [("", "1 skipped"), ("true", "1 error")],
)
def test_missing_jackd_skips_or_fails_under_ci(tmp_path: Path, ci: str, outcome: str) -> None:
    # Run the real conftest in a child pytest whose PATH has no jackd.
    (tmp_path / "conftest.py").write_text((REPO / "tests" / "conftest.py").read_text())
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    jack: needs JACK\n")
    (tmp_path / "test_needs_jack.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.jack
            def test_needs_jack():
                pass
            """
        )
    )
    env = {
        "PATH": str(tmp_path / "no-bin"),
        "PYTHONPATH": str(REPO),
        "CI": ci,
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert outcome in result.stdout, result.stdout + result.stderr
    assert "jackd is not installed" in result.stdout
