"""Which host devices the wave mapper stands for (no audio server needed: PortAudio's
device list is replaced by one with separate playback and recording devices)."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiodrv import winmm
from audiodrv.core.system import reset_system
from audiodrv.engine import portaudio
from audiodrv.mmsystem import (
    MMSYSERR_NOERROR,
    WAVE_MAPPER,
    WAVEINCAPSW,
    WAVEOUTCAPSW,
)

SPEAKERS = portaudio.HostDevice(0, "Speakers", "ALSA", 0, 2, 48000.0)
HEADSET = portaudio.HostDevice(1, "Headset", "ALSA", 1, 6, 48000.0)
MICROPHONE = portaudio.HostDevice(2, "Microphone", "ALSA", 4, 0, 44100.0)


@pytest.fixture
def ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text("[drivers]\nWaveMapper=wavemap.drv\n")
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", str(ini))
    monkeypatch.setattr(portaudio, "reinitialize", lambda: None)
    monkeypatch.setattr(portaudio, "host_devices", lambda: [SPEAKERS, HEADSET, MICROPHONE])
    yield ini
    reset_system()


def mapper_channels(ini: Path) -> tuple[int, int]:
    """(output, input) channels of WAVE_MAPPER's caps, after a fresh load."""
    assert reset_system(ini) is not None
    out_caps, in_caps = WAVEOUTCAPSW(), WAVEINCAPSW()
    assert winmm.waveOutGetNumDevs() == winmm.waveInGetNumDevs() == 0  # the mapper only
    assert winmm.waveOutGetDevCapsW(WAVE_MAPPER, ctypes.byref(out_caps),
                                    ctypes.sizeof(out_caps)) == MMSYSERR_NOERROR
    assert winmm.waveInGetDevCapsW(WAVE_MAPPER, ctypes.byref(in_caps),
                                   ctypes.sizeof(in_caps)) == MMSYSERR_NOERROR
    return out_caps.wChannels, in_caps.wChannels


@pytest.mark.parametrize(("defaults", "expected"), [
    ((2, 0), (2, 4)),  # microphone in, speakers out: two devices
    ((1, 1), (6, 1)),  # one duplex device both ways
    ((2, 1), (6, 4)),  # the headset plays, the microphone records
])
def test_the_mapper_records_from_the_default_input(ini, monkeypatch, defaults, expected):
    """The mapper's waveIn is PortAudio's default input, not the default output's inputs
    (which a speaker does not have)."""
    monkeypatch.setattr(portaudio.sd.default, "device", list(defaults))
    assert mapper_channels(ini) == expected
