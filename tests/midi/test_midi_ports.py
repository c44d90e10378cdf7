"""MIDI ports through RtMidi on a real JACK server: probe ports on the other end."""

from __future__ import annotations

import ctypes
import threading
import time

import pytest
from midikit import Collector, device_id, header, open_in, open_out

from audiodrv import winmm
from audiodrv.core.system import reset_system
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    MHDR_DONE,
    MHDR_PREPARED,
    MIDIERR_STILLPLAYING,
    MIDIHDR,
    MIDIOUTCAPSW,
    MIM_CLOSE,
    MIM_DATA,
    MIM_ERROR,
    MIM_LONGDATA,
    MIM_OPEN,
    MMSYSERR_NOERROR,
    MOD_MIDIPORT,
    MOM_CLOSE,
    MOM_DONE,
    MOM_OPEN,
)

pytestmark = pytest.mark.jack
HDR = ctypes.sizeof(MIDIHDR)


def test_port_caps(probe):
    caps = MIDIOUTCAPSW()
    assert winmm.midiOutGetDevCapsW(device_id("out", "probe_in:in"), ctypes.byref(caps),
                                    ctypes.sizeof(caps)) == MMSYSERR_NOERROR
    assert (caps.wTechnology, caps.wVoices, caps.wNotes, caps.wChannelMask, caps.dwSupport) \
        == (MOD_MIDIPORT, 0, 0, 0xFFFF, 0)


def test_short_messages_with_and_without_running_status(probe):
    notes = Collector()
    h = open_out(notes)
    for msg in (0x7F3C90, 0x00403E, 0x0000C5, 0x000080 | 0x3C << 8):
        assert winmm.midiOutShortMsg(h, msg) == MMSYSERR_NOERROR
    assert probe.received.wait(4)
    assert probe.received.items == [[0x90, 0x3C, 0x7F], [0x90, 0x3E, 0x40], [0xC5, 0x00],
                                    [0x80, 0x3C, 0x00]]
    assert winmm.midiOutClose(h) == MMSYSERR_NOERROR
    assert [m for m, *_ in notes.items] == [MOM_OPEN, MOM_CLOSE]


