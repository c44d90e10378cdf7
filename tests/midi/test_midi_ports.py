"""MIDI ports through RtMidi on a real JACK server: probe ports on the other end."""

from __future__ import annotations

import ctypes
import sys
import threading
import time

import pytest
from midikit import Collector, add_buffers, device_id, driver_instance, header, open_in, open_out

from audiodrv import winmm
from audiodrv.core.notify import notifier
from audiodrv.core.system import get_system, reset_system
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
    MIM_LONGERROR,
    MIM_OPEN,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTENABLED,
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


def test_input_short_messages_timestamps_and_errors(probe, jack_server, reading):
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
        assert -1 <= stamp - at <= 2 * period_ms + 1  # two periods, and whole milliseconds
    probe.midi_out.send_message([0x90, 0x3C])  # truncated: a note-on needs two data bytes
    assert notes.wait(1 + 6)
    assert notes.items[-1][0] == MIM_ERROR and notes.items[-1][1] == 0x3C90
    winmm.midiInStop(h)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR
    assert notes.items[0][0] == MIM_OPEN and notes.items[-1][0] == MIM_CLOSE


def test_active_sensing_is_dropped_and_real_time_bytes_come_alone(probe, reading):
    """B143: 0xFE is not forwarded; clock, start, continue, stop and reset arrive as
    single-byte messages, in order with the rest."""
    notes = Collector()
    h = open_in(notes)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    sent = [[0xFE], [0xF8], [0xFA], [0x90, 60, 100], [0xFE], [0xFB], [0xFC], [0xFF],
            [0x80, 60, 0]]
    for message in sent:
        probe.midi_out.send_message(message)
    expected = [m for m in sent if m != [0xFE]]
    assert notes.wait(1 + len(expected))
    packed = [sum(b << 8 * i for i, b in enumerate(m)) for m in expected]
    assert [(m, p1) for m, p1, _p2 in notes.items[1:]] == [(MIM_DATA, p) for p in packed]
    winmm.midiInReset(h)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_active_sensing_inside_a_sysex_is_dropped_too(probe, reading):
    """A SysEx sent in parts with 0xFE between them (the input joins the parts until 0xF7)
    fills its buffer without the 0xFE, and no MIM_DATA 0xFE comes."""
    notes = Collector()
    h = open_in(notes)
    (hdr, mem), = add_buffers(h, 1, 16)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    for part in ([0xF0, 0x7D, 0x01], [0xFE], [0x02, 0xF7]):
        probe.midi_out.send_message(part)
    assert notes.wait(1 + 1)
    assert not notes.wait(1 + 2, timeout=0.1)
    assert [(m, p1) for m, p1, _p2 in notes.items[1:]] == \
        [(MIM_LONGDATA, ctypes.addressof(hdr))]
    assert mem.raw[:hdr.dwBytesRecorded] == bytes([0xF0, 0x7D, 0x01, 0x02, 0xF7])
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_sysex_longer_than_a_buffer_spans_buffers(probe, reading):
    notes = Collector()
    h = open_in(notes)
    bufs = add_buffers(h, 2, 200)
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


def test_reset_returns_every_buffer(probe, reading):
    notes = Collector()
    h = open_in(notes)
    bufs = add_buffers(h, 3, 64)
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


