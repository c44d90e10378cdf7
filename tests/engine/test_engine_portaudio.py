"""The fresh PortAudio instances a rescan loads after a server death (no audio server
needed: loading the library is all this checks)."""

from __future__ import annotations

import threading
import time

import pytest

from audiodrv.engine import portaudio


def test_each_copy_is_a_library_instance_of_its_own():
    source = portaudio._library_file()
    assert source is not None and "portaudio" in source
    ffi = portaudio.sd._ffi

    def address(lib: object) -> int:
        return int(ffi.cast("uintptr_t", lib.Pa_Initialize))

    copies = [portaudio._load_copy(source) for _ in range(3)]
    addresses = {address(lib) for lib in copies} | {address(portaudio.sd._lib)}
    assert len(addresses) == 4  # mapped anew each time, apart from sounddevice's own
    assert all(lib.Pa_GetVersion() == portaudio.sd._lib.Pa_GetVersion() for lib in copies)


class _DeadEnd:
    """The PortAudio side of a fake stream; closing it would hang if it is dead."""

    def __init__(self, active: bool) -> None:
        self.active = active


def fake_stream(hostapi: str, active: bool) -> portaudio._Stream:
    stream = portaudio._Stream.__new__(portaudio.OutputStream)  # no PortAudio stream
    stream.device = portaudio.HostDevice(0, "dev", hostapi, 2, 2, 48000.0)
    stream.stream, stream.lost, stream.on_lost = _DeadEnd(active), False, []
    stream.close = lambda: pytest.fail("a dead stream was closed")  # type: ignore[method-assign]
    return stream


def test_a_dead_jack_stream_marks_every_jack_stream_lost():
    """All PortAudio JACK streams share one JACK client: one dead means all dead, even
    before PortAudio says so of the others (closing one of them would never return)."""
    jack = "JACK Audio Connection Kit"
    dead, sibling = fake_stream(jack, False), fake_stream(jack, True)
    alsa = fake_stream("ALSA", True)
    lost: list[str] = []
    sibling.on_lost.append(lambda: lost.append("sibling"))
    service = portaudio.StreamService()
    service._streams = {(0, "out"): dead, (0, "in"): sibling, (1, "out"): alsa}
    service._users = {key: 1 for key in service._streams}
    service.release(sibling)  # the application closes before the feeder looked
    assert dead.lost and sibling.lost and lost == ["sibling"]
    assert not alsa.lost


class _Client:
    """A stream client that asks to be serviced again after ``frames``."""

    def __init__(self, frames: int | None) -> None:
        self.frames = frames
        self.serviced = 0

    def service(self) -> int | None:
        self.serviced += 1
        return self.frames


def test_the_feeder_services_only_the_clients_that_are_due():
    """With 16 opens at their own phases, a pass over all of them whenever one is due
    would service each 16 times as often as it needs."""
    stream = portaudio._Stream.__new__(portaudio.OutputStream)  # no PortAudio stream
    stream.samplerate, stream.lost, stream.checks = 48000, False, None
    stream.lock, stream.paused, stream.due = threading.RLock(), set(), {}
    stream.service_client = lambda client: None  # type: ignore[method-assign]
    soon, later, capture = _Client(480), _Client(48000), _Client(None)
    stream.clients = {soon: None, later: None, capture: None}
    wait = stream.service(0.05, 0.001)
    assert (soon.serviced, later.serviced, capture.serviced) == (1, 1, 1)  # new: due at once
    assert wait == pytest.approx(0.01, abs=1e-3)  # soon's 480 frames
    wait = stream.service(0.05, 0.001)
    assert (soon.serviced, later.serviced, capture.serviced) == (1, 1, 1)
    assert 0 < wait <= 0.01 + 1e-6
    stream.due[soon] -= 0.01  # its time has come
    stream.service(0.05, 0.001)
    assert (soon.serviced, later.serviced, capture.serviced) == (2, 1, 1)


def test_a_client_due_before_the_feeder_wakes_wakes_it():
    service = portaudio.StreamService()
    service._wakes_at = time.monotonic() + 0.1  # asleep for 100 ms
    service.wake_by(time.monotonic() + 0.2)
    assert not service._wake.is_set()  # it looks again before that anyway
    service.wake_by(time.monotonic() + 0.01)
    assert service._wake.is_set()
    service._wake.clear()
    service._wakes_at = 0.0  # in a pass, which may have read the old due time
    service.wake_by(time.monotonic() + 0.2)
    assert service._wake.is_set()


def test_a_due_time_asked_during_a_service_is_not_lost():
    """The feeder services a new client (nothing queued: not due again) while the
    application writes and asks for a service in 10 ms: that request must stand.  A client
    detached during its service gets no due time back."""
    stream = portaudio._Stream.__new__(portaudio.OutputStream)  # no PortAudio stream
    stream.samplerate, stream.lost, stream.checks = 48000, False, None
    stream.lock, stream.paused, stream.due = threading.RLock(), set(), {}
    stream.service_client = lambda client: None  # type: ignore[method-assign]

    class Writing(_Client):
        def service(self) -> int | None:
            super().service()
            if self.serviced == 1:  # the application writes during the first service
                stream.feed_after(self, 480)
            if self.serviced == 3:  # and closes during the third
                del stream.clients[self]
                stream.due.pop(self, None)
            return None

    client = Writing(None)
    stream.clients = {client: None}
    assert stream.service(0.05, 0.001) <= 0.011  # it looks again in 10 ms, not never
    assert stream.due[client] - time.monotonic() <= 0.01
    stream.due[client] -= 0.01
    stream.service(0.05, 0.001)
    assert client.serviced == 2
    assert 0.04 < stream.due[client] - time.monotonic() <= 0.05  # not a playback: interval
    stream.due[client] = 0.0
    stream.service(0.05, 0.001)
    assert client.serviced == 3 and client not in stream.due
