"""The Pythonic MIDI API: mido messages (or raw bytes) in and out, names instead of ids."""

from __future__ import annotations

import ctypes
import queue
import struct
import threading
from typing import Any

import mido

from audiodrv import winmm
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    MEVT_F_LONG,
    MEVT_SHORTMSG,
    MEVT_TEMPO,
    MIDI_MAPPER,
    MIDIHDR,
    MIDIINCAPSW,
    MIDIOUTCAPSW,
    MIDIPROP_GET,
    MIDIPROP_SET,
    MIDIPROP_TEMPO,
    MIDIPROP_TIMEDIV,
    MIDIPROPTEMPO,
    MIDIPROPTIMEDIV,
    MIM_DATA,
    MIM_LONGDATA,
    MMTIME,
    MOM_DONE,
    TIME_TICKS,
    BadDeviceIdError,
    check,
    get_string,
)
from audiodrv.winmm.midistream import MAX_STREAM_BUFFER

__all__ = ["MidiIn", "MidiOut", "MidiStream", "midi_device_id", "midi_devices", "smf_to_stream"]

_HDR_SIZE = ctypes.sizeof(MIDIHDR)


def midi_devices(kind: str | None = None) -> list[tuple[str, int, str]]:
    """(kind, global id, name) of every MIDI device ("output", "input" or both)."""
    found = []
    for k, count, caps_type, get in (
        ("output", winmm.midiOutGetNumDevs(), MIDIOUTCAPSW, winmm.midiOutGetDevCapsW),
        ("input", winmm.midiInGetNumDevs(), MIDIINCAPSW, winmm.midiInGetDevCapsW),
    ):
        if kind in (None, k):
            for i in range(count):
                caps = caps_type()
                check(get(i, ctypes.byref(caps), ctypes.sizeof(caps)))
                found.append((k, i, get_string(caps, "szPname")))
    return found


def midi_device_id(device: int | str | None, kind: str, default: int) -> int:
    """None -> ``default``; an int -> itself; a name -> the one device it names."""
    if device is None:
        return default
    if isinstance(device, int):
        return device
    candidates = midi_devices(kind)
    exact = [d for d in candidates if d[2].lower() == device.lower()]
    matches = exact or [d for d in candidates if device.lower() in d[2].lower()]
    if len(matches) == 1:
        return matches[0][1]
    names = ", ".join(f"{i}: {n}" for _k, i, n in (matches or candidates)) or "none"
    problem = "is ambiguous" if matches else "matches no"
    raise BadDeviceIdError(context=f"{device!r} {problem} MIDI {kind} device ({names})")


def _packed(data: bytes) -> int:
    """A short message as midiOutShortMsg takes it: status in the low byte."""
    return sum(b << (8 * i) for i, b in enumerate(data[:3]))


