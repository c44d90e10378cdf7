"""Conformance of waveOut*/waveIn* on the real stack: spec 2.1-2.3 and 2.9 (B1-B92, B210-B212).

Each test runs against the PortAudio driver's device 0 (sndpa.drv) and, where the rule is
the same for every device, against WAVE_MAPPER (wavemap.drv), on the private 48 kHz JACK
server.  Where the spec's choice table disagrees with a numbered behaviour, the choice wins
(TIME_MS is honoured; close with queued buffers is WAVERR_STILLPLAYING).
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from wavekit import RATE, Buffer, Notes, wait_until, wave_format

from audiodrv import winmm
from audiodrv.core.notify import notifier
from audiodrv.mmsystem import (
    CALLBACK_EVENT,
    CALLBACK_FUNCTION,
    CALLBACK_WINDOW,
    DRV_QUERYDEVICEINTERFACE,
    DRV_QUERYDEVICEINTERFACESIZE,
    DRVM_MAPPER_PREFERRED_GET,
    DRVM_MAPPER_STATUS,
    MAXERRORLENGTH,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_BADERRNUM,
    MMSYSERR_ERROR,
    MMSYSERR_INVALHANDLE,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTSUPPORTED,
    MMTIME,
    TIME_BYTES,
    TIME_MIDI,
    TIME_MS,
    TIME_SAMPLES,
    TIME_SMPTE,
    TIME_TICKS,
    WAVE_ALLOWSYNC,
    WAVE_FORMAT_48S16,
    WAVE_FORMAT_DIRECT,
    WAVE_FORMAT_QUERY,
    WAVE_MAPPED,
    WAVE_MAPPER,
    WAVECAPS_LRVOLUME,
    WAVECAPS_VOLUME,
    WAVEFORMATEX,
    WAVEHDR,
    WAVEINCAPSA,
    WAVEINCAPSW,
    WAVEOUT_MAPPER_STATUS_DEVICE,
    WAVEOUT_MAPPER_STATUS_FORMAT,
    WAVEOUT_MAPPER_STATUS_MAPPED,
    WAVEOUTCAPSA,
    WAVEOUTCAPSW,
    WAVERR_BADFORMAT,
    WAVERR_STILLPLAYING,
    WAVERR_UNPREPARED,
    WHDR_DONE,
    WHDR_INQUEUE,
    WHDR_PREPARED,
    WIM_CLOSE,
    WIM_DATA,
    WIM_OPEN,
    WOM_CLOSE,
    WOM_DONE,
    WOM_OPEN,
    get_string,
)

pytestmark = [pytest.mark.jack, pytest.mark.timeout(30)]

DEVICES = [pytest.param(0, id="dev0"), pytest.param(WAVE_MAPPER, id="mapper")]
DIRECTIONS = [pytest.param(True, id="out"), pytest.param(False, id="in")]
HDR = ctypes.sizeof(WAVEHDR)
MMT = ctypes.sizeof(MMTIME)
FRAME = 4  # 16-bit stereo
SECOND = RATE * FRAME


# -- the stack -------------------------------------------------------------------------------


# -- helpers ---------------------------------------------------------------------------------


def position(out: bool, handle: int, kind: int) -> tuple[int, int]:
    mmt = MMTIME(wType=kind)
    get = winmm.waveOutGetPosition if out else winmm.waveInGetPosition
    assert get(handle, ctypes.byref(mmt), MMT) == MMSYSERR_NOERROR
    return mmt.wType, mmt.u.cb


def prepare(handle: int, hdr: Any, out: bool = True) -> int:
    fn = winmm.waveOutPrepareHeader if out else winmm.waveInPrepareHeader
    return fn(handle, ctypes.byref(hdr), HDR)


def unprepare(handle: int, hdr: Any, out: bool = True) -> int:
    fn = winmm.waveOutUnprepareHeader if out else winmm.waveInUnprepareHeader
    return fn(handle, ctypes.byref(hdr), HDR)


def write(handle: int, hdr: Any) -> int:
    return winmm.waveOutWrite(handle, ctypes.byref(hdr), HDR)


def add_buffer(handle: int, hdr: Any) -> int:
    return winmm.waveInAddBuffer(handle, ctypes.byref(hdr), HDR)


def open_handle(out: bool, device_id: int, fmt: Any = None, callback: Any = None,
                flags: int = 0) -> tuple[int, int]:
    """A direct waveOutOpen/waveInOpen: ``(result, handle)``; the caller closes it."""
    fmt = wave_format() if fmt is None else fmt
    handle = ctypes.c_void_p()
    opener = winmm.waveOutOpen if out else winmm.waveInOpen
    result = opener(ctypes.byref(handle), device_id, ctypes.byref(fmt), callback, 0, flags)
    return result, handle.value


def close_handle(out: bool, handle: int) -> int:
    (winmm.waveOutReset if out else winmm.waveInReset)(handle)
    return (winmm.waveOutClose if out else winmm.waveInClose)(handle)


def handle_values(wave: Any) -> set[int]:
    return {h for h, _obj in wave.system.handles.items()}


def close_leaked(wave: Any, before: set[int]) -> list[int]:
    """Close handles an open created although it should not have; returns them."""
    leaked = sorted(handle_values(wave) - before)
    for h in leaked:
        obj = wave.system.handles.get(h)
        close_handle(obj.cls.name == "WAVEOUT", h)
    return leaked


def caps_struct(out: bool, wide: bool) -> type[ctypes.Structure]:
    if out:
        return WAVEOUTCAPSW if wide else WAVEOUTCAPSA
    return WAVEINCAPSW if wide else WAVEINCAPSA


def get_caps(out: bool, wide: bool) -> Callable[..., int]:
    if out:
        return winmm.waveOutGetDevCapsW if wide else winmm.waveOutGetDevCapsA
    return winmm.waveInGetDevCapsW if wide else winmm.waveInGetDevCapsA


def num_devs(out: bool) -> int:
    return winmm.waveOutGetNumDevs() if out else winmm.waveInGetNumDevs()


# -- device ids, handles and caps (B13-B15, B20-B25, B31, B80, B81) --------------------------


@pytest.mark.parametrize("out", DIRECTIONS)
def test_ids_past_the_last_device_are_bad_device_ids(wave, out):
    ndev = num_devs(out)
    assert ndev >= 1
    for bad in (ndev, ndev + 1):
        for wide in (False, True):
            caps = caps_struct(out, wide)()
            assert get_caps(out, wide)(bad, ctypes.byref(caps), ctypes.sizeof(caps)) == \
                MMSYSERR_BADDEVICEID
        before = handle_values(wave)
        assert open_handle(out, bad)[0] == MMSYSERR_BADDEVICEID  # B31, B81
        assert handle_values(wave) == before


@pytest.mark.parametrize("out", DIRECTIONS)
def test_a_handle_is_not_a_device_id_for_open(wave, out):
    """B14: waveOutOpen/waveInOpen(&h, <handle value>) -> BADDEVICEID (either class)."""
    dev_out, dev_in = wave.open_out(wave_format()), wave.open_in()
    assert dev_out.result == dev_in.result == MMSYSERR_NOERROR
    before = handle_values(wave)
    for handle in (dev_out.handle, dev_in.handle):
        assert open_handle(out, handle)[0] == MMSYSERR_BADDEVICEID
    assert handle_values(wave) == before


def test_a_handle_of_the_other_class_is_a_bad_device_id_for_caps(wave):
    """B15: caps of a waveIn handle through waveOutGetDevCaps, and the other way round."""
    dev_out, dev_in = wave.open_out(wave_format()), wave.open_in()
    out_caps, in_caps = WAVEOUTCAPSW(), WAVEINCAPSW()
    assert winmm.waveOutGetDevCapsW(dev_in.handle, ctypes.byref(out_caps), 84) == \
        MMSYSERR_BADDEVICEID
    assert winmm.waveInGetDevCapsW(dev_out.handle, ctypes.byref(in_caps), 80) == \
        MMSYSERR_BADDEVICEID


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_caps_by_open_handle_equal_caps_by_id(wave, out, device_id):
    """B13 (and B22: the mapper has caps)."""
    dev = wave.open_out(wave_format(), device_id) if out else \
        wave.open_in(wave_format(), device_id)
    assert dev.result == MMSYSERR_NOERROR
    for wide in (False, True):
        struct = caps_struct(out, wide)
        by_id, by_handle = struct(), struct()
        fn = get_caps(out, wide)
        assert fn(device_id, ctypes.byref(by_id), ctypes.sizeof(by_id)) == MMSYSERR_NOERROR
        assert fn(dev.handle, ctypes.byref(by_handle), ctypes.sizeof(by_handle)) == \
            MMSYSERR_NOERROR
        assert bytes(by_handle) == bytes(by_id)
        assert get_string(by_id, "szPname")


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_caps_fields_on_a_48_khz_stereo_server(wave, out, device_id):
    for wide in (False, True):
        caps = caps_struct(out, wide)()
        assert get_caps(out, wide)(device_id, ctypes.byref(caps), ctypes.sizeof(caps)) == \
            MMSYSERR_NOERROR
        assert get_string(caps, "szPname").strip()
        assert caps.dwFormats & WAVE_FORMAT_48S16
        assert caps.wChannels == 2
        if out:
            assert caps.dwSupport & (WAVECAPS_VOLUME | WAVECAPS_LRVOLUME) == \
                WAVECAPS_VOLUME | WAVECAPS_LRVOLUME
    a, w = caps_struct(out, False)(), caps_struct(out, True)()
    get_caps(out, False)(device_id, ctypes.byref(a), ctypes.sizeof(a))
    get_caps(out, True)(device_id, ctypes.byref(w), ctypes.sizeof(w))
    assert get_string(a, "szPname") == get_string(w, "szPname")


@pytest.mark.parametrize("wide", [False, True], ids=["A", "W"])
@pytest.mark.parametrize("out", DIRECTIONS)
def test_caps_null_pointer_and_size_4(wave, out, wide):
    """B23/B24/B80: NULL -> INVALPARAM; size 4 -> NOERROR and only 4 bytes written."""
    fn = get_caps(out, wide)
    struct = caps_struct(out, wide)
    for device_id in (0, WAVE_MAPPER):
        assert fn(device_id, None, ctypes.sizeof(struct)) == MMSYSERR_INVALPARAM
        assert fn(device_id, 0, ctypes.sizeof(struct)) == MMSYSERR_INVALPARAM
        caps = struct()
        ctypes.memset(ctypes.addressof(caps), 0xAA, ctypes.sizeof(caps))
        assert fn(device_id, ctypes.byref(caps), 4) == MMSYSERR_NOERROR
        raw = bytes(caps)
        assert raw[4:] == b"\xaa" * (len(raw) - 4)
        full = struct()
        fn(device_id, ctypes.byref(full), ctypes.sizeof(full))
        assert raw[:4] == bytes(full)[:4]  # wMid, wPid


# -- open (B5-B7, B33-B38, B43, B44) ---------------------------------------------------------


NULL_FORMS = [
    pytest.param(lambda: None, id="None"),
    pytest.param(lambda: 0, id="int0"),
    pytest.param(ctypes.c_void_p, id="c_void_p"),
]


@pytest.mark.parametrize("null", NULL_FORMS)
def test_open_null_handle_pointer_without_query_is_invalparam(wave, null):
    """B33: no handle is allocated either (nothing the caller could ever close)."""
    fmt, notes = wave_format(), Notes()
    results = {}
    for name, opener in (("out", winmm.waveOutOpen), ("in", winmm.waveInOpen)):
        for device_id in (0, WAVE_MAPPER):
            before = handle_values(wave)
            result = opener(null(), device_id, ctypes.byref(fmt), notes, 0, CALLBACK_FUNCTION)
            results[name, device_id] = (result, len(close_leaked(wave, before)))
    assert results == dict.fromkeys(results, (MMSYSERR_INVALPARAM, 0))
    assert notes.items == []


QUERY_FORMATS = [(48000, 2, 16), (48000, 1, 8), (22050, 1, 16)]


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_format_query_matches_open_and_touches_nothing(wave, out, device_id):
    """B43/B44 (and B35: a real open gives exactly one xOM_OPEN before returning)."""
    for rate, channels, bits in QUERY_FORMATS:
        check_query(wave, out, device_id, rate, channels, bits)


def check_query(wave: Any, out: bool, device_id: int, rate: int, channels: int,
                bits: int) -> None:
    fmt = wave_format(rate, channels, bits)
    opener = winmm.waveOutOpen if out else winmm.waveInOpen
    notes, event = Notes(), threading.Event()
    before = handle_values(wave)
    nullq = opener(None, device_id, ctypes.byref(fmt), notes, 0,
                   CALLBACK_FUNCTION | WAVE_FORMAT_QUERY)
    sentinel = ctypes.c_void_p(0xDEADF00D)
    withq = opener(ctypes.byref(sentinel), device_id, ctypes.byref(fmt), event, 0,
                   CALLBACK_EVENT | WAVE_FORMAT_QUERY)
    assert sentinel.value == 0xDEADF00D
    assert not event.wait(0.02)
    notifier.flush()
    assert notes.items == []
    assert handle_values(wave) == before
    dev = wave.open_out(fmt, device_id) if out else wave.open_in(fmt, device_id)
    assert nullq == withq == dev.result == MMSYSERR_NOERROR  # other rates converted (B41)
    if dev.result == MMSYSERR_NOERROR:
        assert dev.notes.items == [(WOM_OPEN if out else WIM_OPEN, 0)]


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_open_notification_sees_the_handle_and_close_notification_does_not(
        wave, out, device_id):
    """B35: *phwo is set before xOM_OPEN, so the callback may use the handle; B68: after
    the close the handle is invalid, also inside xOM_CLOSE."""
    opener, closer, get_id = ((winmm.waveOutOpen, winmm.waveOutClose, winmm.waveOutGetID)
                              if out else
                              (winmm.waveInOpen, winmm.waveInClose, winmm.waveInGetID))
    handle, seen = ctypes.c_void_p(), []

    def callback(hdev: int, msg: int, _user: int, _p1: int, _p2: int) -> None:
        got = ctypes.c_uint32()
        seen.append((msg, hdev == handle.value, get_id(hdev, ctypes.byref(got))))

    fmt = wave_format()
    assert opener(ctypes.byref(handle), device_id, ctypes.byref(fmt), callback, 0,
                  CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    assert closer(handle.value) == MMSYSERR_NOERROR
    opened, closed = (WOM_OPEN, WOM_CLOSE) if out else (WIM_OPEN, WIM_CLOSE)
    assert seen == [(opened, True, MMSYSERR_NOERROR), (closed, True, MMSYSERR_INVALHANDLE)]


@pytest.mark.parametrize("out", DIRECTIONS)
def test_zero_sample_rate_is_invalparam(wave, out):
    """B37 (Vista+ answer, the project's choice)."""
    fmt = wave_format()
    fmt.nSamplesPerSec = 0
    before = handle_values(wave)
    for device_id in (0, WAVE_MAPPER):
        for flags in (0, WAVE_FORMAT_QUERY):
            assert open_handle(out, device_id, fmt, flags=flags)[0] == MMSYSERR_INVALPARAM
    assert handle_values(wave) == before


@pytest.mark.parametrize("out", DIRECTIONS)
def test_wave_mapped(wave, out):
    """B45: WAVE_MAPPED with WAVE_MAPPER is INVALPARAM; with a device it opens that device,
    converting what it does not take (22050 Hz mono on a 48 kHz stereo device)."""
    before = handle_values(wave)
    assert open_handle(out, WAVE_MAPPER, flags=WAVE_MAPPED)[0] == MMSYSERR_INVALPARAM
    assert handle_values(wave) == before
    result, handle = open_handle(out, 0, wave_format(22050, 1, 16), flags=WAVE_MAPPED)
    assert result == MMSYSERR_NOERROR
    got = ctypes.c_uint32()
    get_id = winmm.waveOutGetID if out else winmm.waveInGetID
    assert get_id(handle, ctypes.byref(got)) == MMSYSERR_NOERROR and got.value == 0
    assert close_handle(out, handle) == MMSYSERR_NOERROR


INCONSISTENT = [
    {"nAvgBytesPerSec": 0},
    {"nBlockAlign": 1},
    {"nBlockAlign": 0, "nAvgBytesPerSec": 12345},
    {"wBitsPerSample": 12, "nBlockAlign": 3},
]


@pytest.mark.parametrize("device_id", DEVICES)
def test_inconsistent_pcm_fields_are_recomputed_and_the_format_left_alone(wave, device_id):
    """B38: accepted, block align = channels * bits/8 (bits rounded up); B36: the
    caller's structure is not modified."""
    for fields in INCONSISTENT:
        check_inconsistent(wave, device_id, fields)


def check_inconsistent(wave: Any, device_id: int, fields: dict[str, int]) -> None:
    fmt = wave_format()
    for name, value in fields.items():
        setattr(fmt, name, value)
    original = bytes(fmt)
    out = wave.open_out(fmt, device_id)
    assert out.result == MMSYSERR_NOERROR, fields
    assert bytes(fmt) == original
    assert out.queue(Buffer(4800)) == MMSYSERR_NOERROR
    out.wait_done()
    assert position(True, out.handle, TIME_SAMPLES) == (TIME_SAMPLES, 1200), fields
    assert position(True, out.handle, TIME_BYTES) == (TIME_BYTES, 4800), fields
    assert bytes(fmt) == original
    out.close()


@pytest.mark.parametrize("out", DIRECTIONS)
def test_converted_format_is_not_modified(wave, out):
    """B36 for a format that is converted, and refused with WAVE_FORMAT_DIRECT (B41)."""
    fmt = wave_format(22050, 1, 8)
    original = bytes(fmt)
    for device_id in (0, WAVE_MAPPER):
        for flags, expected in ((0, MMSYSERR_NOERROR), (WAVE_FORMAT_DIRECT, WAVERR_BADFORMAT)):
            dev = (wave.open_out if out else wave.open_in)(fmt, device_id, flags)
            assert dev.result == expected
            assert bytes(fmt) == original


@pytest.mark.parametrize("out", DIRECTIONS)
def test_callback_window_that_is_not_a_window_is_invalparam(wave, out):
    """B5."""
    before = handle_values(wave)
    for device_id in (0, WAVE_MAPPER):
        for target in (12345, object(), "hwnd"):
            assert open_handle(out, device_id, callback=target, flags=CALLBACK_WINDOW)[0] == \
                MMSYSERR_INVALPARAM, (device_id, target)
    assert handle_values(wave) == before


@pytest.mark.parametrize("device_id", DEVICES)
def test_callback_window_null_opens_and_posts_nothing(wave, device_id):
    """B6."""
    result, handle = open_handle(True, device_id, callback=0, flags=CALLBACK_WINDOW)
    assert result == MMSYSERR_NOERROR
    buf = Buffer(4800)
    assert prepare(handle, buf.hdr) == MMSYSERR_NOERROR
    assert write(handle, buf.hdr) == MMSYSERR_NOERROR
    assert wait_until(lambda: buf.hdr.dwFlags & WHDR_DONE)
    assert close_handle(True, handle) == MMSYSERR_NOERROR


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_callback_function_none_is_accepted(wave, out, device_id):
    """B7 (choice table): opens, plays/records, closes; nobody is called."""
    result, handle = open_handle(out, device_id, callback=None, flags=CALLBACK_FUNCTION)
    assert result == MMSYSERR_NOERROR
    assert handle in handle_values(wave)
    buf = Buffer(4800)
    assert prepare(handle, buf.hdr, out) == MMSYSERR_NOERROR
    if out:
        assert write(handle, buf.hdr) == MMSYSERR_NOERROR
    else:
        assert add_buffer(handle, buf.hdr) == MMSYSERR_NOERROR
        assert winmm.waveInStart(handle) == MMSYSERR_NOERROR
    assert wait_until(lambda: buf.hdr.dwFlags & WHDR_DONE)
    assert close_handle(out, handle) == MMSYSERR_NOERROR
    assert handle not in handle_values(wave)


# -- waveOut headers (B50-B63) ---------------------------------------------------------------


@pytest.mark.parametrize("device_id", DEVICES)
def test_header_argument_checks(wave, device_id):
    """B50: NULL header or a short size -> INVALPARAM (prepare, unprepare, write)."""
    out = wave.open_out(wave_format(), device_id)
    buf = Buffer(4800)
    for fn in (winmm.waveOutPrepareHeader, winmm.waveOutUnprepareHeader, winmm.waveOutWrite):
        assert fn(out.handle, None, HDR) == MMSYSERR_INVALPARAM
        assert fn(out.handle, 0, HDR) == MMSYSERR_INVALPARAM
        assert fn(out.handle, ctypes.byref(buf.hdr), HDR - 1) == MMSYSERR_INVALPARAM
        assert fn(out.handle, ctypes.byref(buf.hdr), 0) == MMSYSERR_INVALPARAM
    assert buf.hdr.dwFlags == 0


@pytest.mark.parametrize("device_id", DEVICES)
def test_prepare_and_unprepare_of_idle_headers(wave, device_id):
    """B51 preset DONE/INQUEUE cleared; B52 second prepare changes nothing; B60
    never-written -> 0; B61 unprepared keeps its flags."""
    h = wave.open_out(wave_format(), device_id).handle
    buf = Buffer(4800, flags=WHDR_INQUEUE | WHDR_DONE)
    assert prepare(h, buf.hdr) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_PREPARED
    assert prepare(h, buf.hdr) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_PREPARED
    assert unprepare(h, buf.hdr) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == 0
    buf.hdr.dwFlags = WHDR_DONE
    assert unprepare(h, buf.hdr) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_DONE
    buf.hdr.dwFlags = WHDR_INQUEUE | WHDR_PREPARED
    assert prepare(h, buf.hdr) == MMSYSERR_NOERROR  # B52: already prepared, kept as is
    assert buf.hdr.dwFlags == WHDR_INQUEUE | WHDR_PREPARED


@pytest.mark.parametrize("device_id", DEVICES)
def test_queued_header(wave, device_id):
    """B53 write -> PREPARED|INQUEUE; B52 prepare keeps it; B54 second write and B62
    unprepare -> STILLPLAYING, flags unchanged."""
    out = wave.open_out(wave_format(), device_id)
    h = out.handle
    buf = Buffer(SECOND)  # one second of silence: queued for the whole test
    buf.hdr.dwFlags = WHDR_DONE
    assert prepare(h, buf.hdr) == MMSYSERR_NOERROR
    assert write(h, buf.hdr) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert prepare(h, buf.hdr) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert write(h, buf.hdr) == WAVERR_STILLPLAYING
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert unprepare(h, buf.hdr) == WAVERR_STILLPLAYING
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert winmm.waveOutReset(h) == MMSYSERR_NOERROR
    assert out.notes.wait(WOM_DONE, 1)
    assert buf.hdr.dwFlags == WHDR_DONE | WHDR_PREPARED
    assert out.notes.items == [(WOM_OPEN, 0), (WOM_DONE, buf.address)]


@pytest.mark.parametrize("device_id", DEVICES)
def test_unprepare_of_an_inqueue_header_is_stillplaying_even_unprepared(wave, device_id):
    """B62: INQUEUE is checked before PREPARED."""
    h = wave.open_out(wave_format(), device_id).handle
    buf = Buffer(4800, flags=WHDR_INQUEUE)
    assert unprepare(h, buf.hdr) == WAVERR_STILLPLAYING
    assert buf.hdr.dwFlags == WHDR_INQUEUE


@pytest.mark.parametrize("device_id", DEVICES)
def test_write_of_an_unprepared_header(wave, device_id):
    """B55: unprepared, or prepared with lpData NULL -> WAVERR_UNPREPARED, nothing queued."""
    out = wave.open_out(wave_format(), device_id)
    for flags in (0, WHDR_DONE):
        buf = Buffer(4800, flags=flags)
        assert write(out.handle, buf.hdr) == WAVERR_UNPREPARED
        assert buf.hdr.dwFlags == flags
    empty = WAVEHDR(lpData=None, dwBufferLength=4800)
    assert prepare(out.handle, empty) == MMSYSERR_NOERROR
    assert write(out.handle, empty) == WAVERR_UNPREPARED
    assert empty.dwFlags == WHDR_PREPARED
    assert winmm.waveOutClose(out.handle) == MMSYSERR_NOERROR  # nothing was queued
    out.handle = None


@pytest.mark.parametrize("device_id", DEVICES)
def test_completed_headers_resubmit_and_unprepare(wave, device_id):
    """B57 DONE|PREPARED; B58 resubmit with dwFlags = PREPARED; B59 unprepare -> DONE;
    B63 WOM_DONE(p1 = header, p2 = 0) in order, DONE already set in the callback."""
    seen: list[tuple[int, int, int, int]] = []
    cond = threading.Condition()

    def callback(handle, msg, instance, p1, p2):
        with cond:
            flags = WAVEHDR.from_address(p1).dwFlags if msg == WOM_DONE else -1
            seen.append((msg, p1, p2, flags))
            cond.notify_all()

    def done_count() -> int:
        return sum(1 for m, *_ in seen if m == WOM_DONE)

    result, h = open_handle(True, device_id, callback=callback, flags=CALLBACK_FUNCTION)
    assert result == MMSYSERR_NOERROR
    try:
        bufs = [Buffer(4800), Buffer(2400)]
        for b in bufs:
            assert prepare(h, b.hdr) == MMSYSERR_NOERROR
            assert write(h, b.hdr) == MMSYSERR_NOERROR
        with cond:
            assert cond.wait_for(lambda: done_count() == 2, 5)
        assert [b.hdr.dwFlags for b in bufs] == [WHDR_DONE | WHDR_PREPARED] * 2
        done = WHDR_DONE | WHDR_PREPARED
        assert seen == [(WOM_OPEN, 0, 0, -1), (WOM_DONE, bufs[0].address, 0, done),
                        (WOM_DONE, bufs[1].address, 0, done)]
        bufs[0].hdr.dwFlags = WHDR_PREPARED
        assert write(h, bufs[0].hdr) == MMSYSERR_NOERROR
        assert bufs[0].hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
        with cond:
            assert cond.wait_for(lambda: done_count() == 3, 5)
        assert seen[-1] == (WOM_DONE, bufs[0].address, 0, done)
        for b in bufs:
            assert unprepare(h, b.hdr) == MMSYSERR_NOERROR
            assert b.hdr.dwFlags == WHDR_DONE
        assert position(True, h, TIME_BYTES) == (TIME_BYTES, 4800 * 2 + 2400)
    finally:
        assert close_handle(True, h) == MMSYSERR_NOERROR
    assert seen[-1] == (WOM_CLOSE, 0, 0, -1)


# -- close (B68, B69) ------------------------------------------------------------------------


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_close_with_queued_buffers_is_stillplaying_and_keeps_the_handle(wave, out, device_id):
    dev = wave.open_out(wave_format(), device_id) if out else \
        wave.open_in(wave_format(), device_id)
    h = dev.handle
    buf = Buffer(SECOND)
    assert dev.queue(buf) == MMSYSERR_NOERROR
    close = winmm.waveOutClose if out else winmm.waveInClose
    assert close(h) == WAVERR_STILLPLAYING
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert position(out, h, TIME_BYTES)[0] == TIME_BYTES  # the handle still works
    assert (winmm.waveOutReset if out else winmm.waveInReset)(h) == MMSYSERR_NOERROR
    assert dev.notes.wait(WOM_DONE if out else WIM_DATA, 1)
    assert buf.hdr.dwFlags == WHDR_DONE | WHDR_PREPARED
    assert close(h) == MMSYSERR_NOERROR
    # B68/B10: the close notification came before close returned, after the completion.
    opened, closed = (WOM_OPEN, WOM_CLOSE) if out else (WIM_OPEN, WIM_CLOSE)
    done = WOM_DONE if out else WIM_DATA
    assert dev.notes.items == [(opened, 0), (done, buf.address), (closed, 0)]
    assert close(h) == MMSYSERR_INVALHANDLE
    dev.handle = None


# -- invalid handles (B56 and every other handle-taking function) ----------------------------


class _Args:
    """Valid non-handle arguments, so only the handle can be wrong."""

    def __init__(self) -> None:
        self.fresh = Buffer(64)
        self.prepared = Buffer(64, flags=WHDR_PREPARED)
        self.mmt = MMTIME(wType=TIME_BYTES)
        self.dword = ctypes.c_uint32(0x5A5A5A5A)


OUT_CALLS: dict[str, Callable[[Any, _Args], int]] = {
    "waveOutClose": lambda h, a: winmm.waveOutClose(h),
    "waveOutPrepareHeader": lambda h, a: winmm.waveOutPrepareHeader(
        h, ctypes.byref(a.fresh.hdr), HDR),
    "waveOutUnprepareHeader": lambda h, a: winmm.waveOutUnprepareHeader(
        h, ctypes.byref(a.prepared.hdr), HDR),
    "waveOutWrite": lambda h, a: winmm.waveOutWrite(h, ctypes.byref(a.prepared.hdr), HDR),
    "waveOutPause": lambda h, a: winmm.waveOutPause(h),
    "waveOutRestart": lambda h, a: winmm.waveOutRestart(h),
    "waveOutReset": lambda h, a: winmm.waveOutReset(h),
    "waveOutBreakLoop": lambda h, a: winmm.waveOutBreakLoop(h),
    "waveOutGetPosition": lambda h, a: winmm.waveOutGetPosition(h, ctypes.byref(a.mmt), MMT),
    "waveOutGetVolume": lambda h, a: winmm.waveOutGetVolume(h, ctypes.byref(a.dword)),
    "waveOutSetVolume": lambda h, a: winmm.waveOutSetVolume(h, 0x80008000),
    "waveOutGetPitch": lambda h, a: winmm.waveOutGetPitch(h, ctypes.byref(a.dword)),
    "waveOutSetPitch": lambda h, a: winmm.waveOutSetPitch(h, 0x10000),
    "waveOutGetPlaybackRate": lambda h, a: winmm.waveOutGetPlaybackRate(
        h, ctypes.byref(a.dword)),
    "waveOutSetPlaybackRate": lambda h, a: winmm.waveOutSetPlaybackRate(h, 0x10000),
    "waveOutGetID": lambda h, a: winmm.waveOutGetID(h, ctypes.byref(a.dword)),
    "waveOutMessage": lambda h, a: winmm.waveOutMessage(h, 0x4000, 0, 0),
}
IN_CALLS: dict[str, Callable[[Any, _Args], int]] = {
    "waveInClose": lambda h, a: winmm.waveInClose(h),
    "waveInPrepareHeader": lambda h, a: winmm.waveInPrepareHeader(
        h, ctypes.byref(a.fresh.hdr), HDR),
    "waveInUnprepareHeader": lambda h, a: winmm.waveInUnprepareHeader(
        h, ctypes.byref(a.prepared.hdr), HDR),
    "waveInAddBuffer": lambda h, a: winmm.waveInAddBuffer(h, ctypes.byref(a.prepared.hdr), HDR),
    "waveInStart": lambda h, a: winmm.waveInStart(h),
    "waveInStop": lambda h, a: winmm.waveInStop(h),
    "waveInReset": lambda h, a: winmm.waveInReset(h),
    "waveInGetPosition": lambda h, a: winmm.waveInGetPosition(h, ctypes.byref(a.mmt), MMT),
    "waveInGetID": lambda h, a: winmm.waveInGetID(h, ctypes.byref(a.dword)),
    "waveInMessage": lambda h, a: winmm.waveInMessage(h, 0x4000, 0, 0),
}
# These take a device id as well as a handle, so 0 (device 0) is not an invalid handle there.
ACCEPT_IDS = {"waveOutGetVolume", "waveOutSetVolume", "waveOutMessage", "waveInMessage"}


@pytest.mark.parametrize("out", DIRECTIONS)
def test_invalid_handles_are_invalhandle(wave, out):
    """B56 and B68 (a closed handle is invalid), for every function taking a handle."""
    calls = OUT_CALLS if out else IN_CALLS
    live_out, live_in = wave.open_out(wave_format()), wave.open_in()
    closed = open_handle(out, 0)[1]
    assert close_handle(out, closed) == MMSYSERR_NOERROR
    bad: dict[str, Any] = {
        "closed": closed,
        "never-issued": 0x7FFF,  # below the first handle, above every device id
        "other-class": live_in.handle if out else live_out.handle,
        "None": None,
        "0": 0,
    }
    args = _Args()
    results = {(name, kind): call(h, args) for name, call in calls.items()
               for kind, h in bad.items() if not (kind == "0" and name in ACCEPT_IDS)}
    assert results == dict.fromkeys(results, MMSYSERR_INVALHANDLE)
    assert (args.fresh.hdr.dwFlags, args.prepared.hdr.dwFlags) == (0, WHDR_PREPARED)
    assert args.dword.value == 0x5A5A5A5A and args.mmt.u.cb == 0
    # The live handles of both classes were not disturbed.
    assert live_out.notes.items == [(WOM_OPEN, 0)] and live_in.notes.items == [(WIM_OPEN, 0)]


@pytest.mark.parametrize("device_id", DEVICES)
def test_unsupported_and_id_calls_on_a_valid_handle(wave, device_id):
    """B76 pitch/playback rate -> NOTSUPPORTED; B77 GetID(NULL) -> INVALPARAM, else the id."""
    out = wave.open_out(wave_format(), device_id)
    value = ctypes.c_uint32()
    assert winmm.waveOutGetPitch(out.handle, ctypes.byref(value)) == MMSYSERR_NOTSUPPORTED
    assert winmm.waveOutSetPitch(out.handle, 0x10000) == MMSYSERR_NOTSUPPORTED
    assert winmm.waveOutGetPlaybackRate(out.handle, ctypes.byref(value)) == \
        MMSYSERR_NOTSUPPORTED
    assert winmm.waveOutSetPlaybackRate(out.handle, 0x10000) == MMSYSERR_NOTSUPPORTED
    assert winmm.waveOutGetID(out.handle, None) == MMSYSERR_INVALPARAM
    if device_id == 0:
        value.value = 0x5A5A5A5A
        assert winmm.waveOutGetID(out.handle, ctypes.byref(value)) == MMSYSERR_NOERROR
        assert value.value == 0


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_device_interface_name(wave, out, device_id):
    """B29: the size is that of a NUL-terminated UTF-16 string, the name fills it exactly
    (the mapper's: size 2, empty), by id or by handle; a buffer too small is INVALPARAM."""
    message = winmm.waveOutMessage if out else winmm.waveInMessage
    dev = wave.open_out(wave_format(), device_id) if out else \
        wave.open_in(wave_format(), device_id)
    for target in (device_id, dev.handle):
        size = ctypes.c_uint32()
        assert message(target, DRV_QUERYDEVICEINTERFACESIZE, ctypes.byref(size), 0) == \
            MMSYSERR_NOERROR
        if device_id == WAVE_MAPPER:
            assert size.value == 2
        buf = ctypes.create_string_buffer(b"\xff" * size.value, size.value)
        assert message(target, DRV_QUERYDEVICEINTERFACE, buf, size.value) == MMSYSERR_NOERROR
        name = buf.raw.decode("utf-16-le")
        assert name.endswith("\0") and len(name) == size.value // 2
        assert len(name.rstrip("\0")) + 1 == size.value // 2  # wcslen(buf) + 1 == size / 2
        assert (name == "\0") == (device_id == WAVE_MAPPER)
        wide = ctypes.create_unicode_buffer(size.value // 2)  # ctypes' own wide characters
        assert message(target, DRV_QUERYDEVICEINTERFACE, wide, size.value) == MMSYSERR_NOERROR
        assert wide.value == name[:-1]
        assert message(target, DRV_QUERYDEVICEINTERFACE, buf, size.value - 2) == \
            MMSYSERR_INVALPARAM
        assert message(target, DRV_QUERYDEVICEINTERFACESIZE, None, 0) == MMSYSERR_INVALPARAM


@pytest.mark.parametrize("out", DIRECTIONS)
def test_mapper_preferred_device(wave, out):
    """B26, B27, B81: winmm answers DRVM_MAPPER_PREFERRED_GET (Wine's answer: the first
    device, status 0); a null pointer is INVALPARAM."""
    message = winmm.waveOutMessage if out else winmm.waveInMessage
    preferred, status = ctypes.c_uint32(0x5A5A5A5A), ctypes.c_uint32(0x5A5A5A5A)
    assert message(WAVE_MAPPER, DRVM_MAPPER_PREFERRED_GET, ctypes.byref(preferred),
                   ctypes.byref(status)) == MMSYSERR_NOERROR
    assert (preferred.value, status.value) == (0, 0)
    for pointers in ((None, ctypes.byref(status)), (ctypes.byref(preferred), None)):
        assert message(WAVE_MAPPER, DRVM_MAPPER_PREFERRED_GET, *pointers) == \
            MMSYSERR_INVALPARAM


@pytest.mark.parametrize("out", DIRECTIONS)
def test_mapper_status(wave, out):
    """WODM/WIDM_MAPPER_STATUS on a mapper handle: the device it opened (as the device
    drivers number it), no conversion in between (the device converts, B41), and the
    application's format.  A device's own handle does not answer; a null pointer or an
    unknown item is INVALPARAM."""
    message = winmm.waveOutMessage if out else winmm.waveInMessage
    fmt = wave_format(rate=22050, channels=1)
    mapper = wave.open_out(fmt, WAVE_MAPPER) if out else wave.open_in(fmt, WAVE_MAPPER)
    device, mapped = ctypes.c_uint32(0x5A5A5A5A), ctypes.c_uint32(0x5A5A5A5A)
    assert message(mapper.handle, DRVM_MAPPER_STATUS, WAVEOUT_MAPPER_STATUS_DEVICE,
                   ctypes.byref(device)) == MMSYSERR_NOERROR
    assert device.value == 0  # sndpa.drv's "system", the only device here
    assert message(mapper.handle, DRVM_MAPPER_STATUS, WAVEOUT_MAPPER_STATUS_MAPPED,
                   ctypes.addressof(mapped)) == MMSYSERR_NOERROR  # a raw address too
    assert mapped.value == 0
    got = WAVEFORMATEX()
    assert message(mapper.handle, DRVM_MAPPER_STATUS, WAVEOUT_MAPPER_STATUS_FORMAT,
                   ctypes.byref(got)) == MMSYSERR_NOERROR
    assert bytes(got) == bytes(fmt)
    assert message(mapper.handle, DRVM_MAPPER_STATUS, WAVEOUT_MAPPER_STATUS_DEVICE,
                   None) == MMSYSERR_INVALPARAM
    assert message(mapper.handle, DRVM_MAPPER_STATUS, 7, ctypes.byref(device)) == \
        MMSYSERR_INVALPARAM
    direct = wave.open_out(fmt, 0) if out else wave.open_in(fmt, 0)
    assert message(direct.handle, DRVM_MAPPER_STATUS, WAVEOUT_MAPPER_STATUS_DEVICE,
                   ctypes.byref(device)) == MMSYSERR_NOTSUPPORTED


@pytest.mark.parametrize("device_id", DEVICES)
def test_volume_by_device_id_agrees_with_the_caps(wave, device_id):
    """B47: caps advertise WAVECAPS_VOLUME, so the device's volume (by id) works too, and
    it scales what every open of the device plays."""
    caps = WAVEOUTCAPSW()
    winmm.waveOutGetDevCapsW(device_id, ctypes.byref(caps), ctypes.sizeof(caps))
    assert caps.dwSupport & WAVECAPS_VOLUME
    volume = ctypes.c_uint32()
    assert winmm.waveOutGetVolume(device_id, ctypes.byref(volume)) == MMSYSERR_NOERROR
    assert volume.value == 0xFFFFFFFF
    out = wave.open_out(wave_format(), device_id)
    try:
        assert winmm.waveOutSetVolume(device_id, 0x40008000) == MMSYSERR_NOERROR
        assert winmm.waveOutGetVolume(device_id, ctypes.byref(volume)) == MMSYSERR_NOERROR
        assert volume.value == 0x40008000
        # The handle keeps its own volume; the device's scales it on top.
        assert winmm.waveOutGetVolume(out.handle, ctypes.byref(volume)) == MMSYSERR_NOERROR
        assert volume.value == 0xFFFFFFFF
        inst = wave.system.open_device(out.handle).dwUser
        assert inst.client.gain.tolist() == pytest.approx([0x8000 / 0xFFFF, 0x4000 / 0xFFFF])
    finally:
        winmm.waveOutSetVolume(device_id, 0xFFFFFFFF)


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_wave_allowsync_is_accepted(wave, out, device_id):
    """Our devices are asynchronous: WAVE_ALLOWSYNC changes nothing (never WAVERR_SYNC)."""
    result, handle = open_handle(out, device_id, flags=WAVE_ALLOWSYNC)
    assert result == MMSYSERR_NOERROR
    assert close_handle(out, handle) == MMSYSERR_NOERROR


# -- position (B72-B74, B83, B86) ------------------------------------------------------------


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_position_size_rules(wave, out, device_id):
    """B72: sizeof-1 -> ERROR, sizeof+1 -> NOERROR, 0 or NULL -> INVALPARAM."""
    dev = wave.open_out(wave_format(), device_id) if out else \
        wave.open_in(wave_format(), device_id)
    get = winmm.waveOutGetPosition if out else winmm.waveInGetPosition
    results = {}
    for size in (MMT - 1, MMT, MMT + 1, 0):
        mmt = MMTIME(wType=TIME_BYTES)
        results[size] = get(dev.handle, ctypes.byref(mmt), size)
    results["NULL"] = get(dev.handle, None, MMT)
    assert results == {MMT - 1: MMSYSERR_ERROR, MMT: MMSYSERR_NOERROR,
                       MMT + 1: MMSYSERR_NOERROR, 0: MMSYSERR_INVALPARAM,
                       "NULL": MMSYSERR_INVALPARAM}


def expected_position(nbytes: int) -> dict[int, tuple[int, int]]:
    """Choice table: BYTES, SAMPLES and MS honoured, anything else answered in bytes."""
    frames = nbytes // FRAME
    as_bytes = (TIME_BYTES, nbytes)
    return {TIME_BYTES: as_bytes, TIME_SAMPLES: (TIME_SAMPLES, frames),
            TIME_MS: (TIME_MS, frames * 1000 // RATE), TIME_SMPTE: as_bytes,
            TIME_MIDI: as_bytes, TIME_TICKS: as_bytes, 0: as_bytes, 0x40: as_bytes}


def all_positions(out: bool, handle: int) -> dict[int, tuple[int, int]]:
    return {kind: position(out, handle, kind) for kind in expected_position(0)}


@pytest.mark.parametrize("device_id", DEVICES)
@pytest.mark.parametrize("out", DIRECTIONS)
def test_position_is_zero_right_after_open(wave, out, device_id):
    """B73/B74/B83."""
    dev = wave.open_out(wave_format(), device_id) if out else \
        wave.open_in(wave_format(), device_id)
    assert all_positions(out, dev.handle) == expected_position(0)


@pytest.mark.parametrize("device_id", DEVICES)
def test_position_after_playback(wave, device_id):
    """B74: BYTES = L, SAMPLES = L / nBlockAlign once everything is done."""
    out = wave.open_out(wave_format(), device_id)
    for _ in range(2):
        assert out.queue(Buffer(RATE // 10 * FRAME)) == MMSYSERR_NOERROR
    out.wait_done()
    assert all_positions(True, out.handle) == expected_position(2 * RATE // 10 * FRAME)


@pytest.mark.parametrize("device_id", DEVICES)
def test_wavein_position_stays_zero_until_started(wave, device_id):
    """B86: AddBuffer before waveInStart records nothing."""
    dev = wave.open_in(wave_format(), device_id)
    buf = Buffer(RATE // 10 * FRAME)
    assert dev.queue(buf) == MMSYSERR_NOERROR
    threading.Event().wait(0.1)  # wall time in which nothing may be recorded
    assert all_positions(False, dev.handle) == expected_position(0)
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert dev.notes.items == [(WIM_OPEN, 0)]


# -- volume (B46-B48) ------------------------------------------------------------------------


@pytest.mark.parametrize("device_id", DEVICES)
def test_volume(wave, device_id):
    out = wave.open_out(wave_format(), device_id)
    assert winmm.waveOutGetVolume(out.handle, None) == MMSYSERR_INVALPARAM
    assert winmm.waveOutGetVolume(out.handle, 0) == MMSYSERR_INVALPARAM
    caps = WAVEOUTCAPSW()
    winmm.waveOutGetDevCapsW(device_id, ctypes.byref(caps), ctypes.sizeof(caps))
    assert caps.dwSupport & WAVECAPS_VOLUME  # so B47 requires NOERROR below
    volume = ctypes.c_uint32()
    for value in (0x12345678, 0x0000FFFF, 0xFFFF0000, 0x00000000, 0x80017FFE, 0xFFFFFFFF):
        assert winmm.waveOutSetVolume(out.handle, value) == MMSYSERR_NOERROR
        volume.value = 0xA5A5A5A5
        assert winmm.waveOutGetVolume(out.handle, ctypes.byref(volume)) == MMSYSERR_NOERROR
        assert volume.value == value


@pytest.mark.parametrize("device_id", DEVICES)
def test_volume_of_a_mono_stream_keeps_the_low_word(wave, device_id):
    out = wave.open_out(wave_format(channels=1), device_id)
    volume = ctypes.c_uint32()
    assert winmm.waveOutSetVolume(out.handle, 0xABCD1234) == MMSYSERR_NOERROR
    assert winmm.waveOutGetVolume(out.handle, ctypes.byref(volume)) == MMSYSERR_NOERROR
    assert volume.value == 0x1234


# -- fragment sizes and re-entrancy (B64, B65) -----------------------------------------------


@pytest.mark.parametrize("device_id", DEVICES)
def test_partial_trailing_frames_are_not_played(wave, device_id):
    """B64 at 48 kHz with the spec's odd sizes: 11025 + 1 byte, 11024 frames + 3 bytes."""
    out = wave.open_out(wave_format(), device_id)
    for size in (44101, 44099):
        assert out.queue(Buffer(size)) == MMSYSERR_NOERROR
    out.wait_done(2)
    kind, nbytes = position(True, out.handle, TIME_BYTES)
    assert kind == TIME_BYTES and nbytes in (88200, 88196)
    assert position(True, out.handle, TIME_SAMPLES) == (TIME_SAMPLES, nbytes // FRAME)


@pytest.mark.parametrize("device_id", DEVICES)
def test_write_from_inside_wom_done(wave, device_id):
    """B65: the first WOM_DONE re-writes its header; exactly three WOM_DONE, none nested."""
    lock = threading.Condition()
    dones: list[int] = []
    errors: list[str] = []
    depth = [0]

    def callback(handle, msg, instance, p1, p2):
        if msg != WOM_DONE:
            return
        with lock:
            depth[0] += 1
            if depth[0] > 1:
                errors.append("WOM_DONE delivered inside a callback")
            dones.append(p1)
            first = len(dones) == 1
        if first:
            result = winmm.waveOutWrite(handle, p1, HDR)
            if result != MMSYSERR_NOERROR:
                errors.append(f"waveOutWrite from the callback returned {result}")
        with lock:
            depth[0] -= 1
            lock.notify_all()

    result, h = open_handle(True, device_id, callback=callback, flags=CALLBACK_FUNCTION)
    assert result == MMSYSERR_NOERROR
    try:
        bufs = [Buffer(RATE // 10 * FRAME) for _ in range(2)]
        for b in bufs:
            assert prepare(h, b.hdr) == MMSYSERR_NOERROR
            assert write(h, b.hdr) == MMSYSERR_NOERROR
        with lock:
            assert lock.wait_for(lambda: len(dones) >= 3, 5)
        notifier.flush()  # anything else already posted is delivered now
        assert errors == []
        assert dones == [bufs[0].address, bufs[1].address, bufs[0].address]
        assert all(b.hdr.dwFlags == WHDR_DONE | WHDR_PREPARED for b in bufs)
    finally:
        assert close_handle(True, h) == MMSYSERR_NOERROR


# -- waveIn (B84-B91) ------------------------------------------------------------------------


@pytest.mark.parametrize("device_id", DEVICES)
def test_wavein_header_rules(wave, device_id):
    """B84 prepare like waveOut; B85 AddBuffer checks, resets dwBytesRecorded, clears DONE,
    sets INQUEUE; B90 reset returns it; B91 unprepare and close."""
    dev = wave.open_in(wave_format(), device_id)
    h = dev.handle
    buf = Buffer(SECOND, flags=WHDR_DONE | WHDR_INQUEUE)
    for fn in (winmm.waveInPrepareHeader, winmm.waveInAddBuffer, winmm.waveInUnprepareHeader):
        assert fn(h, None, HDR) == MMSYSERR_INVALPARAM
        assert fn(h, ctypes.byref(buf.hdr), HDR - 1) == MMSYSERR_INVALPARAM
    buf.hdr.dwFlags = WHDR_DONE
    assert add_buffer(h, buf.hdr) == WAVERR_UNPREPARED
    buf.hdr.dwFlags = WHDR_DONE | WHDR_INQUEUE
    assert prepare(h, buf.hdr, out=False) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_PREPARED
    assert prepare(h, buf.hdr, out=False) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_PREPARED
    buf.hdr.dwFlags |= WHDR_DONE
    buf.hdr.dwBytesRecorded = 1234
    assert add_buffer(h, buf.hdr) == MMSYSERR_NOERROR
    assert buf.hdr.dwBytesRecorded == 0
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert add_buffer(h, buf.hdr) == WAVERR_STILLPLAYING
    assert unprepare(h, buf.hdr, out=False) == WAVERR_STILLPLAYING
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert winmm.waveInReset(h) == MMSYSERR_NOERROR
    assert dev.notes.wait(WIM_DATA, 1)
    assert buf.hdr.dwFlags == WHDR_DONE | WHDR_PREPARED and buf.hdr.dwBytesRecorded == 0
    assert unprepare(h, buf.hdr, out=False) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_DONE
    assert winmm.waveInClose(h) == MMSYSERR_NOERROR
    dev.handle = None
    assert dev.notes.items == [(WIM_OPEN, 0), (WIM_DATA, buf.address), (WIM_CLOSE, 0)]


@pytest.mark.parametrize("device_id", DEVICES)
def test_wavein_one_second_buffer(wave, device_id):
    """B87: WIM_DATA after about a second, full buffer, position equal to it."""
    fmt = wave_format()
    dev = wave.open_in(fmt, device_id)
    buf = Buffer(fmt.nAvgBytesPerSec)
    assert dev.queue(buf) == MMSYSERR_NOERROR
    started = time.monotonic()
    assert winmm.waveInStart(dev.handle) == MMSYSERR_NOERROR
    assert dev.notes.wait(WIM_DATA, 1, timeout=3.0)
    elapsed = time.monotonic() - started
    assert 0.8 < elapsed < 2.5  # recorded in real time, and delivered promptly
    assert buf.hdr.dwFlags == WHDR_DONE | WHDR_PREPARED
    assert buf.hdr.dwBytesRecorded == fmt.nAvgBytesPerSec
    # (The position part of B87 is test_wavein_position_is_what_the_buffers_received.)


@pytest.mark.parametrize("device_id", DEVICES)
def test_wavein_odd_sized_buffer_holds_whole_frames(wave, device_id):
    """B88."""
    dev = wave.open_in(wave_format(), device_id)
    bufs = [Buffer(2401 * FRAME + 3), Buffer(1200 * FRAME + 1)]
    for b in bufs:
        assert dev.queue(b) == MMSYSERR_NOERROR
    assert winmm.waveInStart(dev.handle) == MMSYSERR_NOERROR
    dev.wait_done(2, timeout=5)
    assert [b.hdr.dwBytesRecorded for b in bufs] == [2401 * FRAME, 1200 * FRAME]


@pytest.mark.parametrize("device_id", DEVICES)
def test_wavein_position_is_what_the_buffers_received(wave, device_id):
    """B87 (position == dwBytesRecorded once the buffer is done) with B88's odd sizes:
    the device keeps capturing with no buffer queued, and that is dropped, not counted."""
    dev = wave.open_in(wave_format(), device_id)
    bufs = [Buffer(2401 * FRAME + 3), Buffer(1200 * FRAME + 1)]
    for b in bufs:
        assert dev.queue(b) == MMSYSERR_NOERROR
    assert winmm.waveInStart(dev.handle) == MMSYSERR_NOERROR
    dev.wait_done(2, timeout=5)
    recorded = sum(b.hdr.dwBytesRecorded for b in bufs)
    # Read it repeatedly for a while: capture goes on (into the ring) the whole time.
    seen = set()
    tick = threading.Event()
    for _ in range(25):
        seen.add(position(False, dev.handle, TIME_BYTES))
        tick.wait(0.005)
    assert seen == {(TIME_BYTES, recorded)}


@pytest.mark.parametrize("device_id", DEVICES)
def test_wavein_stop_then_reset(wave, device_id):
    """B89: stop returns the partly filled head at once, empty buffers stay queued;
    B90: reset returns the rest and sets the position to 0."""
    dev = wave.open_in(wave_format(), device_id)
    h = dev.handle
    bufs = [Buffer(SECOND), Buffer(SECOND)]
    for b in bufs:
        assert dev.queue(b) == MMSYSERR_NOERROR
    assert winmm.waveInStart(h) == MMSYSERR_NOERROR
    assert wait_until(lambda: position(False, h, TIME_BYTES)[1] > 0)
    assert winmm.waveInStop(h) == MMSYSERR_NOERROR
    first, second = bufs[0].hdr, bufs[1].hdr
    assert first.dwFlags == WHDR_DONE | WHDR_PREPARED  # returned before Stop returned
    assert 0 < first.dwBytesRecorded < SECOND and first.dwBytesRecorded % FRAME == 0
    assert second.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert dev.notes.wait(WIM_DATA, 1)
    stopped_at = position(False, h, TIME_BYTES)
    assert stopped_at == (TIME_BYTES, first.dwBytesRecorded)
    assert winmm.waveInReset(h) == MMSYSERR_NOERROR
    assert dev.notes.wait(WIM_DATA, 2)
    assert second.dwFlags == WHDR_DONE | WHDR_PREPARED and second.dwBytesRecorded == 0
    assert [p for m, p in dev.notes.items if m == WIM_DATA] == [b.address for b in bufs]
    assert position(False, h, TIME_BYTES) == (TIME_BYTES, 0)


# -- error texts (B210-B212) -----------------------------------------------------------------


WAVE_CODES = [*range(0, 22), *range(32, 36)]
MIDI_CODES = [*range(0, 22), *range(64, 72)]
# The MIDI functions share the rules (B210-B212) with their own range of codes.
TEXT_FUNCS = [
    pytest.param((getattr(winmm, f"{family}GetErrorText{kind}"), kind == "W", codes),
                 id=f"{family}{kind}")
    for family, codes in (("waveOut", WAVE_CODES), ("waveIn", WAVE_CODES),
                          ("midiOut", MIDI_CODES), ("midiIn", MIDI_CODES))
    for kind in "AW"
]
FILL_A, FILL_W = b"\xaa", "\u2603"
ENGLISH = {
    0: "The specified command was carried out.",
    1: "Undefined external error.",
    2: "A device ID has been used that is out of range for your system.",
    5: "The specified device handle is invalid.",
    11: "An invalid parameter was passed to a system function.",
    32: "The specified format is not supported or cannot be translated. Use the Capabilities "
        "function to determine the supported formats.",
    33: "Cannot perform this operation while media data is still playing. Reset the device, "
        "or wait until the data is finished playing.",
    34: "The wave header was not prepared. Use the Prepare function to prepare the header, "
        "and then try again.",
    64: "The MIDI header was not prepared. Use the Prepare function to prepare the header, "
        "and then try again.",
}


def text_buffer(wide: bool, n: int = MAXERRORLENGTH) -> Any:
    if wide:
        return ctypes.create_unicode_buffer(FILL_W * n, n)
    return ctypes.create_string_buffer(FILL_A * n, n)


def untouched(buf: Any, wide: bool, start: int = 0) -> bool:
    if wide:
        return buf[start:] == FILL_W * (len(buf) - start)
    return buf.raw[start:] == FILL_A * (len(buf) - start)


def read_text(buf: Any, wide: bool) -> str:
    return buf.value if wide else buf.value.decode("cp1252")


@pytest.mark.parametrize("func", TEXT_FUNCS)
def test_error_text_null_buffer_and_size_zero(func):
    """B210."""
    fn, wide, _codes = func
    assert fn(MMSYSERR_NOERROR, None, MAXERRORLENGTH) == MMSYSERR_INVALPARAM
    assert fn(MMSYSERR_NOERROR, 0, MAXERRORLENGTH) == MMSYSERR_INVALPARAM
    buf = text_buffer(wide)
    assert fn(MMSYSERR_NOERROR, buf, 0) == MMSYSERR_NOERROR
    assert untouched(buf, wide)


@pytest.mark.parametrize("func", TEXT_FUNCS)
def test_error_text_every_code_of_the_family_has_a_text(func):
    """B211 with the choice table: every code in 0..21 and 32..35 (wave) or 64..71 (MIDI)
    has a text."""
    fn, wide, codes = func
    texts = {}
    for code in codes:
        buf = text_buffer(wide)
        assert fn(code, buf, MAXERRORLENGTH) == MMSYSERR_NOERROR, code
        texts[code] = read_text(buf, wide)
    assert all(texts.values()), [c for c, t in texts.items() if not t]
    assert {c: texts[c] for c in ENGLISH if c in texts} == \
        {c: t for c, t in ENGLISH.items() if c in texts}  # B212's English texts


@pytest.mark.parametrize("func", TEXT_FUNCS)
def test_error_text_outside_the_family_ranges_is_baderrnum(func):
    """B211: nothing is written."""
    fn, wide, codes = func
    for code in {22, 31, 32, 35, 36, 63, 64, 71, 72, 96, 256, 1024, 0xFFFF, 0xFFFFFFFF,
                 -1} - set(codes):
        buf = text_buffer(wide)
        assert fn(code, buf, MAXERRORLENGTH) == MMSYSERR_BADERRNUM, code
        assert untouched(buf, wide), code


@pytest.mark.parametrize("func", TEXT_FUNCS)
def test_error_text_truncation(func):
    """B212: at most size-1 characters and a NUL, nothing written past ``size``."""
    fn, wide, codes = func
    for code in {MMSYSERR_NOERROR, WAVERR_STILLPLAYING, 64} & set(codes):
        full = ENGLISH[code]
        for size in (1, 2, 10, len(full), len(full) + 1, MAXERRORLENGTH):
            buf = text_buffer(wide)
            assert fn(code, buf, size) == MMSYSERR_NOERROR
            kept = full[: size - 1]
            assert read_text(buf, wide) == kept, (code, size)
            assert buf[len(kept)] in ("\0", b"\0"), (code, size)
            assert untouched(buf, wide, len(kept) + 1), (code, size)
