"""The MIDI stream scheduler under ``midiStreamOut``: events out on time, headers back in order.

A stream buffer is a run of ``MIDIEVENT`` records; :func:`parse_events` walks the first
``dwBytesRecorded`` bytes of one and :func:`is_well_formed` is the ``midiStreamOut`` check
(spec B154).  A :class:`Scheduler` owns the queue of parsed headers, the tempo and the time
division, and one thread that plays each event when it is due and hands the results to a
:class:`StreamSink`: short and long messages, ``MEVT_F_CALLBACK`` positions, finished
headers, tempo changes.

Time
----
*Play time* is the monotonic clock while playing, frozen while paused (B168, B171) and 0
after a stop.  Ticks are a piecewise linear function of play time: the tempo map is one
anchor (tick, play time) and the current tick length, and a tempo change (an
``MEVT_TEMPO`` event or a property SET) moves the anchor to the tick where it happens, so
the elapsed tick count never jumps (B170).  Every event's due time is computed from the
anchor and its tick, never by adding up sleeps, so a long stream does not drift; the thread
waits on a condition with a timeout up to the next due time and is woken early by every
command.

Map
---
``StreamEvent``, ``parse_events``, ``iter_events``, ``is_well_formed``
    one stream buffer
``ns_per_tick``, ``smpte_fps``, ``song_position``, ``smpte_time``, ``Smpte``
    the time-division arithmetic (PPQN and SMPTE)
``StreamSink``
    what the scheduler calls, from its own thread
``Scheduler``, ``State``
    ``out``, ``restart``, ``pause``, ``stop``, ``close``, ``position``, ``tempo`` and
    ``set_tempo``, ``time_division`` and ``set_time_division``
"""

from __future__ import annotations

import enum
import logging
import math
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from audiodrv.mmsystem.constants import (
    MEVT_EVENTPARM,
    MEVT_EVENTTYPE,
    MEVT_F_CALLBACK,
    MEVT_F_LONG,
    MEVT_LONGMSG,
    MEVT_SHORTMSG,
    MEVT_TEMPO,
    TIME_MIDI,
    TIME_MS,
    TIME_SMPTE,
    TIME_TICKS,
)
from audiodrv.mmsystem.errors import InvalidParamError

__all__ = [
    "ALL_STREAMS",
    "DEFAULT_TEMPO",
    "DEFAULT_TIMEDIV",
    "EVENT_HEADER_SIZE",
    "Scheduler",
    "Smpte",
    "State",
    "StreamEvent",
    "StreamSink",
    "is_well_formed",
    "iter_events",
    "ns_per_tick",
    "parse_events",
    "smpte_fps",
    "smpte_time",
    "song_position",
]

log = logging.getLogger("audiodrv.engine")
_TRACE = 5  # audiodrv.core.trace.TRACE; the engine does not import core

EVENT_HEADER_SIZE = 12  # offsetof(MIDIEVENT, dwParms): dwDeltaTime, dwStreamID, dwEvent
ALL_STREAMS = 0xFFFFFFFF  # a dwStreamID every stream accepts, like 0 (B162)
DEFAULT_TEMPO = 500000  # µs per quarter note = 120 BPM (B151)
DEFAULT_TIMEDIV = 24  # ticks per quarter note (B151)

_EVENT = struct.Struct("<III")
_CALLBACK_TYPE_BIT = MEVT_F_CALLBACK >> 24  # bit 6 of the type byte
_NS_PER_S = 1_000_000_000
_DWORD = 0xFFFFFFFF
_MAX_WAIT_S = 3600.0


