"""The pointer forms ctypes programs pass to waveOut*/waveIn*, on the real stack.

``byref(x)``, ``pointer(x)``, the instance itself and a raw ``addressof`` integer (read
with the Windows layout) for WAVEFORMATEX, WAVEHDR, MMTIME and the caps; and a caller's
own structure classes built from ``ctypes.wintypes``, whose layout differs from Windows'
on Linux (``wintypes.DWORD`` is a C long, 8 bytes), read and written by field name.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import wintypes
from typing import Any

import pytest
from wavekit import RATE, Buffer, Notes, wait_until, wave_format

from audiodrv import winmm
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    MMSYSERR_NOERROR,
    MMTIME,
    TIME_BYTES,
    TIME_SAMPLES,
    TIME_TICKS,
    WAVE_MAPPER,
    WAVEHDR,
    WAVEOUTCAPSA,
    WAVEOUTCAPSW,
    WHDR_DONE,
    WHDR_INQUEUE,
    WHDR_PREPARED,
    WIM_DATA,
    WOM_DONE,
    get_string,
)

pytestmark = [pytest.mark.jack, pytest.mark.timeout(30)]

HDR = ctypes.sizeof(WAVEHDR)


# -- a caller's own declarations (ctypes.wintypes, default packing) ---------------------------


class OwnWAVEFORMATEX(ctypes.Structure):
    _fields_ = [
        ("wFormatTag", wintypes.WORD),
        ("nChannels", wintypes.WORD),
        ("nSamplesPerSec", wintypes.DWORD),
        ("nAvgBytesPerSec", wintypes.DWORD),
        ("nBlockAlign", wintypes.WORD),
        ("wBitsPerSample", wintypes.WORD),
        ("cbSize", wintypes.WORD),
    ]


class OwnWAVEHDR(ctypes.Structure):
    pass


OwnWAVEHDR._fields_ = [
    ("lpData", wintypes.LPSTR),
    ("dwBufferLength", wintypes.DWORD),
    ("dwBytesRecorded", wintypes.DWORD),
    ("dwUser", wintypes.WPARAM),
    ("dwFlags", wintypes.DWORD),
    ("dwLoops", wintypes.DWORD),
    ("lpNext", ctypes.POINTER(OwnWAVEHDR)),
    ("reserved", wintypes.WPARAM),
]


class OwnMMTIMEUnion(ctypes.Union):
    _fields_ = [
        ("ms", wintypes.DWORD),
        ("sample", wintypes.DWORD),
        ("cb", wintypes.DWORD),
        ("ticks", wintypes.DWORD),
    ]


class OwnMMTIME(ctypes.Structure):
    _fields_ = [("wType", wintypes.UINT), ("u", OwnMMTIMEUnion)]


class OwnWAVEOUTCAPSA(ctypes.Structure):
    _fields_ = [
        ("wMid", wintypes.WORD),
        ("wPid", wintypes.WORD),
        ("vDriverVersion", wintypes.UINT),
        ("szPname", ctypes.c_char * 32),
        ("dwFormats", wintypes.DWORD),
        ("wChannels", wintypes.WORD),
        ("wReserved1", wintypes.WORD),
        ("dwSupport", wintypes.DWORD),
    ]


FORMS: dict[str, Callable[[Any], Any]] = {
    "byref": ctypes.byref,
    "pointer": ctypes.pointer,
    "instance": lambda x: x,
    "address": ctypes.addressof,  # only for Windows-layout (our) structures
}
OWN_FORMS = ["byref", "pointer", "instance"]
DEVICES = [pytest.param(0, id="dev0"), pytest.param(WAVE_MAPPER, id="mapper")]


# -- opening with a format in any pointer form -----------------------------------------------


class Opened:
    """A waveOut (or waveIn) handle opened with ``fmt_arg`` as the format pointer."""

    def __init__(self, fmt_arg: Any, device_id: int, out: bool) -> None:
        self.out, self.notes = out, Notes()
        handle = ctypes.c_void_p()
        opener = winmm.waveOutOpen if out else winmm.waveInOpen
        self.result = opener(ctypes.byref(handle), device_id, fmt_arg, self.notes, 0,
                             CALLBACK_FUNCTION)
        self.handle = handle.value

    def close(self) -> None:
        (winmm.waveOutReset if self.out else winmm.waveInReset)(self.handle)
        (winmm.waveOutClose if self.out else winmm.waveInClose)(self.handle)


@pytest.fixture
def opened(wave):
    made: list[Opened] = []

    def make(fmt_arg: Any, device_id: int = 0, out: bool = True) -> Opened:
        dev = Opened(fmt_arg, device_id, out)
        if dev.result == MMSYSERR_NOERROR:
            made.append(dev)
        return dev

    yield make
    for dev in made:
        dev.close()


def own_header(size: int) -> tuple[OwnWAVEHDR, Any]:
    mem = ctypes.create_string_buffer(size)
    hdr = OwnWAVEHDR(dwBufferLength=size)
    hdr.lpData = ctypes.addressof(mem)  # an LPSTR field takes an address as well as bytes
    return hdr, mem


def samples_played(handle: int) -> int:
    mmt = MMTIME(wType=TIME_SAMPLES)
    assert winmm.waveOutGetPosition(handle, ctypes.byref(mmt), ctypes.sizeof(mmt)) == 0
    return mmt.u.sample


# -- WAVEFORMATEX ------------------------------------------------------------------------------


def test_own_classes_really_differ_from_the_windows_layout():
    """The premise of the own-class tests below (Linux: wintypes.DWORD is 8 bytes)."""
    assert OwnWAVEHDR.dwFlags.offset != WAVEHDR.dwFlags.offset
    assert ctypes.sizeof(OwnMMTIME) != ctypes.sizeof(MMTIME)
    assert OwnWAVEFORMATEX.nBlockAlign.offset != 12


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("device_id", DEVICES)
def test_format_forms(opened, device_id, form):
    fmt = wave_format(channels=1)  # 2-byte frames: a misread format would count 1200
    dev = opened(FORMS[form](fmt), device_id)
    assert dev.result == MMSYSERR_NOERROR
    buf = Buffer(4800)
    assert winmm.waveOutPrepareHeader(dev.handle, ctypes.byref(buf.hdr), HDR) == 0
    assert winmm.waveOutWrite(dev.handle, ctypes.byref(buf.hdr), HDR) == 0
    assert dev.notes.wait(WOM_DONE, 1)
    assert samples_played(dev.handle) == 2400


@pytest.mark.parametrize("form", OWN_FORMS)
@pytest.mark.parametrize("device_id", DEVICES)
def test_own_format_class(opened, device_id, form):
    fmt = OwnWAVEFORMATEX(1, 1, RATE, RATE * 2, 2, 16, 0)
    original = bytes(fmt)
    dev = opened(FORMS[form](fmt), device_id)
    assert dev.result == MMSYSERR_NOERROR
    assert bytes(fmt) == original
    buf = Buffer(4800)
    assert winmm.waveOutPrepareHeader(dev.handle, ctypes.byref(buf.hdr), HDR) == 0
    assert winmm.waveOutWrite(dev.handle, ctypes.byref(buf.hdr), HDR) == 0
    assert dev.notes.wait(WOM_DONE, 1)
    assert samples_played(dev.handle) == 2400


# -- WAVEHDR -----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("device_id", DEVICES)
def test_header_forms(opened, device_id, form):
    fmt = wave_format()
    dev = opened(ctypes.byref(fmt), device_id)
    buf = Buffer(4800, flags=WHDR_DONE)
    arg = FORMS[form](buf.hdr)
    h = dev.handle
    assert winmm.waveOutPrepareHeader(h, arg, HDR) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_PREPARED
    assert winmm.waveOutWrite(h, arg, HDR) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert dev.notes.wait(WOM_DONE, 1)
    assert dev.notes.items[-1] == (WOM_DONE, buf.address)
    assert buf.hdr.dwFlags == WHDR_DONE | WHDR_PREPARED
    assert samples_played(h) == 1200
    assert winmm.waveOutUnprepareHeader(h, arg, HDR) == MMSYSERR_NOERROR
    assert buf.hdr.dwFlags == WHDR_DONE


@pytest.mark.parametrize("form", OWN_FORMS)
@pytest.mark.parametrize("device_id", DEVICES)
def test_own_header_class_can_be_polled(opened, device_id, form):
    """No callback needed: the caller polls ``dwFlags & WHDR_DONE`` on its own object."""
    fmt = wave_format()
    dev = opened(ctypes.byref(fmt), device_id)
    hdr, _mem = own_header(4800)
    size = ctypes.sizeof(hdr)
    arg = FORMS[form](hdr)
    h = dev.handle
    assert winmm.waveOutPrepareHeader(h, arg, size) == MMSYSERR_NOERROR
    assert hdr.dwFlags == WHDR_PREPARED
    assert winmm.waveOutWrite(h, arg, size) == MMSYSERR_NOERROR
    assert hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert wait_until(lambda: hdr.dwFlags & WHDR_DONE)
    assert hdr.dwFlags == WHDR_DONE | WHDR_PREPARED
    assert dev.notes.wait(WOM_DONE, 1)
    assert dev.notes.items[-1] == (WOM_DONE, ctypes.addressof(hdr))
    assert samples_played(h) == 1200  # dwBufferLength read from its own offset
    assert winmm.waveOutUnprepareHeader(h, arg, size) == MMSYSERR_NOERROR
    assert hdr.dwFlags == WHDR_DONE
    assert (hdr.dwLoops, hdr.dwBufferLength) == (0, 4800)


@pytest.mark.parametrize("form", OWN_FORMS)
@pytest.mark.parametrize("device_id", DEVICES)
def test_own_header_class_records(opened, device_id, form):
    """waveIn writes ``dwBytesRecorded`` and ``dwFlags`` at the own class's offsets."""
    fmt = wave_format()
    dev = opened(ctypes.byref(fmt), device_id, out=False)
    assert dev.result == MMSYSERR_NOERROR
    hdr, mem = own_header(2400 * 4 + 2)  # half a frame too much: whole frames only
    hdr.dwBytesRecorded = 77
    size = ctypes.sizeof(hdr)
    arg = FORMS[form](hdr)
    h = dev.handle
    assert winmm.waveInPrepareHeader(h, arg, size) == MMSYSERR_NOERROR
    assert winmm.waveInAddBuffer(h, arg, size) == MMSYSERR_NOERROR
    assert hdr.dwBytesRecorded == 0
    assert hdr.dwFlags == WHDR_PREPARED | WHDR_INQUEUE
    assert winmm.waveInStart(h) == MMSYSERR_NOERROR
    assert wait_until(lambda: hdr.dwFlags & WHDR_DONE)
    assert hdr.dwFlags == WHDR_DONE | WHDR_PREPARED
    assert hdr.dwBytesRecorded == 2400 * 4
    assert dev.notes.wait(WIM_DATA, 1)
    assert dev.notes.items[-1] == (WIM_DATA, ctypes.addressof(hdr))
    assert winmm.waveInUnprepareHeader(h, arg, size) == MMSYSERR_NOERROR
    assert hdr.dwFlags == WHDR_DONE
    del mem