def test_mapper_volume_is_its_own_and_reaches_a_target_with_volume(jack_server, tmp_path):
    """B104: the mapper claims MIDICAPS_VOLUME, so its volume reads back (0xFFFFFFFF at
    first) by id and by handle; a set reaches the synthesizer it maps to."""
    from audiodrv.engine import portaudio
    from audiodrv.mmsystem import MIDI_MAPPER, MIDICAPS_VOLUME

    ini = tmp_path / "SYNTH.INI"
    ini.write_text("[drivers]\nmidi=fluidsyn.drv\nMidiMapper=midimap.drv\n")
    reset_system(ini)
    try:
        caps = MIDIOUTCAPSW()
        assert winmm.midiOutGetDevCapsW(MIDI_MAPPER, ctypes.byref(caps), ctypes.sizeof(caps)) == 0
        assert caps.dwSupport & MIDICAPS_VOLUME
        volume = ctypes.c_uint32()
        assert winmm.midiOutGetVolume(MIDI_MAPPER, ctypes.byref(volume)) == MMSYSERR_NOERROR
        assert volume.value == 0xFFFFFFFF
        assert winmm.midiOutSetVolume(MIDI_MAPPER, 0x8000_4000) == MMSYSERR_NOERROR
        assert winmm.midiOutGetVolume(MIDI_MAPPER, ctypes.byref(volume)) == MMSYSERR_NOERROR
        assert volume.value == 0x8000_4000
        assert winmm.midiOutGetVolume(0, ctypes.byref(volume)) == MMSYSERR_NOERROR
        assert volume.value == 0x8000_4000  # the synthesizer the mapper routes to
        handle = ctypes.c_void_p()
        assert winmm.midiOutOpen(ctypes.byref(handle), MIDI_MAPPER, 0, 0, 0) == 0
        assert winmm.midiOutSetVolume(handle.value, 0x1234_5678) == MMSYSERR_NOERROR
        assert winmm.midiOutGetVolume(handle.value, ctypes.byref(volume)) == MMSYSERR_NOERROR
        assert volume.value == 0x1234_5678
        assert winmm.midiOutGetVolume(0, ctypes.byref(volume)) == MMSYSERR_NOERROR
        assert volume.value == 0x1234_5678
        assert winmm.midiOutClose(handle.value) == MMSYSERR_NOERROR
    finally:
        reset_system()
        portaudio.terminate()  # PortAudio cannot let go of a JACK server that stopped first


def test_mapper_skips_a_midi_through_port(jack_server, tmp_path, monkeypatch):
    """ALSA's "Midi Through" port plays nothing: chosen automatically, the mapper would
    be silent.  Listed first here, it is passed over for the next port."""
    import rtmidi
    from midikit import PortCollector, Probe

    from audiodrv.mmsystem import MIDI_MAPPER

    through = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="Midi Through")
    through.open_virtual_port("Port-0")
    probe = Probe()
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text("[drivers]\nmidi=midirt.drv\nMidiMapper=midimap.drv\n\n[midirt.drv]\napi=jack\n")
    reset_system(ini)
    try:
        assert device_id("out", "Midi Through:Port-0") < device_id("out", "probe_in:in")
        handle = ctypes.c_void_p()
        assert winmm.midiOutOpen(ctypes.byref(handle), MIDI_MAPPER, 0, 0, 0) == 0
        assert winmm.midiOutShortMsg(handle.value, 0x40_3C_90) == MMSYSERR_NOERROR
        assert probe.received.wait(1)
        assert probe.received.items == [[0x90, 0x3C, 0x40]]
        assert not PortCollector(through).wait(1, timeout=0.1)
        assert winmm.midiOutClose(handle.value) == MMSYSERR_NOERROR
    finally:
        reset_system()
        probe.close()
        through.close_port()
        through.delete()


