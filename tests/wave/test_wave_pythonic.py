"""The Pythonic wave layer on a real JACK loopback: arrays in, arrays out, exceptions."""

from __future__ import annotations

import argparse
import wave as wavefile

import numpy as np
import pytest
from wavekit import RATE, active, peak_frequency, tone

import audiodrv
from audiodrv import WaveIn, WaveOut
from audiodrv.cli.tools import play_file
from audiodrv.wave import pack24

pytestmark = pytest.mark.jack


def test_devices_lists_the_jack_device_with_global_ids(wave):
    found = audiodrv.devices()
    assert [(d.kind, d.id, d.name, d.channels) for d in found] == [
        ("output", 0, "system", 2), ("input", 0, "system", 2)]


def test_write_and_read_arrays_through_the_loopback(wave):
    with WaveIn("system", dtype="float32", blocksize=2400) as wave_in, \
            WaveOut("sys", dtype="float32") as out:  # a unique substring names it too
        wave.loopback()
        wave_in.start()
        out.write(tone(1000, 0.5))
        assert out.wait(10)
        assert out.position == 24000
        got = wave_in.read(48000)[:, 0]
        wave_in.stop()
    signal = active(got)
    assert abs(len(signal) - 24000) < 100
    assert abs(peak_frequency(signal) - 1000) < 5


def test_loops_and_volume(wave):
    with WaveIn(dtype="float32") as wave_in, WaveOut(dtype="float32") as out:
        wave.loopback()
        wave_in.start()
        out.volume = (0.5, 0.25)
        assert out.volume == pytest.approx((0.5, 0.25), abs=1e-4)
        out.write(np.full((4800, 2), 0.8, dtype=np.float32), loops=3)
        assert out.wait(10)
        assert out.position == 14400
        got = wave_in.read(48000)
    left, right = active(got[:, 0], 0.1), active(got[:, 1], 0.1)
    assert len(left) == 14400 and np.allclose(left, 0.4, atol=1e-3)
    assert np.allclose(right, 0.2, atol=1e-3)


def test_play_and_record_helpers(wave):
    out = audiodrv.play(tone(440, 0.2).astype(np.float32), blocking=False)
    assert out is not None and out.pending == 1
    assert out.wait(10) and out.position == 9600
    out.close()
    assert audiodrv.play(np.zeros(4800, dtype=np.int16)) is None  # blocking: played
    recorded = audiodrv.record(4800, channels=1)  # the dummy server's capture: silence
    assert recorded.shape == (4800, 1) and recorded.dtype == np.float32


def test_errors_are_exceptions_of_the_builtin_kind(wave):
    with pytest.raises(LookupError, match="matches no output device"):
        WaveOut("no such device")
    with pytest.raises(audiodrv.BadDeviceIdError):
        WaveOut(7)
    with pytest.raises(audiodrv.BadFormatError) as err:
        WaveOut(0, channels=9)  # 1 to 8
    assert err.value.code == 32
    with pytest.raises(ValueError, match="dtype"):
        WaveOut(0, dtype="int8")
    with WaveOut(0) as out, pytest.raises(ValueError, match="channels"):
        out.write(np.zeros((10, 3), dtype=np.int16))


def test_24_bit_arrays_go_through_the_loopback_exactly(wave):
    """int24: 24-bit PCM in int32 arrays, packed to three bytes for the driver."""
    counter = (np.arange(4800, dtype=np.int32) * 1601 + 1) % (1 << 23)
    frames = np.stack([counter, -counter], axis=1)
    with WaveIn(dtype="int24", blocksize=2400) as wave_in, WaveOut(dtype="int24") as out:
        wave.loopback()
        wave_in.start()
        out.write(frames)
        assert out.wait(10) and out.position == 4800
        got = wave_in.read(RATE)
        wave_in.stop()
    assert got.dtype == np.int32
    start = np.nonzero(got[:, 0])[0][0]
    assert np.array_equal(got[start:start + 4800], frames)


def test_the_play_tool_plays_a_24_bit_file(wave, tmp_path, capsys):
    path = tmp_path / "tone24.wav"
    samples = np.round(tone(1000, 0.5, 1)[:, 0] * (1 << 23)).astype(np.int32)
    with wavefile.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(3)
        f.setframerate(RATE)
        f.writeframes(pack24(samples))
    # An open output keeps the device's stream (and its JACK ports) up for the wiring.
    with WaveIn(dtype="float32") as wave_in, WaveOut():
        wave.loopback()
        wave_in.start()
        assert play_file(argparse.Namespace(file=path, device=None)) == 0
        got = wave_in.read(RATE)[:, 0]
        wave_in.stop()
    signal = active(got)
    assert abs(len(signal) - RATE // 2) < 100 and abs(peak_frequency(signal) - 1000) < 5
    assert "24-bit" not in capsys.readouterr().err
