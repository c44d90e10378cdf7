"""Conformance of midiOut*/midiIn*/midiStream* on the real stack: spec 2.4-2.6 (B100-B177).

Everything goes through ``audiodrv.winmm`` to midirt.drv's JACK MIDI ports (the probe's
ports on the private JACK server) and, where the rule is the same for every device, to
``MIDI_MAPPER`` (midimap.drv, routing to the same port).  Notifications are recorded as
``(msg, p1, p2)`` and compared whole; ``notifier.flush()`` waits for what is pending, so
"nothing more" is checked without sleeping.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from typing import Any

import pytest
from midikit import Collector, device_id, event, header, open_in, open_out, recorder

from audiodrv import winmm
from audiodrv.core.notify import notifier
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    CALLBACK_WINDOW,
    DRV_QUERYDEVNODE,
    DRV_QUERYDRVENTRY,
    DRV_QUERYMAPPABLE,
    DRVM_MAPPER_PREFERRED_GET,
    MEVT_F_CALLBACK,
    MEVT_NOP,
    MEVT_SHORTMSG,
    MEVT_TEMPO,
    MHDR_DONE,
    MHDR_INQUEUE,
    MHDR_ISSTRM,
    MHDR_PREPARED,
    MIDI_MAPPER,
    MIDIERR_STILLPLAYING,
    MIDIERR_UNPREPARED,
    MIDIHDR,
    MIDIHDR_OLD_SIZE,
    MIDIINCAPSA,
    MIDIOUTCAPSA,
    MIDIPROP_GET,
    MIDIPROP_SET,
    MIDIPROP_TEMPO,
    MIDIPROP_TIMEDIV,
    MIDIPROPTEMPO,
    MIDIPROPTIMEDIV,
    MIDM_CLOSE,
    MIDM_OPEN,
    MIM_CLOSE,
    MIM_LONGDATA,
    MIM_OPEN,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_INVALHANDLE,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTSUPPORTED,
    MMTIME,
    MOD_MAPPER,
    MOD_MIDIPORT,
    MODM_CLOSE,
    MODM_OPEN,
    MOM_CLOSE,
    MOM_DONE,
    MOM_OPEN,
    MOM_POSITIONCB,
    TIME_MS,
)

pytestmark = [pytest.mark.jack, pytest.mark.timeout(30)]

HDR = ctypes.sizeof(MIDIHDR)
PORT = "probe_in:in"  # the MIDI out device: the probe's input port
DEVICES = [pytest.param(None, id="port"), pytest.param(MIDI_MAPPER, id="mapper")]
PREPARED, DONE, INQUEUE, ISSTRM = MHDR_PREPARED, MHDR_DONE, MHDR_INQUEUE, MHDR_ISSTRM
OPENED, CLOSED = (MOM_OPEN, 0, 0), (MOM_CLOSE, 0, 0)


# -- helpers ---------------------------------------------------------------------------------


def out_id(device: int | None) -> int:
    """A parametrised device: None is the port, else the id itself (the mapper)."""
    return device_id("out", PORT) if device is None else device


def settled(notes: Collector) -> list[tuple[int, int, int]]:
    """Every notification delivered so far, once the notifier has nothing pending."""
    notifier.flush()
    return list(notes.items)


def hdr_of(size_or_data: int | bytes, flags: int = 0) -> tuple[MIDIHDR, Any]:
    hdr, mem = header(size_or_data)
    hdr.dwFlags = flags
    return hdr, mem


class Out:
    """A recorded midiOut handle, closed at teardown when still open."""

    def __init__(self, device: int | None) -> None:
        self.notes = Collector()
        self.device = out_id(device)
        self.handle = open_out(self.notes, self.device)

    def prepare(self, hdr: MIDIHDR, size: int = HDR) -> int:
        return winmm.midiOutPrepareHeader(self.handle, ctypes.byref(hdr), size)

    def unprepare(self, hdr: MIDIHDR, size: int = HDR) -> int:
        return winmm.midiOutUnprepareHeader(self.handle, ctypes.byref(hdr), size)

    def long(self, hdr: MIDIHDR, size: int = HDR) -> int:
        return winmm.midiOutLongMsg(self.handle, ctypes.byref(hdr), size)

    def close(self) -> int:
        return winmm.midiOutClose(self.handle)


class In:
    """A recorded midiIn handle on the probe's output port."""

    def __init__(self) -> None:
        self.notes = Collector()
        self.handle = open_in(self.notes)

    def prepare(self, hdr: MIDIHDR, size: int = HDR) -> int:
        return winmm.midiInPrepareHeader(self.handle, ctypes.byref(hdr), size)

    def unprepare(self, hdr: MIDIHDR, size: int = HDR) -> int:
        return winmm.midiInUnprepareHeader(self.handle, ctypes.byref(hdr), size)

    def add(self, hdr: MIDIHDR, size: int = HDR) -> int:
        return winmm.midiInAddBuffer(self.handle, ctypes.byref(hdr), size)