def test_a_batch_keeps_the_arrival_times_of_its_messages(probe, jack_server, reading):
    """Messages collected in one poll are stamped with when each arrived (RtMidi's
    spacing, placed after the message before them), not all with the time of the poll."""
    notes = Collector()
    h = open_in(notes)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    started = time.monotonic()
    sent = [(time.monotonic() - started) * 1000]
    probe.midi_out.send_message([0x90, 59, 100])  # collected at once: the chain's anchor
    assert notes.wait(1 + 1)
    with driver_instance(h).drain_lock:  # a poll cannot collect until released
        for i in range(4):
            sent.append((time.monotonic() - started) * 1000)
            probe.midi_out.send_message([0x90, 60 + i, 100])
            threading.Event().wait(0.03)  # spacing the sends apart in time, not synchronising
    assert notes.wait(1 + 5)
    stamps = [p2 for m, _p1, p2 in notes.items if m == MIM_DATA]
    period_ms = jack_server.period / jack_server.rate * 1000
    for stamp, at in zip(stamps, sent, strict=True):
        assert -1 <= stamp - at <= 2 * period_ms + 1
    winmm.midiInStop(h)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_a_sysex_cut_short_returns_its_buffer_with_longerror(probe, reading):
    """A status byte ends a SysEx: the buffer holding it comes back with MIM_LONGERROR;
    what follows is delivered for what it is.  Real-time bytes inside a SysEx are
    delivered apart and not stored."""
    notes = Collector()
    h = open_in(notes)
    bufs = add_buffers(h, 4, 16)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    # RtMidi joins JACK events until an 0xF7: this arrives as one message.
    probe.midi_out.send_message([0xF0, 0x01, 0x02])
    probe.midi_out.send_message([0xF0, 0x03, 0xF8, 0xF7])
    probe.midi_out.send_message([0xF0, 0x04, 0x91, 0x3C, 0x40, 0xF7])
    assert notes.wait(1 + 6)
    got = [(m, p1) for m, p1, _p2 in notes.items[1:]]
    assert got == [(MIM_LONGERROR, ctypes.addressof(bufs[0][0])),
                   (MIM_DATA, 0xF8),
                   (MIM_LONGDATA, ctypes.addressof(bufs[1][0])),
                   (MIM_LONGERROR, ctypes.addressof(bufs[2][0])),
                   (MIM_DATA, 0x40_3C_91),
                   (MIM_ERROR, 0xF7)]  # the 0xF7 that ended nothing
    assert [bytes(mem.raw[:hdr.dwBytesRecorded]) for hdr, mem in bufs[:3]] == \
        [bytes([0xF0, 0x01, 0x02]), bytes([0xF0, 0x03, 0xF7]), bytes([0xF0, 0x04])]
    assert all(hdr.dwFlags == MHDR_DONE | MHDR_PREPARED for hdr, _ in bufs[:3])
    assert winmm.midiInReset(h) == MMSYSERR_NOERROR
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_a_sysex_with_no_buffer_is_reported_as_mim_error(probe, reading):
    """No header to return, so no MIM_LONGERROR (its p1 is a header): one MIM_ERROR
    whose p1 holds the SysEx's first bytes, 0xF0 in the low byte."""
    notes = Collector()
    h = open_in(notes)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    probe.midi_out.send_message([0xF0, 0x7E, 0x01, 0x02, 0xF7])
    probe.midi_out.send_message([0x90, 0x3C, 0x40])
    assert notes.wait(1 + 2)
    assert [(m, p1) for m, p1, _p2 in notes.items[1:]] == \
        [(MIM_ERROR, 0x01_7E_F0), (MIM_DATA, 0x40_3C_90)]
    winmm.midiInStop(h)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_short_message_data_bytes_are_masked_and_a_lone_f0_is_not_sent(probe):
    notes = Collector()
    h = open_out(notes)
    assert winmm.midiOutShortMsg(h, 0xFF_BC_90) == MMSYSERR_NOERROR  # top bits set
    assert winmm.midiOutShortMsg(h, 0x00_00_F0) == MMSYSERR_NOERROR  # SysEx needs LongMsg
    assert winmm.midiOutShortMsg(h, 0x00_40_3E) == MMSYSERR_NOERROR  # running status cleared
    assert winmm.midiOutShortMsg(h, 0x00_05_C1) == MMSYSERR_NOERROR
    assert probe.received.wait(2)
    assert not probe.received.wait(3, timeout=0.1)
    assert probe.received.items == [[0x90, 0x3C, 0x7F], [0xC1, 0x05]]
    assert winmm.midiOutClose(h) == MMSYSERR_NOERROR


def test_close_waits_for_a_batch_being_delivered(probe, reading):
    """A batch a poll already collected goes out before MIM_CLOSE, never after."""
    notes = Collector()
    h = open_in(notes)
    inst = driver_instance(h)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    collecting, release = threading.Event(), threading.Event()
    receive = inst.port.receive

    def slow_receive() -> list:
        batch = receive()
        if batch:
            collecting.set()
            release.wait(5)
        return batch

    inst.port.receive = slow_receive
    probe.midi_out.send_message([0x90, 0x3C, 0x40])
    assert collecting.wait(5)
    closer = threading.Thread(target=lambda: notes.add(("closed", winmm.midiInClose(h), 0)))
    closer.start()
    closer.join(0.2)  # time for a close that does not wait to finish first (the bug)
    release.set()
    closer.join(5)
    assert [m for m, _p1, _p2 in notes.items] == [MIM_OPEN, MIM_DATA, MIM_CLOSE, "closed"]
    assert notes.items[-1][1] == MMSYSERR_NOERROR


