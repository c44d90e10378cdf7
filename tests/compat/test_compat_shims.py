"""The compatibility layer's ctypes and kernel32 shims (no audio server needed)."""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from ctypes import byref, wintypes

import pytest

from audiodrv import compat
from audiodrv.compat import kernel32
from audiodrv.compat.kernel32 import WAIT_FAILED, WAIT_OBJECT_0, WAIT_TIMEOUT
from audiodrv.mmsystem import CALLBACK_EVENT, MMSYSERR_INVALPARAM, MMSYSERR_NOERROR
from audiodrv.winmm._device import check_callback


@pytest.fixture
def windll() -> ctypes.LibraryLoader:
    compat.install()
    return ctypes.windll  # type: ignore[attr-defined]


def test_libraries_load_by_any_windows_spelling(windll):
    import audiodrv.winmm

    assert windll.winmm.waveOutOpen._fn is audiodrv.winmm.waveOutOpen  # ours, not a DLL's
    for name in ("winmm", "WINMM.DLL", "C:\\Windows\\System32\\winmm.dll", "kernel32.dll"):
        assert isinstance(ctypes.WinDLL(name), compat.WinDLL)  # type: ignore[attr-defined]
    assert windll.winmm.waveOutOpen is windll.winmm.waveOutOpen  # argtypes set once stay
    assert windll.winmm["midiOutShortMsg"] is windll.winmm.midiOutShortMsg
    with pytest.raises(AttributeError, match="function 'mmioOpenA' not found"):
        windll.winmm.mmioOpenA  # noqa: B018
    with pytest.raises(FileNotFoundError, match="winmm and kernel32 only"):
        windll.user32  # noqa: B018
    if sys.platform != "win32":  # x64 has one calling convention
        assert ctypes.WINFUNCTYPE is ctypes.CFUNCTYPE  # type: ignore[attr-defined]


def test_results_convert_as_ctypes_converts_them(windll):
    wait = windll.kernel32.WaitForSingleObject
    assert wait(0x7FFF0000, 0) == -1  # WAIT_FAILED through the default c_int
    wait.restype = wintypes.DWORD
    assert wait(0x7FFF0000, 0) == WAIT_FAILED
    create = windll.kernel32.CreateEventW
    create.restype = wintypes.HANDLE
    handle = create(None, False, False, None)
    assert isinstance(handle, int) and handle
    seen = []
    close = windll.kernel32.CloseHandle
    close.errcheck = lambda result, func, args: seen.append((result, func, args)) or result
    assert close(handle) == 1 and close(handle) == 0
    assert seen == [(1, close, (handle,)), (0, close, (handle,))]
    close.restype = None
    assert close(handle) is None

    class MMRESULT(ctypes.c_uint):  # a subclass of a fundamental type stays an instance
        pass

    ticks = windll.kernel32.GetTickCount
    ticks.restype = MMRESULT
    assert isinstance(ticks(), MMRESULT)
    ticks.restype = ctypes.c_int


def test_simple_instances_go_by_value_and_a_null_handle_is_0():
    got = []
    probe = compat._Function("probe", lambda *args: got.append(args) or 0)
    probe(wintypes.HANDLE(), wintypes.HANDLE(5), wintypes.DWORD(7), byref(wintypes.DWORD()))
    assert got[0][:3] == (0, 5, 7) and type(got[0][3]).__name__ == "CArgObject"


def test_an_auto_reset_event_releases_one_wait_per_set():
    handle = kernel32.CreateEventW(None, False, True, None)  # signaled from the start
    assert kernel32.WaitForSingleObject(handle, 0) == WAIT_OBJECT_0
    assert kernel32.WaitForSingleObject(handle, 0) == WAIT_TIMEOUT  # reset by that wait
    start = time.monotonic()
    assert kernel32.WaitForSingleObject(handle, 50) == WAIT_TIMEOUT
    assert time.monotonic() - start >= 0.045
    threading.Timer(0.05, kernel32.SetEvent, (handle,)).start()
    assert kernel32.WaitForSingleObject(handle, 5000) == WAIT_OBJECT_0
    assert kernel32.CloseHandle(handle) == 1


def test_a_manual_reset_event_stays_set_until_reset():
    handle = kernel32.CreateEventW(None, True, False, None)
    assert kernel32.SetEvent(wintypes.HANDLE(handle)) == 1  # a HANDLE object works too
    assert kernel32.WaitForSingleObject(handle, 0) == WAIT_OBJECT_0
    assert kernel32.WaitForSingleObject(handle, 0) == WAIT_OBJECT_0
    assert kernel32.ResetEvent(handle) == 1
    assert kernel32.WaitForSingleObject(handle, 0) == WAIT_TIMEOUT
    assert kernel32.CloseHandle(handle) == 1
    assert kernel32.SetEvent(handle) == 0 and kernel32.WaitForSingleObject(handle, 0) == (
        WAIT_FAILED)