def nops(count: int, flags: int = MEVT_F_CALLBACK) -> bytes:
    return b"".join(event(0, MEVT_NOP, 0, flags) for _ in range(count))


class Stream:
    """A recorded midiStream handle with its headers; the stream is paused when opened."""

    def __init__(self, device: int | None) -> None:
        self.notes = Collector()
        handle, dev = ctypes.c_void_p(), ctypes.c_uint32(out_id(device))
        assert winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(dev), 1,
                                    recorder(self.notes), 0, CALLBACK_FUNCTION) == 0
        self.handle = handle.value

    def header(self, data: bytes, recorded: int | None = None) -> tuple[MIDIHDR, Any]:
        hdr, mem = header(data)
        hdr.dwBytesRecorded = len(data) if recorded is None else recorded
        assert winmm.midiOutPrepareHeader(self.handle, ctypes.byref(hdr), HDR) == 0
        return hdr, mem

    def out(self, hdr: MIDIHDR, size: int = HDR) -> int:
        return winmm.midiStreamOut(self.handle, ctypes.byref(hdr), size)

    def prop(self, value: Any, flags: int) -> int:
        return winmm.midiStreamProperty(self.handle, ctypes.byref(value), flags)

    def ms(self) -> int:
        mmt = MMTIME(wType=TIME_MS)
        assert winmm.midiStreamPosition(self.handle, ctypes.byref(mmt),
                                        ctypes.sizeof(mmt)) == MMSYSERR_NOERROR
        return mmt.u.ms


# -- ids, caps, open and close (B100-B103, B115, B117, B130, B131, B141, B147) -------------


def test_ids_past_the_last_device_and_the_missing_in_mapper(probe):
    """B100, B130: no device at ndevs; there is no MIDI-in mapper."""
    handle = ctypes.c_void_p()
    assert winmm.midiOutOpen(ctypes.byref(handle), winmm.midiOutGetNumDevs(), 0, 0, 0) == \
        MMSYSERR_BADDEVICEID
    for bad in (winmm.midiInGetNumDevs(), MIDI_MAPPER):
        assert winmm.midiInOpen(ctypes.byref(handle), bad, 0, 0, 0) == MMSYSERR_BADDEVICEID
    caps = MIDIINCAPSA()
    assert winmm.midiInGetDevCapsA(MIDI_MAPPER, ctypes.byref(caps), ctypes.sizeof(caps)) == \
        MMSYSERR_BADDEVICEID


@pytest.mark.parametrize("device", DEVICES)
def test_caps_technology_and_port_support_bits(probe, device):
    """B102: MOD_MAPPER iff the mapper; a port has no voices, notes or volume bits."""
    caps = MIDIOUTCAPSA()
    assert winmm.midiOutGetDevCapsA(out_id(device), ctypes.byref(caps),
                                    ctypes.sizeof(caps)) == MMSYSERR_NOERROR
    if device == MIDI_MAPPER:
        assert caps.wTechnology == MOD_MAPPER
    else:
        assert (caps.wTechnology, caps.wVoices, caps.wNotes, caps.wChannelMask,
                caps.dwSupport) == (MOD_MIDIPORT, 0, 0, 0xFFFF, 0)


@pytest.mark.parametrize("device", DEVICES)
def test_open_and_close_notifications_and_id(probe, device):
    """B103, B115, B117: MOM_OPEN and MOM_CLOSE with p1 0; GetID is the id opened."""
    out = Out(device)
    assert settled(out.notes) == [OPENED]
    got = ctypes.c_uint32()
    assert winmm.midiOutGetID(out.handle, ctypes.byref(got)) == MMSYSERR_NOERROR
    assert got.value == out.device & 0xFFFFFFFF
    assert winmm.midiOutGetID(out.handle, None) == MMSYSERR_INVALPARAM
    assert out.close() == MMSYSERR_NOERROR
    assert settled(out.notes) == [OPENED, CLOSED]
    assert out.close() == MMSYSERR_INVALHANDLE


def test_in_open_and_close_notifications_and_id(probe):
    """B131, B141, B147."""
    midi_in = In()
    got = ctypes.c_uint32()
    assert winmm.midiInGetID(midi_in.handle, ctypes.byref(got)) == MMSYSERR_NOERROR
    assert got.value == device_id("in", "probe_out:out")
    assert winmm.midiInGetID(midi_in.handle, None) == MMSYSERR_INVALPARAM
    assert winmm.midiInClose(midi_in.handle) == MMSYSERR_NOERROR
    assert settled(midi_in.notes) == [(MIM_OPEN, 0, 0), (MIM_CLOSE, 0, 0)]


