"""The timed completion checks of one stream's playbacks (no audio server: a fake stream
gives the times)."""

from __future__ import annotations

import threading
import time

from audiodrv.ddk.wave import _Checks


class _Stream:
    """What the checks ask of a stream: when frames will have been read, and its cycle."""

    period, samplerate = 256, 48000

    def __init__(self) -> None:
        self.start = time.monotonic()

    def after_cycles(self, frames: int) -> float:
        return self.start + frames / self.samplerate

    def service_client(self, playback: object) -> None:
        pass


class _Playback:
    def __init__(self) -> None:
        self.checked: list[float] = []
        self.done = threading.Event()

    def check(self) -> None:
        self.checked.append(time.monotonic())
        self.done.set()


def test_a_playback_is_checked_at_its_own_time_not_at_an_earlier_ones():
    """Opens of one device end their headers in different cycles: checking all of them at
    each one's time is wasted work, 16 times over with 16 opens."""
    stream = _Stream()
    checks = _Checks(stream)
    first, second = _Playback(), _Playback()
    checks.arrange(first, 2400)  # 50 ms
    checks.arrange(second, 9600)  # 200 ms
    assert first.done.wait(5) and second.done.wait(5)
    assert len(first.checked) == 1 and len(second.checked) == 1
    assert first.checked[0] - stream.start >= 0.05
    assert second.checked[0] - stream.start >= 0.2 - 256 / 48000 / 2  # its cycle, or later
