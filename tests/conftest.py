"""Shared pytest fixtures: a private JACK server for the real-stack tests.

Fixtures
--------
jack_server
    Session-scoped: one started and activated `JackServer` (dummy backend, 48000 Hz,
    period 256) under a private name; ``JACK_DEFAULT_SERVER`` points at it, so PortAudio
    and RtMidi clients opened in this process use it.
make_jack_server
    Function-scoped factory, ``make_jack_server(period=64, activate=True)``, for tests that
    need another period or rate, or kill a server mid-test. Every server it made is stopped
    at teardown, newest first (so activations unwind in order).

Marker ``jack``
    Every test marked ``@pytest.mark.jack`` gets ``jack_server`` automatically, unless it
    uses ``make_jack_server`` and so manages its own servers. Conversely a test that uses
    either fixture is marked ``jack``, so ``-m "not jack"`` runs without any audio stack.

When jackd is not installed these tests are skipped, except under CI (the environment
variable ``CI`` set to anything non-empty), where a missing component is a failure.

PortAudio opens its JACK client when it is initialised (``import sounddevice`` does that):
code under test must initialise or re-initialise PortAudio after the server is activated.

A process whose GIL is stuck (a C thread cancelled while waiting for it) runs no Python
again, so pytest-timeout cannot end it; faulthandler's watchdog is a C thread that needs no
GIL: past ``WATCHDOG`` seconds in one test it prints every thread's stack and exits.
"""

from __future__ import annotations

import faulthandler
import os
import sys
from collections.abc import Callable, Iterator

import pytest

from audiodrv.core.system import reset_system
from audiodrv.engine.jackserver import JackServer, jackd_available

_JACK_FIXTURES = ("jack_server", "make_jack_server")
WATCHDOG = 300  # seconds per test, setup and teardown included; pytest-timeout's is 120


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    faulthandler.dump_traceback_later(WATCHDOG, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def _require_jackd() -> None:
    _require(jackd_available(),
             "jackd is not installed (Debian: apt-get install jackd2); see TESTENV.md")


@pytest.fixture
def require() -> Callable[[bool, str], None]:
    """``require(present, reason)``: a missing component skips the test, or fails it
    under CI."""
    return _require


def _require(present: bool, reason: str) -> None:
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so a missing component is a failure", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that needs a JACK server is a `jack` test whether or not its author said so.
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in _JACK_FIXTURES):
            if item.get_closest_marker("jack") is None:
                item.add_marker(pytest.mark.jack)


@pytest.fixture(scope="session")
def jack_server() -> Iterator[JackServer]:
    """A started, activated private JACK server (48000 Hz, period 256) for the session."""
    _require_jackd()
    server = JackServer(rate=48000, period=256)
    server.start()
    server.activate()
    try:
        yield server
    finally:
        # PortAudio cannot close a JACK client once its server is gone (at exit it would
        # abort on an assertion): what the last tests left initialised goes first.
        portaudio = sys.modules.get("audiodrv.engine.portaudio")
        if portaudio is not None:
            reset_system()
            portaudio.terminate()
        server.stop()  # also restores JACK_DEFAULT_SERVER and friends


@pytest.fixture
def make_jack_server() -> Iterator[Callable[..., JackServer]]:
    """Factory for private JACK servers, all stopped at teardown.

    ``make_jack_server(name=None, rate=48000, period=256, *, start=True, activate=False)``
    returns a `JackServer`, started unless ``start=False`` and activated if ``activate``.
    """
    _require_jackd()
    made: list[JackServer] = []

    def make(
        name: str | None = None,
        rate: int = 48000,
        period: int = 256,
        *,
        start: bool = True,
        activate: bool = False,
    ) -> JackServer:
        server = JackServer(name=name, rate=rate, period=period)
        made.append(server)
        if start:
            server.start()
        if activate:
            server.activate()
        return server

    try:
        yield make
    finally:
        for server in reversed(made):
            server.stop()


@pytest.fixture(autouse=True)
def _jack_for_marked_tests(request: pytest.FixtureRequest) -> None:
    """Give every ``@pytest.mark.jack`` test the session server (see the module docstring)."""
    if request.node.get_closest_marker("jack") is None:
        return
    if "make_jack_server" in request.fixturenames:
        return
    request.getfixturevalue("jack_server")
