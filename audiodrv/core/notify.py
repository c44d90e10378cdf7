"""DriverCallback and the notifier thread.

Drivers never call application code themselves: they call :func:`DriverCallback`, which
hands the notification to one notifier thread that delivers everything in order, with no
lock of ours held (Wine's rule, and the only way a callback may safely call back into the
API).  Two exceptions, as in Windows (spec B10): the open and close notifications
(``WOM_OPEN`` ... ``MIM_CLOSE``) raised while a driver handles a call made by the
application are delivered on the application's thread, after the driver returns and before
the API call returns.  A close notification first waits for the notifier to drain, so it
always comes after the last ``WOM_DONE`` of that handle.

Drivers may also have a function run on the notifier thread at a given time
(:meth:`Notifier.call_at`) or whenever a file descriptor becomes readable
(:meth:`Notifier.watch`): what it finds is delivered by the same thread, with no hand-over.
Every thread hand-over costs up to a GIL switch interval (5 ms) while another Python
thread computes, and a 20 ms queue of audio does not survive two or three of them.
Drivers may also lower that interval while their devices are open (:func:`hold_switch_interval`).
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import logging
import os
import queue
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from audiodrv.core.handles import event_object
from audiodrv.mmsystem import (
    DCB_EVENT,
    DCB_FUNCTION,
    DCB_NULL,
    DCB_TASK,
    DCB_TYPEMASK,
    DCB_WINDOW,
    MIM_CLOSE,
    MIM_OPEN,
    MOM_CLOSE,
    MOM_OPEN,
    WIM_CLOSE,
    WIM_OPEN,
    WOM_CLOSE,
    WOM_OPEN,
)

__all__ = ["Alarm", "DriverCallback", "Notifier", "hold_switch_interval", "notifier",
           "synchronous_notifications"]

log = logging.getLogger(__name__)

_OPEN_MESSAGES = frozenset({WOM_OPEN, WIM_OPEN, MOM_OPEN, MIM_OPEN})
_CLOSE_MESSAGES = frozenset({WOM_CLOSE, WIM_CLOSE, MOM_CLOSE, MIM_CLOSE})

# The C prototype of CALLBACK_FUNCTION, for callers that pass a bare function address.
_CALLBACK_PROTO = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t
)


class Notifier:
    """One thread that delivers notifications in the order they were posted, and runs
    drivers' timed calls."""

    def __init__(self, name: str = "audiodrv-notifier") -> None:
        self.name = name
        self._queue: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._timers: list[tuple[float, int, Callable[[], Any]]] = []  # a heap
        self._timer_lock = threading.Lock()
        self._order = itertools.count()  # keeps equal times in call order
        self._watched: dict[int, Callable[[], Any]] = {}
        self._wake: tuple[int, int] | None = None  # a pipe that ends a select early
        self._selecting = False

    def call_at(self, when: float, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` on the notifier thread once ``time.monotonic()`` reaches ``when``;
        what it posts is delivered by the same thread, after what was queued before."""
        with self._timer_lock:
            entry = (when, next(self._order), fn)
            heapq.heappush(self._timers, entry)
            earliest = self._timers[0] is entry
        if earliest and not self.is_notifier_thread():
            self.post(_nothing)  # the thread may be waiting for a later time

    def watch(self, fd: int, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` on the notifier thread whenever ``fd`` is readable; ``fn`` must read
        what made it so.  An fd that fails or hangs up is no longer watched."""
        with self._start_lock:
            if self._wake is None:
                self._wake = os.pipe()
                os.set_blocking(self._wake[1], False)
        self._watched[fd] = fn
        self.post(_nothing)  # the thread may be waiting without this fd

    def unwatch(self, fd: int) -> None:
        """Stop watching ``fd``; after this ``fn`` may still run once, so it must tolerate
        a closed source."""
        self._watched.pop(fd, None)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)`` for the notifier thread; never blocks, safe from any thread."""
        self._queue.put((fn, args))
        if self._selecting:  # checked after the put: the thread sees one or the other
            try:
                os.write(self._wake[1], b"\0")  # type: ignore[index]
            except BlockingIOError:
                pass  # the pipe is full of wake-ups already
        if self._thread is None:
            self._start()

    def flush(self) -> None:
        """Wait until everything posted before this call has been delivered.

        From the notifier thread itself (an application calling the API inside a callback)
        this returns at once: waiting there would deadlock.
        """
        if self._thread is None or threading.current_thread() is self._thread:
            return
        done = threading.Event()
        self.post(done.set)
        done.wait()

    def is_notifier_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=self.name, daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        _tight_timer_slack()
        while True:
            timeout = self._due_timer()
            if self._watched:
                self._select(timeout)
                timeout = 0  # then take what was posted, without waiting
            try:
                fn, args = self._queue.get(timeout=timeout)
            except queue.Empty:
                continue
            try:
                fn(*args)
            except Exception:
                log.exception("application callback raised; notification dropped")

    def _due_timer(self) -> float | None:
        """Run the timed calls that are due; returns how long until the next one."""
        while True:
            with self._timer_lock:
                if not self._timers:
                    return None
                wait = self._timers[0][0] - time.monotonic()
                if wait > 0:
                    return wait
                fn = heapq.heappop(self._timers)[2]
            try:
                fn()
            except Exception:
                log.exception("timed driver call raised")

    def _select(self, timeout: float | None) -> None:
        """Wait for a watched fd, a post or the timeout, and run the ready fds' functions."""
        assert self._wake is not None
        # A snapshot: an fd number closed and reused by a new watch() meanwhile must not
        # have the new watch run or dropped for what poll() says of the old fd.
        watched = dict(self._watched)
        fds = (self._wake[0], *watched)
        self._selecting = True
        try:
            if not self._queue.empty():
                timeout = 0
            if timeout is not None and 0 < timeout < 0.001:
                ready = _select_briefly(fds, timeout)
            else:
                # poll(), not select(): any fd number, and an fd closed after unwatch() only
                # reports POLLNVAL.  It counts whole milliseconds, rounded down here: the
                # rest is waited for by _select_briefly, so timed calls stay exact.
                poller = select.poll()
                for fd in fds:
                    poller.register(fd, select.POLLIN)
                ready = poller.poll(None if timeout is None else int(timeout * 1000))
        finally:
            self._selecting = False
        for fd, events in ready:
            if fd == self._wake[0]:
                os.read(fd, 4096)
                continue
            fn = watched.get(fd)
            if fn is None or self._watched.get(fd) is not fn:
                continue  # unwatched, or another watch of a reused number, meanwhile
            if events & select.POLLIN:
                try:
                    fn()
                except Exception:
                    log.exception("watched driver call raised")
            if events & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
                if self._watched.get(fd) is fn:
                    del self._watched[fd]
                    log.warning("fd %d failed or closed while watched: no longer watched", fd)


def _select_briefly(fds: tuple[int, ...], timeout: float) -> list[tuple[int, int]]:
    """Wait less than a millisecond, to the microsecond, for one of ``fds``: what poll()
    cannot.  An fd select() refuses (closed, or beyond FD_SETSIZE) makes it a plain sleep,
    and the next poll() sorts the fds out."""
    try:
        readable, _w, _x = select.select(fds, [], [], timeout)
    except (OSError, ValueError):
        time.sleep(timeout)
        return []
    return [(fd, select.POLLIN) for fd in readable]


def _nothing() -> None:
    pass


def _tight_timer_slack() -> None:
    """Wake this thread within a microsecond of its timeouts, not Linux's default 50 us
    late: a MIDI input poll or a completion check is due at an exact time."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(29, ctypes.c_ulong(1000), ctypes.c_ulong(0), ctypes.c_ulong(0),
                   ctypes.c_ulong(0))  # PR_SET_TIMERSLACK, in ns
    except (OSError, AttributeError):
        pass


notifier = Notifier()


class Alarm:
    """``fn()`` on the notifier thread at the earliest time asked for: asking for a later
    time while an earlier one is pending changes nothing (``fn`` asks again if need be)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._due: float | None = None

    def at(self, when: float) -> None:
        with self._lock:
            if self._due is not None and self._due <= when:
                return
            self._due = when
        notifier.call_at(when, lambda: self._ring(when))

    def _ring(self, when: float) -> None:
        with self._lock:
            if self._due != when:
                return  # an earlier time took this one's place
            self._due = None
        self._fn()


class _SwitchInterval:
    """Python's GIL switch interval, lowered while anyone holds it lower.

    The lowest interval held applies, never above what the application had set; with the
    last hold released the application's value comes back, unless it set another since.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds: list[float] = []
        self._saved = 0.0  # the application's value, while anything is held
        self._ours: float | None = None  # what we set

    def hold(self, seconds: float) -> Callable[[], None]:
        with self._lock:
            if not self._holds or sys.getswitchinterval() != self._ours:
                self._saved = sys.getswitchinterval()  # the application's own, now
            self._holds.append(seconds)
            self._apply(min([self._saved, *self._holds]))
        released = threading.Lock()

        def release() -> None:
            if not released.acquire(blocking=False):
                return  # once only
            with self._lock:
                self._holds.remove(seconds)
                if sys.getswitchinterval() == self._ours:  # else the application set its own
                    self._apply(min([self._saved, *self._holds]))

        return release

    def _apply(self, seconds: float) -> None:
        sys.setswitchinterval(seconds)
        self._ours = sys.getswitchinterval()  # Python keeps whole microseconds


_switch_interval = _SwitchInterval()


def hold_switch_interval(seconds: float) -> Callable[[], None]:
    """Lower Python's GIL switch interval to ``seconds`` until the returned function is
    called.  A thread waking to deliver a notification waits up to that long for the GIL
    while another Python thread computes; 5 ms (Python's default) per hand-over empties
    a 20 ms audio queue."""
    return _switch_interval.hold(seconds)

_local = threading.local()


class synchronous_notifications:
    """Collect open/close notifications raised during one API call on this thread.

    The dispatcher wraps every application-initiated driver call in this context manager;
    on exit (after the driver returned and every lock was released) it delivers what the
    driver raised, in order.
    """

    def __enter__(self) -> synchronous_notifications:
        # Nested (the dispatcher's, inside an open or close): the outermost delivers, once
        # the API call has finished its work (the handle stored, or already freed).
        self._outermost = getattr(_local, "pending", None) is None
        if self._outermost:
            _local.pending = []
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._outermost:
            return
        pending: list[tuple[Callable[..., Any], tuple[Any, ...], bool]] = _local.pending
        _local.pending = None
        for fn, args, is_close in pending:
            if is_close:
                notifier.flush()
            try:
                fn(*args)
            except Exception:
                log.exception("application callback raised on open/close notification")


def _target(dwCallback: Any, kind: int) -> Callable[..., Any] | None:
    """Resolve the callback target once; None when there is nobody to notify."""
    if kind == DCB_FUNCTION:
        if dwCallback is None or dwCallback == 0:
            return None  # COMPAT: a null function is accepted and never called (B7).
        if isinstance(dwCallback, int):
            return _CALLBACK_PROTO(dwCallback)
        return dwCallback
    if kind in (DCB_WINDOW, DCB_TASK):
        if not dwCallback:
            return None  # COMPAT: hwnd 0 opens fine and posts nowhere (B6).
        put = dwCallback.put

        def post(hdev: int, msg: int, _user: int, p1: int, _p2: int) -> None:
            put((msg, hdev, p1))

        return post
    if kind == DCB_EVENT:
        event = event_object(dwCallback) if dwCallback else None
        if event is None:
            return None
        event_set = event.set

        def signal(*_: Any) -> None:
            event_set()

        return signal
    return None


def DriverCallback(
    dwCallback: Any,
    uFlags: int,
    hDevice: int,
    dwMsg: int,
    dwUser: int,
    dwParam1: int,
    dwParam2: int,
) -> bool:
    """Notify an application of a device event, as the DDK's ``DriverCallback``.

    ``uFlags`` holds a ``DCB_*`` type (``HIWORD`` of the ``CALLBACK_*`` open flag).
    ``DCB_FUNCTION`` targets are called as ``f(hDevice, dwMsg, dwUser, dwParam1,
    dwParam2)``; ``DCB_WINDOW``/``DCB_TASK`` targets receive ``(dwMsg, hDevice, dwParam1)``
    through their ``put()``; ``DCB_EVENT`` targets are ``set()``.

    Returns
    -------
    bool
        True when the notification was accepted for delivery, False when there is no target
        (``DCB_NULL``, a null callback, an unknown type).
    """
    kind = uFlags & DCB_TYPEMASK
    if kind == DCB_NULL:
        return False
    fn = _target(dwCallback, kind)
    if fn is None:
        return False
    args = (hDevice, dwMsg, dwUser, dwParam1, dwParam2)
    pending = getattr(_local, "pending", None)
    if pending is not None and (dwMsg in _OPEN_MESSAGES or dwMsg in _CLOSE_MESSAGES):
        pending.append((fn, args, dwMsg in _CLOSE_MESSAGES))
    else:
        notifier.post(fn, *args)
    return True
