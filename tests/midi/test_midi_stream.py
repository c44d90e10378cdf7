"""midiStream* on a real JACK MIDI port: events arrive on schedule, callbacks in order."""

from __future__ import annotations

import ctypes
import struct
import time

import pytest
from midikit import Collector, device_id, event

from audiodrv import winmm
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    CALLBACK_NULL,
    MEVT_F_CALLBACK,
    MEVT_F_LONG,
    MEVT_NOP,
    MEVT_SHORTMSG,
    MEVT_TEMPO,
    MHDR_DONE,
    MHDR_ISSTRM,
    MHDR_PREPARED,
    MIDIHDR,
    MIDIPROP_GET,
    MIDIPROP_SET,
    MIDIPROP_TEMPO,
    MIDIPROP_TIMEDIV,
    MIDIPROPTEMPO,
    MIDIPROPTIMEDIV,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMTIME,
    MOM_CLOSE,
    MOM_DONE,
    MOM_OPEN,
    MOM_POSITIONCB,
    TIME_MS,
    TIME_TICKS,
)

pytestmark = pytest.mark.jack
HDR = ctypes.sizeof(MIDIHDR)


def long_event(delta: int, data: bytes) -> bytes:
    padded = data + b"\0" * (-len(data) % 4)
    return struct.pack("<III", delta, 0, MEVT_F_LONG | len(data)) + padded


def open_stream(notes: Collector) -> int:
    handle = ctypes.c_void_p()
    dev = ctypes.c_uint32(device_id("out", "probe_in:in"))
    cb = lambda h, msg, inst, p1, p2: notes.add((msg, p1, time.monotonic()))  # noqa: E731
    assert winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(dev), 1, cb, 0,
                                CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    return handle.value


def stream_header(data: bytes) -> tuple[MIDIHDR, ctypes.Array]:
    mem = ctypes.create_string_buffer(data, len(data))
    hdr = MIDIHDR(lpData=ctypes.addressof(mem), dwBufferLength=len(data),
                  dwBytesRecorded=len(data))
    return hdr, mem