class MidiOut:
    """A MIDI output (a port, the synthesizer, or None for the MIDI mapper)."""

    def __init__(self, device: int | str | None = None) -> None:
        handle = ctypes.c_void_p()
        self._done = threading.Event()
        check(winmm.midiOutOpen(ctypes.byref(handle), midi_device_id(device, "output", MIDI_MAPPER),
                                self._callback, 0, CALLBACK_FUNCTION))
        self.handle: int | None = handle.value

    def _callback(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        self._done.set()

    def send(self, message: mido.Message | bytes | list[int]) -> None:
        """Send a mido message, or raw bytes (SysEx goes out as a long message)."""
        data = bytes(message.bytes() if isinstance(message, mido.Message) else message)
        if data[:1] == b"\xf0":
            self._send_long(data)
        else:
            check(winmm.midiOutShortMsg(self.handle, _packed(data)))

    def _send_long(self, data: bytes) -> None:
        memory = ctypes.create_string_buffer(data, len(data))
        hdr = MIDIHDR(lpData=ctypes.addressof(memory), dwBufferLength=len(data))
        self._done.clear()
        check(winmm.midiOutPrepareHeader(self.handle, ctypes.byref(hdr), _HDR_SIZE))
        check(winmm.midiOutLongMsg(self.handle, ctypes.byref(hdr), _HDR_SIZE))
        if not self._done.wait(10):
            raise TimeoutError("the MIDI driver did not return the SysEx buffer")
        check(winmm.midiOutUnprepareHeader(self.handle, ctypes.byref(hdr), _HDR_SIZE))

    def reset(self) -> None:
        """All notes and sustain off on every channel."""
        check(winmm.midiOutReset(self.handle))

    def close(self) -> None:
        if self.handle is not None:
            check(winmm.midiOutClose(self.handle))
            self.handle = None

    def __enter__(self) -> MidiOut:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MidiIn:
    """A MIDI input; :meth:`receive` returns ``(mido.Message, milliseconds since start)``."""

    def __init__(self, device: int | str | None = 0, sysex_buffers: int = 4,
                 sysex_size: int = 4096) -> None:
        self._queue: queue.Queue[tuple[mido.Message, int]] = queue.Queue()
        self._buffers: dict[int, tuple[MIDIHDR, Any]] = {}
        handle = ctypes.c_void_p()
        check(winmm.midiInOpen(ctypes.byref(handle), midi_device_id(device, "input", 0),
                               self._callback, 0, CALLBACK_FUNCTION))
        self.handle: int | None = handle.value
        self._running = False
        for _ in range(sysex_buffers):
            memory = ctypes.create_string_buffer(sysex_size)
            hdr = MIDIHDR(lpData=ctypes.addressof(memory), dwBufferLength=sysex_size)
            self._buffers[ctypes.addressof(hdr)] = (hdr, memory)
            self._add(hdr)
        self._partial = b""

    def _add(self, hdr: MIDIHDR) -> None:
        check(winmm.midiInPrepareHeader(self.handle, ctypes.byref(hdr), _HDR_SIZE))
        check(winmm.midiInAddBuffer(self.handle, ctypes.byref(hdr), _HDR_SIZE))

    def _callback(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        if msg == MIM_DATA:
            raw = [p1 & 0xFF, (p1 >> 8) & 0xFF, (p1 >> 16) & 0xFF]
            try:
                message = mido.Message.from_bytes(raw[: mido.messages.specs.SPEC_BY_STATUS[
                    raw[0]]["length"]])
            except (KeyError, ValueError):
                return
            self._queue.put((message, p2))
        elif msg == MIM_LONGDATA and p1 in self._buffers:
            hdr, memory = self._buffers[p1]
            self._partial += memory.raw[: hdr.dwBytesRecorded]
            if self._partial.endswith(b"\xf7"):
                self._queue.put((mido.Message.from_bytes(list(self._partial)), p2))
                self._partial = b""
            if self._running:
                self._add(hdr)

    def start(self) -> None:
        self._running = True
        check(winmm.midiInStart(self.handle))

    def receive(self, timeout: float | None = None) -> tuple[mido.Message, int]:
        """The next message and its time in ms since :meth:`start` (raises queue.Empty)."""
        return self._queue.get(timeout=timeout)

    def close(self) -> None:
        if self.handle is None:
            return
        self._running = False
        check(winmm.midiInReset(self.handle))
        check(winmm.midiInClose(self.handle))
        self.handle = None

    def __enter__(self) -> MidiIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def smf_to_stream(midi: mido.MidiFile) -> tuple[list[bytes], int]:
    """A Standard MIDI File as MIDIEVENT stream buffers, and its length in ticks.

    Tracks are merged; tempo meta events become ``MEVT_TEMPO``, SysEx long events, channel
    and system messages short events; other meta events only advance time.  A buffer holds
    at most the 64 KB Windows allows a stream buffer (B174); a SysEx message longer than
    that raises ValueError.
    """
    buffers, events, size, pending, total = [], [], 0, 0, 0
    for message in mido.merge_tracks(midi.tracks):
        pending += message.time
        total += message.time
        if message.type == "set_tempo":
            event = struct.pack("<III", pending, 0, (MEVT_TEMPO << 24) | message.tempo)
        elif message.type == "sysex":
            data = bytes(message.bytes())
            event = (struct.pack("<III", pending, 0, MEVT_F_LONG | len(data))
                     + data + b"\0" * (-len(data) % 4))
            if len(event) > MAX_STREAM_BUFFER:
                raise ValueError(f"a SysEx message of {len(data)} bytes does not fit in a "
                                 f"stream buffer ({MAX_STREAM_BUFFER} bytes)")
        elif not message.is_meta:
            packed = sum(b << (8 * i) for i, b in enumerate(message.bytes()[:3]))
            event = struct.pack("<III", pending, 0, (MEVT_SHORTMSG << 24) | packed)
        else:
            continue
        pending = 0
        if size + len(event) > MAX_STREAM_BUFFER:
            buffers.append(b"".join(events))
            events, size = [], 0
        events.append(event)
        size += len(event)
    if events:
        buffers.append(b"".join(events))
    return buffers, total



class MidiStream:
    """A MIDI stream (``midiStream*``): MIDIEVENT buffers played on a drift-free clock.

    >>> with MidiStream("probe") as stream:  # doctest: +SKIP
    ...     stream.queue_file(mido.MidiFile("song.mid"))
    ...     stream.restart()
    ...     stream.wait()
    """

    def __init__(self, device: int | str | None = None) -> None:
        self._pending: dict[int, tuple[MIDIHDR, Any]] = {}
        self._idle = threading.Condition()
        handle = ctypes.c_void_p()
        device_id = ctypes.c_uint32(midi_device_id(device, "output", MIDI_MAPPER))
        check(winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(device_id), 1,
                                   self._callback, 0, CALLBACK_FUNCTION))
        self.handle: int | None = handle.value

    def _callback(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        if msg == MOM_DONE:
            with self._idle:
                self._pending.pop(p1, None)
                self._idle.notify_all()

    def _property(self, which: int, value: int | None = None) -> int:
        prop = (MIDIPROPTEMPO if which == MIDIPROP_TEMPO else MIDIPROPTIMEDIV)(cbStruct=8)
        field = prop._fields_[1][0]
        if value is not None:
            setattr(prop, field, value)
        check(winmm.midiStreamProperty(self.handle, ctypes.byref(prop),
                                       which | (MIDIPROP_GET if value is None else MIDIPROP_SET)))
        return int(getattr(prop, field))

    @property
    def tempo(self) -> int:
        """Microseconds per quarter note."""
        return self._property(MIDIPROP_TEMPO)

    @tempo.setter
    def tempo(self, value: int) -> None:
        self._property(MIDIPROP_TEMPO, value)

    @property
    def time_division(self) -> int:
        """Ticks per quarter note (or an SMPTE division); settable while not playing."""
        return self._property(MIDIPROP_TIMEDIV)

    @time_division.setter
    def time_division(self, value: int) -> None:
        self._property(MIDIPROP_TIMEDIV, value)

    def queue(self, data: bytes) -> None:
        """Queue one buffer of MIDIEVENT records."""
        memory = ctypes.create_string_buffer(data, len(data))
        hdr = MIDIHDR(lpData=ctypes.addressof(memory), dwBufferLength=len(data),
                      dwBytesRecorded=len(data))
        check(winmm.midiOutPrepareHeader(self.handle, ctypes.byref(hdr), _HDR_SIZE))
        with self._idle:
            self._pending[ctypes.addressof(hdr)] = (hdr, memory)
        result = winmm.midiStreamOut(self.handle, ctypes.byref(hdr), _HDR_SIZE)
        if result:
            with self._idle:
                self._pending.pop(ctypes.addressof(hdr), None)
            check(result)

    def queue_file(self, midi: mido.MidiFile) -> int:
        """Queue a whole Standard MIDI File; returns its length in ticks."""
        self.time_division = midi.ticks_per_beat
        buffers, total = smf_to_stream(midi)
        for data in buffers:
            self.queue(data)
        return total

    def restart(self) -> None:
        check(winmm.midiStreamRestart(self.handle))

    def pause(self) -> None:
        check(winmm.midiStreamPause(self.handle))

    def stop(self) -> None:
        """Stop; every queued buffer comes back, the position returns to 0."""
        check(winmm.midiStreamStop(self.handle))

    def position(self, kind: int = TIME_TICKS) -> int:
        """The position in ``kind`` units (TIME_TICKS by default; TIME_MS...)."""
        mmt = MMTIME(wType=kind)
        check(winmm.midiStreamPosition(self.handle, ctypes.byref(mmt), ctypes.sizeof(mmt)))
        return int(mmt.u.ticks)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every queued buffer has played; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def close(self) -> None:
        if self.handle is not None:
            check(winmm.midiStreamClose(self.handle))
            self.handle = None

    def __enter__(self) -> MidiStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
