"""Private JACK servers with the dummy backend, driven through the JACK command-line tools.

A real, clocked audio server with real ports on a machine with no sound card (see
``TESTENV.md``): tests, benchmarks and smoke tools start one under a private name, point the
in-process clients (PortAudio, RtMidi) at it, and wire sample-exact loopbacks with
``jack_connect``.

This module uses the standard library only and talks to JACK exclusively through ``jackd``
and the ``jack_*`` tools, so it imports (and the code using it tests) without an audio stack;
in particular it never imports sounddevice or rtmidi.

Functions and classes
---------------------
jackd_available
    Whether ``jackd`` is installed.
server_reachable
    Whether a JACK server (the default one or a named one) accepts clients.
JackServer
    Start, stop and wire one private server; count its xruns.
JackError
    Raised when jackd or a JACK tool fails.

Notes
-----
PortAudio opens its JACK client when it is initialised, which ``import sounddevice`` does.
Start the server and call `JackServer.activate` *before* that import, or re-initialise
PortAudio afterwards (``sounddevice._terminate(); sounddevice._initialize()``).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import ctypes
import glob
import itertools
import logging
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType

__all__ = ["JackError", "JackServer", "jackd_available", "server_reachable"]

_log = logging.getLogger(__name__)

# Serial numbers for default server names: unique within the process, the PID makes them
# unique across parallel test runs on one machine.
_counter = itertools.count(1)

# Upper bound for one jack_* tool call. They normally take ~10 ms; a stopped (SIGSTOP) or
# wedged server makes them hang instead of failing, and a test must not hang with them.
_TOOL_TIMEOUT = 10.0

# How many lines of jackd's output to keep for error messages.
_KEEP_LINES = 50

# Where jackd2 (Linux build) keeps its sockets and semaphores.
_JACK_SHM_DIR = Path("/dev/shm")

# Servers started by this process and not yet stopped, so an interpreter exit that skips
# the owner's stop() (an exception outside a fixture, a forgotten context manager) still
# does not leave a jackd behind.
_live_servers: weakref.WeakSet[JackServer] = weakref.WeakSet()


class JackError(RuntimeError):
    """jackd or a JACK command-line tool failed; the message carries its output."""


def jackd_available() -> bool:
    """Return whether the ``jackd`` executable is on ``PATH``.

    Returns
    -------
    bool
        True when ``jackd`` can be started.
    """
    return shutil.which("jackd") is not None


def server_reachable(name: str | None = None) -> bool:
    """Return whether a JACK server is running and accepting clients.

    Parameters
    ----------
    name : str, optional
        Server name. Without it the default server is checked, which is the one named by
        ``JACK_DEFAULT_SERVER`` if that is set, as for every other JACK client.

    Returns
    -------
    bool
        True when ``jack_wait -c`` could open a client on the server; False when it could
        not, when it did not answer within 10 s, or when the JACK tools are not installed.
    """
    jack_wait = shutil.which("jack_wait")
    if jack_wait is None:
        return False
    env = dict(os.environ)
    # Checking must never start a server as a side effect.
    env["JACK_NO_START_SERVER"] = "1"
    if name is not None:
        # The environment, not `jack_wait -s NAME`: jack_wait 1.9.21 copies the -s argument
        # into a buffer one byte too short.
        env["JACK_DEFAULT_SERVER"] = name
    try:
        result = subprocess.run(
            [jack_wait, "-c"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_TOOL_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    # jack_wait -c exits 0 either way and prints "running" or "not running".
    return result.stdout.strip() == "running"


class JackServer:
    """A private JACK server with the dummy backend.

    Parameters
    ----------
    name : str, optional
        Server name (``jackd -n``). Defaults to ``audiodrv-<pid>-<serial>``, private to this
        process.
    rate : int
        Sample rate in Hz.
    period : int
        Period (buffer size) in frames. 256 is the quietest on shared machines; 64 and 128
        work but report more xruns.

    Attributes
    ----------
    name : str
        The server name; clients reach the server with ``JACK_DEFAULT_SERVER=name``.
    rate, period : int
        As given.
    xruns : int
        Number of xruns jackd reported since `start` (lines containing ``XRun``, such as
        ``JackTimedDriver::Process XRun``). Read it before and after a frame-exact check
        and excuse at most that many whole-period glitches.

    Notes
    -----
    Use it as a context manager (``with JackServer() as server:``) to start and stop it.
    Entering does not `activate` it. A stopped server can be started again under the same
    name, which is how a test makes a device go away and come back.

    Examples
    --------
    >>> with JackServer(period=256) as server:       # doctest: +SKIP
    ...     server.activate()
    ...     server.connect("system:capture_1", "system:playback_1")
    """

    def __init__(self, name: str | None = None, rate: int = 48000, period: int = 256) -> None:
        self.name: str = name if name is not None else f"audiodrv-{os.getpid()}-{next(_counter)}"
        self.rate: int = rate
        self.period: int = period
        self.xruns: int = 0
        self._lines: collections.deque[str] = collections.deque(maxlen=_KEEP_LINES)
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        # Set when jackd's output reaches end of file, i.e. jackd has exited (or closed its
        # output, which it never does while running). start() also wakes on it.
        self._exited = threading.Event()
        self._wake = threading.Event()
        # Notified on every xrun, for wait_for_xruns().
        self._xrun_cond = threading.Condition()
        self._saved_environ: dict[str, str | None] | None = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (
            f"<JackServer {self.name!r} rate={self.rate} period={self.period} "
            f"pid={self.pid} {state} xruns={self.xruns}>"
        )

    # -- properties -------------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point a JACK client at this server.

        ``JACK_NO_START_SERVER`` is included so a client whose server has died fails at
        once instead of starting a server of its own (libjack would run ``jackd`` with the
        user's ``~/.jackdrc``).
        """
        return {
            "JACK_DEFAULT_SERVER": self.name,
            "JACK_NO_AUDIO_RESERVATION": "1",
            "JACK_NO_START_SERVER": "1",
        }

    @property
    def pid(self) -> int | None:
        """jackd's process id, or None before the first `start`."""
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        """Whether the jackd process is alive (not whether it accepts clients)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def output(self) -> str:
        """The last lines jackd printed (stdout and stderr), for error messages."""
        return "\n".join(self._lines)

    # -- life cycle -------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> JackServer:
        """Start jackd and wait until it accepts clients.

        Parameters
        ----------
        timeout : float
            Seconds to wait for the server to accept clients. ``jack_wait`` retries once a
            second, so expect a start to take about one second.

        Returns
        -------
        JackServer
            self, for ``server = JackServer().start()``.

        Raises
        ------
        JackError
            If jackd is missing, is already running, exits during start-up, or does not
            accept clients within *timeout*. The message includes jackd's output.
        """
        if self.running:
            raise JackError(f"JACK server {self.name!r} is already running (pid {self.pid})")
        jackd = shutil.which("jackd")
        jack_wait = shutil.which("jack_wait")
        if jackd is None or jack_wait is None:
            raise JackError("jackd / jack_wait not found: install the jackd2 package")
        # jack_wait -w would happily report a foreign server of the same name as ready.
        if server_reachable(self.name):
            raise JackError(f"a JACK server named {self.name!r} is already running")

        env = {**os.environ, **self.env}
        self.xruns = 0
        self._lines.clear()
        self._exited.clear()
        self._wake.clear()
        argv = [jackd, "--no-realtime", "-n", self.name]
        argv += ["-d", "dummy", "-r", str(self.rate), "-p", str(self.period)]
        self._proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            preexec_fn=_die_with_parent,
        )
        _live_servers.add(self)
        self._reader = threading.Thread(
            target=self._read_output,
            args=(self._proc,),
            name=f"jackd-output-{self.name}",
            daemon=True,
        )
        self._reader.start()
        _log.debug("started jackd %s (pid %d)", self.name, self._proc.pid)

        # Wait for whichever comes first: jack_wait reporting the server, or jackd exiting.
        # Both set self._wake, so there is no polling here; the one-second granularity is
        # jack_wait's own retry interval.
        waiter = subprocess.Popen(
            [jack_wait, "-w", "-t", str(max(1, math.ceil(timeout)))],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        waiter_output: list[str] = []

        def wait_for_waiter() -> None:
            out, _ = waiter.communicate()
            waiter_output.append(out)
            self._wake.set()

        threading.Thread(target=wait_for_waiter, name="jack_wait", daemon=True).start()
        # jack_wait's own -t is in whole seconds and checked only after each retry.
        self._wake.wait(timeout + 2.0)

        if self._exited.is_set() or self._proc.poll() is not None:
            _kill_and_reap(waiter)
            try:
                code: int | None = self._proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                code = None
            self.stop()
            hint = ""
            if "too many servers" in self.output.lower():
                hint = (
                    "\n(JACK's server registry, /dev/shm/jack-shm-registry, has 8 slots; a "
                    "server killed by a signal keeps its slot until a server of the same name "
                    "starts again, or until the file is removed while no JACK server runs.)"
                )
            raise JackError(
                f"jackd {self.name!r} exited (status {code}) before it accepted clients:\n"
                f"{self.output}{hint}"
            )
        if waiter.poll() != 0:
            _kill_and_reap(waiter)
            self.stop()
            raise JackError(
                f"JACK server {self.name!r} did not accept clients within {timeout} s "
                f"(jack_wait: {''.join(waiter_output).strip() or 'no answer'}); jackd said:\n"
                f"{self.output}"
            )
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop jackd: SIGTERM, then SIGKILL after *timeout* seconds. Idempotent.

        Also undoes `activate`. When jackd died by a signal (``kill -9`` from a test, a
        crash), this also gives back what it left behind: its slot in JACK's server
        registry, which has room for only eight servers per machine, and its files in
        ``/dev/shm``. That takes one more short jackd run under the same name (about 1 s).
        """
        self.deactivate()
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            # By PID through our own Popen object: never by name, other servers may run.
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _log.warning("jackd %s ignored SIGTERM for %s s, killing it", self.name, timeout)
                proc.kill()
                proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=5.0)
            self._reader = None
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.returncode < 0 and proc.returncode not in (-signal.SIGTERM, -signal.SIGINT):
            # jackd unregisters and cleans up on SIGTERM/SIGINT and on its own error exits;
            # killed, it cannot.
            self._reclaim()
        _live_servers.discard(self)

    def __enter__(self) -> JackServer:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- clients of this process ------------------------------------------------------------

    def activate(self) -> None:
        """Point JACK clients of this process at this server, through ``os.environ``.

        libjack reads ``JACK_DEFAULT_SERVER`` when a client opens, so this affects clients
        opened afterwards: PortAudio opens its client when it is initialised, python-rtmidi
        when a ``MidiIn``/``MidiOut`` is constructed. `stop` (or `deactivate`) restores the
        previous values.
        """
        if self._saved_environ is None:
            self._saved_environ = {key: os.environ.get(key) for key in self.env}
        os.environ.update(self.env)

    def deactivate(self) -> None:
        """Restore the environment variables `activate` changed. Idempotent."""
        saved, self._saved_environ = self._saved_environ, None
        if saved is None:
            return
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    # -- ports ------------------------------------------------------------------------------

    def ports(self, pattern: str = "") -> list[str]:
        """List port names, as ``jack_lsp`` does.

        Parameters
        ----------
        pattern : str
            Only ports whose full name contains this substring (``jack_lsp``'s filter).

        Raises
        ------
        JackError
            If the server cannot be reached.
        """
        args = ["jack_lsp", pattern] if pattern else ["jack_lsp"]
        result = self._tool(*args)
        return [line for line in result.stdout.splitlines() if line.strip()]

    def loopback(self, client: str = "PortAudio") -> list[tuple[str, str]]:
        """Wire a client's outputs into its own inputs, pairwise, and nothing else into them.

        PortAudio numbers its ports on without reuse while it stays initialised (a second
        stream gets ``out_2``...), so the pairs are taken from the ports that exist now, in
        order.  Returns the (output, input) pairs connected.
        """
        def ordered(kind: str) -> list[str]:
            names = self.ports(f"{client}:{kind}_")
            return sorted(names, key=lambda n: int(n.rsplit("_", 1)[1]))

        pairs = list(zip(ordered("out"), ordered("in"), strict=False))
        for _out, port_in in pairs:
            for peer in self.connections(port_in):
                self.disconnect(peer, port_in)
        for port_out, port_in in pairs:
            self.connect(port_out, port_in)
        return pairs

    def connections(self, port: str) -> list[str]:
        """Return the ports connected to *port* (empty if none).

        Raises
        ------
        JackError
            If the server cannot be reached or *port* does not exist.
        """
        # `jack_lsp -c` prints each port flush left, followed by its peers indented.
        result = self._tool("jack_lsp", "-c", port)
        peers: list[str] = []
        found = False
        current: str | None = None
        for line in result.stdout.splitlines():
            if not line.strip():
                continue
            if line[0].isspace():
                if current == port:
                    peers.append(line.strip())
            else:
                current = line
                found = found or line == port
        if not found:
            raise JackError(f"no JACK port named {port!r} on server {self.name!r}")
        return peers

    def connect(self, source: str, destination: str) -> None:
        """Connect two ports (``jack_connect``). Connecting a connected pair is a no-op.

        Raises
        ------
        JackError
            With the tool's message, e.g. for an unknown port or two outputs.
        """
        result = self._tool("jack_connect", source, destination, check=False)
        if result.returncode == 0:
            return
        # jack_connect prints "already connected?" for every refusal, so ask the graph.
        try:
            if self._connected(source, destination):
                return
        except JackError:
            pass  # an unknown port: the tool's own message says so
        raise JackError(f"jack_connect {source} {destination} failed: {_tool_message(result)}")

    def disconnect(self, source: str, destination: str) -> None:
        """Disconnect two ports (``jack_disconnect``). A pair not connected is a no-op.

        Raises
        ------
        JackError
            With the tool's message, e.g. for an unknown port.
        """
        result = self._tool("jack_disconnect", source, destination, check=False)
        if result.returncode == 0:
            return
        # Not connected is the outcome the caller asked for; an unknown port is an error,
        # and connections() raises for it.
        try:
            connected = self._connected(source, destination)
        except JackError:
            connected = True
        if connected:
            raise JackError(
                f"jack_disconnect {source} {destination} failed: {_tool_message(result)}"
            )

    def wait_for_port(self, name: str, timeout: float = 10.0) -> None:
        """Wait until a port named exactly *name* exists.

        JACK's tools have no way to wait for a port (``jack_evmon`` reports registrations
        by port id only, as a client of its own), so this polls ``jack_lsp``.

        Raises
        ------
        JackError
            If the port does not appear within *timeout* seconds or the server dies.
        """
        deadline = time.monotonic() + timeout
        while True:
            if name in self.ports(name):
                return
            if not self.running:
                raise JackError(f"JACK server {self.name!r} died while waiting for {name!r}")
            if time.monotonic() >= deadline:
                raise JackError(f"JACK port {name!r} did not appear within {timeout} s")
            time.sleep(0.02)

    def xruns_since(self, mark: int) -> int:
        """Return how many xruns jackd reported since `xruns` was *mark*."""
        return self.xruns - mark

    def wait_for_xruns(self, count: int, timeout: float) -> bool:
        """Wait until `xruns` is at least *count*; return whether it got there in time."""
        with self._xrun_cond:
            return self._xrun_cond.wait_for(lambda: self.xruns >= count, timeout)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for jackd to exit (after a kill from outside, say) and return its status.

        Returns
        -------
        int or None
            jackd's exit status (negative: the signal that killed it), None if it is still
            running after *timeout* seconds or was never started.
        """
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    # -- internals --------------------------------------------------------------------------

    def _read_output(self, proc: subprocess.Popen[str]) -> None:
        # The only writer of self.xruns and self._lines; readers on other threads see a
        # consistent int under the GIL, which is all a before/after comparison needs.
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                if "XRun" in line:
                    with self._xrun_cond:
                        self.xruns += 1
                        self._xrun_cond.notify_all()
                self._lines.append(line.rstrip("\n"))
        except (OSError, ValueError):
            pass  # stop() closed the pipe under us
        finally:
            # Reap it: jackd refuses to start under a name whose last server is a zombie
            # ("server already active"), so a killed server could not be started again.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            self._exited.set()
            self._wake.set()

    def _tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        exe = shutil.which(args[0])
        if exe is None:
            raise JackError(f"{args[0]} not found: install the jackd2 package")
        # A busy server now and then refuses a new client ("Cannot open ... client", status
        # 0x21) although it runs on: the tools are retried a few times before that counts.
        for attempt in range(4):
            try:
                result = subprocess.run(
                    [exe, *args[1:]],
                    env={**os.environ, **self.env},
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    timeout=_TOOL_TIMEOUT,
                )
            except subprocess.TimeoutExpired as exc:
                raise JackError(
                    f"{' '.join(args)} did not finish within {_TOOL_TIMEOUT} s "
                    f"(JACK server {self.name!r} stopped or wedged?)"
                ) from exc
            refused = result.returncode != 0 and "Cannot open" in result.stdout + result.stderr
            if not refused or not self.running:
                break
            self._exited.wait(0.05 * (attempt + 1))  # back off, unless jackd exits meanwhile
        if check and result.returncode != 0:
            raise JackError(f"{' '.join(args)} failed: {_tool_message(result)}")
        return result

    def _reclaim(self) -> None:
        # jackd2 keeps running servers in /dev/shm/jack-shm-registry, which has 8 slots
        # (MAX_SERVERS). A slot whose server died is freed only when a server of the same
        # name registers (jack_register_server reclaims it) - so every jackd killed under a
        # fresh name would leak one, and after eight no JACK server starts on the machine.
        # Registering the name again and exiting cleanly frees the slot; jackd's start-up
        # also removes the dead server's shared memory, socket and semaphores.
        if server_reachable(self.name):
            return  # a new server of this name is up: it reclaimed the slot already
        jackd = shutil.which("jackd")
        jack_wait = shutil.which("jack_wait")
        if jackd is None or jack_wait is None:
            _remove_stale_files(self.name)
            return
        env = {**os.environ, **self.env}
        argv = [jackd, "--no-realtime", "-n", self.name]
        argv += ["-d", "dummy", "-r", str(self.rate), "-p", str(self.period)]
        proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Up and accepting clients means registered; jackd exiting on its own (another
            # server took the name meanwhile) ends jack_wait's wait as well, by its timeout.
            subprocess.run(
                [jack_wait, "-w", "-t", "5"],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=_TOOL_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            pass
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5.0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if proc.returncode != 0:
            _log.warning(
                "could not reclaim the JACK registry slot of killed server %s (jackd status %s)",
                self.name,
                proc.returncode,
            )
            if not server_reachable(self.name):
                _remove_stale_files(self.name)

    def _connected(self, a: str, b: str) -> bool:
        # connections() raises for an unknown port; check both ends.
        peers = self.connections(a)
        self.connections(b)
        return b in peers


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM jackd when the process that started it dies.

    A test run killed by a timeout would otherwise leave its private server running, and
    JACK's registry holds only 8 servers per machine.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tool_message(result: subprocess.CompletedProcess[str]) -> str:
    # libjack's connection noise ("Cannot connect to server socket ...") precedes the tool's
    # own message; keep it all, it is what explains a dead server.
    text = (result.stderr + result.stdout).strip()
    return text or f"exit status {result.returncode}"


def _kill_and_reap(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _remove_stale_files(name: str) -> None:
    # Fallback when _reclaim could not run jackd. jackd2 names its server socket
    # jack_<server>_<uid>_<n> and its futexes jack_sem.<uid>_<server>_<client>; the shared
    # registry (jack-shm-registry, jack-<uid>-<n>) belongs to every server and is left alone.
    if not _JACK_SHM_DIR.is_dir():
        return
    uid = os.getuid()
    escaped = glob.escape(name)
    for pattern in (f"jack_{escaped}_{uid}_*", f"jack_sem.{uid}_{escaped}_*"):
        for path in _JACK_SHM_DIR.glob(pattern):
            try:
                path.unlink()
            except OSError:
                pass


@atexit.register
def _stop_live_servers() -> None:
    for server in list(_live_servers):
        server.stop()