# -- volume, short messages, reset (B104, B106, B116, B121) ----------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_volume_follows_the_caps(probe, device):
    """B104: NOERROR iff MIDICAPS_VOLUME (the mapper's 0xFFFFFFFF at first), by handle
    and by id; a null pointer is INVALPARAM."""
    out = Out(device)
    volume = ctypes.c_uint32(7)
    expected = MMSYSERR_NOERROR if device == MIDI_MAPPER else MMSYSERR_NOTSUPPORTED
    for target in (out.handle, out.device):
        assert winmm.midiOutGetVolume(target, ctypes.byref(volume)) == expected
    assert volume.value == (0xFFFFFFFF if device == MIDI_MAPPER else 7)
    assert winmm.midiOutGetVolume(out.handle, None) == MMSYSERR_INVALPARAM
    assert out.close() == MMSYSERR_NOERROR


@pytest.mark.parametrize("device", DEVICES)
def test_short_messages_and_running_status(probe, device):
    """B106: a status byte sets running status; data alone uses it, or is dropped."""
    out = Out(device)
    assert winmm.midiOutShortMsg(out.handle, 0x3C) == MMSYSERR_NOERROR  # no running status
    for msg in (0x006F4893, 0x00403E, 0x0000F8, 0x00413F):  # real time keeps running status
        assert winmm.midiOutShortMsg(out.handle, msg) == MMSYSERR_NOERROR
    assert probe.received.wait(4)
    assert probe.received.items == [[0x93, 0x48, 0x6F], [0x93, 0x3E, 0x40], [0xF8],
                                    [0x93, 0x3F, 0x41]]
    assert out.close() == MMSYSERR_NOERROR


@pytest.mark.parametrize("device", DEVICES)
def test_reset_silences_every_channel(probe, device):
    """B116: all sound off and sustain off on all 16 channels; running status cleared."""
    out = Out(device)
    assert winmm.midiOutShortMsg(out.handle, 0x7F3C90) == MMSYSERR_NOERROR
    assert winmm.midiOutReset(out.handle) == MMSYSERR_NOERROR
    assert winmm.midiOutShortMsg(out.handle, 0x7F3E) == MMSYSERR_NOERROR  # dropped now
    assert probe.received.wait(1 + 32)
    expected = [[0xB0 | ch, cc, 0] for ch in range(16) for cc in (120, 64)]
    assert probe.received.items[1:] == expected
    assert settled(out.notes) == [OPENED]
    assert out.close() == MMSYSERR_NOERROR


def test_cache_patches_are_not_supported_by_a_port(probe):
    """B121."""
    out = Out(None)
    patches = (ctypes.c_uint16 * 128)()
    assert winmm.midiOutCachePatches(out.handle, 0, patches, 0) == MMSYSERR_NOTSUPPORTED
    assert winmm.midiOutCacheDrumPatches(out.handle, 0, patches, 0) == MMSYSERR_NOTSUPPORTED
    assert out.close() == MMSYSERR_NOERROR


# -- midiOutMessage / midiInMessage (B120, B148) ---------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_out_message_refuses_open_and_close_on_a_handle(probe, device):
    out = Out(device)
    for msg in (MODM_OPEN, MODM_CLOSE):
        assert winmm.midiOutMessage(out.handle, msg, 0, 0) == MMSYSERR_NOTSUPPORTED
    assert settled(out.notes) == [OPENED]  # the driver never saw them
    assert winmm.midiOutShortMsg(out.handle, 0x403C90) == MMSYSERR_NOERROR
    assert probe.received.wait(1)
    assert out.close() == MMSYSERR_NOERROR


@pytest.mark.parametrize("device", DEVICES)
def test_out_message_on_a_device_id_is_answered_by_winmm(probe, device):
    """B120: winmm answers device-id queries itself; anything else is INVALPARAM."""
    dev = out_id(device)
    mapper = device == MIDI_MAPPER
    assert winmm.midiOutMessage(dev, DRV_QUERYMAPPABLE, 0, 0) == (2 if mapper else 0)
    preferred, status = ctypes.c_uint32(5), ctypes.c_uint32(5)
    assert winmm.midiOutMessage(dev, DRVM_MAPPER_PREFERRED_GET, ctypes.byref(preferred),
                                ctypes.byref(status)) == MMSYSERR_NOERROR
    assert (preferred.value, status.value) == (0xFFFFFFFF, 0)
    devnode = ctypes.c_uint32(5)
    assert winmm.midiOutMessage(dev, DRV_QUERYDEVNODE, ctypes.byref(devnode), 0) == 0
    assert devnode.value == 0
    name = ctypes.create_string_buffer(64)
    assert winmm.midiOutMessage(dev, DRV_QUERYDRVENTRY, name, 64) == MMSYSERR_NOERROR
    assert name.value.decode().startswith("midimap" if mapper else "midirt")
    for msg in (MODM_OPEN, 0x7FFF):
        assert winmm.midiOutMessage(dev, msg, 0, 0) == MMSYSERR_INVALPARAM