def test_sysex_out_comes_back_intact_with_mom_done(probe):
    notes = Collector()
    h = open_out(notes)
    payload = bytes([0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7])
    hdr, _mem = header(payload)
    assert winmm.midiOutPrepareHeader(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert winmm.midiOutLongMsg(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert notes.wait(2)
    assert notes.items[1] == (MOM_DONE, ctypes.addressof(hdr), 0)
    assert hdr.dwFlags == MHDR_DONE | MHDR_PREPARED
    assert probe.received.wait(1) and bytes(probe.received.items[0]) == payload
    winmm.midiOutUnprepareHeader(h, ctypes.byref(hdr), HDR)
    winmm.midiOutClose(h)


def test_input_short_messages_timestamps_and_errors(probe, jack_server):
    notes = Collector()
    h = open_in(notes)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    started = time.monotonic()
    sent = []
    for i in range(5):
        sent.append((time.monotonic() - started) * 1000)
        probe.midi_out.send_message([0x90, 60 + i, 100])
        threading.Event().wait(0.02)  # spacing the sends apart in time, not synchronising
    assert notes.wait(1 + 5)
    data = [n for n in notes.items if n[0] == MIM_DATA]
    assert [p1 for _m, p1, _p2 in data] == [0x90 | (60 + i) << 8 | 100 << 16 for i in range(5)]
    stamps = [p2 for _m, _p1, p2 in data]
    assert stamps == sorted(stamps)
    period_ms = jack_server.period / jack_server.rate * 1000
    for stamp, at in zip(stamps, sent, strict=True):
        assert -1 <= stamp - at <= 2 * period_ms + 2 + 5  # two periods, rounding, scheduling
    probe.midi_out.send_message([0x90, 0x3C])  # truncated: a note-on needs two data bytes
    assert notes.wait(1 + 6)
    assert notes.items[-1][0] == MIM_ERROR and notes.items[-1][1] == 0x3C90
    winmm.midiInStop(h)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR
    assert notes.items[0][0] == MIM_OPEN and notes.items[-1][0] == MIM_CLOSE


def test_sysex_longer_than_a_buffer_spans_buffers(probe):
    notes = Collector()
    h = open_in(notes)
    bufs = [header(200) for _ in range(2)]
    for hdr, _mem in bufs:
        assert winmm.midiInPrepareHeader(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
        assert winmm.midiInAddBuffer(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert winmm.midiInClose(h) == MIDIERR_STILLPLAYING
    winmm.midiInStart(h)
    payload = bytes([0xF0, *[i % 128 for i in range(298)], 0xF7])
    probe.midi_out.send_message(list(payload))
    assert notes.wait(1 + 2)
    longdata = [n for n in notes.items if n[0] == MIM_LONGDATA]
    assert [p1 for _m, p1, _p2 in longdata] == [ctypes.addressof(h) for h, _ in bufs]
    assert [h.dwBytesRecorded for h, _ in bufs] == [200, 100]
    got = bufs[0][1].raw[:200] + bufs[1][1].raw[:100]
    assert got == payload
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_reset_returns_every_buffer(probe):
    notes = Collector()
    h = open_in(notes)
    bufs = [header(64) for _ in range(3)]
    for hdr, _mem in bufs:
        winmm.midiInPrepareHeader(h, ctypes.byref(hdr), HDR)
        winmm.midiInAddBuffer(h, ctypes.byref(hdr), HDR)
    winmm.midiInStart(h)
    assert winmm.midiInReset(h) == MMSYSERR_NOERROR
    assert notes.wait(1 + 3)
    assert [p1 for m, p1, _ in notes.items if m == MIM_LONGDATA] == \
        [ctypes.addressof(hdr) for hdr, _ in bufs]
    assert all(hdr.dwFlags == MHDR_DONE | MHDR_PREPARED and hdr.dwBytesRecorded == 0
               for hdr, _ in bufs)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_midi_mapper_routes_to_the_port(probe):
    from audiodrv.mmsystem import MIDI_MAPPER, MOD_MAPPER, get_string

    caps = MIDIOUTCAPSW()
    assert winmm.midiOutGetDevCapsW(MIDI_MAPPER, ctypes.byref(caps), ctypes.sizeof(caps)) == 0
    assert caps.wTechnology == MOD_MAPPER and get_string(caps, "szPname") == "MIDI Mapper"
    notes = Collector()
    handle = ctypes.c_void_p()
    assert winmm.midiOutOpen(ctypes.byref(handle), MIDI_MAPPER,
                             lambda h, m, i, p1, p2: notes.add((m, p1)), 0,
                             CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    h = handle.value
    assert winmm.midiOutShortMsg(h, 0x40_3C_91) == MMSYSERR_NOERROR
    hdr, _mem = header(bytes([0xF0, 0x01, 0xF7]))
    winmm.midiOutPrepareHeader(h, ctypes.byref(hdr), HDR)
    assert winmm.midiOutLongMsg(h, ctypes.byref(hdr), HDR) == MMSYSERR_NOERROR
    assert probe.received.wait(2)
    assert probe.received.items == [[0x91, 0x3C, 0x40], [0xF0, 0x01, 0xF7]]
    assert winmm.midiOutClose(h) == MMSYSERR_NOERROR
    assert [m for m, _ in notes.items] == [MOM_OPEN, MOM_DONE, MOM_CLOSE]
    assert notes.items[1][1] == ctypes.addressof(hdr)
    assert hdr.dwFlags == MHDR_DONE | MHDR_PREPARED


def test_virtual_ports_from_the_driver_section(probe, jack_server, tmp_path):
    ini = tmp_path / "VIRTUAL.INI"
    ini.write_text("[drivers]\nmidi=midirt.drv\n\n[midirt.drv]\napi=jack\nvirtual=vport\n")
    reset_system(ini)
    notes = Collector()
    handle = ctypes.c_void_p()
    assert winmm.midiOutOpen(ctypes.byref(handle), device_id("out", "vport"),
                             lambda h, m, i, p1, p2: notes.add(m), 0, CALLBACK_FUNCTION) == 0
    (port,) = [p for p in jack_server.ports("vport")]  # the port the device opened
    jack_server.connect(port, "probe_in:in")
    assert winmm.midiOutShortMsg(handle.value, 0x50_40_92) == MMSYSERR_NOERROR
    assert probe.received.wait(1) and probe.received.items == [[0x92, 0x40, 0x50]]
    assert winmm.midiOutClose(handle.value) == MMSYSERR_NOERROR
    in_handle = ctypes.c_void_p()
    assert winmm.midiInOpen(ctypes.byref(in_handle), device_id("in", "vport"), 0, 0, 0) == 0
    assert winmm.midiInClose(in_handle.value) == MMSYSERR_NOERROR
