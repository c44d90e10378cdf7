"""time*: the multimedia timer functions of winmm, for programs that call them alongside
the device families (not in the spec; semantics of the Windows SDK documentation).

``timeSetEvent`` callbacks run on a timer thread of their own, as on Windows, at exact times
(a :class:`Notifier` of its own: timer slack 1 us), so a slow callback delays no device
notification and may wait for one (a synchronous ``PlaySound``); a periodic timer keeps to
its start's grid and skips the periods a late callback overran rather than bunching them.

While a timer lives, Python's GIL switch interval is held at 1 ms (as the wave drivers hold
it while a device is open): the timer thread waits that long at most for the GIL while
another thread computes, not Python's 5 ms.  ``timeBeginPeriod(n)`` holds it at ``n`` ms
until the matching ``timeEndPeriod(n)``: a program asking for a finer timer resolution gets
the one Python's timing depends on.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from audiodrv.core.handles import event_object
from audiodrv.core.notify import Notifier, hold_switch_interval
from audiodrv.mmsystem import (
    MMSYSERR_INVALPARAM,
    MMTIME,
    TIME_CALLBACK_EVENT_PULSE,
    TIME_CALLBACK_EVENT_SET,
    TIME_MS,
    TIME_PERIODIC,
    TIMECAPS,
    TIMERR_NOCANDO,
    TIMERR_NOERROR,
    TIMERR_STRUCT,
)
from audiodrv.winmm._args import deref

__all__ = ["timeBeginPeriod", "timeEndPeriod", "timeGetDevCaps", "timeGetSystemTime",
           "timeGetTime", "timeKillEvent", "timeSetEvent"]

log = logging.getLogger("audiodrv.winmm")

PERIOD_MIN, PERIOD_MAX = 1, 1_000_000  # ms, as Windows 10 reports them
# void CALLBACK TimeProc(UINT uTimerID, UINT uMsg, DWORD_PTR dwUser, DWORD_PTR dw1, DWORD_PTR dw2)
_TIMEPROC = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_size_t,
                             ctypes.c_size_t, ctypes.c_size_t)


def timeGetTime() -> int:
    """Milliseconds on the system's monotonic clock, wrapping at 2**32 as Windows does."""
    return int(time.monotonic() * 1000) & 0xFFFFFFFF


def timeGetSystemTime(pmmt: Any, cbmmt: int) -> int:
    """``timeGetTime`` as an MMTIME of ``TIME_MS``."""
    mmt = deref(pmmt, MMTIME)
    if mmt is None:
        return TIMERR_STRUCT
    mmt.wType, mmt.u.ms = TIME_MS, timeGetTime()
    return TIMERR_NOERROR


def timeGetDevCaps(ptc: Any, cbtc: int) -> int:
    caps = deref(ptc, TIMECAPS)
    if caps is None or cbtc < ctypes.sizeof(TIMECAPS):
        return TIMERR_NOCANDO
    caps.wPeriodMin, caps.wPeriodMax = PERIOD_MIN, PERIOD_MAX
    return TIMERR_NOERROR


_periods: dict[int, list[Callable[[], None]]] = {}  # the holds of each period begun


def timeBeginPeriod(uPeriod: int) -> int:
    """Hold the GIL switch interval at ``uPeriod`` ms (the timer thread's own timing is
    exact to the microsecond anyway) until ``timeEndPeriod(uPeriod)``."""
    if not PERIOD_MIN <= uPeriod <= PERIOD_MAX:
        return TIMERR_NOCANDO
    with _lock:
        _periods.setdefault(uPeriod, []).append(hold_switch_interval(uPeriod / 1000))
    return TIMERR_NOERROR


def timeEndPeriod(uPeriod: int) -> int:
    if not PERIOD_MIN <= uPeriod <= PERIOD_MAX:
        return TIMERR_NOCANDO
    with _lock:
        holds = _periods.get(uPeriod)
        release = holds.pop() if holds else None
    if release is not None:
        release()
    return TIMERR_NOERROR


@dataclass(eq=False)
class _Timer:
    ident: int
    period: float | None  # seconds, for a periodic timer
    due: float
    fire: Callable[[], None]
    killed: bool = False
    release: Callable[[], None] = lambda: None  # its hold of the switch interval
    # Held through each callback: a kill waits for one under way (a callback may kill its
    # own timer: the same thread takes it again).
    running: threading.RLock = field(default_factory=threading.RLock)


_timers: dict[int, _Timer] = {}
_ids = itertools.count(1)
_lock = threading.Lock()
_thread = Notifier("audiodrv-mmtimer")


def _ring(timer: _Timer) -> None:
    with timer.running:
        if timer.killed:
            return
        try:
            timer.fire()
        except Exception:
            log.exception("timeSetEvent callback %d raised", timer.ident)
    with _lock:
        if timer.period is None or timer.killed:
            if _timers.pop(timer.ident, None) is not None:
                timer.release()
            return
        now = time.monotonic()
        timer.due += timer.period * max(1, int((now - timer.due) // timer.period) + 1)
    _thread.call_at(timer.due, functools.partial(_ring, timer))


def timeSetEvent(uDelay: int, uResolution: int, fptc: Any, dwUser: Any, fuEvent: int) -> int:
    """Call ``fptc(id, 0, dwUser, 0, 0)`` (or set or pulse the event ``fptc`` names) after
    ``uDelay`` ms, once or every ``uDelay`` ms; returns the timer id, 0 on a bad request."""
    if not PERIOD_MIN <= uDelay <= PERIOD_MAX or not fptc:
        return 0
    if fuEvent & (TIME_CALLBACK_EVENT_SET | TIME_CALLBACK_EVENT_PULSE):
        event = event_object(fptc)
        if event is None:
            return 0
        pulse = fuEvent & TIME_CALLBACK_EVENT_PULSE and getattr(event, "pulse", None)
        fire = pulse or event.set
    else:
        proc = _TIMEPROC(fptc) if isinstance(fptc, int) else fptc
        user = getattr(dwUser, "value", dwUser) or 0
        fire = None  # set below, once the id is known
    with _lock:
        ident = next(_ids)
        if fire is None:
            fire = functools.partial(proc, ident, 0, user, 0, 0)
        period = uDelay / 1000 if fuEvent & TIME_PERIODIC else None
        timer = _Timer(ident, period, time.monotonic() + uDelay / 1000, fire,
                       release=hold_switch_interval(0.001))
        _timers[ident] = timer
    _thread.call_at(timer.due, functools.partial(_ring, timer))
    return ident


def timeKillEvent(uTimerID: int) -> int:
    """Cancel a timer; a callback under way finishes first (``TIME_KILL_SYNCHRONOUS``
    always), so none runs after this returns. TIMERR_NOERROR, or MMSYSERR_INVALPARAM for
    an id that is not a live timer."""
    with _lock:
        timer = _timers.pop(uTimerID, None)
    if timer is None:
        return MMSYSERR_INVALPARAM
    with timer.running:
        timer.killed = True
    timer.release()
    return TIMERR_NOERROR
