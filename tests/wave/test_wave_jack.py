"""Wave output and input through a real JACK server and a sample-exact loopback."""

from __future__ import annotations

import ctypes
import queue
import sys
import threading

import numpy as np
import pytest
from wavekit import (
    RATE,
    Buffer,
    active,
    extensible_format,
    impulses,
    loud_regions,
    peak_frequency,
    tone,
    wait_until,
    wave_format,
)

from audiodrv import winmm
from audiodrv.ddk import WAVE_GETXRUNS
from audiodrv.engine.convert import Resampler
from audiodrv.mmsystem import (
    CALLBACK_EVENT,
    CALLBACK_FUNCTION,
    CALLBACK_THREAD,
    CALLBACK_WINDOW,
    MMSYSERR_NOERROR,
    MMTIME,
    TIME_BYTES,
    TIME_MS,
    TIME_SAMPLES,
    WAVE_FORMAT_DIRECT,
    WAVE_FORMAT_QUERY,
    WAVE_MAPPER,
    WAVEHDR,
    WAVERR_BADFORMAT,
    WAVERR_STILLPLAYING,
    WHDR_BEGINLOOP,
    WHDR_DONE,
    WHDR_ENDLOOP,
    WHDR_PREPARED,
    WIM_DATA,
    WOM_CLOSE,
    WOM_DONE,
    WOM_OPEN,
)

pytestmark = pytest.mark.jack

FORMATS = [(8, False), (16, False), (24, False), (32, False), (32, True)]