# -- MMTIME ------------------------------------------------------------------------------------


@pytest.fixture
def played(opened):
    """A handle that has played 4800 bytes (1200 frames)."""
    fmt = wave_format()
    dev = opened(ctypes.byref(fmt), 0)
    buf = Buffer(4800)
    assert winmm.waveOutPrepareHeader(dev.handle, ctypes.byref(buf.hdr), HDR) == 0
    assert winmm.waveOutWrite(dev.handle, ctypes.byref(buf.hdr), HDR) == 0
    assert dev.notes.wait(WOM_DONE, 1)
    return dev.handle


@pytest.mark.parametrize("form", list(FORMS))
def test_mmtime_forms(played, form):
    for kind, expected in ((TIME_SAMPLES, (TIME_SAMPLES, 1200)),
                           (TIME_TICKS, (TIME_BYTES, 4800))):
        mmt = MMTIME(wType=kind)
        assert winmm.waveOutGetPosition(played, FORMS[form](mmt), ctypes.sizeof(mmt)) == 0
        assert (mmt.wType, mmt.u.cb) == expected


@pytest.mark.parametrize("form", OWN_FORMS)
def test_own_mmtime_class(played, form):
    for kind, expected in ((TIME_SAMPLES, (TIME_SAMPLES, 1200)),
                           (TIME_TICKS, (TIME_BYTES, 4800))):
        mmt = OwnMMTIME(wType=kind)
        assert winmm.waveOutGetPosition(played, FORMS[form](mmt), ctypes.sizeof(mmt)) == 0
        assert (mmt.wType, mmt.u.sample if kind == TIME_SAMPLES else mmt.u.cb) == expected


