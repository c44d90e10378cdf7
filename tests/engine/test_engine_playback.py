"""Frame accounting of the playback queue, with a fake ring drained by the test."""

from __future__ import annotations

import numpy as np
import pytest
from racekit import race_inside_on_done

from audiodrv.engine.convert import Resampler
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

    def unwrite(self, count: int, keep: int) -> bool:
        if self.read_available - count < keep:
            return False
        frames = np.concatenate(self.data) if self.data else np.zeros((0, self.channels))
        self.data = [frames[:len(frames) - count]]
        return True

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
    pb.reset()
    assert done == ["a", "b", "c"]
    done.clear()
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
    assert ring.played().tolist() == list(range(50))
    assert done == ["a", "b"]


# -- completions are posted in queue order, under the lock (two threads service at once) -----


def test_a_second_thread_cannot_complete_a_later_block_first():
    ring, done = FakeRing(64), []
    pb = Playback(ring, done.append, lead=64)
    pb.queue(Block("a", ramp(0, 4)))
    pb.queue(Block("b", ramp(4, 4)))

    def second_thread() -> None:
        ring.consume(4)  # "b" has played by the time the other thread services
        pb.service()

    overtook, finished = race_inside_on_done(pb, "a", second_thread)
    ring.consume(4)
    pb.service()
    assert finished.wait(5)
    assert not overtook.is_set() and done == ["a", "b"]


def test_busy_stays_true_until_the_last_completion_was_posted():
    """Close checks ``busy``: it must not see an empty queue while WOM_DONE is unposted."""
    ring, done = FakeRing(64), []
    pb = Playback(ring, done.append, lead=64)
    pb.queue(Block("a", ramp(0, 4)))
    seen: list[tuple[bool, list[str]]] = []
    overtook, finished = race_inside_on_done(
        pb, "a", lambda: seen.append((pb.busy, list(done))))
    ring.consume(4)
    pb.service()
    assert finished.wait(5)
    assert seen == [(False, ["a"])] and not overtook.is_set()


# -- waveOutBreakLoop (B71) ------------------------------------------------------------------


def test_a_break_with_no_loop_playing_is_forgotten():
    ring, done = FakeRing(1024), []
    pb = Playback(ring, done.append, lead=8)
    pb.queue(Block("pre", ramp(100, 20)))
    pb.break_loop()  # nothing loops yet
    pb.queue(Block("loop", ramp(0, 4), begin_loop=True, end_loop=True, loops=3))
    run(pb, ring, 4, 2)  # the loop is written ahead, not yet heard
    pb.break_loop()
    run(pb, ring, 4, 10)
    assert ring.played().tolist() == list(range(100, 120)) + list(range(4)) * 3
    assert done == ["pre", "loop"]


def test_a_break_withdraws_the_passes_written_ahead_of_the_current_one():
    """A 5-frame loop with 64 frames of lead has a dozen passes in the ring; a break during
    the third plays it out and goes on with what follows the loop."""
    ring, done = FakeRing(1024), []
    pb = Playback(ring, done.append, lead=64)
    pb.queue(Block("loop", ramp(0, 5), begin_loop=True, end_loop=True, loops=100))
    pb.queue(Block("after", ramp(50, 3)))
    run(pb, ring, 4, 3)  # 12 frames: inside the third pass
    assert ring.read_available > 40
    pb.break_loop()
    assert pb.played == 12
    run(pb, ring, 4, 10)
    assert ring.played().tolist() == list(range(5)) * 3 + [50, 51, 52]
    assert done == ["loop", "after"] and pb.played == 18