# ---------------------------------------------------------------------------------------------
# Stream buffers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One ``MIDIEVENT`` of a stream buffer.

    Attributes
    ----------
    offset
        Byte offset of the record within the buffer: what ``MIDIHDR.dwOffset`` is set to
        when the event carries ``MEVT_F_CALLBACK`` (B160).
    delta
        ``dwDeltaTime``: ticks since the previous event of the stream.
    stream_id
        ``dwStreamID`` as the application wrote it.
    type
        The event type without the callback bit: ``MEVT_SHORTMSG``, ``MEVT_TEMPO``,
        ``MEVT_NOP``, ``MEVT_LONGMSG``, ``MEVT_COMMENT``, ``MEVT_VERSION``, or an unknown
        value (played as nothing).  Bit 7 is ``MEVT_F_LONG``, so long types keep it.
    callback
        Whether ``MEVT_F_CALLBACK`` is set.
    parm
        ``MEVT_EVENTPARM(dwEvent)``: the short message, the tempo, or for a long event the
        length of its parameter bytes.
    data
        A long event's parameter bytes (without the padding); empty for a short event.
    """

    offset: int
    delta: int
    stream_id: int
    type: int
    callback: bool
    parm: int
    data: bytes = b""

    @property
    def is_long(self) -> bool:
        """Whether the event is a long one (``MEVT_F_LONG``)."""
        return bool(self.type & (MEVT_F_LONG >> 24))

    @property
    def size(self) -> int:
        """Bytes the record occupies: 12, plus a long event's length rounded up to 4 (B176)."""
        return EVENT_HEADER_SIZE + (_round_up4(self.parm) if self.is_long else 0)


def _round_up4(n: int) -> int:
    return (n + 3) & ~3


def _byte_view(data: bytes | bytearray | memoryview, length: int) -> memoryview:
    view = memoryview(data).cast("B")
    if not 0 <= length <= len(view):
        raise ValueError(f"length {length} outside the buffer (0..{len(view)})")
    return view


def iter_events(data: bytes | bytearray | memoryview, length: int) -> Iterator[StreamEvent]:
    """Yield the events in the first ``length`` bytes of ``data``, in order.

    Parameters
    ----------
    data
        The stream buffer (``MIDIHDR.lpData``); a ``memoryview`` of any format is read as
        bytes.
    length
        ``dwBytesRecorded``: only this much is played (B159).

    Notes
    -----
    Lenient, like the player in Windows: a record whose header or parameter bytes do not
    fit in ``length`` ends the walk and is not played.  Use :func:`is_well_formed` to
    reject such a buffer at ``midiStreamOut`` time.

    Raises
    ------
    ValueError
        ``length`` is negative or larger than ``data``.
    """
    view = _byte_view(data, length)
    offset = 0
    while offset + EVENT_HEADER_SIZE <= length:
        delta, stream_id, event = _EVENT.unpack_from(view, offset)
        parm = MEVT_EVENTPARM(event)
        payload = b""
        if event & MEVT_F_LONG:
            start = offset + EVENT_HEADER_SIZE
            if start + parm > length:
                return
            payload = bytes(view[start:start + parm])
        ev = StreamEvent(
            offset=offset,
            delta=delta,
            stream_id=stream_id,
            type=MEVT_EVENTTYPE(event) & ~_CALLBACK_TYPE_BIT,
            callback=bool(event & MEVT_F_CALLBACK),
            parm=parm,
            data=payload,
        )
        yield ev
        offset += ev.size


def parse_events(data: bytes | bytearray | memoryview, length: int) -> list[StreamEvent]:
    """Return the events in the first ``length`` bytes of ``data`` (see :func:`iter_events`).

    The bytes are copied: later changes to the application's buffer do not reach the
    scheduler.
    """
    return list(iter_events(data, length))


def is_well_formed(data: bytes | bytearray | memoryview, length: int) -> bool:
    """Whether ``midiStreamOut`` accepts ``length`` bytes of ``data`` (spec B154).

    ``length`` must be a multiple of 4 and end exactly on an event boundary: each event
    takes 12 bytes, a long one 12 plus its length rounded up to 4.  ``length`` 0 is well
    formed (the header is just returned, B159); ``length`` beyond ``data`` is not.
    """
    view = memoryview(data).cast("B")
    if length % 4 or not 0 <= length <= len(view):
        return False
    offset = 0
    while offset + EVENT_HEADER_SIZE <= length:
        (event,) = struct.unpack_from("<I", view, offset + 8)
        offset += EVENT_HEADER_SIZE
        if event & MEVT_F_LONG:
            offset += _round_up4(MEVT_EVENTPARM(event))
    return offset == length


