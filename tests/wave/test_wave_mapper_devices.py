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
    DRVM_MAPPER_PREFERRED_GET,
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


@pytest.mark.parametrize(("defaults", "expected"), [
    ((2, 1), (1, 1)),  # headset out (2nd output), microphone in (2nd input)
    ((1, 1), (1, 0)),  # the headset both ways
    ((1, 0), (0, 0)),  # speakers out, headset in
])
def test_the_preferred_device_is_the_one_the_mapper_uses(ini, monkeypatch, defaults,
                                                         expected):
    """B26, B81: DRVM_MAPPER_PREFERRED_GET names the device (sndpa.drv's id) the mapper
    plays on and records from; status 0."""
    ini.write_text("[drivers]\nwave=sndpa.drv\nWaveMapper=wavemap.drv\n")
    monkeypatch.setattr(portaudio.sd.default, "device", list(defaults))
    assert reset_system(ini) is not None
    got = []
    for message in (winmm.waveOutMessage, winmm.waveInMessage):
        preferred, status = ctypes.c_uint32(0x5A5A), ctypes.c_uint32(0x5A5A)
        assert message(WAVE_MAPPER, DRVM_MAPPER_PREFERRED_GET, ctypes.byref(preferred),
                       ctypes.byref(status)) == MMSYSERR_NOERROR
        assert status.value == 0
        got.append(preferred.value)
    assert tuple(got) == expected
