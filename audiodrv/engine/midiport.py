"""The RtMidi port service: the only module that imports rtmidi.

Ports are listed and opened through one RtMidi API, chosen per platform: ALSA where the
sequencer exists, JACK when a server is up, CoreMIDI or WinMM elsewhere; the MIDI driver's
SYSTEM.INI section can name one.  With no sequencer and no JACK server python-rtmidi
raises and ALSA prints to stderr: that is "no ports", quietly.

Input is never called back into Python from RtMidi's thread (see MidiInPort): JACK input
wakes its reader through engine.jackmidi where that was built, other input is polled.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import rtmidi

from audiodrv.engine import jackmidi

__all__ = ["MidiInPort", "MidiOutPort", "choose_api", "list_ports", "open_input"]

log = logging.getLogger("audiodrv.engine")

APIS = {"alsa": rtmidi.API_LINUX_ALSA, "jack": rtmidi.API_UNIX_JACK,
        "coremidi": rtmidi.API_MACOSX_CORE, "winmm": rtmidi.API_WINDOWS_MM}


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """ALSA's C library writes to fd 2 when there is no sequencer: hide it."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _jack_running() -> bool:
    from audiodrv.engine.jackserver import server_reachable

    return server_reachable()


def choose_api(name: str | None = None) -> int | None:
    """The RtMidi API to use: ``name`` ("alsa", "jack"...) if given, else the platform's."""
    compiled = rtmidi.get_compiled_api()
    if name:
        api = APIS.get(name.lower())
        if api is None or api not in compiled:
            raise ValueError(f"RtMidi API {name!r} is not available (compiled: "
                             f"{', '.join(k for k, v in APIS.items() if v in compiled)})")
        return api
    if sys.platform.startswith("linux"):
        if rtmidi.API_LINUX_ALSA in compiled and Path("/dev/snd/seq").exists():
            return rtmidi.API_LINUX_ALSA
        if rtmidi.API_UNIX_JACK in compiled and _jack_running():
            return rtmidi.API_UNIX_JACK
        return None
    for api in (rtmidi.API_MACOSX_CORE, rtmidi.API_WINDOWS_MM):
        if api in compiled:
            return api
    return None


def _make(kind: type[Any], api: int, client: str, **options: Any) -> Any | None:
    with _quiet_stderr():
        try:
            return kind(api, name=client, **options)
        except rtmidi.SystemError as exc:
            log.info("RtMidi: no %s (%s)", kind.__name__, exc)
            return None


def list_ports(api: int | None) -> tuple[list[str], list[str]]:
    """(output port names, input port names) of an API; ([], []) when none is reachable."""
    if api is None:
        return [], []
    names = []
    for kind in (rtmidi.MidiOut, rtmidi.MidiIn):
        # A client name of its own: JACK may not have let go of the previous one yet.
        port = _make(kind, api, f"audiodrv-probe-{kind.__name__.lower()}")
        names.append(port.get_ports() if port is not None else [])
        if port is not None:
            port.delete()
    return names[0], names[1]


def _own_name(port: str) -> str:
    """The name of our port connected to ``port``: its last part, at most 20 characters."""
    return port.split(":")[-1][:20] or "port"


class _Port:
    def __init__(self, kind: type[Any], api: int, port: str, client: str,
                 virtual: bool, **options: Any) -> None:
        self.handle = _make(kind, api, client, **options)
        if self.handle is None:
            raise OSError(f"RtMidi cannot open a client for {port!r}")
        if virtual:  # a port of our own that other programs connect to
            self.handle.open_virtual_port(port)
            return
        ports = self.handle.get_ports()
        if port not in ports:
            self.handle.delete()
            raise OSError(f"MIDI port {port!r} is gone")
        self.handle.open_port(ports.index(port), name=_own_name(port))

    def close(self) -> None:
        self.handle.close_port()
        self.handle.delete()