# ---------------------------------------------------------------------------------------------
# Time division arithmetic
# ---------------------------------------------------------------------------------------------


class Smpte(NamedTuple):
    """An ``MMTIME.u.smpte`` value; ``fps`` is the division's rate byte (29 = 29.97 drop)."""

    hour: int
    min: int
    sec: int
    frame: int
    fps: int


def _is_smpte(timediv: int) -> bool:
    return bool(timediv & 0x8000)


def _nominal_fps(timediv: int) -> int:
    # The high byte is the negative frame rate: 0xE2 = -30, 0xE3 = -29 (29.97 drop-frame).
    return 256 - ((timediv >> 8) & 0xFF)


def smpte_fps(timediv: int) -> Fraction:
    """Real frames per second of an SMPTE division: 256 − high byte; 29 means 30000/1001."""
    fps = _nominal_fps(timediv)
    return Fraction(30000, 1001) if fps == 29 else Fraction(fps)


def ns_per_tick(tempo: int, timediv: int) -> Fraction:
    """Length of one tick in nanoseconds, exactly (spec B171).

    PPQN (bit 15 clear): ``tempo`` µs per quarter note over ``timediv`` ticks.  SMPTE (bit
    15 set): 1 s over frames/s × ticks per frame (the low byte); the tempo does not apply.
    Only the low word of ``timediv`` counts.  A zero tempo, division or ticks per frame
    is taken as 1 so the clock stays defined (Windows divides by it).
    """
    div = timediv & 0xFFFF
    if _is_smpte(div):
        return Fraction(_NS_PER_S) / (smpte_fps(div) * max(div & 0xFF, 1))
    return Fraction(max(tempo, 1) * 1000, max(div, 1))