def test_events_arrive_on_schedule_with_a_tempo_change(probe, jack_server):
    notes = Collector()
    h = open_stream(notes)
    tempo = MIDIPROPTEMPO(cbStruct=8)
    assert winmm.midiStreamProperty(h, ctypes.byref(tempo), MIDIPROP_GET | MIDIPROP_TEMPO) == 0
    assert tempo.dwTempo == 500000  # a fresh stream: 120 BPM, 24 PPQN, paused (B151)
    # 24 PPQN at 500000 us/qn: 12 ticks = 250 ms; after the tempo event 12 ticks = 125 ms.
    data = (event(0, MEVT_SHORTMSG, 0x7F3C90) + event(12, MEVT_SHORTMSG, 0x003C80)
            + event(0, MEVT_TEMPO, 250000) + event(12, MEVT_SHORTMSG, 0x7F3E90, MEVT_F_CALLBACK)
            + long_event(12, bytes([0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7]))
            + event(0, MEVT_NOP, 0, MEVT_F_CALLBACK))
    hdr, _mem = stream_header(data)
    assert winmm.midiOutPrepareHeader(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert winmm.midiStreamOut(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    started = time.monotonic()
    assert winmm.midiStreamRestart(h) == MMSYSERR_NOERROR
    assert probe.received.wait(4, timeout=5)
    arrivals = list(zip(probe.received.items, probe.received.times, strict=True))
    assert [m for m, _t in arrivals] == [[0x90, 0x3C, 0x7F], [0x80, 0x3C, 0x00],
                                         [0x90, 0x3E, 0x7F],
                                         [0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7]]
    period = jack_server.period / jack_server.rate
    for (_m, at), due in zip(arrivals, (0.0, 0.250, 0.375, 0.500), strict=True):
        assert -0.002 <= at - started - due <= 2 * period + 0.002
    assert notes.wait(1 + 3)
    kinds = [(m, p1) for m, p1, _t in notes.items]
    assert kinds == [(MOM_OPEN, 0), (MOM_POSITIONCB, ctypes.addressof(hdr)),
                     (MOM_POSITIONCB, ctypes.addressof(hdr)), (MOM_DONE, ctypes.addressof(hdr))]
    assert hdr.dwOffset == len(data) - 12  # the last MEVT_F_CALLBACK event
    assert hdr.dwFlags == MHDR_DONE | MHDR_PREPARED | MHDR_ISSTRM
    assert winmm.midiStreamProperty(h, ctypes.byref(tempo), MIDIPROP_GET | MIDIPROP_TEMPO) == 0
    assert tempo.dwTempo == 250000
    mmt = MMTIME(wType=TIME_TICKS)
    assert winmm.midiStreamPosition(h, ctypes.byref(mmt), ctypes.sizeof(mmt)) == 0
    assert mmt.wType == TIME_TICKS and mmt.u.ticks >= 36
    assert winmm.midiStreamClose(h) == MMSYSERR_NOERROR
    assert notes.items[-1][0] == MOM_CLOSE


def test_stop_returns_every_header_and_zeroes_the_position(probe):
    notes = Collector()
    h = open_stream(notes)
    hdrs = [stream_header(event(96, MEVT_SHORTMSG, 0x7F3C90)) for _ in range(3)]
    for hdr, _mem in hdrs:
        winmm.midiOutPrepareHeader(h, ctypes.byref(hdr), HDR)
        assert winmm.midiStreamOut(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    timediv = MIDIPROPTIMEDIV(cbStruct=8, dwTimeDiv=96)
    assert winmm.midiStreamProperty(h, ctypes.byref(timediv),
                                    MIDIPROP_SET | MIDIPROP_TIMEDIV) == MMSYSERR_NOERROR
    winmm.midiStreamRestart(h)
    assert winmm.midiStreamProperty(h, ctypes.byref(timediv),
                                    MIDIPROP_SET | MIDIPROP_TIMEDIV) == MMSYSERR_INVALPARAM
    assert winmm.midiStreamStop(h) == MMSYSERR_NOERROR
    assert notes.wait(1 + 3)
    assert [p1 for m, p1, _t in notes.items if m == MOM_DONE] == \
        [ctypes.addressof(hdr) for hdr, _ in hdrs]
    mmt = MMTIME(wType=TIME_MS)
    winmm.midiStreamPosition(h, ctypes.byref(mmt), ctypes.sizeof(mmt))
    assert (mmt.wType, mmt.u.ms) == (TIME_MS, 0)
    assert winmm.midiStreamClose(h) == MMSYSERR_NOERROR


def test_stream_parameter_checks(probe):
    notes = Collector()
    handle, dev = ctypes.c_void_p(), ctypes.c_uint32(0)
    assert winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(dev), 2, 0, 0, 0) == \
        MMSYSERR_INVALPARAM
    h = open_stream(notes)
    hdr, _mem = stream_header(event(0, MEVT_SHORTMSG, 0x90) + b"\0\0")
    winmm.midiOutPrepareHeader(h, ctypes.byref(hdr), HDR)
    assert winmm.midiStreamOut(h, ctypes.byref(hdr), HDR) == MMSYSERR_INVALPARAM  # 14 bytes
    winmm.midiStreamClose(h)


def test_midiplay_plays_a_generated_standard_midi_file(probe, jack_server, tmp_path):
    import os
    import subprocess
    import sys

    import mido

    song = mido.MidiFile(ticks_per_beat=96)
    track = mido.MidiTrack()
    song.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=400000, time=0))
    for i, note in enumerate((60, 64, 67)):
        track.append(mido.Message("note_on", note=note, velocity=80, time=0 if i == 0 else 48))
        track.append(mido.Message("note_off", note=note, velocity=0, time=48))
    path = tmp_path / "song.mid"
    song.save(path)
    env = {**os.environ, **jack_server.env,
           "AUDIODRV_SYSTEM_INI": os.environ["AUDIODRV_SYSTEM_INI"]}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "audiodrv", "midiplay", str(path),
                             "--device", "probe_in"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr
    assert probe.received.wait(6)
    notes = [m[:2] for m in probe.received.items if m[0] & 0xF0 in (0x80, 0x90)]
    assert notes == [[0x90, 60], [0x80, 60], [0x90, 64], [0x80, 64], [0x90, 67], [0x80, 67]]
    # Closing the stream stops it, and a stop resets the device (B173): controllers follow.
    assert probe.received.items[6:] and all(m[0] & 0xF0 == 0xB0 for m in probe.received.items[6:])
    # 5 x 48 ticks at 96 PPQN and 400 ms per quarter = 1 s from first to last note.
    assert time.monotonic() - started >= 1.0


