"""Helpers for MIDI tests on a real JACK server: probe ports, collectors, headers."""

from __future__ import annotations

import ctypes
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import rtmidi

from audiodrv import winmm
from audiodrv.core.devclass import DeviceClass
from audiodrv.core.system import get_system
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    MIDIHDR,
    MIDIINCAPSW,
    MIDIOUTCAPSW,
    MMSYSERR_NOERROR,
    get_string,
)


class Collector:
    """Messages arriving at a probe port, or callbacks arriving from winmm."""

    def __init__(self) -> None:
        self.items: list = []
        self.cond = threading.Condition()

    def add(self, item) -> None:
        with self.cond:
            self.items.append(item)
            self.cond.notify_all()

    def wait(self, count: int, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.items) >= count, timeout)


class Probe:
    """JACK MIDI clients with one input and one output port, as the far end (two
    clients: JACK renames a second client of the same name)."""

    def __init__(self) -> None:
        # Polled, like midirt.drv's inputs, for the same reason (engine.midiport.MidiInPort):
        # a Python callback on a JACK input can hang the process when the port closes.
        self.midi_in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="probe_in")
        self.midi_in.ignore_types(sysex=False, timing=False, active_sense=False)
        self.midi_in.open_virtual_port("in")
        self.received = PortCollector(self.midi_in)
        self.midi_out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="probe_out")
        self.midi_out.open_virtual_port("out")

    def close(self) -> None:
        for port in (self.midi_in, self.midi_out):
            port.close_port()
            port.delete()


class PortCollector:
    """The messages arriving at a polled rtmidi input, and when each was collected
    (``time.monotonic()``, within one poll interval of its arrival)."""

    POLL = 0.0005

    def __init__(self, port: rtmidi.MidiIn) -> None:
        self.port = port
        self.items: list[list[int]] = []
        self.times: list[float] = []

    def wait(self, count: int, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            while event := self.port.get_message():
                self.items.append(event[0])
                self.times.append(time.monotonic())
            if len(self.items) >= count:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(self.POLL)


def device_id(kind: str, name: str) -> int:
    count, caps_type, get = {
        "out": (winmm.midiOutGetNumDevs(), MIDIOUTCAPSW, winmm.midiOutGetDevCapsW),
        "in": (winmm.midiInGetNumDevs(), MIDIINCAPSW, winmm.midiInGetDevCapsW),
    }[kind]
    for i in range(count):
        caps = caps_type()
        assert get(i, ctypes.byref(caps), ctypes.sizeof(caps)) == MMSYSERR_NOERROR
        if get_string(caps, "szPname") == name:
            return i
    raise AssertionError(f"no MIDI {kind} device {name!r}")


def recorder(notes: Collector) -> Callable[[int, int, int, int, int], None]:
    """A CALLBACK_FUNCTION that records each notification as ``(msg, p1, p2)``."""
    return lambda h, msg, inst, p1, p2: notes.add((msg, p1, p2))


def open_out(notes: Collector, device: int | None = None) -> int:
    """A midiOut handle on ``device`` (default: the probe's input port), recorded."""
    handle = ctypes.c_void_p()
    device = device_id("out", "probe_in:in") if device is None else device
    assert winmm.midiOutOpen(ctypes.byref(handle), device, recorder(notes), 0,
                             CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    return handle.value


def open_in(notes: Collector) -> int:
    """A midiIn handle on the probe's output port, recorded."""
    handle = ctypes.c_void_p()
    assert winmm.midiInOpen(ctypes.byref(handle), device_id("in", "probe_out:out"),
                            recorder(notes), 0, CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    return handle.value


def driver_instance(handle: int, cls: DeviceClass = DeviceClass.MIDIIN) -> Any:
    """The driver's own per-handle object behind a winmm handle (for tests that reach in)."""
    open_dev = get_system().open_device(handle, cls)
    assert open_dev is not None
    return open_dev.dwUser


def event(delta: int, kind: int, parm: int = 0, flags: int = 0, stream_id: int = 0) -> bytes:
    """One MIDIEVENT of a stream buffer (a short one: three DWORDs)."""
    return struct.pack("<III", delta, stream_id, (kind << 24) | flags | parm)


def header(data: bytes | int) -> tuple[MIDIHDR, ctypes.Array]:
    mem = ctypes.create_string_buffer(data, len(data)) if isinstance(data, bytes) else \
        ctypes.create_string_buffer(data)
    hdr = MIDIHDR(lpData=ctypes.addressof(mem), dwBufferLength=len(mem))
    return hdr, mem


def add_buffers(handle: int, count: int, size: int) -> list[tuple[MIDIHDR, ctypes.Array]]:
    """Prepare and queue ``count`` input buffers of ``size`` bytes on a midiIn handle."""
    bufs = [header(size) for _ in range(count)]
    for hdr, _mem in bufs:
        assert winmm.midiInPrepareHeader(handle, ctypes.byref(hdr), ctypes.sizeof(hdr)) == 0
        assert winmm.midiInAddBuffer(handle, ctypes.byref(hdr), ctypes.sizeof(hdr)) == 0
    return bufs


