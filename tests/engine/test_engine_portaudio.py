"""The fresh PortAudio instances a rescan loads after a server death (no audio server
needed: loading the library is all this checks)."""

from __future__ import annotations

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