def position(dev, kind=TIME_SAMPLES) -> tuple[int, int]:
    mmt = MMTIME(wType=kind)
    assert winmm.waveOutGetPosition(dev.handle, ctypes.byref(mmt), ctypes.sizeof(mmt)) == 0
    return mmt.wType, mmt.u.cb


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize(("bits", "is_float"), FORMATS)
def test_tone_comes_back_at_its_frequency_in_every_format(wave, bits, is_float, channels):
    out = wave.open_out(wave_format(channels=channels, bits=bits, is_float=is_float))
    assert out.result == MMSYSERR_NOERROR
    rec = wave.record(2.0)
    out.play(tone(1000, 0.5, channels))
    out.wait_done()
    got = rec.stop()
    for ch in range(2):  # mono is spread to both device channels
        signal = active(got[:, ch])
        assert abs(len(signal) - RATE // 2) < 100
        assert abs(peak_frequency(signal) - 1000) < 5
        assert 0.45 < np.abs(got[:, ch]).max() < 0.55


@pytest.mark.parametrize(("bits", "is_float"), [(16, False), (24, False), (32, False),
                                              (32, True)])
def test_extensible_formats_play_like_their_plain_forms(wave, bits, is_float):
    """WAVEFORMATEXTENSIBLE PCM (and float): the sub-format decides the samples."""
    out = wave.open_out(extensible_format(2, bits, is_float))
    assert out.result == MMSYSERR_NOERROR
    rec = wave.record(2.0)
    out.play(tone(1000, 0.5))
    out.wait_done()
    got = rec.stop()
    assert position(out) == (TIME_SAMPLES, RATE // 2)
    for ch in range(2):
        signal = active(got[:, ch])
        assert abs(len(signal) - RATE // 2) < 100
        assert abs(peak_frequency(signal) - 1000) < 5
        assert 0.45 < np.abs(got[:, ch]).max() < 0.55


@pytest.mark.parametrize("channels", range(3, 9))
def test_more_channels_than_the_device_are_mixed_down_by_the_mapper(wave, channels):
    """The dummy server's device has 2 channels: 3-8 are refused with WAVE_FORMAT_DIRECT
    (B40), else mixed down (centre to both sides, each side to its own)."""
    fmt = extensible_format(channels, 16)
    assert wave.open_out(fmt, 0, WAVE_FORMAT_DIRECT).result == WAVERR_BADFORMAT
    assert winmm.waveOutOpen(None, WAVE_MAPPER, ctypes.byref(fmt), 0, 0,
                             WAVE_FORMAT_QUERY) == MMSYSERR_NOERROR
    out = wave.open_out(fmt, WAVE_MAPPER)
    assert out.result == MMSYSERR_NOERROR
    rec = wave.record(2.0)
    frames = np.zeros((RATE // 2, channels), dtype=np.float32)
    frames[:, 2] = tone(1000, 0.5, 1)[:, 0]  # front centre only
    frames[:, 0] = tone(3000, 0.5, 1)[:, 0]  # front left only
    out.play(frames)
    out.wait_done()
    assert position(out) == (TIME_SAMPLES, RATE // 2)
    left, right = (active(x, 0.01) for x in rec.stop().T)
    assert abs(len(left) - RATE // 2) < 100 and abs(len(right) - RATE // 2) < 100
    assert abs(peak_frequency(right) - 1000) < 5  # the centre, alone on the right
    spectrum = np.abs(np.fft.rfft(left))
    strong = np.fft.rfftfreq(len(left), 1 / RATE)[spectrum > spectrum.max() * 0.3]
    assert any(abs(f - 1000) < 5 for f in strong) and any(abs(f - 3000) < 5 for f in strong)


@pytest.mark.parametrize("device_id", [0, WAVE_MAPPER])
def test_22050_hz_plays_at_the_right_pitch(wave, device_id):
    """Resampled, for a device id as for the mapper (B41); not with WAVE_FORMAT_DIRECT."""
    fmt = wave_format(rate=22050, channels=1)
    # JACK runs at 48 kHz only.
    assert wave.open_out(fmt, device_id, WAVE_FORMAT_DIRECT).result == WAVERR_BADFORMAT
    out = wave.open_out(fmt, device_id)
    assert out.result == MMSYSERR_NOERROR
    rec = wave.record(2.0)
    out.play(tone(1000, 0.5, 1, rate=22050))
    out.wait_done()
    got = rec.stop()[:, 0]
    signal = active(got)
    assert abs(peak_frequency(signal) - 1000) < 5
    # 0.5 s of audio at 22050 Hz lasts 0.5 s at 48 kHz (within a resampler's edges).
    assert abs(len(signal) - RATE // 2) < 0.01 * RATE
    # Counted in the application's frames, to the frame (B74).
    assert position(out) == (TIME_SAMPLES, 11025)


def pulse_train(n: int, at: list[int], channels: int = 2) -> np.ndarray:
    x = np.zeros((n, channels), dtype=np.float32)
    x[at] = 0.8
    return x


def assert_spacing(found: np.ndarray, expected: np.ndarray, xruns: int, period: int) -> None:
    """Recorded impulse spacing equals the played one; JACK's own xruns excuse whole
    periods, one each."""
    assert len(found) == len(expected), (found, expected)
    deviations = np.diff(found) - np.diff(expected)
    bad = deviations[deviations != 0]
    assert np.all(bad % period == 0) and len(bad) <= xruns, (found, expected)


def test_impulses_and_loops_are_sample_exact(wave, jack_server):
    out = wave.open_out(wave_format())
    rec = wave.record(2.0)
    xruns = jack_server.xruns
    body = pulse_train(12000, [100, 5000, 11999])
    out.play(body, flags=WHDR_BEGINLOOP | WHDR_ENDLOOP, loops=3)
    out.play(pulse_train(2000, [10]))
    out.wait_done()
    got = impulses(rec.stop()[:, 0])
    expected = np.array([100, 5000, 11999, 12100, 17000, 23999, 24100, 29000, 35999, 36010])
    assert_spacing(got, expected, jack_server.xruns - xruns, 256)
    assert position(out) == (TIME_SAMPLES, 3 * 12000 + 2000)


def test_an_impulse_comes_back_at_a_stable_absolute_offset(wave, jack_server):
    """Each write after the ring ran dry starts a new stream action on a period boundary:
    an impulse ``k`` frames into the header must come back exactly ``k`` frames after a
    period boundary of the recording (a whole number of periods of latency, as a raw
    sounddevice loopback gives), and at the same latency every time, measured from the
    stream times of the two actions (to within the jitter of the server's cycle times)."""
    out = wave.open_out(wave_format())
    rec = wave.record(3.0)
    xruns = jack_server.xruns
    offsets, latencies = [777, 1000, 2049], []
    for n, k in enumerate(offsets, 1):
        out.play(pulse_train(4800, [k]))
        action = out.action()
        out.wait_done(n)
        assert wait_until(lambda: out.action() is None)  # dry: the next write restarts
        latencies.append(action.actual_time)
    start = rec.dev.action().actual_time
    got = impulses(rec.stop()[:, 0])
    assert len(got) == len(offsets)
    if jack_server.xruns == xruns:  # an xrun shifts the input against the output
        assert [(g - k) % jack_server.period for g, k in zip(got, offsets, strict=True)] == \
            [0, 0, 0]
    measured = [g - k - (t - start) * RATE for g, k, t in zip(got, offsets, latencies,
                                                              strict=True)]
    # Within a period: the stream times the actions report come from the dummy driver's
    # cycle times, which on a loaded VM jitter by up to half a period (133 frames seen in a
    # full run).  A latency a period longer is what this would catch; JACK's own xruns
    # excuse a whole period each, as in assert_spacing.
    allowed = jack_server.period * (1 + jack_server.xruns - xruns)
    assert max(measured) - min(measured) < allowed, measured


def ramp_frames(start: int, n: int) -> np.ndarray:
    """Stereo frames counting up by one 16-bit step per frame from ``start``: a frame
    counter that survives the loopback exactly."""
    x = ((start + np.arange(n)) % 30000 + 1000) / 32768
    return np.repeat(x.astype(np.float32)[:, None], 2, axis=1)


def test_pause_and_restart_lose_and_repeat_no_frame(wave, jack_server):
    """A frame counter played across a pause: every step between consecutive recorded
    frames is +1, except the silence of the pause (and whole periods JACK itself dropped
    or repeated, one per xrun it reported)."""
    out = wave.open_out(wave_format())
    rec = wave.record(3.0)
    xruns = jack_server.xruns
    first = out.play(ramp_frames(0, 24000))
    out.play(ramp_frames(24000, 24000))
    out.notes.wait(WOM_DONE, 1)
    assert winmm.waveOutPause(out.handle) == MMSYSERR_NOERROR
    paused_at = position(out)
    threading.Event().wait(0.2)  # a pause of wall time: nothing to wait for
    assert position(out) == paused_at
    assert winmm.waveOutRestart(out.handle) == MMSYSERR_NOERROR
    out.wait_done()
    counter = np.round(rec.stop()[:, 0] * 32768).astype(int) - 1000
    heard = counter[counter >= 0]  # the silence before, during and after is -1000
    steps = (np.diff(heard) + 15000) % 30000 - 15000  # the counter wraps at 30000
    bad = steps[steps != 1]
    excused = jack_server.xruns - xruns
    assert heard[0] == 0 and heard[-1] == 47999 % 30000
    # A lost frame or a repeated one shows as a step of 2 or 0; only JACK's own xruns may
    # skip or repeat, and then a whole period.
    assert len(bad) <= excused and all(abs(b - 1) % jack_server.period == 0 for b in bad), bad
    assert len(heard) == 48000 + sum(1 - b for b in bad)
    assert first.hdr.dwFlags == WHDR_DONE | WHDR_PREPARED
    assert position(out) == (TIME_SAMPLES, 48000)


def test_break_loop_ends_the_loop_after_the_current_pass(wave, jack_server):
    """B71 on the real stack: a 4800-frame loop of 100 passes is broken during its second
    pass (with passes written ahead in the ring); it plays two passes, then what follows."""
    out = wave.open_out(wave_format())
    rec = wave.record(3.0)
    xruns = jack_server.xruns
    winmm.waveOutBreakLoop(out.handle)  # no loop playing: forgotten (B71)
    out.play(pulse_train(4800, [100, 2000]), flags=WHDR_BEGINLOOP | WHDR_ENDLOOP, loops=100)
    out.play(pulse_train(2000, [10]))
    # Break early in the second pass, far from its end (the callback's block).
    assert wait_until(lambda: position(out)[1] >= 4800 + 200)
    assert winmm.waveOutBreakLoop(out.handle) == MMSYSERR_NOERROR
    assert position(out)[1] < 4800 + 3000
    out.wait_done()
    got = impulses(rec.stop()[:, 0])
    expected = np.array([100, 2000, 4900, 6800, 9610])
    assert_spacing(got, expected, jack_server.xruns - xruns, jack_server.period)
    assert position(out) == (TIME_SAMPLES, 2 * 4800 + 2000)


def test_reset_through_the_mapper_replays_nothing_of_before(wave):
    """A reset through the resampling mapper: nothing of the audio before it comes out
    again after it, and the position counts the new header to the frame."""
    fmt = wave_format(rate=22050, channels=1)
    out = wave.open_out(fmt, WAVE_MAPPER)
    rec = wave.record(3.0)
    out.play(tone(1000, 2.0, 1, rate=22050))
    assert wait_until(lambda: position(out)[1] > 5000)
    assert winmm.waveOutPause(out.handle) == MMSYSERR_NOERROR
    threading.Event().wait(0.2)  # a silent gap in the recording: nothing to wait for
    assert winmm.waveOutReset(out.handle) == MMSYSERR_NOERROR
    burst = np.zeros((2255, 1), dtype=np.float32)
    burst[:50] = 0.8
    out.play(burst)
    out.wait_done(2)
    assert position(out) == (TIME_SAMPLES, 2255)
    regions = loud_regions(rec.stop()[:, 0])
    # The tone, then after the gap only the burst (50 frames, ~109 at 48 kHz).
    assert len(regions) == 2, regions
    first, last = regions[1]
    assert regions[1][0] - regions[0][1] > 0.15 * RATE and last - first < 200, regions


def test_loops_through_the_mapper_repeat_the_body_exactly(wave, jack_server):
    """A 22050 Hz loop through the mapper: each pass is the body alone, resampled on its
    own, so the bursts come back exactly one resampled body apart, with nothing of the
    header before the loop in between."""
    fmt = wave_format(rate=22050, channels=1)
    out = wave.open_out(fmt, WAVE_MAPPER)
    rec = wave.record(3.0)
    xruns = jack_server.xruns
    body = np.zeros((4410, 1), dtype=np.float32)
    body[1000:1040] = 0.8
    out.play(tone(1000, 0.5, 1, rate=22050))
    out.play(body, flags=WHDR_BEGINLOOP | WHDR_ENDLOOP, loops=3)
    out.play(np.zeros((2205, 1), dtype=np.float32))
    out.wait_done()
    assert position(out) == (TIME_SAMPLES, 11025 + 3 * 4410 + 2205)
    regions = loud_regions(rec.stop()[:, 0])
    assert len(regions) == 4, regions  # the tone, then one burst per pass
    starts = np.array([start for start, _end in regions[1:]])
    one = Resampler(22050, 48000, 1).out_for(4410)
    assert_spacing(starts, starts[0] + np.arange(3) * one, jack_server.xruns - xruns,
                   jack_server.period)


def test_reset_returns_every_header_in_order_and_position_zero(wave):
    out = wave.open_out(wave_format())
    bufs = [out.play(tone(440, 1.0)) for _ in range(3)]
    assert winmm.waveOutClose(out.handle) == WAVERR_STILLPLAYING
    assert winmm.waveOutReset(out.handle) == MMSYSERR_NOERROR
    out.wait_done(3)
    done = [p1 for msg, p1 in out.notes.items if msg == WOM_DONE]
    assert done == [b.address for b in bufs]
    assert all(b.hdr.dwFlags == WHDR_DONE | WHDR_PREPARED for b in bufs)
    assert position(out, TIME_BYTES) == (TIME_BYTES, 0)
    assert winmm.waveOutClose(out.handle) == MMSYSERR_NOERROR
    out.handle = None


def test_two_opens_of_one_device_are_both_heard(wave):
    a, b = wave.open_out(wave_format()), wave.open_out(wave_format(channels=1))
    rec = wave.record(2.0)
    a.play(tone(1000, 0.5))
    b.play(tone(3000, 0.5, 1))
    a.wait_done()
    b.wait_done()
    got = rec.stop()[:, 0]
    spectrum = np.abs(np.fft.rfft(got))
    freqs = np.fft.rfftfreq(len(got), 1 / RATE)
    strong = freqs[spectrum > spectrum.max() * 0.3]
    assert any(abs(f - 1000) < 5 for f in strong) and any(abs(f - 3000) < 5 for f in strong)


def test_sixteen_opens_at_once(wave):
    outs = [wave.open_out(wave_format()) for _ in range(16)]
    assert all(o.result == MMSYSERR_NOERROR for o in outs)
    for o in outs:
        o.play(tone(500, 0.05, amp=0.05))
    for o in outs:
        o.wait_done()


def test_wavein_stop_returns_partial_buffer_then_reset_the_rest(wave):
    dev = wave.open_in()
    bufs = [Buffer(RATE * 4) for _ in range(3)]  # 1 s each
    for b in bufs:
        assert dev.queue(b) == MMSYSERR_NOERROR
    assert winmm.waveInStart(dev.handle) == MMSYSERR_NOERROR
    # Wait until something was recorded: position advances as the feeder drains the ring.
    mmt = MMTIME(wType=TIME_BYTES)

    def recorded() -> bool:
        winmm.waveInGetPosition(dev.handle, ctypes.byref(mmt), ctypes.sizeof(mmt))
        return mmt.u.cb > 0

    assert wait_until(recorded)
    assert winmm.waveInStop(dev.handle) == MMSYSERR_NOERROR
    assert dev.notes.wait(WIM_DATA, 1)
    first = bufs[0].hdr
    assert first.dwFlags & WHDR_DONE and 0 < first.dwBytesRecorded < RATE * 4
    assert first.dwBytesRecorded % 4 == 0
    assert not bufs[1].hdr.dwFlags & WHDR_DONE
    assert winmm.waveInReset(dev.handle) == MMSYSERR_NOERROR
    assert dev.notes.wait(WIM_DATA, 3)
    assert [b.hdr.dwBytesRecorded for b in bufs[1:]] == [0, 0]


def test_wavein_buffers_are_contiguous(wave):
    out = wave.open_out(wave_format())
    dev = wave.open_in()
    wave.loopback()
    bufs = [Buffer(4801 * 4 + 3) for _ in range(6)]  # odd sizes: whole frames only
    for b in bufs:
        dev.queue(b)
    winmm.waveInStart(dev.handle)
    out.play(pulse_train(30000, list(range(0, 30000, 700))))
    dev.wait_done(6)
    assert all(b.hdr.dwBytesRecorded == 4801 * 4 for b in bufs)
    got = impulses(np.concatenate([np.frombuffer(b.recorded(), "<i2")[::2] / 32768
                                   for b in bufs]))
    assert len(got) > 10 and set(np.diff(got)) == {700}


@pytest.mark.parametrize("kind", ["function", "event", "window", "thread"])
def test_callback_order_for_every_callback_kind(wave, kind):
    flags = {"function": CALLBACK_FUNCTION, "event": CALLBACK_EVENT,
             "window": CALLBACK_WINDOW, "thread": CALLBACK_THREAD}[kind]
    posted: queue.Queue = queue.Queue()  # (msg, handle, p1) as a window or thread gets them
    if kind == "function":
        def target(h, msg, inst, p1, p2):
            assert inst == 7 and p2 == 0
            posted.put((msg, h, p1))
    elif kind == "event":
        target = threading.Event()
    else:
        target = posted
    fmt = wave_format()
    handle = ctypes.c_void_p()
    assert winmm.waveOutOpen(ctypes.byref(handle), 0, ctypes.byref(fmt), target, 7,
                             flags) == MMSYSERR_NOERROR
    hdrs = [Buffer(b"\0" * 4800) for _ in range(2)]
    for b in hdrs:
        winmm.waveOutPrepareHeader(handle.value, ctypes.byref(b.hdr), ctypes.sizeof(WAVEHDR))
        winmm.waveOutWrite(handle.value, ctypes.byref(b.hdr), ctypes.sizeof(WAVEHDR))
    if kind == "event":
        assert target.is_set()  # WOM_OPEN set it before open returned
        for b in hdrs:
            while not b.hdr.dwFlags & WHDR_DONE:
                target.clear()
                assert target.wait(5) or b.hdr.dwFlags & WHDR_DONE
        target.clear()
        assert winmm.waveOutClose(handle.value) == MMSYSERR_NOERROR
        assert target.is_set()  # set by WOM_CLOSE, before close returned
        return
    items = [posted.get(timeout=5) for _ in range(3)]
    assert winmm.waveOutClose(handle.value) == MMSYSERR_NOERROR
    items.append(posted.get_nowait())  # WOM_CLOSE arrived before close returned
    assert [m for m, _h, _p in items] == [WOM_OPEN, WOM_DONE, WOM_DONE, WOM_CLOSE]
    assert [p for _m, _h, p in items] == [0, hdrs[0].address, hdrs[1].address, 0]
    assert all(h == handle.value for _m, h, _p in items)


def test_position_units(wave):
    out = wave.open_out(wave_format())
    out.play(tone(440, 0.1))
    out.wait_done()
    assert position(out, TIME_BYTES) == (TIME_BYTES, 4800 * 4)
    assert position(out, TIME_MS) == (TIME_MS, 100)
    assert position(out, 0x20) == (TIME_BYTES, 4800 * 4)  # TIME_TICKS answered in bytes


def test_own_underrun_counts_match_the_gap_heard(wave, monkeypatch):
    from audiodrv.engine import portaudio

    out = wave.open_out(wave_format())
    rec = wave.record(5.0)
    xruns = {}
    # Starve it: the feeder tops the ring up (85 ms ahead) only every 0.2 s, so a second of
    # audio plays in about 12 bursts with ~115 ms of silence between them.
    for name in ("shortest", "longest"):
        monkeypatch.setattr(portaudio.service, name, 0.2)
    out.play(np.full((48000, 2), 0.5, dtype=np.float32))
    out.wait_done()
    assert winmm.waveOutMessage(out.handle, WAVE_GETXRUNS, xruns, 0) == MMSYSERR_NOERROR
    got = rec.stop()[:, 0]
    loud = np.nonzero(got > 0.25)[0]
    heard = np.diff(loud)
    silent = int(np.sum(heard[heard > 1] - 1))  # frames of silence inside the played second
    assert xruns["events"] >= 5 and len(loud) == 48000
    # They agree to within JACK's clock jitter (tens of frames) per event, of ~5500 each.
    assert abs(xruns["starved_frames"] - silent) <= 64 * xruns["events"]
    assert xruns["starved_frames"] > 20000


@pytest.mark.parametrize("setting, held", [("", 0.001), ("switchinterval=2.5", 0.0025),
                                           ("switchinterval=0", None)])
def test_the_gil_switch_interval_is_held_low_while_a_device_is_open(wave, tmp_path, setting,
                                                                    held):
    from audiodrv.core.system import reset_system

    ini = tmp_path / "SYSTEM.INI"
    ini.write_text(f"[drivers]\nwave=sndpa.drv\n[sndpa.drv]\n{setting}\n")
    reset_system(ini)
    before = sys.getswitchinterval()
    out = wave.open_out(wave_format())
    assert sys.getswitchinterval() == (before if held is None else held)
    out.close()
    assert sys.getswitchinterval() == before


def test_silence_with_nothing_queued_counts_as_idle_not_starved(wave):
    import time

    out = wave.open_out(wave_format())
    xruns = {}
    for _ in range(3):
        out.play(tone(440, 0.05))
        out.wait_done()
        time.sleep(0.03)  # nothing queued (shorter than the feeder may sleep): measured
    out.play(tone(440, 0.05))
    out.wait_done()
    assert winmm.waveOutMessage(out.handle, WAVE_GETXRUNS, xruns, 0) == MMSYSERR_NOERROR
    assert xruns["events"] == 0 and xruns["starved_frames"] == 0
    assert xruns["idle_frames"] >= 3 * 1440 * 0.9


def timed_stream(wave):
    """The device's output stream once the feeder has published its callbacks' timing
    (there is no event for that: looked at for at most 5 s)."""
    import time

    from audiodrv.engine import portaudio

    out = wave.open_out(wave_format())
    out.play(tone(440, 0.05))
    out.wait_done()
    (stream,) = portaudio.service._streams.values()
    deadline = time.monotonic() + 5
    while stream.timing is None and time.monotonic() < deadline:
        portaudio.service.kick()
        time.sleep(0.01)
    return stream


def test_the_stream_learns_the_callback_block_from_rtmixer(wave):
    stream = timed_stream(wave)
    stream.block_bound = 4096  # as a host API whose latency is many periods reports it
    assert stream.period == wave.jack.period  # what a cycle reads, from rtmixer's stats


def test_cycle_times_come_a_period_apart_and_within_the_next_period(wave):
    import time

    from audiodrv.engine import portaudio

    stream = timed_stream(wave)
    period = wave.jack.period
    step = period / 48000
    before = time.monotonic()
    first, third = stream.after_cycles(1), stream.after_cycles(2 * period + 1)
    assert first is not None and third is not None
    assert before < first <= time.monotonic() + step + portaudio.CYCLE_MARGIN
    assert abs(third - first - 2 * step) < 0.0002  # read at different moments