# -- out-parameters ----------------------------------------------------------------------------


HANDLE_TYPES = {
    "HANDLE": wintypes.HANDLE,
    "c_void_p": ctypes.c_void_p,
    "c_uint": ctypes.c_uint,
    "c_size_t": ctypes.c_size_t,
}


@pytest.mark.parametrize("form", ["byref", "pointer"])
@pytest.mark.parametrize("kind", list(HANDLE_TYPES))
def test_handle_out_parameter_types(wave, kind, form):
    fmt = wave_format()
    handle = HANDLE_TYPES[kind]()
    assert winmm.waveOutOpen(FORMS[form](handle), 0, ctypes.byref(fmt), None, 0, 0) == 0
    assert handle.value
    device = ctypes.c_uint32(0xFFFF)
    assert winmm.waveOutGetID(handle.value, ctypes.byref(device)) == MMSYSERR_NOERROR
    assert device.value == 0
    assert winmm.waveOutClose(handle.value) == MMSYSERR_NOERROR


def test_handle_out_parameter_raw_address(wave):
    """A raw address of a pointer-sized HWAVEOUT variable."""
    fmt = wave_format()
    handle = wintypes.HANDLE()
    assert winmm.waveOutOpen(ctypes.addressof(handle), 0, ctypes.byref(fmt), None, 0, 0) == 0
    assert handle.value
    assert winmm.waveOutClose(handle.value) == MMSYSERR_NOERROR