def test_in_message_refuses_open_and_close_on_a_handle(probe):
    """B148."""
    midi_in = In()
    for msg in (MIDM_OPEN, MIDM_CLOSE):
        assert winmm.midiInMessage(midi_in.handle, msg, 0, 0) == MMSYSERR_NOTSUPPORTED
    assert settled(midi_in.notes) == [(MIM_OPEN, 0, 0)]
    assert winmm.midiInClose(midi_in.handle) == MMSYSERR_NOERROR


# -- midiOut headers (B107-B114, B118, B119) -------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_out_prepare_and_unprepare_flag_rules(probe, device):
    out = Out(device)
    hdr, _mem = hdr_of(8)
    assert out.long(hdr) == MIDIERR_UNPREPARED and hdr.dwFlags == 0  # B107
    assert out.prepare(hdr, MIDIHDR_OLD_SIZE - 1) == MMSYSERR_INVALPARAM  # B108
    assert hdr.dwFlags == 0
    hdr.dwFlags, hdr.dwUser, hdr.dwOffset = DONE, 0x1234, 0x56
    assert out.prepare(hdr, MIDIHDR_OLD_SIZE) == MMSYSERR_NOERROR  # B109: DONE cleared
    assert hdr.dwFlags == PREPARED
    hdr.dwFlags |= DONE | INQUEUE
    assert out.prepare(hdr) == MMSYSERR_NOERROR  # B110: already prepared, untouched
    assert hdr.dwFlags == PREPARED | DONE | INQUEUE
    assert out.long(hdr) == MIDIERR_STILLPLAYING  # B119
    assert out.unprepare(hdr) == MIDIERR_STILLPLAYING  # B111
    assert hdr.dwFlags == PREPARED | DONE | INQUEUE
    hdr.dwFlags &= ~INQUEUE
    assert out.unprepare(hdr) == MMSYSERR_NOERROR and hdr.dwFlags == DONE  # B112
    hdr.dwFlags = INQUEUE | DONE
    assert out.unprepare(hdr) == MMSYSERR_NOERROR  # B113: not prepared, nothing to undo
    assert hdr.dwFlags == INQUEUE | DONE
    assert (hdr.dwUser, hdr.dwOffset) == (0x1234, 0x56)  # B114
    big, _big_mem = hdr_of(70000)  # B114: over 64 KB is fine for plain midiOut
    assert out.prepare(big) == MMSYSERR_NOERROR and out.unprepare(big) == MMSYSERR_NOERROR
    assert settled(out.notes) == [OPENED]
    assert out.close() == MMSYSERR_NOERROR


@pytest.mark.parametrize("device", DEVICES)
def test_long_message_completes_at_once(probe, device):
    """B118: prepare, LongMsg, MOM_DONE with p1 = &hdr; the header is DONE at once, so an
    immediate unprepare succeeds."""
    out = Out(device)
    payload = bytes([0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7])
    hdr, _mem = hdr_of(payload)
    assert out.prepare(hdr) == MMSYSERR_NOERROR
    assert out.long(hdr) == MMSYSERR_NOERROR
    assert hdr.dwFlags == PREPARED | DONE
    assert out.unprepare(hdr) == MMSYSERR_NOERROR and hdr.dwFlags == DONE
    assert out.close() == MMSYSERR_NOERROR
    assert settled(out.notes) == [OPENED, (MOM_DONE, ctypes.addressof(hdr), 0), CLOSED]
    assert probe.received.wait(1) and bytes(probe.received.items[0]) == payload


# -- midiIn headers, reset and close (B132-B141) --------------------------------------------


