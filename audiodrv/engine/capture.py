"""Frame accounting for one recording open: ring in, application buffers out, in order.

The real-time callback writes device frames into a ring; :class:`Capture` drains it,
converts the frames to the application's format and fills the queued buffers in order.
A buffer is complete when less than one frame of space is left (spec B88); stop returns a
partly filled head buffer, reset returns every buffer.  Frames arriving while no buffer is
queued are dropped, as in Windows, and counted.  Buffers are completed (``on_done``) under
the lock that orders them, so the feeder and an application thread stopping or resetting
at the same moment cannot swap two completions; ``on_done`` must only post a notification.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["Capture", "InBuffer"]


class ReadRing(Protocol):
    @property
    def read_available(self) -> int: ...

    def read(self, size: int = -1) -> Any: ...

    def flush(self) -> None: ...


@dataclass(eq=False)
class InBuffer:
    token: Any
    view: memoryview  # the application's memory
    filled: int = 0  # bytes


class Capture:
    """Distributes recorded frames over queued buffers.

    Parameters
    ----------
    ring
        The ring the callback writes device frames into.
    convert
        Device frames (float32, (n, channels)) to the application's bytes; may be stateful
        (a resampler), so it is called with every frame exactly once, in order.
    frame_bytes
        The application's block alignment: buffers hold whole frames only.
    on_done
        ``on_done(token, bytes_recorded)`` for each completed buffer, in order, under this
        object's lock.
    restart
        Forgets the converter's state (a resampler's history) on reset; None if stateless.
    """

    def __init__(
        self,
        ring: ReadRing,
        channels: int,
        convert: Callable[[np.ndarray], bytes],
        frame_bytes: int,
        on_done: Callable[[Any, int], None],
        restart: Callable[[], None] | None = None,
    ) -> None:
        self.ring, self.channels, self.convert = ring, channels, convert
        self.frame_bytes, self.on_done, self.restart = frame_bytes, on_done, restart
        self._lock = threading.Lock()
        self._buffers: deque[InBuffer] = deque()
        self._carry = b""  # converted bytes not yet placed (less than a frame, or no buffer)
        self.recorded = 0  # bytes placed in buffers since the last reset
        self.mix: Any = None  # a gain stage (its ``gain``) applied as frames are drained
        self.dropped = 0  # bytes that arrived with no buffer queued

    def add(self, token: Any, view: memoryview) -> None:
        with self._lock:
            self._buffers.append(InBuffer(token, view))

    def service(self) -> None:
        """Move everything the callback recorded into buffers; complete full ones."""
        with self._lock:
            self._complete(self._drain())

    def _complete(self, done: list[tuple[Any, int]]) -> None:
        for token, size in done:
            self.on_done(token, size)

    def _drain(self) -> list[tuple[Any, int]]:
        available = self.ring.read_available
        if available:
            frames = np.frombuffer(self.ring.read(available), dtype=np.float32)
            gain = 1.0 if self.mix is None else self.mix.gain
            if gain != 1.0:
                frames = frames * np.float32(gain)
            self._carry += self.convert(frames.reshape(-1, self.channels))
        done = []
        while True:
            # A buffer with less than a frame of space left is complete (B88).
            while self._buffers and self._space(self._buffers[0]) < self.frame_bytes:
                buf = self._buffers.popleft()
                done.append((buf.token, buf.filled))
            if not self._carry:
                break
            if not self._buffers:
                # COMPAT: with no buffer queued Windows drops the data.
                whole = len(self._carry) - len(self._carry) % self.frame_bytes
                self.dropped += whole
                self._carry = self._carry[whole:]
                break
            buf = self._buffers[0]
            take = min(self._space(buf), len(self._carry))
            take -= take % self.frame_bytes
            if take == 0:
                break  # less than a frame converted so far
            buf.view[buf.filled:buf.filled + take] = self._carry[:take]
            buf.filled += take
            self.recorded += take
            self._carry = self._carry[take:]
        return done

    @staticmethod
    def _space(buf: InBuffer) -> int:
        return len(buf.view) - buf.filled

    def stop(self) -> None:
        """Return the head buffer if it holds data (B89); empty buffers stay queued."""
        with self._lock:
            done = self._drain()
            if self._buffers and self._buffers[0].filled:
                buf = self._buffers.popleft()
                done.append((buf.token, buf.filled))
            self._complete(done)

    def reset(self) -> None:
        """Return every buffer with what it holds; position to 0 (B90)."""
        with self._lock:
            done = self._drain()
            done += [(buf.token, buf.filled) for buf in self._buffers]
            self._buffers.clear()
            self._carry = b""
            self.ring.flush()
            if self.restart is not None:
                self.restart()
            self.recorded = 0
            self._complete(done)

    def position(self, ring_bytes: Callable[[int], int]) -> int:
        """Bytes captured: in buffers, plus what waits in the ring or the carry for them,
        as far as the queued buffers can take it.  ``ring_bytes`` converts device frames in
        the ring to application bytes.  Consistent: the feeder cannot move frames meanwhile.
        """
        with self._lock:
            pending = ring_bytes(self.ring.read_available) + len(self._carry)
            free = sum(self._space(b) // self.frame_bytes * self.frame_bytes
                       for b in self._buffers)
            return self.recorded + min(pending, free)

    @property
    def busy(self) -> bool:
        """Whether any buffer is still queued."""
        with self._lock:
            return bool(self._buffers)
