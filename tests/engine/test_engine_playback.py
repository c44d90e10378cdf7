"""Frame accounting of the playback queue, with a fake ring drained by the test."""

from __future__ import annotations

import numpy as np
import pytest

from audiodrv.engine.playback import Block, Playback


class FakeRing:
    """A ring of float32 frames; ``consume`` plays the role of the audio callback."""

    def __init__(self, size: int, channels: int = 1) -> None:
        self.size, self.channels = size, channels
        self.data: list[np.ndarray] = []
        self.out: list[np.ndarray] = []

    @property
    def read_available(self) -> int:
        return sum(len(d) for d in self.data)

    @property
    def write_available(self) -> int:
        return self.size - self.read_available

    def write(self, data, size=-1) -> int:
        n = min(len(data), self.write_available)
        self.data.append(np.array(data[:n]))
        return n

    def flush(self) -> None:
        self.data.clear()

    def consume(self, n: int) -> None:
        frames = np.concatenate(self.data) if self.data else np.zeros((0, self.channels))
        self.out.append(frames[:n])
        self.data = [frames[n:]]

    def played(self) -> np.ndarray:
        return np.concatenate(self.out).reshape(-1)


def ramp(start: int, n: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.float32).reshape(-1, 1)


def run(pb: Playback, ring: FakeRing, period: int, cycles: int) -> None:
    for _ in range(cycles):
        ring.consume(period)
        pb.service()


def test_blocks_complete_in_order_when_their_last_frame_is_consumed():
    ring, done = FakeRing(64), []
    pb = Playback(ring, done.append, lead=32)
    pb.queue(Block("a", ramp(0, 10)))
    pb.queue(Block("b", ramp(10, 30)))
    assert ring.read_available == 32  # the lead, not the ring size
    ring.consume(10)
    pb.service()
    assert done == ["a"] and pb.played == 10
    ring.consume(29)
    pb.service()
    assert done == ["a"]  # one frame of b still unplayed
    ring.consume(1)
    pb.service()
    assert done == ["a", "b"] and pb.played == 40
    assert np.array_equal(ring.played(), np.arange(40))


def test_loop_plays_the_exact_number_of_passes_and_completes_after_the_last():
    ring, done = FakeRing(1024), []
    pb = Playback(ring, done.append, lead=16)
    pb.queue(Block("pre", ramp(100, 3)))
    pb.queue(Block("l1", ramp(0, 5), begin_loop=True, loops=3))
    pb.queue(Block("l2", ramp(5, 4), end_loop=True))
    pb.queue(Block("post", ramp(200, 2)))
    run(pb, ring, 4, 20)
    expected = [100, 101, 102] + list(range(9)) * 3 + [200, 201]
    assert ring.played().tolist() == expected
    assert done == ["pre", "l1", "l2", "post"]


def test_break_loop_ends_after_the_current_pass():
    ring, done = FakeRing(1024), []
    pb = Playback(ring, done.append, lead=4)
    pb.queue(Block("loop", ramp(0, 8), begin_loop=True, end_loop=True, loops=100))
    pb.queue(Block("after", ramp(50, 2)))
    run(pb, ring, 4, 3)  # 12 frames: into the second pass
    pb.break_loop()
    run(pb, ring, 4, 10)
    # The pass being played when the break came (the second) completes, then "after".
    assert ring.played().tolist() == list(range(8)) * 2 + [50, 51]
    assert done == ["loop", "after"]


def test_reset_returns_everything_in_order_and_zeroes_the_position():
    ring, done = FakeRing(64), []
    pb = Playback(ring, done.append, lead=20)
    for name in "abc":
        pb.queue(Block(name, ramp(0, 10)))
    ring.consume(5)
    pb.service()
    assert pb.reset() == ["a", "b", "c"]
    assert pb.played == 0 and ring.read_available == 0 and not pb.busy
    pb.queue(Block("d", ramp(0, 3)))
    run(pb, ring, 3, 1)
    assert done == ["d"] and pb.played == 3


def test_gain_is_applied_as_frames_are_written():
    ring = FakeRing(64, channels=2)
    pb = Playback(ring, lambda t: None, lead=64)
    pb.gain = np.array([0.5, 0.25], dtype=np.float32)
    pb.queue(Block("x", np.ones((4, 2), dtype=np.float32)))
    ring.consume(4)
    assert ring.played().reshape(-1, 2).tolist() == [[0.5, 0.25]] * 4


@pytest.mark.parametrize("ring_size", [3, 7, 64])
def test_a_small_ring_still_delivers_every_frame_once(ring_size):
    ring, done = FakeRing(ring_size), []
    pb = Playback(ring, done.append, lead=ring_size)
    pb.queue(Block("a", ramp(0, 25)))
    pb.queue(Block("b", ramp(25, 25)))
    run(pb, ring, 2, 40)
    assert ring.played()[:50].tolist() == list(range(50))
    assert done == ["a", "b"]