@pytest.mark.parametrize("reading", ["polled"], indirect=True)
def test_an_idle_started_input_polls_less_often(probe, reading):
    """Polling backs off when no message comes, and is fast again after one (the rule,
    not wall-clock poll counts: those belong to the benchmarks)."""
    notes = Collector()
    h = open_in(notes)
    midirt = sys.modules[type(driver_instance(h)).__module__]
    intervals = [midirt.poll_interval(quiet) for quiet in (0, 0.2, 0.3, 0.5, 1.0, 60)]
    assert intervals[0] == intervals[1] == midirt.POLL_INTERVAL
    assert intervals == sorted(intervals) and intervals[2] > midirt.POLL_INTERVAL
    assert intervals[-1] == midirt.QUIET_POLL_INTERVAL
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    started = midirt._driver._active_ns
    probe.midi_out.send_message([0x90, 0x3C, 0x40])
    assert notes.wait(2)
    assert midirt._driver._active_ns > started  # the quiet spell starts over
    winmm.midiInStop(h)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


@pytest.mark.parametrize("reading", ["woken"], indirect=True)
def test_jack_input_is_woken_not_polled(probe, reading):
    """Under JACK the notifier waits on the input's eventfd: no poll is ever arranged, and a
    message still arrives."""
    notes = Collector()
    h = open_in(notes)
    inst = driver_instance(h)
    midirt = sys.modules[type(inst).__module__]
    assert inst.port.fileno() is not None
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    assert midirt._driver._poll_alarm._due is None
    probe.midi_out.send_message([0x90, 0x3C, 0x40])
    assert notes.wait(2)
    assert notes.items[1][:2] == (MIM_DATA, 0x40_3C_90)
    assert midirt._driver._poll_alarm._due is None
    winmm.midiInStop(h)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_a_read_that_fails_does_not_end_reading(probe, reading):
    notes = Collector()
    h = open_in(notes)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    inst = driver_instance(h)
    real = inst.port.receive
    failed = threading.Event()

    def broken():
        inst.port.receive = real
        failed.set()
        raise RuntimeError("port fault")

    inst.port.receive = broken
    probe.midi_out.send_message([0x90, 0x3C, 0x40])
    assert failed.wait(5)  # a read on the notifier thread met it
    assert notes.wait(2)  # MIM_OPEN, then the message from a later read
    assert [m for m, _p1, _p2 in notes.items] == [MIM_OPEN, MIM_DATA]
    winmm.midiInStop(h)
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR


def test_opening_a_port_gone_since_the_last_scan_is_notenabled(probe, reading, jack_server):
    """The device is still listed (no rescan yet) but its port left the graph: the open
    fails cleanly, and leaves no client behind."""
    device = device_id("in", "probe_out:out")
    probe.midi_out.close_port()
    handle = ctypes.c_void_p()
    assert winmm.midiInOpen(ctypes.byref(handle), device, 0, 0, 0) == MMSYSERR_NOTENABLED
    assert not [name for name in jack_server.ports() if name.startswith("audiodrv")]


def test_a_port_gone_at_a_rescan_returns_the_inputs_buffers(probe, reading):
    """The devnode of a vanished port is disabled: an input open on it stops and returns
    every buffer (as midiInReset would), a start is refused, and it closes at once."""
    notes = Collector()
    h = open_in(notes)
    bufs = add_buffers(h, 2, 64)
    assert winmm.midiInStart(h) == MMSYSERR_NOERROR
    probe.midi_out.close_port()  # probe_out:out leaves the JACK graph
    get_system().rescan()
    notifier.flush()
    assert [(m, p1) for m, p1, _p2 in notes.items] == \
        [(MIM_OPEN, 0)] + [(MIM_LONGDATA, ctypes.addressof(hdr)) for hdr, _ in bufs]
    assert all(hdr.dwFlags == MHDR_DONE | MHDR_PREPARED for hdr, _ in bufs)
    assert winmm.midiInStart(h) == MMSYSERR_NOTENABLED
    assert winmm.midiInClose(h) == MMSYSERR_NOERROR