def test_in_prepare_add_and_unprepare_flag_rules(probe):
    midi_in = In()
    hdr, _mem = hdr_of(32)
    assert midi_in.prepare(hdr, MIDIHDR_OLD_SIZE - 1) == MMSYSERR_INVALPARAM  # B132
    assert hdr.dwFlags == 0
    assert midi_in.add(hdr) == MIDIERR_UNPREPARED  # B138
    hdr.dwFlags, hdr.dwBytesRecorded = INQUEUE, 5
    assert midi_in.prepare(hdr, MIDIHDR_OLD_SIZE) == MMSYSERR_NOERROR  # B133
    assert hdr.dwFlags == PREPARED
    hdr.dwFlags |= INQUEUE | DONE
    assert midi_in.prepare(hdr) == MMSYSERR_NOERROR  # B134
    assert hdr.dwFlags == PREPARED | INQUEUE | DONE and hdr.dwBytesRecorded == 5  # B136
    hdr.dwFlags = PREPARED | DONE
    assert midi_in.unprepare(hdr) == MMSYSERR_NOERROR and hdr.dwFlags == DONE  # B135
    hdr.dwFlags = 0
    assert midi_in.unprepare(hdr) == MMSYSERR_NOERROR and hdr.dwFlags == 0
    hdr.dwFlags = DONE
    assert midi_in.prepare(hdr) == MMSYSERR_NOERROR
    assert midi_in.add(hdr, MIDIHDR_OLD_SIZE - 1) == MMSYSERR_INVALPARAM  # B138
    assert midi_in.add(hdr) == MMSYSERR_NOERROR  # B137
    assert hdr.dwFlags == PREPARED | INQUEUE and hdr.dwBytesRecorded == 0
    assert midi_in.add(hdr) == MIDIERR_STILLPLAYING  # B138
    assert midi_in.prepare(hdr) == MMSYSERR_NOERROR  # B139
    assert hdr.dwFlags == PREPARED | INQUEUE
    empty, _empty_mem = hdr_of(32)
    assert midi_in.prepare(empty) == MMSYSERR_NOERROR
    empty.dwBufferLength = 0
    assert midi_in.add(empty) == MMSYSERR_INVALPARAM  # B138
    # Several faults at once: the length, then INQUEUE, then PREPARED (Wine's drivers).
    empty.dwFlags = INQUEUE
    assert midi_in.add(empty) == MMSYSERR_INVALPARAM
    empty.dwBufferLength = 32
    assert midi_in.add(empty) == MIDIERR_STILLPLAYING
    assert empty.dwFlags == INQUEUE
    empty.dwFlags = 0
    assert winmm.midiInReset(midi_in.handle) == MMSYSERR_NOERROR
    assert winmm.midiInClose(midi_in.handle) == MMSYSERR_NOERROR


def test_in_reset_returns_every_buffer_and_close_waits_for_it(probe):
    """B140: MIM_LONGDATA for each queued buffer, in order, empty and DONE; B141:
    STILLPLAYING while queued, then MIM_CLOSE with dwUser untouched and nothing after."""
    midi_in = In()
    bufs = [hdr_of(16) for _ in range(2)]
    for hdr, _mem in bufs:
        hdr.dwUser = 0xABC
        assert midi_in.prepare(hdr) == MMSYSERR_NOERROR and midi_in.add(hdr) == 0
    assert winmm.midiInStart(midi_in.handle) == MMSYSERR_NOERROR
    assert winmm.midiInClose(midi_in.handle) == MIDIERR_STILLPLAYING
    assert winmm.midiInReset(midi_in.handle) == MMSYSERR_NOERROR
    got = settled(midi_in.notes)
    assert [(m, p1) for m, p1, _p2 in got] == \
        [(MIM_OPEN, 0)] + [(MIM_LONGDATA, ctypes.addressof(hdr)) for hdr, _ in bufs]
    assert all(hdr.dwFlags == PREPARED | DONE and hdr.dwBytesRecorded == 0 for hdr, _ in bufs)
    assert winmm.midiInClose(midi_in.handle) == MMSYSERR_NOERROR
    probe.midi_out.send_message([0x90, 0x3C, 0x40])
    assert settled(midi_in.notes)[len(got):] == [(MIM_CLOSE, 0, 0)]
    assert all(hdr.dwUser == 0xABC for hdr, _ in bufs)


# -- midiStream (B150-B165, B168, B172-B175) -------------------------------------------------


