#!/usr/bin/env python3
"""Wave benchmarks: one workload through audiodrv's winmm API and through raw sounddevice.

Run from the project root::

    python benchmarks/wave_bench.py [--quick | --smoke] [--out benchmarks/results]

Every measurement runs on private JACK dummy servers started here (48 kHz, ``--no-realtime``),
with a sample-exact loopback: PortAudio's output ports wired into PortAudio's input ports,
``system:capture_*`` disconnected from them (see ``TESTENV.md``).

1. Round-trip latency, at JACK periods 64, 128 and 256 (a fresh server each).  The common
   time base is the recording's own frame count: the app reads how many frames its
   recording holds (audiodrv: ``waveInGetPosition`` TIME_SAMPLES; raw: the frames its
   duplex callback has received), then asks for an impulse to be played (audiodrv:
   ``waveOutWrite``; raw: a flag the next callback turns into an impulse), and the latency
   is the index at which the impulse shows up in that recording minus the count it read.
   That is the delay an application can observe through each API.  It is measured in the
   recording's frames, which advance a whole JACK period at a time: where in a cycle the
   request fell is invisible, so anything below one period cannot be seen.  What can be
   seen is whole cycles of delay: one more whenever a JACK cycle starts between reading the
   position and the request taking effect (the table gives how long that takes on each
   side), and for audiodrv any frames ``waveInGetPosition`` leaves out of what the device
   has captured (a position too low makes the latency too high).  The device is idle before
   each request; with audio queued ahead, the queue adds its length.
   The raw side also gives the callback-to-callback round trip (impulse emitted at the
   start of an output block to its arrival): the floor set by JACK and PortAudio.
2. Glitches over 30 s (10 s with ``--quick``) while a pure-Python thread holds the GIL, with
   20 ms of audio queued by the audiodrv app (4 headers of 5 ms, re-submitted on WOM_DONE,
   with CALLBACK_FUNCTION and with CALLBACK_EVENT) against a raw OutputStream whose Python
   callback writes straight into PortAudio's buffer, at Python's switch interval and at the
   1 ms audiodrv's opens hold.  The signal is a frame counter, recorded
   for both sides by the same probe: a separate process (its own JACK client, rtmixer's C
   callback), so neither the GIL nor a late client here can hide a lost cycle from it.  Every
   break in the counter (silence inserted, frames lost or repeated) is a glitch, and so is
   every JACK cycle the probe never got (a late client holds up the whole JACK graph).
   A shorter run without the GIL-holding thread shows what happens without it.
3. Process CPU time while 1, 4 and 16 waveOut opens play continuously (4 headers of 5 ms
   each, as in item 2), against one raw OutputStream with a Python callback; then 1 and 16
   opens with 4 headers of 20 ms and of 50 ms, the buffer sizes Windows programs mostly
   used (the work per header is the same, there are fewer of them).
4. Header throughput: 64-frame headers through unprepare/prepare/write/WOM_DONE on 1, 4, 16
   and 32 opens.  There is no raw counterpart (sounddevice has no headers); the demand of real
   time (opens x 48000 / 64 per second) is the yardstick instead.

Items 2-4 run at JACK period 256.  Results go to ``<out>/wave.json`` and ``<out>/wave.png``;
Markdown tables are printed.  Needs matplotlib for the plot.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import json
import os
import platform
import random
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import rtmixer
import sounddevice as sd
from benchkit import add_size_options, chosen_size, gil_hog, start_watchdog

from audiodrv import winmm
from audiodrv.core.system import reset_system
from audiodrv.engine import portaudio
from audiodrv.engine.jackserver import JackError, JackServer
from audiodrv.mmsystem import (
    CALLBACK_EVENT,
    CALLBACK_FUNCTION,
    CALLBACK_NULL,
    MMSYSERR_NOERROR,
    MMTIME,
    TIME_SAMPLES,
    WAVE_FORMAT_PCM,
    WAVEFORMATEX,
    WAVEHDR,
    WHDR_DONE,
    WOM_DONE,
)

T = TypeVar("T")

RATE = 48000
CHANNELS = 2
BLOCK_ALIGN = CHANNELS * 2  # 16-bit PCM: both sides exchange int16, so values are exact
HDR_SIZE = ctypes.sizeof(WAVEHDR)

LATENCY_PERIODS = (64, 128, 256)
# Items 2-4 run at 256 frames, the period where JACK's own glitches are rarest (TESTENV.md),
# so what is counted is mostly ours.
LOAD_PERIOD = 256

# The counter signal: frame n carries 1 + n mod COUNTER_MAX. Zero never occurs, so silence
# inserted by an underrun is visible; a lost or repeated frame breaks the +1 step.
COUNTER_MAX = 30000
IMPULSE = 16384  # half scale: far above anything else in a latency recording

WAIT = 5.0  # seconds: the bound on any single wait for audio to happen
TRIAL_GAP = 0.04  # seconds between latency trials, more than any latency measured here

_servers: list[JackServer] = []  # for the watchdog: the servers it must not leave behind
# Things that went wrong in the stack under test rather than in a measurement, counted and
# reported with the results.
_anomalies: dict[str, int] = {}


def count(anomaly: str, n: int = 1) -> None:
    _anomalies[anomaly] = _anomalies.get(anomaly, 0) + n


def check(result: int, what: str) -> None:
    """Raise if a winmm call did not return MMSYSERR_NOERROR."""
    if result != MMSYSERR_NOERROR:
        raise RuntimeError(f"{what} returned MMRESULT {result}")


def ms(frames: float) -> float:
    """Frames to milliseconds."""
    return round(frames * 1000 / RATE, 3)


# -- JACK ------------------------------------------------------------------------------------


@contextmanager
def jack_session(period: int, ini: Path) -> Iterator[JackServer]:
    """A fresh private JACK server with audiodrv's SYSTEM.INI loaded on it.

    Loading the system enables sndpa.drv, which re-initialises PortAudio, so PortAudio (for
    audiodrv and for the raw side alike) sees this server's JACK host API.
    """
    server = JackServer(rate=RATE, period=period)
    _servers.append(server)
    server.start()
    try:
        server.activate()
        load_system(ini)
        yield server
    finally:
        reset_system()
        # PortAudio cannot close its JACK client once the server is gone: shut it down first.
        portaudio.terminate()
        server.stop()
        _servers.remove(server)


def load_system(ini: Path, attempts: int = 5) -> None:
    """Load audiodrv's system until sndpa.drv sees the JACK device.

    Now and then (about one in twenty here) PortAudio's first initialisation after a JACK
    server started comes up without its JACK host API; sndpa.drv then enumerates no device
    while wavemap.drv, re-initialising PortAudio a moment later, finds it. Loading again
    re-initialises PortAudio again.
    """
    for attempt in range(attempts):
        if reset_system(ini) is None:
            raise RuntimeError(f"audiodrv did not load {ini}")
        if winmm.waveOutGetNumDevs() >= 1 and winmm.waveInGetNumDevs() >= 1:
            count("system_load_retries", attempt)
            return
        time.sleep(0.2)
    raise RuntimeError(f"audiodrv saw no wave device on the JACK server in {attempts} loads")


def jack_tool(call: Callable[..., T], *args: str) -> T:
    """Call a `JackServer` port method, retrying: about one jack_* client in seventy fails to
    open on these machines (a missing JACK futex or shared-memory segment), and the next try
    works."""
    for _ in range(4):
        try:
            return call(*args)
        except JackError:
            count("jack_tool_retries")
            time.sleep(0.1)
    return call(*args)  # the last try raises


def jack_ports(server: JackServer) -> set[str]:
    return set(jack_tool(server.ports))


def ports_since(server: JackServer, before: set[str], kind: str) -> list[str]:
    """Audio ports of one kind ("in" or "out") that PortAudio clients registered since
    ``before``, in channel order. All streams of a process share one JACK client, and its
    port numbering keeps counting up, so a stream's ports are told apart by when they
    appeared."""
    fresh = [p for p in jack_ports(server) - before if re.search(rf":{kind}_\d+$", p)]
    return sorted(fresh, key=lambda p: (p.split(":")[0], int(p.rsplit("_", 1)[1])))


def loopback(server: JackServer, outs: list[str], ins: list[str]) -> None:
    """Feed ``outs`` into ``ins`` one to one, and nothing else into ``ins``.

    Call it after the streams started: PortAudio auto-connects ports when a stream starts.
    """
    for port in ins:
        for peer in jack_tool(server.connections, port):
            jack_tool(server.disconnect, peer, port)
    for out, inp in zip(outs, ins, strict=True):
        jack_tool(server.connect, out, inp)


# -- signals and their analysis -----------------------------------------------------------------


class Counter:
    """The counter signal, generated block by block into int16 frames."""

    def __init__(self) -> None:
        self.n = 0

    def fill(self, out: np.ndarray) -> None:
        """Write the next ``len(out)`` frames into ``out`` ((frames, channels) int16)."""
        frames = len(out)
        out[:] = (1 + (self.n + np.arange(frames)) % COUNTER_MAX)[:, None]
        self.n += frames


@dataclass
class Glitches:
    """Breaks in a recorded counter signal, between its first and last non-silent frame."""

    frames: int
    cycles: int  # JACK periods in that stretch
    silences: int  # runs of zeros: the player ran dry, nothing lost
    silent_frames: int
    jumps: int  # the counter skipped ahead: frames lost
    lost_frames: int
    repeats: int  # the counter went back: frames played twice
    repeated_frames: int
    whole_periods: int  # jumps and repeats of whole periods: JACK's own drops look like this
    affected_cycles: int  # periods touched by any of the above, summed over events


def glitches(values: np.ndarray, period: int) -> Glitches:
    """Count the ways a recorded counter deviates from +1 per frame."""
    loud = np.flatnonzero(values)
    x = values[loud[0]:loud[-1] + 1] if len(loud) else values[:0]
    silent = x == 0
    # Runs of zeros: rising edges of the mask start them, falling edges end them.
    edges = np.diff(silent.astype(np.int8))
    run_lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    # With the silences cut out, every step must be +1 (mod COUNTER_MAX).
    y = x[~silent]
    step = (np.diff(y) - 1) % COUNTER_MAX
    step = step[step != 0]
    lost = step[step < COUNTER_MAX // 2]
    repeated = COUNTER_MAX - step[step >= COUNTER_MAX // 2]
    breaks = np.concatenate([lost, repeated])
    affected = int(np.sum(np.ceil(np.concatenate([run_lengths, breaks]) / period)))
    cycles = max(len(x) // period, 1)
    return Glitches(
        frames=len(x), cycles=cycles,
        silences=len(run_lengths), silent_frames=int(run_lengths.sum()),
        jumps=len(lost), lost_frames=int(lost.sum()),
        repeats=len(repeated), repeated_frames=int(repeated.sum()),
        whole_periods=int(np.sum(breaks % period == 0)),
        affected_cycles=affected,
    )


def arrivals(recording: np.ndarray) -> np.ndarray:
    """Indices where an impulse arrived (rising edges above half its height)."""
    above = recording > IMPULSE // 2
    return np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))


def match_arrivals(recording: np.ndarray, positions: list[int]) -> tuple[list[int], int]:
    """Latency of each trial: its impulse's arrival minus the position read before playing.

    Trial i's impulse is the first arrival in [positions[i], positions[i + 1]); trials are
    spaced further apart than any latency, so a trial with none there lost its impulse.
    Returns the latencies and the number of trials without one.
    """
    found = arrivals(recording)
    bounds = [*positions[1:], len(recording)]
    latencies = []
    for start, end in zip(positions, bounds, strict=True):
        hits = found[(found >= start) & (found < end)]
        if len(hits):
            latencies.append(int(hits[0]) - start)
    return latencies, len(positions) - len(latencies)


# -- audiodrv: an application of the winmm API --------------------------------------------------


def pcm_format() -> WAVEFORMATEX:
    return WAVEFORMATEX(wFormatTag=WAVE_FORMAT_PCM, nChannels=CHANNELS, nSamplesPerSec=RATE,
                        nAvgBytesPerSec=RATE * BLOCK_ALIGN, nBlockAlign=BLOCK_ALIGN,
                        wBitsPerSample=16, cbSize=0)


def open_wave(output: bool, callback: Any, flags: int) -> int:
    """Open wave device 0 (the JACK device) as 16-bit stereo at 48 kHz; return the handle."""
    handle = ctypes.c_void_p()
    fmt = pcm_format()
    opener = winmm.waveOutOpen if output else winmm.waveInOpen
    check(opener(ctypes.byref(handle), 0, ctypes.byref(fmt), callback, 0, flags),
          opener.__name__)
    assert handle.value is not None
    return handle.value


class Header:
    """A WAVEHDR with its own memory, and that memory as (frames, channels) int16."""

    def __init__(self, frames: int) -> None:
        self.mem = ctypes.create_string_buffer(frames * BLOCK_ALIGN)
        self.hdr = WAVEHDR(lpData=ctypes.addressof(self.mem),
                           dwBufferLength=frames * BLOCK_ALIGN)
        self.samples = np.frombuffer(self.mem, dtype=np.int16).reshape(frames, CHANNELS)
        self.address = ctypes.addressof(self.hdr)

    @property
    def done(self) -> bool:
        return bool(self.hdr.dwFlags & WHDR_DONE)


def bounded(what: str, call: Callable[[], T], seconds: float = WAIT) -> T | None:
    """``call()`` on a helper thread; None (and an anomaly counted) if it has not returned
    within ``seconds``. A reset can spin forever when audiodrv's threads race inside
    rtmixer (see the report); the benchmark must go on and say so rather than hang."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=run, name=what, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        count(f"{what} did not return within {seconds:.0f} s")
        return None
    if error:
        raise error[0]
    return result[0]