def test_midimon_prints_incoming_messages(probe, jack_server):
    import os
    import subprocess
    import sys

    env = {**os.environ, **jack_server.env,
           "AUDIODRV_SYSTEM_INI": os.environ["AUDIODRV_SYSTEM_INI"]}
    mon = subprocess.Popen([sys.executable, "-m", "audiodrv", "midimon", "--device",
                            "probe_out", "--seconds", "4"], env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert mon.stderr is not None and "listening" in mon.stderr.readline()
        probe.midi_out.send_message([0x93, 0x45, 0x33])
        out, _err = mon.communicate(timeout=30)
    finally:
        mon.kill()
    assert mon.returncode == 0
    assert "note_on channel=3 note=69 velocity=51" in out


def test_each_position_callback_sees_the_offset_of_its_own_event(probe):
    """B158/B160: five flagged NOPs due at once; each MOM_POSITIONCB reads its own offset
    (the notifications run after the scheduler has played all five)."""
    seen: list[tuple[int, int]] = []
    finished = Collector()
    hdr, _mem = stream_header(b"".join(event(0, MEVT_NOP, 0, MEVT_F_CALLBACK) for _ in range(5)))

    def callback(h: int, msg: int, inst: int, p1: int, p2: int) -> None:
        if msg == MOM_POSITIONCB:
            seen.append((msg, hdr.dwOffset))
        elif msg == MOM_DONE:
            finished.add(msg)

    handle = ctypes.c_void_p()
    dev = ctypes.c_uint32(device_id("out", "probe_in:in"))
    assert winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(dev), 1, callback, 0,
                                CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    h = handle.value
    assert winmm.midiOutPrepareHeader(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert winmm.midiStreamOut(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert winmm.midiStreamRestart(h) == MMSYSERR_NOERROR
    assert finished.wait(1)
    assert seen == [(MOM_POSITIONCB, offset) for offset in (0, 12, 24, 36, 48)]
    assert winmm.midiStreamClose(h) == MMSYSERR_NOERROR


def test_a_caller_polling_without_callback_sees_the_offset_when_done(probe):
    """B160 with CALLBACK_NULL: the application polls the header, so dwOffset must already
    hold the last flagged event's offset when DONE shows."""
    hdr, _mem = stream_header(b"".join(event(0, MEVT_NOP, 0, MEVT_F_CALLBACK) for _ in range(5)))
    handle = ctypes.c_void_p()
    dev = ctypes.c_uint32(device_id("out", "probe_in:in"))
    assert winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(dev), 1, 0, 0,
                                CALLBACK_NULL) == MMSYSERR_NOERROR
    h = handle.value
    assert winmm.midiOutPrepareHeader(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert winmm.midiStreamOut(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert winmm.midiStreamRestart(h) == MMSYSERR_NOERROR
    deadline = time.monotonic() + 2
    while not hdr.dwFlags & MHDR_DONE and time.monotonic() < deadline:
        time.sleep(0.001)  # CALLBACK_NULL: polling the flag is the application's only way
    assert hdr.dwFlags & MHDR_DONE and hdr.dwOffset == 48
    assert winmm.midiStreamClose(h) == MMSYSERR_NOERROR