def test_a_named_event_is_shared_until_its_last_handle_closes():
    first = kernel32.CreateEventW(None, True, False, "audiodrv-test")
    second = kernel32.CreateEventA(None, False, False, b"audiodrv-test")
    assert second != first  # a handle of its own, to the same event
    assert kernel32.SetEvent(first) == 1
    assert kernel32.WaitForSingleObject(second, 0) == WAIT_OBJECT_0
    assert kernel32.WaitForSingleObject(second, 0) == WAIT_OBJECT_0  # manual-reset, as made
    assert kernel32.CloseHandle(first) == 1
    assert kernel32.WaitForSingleObject(second, 0) == WAIT_OBJECT_0  # still open
    assert kernel32.CloseHandle(second) == 1
    fresh = kernel32.CreateEventW(None, False, False, ctypes.c_wchar_p("audiodrv-test"))
    assert kernel32.WaitForSingleObject(fresh, 0) == WAIT_TIMEOUT  # a new event
    assert kernel32.CloseHandle(fresh) == 1


def test_an_event_handle_is_a_callback_event_target():
    handle = kernel32.CreateEventW(None, False, False, None)
    assert check_callback(handle, CALLBACK_EVENT) == MMSYSERR_NOERROR
    assert check_callback(wintypes.HANDLE(handle), CALLBACK_EVENT) == MMSYSERR_NOERROR
    kernel32.CloseHandle(handle)
    assert check_callback(handle, CALLBACK_EVENT) == MMSYSERR_INVALPARAM  # closed


def test_performance_counter_and_tick_count():
    freq, first, second = (wintypes.LARGE_INTEGER() for _ in range(3))
    assert kernel32.QueryPerformanceFrequency(byref(freq)) == 1 and freq.value == 10_000_000
    assert kernel32.QueryPerformanceCounter(byref(first)) == 1
    kernel32.Sleep(20)
    assert kernel32.QueryPerformanceCounter(byref(second)) == 1
    assert 0.018 <= (second.value - first.value) / freq.value < 1.0
    assert kernel32.QueryPerformanceCounter(None) == 0
    tick = kernel32.GetTickCount()
    assert 0 <= tick <= 0xFFFFFFFF


def test_structures_declared_with_wintypes_receive_what_the_driver_filled():
    """A Windows program's own W structures on Linux: 8-byte DWORDs, 4-byte WCHARs, its own
    anonymous unions; filled by name from winmm's (Windows-layout) structures."""
    from audiodrv.mmsystem import MIXERCONTROLW, WAVEOUTCAPSW, set_string
    from audiodrv.winmm._device import copy_fields

    class WAVEOUTCAPS(ctypes.Structure):
        _fields_ = [("wMid", wintypes.WORD), ("wPid", wintypes.WORD),
                    ("vDriverVersion", wintypes.UINT), ("szPname", wintypes.WCHAR * 32),
                    ("dwFormats", wintypes.DWORD), ("wChannels", wintypes.WORD),
                    ("wReserved1", wintypes.WORD), ("dwSupport", wintypes.DWORD)]

    class _Range(ctypes.Structure):
        _fields_ = [("dwMinimum", wintypes.DWORD), ("dwMaximum", wintypes.DWORD)]

    class _Bounds(ctypes.Union):
        _anonymous_ = ("range",)
        _fields_ = [("range", _Range), ("dwReserved", wintypes.DWORD * 6)]

    class MIXERCONTROL(ctypes.Structure):
        _fields_ = [("cbStruct", wintypes.DWORD), ("dwControlID", wintypes.DWORD),
                    ("dwControlType", wintypes.DWORD), ("fdwControl", wintypes.DWORD),
                    ("cMultipleItems", wintypes.DWORD), ("szShortName", wintypes.WCHAR * 16),
                    ("szName", wintypes.WCHAR * 64), ("Bounds", _Bounds)]

    caps = WAVEOUTCAPSW(dwFormats=0x8000, wChannels=2)
    set_string(caps, "szPname", "system")
    theirs = WAVEOUTCAPS()
    copy_fields(caps, theirs, ctypes.sizeof(theirs))
    assert (theirs.szPname, theirs.dwFormats, theirs.wChannels) == ("system", 0x8000, 2)
    control = MIXERCONTROLW(dwControlID=2)
    set_string(control, "szName", "Volume")
    control.Bounds.dwMaximum = 0xFFFF
    mine = MIXERCONTROL()
    copy_fields(control, mine, ctypes.sizeof(mine))
    assert (mine.dwControlID, mine.szName, mine.Bounds.dwMinimum, mine.Bounds.dwMaximum) == (
        2, "Volume", 0, 0xFFFF)
