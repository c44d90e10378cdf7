"""The fresh PortAudio instances a rescan loads after a server death (no audio server
needed: loading the library is all this checks)."""

from __future__ import annotations

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