def test_a_break_rewrites_blocks_written_after_a_loop():
    ring, done = FakeRing(1024), []
    pb = Playback(ring, done.append, lead=64)
    pb.queue(Block("l1", ramp(0, 3), begin_loop=True, loops=3))
    pb.queue(Block("l2", ramp(3, 3), end_loop=True))
    pb.queue(Block("after", ramp(50, 4)))
    assert ring.read_available == 3 * 6 + 4  # all three passes and "after" are written
    run(pb, ring, 2, 1)
    pb.break_loop()
    run(pb, ring, 2, 10)
    assert ring.played().tolist() == list(range(6)) + [50, 51, 52, 53]
    assert done == ["l1", "l2", "after"] and pb.played == 10


@pytest.mark.parametrize("second_loops", [2, 100])  # written out, or still being written
def test_a_break_reaches_an_earlier_loop_still_playing(second_loops):
    """Two loops in the ring at once: a break during the first ends the first, and the
    second (written after it) starts over from its beginning."""
    ring, done = FakeRing(4096), []
    pb = Playback(ring, done.append, lead=64)
    pb.queue(Block("one", ramp(0, 5), begin_loop=True, end_loop=True, loops=3))
    pb.queue(Block("two", ramp(10, 5), begin_loop=True, end_loop=True, loops=second_loops))
    pb.queue(Block("after", ramp(50, 2)))
    run(pb, ring, 2, 1)  # inside the first pass of "one"
    pb.break_loop()
    run(pb, ring, 4, 4)  # the rest of that pass and three passes of "two"
    pb.break_loop()  # ends "two" after the pass being played
    run(pb, ring, 4, 10)
    passes_of_two = min(3, second_loops)  # at frame 18 "two" plays its third pass
    expected = list(range(5)) + list(range(10, 15)) * passes_of_two + [50, 51]
    assert ring.played().tolist() == expected
    assert done == ["one", "two", "after"]


def test_a_break_too_close_to_the_reader_takes_effect_a_pass_later():
    """``guard`` frames ahead of the reader may be in the callback's hands already."""
    ring, done = FakeRing(1024), []
    pb = Playback(ring, done.append, lead=64, guard=4)
    pb.queue(Block("loop", ramp(0, 5), begin_loop=True, end_loop=True, loops=100))
    run(pb, ring, 3, 1)  # 2 frames of this pass left: within the guard
    pb.break_loop()
    run(pb, ring, 4, 5)
    assert ring.played().tolist() == list(range(5)) * 2
    assert done == ["loop"]


# -- through a resampler ----------------------------------------------------------------------


def resampled(frames: np.ndarray) -> np.ndarray:
    """A run resampled from 22050 to 48000 Hz on its own, tail included."""
    resampler = Resampler(22050, 48000, 1)
    return np.concatenate([resampler.process(frames), resampler.flush()]).reshape(-1)


def tone(n: int, freq: float = 441.0) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(n) / 22050).astype(np.float32).reshape(-1, 1)


def mapper(lead: int = 4096) -> tuple[FakeRing, list[str], Playback]:
    ring, done = FakeRing(1 << 16), []
    return ring, done, Playback(ring, done.append, lead, Resampler(22050, 48000, 1))


def test_resampled_loop_passes_are_the_body_alone_each_time():
    ring, done, pb = mapper()
    body = tone(1000, 882.0)
    pb.queue(Block("pre", tone(3000)))
    pb.queue(Block("loop", body, begin_loop=True, end_loop=True, loops=3))
    pb.queue(Block("post", tone(500)))
    run(pb, ring, 256, 200)
    got = ring.played()
    pre, one = len(resampled(tone(3000))), resampled(body)
    assert len(got) == pre + 3 * len(one) + len(resampled(tone(500)))
    for k in range(3):
        assert np.array_equal(got[pre + k * len(one):pre + (k + 1) * len(one)], one)
    assert done == ["pre", "loop", "post"] and pb.played == 3000 + 3 * 1000 + 500


