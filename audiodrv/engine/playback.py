"""Frame accounting for one playing open: blocks in, ring out, completions in order.

A :class:`Playback` owns the queue of blocks an application wrote (already converted to
the device's float32 frames) and copies them ahead of time into a ring buffer that the
real-time callback drains without the GIL (rtmixer).  It knows how many frames it wrote;
the ring knows how many are still unread; the difference is what was played, and every
block whose last frame has been played is completed, in order.

Loops follow ``WHDR_BEGINLOOP``/``WHDR_ENDLOOP``: the blocks from a BEGINLOOP block to the
next ENDLOOP block are written ``loops`` times, and complete after the last pass.  The
ring is kept only ``lead`` frames ahead of the callback, which bounds how late a volume
change, a break of a loop or a pause can take effect.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["Block", "Playback", "Ring"]


class Ring(Protocol):
    """What playback needs of a ring buffer (``rtmixer.RingBuffer`` has it)."""

    @property
    def read_available(self) -> int: ...

    @property
    def write_available(self) -> int: ...

    def write(self, data: Any, size: int = -1) -> int: ...

    def flush(self) -> None: ...


@dataclass(eq=False)
class Block:
    """A run of frames from one application buffer."""

    token: Any  # handed back to ``on_done``
    frames: np.ndarray  # (n, channels) float32, device channels
    begin_loop: bool = False
    end_loop: bool = False
    loops: int = 1


class Playback:
    """Feeds one ring from a queue of blocks and reports completions.

    Parameters
    ----------
    ring
        The ring the callback reads from (frames are its elements).
    on_done
        Called with each block's token once its last frame was consumed, in order.  It runs
        under no lock of this object; drivers post a notification from it.
    lead
        How many frames to keep written ahead of the callback.
    tail
        Returns what a stateful converter still holds (a resampler's delay line) and
        resets it; called when nothing is queued and the ring is about to run dry, and
        played as the end of the last block.
    """

    def __init__(self, ring: Ring, on_done: Callable[[Any], None], lead: int,
                 tail: Callable[[], np.ndarray] | None = None) -> None:
        self.ring = ring
        self.on_done = on_done
        self.lead = lead
        self.tail = tail
        self.gain = np.float32(1.0)  # scalar or per-channel array, applied as frames are written
        self._lock = threading.Lock()
        self._queue: deque[Block] = deque()  # blocks not completely written yet
        self._index = 0  # next block of _queue to write
        self._offset = 0  # frames of that block already written
        # While a loop is being written its blocks stay queued from index 0 (its BEGINLOOP
        # block: blocks before it completed their single pass) to _index.
        self._looping = False
        self._loops_left = 0
        self._break = False
        self._written = 0  # frames ever written to the ring
        self._base = 0  # _written at the last reset: position 0
        self._pending: deque[tuple[Any, int]] = deque()  # (token, end frame) written, not done

    # -- application side ----------------------------------------------------------------------

    def queue(self, block: Block) -> None:
        """Append a block and write what fits now."""
        with self._lock:
            self._queue.append(block)
        self.service()

    def break_loop(self) -> None:
        """Let the loop being written end after its current pass."""
        with self._lock:
            self._break = True

    def reset(self) -> list[Any]:
        """Drop everything queued or in the ring; returns every unfinished token, in order.

        The caller must have stopped the callback from reading this ring first.
        """
        with self._lock:
            self.ring.flush()
            tokens = [token for token, _end in self._pending]
            tokens += [block.token for block in self._queue]
            self._queue.clear()
            self._pending.clear()
            self._index = self._offset = 0
            self._looping, self._loops_left, self._break = False, 0, False
            self._base = self._written
        return tokens

    # -- accounting ----------------------------------------------------------------------------

    @property
    def played(self) -> int:
        """Frames consumed by the callback since the last reset."""
        return self._written - self.ring.read_available - self._base

    @property
    def busy(self) -> bool:
        """Whether any block is still queued, written or playing."""
        return bool(self._queue or self._pending)

    def service(self) -> None:
        """Complete finished blocks and top the ring up; called often by the feeder."""
        with self._lock:
            consumed = self._written - self.ring.read_available
            self._fill(consumed)
            done = []
            while self._pending and self._pending[0][1] <= consumed:
                done.append(self._pending.popleft()[0])
        for token in done:
            self.on_done(token)

    def _fill(self, consumed: int) -> None:
        room = min(self.ring.write_available, self.lead - (self._written - consumed))
        while self._index < len(self._queue):
            block = self._queue[self._index]
            if self._offset == len(block.frames):
                if room <= 0 and self._looping and block.end_loop:
                    break  # decide on another pass only when it is due: a break may come
                self._advance(block)
                continue
            if room <= 0:
                break
            if block.begin_loop and self._offset == 0 and not self._looping:
                self._looping, self._loops_left = True, max(block.loops, 1)
            chunk = block.frames[self._offset:self._offset + room]
            written = self._write(chunk)
            self._offset += written
            room = 0 if written < len(chunk) else room - written
        idle = self._index >= len(self._queue) and not self._looping
        if idle and self.tail and self._pending and self._written - consumed < self.lead // 2:
            extra = self.tail()
            if len(extra):
                # The tail belongs to the last block: it completes when the tail has played.
                token, end = self._pending.pop()
                self._pending.append((token, end + self._write(extra)))

    def _write(self, frames: np.ndarray) -> int:
        written = self.ring.write(np.ascontiguousarray(frames * self.gain, dtype=np.float32))
        self._written += written
        return written

    def _advance(self, block: Block) -> None:
        """The block at ``_index`` is fully written: move on, looping or completing."""
        self._offset = 0
        if not self._looping:
            self._pending.append((block.token, self._written))
            self._queue.popleft()
            return
        if not block.end_loop:
            self._index += 1
            return
        self._loops_left -= 1
        if self._loops_left > 0 and not self._break:
            self._index = 0
            return
        # Last pass of the loop: its blocks complete together when its last frame plays.
        for _ in range(self._index + 1):
            self._pending.append((self._queue.popleft().token, self._written))
        self._index = 0
        self._looping, self._loops_left, self._break = False, 0, False
