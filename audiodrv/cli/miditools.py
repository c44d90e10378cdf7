"""``audiodrv midiplay`` and ``midimon``: Standard MIDI Files through midiStream*, and a
monitor of incoming messages."""

from __future__ import annotations

import argparse
import ctypes
import queue
import struct
import sys
import threading
from pathlib import Path

import mido

from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    MEVT_F_LONG,
    MEVT_SHORTMSG,
    MEVT_TEMPO,
    MIDIHDR,
    MIDIPROP_SET,
    MIDIPROP_TIMEDIV,
    MIDIPROPTIMEDIV,
    MMTIME,
    MOM_DONE,
    TIME_TICKS,
    check,
)

__all__ = ["add_commands", "smf_to_stream"]

EVENTS_PER_BUFFER = 4096  # well under the 64 KB a stream buffer may hold


def smf_to_stream(midi: mido.MidiFile) -> tuple[list[bytes], int]:
    """A Standard MIDI File as MIDIEVENT stream buffers, and its length in ticks.

    Tracks are merged; tempo meta events become ``MEVT_TEMPO``, SysEx long events, channel
    and system messages short events; other meta events only advance time.
    """
    buffers, events, pending, total = [], [], 0, 0
    for message in mido.merge_tracks(midi.tracks):
        pending += message.time
        total += message.time
        if message.type == "set_tempo":
            events.append(struct.pack("<III", pending, 0, (MEVT_TEMPO << 24) | message.tempo))
        elif message.type == "sysex":
            data = bytes(message.bytes())
            events.append(struct.pack("<III", pending, 0, MEVT_F_LONG | len(data))
                          + data + b"\0" * (-len(data) % 4))
        elif not message.is_meta:
            packed = sum(b << (8 * i) for i, b in enumerate(message.bytes()[:3]))
            events.append(struct.pack("<III", pending, 0, (MEVT_SHORTMSG << 24) | packed))
        else:
            continue
        pending = 0
        if len(events) == EVENTS_PER_BUFFER:
            buffers.append(b"".join(events))
            events = []
    if events:
        buffers.append(b"".join(events))
    return buffers, total


def _midi_id(name: str | None, kind: str) -> int:
    from audiodrv.midi import midi_device_id
    from audiodrv.mmsystem import MIDI_MAPPER

    if name is not None and name.isdigit():
        return int(name)
    return midi_device_id(name, kind, MIDI_MAPPER if kind == "output" else 0)


def midiplay(args: argparse.Namespace) -> int:
    from audiodrv import winmm

    try:
        midi = mido.MidiFile(str(args.file))
    except (OSError, EOFError, ValueError) as exc:
        raise SystemExit(f"audiodrv: cannot read {args.file}: {exc}") from exc
    if midi.type == 2:
        raise SystemExit("audiodrv: type 2 MIDI files (independent patterns) are not supported")
    buffers, total = smf_to_stream(midi)
    finished = threading.Semaphore(0)
    handle, device = ctypes.c_void_p(), ctypes.c_uint32(_midi_id(args.device, "output"))
    check(winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(device), 1,
                               lambda h, msg, i, p1, p2: msg == MOM_DONE and finished.release(),
                               0, CALLBACK_FUNCTION))
    hms = handle.value
    try:
        timediv = MIDIPROPTIMEDIV(cbStruct=8, dwTimeDiv=midi.ticks_per_beat)
        check(winmm.midiStreamProperty(hms, ctypes.byref(timediv),
                                       MIDIPROP_SET | MIDIPROP_TIMEDIV))
        keep = []  # the buffers must live until the stream returns them
        for data in buffers:
            memory = ctypes.create_string_buffer(data, len(data))
            hdr = MIDIHDR(lpData=ctypes.addressof(memory), dwBufferLength=len(data),
                          dwBytesRecorded=len(data))
            check(winmm.midiOutPrepareHeader(hms, ctypes.byref(hdr), ctypes.sizeof(hdr)))
            check(winmm.midiStreamOut(hms, ctypes.byref(hdr), ctypes.sizeof(hdr)))
            keep.append((hdr, memory))
        check(winmm.midiStreamRestart(hms))
        mmt = MMTIME()
        for _ in buffers:
            while not finished.acquire(timeout=0.1):
                mmt.wType = TIME_TICKS
                winmm.midiStreamPosition(hms, ctypes.byref(mmt), ctypes.sizeof(mmt))
                _progress(mmt.u.ticks, total)
        _progress(total, total)
        sys.stderr.write("\n")
    finally:
        winmm.midiStreamClose(hms)
    return 0


def _progress(done: int, total: int, width: int = 40) -> None:
    filled = width * min(done, total) // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                     f"{min(done, total) / max(total, 1):4.0%}")
    sys.stderr.flush()


def midimon(args: argparse.Namespace) -> int:
    from audiodrv.midi import MidiIn

    stop = threading.Event()
    with MidiIn(_midi_id(args.device, "input")) as midi_in:
        midi_in.start()
        print("listening; Ctrl-C to stop", file=sys.stderr)
        timer = threading.Timer(args.seconds, stop.set) if args.seconds else None
        if timer:
            timer.start()
        try:
            while not stop.is_set():
                try:
                    message, stamp = midi_in.receive(timeout=0.1)
                except queue.Empty:
                    continue
                print(f"{stamp:10d} ms  {message}", flush=True)
        except KeyboardInterrupt:
            pass
        finally:
            if timer:
                timer.cancel()
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    play = sub.add_parser("midiplay", help="play a Standard MIDI File through midiStream*")
    play.add_argument("file", type=Path)
    play.add_argument("--device", help="MIDI output id or name (default: the MIDI mapper)")
    play.set_defaults(run=midiplay)
    mon = sub.add_parser("midimon", help="print incoming MIDI messages")
    mon.add_argument("--device", help="MIDI input id or name (default: 0)")
    mon.add_argument("--seconds", type=float, help="stop after this long")
    mon.set_defaults(run=midimon)