def test_a_resampled_block_completes_after_its_last_frame_and_position_is_exact():
    ring, done, pb = mapper()
    for i in range(7):
        pb.queue(Block(i, tone(1000)))
    total = Resampler(22050, 48000, 1).out_for(7000)
    heard = 0
    while heard < total:
        ring.consume(100)
        heard += 100
        pb.service()
        # A block is done only when the resampled end of its frames has been consumed.
        assert len(done) == sum(Resampler(22050, 48000, 1).out_for(1000 * (i + 1)) <= heard
                                for i in range(7))
    assert pb.played == 7000


def test_a_reset_restarts_the_resampler():
    ring, done, pb = mapper(lead=1 << 15)
    pb.queue(Block("loud", np.ones((4000, 1), dtype=np.float32)))
    ring.consume(1000)
    pb.service()
    pb.reset()
    pb.queue(Block("quiet", np.zeros((2000, 1), dtype=np.float32)))
    run(pb, ring, 512, 20)
    after = ring.played()[1000:]
    assert len(after) == Resampler(22050, 48000, 1).out_for(2000)
    assert np.abs(after).max() == 0.0  # nothing of "loud" came back
    assert done == ["loud", "quiet"] and pb.played == 2000


def test_a_break_through_the_resampler_ends_on_a_pass_boundary():
    ring, done, pb = mapper(lead=1 << 14)
    body = tone(600, 882.0)
    pb.queue(Block("loop", body, begin_loop=True, end_loop=True, loops=50))
    pb.queue(Block("post", tone(300)))
    one = resampled(body)
    ring.consume(len(one) + 100)  # into the second pass
    pb.service()
    pb.break_loop()
    run(pb, ring, 256, 100)
    got = ring.played()
    assert np.array_equal(got[:2 * len(one)], np.concatenate([one, one]))
    assert np.array_equal(got[2 * len(one):], resampled(tone(300)))
    assert done == ["loop", "post"] and pb.played == 2 * 600 + 300


def test_watch_is_asked_for_each_next_block_end_and_check_completes_it():
    ring = FakeRing(4096)
    asked: list[int] = []
    done: list[str] = []
    allow = [True]

    def watch(frames: int) -> bool:
        asked.append(frames)
        return allow[0]

    pb = Playback(ring, done.append, 1024, watch=watch)
    pb.queue(Block("a", ramp(0, 100)))
    pb.queue(Block("b", ramp(100, 100)))
    assert asked == [100]  # one check, for the first end; the second waits its turn
    ring.consume(60)
    pb.check()  # early: nothing done, asked again for what is left
    assert (done, asked) == ([], [100, 40])
    ring.consume(40)
    pb.check()
    assert (done, asked) == (["a"], [100, 40, 100])
    allow[0] = False  # paused: nothing is arranged, and the next service asks again
    pb.check()
    pb.service()
    assert asked == [100, 40, 100, 100, 100]
    allow[0] = True
    ring.consume(100)
    pb.check()
    assert done == ["a", "b"] and len(asked) == 5  # nothing left to watch


def test_a_break_asks_for_a_check_at_the_earlier_end():
    ring, done, asked = FakeRing(4096), [], []
    pb = Playback(ring, done.append, 4096, guard=16, watch=lambda n: asked.append(n) or True)
    pb.queue(Block("a", ramp(0, 480), begin_loop=True, end_loop=True, loops=5))
    assert asked == [2400]  # the end of the fifth pass
    ring.consume(100)
    pb.break_loop()
    pb.service()  # what the driver does after a break
    assert asked[-1] == 380 and done == []  # the end of the pass being played


def test_a_check_that_never_came_does_not_stop_later_ones():
    ring, done, asked = FakeRing(4096), [], []
    pb = Playback(ring, done.append, 4096, watch=lambda n: asked.append(n) or True)
    pb.queue(Block("a", ramp(0, 100)))
    ring.consume(100)
    pb.service()  # the feeder completes it; the check arranged for it is lost
    pb.queue(Block("b", ramp(100, 100)))
    assert done == ["a"] and asked == [100, 100]