def close_wave_out(handle: int, headers: list[Header]) -> None:
    """Reset, unprepare and close; bounded, since a callback may still be re-submitting.
    A reset that does not return leaves the handle open (counted)."""
    for _ in range(10):
        reset = bounded("waveOutReset", lambda: winmm.waveOutReset(handle))
        if reset is None:
            return
        if reset != MMSYSERR_NOERROR:
            count(f"waveOutReset returned MMRESULT {reset}")
        for h in headers:
            winmm.waveOutUnprepareHeader(handle, ctypes.byref(h.hdr), HDR_SIZE)
        if winmm.waveOutClose(handle) == MMSYSERR_NOERROR:
            return
        time.sleep(0.05)
    raise RuntimeError("waveOutClose kept answering WAVERR_STILLPLAYING")


class Player:
    """An application streaming the counter signal through one waveOut open.

    It keeps ``count`` headers of ``frames`` frames queued and refills and re-submits each one
    as it comes back, the way Windows programs stream. ``mode`` "function" re-submits from
    the CALLBACK_FUNCTION (on audiodrv's notifier thread); "event" opens with CALLBACK_EVENT
    and re-submits from an application thread that waits on the event and walks the headers
    marked WHDR_DONE, the classic Win32 loop. ``full_cycle`` unprepares and prepares each
    header again before re-submitting it (item 4 measures that whole path).
    """

    def __init__(self, count: int, frames: int, mode: Literal["function", "event"] = "function",
                 full_cycle: bool = False) -> None:
        self.signal = Counter()
        self.headers = [Header(frames) for _ in range(count)]
        self.full_cycle = full_cycle
        self.done = 0  # WOM_DONE received
        self.errors = 0  # re-submissions winmm refused
        self._by_address = {h.address: h for h in self.headers}
        self._queued: deque[Header] = deque()  # in submission order, for the event loop
        self._lock = threading.Lock()  # keeps stop() from racing a re-submission
        self._running = False
        self._event = threading.Event()
        self._thread: threading.Thread | None = None
        self.handle: int | None
        if mode == "event":
            self._thread = threading.Thread(target=self._event_loop, name="app", daemon=True)
            self.handle = open_wave(True, self._event, CALLBACK_EVENT)
        else:
            self.handle = open_wave(True, self._on_message, CALLBACK_FUNCTION)

    def __enter__(self) -> Player:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._running = True
        for h in self.headers:
            check(winmm.waveOutPrepareHeader(self.handle, ctypes.byref(h.hdr), HDR_SIZE),
                  "waveOutPrepareHeader")
            with self._lock:
                self._submit(h)
        if self._thread is not None:
            self._thread.start()

    def stop(self) -> None:
        """Stop re-submitting, let the queue play out, then reset and close, as a
        well-behaved application does."""
        if self.handle is None:
            return
        with self._lock:
            self._running = False
        if self._thread is not None and self._thread.is_alive():
            self._event.set()
            self._thread.join(WAIT)
        deadline = time.monotonic() + WAIT
        while not all(h.done for h in self.headers) and time.monotonic() < deadline:
            time.sleep(0.005)
        close_wave_out(self.handle, self.headers)
        self.handle = None

    def _submit(self, h: Header) -> None:
        """Refill a header with the next frames and queue it (caller holds ``_lock``)."""
        self.signal.fill(h.samples)
        ref = ctypes.byref(h.hdr)
        if self.full_cycle:
            winmm.waveOutUnprepareHeader(self.handle, ref, HDR_SIZE)
            winmm.waveOutPrepareHeader(self.handle, ref, HDR_SIZE)
        if winmm.waveOutWrite(self.handle, ref, HDR_SIZE) == MMSYSERR_NOERROR:
            self._queued.append(h)
        else:
            self.errors += 1

    def _on_message(self, hwo: int, msg: int, instance: int, p1: int, p2: int) -> None:
        if msg != WOM_DONE:
            return
        with self._lock:
            self.done += 1
            if self._queued:
                self._queued.popleft()
            if self._running:
                self._submit(self._by_address[p1])

    def _event_loop(self) -> None:
        while self._running:
            # Clear before looking, so a WOM_DONE that lands while we look is not missed.
            self._event.wait(WAIT)
            self._event.clear()
            with self._lock:
                while self._running and self._queued and self._queued[0].done:
                    self.done += 1
                    self._submit(self._queued.popleft())