def song_position(ticks: int, timediv: int) -> int:
    """``TIME_MIDI``: the song position in sixteenth notes for a PPQN division (spec B170).

    ``(ticks + div/8) / (div/4)`` in integers with ``div = max(timediv, 24)``; 0 becomes 1
    as soon as one whole tick has elapsed.
    """
    div = max(timediv & 0xFFFF, 24)
    position = (ticks + div // 8) // (div // 4)
    if position == 0 and ticks > 0:
        position = 1  # COMPAT: winmm never reports 0 once the song has moved
    return position


def smpte_time(ticks: int, timediv: int) -> Smpte:
    """``TIME_SMPTE``: the elapsed ticks of an SMPTE division as hours:minutes:seconds:frames.

    Frames are ``ticks // ticks-per-frame``.  At 29.97 (rate byte 29) frames are numbered
    drop-frame: labels 0 and 1 are skipped at every minute except each tenth.  Hours wrap
    at 24, as timecode does.
    """
    nominal = _nominal_fps(timediv)
    frames = ticks // max(timediv & 0xFF, 1)
    base = nominal
    if nominal == 29:
        base = 30
        tens, rest = divmod(frames, 17982)  # real frames per 10 minutes at 29.97
        frames += 18 * tens + (2 * ((rest - 2) // 1798) if rest >= 2 else 0)
    seconds, frame = divmod(frames, max(base, 1))
    minutes, sec = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return Smpte(hours % 24, mins, sec, frame, nominal)


# ---------------------------------------------------------------------------------------------
# The scheduler
# ---------------------------------------------------------------------------------------------


class StreamSink:
    """Where a :class:`Scheduler` sends what it plays; the methods here do nothing.

    Subclass and override, or pass any object with all six methods.  They are called from
    the scheduler's thread (or, with ``threaded=False``, from whoever calls into the
    scheduler), one at a time, in stream order, and under no lock of the scheduler: they
    may call back into it (``on_done`` queueing the next buffer is the usual case).  An
    exception is logged and otherwise ignored.
    """

    def send_short(self, msg: int) -> None:
        """Send a short message (status in bits 0-7, data bytes in 8-15 and 16-23)."""

    def send_long(self, data: bytes) -> None:
        """Send a long message (system exclusive) as it appeared in the stream."""

    def on_position_callback(self, token: Any, offset: int) -> None:
        """An ``MEVT_F_CALLBACK`` event at byte ``offset`` of ``token``'s buffer was played.

        Comes after the event's own output.  The driver sets ``dwOffset`` and posts
        ``MOM_POSITIONCB`` (B158, B160).
        """

    def on_done(self, token: Any) -> None:
        """``token``'s header is finished (played, stopped or rejected): ``MOM_DONE``.

        Headers finish in the order they were queued.
        """

    def on_tempo(self, tempo: int) -> None:
        """An ``MEVT_TEMPO`` event set the tempo (µs per quarter note); not for property SETs."""

    def reset(self) -> None:
        """The stream was stopped: silence the device (``midiOutReset``), before ``on_done``."""


class State(enum.Enum):
    """Where a stream stands; a new one is paused (B151)."""

    PAUSED = "paused"
    PLAYING = "playing"
    STOPPED = "stopped"


@dataclass(eq=False)
class _Header:
    token: Any
    events: tuple[StreamEvent, ...]
    foreign: bool  # an event names another stream: returned unplayed (B162)
    index: int = 0  # next event to play


_Action = tuple[Callable[..., None], tuple[Any, ...]]


class Scheduler:
    """Plays queued stream headers on time from its own thread.

    Parameters
    ----------
    sink
        Receives the output and the notifications (see :class:`StreamSink`).
    stream_id
        This stream's ``dwStreamID``: events may carry it, 0 or ``0xFFFFFFFF``; a header
        with any other id is returned unplayed (B162).
    clock
        Monotonic nanoseconds; inject a fake for tests.
    threaded
        Start the scheduler thread.  Without it nothing plays by itself: call
        :meth:`service` to play what is due, and callbacks run on the calling thread (for
        tests with a fake clock, and for callers that bring their own loop).
    late_limit_ns
        When a header reaches an *empty* queue (the stream ran dry, or was paused long
        after its last event) and its first event is more than this late, the schedule
        slips so that the event plays now instead of the whole backlog being played at
        once.  Lateness within the limit is caught up, so timing does not drift when
        buffers come just in time.  ``None`` always catches up, as Wine does.
    name
        The thread's name.

    Notes
    -----
    :meth:`pause`, :meth:`stop` and :meth:`close` return only after the thread delivered
    every callback they caused (like winmm, whose calls wait for the player thread), so do
    not call them while holding a lock a sink method takes.  Called from a sink method,
    they do not wait: the callbacks follow when that method returns.
    """

    def __init__(
        self,
        sink: StreamSink,
        *,
        stream_id: int = 1,
        clock: Callable[[], int] = time.perf_counter_ns,
        threaded: bool = True,
        late_limit_ns: int | None = 100_000_000,
        name: str = "midistream",
    ) -> None:
        self.sink = sink
        self.stream_id = stream_id
        self._clock = clock
        self._late_limit = late_limit_ns
        self._cond = threading.Condition()
        self._queue: deque[_Header] = deque()
        self._outbox: deque[_Action] = deque()
        self._posted = 0  # actions ever put in the outbox
        self._delivered = 0  # actions ever delivered
        self._delivering = False  # inline delivery in progress (threaded=False)
        self._state = State.PAUSED
        self._tempo = DEFAULT_TEMPO
        self._timediv = DEFAULT_TIMEDIV
        self._closed = False
        self._quit = False
        self._reset_time()
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
            self._thread.start()

    def __enter__(self) -> Scheduler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- application side ----------------------------------------------------------------------

    @property
    def state(self) -> State:
        """Paused, playing or stopped."""
        return self._state

    @property
    def queued(self) -> int:
        """Headers queued and not finished yet."""
        with self._cond:
            return len(self._queue)

    def out(self, token: Any, events: Sequence[StreamEvent]) -> None:
        """Queue a header: ``midiStreamOut``.

        Parameters
        ----------
        token
            Handed back to ``on_position_callback`` and ``on_done`` (the ``MIDIHDR``).
        events
            Its events (:func:`parse_events` of its first ``dwBytesRecorded`` bytes).  No
            events: the header is finished when playback reaches it (B159).  An event
            naming another stream: finished unplayed as soon as it is first in the queue,
            paused or not (B162).

        Raises
        ------
        RuntimeError
            The scheduler is closed.
        """
        evs = tuple(events)
        foreign = any(ev.stream_id not in (0, ALL_STREAMS, self.stream_id) for ev in evs)
        with self._cond:
            if self._closed:
                raise RuntimeError("MIDI stream scheduler is closed")
            self._queue.append(_Header(token, evs, foreign))
            log.log(_TRACE, "stream %#x: out %r, %d events%s", self.stream_id, token,
                    len(evs), " (foreign stream id)" if foreign else "")
            self._process(self._clock())
            self._cond.notify_all()
        self._deliver_inline()

    def restart(self) -> None:
        """Play from the current position: ``midiStreamRestart``; no-op when playing (B163)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("MIDI stream scheduler is closed")
            if self._state is not State.PLAYING:
                now = self._clock()
                self._start_ns = now - self._elapsed_ns
                self._state = State.PLAYING
                log.log(_TRACE, "stream %#x: restart at %d ms", self.stream_id,
                        self._elapsed_ns // 1_000_000)
                self._process(now)
                self._cond.notify_all()
        self._deliver_inline()

    def pause(self) -> None:
        """Freeze playback and the position: ``midiStreamPause`` (B168).

        Events due up to now are still played; nothing after.  Restarting continues with
        the next event, none lost or repeated.  A stopped stream becomes paused.
        """
        with self._cond:
            now = self._clock()
            if self._state is State.PLAYING:
                self._process(now)
                self._elapsed_ns = now - self._start_ns
            self._state = State.PAUSED
            self._next_due = None
            target = self._posted
            self._cond.notify_all()
        self._deliver_inline()
        self._wait_delivered(target)

    def stop(self) -> None:
        """Return every header and rewind: ``midiStreamStop`` (B173).

        The sink's ``reset`` is called, then ``on_done`` for each queued header in order;
        the position goes back to 0 and the stream is stopped: headers queued afterwards
        wait for :meth:`restart`.  Tempo and time division are kept.
        """
        with self._cond:
            if self._closed:
                return
            self._post(self.sink.reset)
            while self._queue:
                self._post(self.sink.on_done, self._queue.popleft().token)
            self._state = State.STOPPED
            self._reset_time()
            log.log(_TRACE, "stream %#x: stopped", self.stream_id)
            target = self._posted
            self._cond.notify_all()
        self._deliver_inline()
        self._wait_delivered(target)

    def close(self) -> None:
        """Stop, deliver what is pending and end the thread (joined unless called from it)."""
        with self._cond:
            if self._closed:
                return
        self.stop()
        with self._cond:
            self._closed = self._quit = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def service(self) -> int | None:
        """Play what is due now; return the clock value the next event is due at, or None.

        With ``threaded=False`` this is the scheduler's heartbeat and the callbacks run
        before it returns.  With a thread it is harmless (the thread does the same).
        """
        with self._cond:
            self._process(self._clock())
            next_due = self._next_due
            self._cond.notify_all()
        self._deliver_inline()
        return next_due

    # -- position and properties ---------------------------------------------------------------

    def position(self, kind: int) -> tuple[int, int | Smpte]:
        """Return ``(type answered, value)`` for ``midiStreamPosition`` (B166-B171).

        ``TIME_MS``: play time in milliseconds.  ``TIME_TICKS``: elapsed ticks, continuous
        between events.  ``TIME_MIDI`` with a PPQN division: the song position
        (:func:`song_position`).  ``TIME_SMPTE`` with an SMPTE division: an :class:`Smpte`
        (Windows; Wine answers ``TIME_MS``).  Anything else is answered as ``TIME_MS``.
        All are 0 before the first restart and after a stop; numbers wrap like DWORDs.
        """
        with self._cond:
            now = self._clock()
            # Tempo events due by now must be in the map before ticks are read from it.
            self._process(now)
            play = self._play_ns(now)
            ticks = math.floor(self._ticks_at(play))
            div = self._timediv & 0xFFFF
            self._cond.notify_all()
        self._deliver_inline()
        if kind == TIME_TICKS:
            return TIME_TICKS, ticks & _DWORD
        if kind == TIME_MIDI and not _is_smpte(div):
            return TIME_MIDI, song_position(ticks, div) & _DWORD
        if kind == TIME_SMPTE and _is_smpte(div):
            return TIME_SMPTE, smpte_time(ticks, div)
        return TIME_MS, (play // 1_000_000) & _DWORD

    @property
    def tempo(self) -> int:
        """µs per quarter note: ``MIDIPROP_GET | MIDIPROP_TEMPO``."""
        return self._tempo

    def set_tempo(self, tempo: int) -> None:
        """``MIDIPROP_SET | MIDIPROP_TEMPO``: allowed any time; the tick count is unchanged (B170).

        The new tempo applies from the current position on; with an SMPTE division it is
        stored but does not affect timing.
        """
        if not 0 <= tempo <= _DWORD:
            raise ValueError(f"tempo {tempo} is not a DWORD")
        with self._cond:
            now = self._clock()
            self._process(now)
            play = self._play_ns(now)
            self._reanchor(self._ticks_at(play), Fraction(play))
            self._tempo = tempo
            self._npt = ns_per_tick(self._tempo, self._timediv)
            self._cond.notify_all()
        self._deliver_inline()

    @property
    def time_division(self) -> int:
        """``dwTimeDiv``: PPQN, or SMPTE with bit 15 set (``MIDIPROP_GET | MIDIPROP_TIMEDIV``)."""
        return self._timediv

    def set_time_division(self, timediv: int) -> None:
        """``MIDIPROP_SET | MIDIPROP_TIMEDIV``: allowed while paused or stopped only (B172).

        Raises
        ------
        InvalidParamError
            The stream is playing (``MMSYSERR_INVALPARAM``).
        """
        if not 0 <= timediv <= _DWORD:
            raise ValueError(f"time division {timediv} is not a DWORD")
        with self._cond:
            if self._state is State.PLAYING:
                raise InvalidParamError(context="midiStreamProperty(SET TIMEDIV) while playing")
            play = self._play_ns(self._clock())
            self._reanchor(self._ticks_at(play), Fraction(play))
            self._timediv = timediv
            self._npt = ns_per_tick(self._tempo, self._timediv)

    # -- time ----------------------------------------------------------------------------------

    def _reset_time(self) -> None:
        self._start_ns = 0  # clock value at play time 0; meaningful while playing
        self._elapsed_ns = 0  # play time while paused or stopped
        self._anchor_tick = Fraction(0)  # the tempo map: this tick was at
        self._anchor_ns = Fraction(0)  # this play time, and each tick after lasts
        self._npt = ns_per_tick(self._tempo, self._timediv)  # this many ns
        self._cursor: Fraction = Fraction(0)  # tick of the last event played
        self._starved = True  # no header since the queue last ran empty
        self._next_due: int | None = None

    def _play_ns(self, now: int) -> int:
        return now - self._start_ns if self._state is State.PLAYING else self._elapsed_ns

    def _ticks_at(self, play_ns: int | Fraction) -> Fraction:
        return self._anchor_tick + (play_ns - self._anchor_ns) / self._npt

    def _play_time_of(self, tick: Fraction) -> Fraction:
        return self._anchor_ns + (tick - self._anchor_tick) * self._npt

    def _reanchor(self, tick: Fraction, play_ns: Fraction) -> None:
        self._anchor_tick, self._anchor_ns = tick, play_ns

    # -- the player ----------------------------------------------------------------------------

    def _post(self, fn: Callable[..., None], *args: Any) -> None:
        self._outbox.append((fn, args))
        self._posted += 1

    def _finish(self) -> None:
        header = self._queue.popleft()
        self._post(self.sink.on_done, header.token)
        if not self._queue:
            self._starved = True

    def _process(self, now: int) -> None:
        """Play everything due at ``now``; leave the next due time in ``_next_due``.

        Called under the lock by the thread and by every command, so the tempo map and the
        queue are always up to date with the clock; the output goes to the outbox.
        """
        self._next_due = None
        while self._queue:
            header = self._queue[0]
            if header.foreign:
                self._finish()
                continue
            if self._state is not State.PLAYING:
                return
            if header.index >= len(header.events):
                self._finish()
                continue
            event = header.events[header.index]
            if self._starved and header.index == 0:
                self._starved = False
                self._maybe_slip(event, now)
            tick = self._cursor + event.delta
            # Rounded up: an event never goes out before its tick, and the position read at
            # its due time has reached it.
            due = self._start_ns + math.ceil(self._play_time_of(tick))
            if due > now:
                self._next_due = due
                return
            self._cursor = tick
            header.index += 1
            self._play(header, event, tick)

    def _maybe_slip(self, event: StreamEvent, now: int) -> None:
        """The queue had run dry: do not burst a late header, start it now instead."""
        if self._late_limit is None:
            return
        play = self._play_ns(now)
        late = play - self._play_time_of(self._cursor + event.delta)
        if late > self._late_limit:
            # The clock (and the reported position) keep going; only the events move.
            self._cursor = self._ticks_at(play) - event.delta
            log.log(_TRACE, "stream %#x: ran dry, %d ms late: slipping", self.stream_id,
                    int(late) // 1_000_000)

    def _play(self, header: _Header, event: StreamEvent, tick: Fraction) -> None:
        kind = event.type
        if kind == MEVT_SHORTMSG:
            self._post(self.sink.send_short, event.parm)
        elif kind == MEVT_LONGMSG:
            self._post(self.sink.send_long, event.data)
        elif kind == MEVT_TEMPO:
            # The new tempo starts at the event's exact tick and time, not at whenever the
            # thread got round to it: the schedule does not drift with the thread's lag.
            self._reanchor(tick, self._play_time_of(tick))
            self._tempo = event.parm
            self._npt = ns_per_tick(self._tempo, self._timediv)
            self._post(self.sink.on_tempo, event.parm)
        # MEVT_NOP, MEVT_COMMENT, MEVT_VERSION and unknown types produce nothing (B177).
        if event.callback:
            self._post(self.sink.on_position_callback, header.token, event.offset)

    # -- delivery ------------------------------------------------------------------------------

    def _call(self, batch: list[_Action]) -> None:
        for fn, args in batch:
            try:
                fn(*args)
            except Exception:
                log.exception("MIDI stream sink %s failed", getattr(fn, "__name__", fn))

    def _take(self) -> list[_Action]:
        batch = list(self._outbox)
        self._outbox.clear()
        return batch

    def _delivered_batch(self, count: int) -> None:
        with self._cond:
            self._delivered += count
            self._cond.notify_all()

    def _deliver_inline(self) -> None:
        """Without a thread, the caller delivers; a sink calling back in does not recurse."""
        if self._thread is not None or self._delivering:
            return
        self._delivering = True
        try:
            while True:
                with self._cond:
                    batch = self._take()
                if not batch:
                    return
                self._call(batch)
                self._delivered_batch(len(batch))
        finally:
            self._delivering = False

    def _wait_delivered(self, target: int) -> None:
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        with self._cond:
            while self._delivered < target and thread.is_alive():
                self._cond.wait(0.5)

    def _run(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._outbox:
                    if self._quit:
                        return
                    now = self._clock()
                    self._process(now)
                    if self._outbox:
                        break
                    timeout = None
                    if self._next_due is not None:
                        # Capped: a huge delta must not overflow the lock's timeout; waking
                        # early only recomputes.
                        timeout = min(max(self._next_due - now, 0) / _NS_PER_S, _MAX_WAIT_S)
                    cond.wait(timeout)
                batch = self._take()
            self._call(batch)
            self._delivered_batch(len(batch))
