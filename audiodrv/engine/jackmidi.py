"""JACK MIDI input that wakes its reader instead of being polled (``jackmidi.c``).

The compiled process callback copies each event into a lock-free ring, stamped with JACK's
clock as it was read, and signals an eventfd (a pipe where there is none): a thread
waiting on ``fileno()`` wakes as the message arrives, and JACK's process thread never runs
Python, so closing is safe at any moment.  Without the compiled library (no C compiler or
JACK headers at install), ``available()`` is False and JACK input is polled through RtMidi
like the other APIs.
"""

from __future__ import annotations

import ctypes
import logging
import struct
import threading
import time
from pathlib import Path

__all__ = ["JackMidiIn", "available"]

log = logging.getLogger("audiodrv.engine")

_RECORD = struct.Struct("=IIQ")  # size, reserved, JACK time in microseconds
# What may wait unread: about 5 s of a DIN cable's full rate in 3-byte messages, as
# RtMidi's queue for polled input (engine.midiport.MidiInPort.QUEUE_SIZE).
RING_BYTES = 1 << 18


def _load() -> ctypes.CDLL | None:
    path = str(Path(__file__).with_name("_jackmidi.so"))
    try:
        lib = ctypes.CDLL(path)
        # jmi_read neither blocks nor waits for a lock, so it is called holding the GIL:
        # one release and retake fewer on the way from the wake-up to the delivery, each a
        # chance for another thread to take the GIL in between.
        lib.jmi_read = ctypes.PyDLL(path).jmi_read
        handle = ctypes.c_void_p
        for name, restype, argtypes in (
            ("jmi_open", handle, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]),
            ("jmi_close", None, [handle]),
            ("jmi_connect", ctypes.c_int, [handle, ctypes.c_char_p]),
            ("jmi_fd", ctypes.c_int, [handle]),
            ("jmi_now", ctypes.c_uint64, []),
            ("jmi_read", ctypes.c_size_t,
             [handle, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint32)]),
        ):
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
    except (OSError, AttributeError):  # not built, or built from another version
        return None
    return lib


_lib = _load()


def available() -> bool:
    """Whether the compiled JACK MIDI input was built."""
    return _lib is not None


class JackMidiIn:
    """A JACK client ``client`` with a MIDI input port ``name``, connected to the output
    port ``source`` (a full JACK port name) unless it is None: then other programs connect
    to it.  Raises OSError when JACK refuses."""

    def __init__(self, client: str, name: str, source: str | None) -> None:
        assert _lib is not None, "check available() first"
        self._handle = _lib.jmi_open(client.encode(), name.encode(), RING_BYTES)
        if not self._handle:
            raise OSError(f"JACK refused a MIDI input client {client!r}")
        if source is not None and _lib.jmi_connect(self._handle, source.encode()) != 0:
            _lib.jmi_close(self._handle)
            raise OSError(f"MIDI port {source!r} is gone")
        self._fd = int(_lib.jmi_fd(self._handle))  # kept: fileno() stays callable after close
        self._buffer = ctypes.create_string_buffer(RING_BYTES)
        self._view = memoryview(self._buffer).cast("B")
        self._lost = ctypes.c_uint32()
        self._lost_ref = ctypes.byref(self._lost)
        self._lock = threading.Lock()  # a receive() and a close() never overlap
        self._dropped = 0
        self._open_sysex = b""  # a SysEx still waiting for its 0xF7
        # JACK's clock to time.monotonic_ns(): both read back to back.
        before = time.monotonic_ns()
        jack_us = _lib.jmi_now()
        self._offset_ns = (before + time.monotonic_ns()) // 2 - jack_us * 1000

    def fileno(self) -> int:
        """Readable when messages have arrived."""
        return self._fd

    def receive(self) -> list[tuple[bytes, int]]:
        """Every message that arrived since the last call, oldest first, each with the
        ``time.monotonic_ns()`` JACK's process thread read it at ([] once closed).

        As RtMidi's JACK input does (and midirt.drv relies on), a SysEx left open by its
        event takes the following events until one ends with 0xF7.
        """
        with self._lock:
            if not self._handle:
                return []
            size = _lib.jmi_read(self._handle, self._buffer, RING_BYTES, self._lost_ref)
            if self._lost.value != self._dropped:
                log.warning("MIDI in: %d messages lost, not read in time",
                            self._lost.value - self._dropped)
                self._dropped = self._lost.value
            # Under the lock: the next read overwrites the buffer.
            messages, at, data = [], 0, self._view
            while at < size:
                length, _reserved, usecs = _RECORD.unpack_from(data, at)
                at += _RECORD.size
                message = self._open_sysex + bytes(data[at:at + length])
                at += length
                if message[:1] == b"\xf0" and message[-1:] != b"\xf7":
                    self._open_sysex = message
                else:
                    self._open_sysex = b""
                    messages.append((message, usecs * 1000 + self._offset_ns))
        return messages

    def close(self) -> None:
        with self._lock:
            if self._handle:
                _lib.jmi_close(self._handle)
                self._handle = None