class WaveInRecording:
    """waveIn recording continuously into 100 ms buffers, enough for ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.handle = open_wave(False, 0, CALLBACK_NULL)
        self.headers = [Header(RATE // 10) for _ in range(int(np.ceil(seconds * 10)))]
        for h in self.headers:
            ref = ctypes.byref(h.hdr)
            check(winmm.waveInPrepareHeader(self.handle, ref, HDR_SIZE), "waveInPrepareHeader")
            check(winmm.waveInAddBuffer(self.handle, ref, HDR_SIZE), "waveInAddBuffer")

    def __enter__(self) -> WaveInRecording:
        return self

    def __exit__(self, *exc: object) -> None:
        if bounded("waveInReset", lambda: winmm.waveInReset(self.handle)) is None:
            return  # stuck: leave the handle open rather than hang
        for h in self.headers:
            winmm.waveInUnprepareHeader(self.handle, ctypes.byref(h.hdr), HDR_SIZE)
        winmm.waveInClose(self.handle)

    def start(self) -> None:
        check(winmm.waveInStart(self.handle), "waveInStart")
        deadline = time.monotonic() + WAIT
        while self.position() == 0:  # running once the first frames were placed
            if time.monotonic() > deadline:
                raise TimeoutError("waveIn recorded nothing")
            time.sleep(0.005)

    def position(self) -> int:
        """Frames recorded so far: ``waveInGetPosition`` in TIME_SAMPLES."""
        mmt = MMTIME(wType=TIME_SAMPLES)
        check(winmm.waveInGetPosition(self.handle, ctypes.byref(mmt), ctypes.sizeof(mmt)),
              "waveInGetPosition")
        return int(mmt.u.sample)

    def backward_steps(self, seconds: float) -> tuple[int, int]:
        """Poll the position for ``seconds``: (reads, reads smaller than the one before).

        A recording's position can only grow; one that dips reads too low, and a latency
        measured from it comes out too high.
        """
        reads = back = 0
        last = self.position()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            position = self.position()
            reads, back = reads + 1, back + (position < last)
            last = position
        return reads, back

    def stop(self) -> np.ndarray:
        """Stop and return channel 0 of everything recorded (reset returns every buffer,
        filled as far as it got, before it returns)."""
        bounded("waveInReset", lambda: winmm.waveInReset(self.handle))
        return np.concatenate([h.samples[: h.hdr.dwBytesRecorded // BLOCK_ALIGN, 0]
                               for h in self.headers])


# -- raw sounddevice --------------------------------------------------------------------------


class RawPlayer:
    """The raw counterpart of `Player`: a sounddevice OutputStream whose Python callback
    writes the counter signal straight into PortAudio's buffer, one call per JACK period
    (blocksize=0). PortAudio flags late cycles in the callback's status."""

    def __init__(self, switch_interval: float | None = None) -> None:
        self.signal = Counter()
        self.callbacks = 0
        self.flagged = 0  # callbacks with status.output_underflow
        self.switch_interval = switch_interval  # held while playing, as audiodrv's opens do
        self._saved_interval = sys.getswitchinterval()
        self.stream = sd.OutputStream(samplerate=RATE, channels=CHANNELS, dtype="int16",
                                      blocksize=0, callback=self._callback)

    def __enter__(self) -> RawPlayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self.switch_interval is not None:
            self._saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(self.switch_interval)
        self.stream.start()

    def stop(self) -> None:
        self.stream.abort(ignore_errors=True)
        self.stream.close(ignore_errors=True)
        sys.setswitchinterval(self._saved_interval)

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any,
                  status: sd.CallbackFlags) -> None:
        self.callbacks += 1
        if status.output_underflow:
            self.flagged += 1
        self.signal.fill(outdata)


