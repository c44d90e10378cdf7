"""The multimedia timer functions (time*): clock, caps, periods and timeSetEvent's
one-shot, periodic and event timers, on a timer thread of their own (no audio server
needed)."""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from ctypes import byref, sizeof

from audiodrv import winmm
from audiodrv.compat import kernel32
from audiodrv.mmsystem import (
    MMSYSERR_INVALPARAM,
    MMTIME,
    TIME_CALLBACK_EVENT_PULSE,
    TIME_CALLBACK_EVENT_SET,
    TIME_MS,
    TIME_ONESHOT,
    TIME_PERIODIC,
    TIMECAPS,
    TIMERR_NOCANDO,
    TIMERR_NOERROR,
)


def test_clock_caps_and_periods():
    first = winmm.timeGetTime()
    time.sleep(0.02)
    assert 18 <= (winmm.timeGetTime() - first) & 0xFFFFFFFF < 1000
    mmt = MMTIME()
    assert winmm.timeGetSystemTime(byref(mmt), sizeof(mmt)) == TIMERR_NOERROR
    assert mmt.wType == TIME_MS and abs(mmt.u.ms - winmm.timeGetTime()) < 100
    caps = TIMECAPS()
    assert winmm.timeGetDevCaps(byref(caps), sizeof(caps)) == TIMERR_NOERROR
    assert (caps.wPeriodMin, caps.wPeriodMax) == (1, 1_000_000)
    assert winmm.timeGetDevCaps(None, sizeof(caps)) == TIMERR_NOCANDO
    assert winmm.timeGetDevCaps(byref(caps), 4) == TIMERR_NOCANDO
    assert winmm.timeBeginPeriod(1) == TIMERR_NOERROR == winmm.timeEndPeriod(1)
    assert winmm.timeBeginPeriod(0) == TIMERR_NOCANDO


def test_a_one_shot_timer_calls_once_on_its_own_thread_after_its_delay():
    calls: list[tuple[float, tuple[int, ...], str]] = []
    done = threading.Event()

    def proc(*args: int) -> None:
        calls.append((time.monotonic(), args, threading.current_thread().name))
        done.set()

    start = time.monotonic()
    ident = winmm.timeSetEvent(30, 1, proc, 77, TIME_ONESHOT)
    assert ident and done.wait(5)
    time.sleep(0.1)  # time enough for a second call, which must not come
    assert len(calls) == 1
    at, args, thread = calls[0]
    assert at - start >= 0.03 and args == (ident, 0, 77, 0, 0) and thread == "audiodrv-mmtimer"
    assert winmm.timeKillEvent(ident) == MMSYSERR_INVALPARAM  # already over


def test_a_periodic_timer_keeps_its_grid_until_killed():
    ticks: list[float] = []
    ten = threading.Event()

    def proc(*_args: int) -> None:
        ticks.append(time.monotonic())
        if len(ticks) == 10:
            ten.set()

    ident = winmm.timeSetEvent(10, 0, proc, 0, TIME_PERIODIC)
    assert ident and ten.wait(5)
    assert winmm.timeKillEvent(ident) == TIMERR_NOERROR
    count = len(ticks)
    time.sleep(0.05)
    assert len(ticks) <= count + 1  # one may have been starting as it was killed
    span = ticks[9] - ticks[0]
    assert 0.085 <= span < 0.2  # nine periods of 10 ms, on a noisy machine


def test_a_live_timer_and_a_begun_period_hold_the_gil_switch_interval():
    """The timer thread waits at most that long for the GIL while another thread computes
    (Python's 5 ms would skip every other period of a 5 ms timer)."""
    before = sys.getswitchinterval()
    ident = winmm.timeSetEvent(50, 0, lambda *a: None, 0, TIME_PERIODIC)
    assert sys.getswitchinterval() == min(before, 0.001)
    assert winmm.timeKillEvent(ident) == TIMERR_NOERROR
    assert sys.getswitchinterval() == before
    fired = threading.Event()
    assert winmm.timeSetEvent(5, 0, lambda *a: fired.set(), 0, TIME_ONESHOT)
    assert fired.wait(5)
    deadline = time.monotonic() + 5
    while sys.getswitchinterval() != before and time.monotonic() < deadline:
        time.sleep(0.01)  # the one-shot lets go after its callback returns
    assert sys.getswitchinterval() == before
    assert winmm.timeBeginPeriod(2) == TIMERR_NOERROR
    assert sys.getswitchinterval() == min(before, 0.002)
    assert winmm.timeEndPeriod(2) == TIMERR_NOERROR
    assert sys.getswitchinterval() == before


def test_a_kill_waits_for_the_callback_under_way():
    inside, release, finished = threading.Event(), threading.Event(), threading.Event()

    def proc(*_args: int) -> None:
        inside.set()
        release.wait(5)
        finished.set()

    ident = winmm.timeSetEvent(5, 0, proc, 0, TIME_PERIODIC)
    assert inside.wait(5)
    threading.Timer(0.05, release.set).start()
    assert winmm.timeKillEvent(ident) == TIMERR_NOERROR
    assert finished.is_set()  # returned only once the callback had


def test_event_timers_and_bad_requests():
    handle = kernel32.CreateEventW(None, False, False, None)
    ident = winmm.timeSetEvent(10, 0, handle, 0, TIME_ONESHOT | TIME_CALLBACK_EVENT_SET)
    assert ident and kernel32.WaitForSingleObject(handle, 5000) == 0
    pulsed = threading.Event()

    def wait() -> None:
        if kernel32.WaitForSingleObject(handle, 5000) == 0:
            pulsed.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.02)  # the wait under way before the pulse
    assert winmm.timeSetEvent(10, 0, handle, 0, TIME_CALLBACK_EVENT_PULSE)
    assert pulsed.wait(5)
    waiter.join()
    assert kernel32.WaitForSingleObject(handle, 0) == 0x102  # a pulse leaves it reset
    kernel32.CloseHandle(handle)
    assert winmm.timeSetEvent(0, 0, print, 0, TIME_ONESHOT) == 0
    assert winmm.timeSetEvent(10, 0, None, 0, TIME_ONESHOT) == 0
    assert winmm.timeSetEvent(10, 0, 0x7FFF0000, 0, TIME_CALLBACK_EVENT_SET) == 0
    assert winmm.timeKillEvent(123456) == MMSYSERR_INVALPARAM
    proto = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_size_t,
                             ctypes.c_size_t, ctypes.c_size_t)
    got = threading.Event()
    c_proc = proto(lambda *args: got.set())
    address = ctypes.cast(c_proc, ctypes.c_void_p).value
    assert winmm.timeSetEvent(5, 0, address, 0, TIME_ONESHOT)  # a C function's address
    assert got.wait(5)
