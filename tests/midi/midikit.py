"""Helpers for MIDI tests on a real JACK server: probe ports, collectors, headers."""

from __future__ import annotations

import ctypes
import threading

import rtmidi

from audiodrv import winmm
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
        self.received = Collector()
        self.midi_in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="probe_in")
        self.midi_in.ignore_types(sysex=False, timing=False, active_sense=False)
        self.midi_in.open_virtual_port("in")
        self.midi_in.set_callback(lambda event, _: self.received.add(event[0]))
        self.midi_out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name="probe_out")
        self.midi_out.open_virtual_port("out")

    def close(self) -> None:
        for port in (self.midi_in, self.midi_out):
            port.close_port()
            port.delete()


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


def open_out(notes: Collector) -> int:
    handle = ctypes.c_void_p()
    cb = lambda h, msg, inst, p1, p2: notes.add((msg, p1, p2))  # noqa: E731
    assert winmm.midiOutOpen(ctypes.byref(handle), device_id("out", "probe_in:in"), cb, 0,
                             CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    return handle.value


def open_in(notes: Collector) -> int:
    handle = ctypes.c_void_p()
    cb = lambda h, msg, inst, p1, p2: notes.add((msg, p1, p2))  # noqa: E731
    assert winmm.midiInOpen(ctypes.byref(handle), device_id("in", "probe_out:out"), cb, 0,
                            CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    return handle.value


def header(data: bytes | int) -> tuple[MIDIHDR, ctypes.Array]:
    mem = ctypes.create_string_buffer(data, len(data)) if isinstance(data, bytes) else \
        ctypes.create_string_buffer(data)
    hdr = MIDIHDR(lpData=ctypes.addressof(mem), dwBufferLength=len(mem))
    return hdr, mem