class RawDuplex:
    """A sounddevice duplex Stream (Python callback, blocksize=0) that records its input
    and, on request, plays an impulse at the start of its next output block."""

    def __init__(self, seconds: float) -> None:
        self.recording = np.zeros(int(seconds * RATE), dtype=np.int16)
        self.frames = 0  # frames recorded so far: the raw side's time base
        self.fired_at: list[int] = []  # recording frame at which each impulse left
        self.fired = threading.Event()
        self._request = False
        self.stream = sd.Stream(samplerate=RATE, channels=CHANNELS, dtype="int16",
                                blocksize=0, callback=self._callback)

    def __enter__(self) -> RawDuplex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.abort(ignore_errors=True)
        self.stream.close(ignore_errors=True)

    def request(self) -> int:
        """Ask for an impulse; return the frames recorded when asked."""
        position = self.frames
        self.fired.clear()
        self._request = True
        return position

    def _callback(self, indata: np.ndarray, outdata: np.ndarray, frames: int, time_info: Any,
                  status: sd.CallbackFlags) -> None:
        start = self.frames
        take = max(0, min(frames, len(self.recording) - start))
        self.recording[start:start + take] = indata[:take, 0]
        self.frames = start + frames
        outdata.fill(0)
        if self._request:
            self._request = False
            outdata[0] = IMPULSE
            self.fired_at.append(start)
            self.fired.set()


# -- the measuring instrument and the load ------------------------------------------------------


