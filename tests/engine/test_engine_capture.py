"""Recorded frames into queued buffers, with a fake ring filled by the test."""

from __future__ import annotations

import numpy as np
from racekit import race_inside_on_done

from audiodrv.engine.capture import Capture
from audiodrv.engine.formats import SampleFormat, encode


class FakeRecordRing:
    def __init__(self) -> None:
        self.data = b""

    @property
    def read_available(self) -> int:
        return len(self.data) // 4

    def read(self, size: int = -1) -> bytes:
        out, self.data = self.data[: size * 4], self.data[size * 4:]
        return out

    def flush(self) -> None:
        self.data = b""

    def record(self, values) -> None:
        self.data += np.asarray(values, dtype=np.float32).tobytes()


FMT = SampleFormat(48000, 1, 2)


def make(done):
    ring = FakeRecordRing()
    cap = Capture(ring, 1, lambda f: encode(f, FMT), FMT.frame_bytes,
                  lambda t, n: done.append((t, n)))
    return ring, cap


def test_buffers_fill_in_order_with_nothing_lost_between_them():
    done, bufs = [], [bytearray(6), bytearray(7), bytearray(10)]
    ring, cap = make(done)
    for i, b in enumerate(bufs):
        cap.add(i, memoryview(b))
    values = np.arange(1, 9, dtype=np.float32) / 100
    ring.record(values)
    cap.service()
    # 6 bytes = 3 frames; 7 bytes holds 3 frames (the odd byte stays unused): done at once.
    assert done == [(0, 6), (1, 6)]
    got = np.frombuffer(bytes(bufs[0]) + bytes(bufs[1][:6]) + bytes(bufs[2][:4]), "<i2")
    assert np.allclose(got / 32768, values, atol=1 / 32768)
    assert cap.recorded == 16


def test_stop_returns_partial_head_buffer_and_keeps_empty_ones():
    done = []
    ring, cap = make(done)
    cap.add("a", memoryview(bytearray(100)))
    cap.add("b", memoryview(bytearray(100)))
    ring.record([0.5] * 5)
    cap.stop()
    assert done == [("a", 10)]
    assert cap.busy  # "b" stays queued, empty


def test_reset_returns_all_and_zeroes_position():
    done = []
    ring, cap = make(done)
    cap.add("a", memoryview(bytearray(100)))
    cap.add("b", memoryview(bytearray(100)))
    ring.record([0.1] * 3)
    cap.reset()
    assert done == [("a", 6), ("b", 0)]
    assert cap.recorded == 0 and not cap.busy


def test_frames_with_no_buffer_are_counted_as_dropped():
    done = []
    ring, cap = make(done)
    ring.record([0.1] * 4)
    cap.service()
    assert cap.dropped == 8 and done == []


def test_busy_stays_true_until_the_last_completion_was_posted():
    """Close checks ``busy``: it must not see an empty queue while WIM_DATA is unposted."""
    done = []
    ring, cap = make(done)
    cap.add("a", memoryview(bytearray(6)))
    ring.record([0.1] * 3)
    seen = []
    overtook, finished = race_inside_on_done(
        cap, "a", lambda: seen.append((cap.busy, list(done))))
    cap.service()
    assert finished.wait(5)
    assert seen == [(False, [("a", 6)])] and not overtook.is_set()


def test_stop_and_the_feeder_complete_buffers_in_order():
    done = []
    ring, cap = make(done)
    cap.add("a", memoryview(bytearray(6)))
    cap.add("b", memoryview(bytearray(6)))
    ring.record([0.1] * 4)  # fills "a", one frame into "b"

    overtook, finished = race_inside_on_done(cap, "a", cap.stop)
    cap.service()
    assert finished.wait(5)
    assert [t for t, _n in done] == ["a", "b"] and not overtook.is_set()