class MidiOutPort(_Port):
    """An open output port."""

    def __init__(self, api: int, port: str, client: str = "audiodrv",
                 virtual: bool = False) -> None:
        super().__init__(rtmidi.MidiOut, api, port, client, virtual)

    def send(self, data: bytes | list[int]) -> None:
        self.handle.send_message(list(data))


class MidiInPort(_Port):
    """An open input port, polled: RtMidi queues what arrives, ``receive()`` collects it.

    No Python callback is given to RtMidi, because none can be taken away safely while
    messages arrive.  python-rtmidi runs it on RtMidi's thread (under JACK, the process
    thread) after taking the GIL; ``cancel_callback()``, which ``close_port()`` calls,
    frees the object a call still waiting for the GIL is about to use, and deleting a JACK
    client ``pthread_cancel``s a process thread blocked in the GIL's condition wait, which
    leaves the GIL's mutex locked: the whole process hangs, beyond any Python timeout.
    Polled, RtMidi's threads never touch the interpreter.
    """

    # Messages RtMidi keeps until polled (its default is 1024): about 5 s of a DIN cable's
    # full rate, for a poll held up by an application's slow callback on the same thread.
    QUEUE_SIZE = 16384

    def __init__(self, api: int, port: str, client: str = "audiodrv",
                 virtual: bool = False) -> None:
        super().__init__(rtmidi.MidiIn, api, port, client, virtual,
                         queue_size_limit=self.QUEUE_SIZE)
        # Active sensing too: midirt.drv drops it wherever it comes, even inside a SysEx.
        self.handle.ignore_types(sysex=False, timing=False, active_sense=False)
        self._lock = threading.Lock()  # a receive() and a close() never overlap
        self._last_ns: int | None = None  # when the last message received arrived
        self._polled_ns: int | None = None  # when the last receive() had emptied the queue

    def fileno(self) -> None:
        """Nothing to wait on: poll ``receive()``."""
        return None

    def receive(self) -> list[tuple[list[int], int]]:
        """Every message queued since the last call, oldest first, each with the
        ``time.monotonic_ns()`` it arrived at ([] once closed).

        RtMidi stamps each message with the seconds since the one before it (its own
        clock, taken as it queued the message), so a batch keeps its spacing, which the
        time of the poll alone would flatten.  The chain is placed by the previous
        message's arrival and kept between the two polls (the batch arrived after the
        previous one emptied the queue and before this one): the bounds anchor the first
        message a port ever receives and stop the chain drifting either way.
        """
        with self._lock:
            events = []
            while self.handle is not None and (event := self.handle.get_message()):
                events.append(event)
            polled = time.monotonic_ns()
            previous, self._polled_ns = self._polled_ns, polled
            if not events:
                return []
            deltas = [round(delta * 1_000_000_000) for _message, delta in events]
            # RtMidi's first message on a port has delta 0 and no predecessor: the bound.
            chained = polled if self._last_ns is None else self._last_ns + sum(deltas)
            if previous is not None:  # the batch's first message came after that poll
                chained = max(chained, previous + sum(deltas[1:]))
            arrival = self._last_ns = min(polled, chained)
        stamped = []
        for (message, _delta), delta in zip(reversed(events), reversed(deltas), strict=True):
            stamped.append((message, arrival))
            arrival -= delta
        stamped.reverse()
        return stamped

    def close(self) -> None:
        with self._lock:
            super().close()
            self.handle = None


def open_input(api: int, port: str, client: str = "audiodrv",
               virtual: bool = False) -> MidiInPort | jackmidi.JackMidiIn:
    """An input port: one that wakes its reader (``fileno()`` an fd) under JACK when
    engine.jackmidi was built, else a polled one (``fileno()`` None)."""
    if api != rtmidi.API_UNIX_JACK or not jackmidi.available():
        return MidiInPort(api, port, client, virtual)
    return jackmidi.JackMidiIn(client, port if virtual else _own_name(port),
                               None if virtual else port)
