"""PlaySound and sndPlaySound on the real stack: WAV files and memory images through the
wave mapper, synchronous, asynchronous and looped, heard through the loopback."""

from __future__ import annotations

import io
import threading
import time
import wave as wavefile
from pathlib import Path

import numpy as np
from wavekit import RATE, active, peak_frequency, wave_format

from audiodrv import winmm
from audiodrv.mmsystem import (
    MMSYSERR_NOERROR,
    SND_ALIAS,
    SND_ASYNC,
    SND_FILENAME,
    SND_LOOP,
    SND_MEMORY,
    SND_NODEFAULT,
    SND_NOSTOP,
    SND_RESOURCE,
    SND_SYNC,
    TIME_PERIODIC,
)


def wav_image(seconds: float, rate: int = 22050, freq: float = 1000) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    samples = (np.sin(2 * np.pi * freq * t) * 16000).astype("<i2")
    out = io.BytesIO()
    with wavefile.open(out, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.tobytes())
    return out.getvalue()


def ready(wave):
    """An open of our own makes the device's stream, so the loopback has ports to wire."""
    assert wave.open_out(wave_format()).result == MMSYSERR_NOERROR
    return wave.record(2.0)


def test_a_file_plays_through_the_mapper_at_its_own_rate(wave, tmp_path: Path):
    path = tmp_path / "ding.wav"
    path.write_bytes(wav_image(0.3))  # 22050 Hz: resampled to the server's 48 kHz
    rec = ready(wave)
    assert winmm.PlaySoundW(str(path), None, SND_FILENAME | SND_SYNC) == 1
    assert winmm.sndPlaySoundA(str(path).encode(), SND_SYNC) == 1
    got = rec.stop()[:, 0]
    heard = active(got)
    assert abs(len(heard) - 2 * 0.3 * RATE) < 0.1 * RATE  # twice, back to back or nearly
    assert abs(peak_frequency(heard) - 1000) < 5


def test_a_looped_memory_image_plays_until_stopped(wave):
    image = wav_image(0.05, rate=48000)
    rec = ready(wave)
    assert winmm.PlaySound(image, None, SND_MEMORY | SND_ASYNC | SND_LOOP) == 1
    # Another sound is refused while it plays, with SND_NOSTOP.
    assert winmm.PlaySound(image, None, SND_MEMORY | SND_ASYNC | SND_NOSTOP) == 0
    time.sleep(0.5)  # it loops meanwhile
    assert winmm.PlaySound(None, None, 0) == 1
    time.sleep(0.4)  # the recording goes on, silent
    got = rec.stop()[:, 0]
    heard = active(got)
    assert len(heard) > 0.4 * RATE  # 0.05 s, looped for 0.5 s
    loud = np.nonzero(np.abs(got) > 0.05)[0]
    assert len(got) - loud[-1] > 0.3 * RATE  # and then silent


def test_what_cannot_play_returns_false(wave, tmp_path: Path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a RIFF file at all")
    assert winmm.PlaySound(str(bad), None, SND_FILENAME) == 0
    assert winmm.PlaySound(str(tmp_path / "missing.wav"), None, SND_FILENAME) == 0
    assert winmm.PlaySound("SystemAsterisk", None, SND_ALIAS | SND_NODEFAULT) == 0
    assert winmm.PlaySound(wav_image(0.01), None, SND_MEMORY | SND_LOOP) == 0  # no ASYNC
    assert winmm.PlaySound(None, None, 0) == 1  # nothing playing: fine
    assert winmm.PlaySound(101, None, SND_RESOURCE) == 0  # no resources (nor a crash)
    assert winmm.PlaySound("x", None, SND_MEMORY) == 0  # not memory


def test_a_synchronous_sound_is_stopped_from_another_thread(wave, tmp_path: Path):
    path = tmp_path / "long.wav"
    path.write_bytes(wav_image(5.0))
    ready(wave)
    stopper = threading.Timer(0.2, winmm.PlaySound, (None, None, 0))
    stopper.start()
    start = time.monotonic()
    assert winmm.PlaySound(str(path), None, SND_FILENAME) == 1
    assert time.monotonic() - start < 2.0  # stopped after 0.2 s, not 5
    stopper.join()


def test_a_sound_from_a_timer_callback_while_another_thread_plays(wave):
    """PlaySound on the timer thread and on this one at once: no deadlock (closing a
    sound waits for the notifier, never under PlaySound's lock)."""
    image = wav_image(0.05, rate=48000)
    ready(wave)
    results: list[int] = []
    ident = winmm.timeSetEvent(10, 0, lambda *a: results.append(
        winmm.PlaySound(image, None, SND_MEMORY | SND_ASYNC)), 0, TIME_PERIODIC)
    for _ in range(10):
        assert winmm.PlaySound(image, None, SND_MEMORY) == 1
    assert winmm.timeKillEvent(ident) == 0
    assert results and set(results) == {1}
    assert winmm.PlaySound(None, None, 0) == 1