def test_stream_open_checks_and_notification(probe):
    """B150, B5."""
    handle, dev = ctypes.c_void_p(), ctypes.c_uint32(out_id(None))
    for args in ((ctypes.byref(handle), ctypes.byref(dev), 2),
                 (None, ctypes.byref(dev), 1), (ctypes.byref(handle), None, 1),
                 (ctypes.POINTER(ctypes.c_void_p)(), ctypes.byref(dev), 1)):
        assert winmm.midiStreamOpen(*args, 0, 0, 0) == MMSYSERR_INVALPARAM
    assert winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(dev), 1, object(), 0,
                                CALLBACK_WINDOW) == MMSYSERR_INVALPARAM
    opened_before_return: list[tuple[int, int, int]] = []
    assert winmm.midiStreamOpen(
        ctypes.byref(handle), ctypes.byref(dev), 1,
        lambda h, m, i, p1, p2: opened_before_return.append((m, p1, p2)), 0,
        CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    assert opened_before_return == [OPENED]
    assert winmm.midiStreamClose(handle.value) == MMSYSERR_NOERROR
    assert opened_before_return == [OPENED, CLOSED]  # B175, before the close returned
    # A raw address gets the whole pointer-sized handle (its high half was all ones).
    raw = ctypes.c_uint64(0xFFFF_FFFF_FFFF_FFFF)
    assert winmm.midiStreamOpen(ctypes.addressof(raw), ctypes.byref(dev), 1, 0, 0, 0) == \
        MMSYSERR_NOERROR
    assert winmm.midiStreamClose(raw.value) == MMSYSERR_NOERROR


def test_open_notifications_see_the_handle_and_close_notifications_do_not(probe):
    """B35's rule for MIDI (B103, B131, B150): the handle is stored before MOM_OPEN /
    MIM_OPEN, and a stream is whole (its properties answer); after the close it is
    invalid, also inside MOM_CLOSE / MIM_CLOSE."""
    seen: list[tuple[int, bool, int]] = []
    handle = ctypes.c_void_p()

    def asking(ask: Any) -> Any:
        def callback(hdev: int, msg: int, _user: int, _p1: int, _p2: int) -> None:
            seen.append((msg, hdev == handle.value, ask(hdev)))
        return callback

    def get_id(get: Any) -> Any:
        return asking(lambda h: get(h, ctypes.byref(ctypes.c_uint32())))

    def tempo(h: int) -> int:
        prop = MIDIPROPTEMPO(cbStruct=8)
        return winmm.midiStreamProperty(h, ctypes.byref(prop), MIDIPROP_GET | MIDIPROP_TEMPO)

    dev = ctypes.c_uint32(out_id(None))
    opens = [
        (lambda cb: winmm.midiOutOpen(ctypes.byref(handle), dev.value, cb, 0,
                                      CALLBACK_FUNCTION),
         get_id(winmm.midiOutGetID), winmm.midiOutClose, (MOM_OPEN, MOM_CLOSE)),
        (lambda cb: winmm.midiInOpen(ctypes.byref(handle), device_id("in", "probe_out:out"),
                                     cb, 0, CALLBACK_FUNCTION),
         get_id(winmm.midiInGetID), winmm.midiInClose, (MIM_OPEN, MIM_CLOSE)),
        (lambda cb: winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(dev), 1, cb, 0,
                                         CALLBACK_FUNCTION),
         asking(tempo), winmm.midiStreamClose, (MOM_OPEN, MOM_CLOSE)),
    ]
    for opener, callback, closer, (opened, closed) in opens:
        seen.clear()
        assert opener(callback) == MMSYSERR_NOERROR
        assert closer(handle.value) == MMSYSERR_NOERROR
        assert seen == [(opened, True, MMSYSERR_NOERROR),
                        (closed, True, MMSYSERR_INVALHANDLE)], opener


@pytest.mark.parametrize("device", DEVICES)
def test_a_new_stream_is_paused_at_the_default_tempo(probe, device):
    """B151, B155, B156, B168: defaults; a queued header waits, flags ISSTRM|INQUEUE;
    position 0 before the first restart."""
    stream = Stream(device)
    tempo, timediv = MIDIPROPTEMPO(cbStruct=8), MIDIPROPTIMEDIV(cbStruct=8)
    assert stream.prop(tempo, MIDIPROP_GET | MIDIPROP_TEMPO) == MMSYSERR_NOERROR
    assert stream.prop(timediv, MIDIPROP_GET | MIDIPROP_TIMEDIV) == MMSYSERR_NOERROR
    assert (tempo.dwTempo, timediv.dwTimeDiv & 0xFFFF) == (500000, 24)
    hdr, _mem = stream.header(event(0, MEVT_SHORTMSG, 0x403C90, MEVT_F_CALLBACK))
    hdr.dwFlags |= DONE
    assert stream.out(hdr) == MMSYSERR_NOERROR
    assert hdr.dwFlags == PREPARED | ISSTRM | INQUEUE
    assert not probe.received.wait(1, timeout=0.09)  # B156: still paused after 90 ms
    assert settled(stream.notes) == [OPENED]
    assert stream.ms() == 0
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR


def test_a_stream_handle_is_a_midi_out_handle(probe):
    """B152, B153, B164, B174: midiOut header calls on a stream handle."""
    stream = Stream(None)
    hdr, _mem = hdr_of(event(0, MEVT_NOP))
    assert winmm.midiOutLongMsg(stream.handle, ctypes.byref(hdr), HDR) == MIDIERR_UNPREPARED
    assert winmm.midiOutPrepareHeader(stream.handle, ctypes.byref(hdr),
                                      MIDIHDR_OLD_SIZE - 1) == MMSYSERR_INVALPARAM
    hdr.dwFlags = ISSTRM  # B164: a preset ISSTRM does not get in the way
    assert winmm.midiOutPrepareHeader(stream.handle, ctypes.byref(hdr), HDR) == 0
    assert hdr.dwFlags & PREPARED
    hdr.dwBytesRecorded = 12
    assert stream.out(hdr, MIDIHDR_OLD_SIZE) == MMSYSERR_NOERROR  # B153
    big, _big_mem = hdr_of(70000)
    assert winmm.midiOutPrepareHeader(stream.handle, ctypes.byref(big), HDR) == \
        MMSYSERR_INVALPARAM  # B174: stream buffers are limited to 64 KB
    assert winmm.midiOutUnprepareHeader(stream.handle, ctypes.byref(big), HDR) == 0
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR


