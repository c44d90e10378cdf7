"""The few kernel32 functions ``ctypes.windll.winmm`` programs call alongside winmm:
``Sleep``, events for ``CALLBACK_EVENT`` (``CreateEvent``, ``SetEvent``, ``ResetEvent``,
``PulseEvent``, ``WaitForSingleObject``, ``CloseHandle``),
``QueryPerformanceCounter``/``Frequency`` and ``GetTickCount``.  Results are what Windows
returns (BOOL 1/0, ``WAIT_*`` codes).
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from typing import Any

from audiodrv.core.handles import kernel_objects
from audiodrv.winmm._args import store

__all__ = ["CloseHandle", "CreateEventA", "CreateEventW", "GetTickCount", "PulseEvent",
           "QueryPerformanceCounter", "QueryPerformanceFrequency", "ResetEvent", "SetEvent",
           "Sleep", "WaitForSingleObject"]

INFINITE = 0xFFFFFFFF
WAIT_OBJECT_0 = 0x00000000
WAIT_TIMEOUT = 0x00000102
WAIT_FAILED = 0xFFFFFFFF
QPC_FREQUENCY = 10_000_000  # ticks of 100 ns, as Windows 10 and later report


class Event:
    """A Win32 event: a satisfied wait resets an auto-reset event, releasing one waiter per
    ``set()``; a manual-reset one stays set until ``reset()``."""

    def __init__(self, manual_reset: bool, signaled: bool) -> None:
        self.manual_reset = manual_reset
        self._signaled = signaled
        self._pulses = 0  # PulseEvent releases the waits under way, and leaves it reset
        self._cond = threading.Condition()

    def set(self) -> None:
        with self._cond:
            self._signaled = True
            if self.manual_reset:
                self._cond.notify_all()
            else:
                self._cond.notify()

    def reset(self) -> None:
        with self._cond:
            self._signaled = False

    def pulse(self) -> None:
        """Release every wait under way (one, for auto-reset), and leave it reset."""
        with self._cond:
            self._pulses += 1
            self._signaled = False
            if self.manual_reset:
                self._cond.notify_all()
            else:
                self._cond.notify()

    def wait(self, timeout: float | None) -> bool:
        with self._cond:
            pulses = self._pulses
            if not self._cond.wait_for(lambda: self._signaled or self._pulses != pulses,
                                       timeout):
                return False
            if not self.manual_reset:
                self._signaled = False
            return True


_named: dict[str, Event] = {}  # named events, while a handle to them is open
_names_lock = threading.Lock()


def _event(hHandle: Any) -> Event | None:
    event = kernel_objects.get(getattr(hHandle, "value", hHandle))
    return event if isinstance(event, Event) else None


def _text(value: Any) -> str | None:
    value = getattr(value, "value", value)  # c_wchar_p, c_char_p
    if isinstance(value, bytes):
        return value.decode("cp1252", "replace")
    return value or None


def CreateEventW(lpEventAttributes: Any, bManualReset: int, bInitialState: int,
                 lpName: Any) -> int:
    """A new handle to a new event; with a name already in use, a new handle to that
    event (its settings kept)."""
    name = _text(lpName)
    with _names_lock:
        event = _named.get(name) if name is not None else None
        if event is None:
            event = Event(bool(bManualReset), bool(bInitialState))
            if name is not None:
                _named[name] = event
        return kernel_objects.add(event)


CreateEventA = CreateEventW


def _change(hEvent: Any, change: Callable[[Event], None]) -> int:
    event = _event(hEvent)
    if event is None:
        return 0
    change(event)
    return 1


def SetEvent(hEvent: Any) -> int:
    return _change(hEvent, Event.set)


def ResetEvent(hEvent: Any) -> int:
    return _change(hEvent, Event.reset)


def PulseEvent(hEvent: Any) -> int:
    return _change(hEvent, Event.pulse)


def WaitForSingleObject(hHandle: Any, dwMilliseconds: int) -> int:
    event = _event(hHandle)
    if event is None:
        return WAIT_FAILED
    ms = dwMilliseconds & 0xFFFFFFFF
    return WAIT_OBJECT_0 if event.wait(None if ms == INFINITE else ms / 1000) else WAIT_TIMEOUT


def CloseHandle(hObject: Any) -> int:
    with _names_lock:
        event = kernel_objects.remove(getattr(hObject, "value", hObject))
        if event is None:
            return 0
        if not any(other is event for _h, other in kernel_objects.items()):
            for name in [n for n, e in _named.items() if e is event]:
                del _named[name]  # its last handle: the name is free again
    return 1


def Sleep(dwMilliseconds: int) -> int:
    time.sleep((dwMilliseconds & 0xFFFFFFFF) / 1000)
    return 0


def QueryPerformanceCounter(lpPerformanceCount: Any) -> int:
    return int(store(lpPerformanceCount, time.perf_counter_ns() // 100, ctypes.c_int64))


def QueryPerformanceFrequency(lpFrequency: Any) -> int:
    return int(store(lpFrequency, QPC_FREQUENCY, ctypes.c_int64))


def GetTickCount() -> int:
    return int(time.monotonic() * 1000) & 0xFFFFFFFF
