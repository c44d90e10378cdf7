"""Synthesizer tests on a real JACK server: fluidsyn.drv beside sndpa.drv, and a loopback."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The wave tests' helpers (recordings through the loopback, spectra) serve here too.
_WAVE_TESTS = str(Path(__file__).resolve().parent.parent / "wave")
if _WAVE_TESTS not in sys.path:
    sys.path.insert(0, _WAVE_TESTS)

from wavekit import Notes, Recording, WaveEnv, wave_format  # noqa: E402

from audiodrv import winmm  # noqa: E402
from audiodrv.core.system import reset_system  # noqa: E402
from audiodrv.engine import portaudio  # noqa: E402
from audiodrv.mmsystem import (  # noqa: E402
    CALLBACK_FUNCTION,
    MMSYSERR_NOERROR,
    MMTIME,
    TIME_SAMPLES,
)

#: The float format recordings use here: a release tail is far below 16-bit resolution.
FLOAT = wave_format(bits=32, is_float=True)


class MidiOut:
    """A midiOut handle on the synthesizer (through winmm), closed at teardown."""

    def __init__(self, device_id: int = 0) -> None:
        self.notes = Notes()
        handle = ctypes.c_void_p()
        self.result = winmm.midiOutOpen(ctypes.byref(handle), device_id, self.notes, 0,
                                        CALLBACK_FUNCTION)
        self.handle = handle.value

    def send(self, status: int, data1: int = 0, data2: int = 0) -> None:
        assert winmm.midiOutShortMsg(self.handle, status | data1 << 8 | data2 << 16) == 0

    def note_on(self, key: int, velocity: int = 100, channel: int = 0) -> None:
        self.send(0x90 | channel, key, velocity)

    def note_off(self, key: int, channel: int = 0) -> None:
        self.send(0x80 | channel, key, 0)

    def program(self, program: int, channel: int = 0) -> None:
        self.send(0xC0 | channel, program)

    def set_volume(self, volume: int) -> None:
        assert winmm.midiOutSetVolume(self.handle, volume) == MMSYSERR_NOERROR

    def stats(self, message: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        assert winmm.midiOutMessage(self.handle, message, out, 0) == MMSYSERR_NOERROR
        return out

    def close(self) -> None:
        if self.handle is not None and self.result == MMSYSERR_NOERROR:
            winmm.midiOutReset(self.handle)
            winmm.midiOutClose(self.handle)
        self.handle = None


class SynthEnv(WaveEnv):
    """The wave environment plus MIDI handles and float recordings with positions."""

    def __init__(self, system: Any, jack: Any) -> None:
        super().__init__(system, jack)
        self.midi: list[MidiOut] = []

    def open_midi(self, device_id: int = 0) -> MidiOut:
        out = MidiOut(device_id)
        self.midi.append(out)
        assert out.result == MMSYSERR_NOERROR
        return out

    def record_float(self, seconds: float) -> Recording:
        """Record through the loopback in float32.  Open the synthesizer (or a waveOut)
        first: the loopback pairs the ports that exist when it is wired."""
        recording = Recording(self.open_in(FLOAT), seconds)
        self.loopback()
        return recording.start()

    def position(self, recording: Recording) -> int:
        """Frames the recording has captured so far (its timeline's "now")."""
        mmt = MMTIME(wType=TIME_SAMPLES)
        assert winmm.waveInGetPosition(recording.dev.handle, ctypes.byref(mmt),
                                       ctypes.sizeof(mmt)) == MMSYSERR_NOERROR
        assert mmt.wType == TIME_SAMPLES
        return int(mmt.u.sample)


@pytest.fixture
def synth(jack_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SynthEnv]:
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text("[drivers]\nwave=sndpa.drv\nmidi=fluidsyn.drv\n")
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", str(ini))
    system = reset_system(ini)
    assert system is not None
    env = SynthEnv(system, jack_server)
    yield env
    for out in env.midi:
        out.close()
    for dev in env.devices:
        dev.close()
    reset_system()
    # PortAudio cannot let go of a JACK server that stopped first: close it down now.
    portaudio.terminate()