def test_stream_out_checks_in_order(probe):
    """B154: INVALPARAM checks, then UNPREPARED, then STILLPLAYING, then INVALHANDLE."""
    stream = Stream(None)
    data = event(0, MEVT_NOP) * 2
    hdr, _mem = hdr_of(data)
    out = winmm.midiStreamOut
    hdr.dwBytesRecorded = 24
    assert out(stream.handle, ctypes.byref(hdr), MIDIHDR_OLD_SIZE - 1) == MMSYSERR_INVALPARAM
    assert out(stream.handle, None, HDR) == MMSYSERR_INVALPARAM
    for recorded in (25, 26, 28):  # not a multiple of 4; more than the buffer
        hdr.dwBytesRecorded = recorded
        assert out(stream.handle, ctypes.byref(hdr), HDR) == MMSYSERR_INVALPARAM
    hdr.dwBytesRecorded = 24
    assert out(stream.handle, ctypes.byref(hdr), HDR) == MIDIERR_UNPREPARED
    assert out(0xDEAD, ctypes.byref(hdr), HDR) == MIDIERR_UNPREPARED
    hdr.dwFlags = PREPARED | INQUEUE
    assert out(0xDEAD, ctypes.byref(hdr), HDR) == MIDIERR_STILLPLAYING
    hdr.dwFlags = PREPARED
    assert out(0xDEAD, ctypes.byref(hdr), HDR) == MMSYSERR_INVALHANDLE
    assert hdr.dwFlags == PREPARED
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR


@pytest.mark.parametrize("device", DEVICES)
def test_played_header_notifications_and_flags(probe, device):
    """B157, B158, B163, B165: POSITIONCB then DONE, both p1 = &hdr; restart is idempotent;
    the finished header is DONE|ISSTRM and unprepares twice."""
    stream = Stream(device)
    hdr, _mem = stream.header(event(0, MEVT_SHORTMSG, 0x403C90, MEVT_F_CALLBACK))
    assert stream.out(hdr) == MMSYSERR_NOERROR
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_NOERROR
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_NOERROR
    assert stream.notes.wait(3)
    assert settled(stream.notes) == [OPENED, (MOM_POSITIONCB, ctypes.addressof(hdr), 0),
                                     (MOM_DONE, ctypes.addressof(hdr), 0)]
    assert hdr.dwFlags == PREPARED | DONE | ISSTRM and hdr.dwOffset == 0
    assert probe.received.wait(1) and probe.received.items == [[0x90, 0x3C, 0x40]]
    for _twice in range(2):
        assert winmm.midiOutUnprepareHeader(stream.handle, ctypes.byref(hdr), HDR) == 0
        assert hdr.dwFlags & DONE and not hdr.dwFlags & PREPARED
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR
    assert settled(stream.notes)[3:] == [CLOSED]  # B175: nothing after MOM_CLOSE


@pytest.mark.parametrize(("recorded", "callbacks", "offset"),
                         [(0, 0, 0x77), (12, 1, 0), (24, 2, 12)])
def test_bytes_recorded_bounds_what_is_played(probe, recorded, callbacks, offset):
    """B159, B160: two flagged NOPs; dwOffset is written only by a played callback event."""
    stream = Stream(None)
    hdr, _mem = stream.header(nops(2), recorded)
    hdr.dwOffset = 0x77
    assert stream.out(hdr) == MMSYSERR_NOERROR
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_NOERROR
    assert stream.notes.wait(2 + callbacks)
    address = ctypes.addressof(hdr)
    assert settled(stream.notes) == \
        [OPENED] + [(MOM_POSITIONCB, address, 0)] * callbacks + [(MOM_DONE, address, 0)]
    assert (hdr.dwOffset, hdr.dwBytesRecorded) == (offset, recorded)
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR


def test_offset_is_kept_without_callback_events(probe):
    """B160: no MEVT_F_CALLBACK, dwOffset keeps the caller's value."""
    stream = Stream(None)
    hdr, _mem = stream.header(nops(2, flags=0))
    hdr.dwOffset = 0x55
    assert stream.out(hdr) == MMSYSERR_NOERROR
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_NOERROR
    assert stream.notes.wait(2)
    assert settled(stream.notes) == [OPENED, (MOM_DONE, ctypes.addressof(hdr), 0)]
    assert hdr.dwOffset == 0x55
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR


