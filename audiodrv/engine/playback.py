"""Frame accounting for one playing open: blocks in, ring out, completions in order.

A :class:`Playback` owns the queue of blocks an application wrote (decoded to float32 at
the device's channel count, still at the application's rate) and copies them ahead of time
into a ring buffer that the real-time callback drains without the GIL (rtmixer), through a
resampler when the rates differ.  It knows how many frames it produced; the ring knows how
many are still unread; the difference is what was played, and every block whose last frame
has been played is completed, in order, under the lock that orders them (so two threads
servicing at once cannot swap two completions, and none is posted after the queue looked
empty).  Completing means calling ``on_done``, which must only post a notification.

Completions are found by whoever services the playback: the feeder when it tops the ring
up, and, precisely, a timed :meth:`Playback.check` that ``watch`` arranges for the moment
the next block's last frame is due (run by the thread that delivers the notification, so no
thread hand-over lies between the last frame and the application hearing of it).

Loops follow ``WHDR_BEGINLOOP``/``WHDR_ENDLOOP``: the blocks from a BEGINLOOP block to the
next ENDLOOP block are written ``loops`` times, and complete after the last pass.  Every
pass is resampled on its own (the resampler is flushed before the loop and after each
pass), so each pass is the same frames and a pass boundary is an exact frame position.
The ring is kept ``lead`` frames ahead of the callback, so several short passes may be in
it at once: a break of the loop withdraws the passes after the one being played (B71).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

__all__ = ["Block", "Playback", "Resampler", "Ring"]


class Ring(Protocol):
    """What playback needs of a ring buffer (``engine.portaudio.RingBuffer`` has it)."""

    @property
    def read_available(self) -> int: ...

    @property
    def write_available(self) -> int: ...

    def write(self, data: Any, size: int = -1) -> int: ...

    def flush(self) -> None: ...

    def unwrite(self, count: int, keep: int) -> bool:
        """Withdraw the newest ``count`` frames unless fewer than ``keep`` would be left
        ahead of the reader (which may be reading that many right now)."""
        ...


class Resampler(Protocol):
    """A streaming rate converter (``engine.convert.Resampler``)."""

    def process(self, frames: np.ndarray) -> np.ndarray: ...

    def flush(self) -> np.ndarray: ...

    def reset(self) -> None: ...

    def out_for(self, frames: int) -> int: ...

    def in_for(self, frames: int) -> int: ...


@dataclass(eq=False)
class Block:
    """A run of frames from one application buffer."""

    token: Any  # handed back to ``on_done``
    frames: np.ndarray  # (n, channels) float32, device channels, application rate
    begin_loop: bool = False
    end_loop: bool = False
    loops: int = 1


@dataclass(eq=False)
class _Run:
    """Frames fed to the resampler since it last started afresh, and where they came out.

    Maps played device frames back to application frames for the position.
    """

    out_start: int  # produced frames when the run began
    in_base: int  # application frames played before it (loop passes counted)
    fed: int = 0  # application frames fed in
    out_end: int | None = None  # produced frames when it was flushed


@dataclass(eq=False)
class _Loop:
    """The last loop written: where its passes lie, in produced frames."""

    start: int
    blocks: int = 0  # blocks in the loop, known once its first pass is written
    pass_len: int = 0  # device frames per pass, likewise
    end: int | None = None  # produced frames after its last pass, once written
    members: list[Block] = field(default_factory=list)  # its blocks, once all passes are written


class Playback:
    """Feeds one ring from a queue of blocks and reports completions.

    Parameters
    ----------
    ring
        The ring the callback reads from (frames are its elements).
    on_done
        Called with each block's token once its last frame was consumed, in order, under
        this object's lock: it may post a notification, never call application code.
    lead
        How many frames to keep written ahead of the callback.
    resampler
        Converts the blocks' rate to the device's, or None when they agree.
    guard
        Frames ahead of the reader that are never withdrawn: at least what one callback
        reads (the device's block), since it may be reading them at that moment.
    watch
        Called (under the lock) with the frames the callback must still read before the
        next block completes, to have :meth:`check` called about then; returns False when it
        will not (a paused stream).  None: the feeder alone finds completions.
    """

    def __init__(self, ring: Ring, on_done: Callable[[Any], None], lead: int,
                 resampler: Resampler | None = None, guard: int = 0,
                 watch: Callable[[int], bool] | None = None) -> None:
        self.ring = ring
        self.on_done = on_done
        self.watch = watch
        self._watching: int | None = None  # the block end a check is arranged for
        self.lead = lead
        self.resampler = resampler
        self.guard = guard
        self.gain = np.float32(1.0)  # scalar or per-channel array, applied as frames are written
        self.mix: Any = None  # a further gain stage (its ``gain``), read at each write
        self._lock = threading.Lock()
        self._queue: deque[Block] = deque()  # blocks not completely written yet
        self._index = 0  # next block of _queue to write
        self._offset = 0  # frames of that block already written
        # While a loop is being written its blocks stay queued from index 0 (its BEGINLOOP
        # block: blocks before it completed their single pass) to _index.
        self._looping = False
        self._loops_left = 0  # passes still to write, the one being written included
        self._loop: _Loop | None = None  # the last loop written
        # Every loop not yet played out: an earlier one may still play while the next is
        # written (both in the ring), and a break is for the one being heard.
        self._loops: deque[_Loop] = deque()
        self._written = 0  # frames ever written to the ring
        self._spill: np.ndarray | None = None  # produced frames the ring had no room for
        self._pending: deque[tuple[Block, int]] = deque()  # (block, end frame) not done
        self._runs: deque[_Run] = deque([_Run(0, 0)])

    # -- application side ----------------------------------------------------------------------

    def queue(self, block: Block) -> int | None:
        """Append a block and write what fits now; returns what :meth:`service` does."""
        with self._lock:
            self._queue.append(block)
            return self._service()

    def break_loop(self) -> None:
        """End the loop being played after its current pass (B71).

        A break while no loop is playing is forgotten.  Passes already in the ring after
        the current one are withdrawn, unless the reader is within ``guard`` frames of the
        pass end: then the break takes effect one pass later.
        """
        with self._lock:
            consumed = self._consumed()
            loop = next((lp for lp in self._loops if lp.start <= consumed and
                         (lp.end is None or consumed < lp.end)), None)
            if loop is None:
                return
            if not loop.pass_len:
                self._loops_left = 1  # still writing the first pass: it is the last
                return
            end = loop.start + ((consumed - loop.start) // loop.pass_len + 1) * loop.pass_len
            while loop.end is None or end < loop.end:
                if end > self._produced:
                    self._loops_left = 1  # the pass being written ends the loop
                    return
                if self._rewind(loop, end):
                    self._fill(self._consumed())  # as little as `guard` frames are left
                    return
                end += loop.pass_len

    def reset(self) -> None:
        """Drop everything queued or in the ring, completing every block, in order; the
        position goes back to 0.

        The caller must have stopped the callback from reading this ring first.
        """
        with self._lock:
            self.ring.flush()
            self._spill = None
            for block, _end in self._pending:
                self.on_done(block.token)
            for block in self._queue:
                self.on_done(block.token)
            self._queue.clear()
            self._pending.clear()
            self._index = self._offset = 0
            self._looping, self._loops_left, self._loop = False, 0, None
            self._loops.clear()
            self._watching = None
            if self.resampler is not None:
                self.resampler.reset()
            self._runs = deque([_Run(self._written, 0)])

    # -- accounting ----------------------------------------------------------------------------

    @property
    def played(self) -> int:
        """Application frames played since the last reset (loop passes counted)."""
        with self._lock:
            consumed = self._consumed()
            run = next(r for r in reversed(self._runs) if r.out_start <= consumed)
            if run.out_end is not None and consumed >= run.out_end:
                return run.in_base + run.fed
            out = consumed - run.out_start
            frames = self.resampler.in_for(out) if self.resampler is not None else out
            return run.in_base + min(run.fed, frames)

    @property
    def busy(self) -> bool:
        """Whether any block is still queued, written or playing."""
        with self._lock:
            return bool(self._queue or self._pending)

    def service(self) -> int | None:
        """Complete finished blocks and top the ring up (the feeder calls this); returns
        how many frames the callback may read before this must run again, or None when
        nothing but a write of the application needs it."""
        with self._lock:
            return self._service()

    def check(self) -> None:
        """The timed service ``watch`` arranged: complete, then arrange the next one."""
        with self._lock:
            self._watching = None
            self._service()

    def _service(self) -> int | None:
        consumed = self._consumed()
        self._fill(consumed)
        while self._pending and self._pending[0][1] <= consumed:
            self.on_done(self._pending.popleft()[0].token)
        while self._loops and self._loops[0].end is not None and self._loops[0].end <= consumed:
            self._loops.popleft()
        while len(self._runs) > 1 and self._runs[1].out_start <= consumed:
            self._runs.popleft()
        self._watch(consumed)
        ahead = self._written - consumed
        if self._spill is not None or self._index < len(self._queue) or self._looping or \
                (self.resampler is not None and self._runs[-1].fed):
            return max(0, ahead - self.lead // 2)  # more to write once half the lead is read
        return None  # completions: the checks ``watch`` arranges

    def _watch(self, consumed: int) -> None:
        """Arrange a check for the next block's end, unless one is due no later; not while
        the end is still in the resampler (the feeder writes it, then arranges it)."""
        if self.watch is None or not self._pending:
            return
        end = self._pending[0][1]
        # A check arranged for an end already read is overdue: it failed or is just running.
        pending = self._watching is not None and consumed < self._watching <= end
        if end > self._written or pending:
            return
        if self.watch(end - consumed):
            self._watching = end

    def _consumed(self) -> int:
        return self._written - self.ring.read_available

    @property
    def _produced(self) -> int:
        """Frames out of the resampler: written to the ring, or waiting to be."""
        return self._written + (0 if self._spill is None else len(self._spill))

    # -- writing -------------------------------------------------------------------------------

    def _fill(self, consumed: int) -> None:
        if self._spill is not None and not self._put(self._spill):
            return
        room = min(self.ring.write_available, self.lead - (self._written - consumed))
        while room > 0 and self._index < len(self._queue) and self._spill is None:
            block = self._queue[self._index]
            if block.begin_loop and self._offset == 0 and not self._looping:
                self._cut()  # the loop's passes are resampled on their own
                self._looping, self._loops_left = True, max(block.loops, 1)
                self._loop = _Loop(self._produced)
                self._loops.append(self._loop)
            if self._offset < len(block.frames):
                take = room if self.resampler is None else self.resampler.in_for(room) + 1
                chunk = block.frames[self._offset:self._offset + take]
                self._offset += len(chunk)
                room -= self._feed(chunk)
            if self._offset == len(block.frames):
                self._advance(block)
        idle = self._index >= len(self._queue) and not self._looping
        if idle and self.resampler is not None and self._runs[-1].fed and \
                self._written - consumed <= self.lead // 2:
            self._cut()  # nothing more to come for now: play out what the resampler holds

    def _feed(self, frames: np.ndarray) -> int:
        """Frames at the application's rate into the current run; returns frames produced."""
        self._runs[-1].fed += len(frames)
        out = frames if self.resampler is None else self.resampler.process(frames)
        self._put(out)
        return len(out)

    def _put(self, frames: np.ndarray) -> bool:
        """Write produced frames (the spill first); keep what the ring has no room for."""
        if frames is not self._spill:
            gain = self.gain if self.mix is None else self.gain * np.float32(self.mix.gain)
            frames = np.ascontiguousarray(frames * gain, dtype=np.float32)
            if self._spill is not None:
                frames = np.concatenate([self._spill, frames])
        written = self.ring.write(frames) if len(frames) else 0
        self._written += written
        self._spill = frames[written:] if written < len(frames) else None
        return self._spill is None

    def _cut(self) -> None:
        """End the current run: flush the resampler and start a new run here."""
        run = self._runs[-1]
        if not run.fed:
            return
        if self.resampler is not None:
            self._put(self.resampler.flush())
        run.out_end = self._produced
        self._runs.append(_Run(run.out_end, run.in_base + run.fed))

    def _end_of_run(self) -> int:
        """Where the frames fed so far end, once the resampler has let them out."""
        run = self._runs[-1]
        fed = run.fed if self.resampler is None else self.resampler.out_for(run.fed)
        return run.out_start + fed

    def _advance(self, block: Block) -> None:
        """The block at ``_index`` is fully fed: move on, looping or completing."""
        self._offset = 0
        if not self._looping:
            self._pending.append((block, self._end_of_run()))
            self._queue.popleft()
            return
        if not block.end_loop:
            self._index += 1
            return
        loop = self._loop
        assert loop is not None
        self._cut()
        if not loop.pass_len:
            loop.pass_len, loop.blocks = self._produced - loop.start, self._index + 1
        self._loops_left -= 1
        if self._loops_left > 0 and loop.pass_len:
            self._index = 0
            return
        self._end_loop(self._produced)

    def _end_loop(self, end: int) -> None:
        """The loop's blocks complete together when the frame before ``end`` has played."""
        loop = self._loop
        assert loop is not None
        for _ in range(loop.blocks or self._index + 1):
            block = self._queue.popleft()
            loop.members.append(block)
            self._pending.append((block, end))
        loop.end = end
        self._index = self._offset = 0
        self._looping, self._loops_left = False, 0

    def _rewind(self, loop: _Loop, end: int) -> bool:
        """Take back every frame produced after ``end`` (a pass end of ``loop``, the loop
        being played) and continue after the loop from there; False when the reader is too
        close to ``end`` for that."""
        drop = self._produced - end
        spilled = 0 if self._spill is None else len(self._spill)
        if drop > spilled and not self.ring.unwrite(drop - spilled, self.guard):
            return False
        if drop >= spilled:
            self._written -= drop - spilled
            self._spill = None
        else:
            assert self._spill is not None
            self._spill = self._spill[:spilled - drop]
        if self._looping and self._loop is loop:
            self._end_loop(end)
        else:
            # Blocks written after the loop go back to the queue, to be written again; a
            # later loop (its blocks are queued while it is written) starts over.
            while self._pending and self._pending[-1][0] not in loop.members:
                self._queue.appendleft(self._pending.pop()[0])
            self._index = self._offset = 0
            self._looping, self._loops_left, self._loop = False, 0, loop
            while self._loops[-1] is not loop:
                self._loops.pop()
            for i in range(len(self._pending) - 1, -1, -1):
                if self._pending[i][1] <= end:
                    break
                self._pending[i] = (self._pending[i][0], end)
        loop.end = end
        while self._runs[-1].out_start >= end and len(self._runs) > 1:
            self._runs.pop()
        last = self._runs[-1]
        self._runs.append(_Run(end, last.in_base + last.fed))
        if self.resampler is not None:
            self.resampler.reset()
        return True