class Probe:
    """Records one loopback channel from a separate process.

    All PortAudio streams of a process share one JACK client, served by one JACK callback:
    a recorder in this process is late whenever a Python callback here waits for the GIL,
    and then misses exactly the cycles it should witness. In its own process it is its own
    JACK client and keeps JACK's time; it records with rtmixer's C callback into a ring.
    """

    def __init__(self, server: JackServer, limit: float) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="wave-probe-")
        self.path = Path(self._dir.name) / "probe.f32"
        before = jack_ports(server)
        # PortAudio in the child misses the JACK host API now and then, as here: retry.
        for _ in range(3):
            self.proc = subprocess.Popen(
                [sys.executable, __file__, "--probe", str(self.path), str(limit)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert self.proc.stdout is not None
            ready, _w, _x = select.select([self.proc.stdout], [], [], 2 * WAIT)
            if ready and self.proc.stdout.readline().strip() == "ready":
                self.started = time.monotonic()
                break
            self._end()
        else:
            raise RuntimeError("the probe process did not start recording")
        self.ports = ports_since(server, before, "in")

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc: object) -> None:
        self._end()
        self._dir.cleanup()

    def stop(self) -> np.ndarray:
        """Stop and return the recording as the int16 values that were played; ``seconds``
        is then the wall time it lasted."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("stop\n")
        self.proc.stdin.flush()
        self.seconds = time.monotonic() - self.started
        self._end()
        data = np.fromfile(self.path, dtype=np.float32)
        return np.round(data.astype(np.float64) * 32768).astype(np.int64)

    def _end(self) -> None:
        try:
            self.proc.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def probe_main(path: Path, limit: float) -> int:
    """The probe process: record the default JACK input for at most ``limit`` seconds, or
    until a line arrives on stdin, into ``path`` as float32."""
    jack = [api for api in sd.query_hostapis() if api["name"].startswith("JACK")]
    if not jack or jack[0]["default_input_device"] < 0:
        return 2
    stream = rtmixer.Recorder(device=jack[0]["default_input_device"], channels=1,
                              blocksize=0, samplerate=RATE, latency="low")
    ring = rtmixer.RingBuffer(4, 1 << 21)  # 43 s at 48 kHz: no draining while recording
    stream.start()
    stream.record_ringbuffer(ring)
    print("ready", flush=True)
    select.select([sys.stdin], [], [], limit)
    stream.abort()
    np.frombuffer(ring.read(), dtype=np.float32).tofile(path)
    stream.close()
    return 0


class Cpu:
    """Process CPU time (every thread, PortAudio's JACK thread included) since creation."""

    def __init__(self) -> None:
        self.cpu0, self.wall0 = time.process_time(), time.monotonic()

    def seconds(self) -> tuple[float, float]:
        """(CPU seconds, wall seconds) so far."""
        return time.process_time() - self.cpu0, time.monotonic() - self.wall0

    def percent(self) -> float:
        cpu, wall = self.seconds()
        return 100 * cpu / wall


# -- 1. round-trip latency ---------------------------------------------------------------------


@dataclass
class Latency:
    side: str
    period: int
    trials: int
    lost: int  # trials whose impulse was not found
    frames: list[int]
    min: int
    median: float
    mean: float
    max: int
    median_ms: float
    # From reading the position to the request issued: a JACK cycle that starts inside this
    # window delays the impulse by one more period.
    ask_us_median: float
    xruns: int  # JACK xruns during the trials
    floor_median: float | None = None  # raw only: callback-to-callback round trip


def run_trials(trials: int, rng: random.Random, period: int, ask: Callable[[], int],
               played: Callable[[], None]) -> tuple[list[int], list[float]]:
    """The trial loop of both sides: pause (the random part spreads the requests over the
    JACK cycle), ``ask()`` (read the recording's position, request an impulse, return the
    position), then ``played()`` (wait until it left). Returns the positions and how long
    each ``ask()`` took, in microseconds."""
    positions, asks = [], []
    for _ in range(trials):
        time.sleep(TRIAL_GAP + rng.uniform(0, 2 * period / RATE))
        t0 = time.perf_counter()
        positions.append(ask())
        asks.append(1e6 * (time.perf_counter() - t0))
        played()
    return positions, asks


def summarize(side: str, server: JackServer, xruns0: int, positions: list[int],
              asks: list[float], recording: np.ndarray) -> Latency:
    found, lost = match_arrivals(recording, positions)
    found = found or [0]
    return Latency(side=side, period=server.period, trials=len(positions), lost=lost,
                   frames=found, min=min(found), median=statistics.median(found),
                   mean=round(statistics.mean(found), 2), max=max(found),
                   median_ms=ms(statistics.median(found)),
                   ask_us_median=round(statistics.median(asks), 1),
                   xruns=server.xruns - xruns0)


def latency_audiodrv(server: JackServer, trials: int, rng: random.Random) -> Latency:
    """waveOutWrite of a 10 ms header with an impulse at frame 0, into an idle device."""
    seconds = trials * (TRIAL_GAP + 0.05) + 1.0
    pulse = Header(RATE // 100)
    pulse.samples[0] = IMPULSE
    done = threading.Event()
    before = jack_ports(server)
    with WaveInRecording(seconds) as rec:
        ins = ports_since(server, before, "in")
        handle = open_wave(True, done, CALLBACK_EVENT)
        try:
            loopback(server, ports_since(server, before, "out"), ins)
            ref = ctypes.byref(pulse.hdr)
            check(winmm.waveOutPrepareHeader(handle, ref, HDR_SIZE), "waveOutPrepareHeader")
            rec.start()
            reads, back = rec.backward_steps(0.3)
            if back:
                count(f"waveInGetPosition dips at period {server.period} (of {reads} reads)",
                      back)

            def ask() -> int:
                position = rec.position()
                check(winmm.waveOutWrite(handle, ref, HDR_SIZE), "waveOutWrite")
                return position

            xruns0 = server.xruns
            positions, asks = run_trials(trials, rng, server.period, ask,
                                         lambda: wait_until(lambda: pulse.done, done, "WOM_DONE"))
            time.sleep(0.1)  # let the last impulse come back
            recording = rec.stop()
        finally:
            close_wave_out(handle, [pulse])
    return summarize("audiodrv", server, xruns0, positions, asks, recording)


def latency_raw(server: JackServer, trials: int, rng: random.Random) -> Latency:
    """The same impulse through a raw duplex stream: request, then find it in the input."""
    before = jack_ports(server)
    with RawDuplex(trials * (TRIAL_GAP + 0.05) + 1.0) as duplex:
        duplex.stream.start()
        loopback(server, ports_since(server, before, "out"), ports_since(server, before, "in"))
        xruns0 = server.xruns
        positions, asks = run_trials(
            trials, rng, server.period, duplex.request,
            lambda: wait_until(duplex.fired.is_set, duplex.fired, "the duplex callback"))
        time.sleep(0.1)
        duplex.stream.abort()
        recording = duplex.recording[:duplex.frames]
    result = summarize("raw", server, xruns0, positions, asks, recording)
    floors, _ = match_arrivals(recording, duplex.fired_at)
    result.floor_median = statistics.median(floors) if floors else None
    return result


def wait_until(condition: Callable[[], bool], event: threading.Event, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {WAIT} s")
        event.wait(0.05)


# -- 2. glitches under a GIL-holding thread ---------------------------------------------------


@dataclass
class GlitchRun:
    side: str
    hog: bool
    seconds: float
    glitches: Glitches
    xruns: int  # JACK xruns during the run
    # JACK cycles the probe never got: its recording is shorter than the wall time it ran.
    # A late client in JACK2 holds up the whole graph, so these are cycles lost for everyone.
    missing_cycles: int
    affected_percent: float  # cycles with a break or missing, of all the run's cycles
    notes: dict[str, int] = field(default_factory=dict)  # side-specific counters


def glitch_run(server: JackServer, side: str, make: Callable[[], Any], seconds: float,
               hog: bool) -> GlitchRun:
    """Play the counter for ``seconds`` (with or without the GIL hog) and analyse what the
    probe recorded from the player's first output port."""
    before = jack_ports(server)
    with ExitStack() as stack:
        player = stack.enter_context(make())
        player.start()
        outs = ports_since(server, before, "out")
        probe = stack.enter_context(Probe(server, seconds + 2 * WAIT))
        loopback(server, outs[:1], probe.ports)
        xruns0 = server.xruns
        with gil_hog(hog):
            time.sleep(seconds)
        xruns = server.xruns - xruns0
        player.stop()
        time.sleep(0.05)  # the last frames through the loopback
        values = probe.stop()
    notes = {k: getattr(player, k) for k in ("done", "errors", "callbacks", "flagged")
             if hasattr(player, k)}
    found = glitches(values, server.period)
    missing = max(round((probe.seconds * RATE - len(values)) / server.period), 0)
    percent = 100 * (found.affected_cycles + missing) / (found.cycles + missing)
    return GlitchRun(side, hog, seconds, found, xruns, missing, round(percent, 2), notes)


def bench_glitches(server: JackServer, seconds: float) -> list[GlitchRun]:
    sides: list[tuple[str, Callable[[], Any]]] = [
        ("audiodrv CALLBACK_FUNCTION 4x5ms", lambda: Player(4, RATE // 200, "function")),
        ("audiodrv CALLBACK_EVENT 4x5ms", lambda: Player(4, RATE // 200, "event")),
        ("raw sounddevice callback", RawPlayer),
        ("raw sounddevice callback, switch interval 1 ms", lambda: RawPlayer(0.001)),
    ]
    runs = []
    # A short run without the hog first: what the machine and JACK do on their own.
    for hog, length in ((False, seconds / 3), (True, seconds)):
        for side, make in sides:
            runs.append(glitch_run(server, side, make, length, hog))
            print(f"  glitches {side} hog={hog}: {runs[-1].affected_percent} % of cycles",
                  flush=True)
    return runs


# -- 3. CPU per playing stream --------------------------------------------------------------------


@dataclass
class CpuRun:
    side: str
    streams: int
    percent: float  # of one core, whole process
    per_stream: float
    header_ms: int | None = None  # audiodrv's headers (4 per open)


def cpu_run(side: str, makers: list[Callable[[], Any]], seconds: float,
            header_ms: int | None = None) -> CpuRun:
    with ExitStack() as stack:
        players = [stack.enter_context(make()) for make in makers]
        for player in players:
            player.start()
        time.sleep(0.5)  # past the start-up
        cpu = Cpu()
        time.sleep(seconds)
        percent = cpu.percent()
    n = max(len(makers), 1)
    return CpuRun(side, len(makers), round(percent, 2), round(percent / n, 2), header_ms)


def bench_cpu(seconds: float) -> list[CpuRun]:
    runs = [cpu_run("idle (PortAudio up, nothing open)", [], seconds / 2)]
    for ms, counts in ((5, (1, 4, 16)), (20, (1, 16)), (50, (1, 16))):
        for n in counts:
            make = functools.partial(Player, 4, RATE * ms // 1000)
            runs.append(cpu_run("audiodrv", [make] * n, seconds, ms))
    runs.append(cpu_run("raw sounddevice callback", [RawPlayer], seconds))
    for r in runs:
        print(f"  cpu {r.side} x{r.streams} ({r.header_ms} ms headers): {r.percent:.1f} %",
              flush=True)
    return runs


# -- 4. header throughput ---------------------------------------------------------------------


@dataclass
class HeaderRun:
    opens: int
    frames_per_header: int
    headers_per_open: int
    done_per_second: float
    demand_per_second: float  # what real time asks for: opens * RATE / frames
    sustained_percent: float
    cpu_us_per_header: float
    errors: int


def header_run(opens: int, frames: int, headers: int, seconds: float) -> HeaderRun:
    with ExitStack() as stack:
        players = [stack.enter_context(Player(headers, frames, full_cycle=True))
                   for _ in range(opens)]
        for player in players:
            player.start()
        time.sleep(0.5)
        done0 = sum(p.done for p in players)
        meter = Cpu()
        time.sleep(seconds)
        done = sum(p.done for p in players) - done0
        cpu, wall = meter.seconds()
        errors = sum(p.errors for p in players)
    demand = opens * RATE / frames
    return HeaderRun(opens, frames, headers, round(done / wall, 1), demand,
                     round(100 * done / wall / demand, 1),
                     round(1e6 * cpu / max(done, 1), 1), errors)


def bench_headers(seconds: float) -> list[HeaderRun]:
    # 16 x 64 frames = 21 ms queued per open, as much as item 2 queues.
    runs = [header_run(n, 64, 16, seconds) for n in (1, 4, 16, 32)]
    for r in runs:
        print(f"  headers x{r.opens}: {r.done_per_second:.0f}/s "
              f"({r.sustained_percent:.0f} % of real time)", flush=True)
    return runs


# -- report -------------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown tables, ready for the README."""
    meta = results["meta"]
    title = (f"Wave benchmarks: JACK dummy server, {RATE} Hz, {meta['cpus']} CPUs, Python "
             f"{meta['python']}, GIL switch interval {meta['switch_interval_ms']:g} ms "
             f"(audiodrv's opens hold 1 ms)"
             f"{'' if meta['size'] == 'full' else ', --' + meta['size']}.")
    tables = [latency_table(results["latency"]), glitch_table(results["glitches"]),
              cpu_table(results["cpu"]), header_table(results["headers"])]
    anomalies = [f"- {what}: {n}" for what, n in results["anomalies"].items() if n]
    if anomalies:
        tables.append("\n".join(["Anomalies in the stack under test:", *anomalies]))
    return "\n\n".join([title, *tables])


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def latency_table(runs: list[dict[str, Any]]) -> str:
    periods = sorted({r["period"] for r in runs})
    by = {(r["side"], r["period"]): r for r in runs}

    def cell(r: dict[str, Any]) -> str:
        lost = f", {r['lost']} lost" if r["lost"] else ""
        return f"{r['median']:.0f} fr / {r['median_ms']:.2f} ms [{r['min']}–{r['max']}]{lost}"

    rows = [["audiodrv: waveInGetPosition, waveOutWrite → impulse in waveIn",
             *(cell(by["audiodrv", p]) for p in periods)],
            ["raw sounddevice duplex: frames received, request → impulse in input",
             *(cell(by["raw", p]) for p in periods)],
            ["raw callback → callback (the floor)",
             *(f"{by['raw', p]['floor_median']:.0f} fr" for p in periods)],
            ["mean, audiodrv / raw",
             *(f"{by['audiodrv', p]['mean']:.1f} / {by['raw', p]['mean']:.1f} fr"
               for p in periods)],
            ["position read → request issued, median, audiodrv / raw",
             *(f"{by['audiodrv', p]['ask_us_median']:.0f} / {by['raw', p]['ask_us_median']:.0f} µs"
               for p in periods)],
            ["ratio audiodrv / raw: medians, means",
             *(f"{by['audiodrv', p]['median'] / by['raw', p]['median']:.2f}×, "
               f"{by['audiodrv', p]['mean'] / by['raw', p]['mean']:.2f}×" for p in periods)]]
    return table(["Round trip, median [min–max]", *(f"period {p}" for p in periods)], rows)


def glitch_table(runs: list[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        g = r["glitches"]
        rows.append([r["side"], "yes" if r["hog"] else "no", f"{r['seconds']:.0f}",
                     f"{g['silences']} ({g['silent_frames']})",
                     f"{g['jumps']} ({g['lost_frames']})", str(g["repeats"]),
                     str(r["missing_cycles"]),
                     f"{g['affected_cycles'] + r['missing_cycles']} / "
                     f"{g['cycles'] + r['missing_cycles']} ({r['affected_percent']:.2f} %)",
                     str(r["xruns"])])
    return table([f"Glitches, period {LOAD_PERIOD}, 20 ms queued", "GIL hog", "s",
                  "silences (frames)", "jumps (frames lost)", "repeats",
                  "JACK cycles missing", "cycles affected", "JACK xruns"], rows)


def cpu_table(runs: list[dict[str, Any]]) -> str:
    rows = [[r["side"] + (f", 4 × {r['header_ms']} ms headers" if r.get("header_ms") else ""),
             str(r["streams"]), f"{r['percent']:.1f} %", f"{r['per_stream']:.1f} %"]
            for r in runs]
    raw = next(r["percent"] for r in runs if r["side"].startswith("raw"))
    for size in sorted({r["header_ms"] for r in runs if r.get("header_ms")}):
        audiodrv = {r["streams"]: r["percent"] for r in runs
                    if r["side"] == "audiodrv" and r.get("header_ms") == size}
        rows.append([f"ratios, {size} ms headers: 16 opens / 1 open; 1 open / raw", "",
                     f"{audiodrv[16] / audiodrv[1]:.1f}×", f"{audiodrv[1] / raw:.1f}×"])
    return table([f"CPU, period {LOAD_PERIOD} (whole process, % of one core)", "streams",
                  "total", "per stream"], rows)


def header_table(runs: list[dict[str, Any]]) -> str:
    rows = [[f"{r['opens']} × {r['headers_per_open']} headers of {r['frames_per_header']}",
             f"{r['done_per_second']:.0f}", f"{r['demand_per_second']:.0f}",
             f"{r['sustained_percent']:.0f} %", f"{r['cpu_us_per_header']:.0f} µs"]
            for r in runs]
    return table(["Header throughput, unprepare/prepare/write/WOM_DONE (no raw counterpart)",
                  "WOM_DONE/s", "real-time demand", "sustained", "CPU per header"], rows)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display here; must precede pyplot
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    ax = axes[0][0]
    periods = sorted({r["period"] for r in results["latency"]})
    for offset, side in ((-0.2, "audiodrv"), (0.2, "raw")):
        rows = [r for r in results["latency"] if r["side"] == side]
        rows.sort(key=lambda r: r["period"])
        med = [r["median_ms"] for r in rows]
        lo = [m - ms(r["min"]) for m, r in zip(med, rows, strict=True)]
        hi = [ms(r["max"]) - m for m, r in zip(med, rows, strict=True)]
        ax.bar(np.arange(len(rows)) + offset, med, 0.4, yerr=[lo, hi], capsize=4, label=side)
    ax.set_xticks(range(len(periods)), [f"period {p}" for p in periods])
    ax.set_ylabel("ms (median, min-max)")
    ax.set_title("1. round trip write → recording")
    ax.legend()

    ax = axes[0][1]
    runs = results["glitches"]
    labels = [f"{r['side']}\n{'hog' if r['hog'] else 'no hog'}" for r in runs]
    ax.barh(range(len(runs)), [r["affected_percent"] for r in runs],
            color=["C1" if r["hog"] else "C0" for r in runs])
    ax.set_yticks(range(len(runs)), labels, fontsize=7)
    ax.set_xlabel("% of JACK cycles affected")
    ax.set_title("2. glitches with a GIL-holding thread")

    ax = axes[1][0]
    audiodrv = [r for r in results["cpu"] if r["side"] == "audiodrv"]
    for size in sorted({r.get("header_ms", 5) for r in audiodrv}):
        line = [r for r in audiodrv if r.get("header_ms", 5) == size]
        ax.plot([r["streams"] for r in line], [r["percent"] for r in line], "o-",
                label=f"audiodrv, 4 × {size} ms headers")
    raw = [r for r in results["cpu"] if r["side"].startswith("raw")]
    ax.plot([r["streams"] for r in raw], [r["percent"] for r in raw], "s", label="raw, 1")
    ax.set_xscale("log", base=2)
    streams = sorted({r["streams"] for r in audiodrv})
    ax.set_xticks(streams, [str(n) for n in streams])
    ax.set_xlabel("playing streams")
    ax.set_ylabel("process CPU, % of one core")
    ax.set_title("3. CPU")
    ax.legend()

    ax = axes[1][1]
    rows = results["headers"]
    x = [r["opens"] for r in rows]
    ax.plot(x, [r["done_per_second"] for r in rows], "o-", label="WOM_DONE/s")
    ax.plot(x, [r["demand_per_second"] for r in rows], "k--", label="real-time demand")
    ax.set_xscale("log", base=2)
    ax.set_xticks(x, [str(n) for n in x])
    ax.set_xlabel("opens (64-frame headers)")
    ax.set_title("4. header throughput")
    ax.legend()

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- main ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    trials: int  # item 1, per period and side
    load_seconds: float  # item 2, with the hog (a third of it without)
    cpu_seconds: float  # items 3 and 4, per run
    watchdog: float  # seconds the whole run may take


# "smoke" only shows that every item runs (the tests do that): its numbers mean nothing.
SIZES = {"full": Size(40, 30.0, 10.0, 900), "quick": Size(15, 10.0, 4.0, 400),
         "smoke": Size(3, 1.0, 0.3, 240)}


def run(size: str, ini: Path) -> dict[str, Any]:
    rng = random.Random(1)
    trials, load_seconds, cpu_seconds, _ = astuple(SIZES[size])
    results: dict[str, Any] = {
        "meta": {"size": size, "rate": RATE, "cpus": os.cpu_count(),
                 "python": platform.python_version(), "machine": platform.machine(),
                 "switch_interval_ms": sys.getswitchinterval() * 1000,
                 "sounddevice": sd.__version__, "portaudio": sd.get_portaudio_version()[1],
                 "load_period": LOAD_PERIOD, "date": time.strftime("%Y-%m-%d %H:%M")},
        "latency": [],
    }
    for period in LATENCY_PERIODS:
        with jack_session(period, ini) as server:
            for measure in (latency_audiodrv, latency_raw):
                r = measure(server, trials, rng)
                results["latency"].append(asdict(r))
                print(f"  latency period {period} {r.side}: median {r.median} frames "
                      f"[{r.min}-{r.max}], lost {r.lost}, xruns {r.xruns}", flush=True)
    with jack_session(LOAD_PERIOD, ini) as server:
        results["glitches"] = [asdict(r) for r in bench_glitches(server, load_seconds)]
        results["cpu"] = [asdict(r) for r in bench_cpu(cpu_seconds)]
        results["headers"] = [asdict(r) for r in bench_headers(cpu_seconds)]
    results["anomalies"] = dict(_anomalies)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_size_options(parser, "shorter runs, fewer trials")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"),
                        help="where wave.json and wave.png go")
    parser.add_argument("--switch-interval", type=float, metavar="MS",
                        help="Python's GIL switch interval for this run (an application's "
                             "choice; default: Python's 5 ms; audiodrv's wave opens hold "
                             "1 ms or [sndpa.drv] switchinterval=)")
    parser.add_argument("--probe", nargs=2, metavar=("FILE", "SECONDS"),
                        help=argparse.SUPPRESS)  # the recording process (see Probe)
    args = parser.parse_args(argv)
    if args.probe:
        return probe_main(Path(args.probe[0]), float(args.probe[1]))
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval / 1000)
    # A plain SIGTERM (a CI timeout) would skip every finally and leave jackd running.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    size = chosen_size(args)
    start_watchdog("wave_bench", SIZES[size].watchdog, _servers)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wave-bench-") as tmp:
        ini = Path(tmp) / "SYSTEM.INI"
        ini.write_text("[drivers]\nwave=sndpa.drv\nWaveMapper=wavemap.drv\n")
        os.environ["AUDIODRV_SYSTEM_INI"] = str(ini)
        results = run(size, ini)
    (args.out / "wave.json").write_text(json.dumps(results, indent=1))
    plot(results, args.out / "wave.png")
    print()
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
