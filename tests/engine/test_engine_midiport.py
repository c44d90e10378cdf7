"""MidiInPort's arrival times from RtMidi's deltas, with a fake port and clock."""

from __future__ import annotations

import threading
from collections import deque

import pytest

from audiodrv.engine import midiport


class FakeRtMidiIn:
    """What MidiInPort.receive uses of an rtmidi.MidiIn: queued (message, delta) pairs."""

    def __init__(self) -> None:
        self.queued: deque[tuple[list[int], float]] = deque()

    def get_message(self) -> tuple[list[int], float] | None:
        return self.queued.popleft() if self.queued else None


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> tuple[midiport.MidiInPort, FakeRtMidiIn, list[int]]:
    clock = [1_000_000_000]
    monkeypatch.setattr(midiport.time, "monotonic_ns", lambda: clock[0])
    port = midiport.MidiInPort.__new__(midiport.MidiInPort)  # no RtMidi client
    fake = FakeRtMidiIn()
    port.handle, port._lock = fake, threading.Lock()
    port._last_ns = port._polled_ns = None
    return port, fake, clock


def test_a_batch_keeps_rtmidi_spacing_and_ends_at_the_poll(port):
    p, fake, clock = port
    fake.queued.extend([([0x90, 60, 1], 0.0), ([0x80, 60, 0], 0.002)])
    assert [t for _m, t in p.receive()] == [clock[0] - 2_000_000, clock[0]]


def test_gaps_rtmidi_left_out_do_not_make_stamps_early(port):
    """RtMidi's clock advances over messages it ignores (active sensing): its delta can
    understate the gap. The poll that found the queue empty bounds the arrival."""
    p, fake, clock = port
    fake.queued.append(([0x90, 60, 1], 0.0))
    first = p.receive()[0][1]
    clock[0] += 10_000_000_000  # 10 s later the queue is still empty
    assert p.receive() == []
    emptied = clock[0]
    clock[0] += 1_000_000
    fake.queued.append(([0x80, 60, 0], 0.1))  # RtMidi says 0.1 s after the first
    stamp = p.receive()[0][1]
    assert emptied <= stamp <= clock[0] and stamp > first + 9_000_000_000