DWORD_TYPES = {"c_uint32": ctypes.c_uint32, "DWORD": wintypes.DWORD, "c_ulong": ctypes.c_ulong}


@pytest.mark.parametrize("form", ["byref", "pointer"])
@pytest.mark.parametrize("kind", list(DWORD_TYPES))
def test_volume_out_parameter_types(opened, kind, form):
    fmt = wave_format()
    dev = opened(ctypes.byref(fmt), 0)
    assert winmm.waveOutSetVolume(dev.handle, 0x89ABCDEF) == MMSYSERR_NOERROR
    volume = DWORD_TYPES[kind]()
    assert winmm.waveOutGetVolume(dev.handle, FORMS[form](volume)) == MMSYSERR_NOERROR
    assert volume.value == 0x89ABCDEF


RAW_DWORD_OUT: dict[str, Callable[[int, int], int]] = {
    "waveOutGetVolume": lambda h, address: winmm.waveOutGetVolume(h, address),
    "waveOutGetID": lambda h, address: winmm.waveOutGetID(h, address),
}


@pytest.mark.parametrize("name", list(RAW_DWORD_OUT))
def test_dword_out_parameter_raw_address_writes_four_bytes(opened, name):
    """LPDWORD/LPUINT are 4 bytes: the word after the variable must survive."""
    fmt = wave_format()
    dev = opened(ctypes.byref(fmt), 0)
    assert winmm.waveOutSetVolume(dev.handle, 0x12345678) == MMSYSERR_NOERROR
    pair = (ctypes.c_uint32 * 2)(0xA5A5A5A5, 0xC3C3C3C3)
    assert RAW_DWORD_OUT[name](dev.handle, ctypes.addressof(pair)) == MMSYSERR_NOERROR
    expected = 0x12345678 if name == "waveOutGetVolume" else 0
    assert list(pair) == [expected, 0xC3C3C3C3]


# -- caps and error text -----------------------------------------------------------------------


CAPS_CASES = [
    pytest.param(wide, form, id=f"{'W' if wide else 'A'}-{form}")
    for wide in (False, True) for form in FORMS
]


@pytest.mark.parametrize(("wide", "form"), CAPS_CASES)
def test_caps_forms(wave, wide, form):
    struct = WAVEOUTCAPSW if wide else WAVEOUTCAPSA
    fn = winmm.waveOutGetDevCapsW if wide else winmm.waveOutGetDevCapsA
    reference = struct()
    assert fn(0, ctypes.byref(reference), ctypes.sizeof(reference)) == MMSYSERR_NOERROR
    caps = struct()
    assert fn(0, FORMS[form](caps), ctypes.sizeof(caps)) == MMSYSERR_NOERROR
    assert bytes(caps) == bytes(reference)
    assert get_string(caps, "szPname") and caps.wChannels == 2


@pytest.mark.parametrize("form", OWN_FORMS)
def test_own_caps_class(wave, form):
    reference = WAVEOUTCAPSA()
    assert winmm.waveOutGetDevCapsA(0, ctypes.byref(reference), 52) == MMSYSERR_NOERROR
    caps = OwnWAVEOUTCAPSA()
    assert winmm.waveOutGetDevCapsA(0, FORMS[form](caps), ctypes.sizeof(caps)) == 0
    assert caps.szPname == reference.szPname and caps.szPname
    assert (caps.dwFormats, caps.wChannels, caps.dwSupport) == \
        (reference.dwFormats, reference.wChannels, reference.dwSupport)


def test_error_text_buffer_forms():
    """A: a char array or its raw address; W: a wchar_t array, or a raw address of
    Windows WCHARs (UTF-16, 2 bytes each)."""
    text = "The specified device handle is invalid."
    a = ctypes.create_string_buffer(64)
    assert winmm.waveOutGetErrorTextA(5, a, 64) == MMSYSERR_NOERROR
    assert a.value == text.encode()
    raw_a = ctypes.create_string_buffer(b"\xaa" * 64, 64)
    assert winmm.waveOutGetErrorTextA(5, ctypes.addressof(raw_a), 64) == MMSYSERR_NOERROR
    assert raw_a.raw[: len(text) + 1] == text.encode() + b"\0"
    w = ctypes.create_unicode_buffer(64)
    assert winmm.waveOutGetErrorTextW(5, w, 64) == MMSYSERR_NOERROR
    assert w.value == text
    wchars = (ctypes.c_uint16 * 64)(*([0xAAAA] * 64))
    assert winmm.waveOutGetErrorTextW(5, wchars, 64) == MMSYSERR_NOERROR
    assert bytes(wchars)[: 2 * len(text) + 2] == text.encode("utf-16-le") + b"\0\0"
    assert wchars[len(text) + 1] == 0xAAAA