def test_tempo_event_and_stream_ids(probe):
    """B161: MEVT_TEMPO sets the tempo; B162: dwStreamID is never written, and a header
    naming another stream comes back DONE unplayed."""
    stream = Stream(None)
    played, mem = stream.header(event(0, MEVT_TEMPO, 0x0493E0)
                                 + event(0, MEVT_SHORTMSG, 0x403C90, stream_id=0xFFFFFFFF))
    foreign, _mem2 = stream.header(event(0, MEVT_SHORTMSG, 0x403E90, stream_id=0x1234))
    assert stream.out(played) == 0 and stream.out(foreign) == 0
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_NOERROR
    assert stream.notes.wait(3)
    assert settled(stream.notes) == [OPENED, (MOM_DONE, ctypes.addressof(played), 0),
                                     (MOM_DONE, ctypes.addressof(foreign), 0)]
    tempo = MIDIPROPTEMPO(cbStruct=8)
    assert stream.prop(tempo, MIDIPROP_GET | MIDIPROP_TEMPO) == 0 and tempo.dwTempo == 300000
    assert struct.unpack_from("<I", mem, 4) == (0,)  # the tempo event's dwStreamID
    assert probe.received.wait(1)
    assert not probe.received.wait(2, timeout=0.05)
    assert probe.received.items == [[0x90, 0x3C, 0x40]]
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR


def test_property_rules(probe):
    """B172, and Wine's choice where both GET and SET are given: SET."""
    stream = Stream(None)
    tempo, timediv = MIDIPROPTEMPO(cbStruct=8, dwTempo=400000), MIDIPROPTIMEDIV(cbStruct=8)
    assert stream.prop(tempo, MIDIPROP_TEMPO) == MMSYSERR_INVALPARAM
    assert stream.prop(tempo, MIDIPROP_GET) == MMSYSERR_INVALPARAM
    assert stream.prop(MIDIPROPTEMPO(cbStruct=12), MIDIPROP_GET | MIDIPROP_TEMPO) == \
        MMSYSERR_INVALPARAM
    assert stream.prop(tempo, MIDIPROP_GET | MIDIPROP_SET | MIDIPROP_TEMPO) == 0
    assert tempo.dwTempo == 400000  # not overwritten by a GET
    check = MIDIPROPTEMPO(cbStruct=8)
    assert stream.prop(check, MIDIPROP_GET | MIDIPROP_TEMPO) == 0 and check.dwTempo == 400000
    timediv.dwTimeDiv = 96
    assert stream.prop(timediv, MIDIPROP_SET | MIDIPROP_TIMEDIV) == MMSYSERR_NOERROR  # paused
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_NOERROR
    assert stream.prop(timediv, MIDIPROP_SET | MIDIPROP_TIMEDIV) == MMSYSERR_INVALPARAM
    assert stream.prop(tempo, MIDIPROP_SET | MIDIPROP_TEMPO) == MMSYSERR_NOERROR  # any time
    assert winmm.midiStreamStop(stream.handle) == MMSYSERR_NOERROR
    assert stream.prop(timediv, MIDIPROP_SET | MIDIPROP_TIMEDIV) == MMSYSERR_NOERROR
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR


@pytest.mark.parametrize("device", DEVICES)
def test_stop_returns_headers_in_order_and_rewinds(probe, device):
    """B168, B173: every queued header returns DONE in order; the position goes to 0."""
    stream = Stream(device)
    hdrs = [stream.header(event(96, MEVT_SHORTMSG, 0x403C90)) for _ in range(2)]
    for hdr, _mem in hdrs:
        assert stream.out(hdr) == MMSYSERR_NOERROR
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_NOERROR
    assert winmm.midiStreamStop(stream.handle) == MMSYSERR_NOERROR
    assert settled(stream.notes) == \
        [OPENED] + [(MOM_DONE, ctypes.addressof(hdr), 0) for hdr, _ in hdrs]
    assert all(hdr.dwFlags == PREPARED | DONE | ISSTRM for hdr, _ in hdrs)
    assert stream.ms() == 0
    assert winmm.midiStreamClose(stream.handle) == MMSYSERR_NOERROR


def test_midi_out_close_of_a_stream_handle(probe):
    """midiOutClose on a stream handle: STILLPLAYING while a header is queued (the stream
    plays on); once none is, the stream closes as by midiStreamClose."""
    stream = Stream(None)
    threads = threading.active_count()
    hdr, _mem = stream.header(event(24, MEVT_SHORTMSG, 0x403C90))
    assert stream.out(hdr) == MMSYSERR_NOERROR
    assert winmm.midiOutClose(stream.handle) == MIDIERR_STILLPLAYING
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_NOERROR
    assert stream.notes.wait(2)
    assert winmm.midiOutClose(stream.handle) == MMSYSERR_NOERROR
    address = ctypes.addressof(hdr)
    assert settled(stream.notes) == [OPENED, (MOM_DONE, address, 0), CLOSED]
    assert winmm.midiStreamRestart(stream.handle) == MMSYSERR_INVALHANDLE
    assert threading.active_count() == threads - 1  # the scheduler's thread ended
