#!/usr/bin/env python3
"""MIDI benchmarks: one workload through audiodrv's winmm API and through raw python-rtmidi.

Run from the project root::

    python benchmarks/midi_bench.py [--quick | --smoke] [--out benchmarks/results]

Every measurement runs on private JACK dummy servers started here (48 kHz, ``--no-realtime``),
JACK MIDI between RtMidi clients (python-rtmidi's JACK API), ``midirt.drv`` with ``api=jack``
for audiodrv's MIDI ports.  All times are ``time.perf_counter_ns`` (CLOCK_MONOTONIC).

1. Out -> in latency, at JACK periods 64 and 256 (a fresh server each).  Two probe clients
   are made with rtmidi: ``lat_src:out`` (a raw MidiOut) and ``lat_dst:in`` (a raw MidiIn).
   audiodrv opens ``midiOutOpen`` on the device ``lat_dst:in`` and ``midiInOpen`` (with
   CALLBACK_FUNCTION, then ``midiInStart``) on the device ``lat_src:out``; midirt.drv gives
   each its own JACK port.  The JACK graph is then rewired so that each sender's port feeds
   exactly one receiver, giving four one-hop paths (sender -> receiver):

   - audiodrv -> audiodrv: ``midiOutShortMsg`` -> the application's MIM_DATA callback;
   - audiodrv -> raw: ``midiOutShortMsg`` -> the raw MidiIn's callback;
   - raw -> audiodrv: ``MidiOut.send_message`` -> MIM_DATA callback;
   - raw -> raw: ``send_message`` -> the raw MidiIn's callback (the floor).

   Latency = stamp taken first thing in the receiving callback (on RtMidi's JACK thread
   for raw; on audiodrv's notifier thread for MIM_DATA, which engine/jackmidi.c's JACK
   client wakes, or midirt's poll finds where that library was not built) minus the stamp
   taken just before the send call.  Each
   message carries its trial number, so arrivals are matched exactly; one not back within
   0.5 s is lost.  A JACK MIDI message waits for the next JACK cycle, so a single latency
   is mostly where in the cycle the send fell (uniform over one period: pauses between
   trials are randomised over two periods).  Hence a second, paired mode: in each trial
   an audiodrv -> audiodrv and a raw -> raw message are sent back to back (order
   alternating), normally inside the same cycle, and the per-trial difference of their
   latencies is the extra time audiodrv takes with the cycle phase cancelled out (the two
   receiving callbacks then compete for the GIL in the same cycle).  A third, fan-out
   mode isolates the receive side: one raw message goes to both receivers, and the
   difference is MIM_DATA's stamp minus the raw callback's for the same message.  Paths
   and modes are measured in interleaved blocks (rounds of shuffled blocks); the send
   calls' own durations are reported too.
2. Stream scheduling error at period 256, 10 minutes (60 s with ``--quick``): a
   ``midiStreamOpen`` stream on a probe input (``st_dst:in``), 1 tick = 1 ms (time division
   1000 PPQN, tempo 1 000 000 us per quarter), one short message every 5 ms, 4 headers of
   50 events (1 s queued) re-submitted from the MOM_DONE callback.  Event i is scheduled at
   ``t0 + i * 5 ms`` where t0 is the stamp just before ``midiStreamRestart``; its error is
   its arrival at the probe's callback minus that.  The raw counterpart runs at the same
   time in a child process of its own (its own GIL, its own JACK clients, the same JACK
   server): a Python loop that sleeps to absolute ``perf_counter`` deadlines
   ``t0 + i * 5 ms`` and calls ``send_message``, into its own rtmidi probe input in the
   same child.  Reported: p50/p99/max of the error, the median error in the first and the
   last 10 % of the events, and the slope of a least-squares line through all errors
   (ms of drift per minute).
3. SysEx throughput at period 256: 1024-byte messages (F0 7D id id ... F7), back to back:
   audiodrv: ``midiOutLongMsg`` of a prepared header, then wait for its MOM_DONE
   (CALLBACK_FUNCTION) before the next; raw: ``send_message`` after ``send_message``.
   Throughput = intact bytes received / (first send -> last arrival).  The probe input runs
   in a process of its own (``sxp_dst:in``), and again in the sending process
   (``sx_dst:in``), as an application that also receives MIDI would have it: RtMidi 5's
   JACK ``sendMessage`` spins (holding the GIL) while its 16 KB ring is full, and a
   receiving callback in that process then misses JACK cycles.  The call time is the send
   call (raw) or the ``midiOutLongMsg`` call -> MOM_DONE seen by the loop (audiodrv).
4. Synthesizer note-on -> sound at period 256: fluidsyn.drv and sndpa.drv, the JACK audio
   loopback (PortAudio's outputs into its inputs) recorded with ``waveIn`` in float32, as
   tests/synth do.  The onset is the note's first sample in the recording above
   max(1e-4, 10 x the peak of the 50 ms before).  Two numbers per note: as tests/synth, the
   onset's frame minus the capture position (``waveInGetPosition``, TIME_SAMPLES) read just
   before ``midiOutShortMsg`` (note-on, square lead, hard left) - whole periods only, 0 when
   the note sounds in the first capture cycle after the call; and a wall-clock time: from
   the stamp before the call to the first capture cycle after it (the position polled
   every 0.1 ms until it moves), plus the onset's frames past that position (a note-on
   during which a cycle ran gets no wall time).  "idle": the synthesizer was not rendering
   (it renders at once on the note-on); "playing": another note sounds (hard right, no
   reverb or chorus) so the new one waits behind the lead already rendered.  There is no
   raw counterpart.

5. MIDI input CPU at period 256: a child process sends a short message every 5 ms (paced as
   in item 2) to ``cpu_src:out``; this process has one input open on it: audiodrv's
   ``midiInOpen`` + ``midiInStart`` (CALLBACK_FUNCTION counting MIM_DATA), woken through
   engine/jackmidi.c, or polled through RtMidi (as on the other RtMidi APIs, forced here);
   a raw rtmidi input with a Python callback; or none.  Reported: this whole process's CPU
   time over the sending (``time.process_time``) as % of one core, rounds interleaved.

Results go to ``<out>/midi.json`` and ``<out>/midi.png``; Markdown tables are printed.
Needs matplotlib for the plot.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import platform
import random
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from unittest.mock import patch

import numpy as np
import rtmidi
from benchkit import add_size_options, chosen_size, start_watchdog

from audiodrv import winmm
from audiodrv.core.system import reset_system
from audiodrv.ddk import SYNTH_GETSTATS, WAVE_GETXRUNS
from audiodrv.engine import jackmidi
from audiodrv.engine.jackserver import JackError, JackServer
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    CALLBACK_NULL,
    MEVT_SHORTMSG,
    MIDIHDR,
    MIDIINCAPSW,
    MIDIOUTCAPSW,
    MIDIPROP_SET,
    MIDIPROP_TEMPO,
    MIDIPROP_TIMEDIV,
    MIDIPROPTEMPO,
    MIDIPROPTIMEDIV,
    MIM_DATA,
    MMSYSERR_NOERROR,
    MMTIME,
    MOM_DONE,
    TIME_SAMPLES,
    WAVE_FORMAT_IEEE_FLOAT,
    WAVEFORMATEX,
    WAVEHDR,
    get_string,
)

T = TypeVar("T")

RATE = 48000
LATENCY_PERIODS = (64, 256)
LOAD_PERIOD = 256  # items 2-4: the quietest period on these machines (TESTENV.md)

WAIT = 5.0  # seconds: the bound on any single wait for something to happen
SETTLE = 0.2  # seconds for MIDI in flight to arrive before a JACK client call (see settle)
LOST_AFTER = 0.5  # seconds: a latency-trial message not back by then is lost
TRIAL_PAUSE = 0.003  # seconds between a trial's receipt and the next send, plus 0-2 periods

STEP_MS = 5  # item 2: one event every 5 ms
TICKS_PER_QN = 1000  # with TEMPO_US: 1 tick = 1 ms
TEMPO_US = 1_000_000
STREAM_HEADERS = 4
EVENTS_PER_HEADER = 50  # 250 ms per header, 1 s queued
EVENT_BYTES = 12  # a short MIDIEVENT: dwDeltaTime, dwStreamID, dwEvent

SYSEX_BYTES = 1024
SYSEX_PATTERN = [(7 * i + 3) & 0x7F for i in range(SYSEX_BYTES - 5)]  # after F0 7D id id

MIDI_INI = "[drivers]\nmidi=midirt.drv\n\n[midirt.drv]\napi=jack\n"
SYNTH_INI = "[drivers]\nwave=sndpa.drv\nmidi=fluidsyn.drv\n"
SYNTH_PROGRAM = 80  # GM Lead 1 (square): a sharp onset, and it sustains
ONSET_FLOOR = 2400  # frames before the note-on whose peak sets the onset threshold

_servers: list[JackServer] = []  # for the watchdog: the servers it must not leave behind
_children: list[subprocess.Popen[str]] = []  # and the child processes (see Child)
# Things that went wrong in the stack under test rather than in a measurement, counted and
# reported with the results.
_anomalies: dict[str, int] = {}


def count(anomaly: str, n: int = 1) -> None:
    _anomalies[anomaly] = _anomalies.get(anomaly, 0) + n


def check(result: int, what: str) -> None:
    """Raise if a winmm call did not return MMSYSERR_NOERROR."""
    if result != MMSYSERR_NOERROR:
        raise RuntimeError(f"{what} returned MMRESULT {result}")


def now_ns() -> int:
    return time.perf_counter_ns()


# -- statistics ---------------------------------------------------------------------------------


@dataclass
class Dist:
    """Summary of a sample; None where there were no values."""

    n: int
    median: float | None
    p99: float | None
    mean: float | None
    min: float | None
    max: float | None


def dist(values: Sequence[float] | np.ndarray, digits: int = 3) -> Dist:
    x = np.asarray(values, dtype=np.float64)
    if not len(x):
        return Dist(0, None, None, None, None, None)
    return Dist(len(x), round(float(np.median(x)), digits),
                round(float(np.percentile(x, 99)), digits), round(float(x.mean()), digits),
                round(float(x.min()), digits), round(float(x.max()), digits))


def median_diff_ci(a: Sequence[float], b: Sequence[float], seed: int = 1,
                   resamples: int = 2000) -> tuple[float, float]:
    """95 % bootstrap interval of median(a) - median(b)."""
    if not a or not b:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    xa, xb = np.asarray(a), np.asarray(b)
    diffs = (np.median(rng.choice(xa, (resamples, len(xa))), axis=1)
             - np.median(rng.choice(xb, (resamples, len(xb))), axis=1))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return (round(float(lo), 3), round(float(hi), 3))


# -- JACK and the system ------------------------------------------------------------------------


@contextmanager
def jack_session(period: int) -> Iterator[JackServer]:
    """A fresh private JACK server that this process's JACK clients use."""
    server = JackServer(rate=RATE, period=period)
    _servers.append(server)
    server.start()
    try:
        server.activate()
        yield server
    finally:
        reset_system()
        # PortAudio (loaded by the synthesizer only) cannot close its JACK client once the
        # server is gone: shut it down first.
        if "audiodrv.engine.portaudio" in sys.modules:
            from audiodrv.engine import portaudio

            portaudio.terminate()
        server.stop()
        _servers.remove(server)


@contextmanager
def audiodrv_system(ini: Path, text: str,
                    ready: Callable[[], bool] = lambda: True,
                    attempts: int = 5) -> Iterator[None]:
    """audiodrv's system loaded from ``text``; enumeration happens here, so every probe port
    a device is wanted for must exist before.  Loads again (up to ``attempts``) until
    ``ready()``: now and then PortAudio's first initialisation after a JACK server started
    comes up without its JACK host API (wave_bench.py saw it too)."""
    ini.write_text(text)
    try:
        for attempt in range(attempts):
            if reset_system(ini) is None:
                raise RuntimeError(f"audiodrv did not load {ini}")
            if ready():
                count("system_load_retries", attempt)
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"audiodrv's devices did not appear in {attempts} loads")
        yield
    finally:
        reset_system()


def jack_tool(call: Callable[..., T], *args: str) -> T:
    """Call a `JackServer` port method, retrying: now and then a jack_* client fails to
    open on these machines, and the next try works."""
    for _ in range(4):
        try:
            return call(*args)
        except JackError:
            count("jack_tool_retries")
            time.sleep(0.1)
    return call(*args)  # the last try raises


def jack_ports(server: JackServer) -> set[str]:
    return set(jack_tool(server.ports))


def one_new_port(server: JackServer, before: set[str]) -> str:
    fresh = sorted(jack_ports(server) - before)
    if len(fresh) != 1:
        raise RuntimeError(f"expected one new JACK port, found {fresh}")
    return fresh[0]


def wire(server: JackServer, source: str, targets: set[str]) -> None:
    """Connect ``source`` (an output port) to exactly ``targets``."""
    peers = set(jack_tool(server.connections, source))
    for peer in peers - targets:
        jack_tool(server.disconnect, source, peer)
    for target in targets - peers:
        jack_tool(server.connect, source, target)


def device_id(kind: str, name: str) -> int:
    """The audiodrv MIDI device id ("out" or "in") whose name is a JACK port's."""
    if kind == "out":
        n, caps_type, get = winmm.midiOutGetNumDevs(), MIDIOUTCAPSW, winmm.midiOutGetDevCapsW
    else:
        n, caps_type, get = winmm.midiInGetNumDevs(), MIDIINCAPSW, winmm.midiInGetDevCapsW
    for i in range(n):
        caps = caps_type()
        check(get(i, ctypes.byref(caps), ctypes.sizeof(caps)), "midi*GetDevCapsW")
        if get_string(caps, "szPname") == name:
            return i
    raise RuntimeError(f"audiodrv has no MIDI {kind} device {name!r}")


def rt_in(client: str, on_message: Callable[[list[int]], None]) -> Any:
    """A raw rtmidi JACK input, virtual port ``<client>:in``; ``on_message(bytes)`` runs on
    RtMidi's JACK thread with the stamp to take first."""
    port = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=client)
    port.ignore_types(sysex=False, timing=False, active_sense=False)
    port.open_virtual_port("in")
    port.set_callback(lambda event, _data: on_message(event[0]))
    return port


def rt_out(client: str, target: str | None = None) -> Any:
    """A raw rtmidi JACK output: virtual port ``<client>:out``, or a port connected to
    ``target`` as RtMidi (and midirt.drv) connect."""
    port = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=client)
    if target is None:
        port.open_virtual_port("out")
    else:
        names = port.get_ports()
        if target not in names:
            port.delete()
            raise RuntimeError(f"no JACK MIDI port {target!r} (have {names})")
        port.open_port(names.index(target), name="out")
    return port


def settle() -> None:
    """Let the MIDI in flight reach its callbacks before a JACK client or port is opened or
    closed in this process.

    python-rtmidi makes those JACK calls holding the GIL, and JACK applies the graph change
    between process cycles; a cycle in which an rtmidi input of this process waits for the
    GIL to run its Python callback cannot end, so the call waits for JACK's client timeout,
    and JACK may then cancel that input's thread while it waits for the GIL, which breaks
    the interpreter (a hang or a segfault later; see the report).  So no MIDI may be
    arriving at an input of this process then: the senders stop first, then this.
    """
    time.sleep(SETTLE)


def rt_close(port: Any) -> None:
    """Close an rtmidi port, its senders stopped (see settle)."""
    settle()
    port.close_port()
    port.delete()


def bounded(what: str, call: Callable[[], T], seconds: float = WAIT) -> T | None:
    """``call()`` on a helper thread; None (and an anomaly counted) if it has not returned
    within ``seconds`` (``midiStreamClose`` joins the scheduler thread without a limit)."""
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


# -- numbered messages --------------------------------------------------------------------------


def id_message(k: int) -> list[int]:
    """Note-on carrying ``k`` (18 bits): channel = bits 14-17, data bytes = bits 0-13."""
    return [0x90 | ((k >> 14) & 0x0F), k & 0x7F, (k >> 7) & 0x7F]


def id_of(message: Sequence[int]) -> int | None:
    if len(message) != 3 or message[0] & 0xF0 != 0x90:
        return None  # a reset's controllers and the like
    return ((message[0] & 0x0F) << 14) | message[1] | (message[2] << 7)


def packed(message: Sequence[int]) -> int:
    """A short message as midiOutShortMsg's DWORD."""
    return message[0] | message[1] << 8 | message[2] << 16


def id_of_packed(dw: int) -> int | None:
    return id_of([dw & 0xFF, (dw >> 8) & 0xFF, (dw >> 16) & 0xFF])


class Receipts:
    """Arrival stamps by (receiver, message id), from whichever thread a message arrives on."""

    def __init__(self) -> None:
        self.at: dict[tuple[str, int], int] = {}
        self.cond = threading.Condition()
        self.strays = 0  # not a numbered message, or one seen twice by the same receiver

    def add(self, receiver: str, k: int | None, stamp: int) -> None:
        with self.cond:
            if k is None or (receiver, k) in self.at:
                self.strays += 1
                return
            self.at[receiver, k] = stamp
            self.cond.notify_all()

    def wait(self, keys: Sequence[tuple[str, int]], timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: all(key in self.at for key in keys), timeout)


# -- 1. out -> in latency -----------------------------------------------------------------------

PATHS = {  # key: (sender, receiver, label)
    "aa": ("audiodrv", "audiodrv", "audiodrv → audiodrv (midiOutShortMsg → MIM_DATA)"),
    "ar": ("audiodrv", "raw", "audiodrv → raw (midiOutShortMsg → rtmidi callback)"),
    "ra": ("raw", "audiodrv", "raw → audiodrv (send_message → MIM_DATA)"),
    "rr": ("raw", "raw", "raw → raw (send_message → rtmidi callback)"),
}
RECEIVERS = ("audiodrv", "raw")
# The blocks of one round, by the wiring they need: "alone" blocks send one message per
# trial, "paired" sends aa and rr back to back, "fan-out" one raw message to both receivers.
BLOCKS = {"aa+rr": [("alone", "aa"), ("alone", "rr"), ("paired", "aa+rr")],
          "ar+ra": [("alone", "ar"), ("alone", "ra")],
          "fan-out": [("fan-out", "ra+rr")]}


@dataclass
class PathLatency:
    period: int
    path: str  # a PATHS key
    mode: str  # "alone" or "paired" (see BLOCKS)
    sent: int
    lost: int
    latency_ms: Dist
    send_call_us: Dist  # the send call alone
    values_ms: list[float] = field(default_factory=list)


@dataclass
class LatencyRun:
    period: int
    paths: list[PathLatency]
    # aa - rr, alone: medians with a 95 % bootstrap interval, and p99s
    median_diff_ms: float | None
    median_diff_ci95: tuple[float, float]
    p99_diff_ms: float | None
    # aa - rr, paired per trial (the JACK cycle phase cancels out)
    paired_diff_ms: Dist
    paired_apart: int  # pairs more than half a period apart
    # fan-out: MIM_DATA minus the raw callback, for the same message in the same cycle
    receive_hop_ms: Dist
    send_side_ms: float | None  # median ar - median rr
    receive_side_ms: float | None  # median ra - median rr
    xruns: int
    strays: int


class LatencyRig:
    """The probe clients, audiodrv's two opens and the wiring of item 1."""

    def __init__(self, server: JackServer, stack: ExitStack, ini: Path) -> None:
        self.server = server
        self.receipts = Receipts()
        self.next_id = 0
        self.src = rt_out("lat_src")
        stack.callback(rt_close, self.src)
        self.dst = rt_in("lat_dst", self._raw_received)
        stack.callback(rt_close, self.dst)
        stack.enter_context(audiodrv_system(ini, MIDI_INI))
        before = jack_ports(server)
        handle = ctypes.c_void_p()
        check(winmm.midiOutOpen(ctypes.byref(handle), device_id("out", "lat_dst:in"), 0, 0,
                                CALLBACK_NULL), "midiOutOpen")
        assert handle.value is not None
        self.hmo: int = handle.value
        stack.callback(winmm.midiOutClose, self.hmo)
        self.aout = one_new_port(server, before)
        before = jack_ports(server)
        check(winmm.midiInOpen(ctypes.byref(handle), device_id("in", "lat_src:out"),
                               self._mim, 0, CALLBACK_FUNCTION), "midiInOpen")
        assert handle.value is not None
        self.hmi: int = handle.value
        stack.callback(self._close_in)
        stack.callback(settle)  # late messages arrive before the first close
        self.ain = one_new_port(server, before)
        check(winmm.midiInStart(self.hmi), "midiInStart")

    def _raw_received(self, message: list[int]) -> None:
        stamp = now_ns()
        self.receipts.add("raw", id_of(message), stamp)

    def _mim(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        stamp = now_ns()
        if msg == MIM_DATA:
            self.receipts.add("audiodrv", id_of_packed(p1), stamp)

    def _close_in(self) -> None:
        winmm.midiInReset(self.hmi)
        winmm.midiInClose(self.hmi)

    def wire_for(self, wiring: str) -> None:
        """"aa+rr": each side into itself; "ar+ra": each side into the other; "fan-out":
        raw into both (audiodrv's output then goes nowhere)."""
        targets = {"aa+rr": ({self.ain}, {"lat_dst:in"}),
                   "ar+ra": ({"lat_dst:in"}, {self.ain}),
                   "fan-out": (set(), {"lat_dst:in", self.ain})}[wiring]
        wire(self.server, self.aout, targets[0])
        wire(self.server, "lat_src:out", targets[1])

    def send(self, sender: str) -> tuple[int, int, int]:
        """Send the next numbered message from ``sender``; (id, stamp, call ns)."""
        k = self.next_id
        self.next_id += 1
        message = id_message(k)
        if sender == "audiodrv":
            dw = packed(message)
            t0 = now_ns()
            result = winmm.midiOutShortMsg(self.hmo, dw)
            t1 = now_ns()
            check(result, "midiOutShortMsg")
        else:
            t0 = now_ns()
            self.src.send_message(message)
            t1 = now_ns()
        return k, t0, t1 - t0


@dataclass
class _Tally:
    sent: int = 0
    lost: int = 0
    values: list[float] = field(default_factory=list)
    calls: list[float] = field(default_factory=list)


@dataclass
class _Samples:
    tallies: dict[tuple[str, str], _Tally] = field(default_factory=dict)
    pairs: list[float] = field(default_factory=list)  # paired: aa - rr
    hops: list[float] = field(default_factory=list)  # fan-out: MIM_DATA - raw callback

    def tally(self, mode: str, key: str) -> _Tally:
        return self.tallies.setdefault((mode, key), _Tally())


def latency_block(rig: LatencyRig, mode: str, keys: str, trials: int, period: int,
                  rng: random.Random, samples: _Samples) -> None:
    """``trials`` trials of one block (see BLOCKS)."""
    paths = keys.split("+")
    if mode == "fan-out":
        paths = paths[:1]  # one raw message, two receivers
    for trial in range(trials):
        time.sleep(TRIAL_PAUSE + rng.uniform(0, 2 * period / RATE))
        order = paths if trial % 2 == 0 else paths[::-1]
        sent = [(key, *rig.send(PATHS[key][0])) for key in order]
        if mode == "fan-out":
            expected = [(receiver, sent[0][1]) for receiver in RECEIVERS]
        else:
            expected = [(PATHS[key][1], k) for key, k, _t, _c in sent]
        rig.receipts.wait(expected, LOST_AFTER)
        at = rig.receipts.at
        if mode == "fan-out":
            _key, k, t0, call = sent[0]
            tally = samples.tally(mode, "ra")
            tally.sent += 1
            if ("audiodrv", k) in at and ("raw", k) in at:
                samples.hops.append((at["audiodrv", k] - at["raw", k]) / 1e6)
            else:
                tally.lost += 1
            continue
        got: dict[str, float] = {}
        for key, k, t0, call in sent:
            tally = samples.tally(mode, key)
            tally.sent += 1
            tally.calls.append(call / 1000)
            receiver = PATHS[key][1]
            other = RECEIVERS[1 - RECEIVERS.index(receiver)]
            if (other, k) in at:
                count(f"latency: a message of path {key} also arrived at {other}")
            if (receiver, k) not in at:
                tally.lost += 1
                continue
            got[key] = (at[receiver, k] - t0) / 1e6
            tally.values.append(got[key])
        if len(got) == 2:
            samples.pairs.append(got["aa"] - got["rr"])


def bench_latency(server: JackServer, ini: Path, trials: int, rounds: int,
                  rng: random.Random) -> LatencyRun:
    """``trials`` per block kind, in ``rounds`` rounds of every block in shuffled order."""
    period = server.period
    samples = _Samples()
    per_block = max(trials // rounds, 1)
    with ExitStack() as stack:
        rig = LatencyRig(server, stack, ini)
        xruns0 = server.xruns
        for _ in range(rounds):
            for wiring in rng.sample(list(BLOCKS), len(BLOCKS)):
                rig.wire_for(wiring)
                time.sleep(0.05)  # let a connection change settle before timing over it
                for mode, keys in rng.sample(BLOCKS[wiring], len(BLOCKS[wiring])):
                    latency_block(rig, mode, keys, per_block, period, rng, samples)
        xruns = server.xruns - xruns0
        strays = rig.receipts.strays
    paths = [PathLatency(period, key, mode, t.sent, t.lost, dist(t.values), dist(t.calls, 1),
                         [round(v, 4) for v in t.values])
             for (mode, key), t in samples.tallies.items() if mode != "fan-out"]

    def alone(key: str) -> list[float]:
        return samples.tally("alone", key).values

    def med(key: str) -> float | None:
        return statistics.median(alone(key)) if alone(key) else None

    def p99(key: str) -> float | None:
        return float(np.percentile(alone(key), 99)) if alone(key) else None

    def minus(a: float | None, b: float | None) -> float | None:
        return round(a - b, 3) if a is not None and b is not None else None

    fan = samples.tally("fan-out", "ra")
    if fan.lost:
        count(f"latency period {period}: fan-out messages missing at a receiver", fan.lost)
    return LatencyRun(
        period=period, paths=paths,
        median_diff_ms=minus(med("aa"), med("rr")),
        median_diff_ci95=median_diff_ci(alone("aa"), alone("rr")),
        p99_diff_ms=minus(p99("aa"), p99("rr")),
        paired_diff_ms=dist(samples.pairs),
        paired_apart=sum(abs(d) > period / RATE * 500 for d in samples.pairs),
        receive_hop_ms=dist(samples.hops),
        send_side_ms=minus(med("ar"), med("rr")), receive_side_ms=minus(med("ra"), med("rr")),
        xruns=xruns, strays=strays)


# -- 2. stream scheduling -----------------------------------------------------------------------


@dataclass
class StreamRun:
    side: str
    seconds: float
    step_ms: float
    events: int
    received: int
    duplicates: int
    error_ms: Dist  # arrival - scheduled
    p999_ms: float | None
    start_ms: float | None  # median error of the first 10 % of the events
    end_ms: float | None  # and of the last 10 %
    slope_ms_per_min: float | None  # least-squares line through all errors
    bins: list[list[float]]  # [bin start s, p50, p99, max] of the error
    xruns: int
    # When events went missing or came twice, and when JACK reported xruns (s after t0,
    # the xruns to the nearest 0.25 s; at most 20 of each)
    missing_at_s: list[float]
    duplicate_at_s: list[float]
    xrun_at_s: list[float]
    notes: dict[str, Any] = field(default_factory=dict)


def stream_events(first: int, n: int) -> bytes:
    """MIDIEVENTs for events first..first+n-1: one numbered note-on every STEP_MS ticks."""
    return b"".join(struct.pack("<III", 0 if i == 0 else STEP_MS, 0,
                                (MEVT_SHORTMSG << 24) | packed(id_message(i)))
                    for i in range(first, first + n))


class StreamProbe:
    """A raw rtmidi input stamping numbered events into an array (0 = not arrived)."""

    def __init__(self, client: str, events: int) -> None:
        self.arrivals = np.zeros(events, dtype=np.int64)
        self.duplicates: list[int] = []  # event numbers that came again
        self.port = rt_in(client, self._received)

    def _received(self, message: list[int]) -> None:
        stamp = now_ns()
        k = id_of(message)
        if k is None or k >= len(self.arrivals):
            return
        if self.arrivals[k]:
            self.duplicates.append(k)
        else:
            self.arrivals[k] = stamp

    def relative(self, t0: int) -> np.ndarray:
        """Arrivals in ns after t0, -1 where none came."""
        return np.where(self.arrivals > 0, self.arrivals - t0, -1)

    def close(self) -> None:
        rt_close(self.port)


class StreamPlayer:
    """An application playing the numbered events through one midiStream open, keeping
    STREAM_HEADERS headers queued and refilling each from its MOM_DONE callback."""

    def __init__(self, device: int, events: int) -> None:
        self.events = events
        self.next = 0  # first event not yet put in a header
        self.submitted = 0
        self.done = 0
        self.errors = 0  # midiStreamOut refusals
        self.running = False
        self.finished = threading.Event()
        self._lock = threading.Lock()
        handle = ctypes.c_void_p()
        dev = ctypes.c_uint32(device)
        check(winmm.midiStreamOpen(ctypes.byref(handle), ctypes.byref(dev), 1,
                                   self._on_message, 0, CALLBACK_FUNCTION), "midiStreamOpen")
        assert handle.value is not None
        self.handle: int = handle.value
        div = MIDIPROPTIMEDIV(cbStruct=8, dwTimeDiv=TICKS_PER_QN)
        check(winmm.midiStreamProperty(self.handle, ctypes.byref(div),
                                       MIDIPROP_SET | MIDIPROP_TIMEDIV), "SET TIMEDIV")
        tempo = MIDIPROPTEMPO(cbStruct=8, dwTempo=TEMPO_US)
        check(winmm.midiStreamProperty(self.handle, ctypes.byref(tempo),
                                       MIDIPROP_SET | MIDIPROP_TEMPO), "SET TEMPO")
        self.headers: list[tuple[MIDIHDR, ctypes.Array[ctypes.c_char]]] = []
        for _ in range(STREAM_HEADERS):
            mem = ctypes.create_string_buffer(EVENTS_PER_HEADER * EVENT_BYTES)
            hdr = MIDIHDR(lpData=ctypes.addressof(mem), dwBufferLength=len(mem))
            check(winmm.midiOutPrepareHeader(self.handle, ctypes.byref(hdr),
                                             ctypes.sizeof(hdr)), "midiOutPrepareHeader")
            self.headers.append((hdr, mem))
        self._by_address = {ctypes.addressof(h): (h, m) for h, m in self.headers}

    def start(self) -> int:
        """Queue every header, then restart; returns the stamp taken just before restart."""
        with self._lock:
            self.running = True
            for hdr, mem in self.headers:
                self._submit(hdr, mem)
        t0 = now_ns()
        check(winmm.midiStreamRestart(self.handle), "midiStreamRestart")
        self.restart_us = (now_ns() - t0) / 1000
        return t0

    def _submit(self, hdr: MIDIHDR, mem: ctypes.Array[ctypes.c_char]) -> None:
        """Fill a header with the next events and queue it (caller holds the lock)."""
        n = min(EVENTS_PER_HEADER, self.events - self.next)
        if n <= 0:
            return
        data = stream_events(self.next, n)
        ctypes.memmove(mem, data, len(data))
        hdr.dwBytesRecorded = len(data)
        self.next += n
        if winmm.midiStreamOut(self.handle, ctypes.byref(hdr), ctypes.sizeof(hdr)) == 0:
            self.submitted += 1
        else:
            self.errors += 1

    def _on_message(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        if msg != MOM_DONE:
            return
        with self._lock:
            self.done += 1
            if self.running:
                self._submit(*self._by_address[p1])
            if self.next >= self.events and self.done >= self.submitted:
                self.finished.set()

    def close(self) -> None:
        with self._lock:
            self.running = False
        if bounded("midiStreamStop", lambda: winmm.midiStreamStop(self.handle)) is None:
            return
        settle()  # the stop's reset (controllers) reaches the probe before midirt closes
        for hdr, _mem in self.headers:
            winmm.midiOutUnprepareHeader(self.handle, ctypes.byref(hdr), ctypes.sizeof(hdr))
        bounded("midiStreamClose", lambda: winmm.midiStreamClose(self.handle))


def analyse_stream(side: str, arrivals: np.ndarray, seconds: float, duplicates: Sequence[int],
                   xrun_at_s: list[float], notes: dict[str, Any]) -> StreamRun:
    """``arrivals``: ns after t0 per event, -1 for none; ``duplicates``: event numbers."""
    step = STEP_MS * 1_000_000
    n = len(arrivals)
    got = arrivals >= 0
    scheduled = np.arange(n, dtype=np.int64) * step
    err = (arrivals[got] - scheduled[got]) / 1e6
    at_s = scheduled[got] / 1e9
    tenth = max(len(err) // 10, 1)
    slope = float(np.polyfit(at_s / 60, err, 1)[0]) if len(err) > 2 else None
    width = 10.0 if seconds >= 120 else 2.0
    bins = []
    for start in np.arange(0, seconds, width):
        chunk = err[(at_s >= start) & (at_s < start + width)]
        if len(chunk):
            bins.append([float(start), round(float(np.median(chunk)), 3),
                         round(float(np.percentile(chunk, 99)), 3),
                         round(float(chunk.max()), 3)])
    return StreamRun(
        side=side, seconds=seconds, step_ms=STEP_MS, events=n, received=int(got.sum()),
        duplicates=len(duplicates), error_ms=dist(err),
        p999_ms=round(float(np.percentile(err, 99.9)), 3) if len(err) else None,
        start_ms=round(float(np.median(err[:tenth])), 3) if len(err) else None,
        end_ms=round(float(np.median(err[-tenth:])), 3) if len(err) else None,
        slope_ms_per_min=round(slope, 5) if slope is not None else None,
        bins=bins, xruns=len(xrun_at_s),
        missing_at_s=[i * STEP_MS / 1000 for i in np.flatnonzero(~got)[:20].tolist()],
        duplicate_at_s=[i * STEP_MS / 1000 for i in list(duplicates)[:20]],
        xrun_at_s=xrun_at_s[:20], notes=notes)


def _die_with_parent() -> None:
    """In a child before exec: SIGKILL it when this process dies (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Child:
    """This script in a process of its own (a hidden mode), spoken to in lines over its
    stdin and stdout; its stderr goes to a file, quoted when it fails."""

    def __init__(self, workdir: Path, mode: str, *args: str) -> None:
        self.log = (workdir / f"{mode}.log").open("w+")
        self.proc = subprocess.Popen([sys.executable, __file__, f"--{mode}", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True,
                                     preexec_fn=_die_with_parent)
        _children.append(self.proc)
        try:
            line = self.expect(3 * WAIT)
        except RuntimeError:
            self.end()
            raise
        if line != "ready":
            self.end()
            raise RuntimeError(f"child {mode} said {line!r}: {self.stderr()}")

    def say(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, timeout: float) -> str:
        """The child's next line; raise if none comes within ``timeout`` seconds."""
        assert self.proc.stdout is not None
        ready, _w, _x = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"child {self.proc.args[2]} did not answer within {timeout} s "
                               f"(status {self.proc.poll()}): {self.stderr()}")
        return line.strip()

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:]

    def end(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc in _children:
            _children.remove(self.proc)
        self.log.close()


def paced_send(out: Any, events: int, late: np.ndarray | None = None) -> int:
    """Send numbered events at absolute deadlines, one every STEP_MS, from now; note how
    late each send was in ``late``.  Returns the first deadline (ns)."""
    step = STEP_MS * 1_000_000
    t0 = now_ns()
    for i in range(events):
        deadline = t0 + i * step
        delay = deadline - now_ns()
        if delay > 0:
            time.sleep(delay / 1e9)
        if late is not None:
            late[i] = now_ns() - deadline
        out.send_message(id_message(i))
    return t0


def raw_stream_main(path: Path, seconds: float, watchdog: float) -> int:
    """The raw stream process: send numbered events at absolute deadlines into a probe of
    its own; on "go" from stdin, for ``seconds``; save arrivals and send lateness."""
    start_watchdog("midi_bench", watchdog, _servers, _children)
    events = int(seconds * 1000 / STEP_MS)
    probe = StreamProbe("rs_dst", events)
    out = rt_out("rs_src", "rs_dst:in")
    late = np.zeros(events, dtype=np.int64)
    print("ready", flush=True)
    ready, _w, _x = select.select([sys.stdin], [], [], 60)
    if not ready or sys.stdin.readline().strip() != "go":
        return 2
    t0 = paced_send(out, events, late)
    time.sleep(0.3)  # the last events through JACK
    arrivals = probe.relative(t0)
    rt_close(out)
    probe.close()
    np.savez(path, arrivals=arrivals, late=late,
             duplicates=np.array(probe.duplicates, dtype=np.int64))
    return 0


def bench_stream(server: JackServer, ini: Path, workdir: Path, seconds: float,
                 watchdog: float) -> list[StreamRun]:
    events = int(seconds * 1000 / STEP_MS)
    assert events < 1 << 18, "the event number must fit a note-on (18 bits)"
    with ExitStack() as stack:
        probe = StreamProbe("st_dst", events)
        stack.callback(probe.close)
        stack.enter_context(audiodrv_system(ini, MIDI_INI))
        player = StreamPlayer(device_id("out", "st_dst:in"), events)
        stack.callback(player.close)
        path = workdir / "raw_stream.npz"
        child = Child(workdir, "raw-stream", str(path), str(seconds), str(watchdog))
        stack.callback(child.end)
        xruns0 = server.xruns
        child.say("go")
        t0 = player.start()
        print(f"  stream: running {seconds:.0f} s (audiodrv here, raw loop in a child "
              "process, concurrently)", flush=True)
        xrun_at_s: list[float] = []  # JACK's xruns, to the nearest 0.25 s
        deadline = time.monotonic() + seconds + 10
        while not player.finished.wait(0.25) and time.monotonic() < deadline:
            while server.xruns - xruns0 > len(xrun_at_s):
                xrun_at_s.append(round((now_ns() - t0) / 1e9, 2))
        if not player.finished.is_set():
            count("midiStream did not return every header in time")
        time.sleep(0.3)  # the last events through JACK
        while server.xruns - xruns0 > len(xrun_at_s):
            xrun_at_s.append(round((now_ns() - t0) / 1e9, 2))
        if child.wait(30) != 0 or not path.exists():
            raise RuntimeError(f"the raw stream process failed ({child.proc.poll()}): "
                               f"{child.stderr()}")
        with np.load(path) as data:
            raw = {key: data[key] for key in data.files}
        audiodrv_arrivals = probe.relative(t0)
        notes = {"restart_call_us": round(player.restart_us, 1), "headers_done": player.done,
                 "midiStreamOut_errors": player.errors}
    runs = [analyse_stream("audiodrv midiStream (4 × 50 events, MOM_DONE re-submit)",
                           audiodrv_arrivals, seconds, probe.duplicates, xrun_at_s, notes)]
    late = dist(raw["late"] / 1e6)
    runs.append(analyse_stream("raw rtmidi loop (absolute deadlines, sleep)", raw["arrivals"],
                               seconds, raw["duplicates"].tolist(), xrun_at_s,
                               {"send_lateness_ms": asdict(late)}))
    return runs


# -- 3. SysEx throughput -----------------------------------------------------------------------


@dataclass
class SysexRun:
    side: str  # "audiodrv" or "raw"
    receiver: str  # "child": the probe in a process of its own; "local": in this one
    messages: int
    received: int
    intact: int
    seconds: float  # first send -> last arrival
    kbytes_per_s: float  # intact bytes received per second, KB = 1000 bytes
    call_us: Dist  # per message: send_message (raw) / midiOutLongMsg -> MOM_DONE (audiodrv)
    xruns: int


def sysex_message(k: int) -> list[int]:
    return [0xF0, 0x7D, k & 0x7F, (k >> 7) & 0x7F, *SYSEX_PATTERN, 0xF7]


class SysexProbe:
    """A raw rtmidi input counting the SysEx test messages that arrive intact."""

    def __init__(self, client: str) -> None:
        self.cond = threading.Condition()
        self.received = self.intact = self.last_ns = 0
        self.port = rt_in(client, self._received)

    def reset(self) -> None:
        with self.cond:
            self.received = self.intact = self.last_ns = 0

    def _received(self, message: list[int]) -> None:
        stamp = now_ns()
        ok = (len(message) == SYSEX_BYTES and message[0] == 0xF0 and message[-1] == 0xF7
              and message[4:-1] == SYSEX_PATTERN)
        with self.cond:
            self.received += 1
            self.intact += ok
            self.last_ns = stamp
            self.cond.notify_all()

    def report(self, n: int) -> tuple[int, int, int]:
        """(received, intact, last arrival) once ``n`` arrived, or after 2 s."""
        with self.cond:
            self.cond.wait_for(lambda: self.received >= n, 2.0)
        time.sleep(0.05)  # stragglers
        with self.cond:
            return self.received, self.intact, self.last_ns

    def close(self) -> None:
        rt_close(self.port)


class SysexProbeChild:
    """A `SysexProbe` in a process of its own (see sysex_probe_main): the GIL of the
    sending process cannot hold up its JACK callback.  Its stamps are CLOCK_MONOTONIC too."""

    def __init__(self, workdir: Path, watchdog: float) -> None:
        self.child = Child(workdir, "sysex-probe", str(watchdog))

    def reset(self) -> None:
        self.child.say("reset")
        self.child.expect(WAIT)

    def report(self, n: int) -> tuple[int, int, int]:
        self.child.say(f"report {n}")
        answer = json.loads(self.child.expect(WAIT))
        return answer["received"], answer["intact"], answer["last_ns"]

    def close(self) -> None:
        self.child.say("quit")
        self.child.wait(WAIT)
        self.child.end()


def parent_lines() -> Iterator[list[str]]:
    """A child's side of Child, once set up: say "ready", then give the words of each line
    the parent says, until "quit" (or ten minutes of silence)."""
    print("ready", flush=True)
    while True:
        ready, _w, _x = select.select([sys.stdin], [], [], 600)
        words = sys.stdin.readline().split() if ready else ["quit"]
        if not words or words[0] == "quit":
            return
        yield words


def sysex_probe_main(watchdog: float) -> int:
    """The probe process of item 3: answer "reset", "report N" and "quit" on stdin."""
    start_watchdog("midi_bench", watchdog, _servers, _children)
    probe = SysexProbe("sxp_dst")
    for words in parent_lines():
        if words[0] == "reset":
            probe.reset()
            print("ok", flush=True)
        elif words[0] == "report":
            received, intact, last = probe.report(int(words[1]))
            print(json.dumps({"received": received, "intact": intact, "last_ns": last}),
                  flush=True)
    probe.close()
    return 0


class SysexOut:
    """midiOutLongMsg through one prepared header, waiting for each MOM_DONE."""

    def __init__(self, device: int) -> None:
        self.done = threading.Event()
        handle = ctypes.c_void_p()
        check(winmm.midiOutOpen(ctypes.byref(handle), device, self._on_message, 0,
                                CALLBACK_FUNCTION), "midiOutOpen")
        assert handle.value is not None
        self.handle: int = handle.value
        self.mem = ctypes.create_string_buffer(SYSEX_BYTES)
        self.hdr = MIDIHDR(lpData=ctypes.addressof(self.mem), dwBufferLength=SYSEX_BYTES)
        check(winmm.midiOutPrepareHeader(self.handle, ctypes.byref(self.hdr),
                                         ctypes.sizeof(self.hdr)), "midiOutPrepareHeader")

    def _on_message(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        if msg == MOM_DONE:
            self.done.set()

    def send(self, data: bytes) -> None:
        ctypes.memmove(self.mem, data, len(data))
        self.done.clear()
        check(winmm.midiOutLongMsg(self.handle, ctypes.byref(self.hdr),
                                   ctypes.sizeof(self.hdr)), "midiOutLongMsg")
        if not self.done.wait(WAIT):
            raise TimeoutError(f"no MOM_DONE within {WAIT} s")

    def close(self) -> None:
        winmm.midiOutReset(self.handle)
        settle()  # the reset's controllers reach the probe before midirt closes its port
        winmm.midiOutUnprepareHeader(self.handle, ctypes.byref(self.hdr),
                                     ctypes.sizeof(self.hdr))
        winmm.midiOutClose(self.handle)


def sysex_run(server: JackServer, side: str, receiver: str, send: Callable[[int], None],
              probe: SysexProbe | SysexProbeChild, n: int) -> SysexRun:
    """``n`` messages back to back, each as soon as the previous call (and MOM_DONE) is
    through."""
    probe.reset()
    xruns0 = server.xruns
    calls: list[float] = []
    t_first = now_ns()
    for k in range(n):
        t0 = now_ns()
        send(k)
        calls.append((now_ns() - t0) / 1000)
    received, intact, last = probe.report(n)
    seconds = max(last - t_first, 1) / 1e9
    return SysexRun(side, receiver, n, received, intact, round(seconds, 4),
                    round(intact * SYSEX_BYTES / seconds / 1000, 1), dist(calls, 1),
                    server.xruns - xruns0)


def bench_sysex(server: JackServer, ini: Path, workdir: Path, n: int, reps: int,
                watchdog: float) -> list[SysexRun]:
    runs = []
    as_lists = [sysex_message(k) for k in range(n)]
    as_bytes = [bytes(m) for m in as_lists]
    with ExitStack() as stack:
        probes: dict[str, SysexProbe | SysexProbeChild] = {
            "child": SysexProbeChild(workdir, watchdog), "local": SysexProbe("sx_dst")}
        for probe in probes.values():
            stack.callback(probe.close)
        targets = {"child": "sxp_dst:in", "local": "sx_dst:in"}
        raws = {where: rt_out(f"sx_src_{where}", port) for where, port in targets.items()}
        for raw in raws.values():
            stack.callback(rt_close, raw)
        stack.enter_context(audiodrv_system(ini, MIDI_INI))
        outs = {where: SysexOut(device_id("out", port)) for where, port in targets.items()}
        for out in outs.values():
            stack.callback(out.close)
        for _ in range(reps):
            for where in ("child", "local"):
                sides: list[tuple[str, Callable[[int], None]]] = [
                    ("raw", lambda k, raw=raws[where]: raw.send_message(as_lists[k])),
                    ("audiodrv", lambda k, out=outs[where]: out.send(as_bytes[k])),
                ]
                for side, send in sides:
                    runs.append(sysex_run(server, side, where, send, probes[where], n))
                    r = runs[-1]
                    print(f"  sysex {side} -> {where} probe: {r.kbytes_per_s:.0f} KB/s, "
                          f"{r.intact}/{r.messages} intact, xruns {r.xruns}", flush=True)
                    time.sleep(0.2)
    return runs


# -- 4. synthesizer note-on -> sound -------------------------------------------------------------


@dataclass
class SynthRun:
    condition: str  # "idle" or "playing"
    period: int
    trials: int
    missed: int  # no onset found
    # Wall clock: call -> the first capture cycle after it (position seen to move), plus
    # the onset's frames after the position read at the call.
    latency_ms: Dist
    # As tests/synth: onset minus the position read at the call, in ms of frames; whole
    # periods only (0 = in the first cycle after the call).
    position_ms: Dist
    values_ms: list[float]
    call_us: Dist  # the note-on's midiOutShortMsg call (idle: it renders the first block)
    floor_max: float  # the largest peak in the 50 ms before a note-on (left channel)
    stats: dict[str, Any] = field(default_factory=dict)


class FloatRecording:
    """waveIn on device 0, float32 stereo at RATE, into 100 ms headers."""

    def __init__(self, seconds: float) -> None:
        handle = ctypes.c_void_p()
        fmt = WAVEFORMATEX(wFormatTag=WAVE_FORMAT_IEEE_FLOAT, nChannels=2, nSamplesPerSec=RATE,
                           nAvgBytesPerSec=RATE * 8, nBlockAlign=8, wBitsPerSample=32, cbSize=0)
        check(winmm.waveInOpen(ctypes.byref(handle), 0, ctypes.byref(fmt), 0, 0,
                               CALLBACK_NULL), "waveInOpen")
        assert handle.value is not None
        self.handle: int = handle.value
        self.frames = RATE // 10 * math.ceil(seconds * 10)
        self.mems = [ctypes.create_string_buffer(RATE // 10 * 8)
                     for _ in range(math.ceil(seconds * 10))]
        self.hdrs = [WAVEHDR(lpData=ctypes.addressof(m), dwBufferLength=len(m))
                     for m in self.mems]
        for hdr in self.hdrs:
            check(winmm.waveInPrepareHeader(self.handle, ctypes.byref(hdr), ctypes.sizeof(hdr)),
                  "waveInPrepareHeader")
            check(winmm.waveInAddBuffer(self.handle, ctypes.byref(hdr), ctypes.sizeof(hdr)),
                  "waveInAddBuffer")
        self.stopped = False

    def start(self) -> None:
        check(winmm.waveInStart(self.handle), "waveInStart")
        deadline = time.monotonic() + WAIT
        while self.position() == 0:
            if time.monotonic() > deadline:
                raise TimeoutError("waveIn recorded nothing")
            time.sleep(0.005)

    def position(self) -> int:
        mmt = MMTIME(wType=TIME_SAMPLES)
        check(winmm.waveInGetPosition(self.handle, ctypes.byref(mmt), ctypes.sizeof(mmt)),
              "waveInGetPosition")
        return int(mmt.u.sample)

    def stop(self) -> np.ndarray:
        """Everything recorded, left channel."""
        bounded("waveInReset", lambda: winmm.waveInReset(self.handle))
        self.stopped = True
        data = b"".join(m.raw[:h.dwBytesRecorded] for m, h in zip(self.mems, self.hdrs,
                                                                  strict=True))
        return np.frombuffer(data, dtype=np.float32)[::2].copy()

    def close(self) -> None:
        if not self.stopped:
            bounded("waveInReset", lambda: winmm.waveInReset(self.handle))
        for hdr in self.hdrs:
            winmm.waveInUnprepareHeader(self.handle, ctypes.byref(hdr), ctypes.sizeof(hdr))
        winmm.waveInClose(self.handle)


def onset(x: np.ndarray, at: int) -> tuple[int | None, float]:
    """(first sample after ``at`` clearly above the 50 ms before it, that floor)."""
    floor = float(np.abs(x[max(0, at - ONSET_FLOOR):at]).max(initial=0.0))
    loud = np.flatnonzero(np.abs(x[at:at + RATE // 4]) > max(1e-4, 10 * floor))
    return (at + int(loud[0]) if len(loud) else None), floor


def next_cycle(rec: FloatRecording, at: int, since: int) -> int | None:
    """ns from ``since`` until the capture position is seen past ``at`` (polled every
    0.1 ms): the first JACK cycle after the note-on, in which frame ``at`` was captured.
    None if it did not move within 0.1 s."""
    deadline = since + 100_000_000
    while (stamp := now_ns()) < deadline:
        if rec.position() > at:
            return stamp - since
        time.sleep(0.0001)
    return None


def bench_synth(server: JackServer, ini: Path, trials: int, rounds: int,
                rng: random.Random) -> list[SynthRun] | str:
    """Returns the runs, or why there are none."""
    from audiodrv.engine.synth import available, default_soundfont

    reason = available() or (None if default_soundfont() else "no General MIDI SoundFont")
    if reason is not None:
        return reason
    period = server.period
    per_block = max(trials // rounds, 1)
    seconds = 2 * trials * 0.8 + 4
    # (position read before the note-on, ns from the call to the position moving)
    marks: dict[str, list[tuple[int, int | None]]] = {"idle": [], "playing": []}
    calls: dict[str, list[float]] = {"idle": [], "playing": []}
    with ExitStack() as stack:
        stack.enter_context(audiodrv_system(
            ini, SYNTH_INI,
            lambda: winmm.midiOutGetNumDevs() >= 1 and winmm.waveInGetNumDevs() >= 1))
        handle = ctypes.c_void_p()
        check(winmm.midiOutOpen(ctypes.byref(handle), 0, 0, 0, CALLBACK_NULL), "midiOutOpen")
        assert handle.value is not None
        hmo: int = handle.value

        def close_synth() -> None:
            winmm.midiOutReset(hmo)
            winmm.midiOutClose(hmo)

        stack.callback(close_synth)

        def send(status: int, d1: int = 0, d2: int = 0) -> None:
            check(winmm.midiOutShortMsg(hmo, status | d1 << 8 | d2 << 16), "midiOutShortMsg")

        def stats(message: int = SYNTH_GETSTATS) -> dict[str, Any]:
            out: dict[str, Any] = {}
            check(winmm.midiOutMessage(hmo, message, out, 0), "midiOutMessage")
            return out

        rec = FloatRecording(seconds)
        stack.callback(rec.close)
        jack_tool(server.loopback)  # PortAudio's outputs into its inputs, nothing else in
        rec.start()
        for channel, pan in ((0, 0), (1, 127)):
            send(0xC0 | channel, SYNTH_PROGRAM)
            send(0xB0 | channel, 10, pan)  # pan: test notes left, the held note right
            send(0xB0 | channel, 91, 0)  # no reverb
            send(0xB0 | channel, 93, 0)  # no chorus
        send(0xB1, 7, 50)  # the held note quieter: it leaks a little into the left side
        # Those messages woke the synthesizer; SYNTH_GETSTATS says "rendering" False while it
        # is waking, so let it go idle (0.1 s of silence) before the first idle trial.
        time.sleep(0.5)
        end = rec.frames - RATE
        key = 60
        for _ in range(rounds):
            for condition in ("idle", "playing"):
                if condition == "playing":
                    send(0x91, 48, 80)  # the held note, right only
                    time.sleep(0.3)
                for _ in range(per_block):
                    if condition == "idle":
                        deadline = time.monotonic() + 3.0
                        while stats()["rendering"] and time.monotonic() < deadline:
                            time.sleep(0.02)  # the last note's release ends; then idle
                        if stats()["rendering"]:
                            count("synth did not go idle within 3 s")
                    time.sleep(0.05 + rng.uniform(0, 2 * period / RATE))
                    at = rec.position()
                    if at > end:
                        count("synth: recording full before the last trial")
                        break
                    key = 60 + (key - 59) % 12
                    t_call = now_ns()
                    send(0x90, key, 110)
                    calls[condition].append((now_ns() - t_call) / 1000)
                    if rec.position() == at:
                        marks[condition].append((at, next_cycle(rec, at, t_call)))
                    else:  # a cycle ran during the call: which one the note made is unknown
                        marks[condition].append((at, None))
                        count("synth: a capture cycle during the note-on call (no wall time)")
                    time.sleep(0.12)
                    send(0x80, key, 0)
                    time.sleep(0.3 if condition == "playing" else 0.0)
                if condition == "playing":
                    send(0x81, 48, 0)
        info = stats()
        xruns = stats(WAVE_GETXRUNS)
        recording = rec.stop()
    runs = []
    for condition, trial_marks in marks.items():
        values, floors, missed = [], [], 0
        positions: list[float] = []
        for at, cycle_ns in trial_marks:
            found, floor = onset(recording, at)
            floors.append(floor)
            if found is None:
                missed += 1
                continue
            positions.append((found - at) * 1000 / RATE)
            if cycle_ns is not None:
                values.append(cycle_ns / 1e6 + positions[-1])
        runs.append(SynthRun(condition, period, len(trial_marks), missed, dist(values),
                             dist(positions), [round(v, 3) for v in values],
                             dist(calls[condition], 1),
                             round(max(floors, default=0.0), 6),
                             {"lead_frames": info.get("lead_frames"),
                              "period_frames": info.get("period_frames"),
                              "underruns": info.get("underruns"), "ring_xruns": xruns}))
    return runs


# -- report ------------------------------------------------------------------------------------


# -- 5. MIDI input CPU -----------------------------------------------------------------------


INPUT_SIDES = ("audiodrv, woken", "audiodrv, polled", "raw rtmidi callback", "nothing open")


@dataclass
class InputCpuRun:
    side: str  # one of INPUT_SIDES
    sent: int
    received: int
    cpu_percent: float  # this whole process, % of one core, over the sending


def cpu_sender_main(watchdog: float) -> int:
    """The sender of item 5: ``cpu_src:out``; on "go N", N events paced by paced_send,
    then "done"; "quit" ends it."""
    start_watchdog("midi_bench", watchdog, _servers, _children)
    out = rt_out("cpu_src")
    for words in parent_lines():
        paced_send(out, int(words[1]))
        print("done", flush=True)
    rt_close(out)
    return 0


def bench_input_cpu(server: JackServer, ini: Path, workdir: Path, events: int, rounds: int,
                    watchdog: float) -> list[InputCpuRun]:
    """Process CPU while a child sends a short message every STEP_MS into one input of
    this process: audiodrv's (woken by engine/jackmidi.c, or polled through RtMidi as on
    the other APIs), a raw rtmidi callback's, or none (the floor)."""
    sender = Child(workdir, "cpu-sender", str(watchdog))
    runs = []
    try:
        with audiodrv_system(ini, MIDI_INI):
            device = device_id("in", "cpu_src:out")
            # Without the library midiInOpen would poll: no woken side to measure.
            sides = [side for side in INPUT_SIDES
                     if jackmidi.available() or not side.endswith("woken")]
            for _ in range(rounds):
                for side in sides:
                    received = [0]

                    def note(*_args: Any, received: list[int] = received) -> None:
                        received[0] += 1

                    def on_mim(_h: int, msg: int, _u: int, _p1: int, _p2: int,
                               note: Callable[..., None] = note) -> None:
                        if msg == MIM_DATA:
                            note()

                    with ExitStack() as stack:
                        if side.startswith("audiodrv"):
                            with patch.object(jackmidi, "available", lambda: False) \
                                    if side.endswith("polled") else nullcontext():
                                handle = ctypes.c_void_p()
                                check(winmm.midiInOpen(ctypes.byref(handle), device, on_mim,
                                                       0, CALLBACK_FUNCTION), "midiInOpen")
                            stack.callback(winmm.midiInClose, handle.value)
                            stack.callback(winmm.midiInReset, handle.value)
                            stack.callback(settle)
                            check(winmm.midiInStart(handle.value), "midiInStart")
                        elif side.startswith("raw"):
                            raw = rt_in("cpu_raw", note)
                            stack.callback(rt_close, raw)
                            jack_tool(server.connect, "cpu_src:out", "cpu_raw:in")
                        settle()
                        cpu, wall = time.process_time(), time.monotonic()
                        sender.say(f"go {events}")
                        sender.expect(events * STEP_MS / 1000 + WAIT)
                        time.sleep(SETTLE)  # the last events through JACK
                        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
                    runs.append(InputCpuRun(side, events, received[0],
                                            round(100 * cpu / wall, 2)))
                    print(f"  input cpu {side}: {runs[-1].cpu_percent} %, "
                          f"{received[0]}/{events}", flush=True)
    finally:
        sender.say("quit")
        sender.wait(WAIT)
        sender.end()
    return runs


def input_cpu_table(runs: list[dict[str, Any]]) -> str:
    rows = []
    for side in INPUT_SIDES:
        rs = [r for r in runs if r["side"] == side]
        if not rs:
            continue
        cpu = sorted(r["cpu_percent"] for r in rs)
        rows.append([side, f"{sum(r['received'] for r in rs)} / {sum(r['sent'] for r in rs)}",
                     f"{statistics.median(cpu):.2f} [{cpu[0]:.2f}–{cpu[-1]:.2f}]"])
    return table([f"MIDI input, a short message every {STEP_MS} ms, period {LOAD_PERIOD}",
                  "received", "process CPU, % of one core: median [min–max]"], rows)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def fmt(x: float | None, digits: int = 2, unit: str = "") -> str:
    return "–" if x is None else f"{x:.{digits}f}{unit}"


def latency_table(runs: list[dict[str, Any]]) -> str:
    periods = [r["period"] for r in runs]
    by = {(r["period"], p["mode"], p["path"]): p for r in runs for p in r["paths"]}

    def cell(period: int, mode: str, key: str) -> str:
        p = by.get((period, mode, key))
        if p is None:
            return "–"
        d = p["latency_ms"]
        lost = f", {p['lost']} lost" if p["lost"] else ""
        return f"{fmt(d['median'])} / {fmt(d['p99'])}{lost}"

    rows = [[f"{PATHS[key][2]}, alone", *(cell(p, "alone", key) for p in periods)]
            for key in PATHS]
    rows += [[f"{PATHS[key][2]}, paired", *(cell(p, "paired", key) for p in periods)]
             for key in ("aa", "rr")]
    rows.append(["**audiodrv → audiodrv minus raw → raw**, alone: medians [95 % CI] / p99s",
                 *(f"{fmt(r['median_diff_ms'])} [{fmt(r['median_diff_ci95'][0])}, "
                   f"{fmt(r['median_diff_ci95'][1])}] / {fmt(r['p99_diff_ms'])}" for r in runs)])
    rows.append(["**same, paired per trial** (cycle phase cancelled): median / p99",
                 *(f"{fmt(r['paired_diff_ms']['median'])} / {fmt(r['paired_diff_ms']['p99'])}"
                   f" ({r['paired_apart']} of {r['paired_diff_ms']['n']} > half a period)"
                   for r in runs)])
    rows.append(["receive hop, fan-out (MIM_DATA minus raw callback, same message): "
                 "median / p99",
                 *(f"{fmt(r['receive_hop_ms']['median'])} / {fmt(r['receive_hop_ms']['p99'])}"
                   for r in runs)])
    rows.append(["send side, alone (audiodrv → raw minus raw → raw, medians)",
                 *(fmt(r["send_side_ms"]) for r in runs)])
    rows.append(["receive side, alone (raw → audiodrv minus raw → raw, medians)",
                 *(fmt(r["receive_side_ms"]) for r in runs)])

    def calls(period: int, key: str) -> str:
        p = by.get((period, "alone", key))
        return "–" if p is None else f"{fmt(p['send_call_us']['median'], 1)}"

    rows.append(["send call, median µs: midiOutShortMsg / send_message",
                 *(f"{calls(p, 'aa')} / {calls(p, 'rr')}" for p in periods)])
    rows.append(["JACK xruns during the trials", *(str(r["xruns"]) for r in runs)])
    return table(["MIDI out → in latency, ms: median / p99",
                  *(f"period {p} ({p * 1000 / RATE:.2f} ms)" for p in periods)], rows)


def stream_table(runs: list[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        e = r["error_ms"]
        dup = f", {r['duplicates']} twice" if r["duplicates"] else ""
        rows.append([r["side"], f"{r['received']} / {r['events']}{dup}", fmt(e["median"]),
                     fmt(e["p99"]), fmt(r["p999_ms"]), fmt(e["max"]),
                     f"{fmt(r['start_ms'])} → {fmt(r['end_ms'])}",
                     fmt(r["slope_ms_per_min"], 4)])
    if len(runs) == 2:
        a, b = runs[0]["error_ms"], runs[1]["error_ms"]
        if a["p99"] and b["p99"]:
            rows.append(["ratio audiodrv / raw", "", f"{a['median'] / b['median']:.2f}×",
                         f"{a['p99'] / b['p99']:.2f}×", "", "", "", ""])
    first = runs[0] if runs else {"seconds": 0, "xruns": 0}
    return table([f"Stream scheduling error, ms (event every {STEP_MS} ms, period "
                  f"{LOAD_PERIOD}, {first['seconds']:.0f} s, {first['xruns']} JACK xruns)",
                  "received", "p50", "p99", "p99.9", "max", "first 10 % → last 10 % (median)",
                  "drift, ms/min"], rows)


def sysex_table(runs: list[dict[str, Any]]) -> str:
    def pooled(side: str, receiver: str) -> tuple[float, int, int]:
        rs = [r for r in runs if r["side"] == side and r["receiver"] == receiver]
        if not rs:
            return math.nan, 0, 0
        intact = sum(r["intact"] for r in rs)
        return (intact * SYSEX_BYTES / sum(r["seconds"] for r in rs) / 1000, intact,
                sum(r["messages"] for r in rs))

    def calls(side: str) -> str:
        rs = [r["call_us"] for r in runs if r["side"] == side]
        return (f"{statistics.median(c['median'] for c in rs):.0f} "
                f"({statistics.median(c['p99'] for c in rs):.0f})")

    rows = []
    for side in ("audiodrv", "raw"):
        cells = [f"{rate:.0f} ({intact} / {sent})"
                 for rate, intact, sent in (pooled(side, "child"), pooled(side, "local"))]
        rows.append([{"audiodrv": "audiodrv midiOutLongMsg, wait MOM_DONE",
                      "raw": "raw send_message"}[side], *cells, calls(side)])
    ratios = [pooled("audiodrv", where)[0] / pooled("raw", where)[0]
              for where in ("child", "local")]
    rows.append(["ratio audiodrv / raw", *(f"{x:.2f}×" for x in ratios), ""])
    xruns = sum(r["xruns"] for r in runs)
    return table([f"SysEx {SYSEX_BYTES} B back to back, period {LOAD_PERIOD} ({xruns} JACK "
                  "xruns)", "KB/s delivered intact (intact / sent), probe in another process",
                  "same, probe in the sending process", "call µs, median (p99)"], rows)


def synth_table(runs: list[dict[str, Any]] | str) -> str:
    if isinstance(runs, str):
        return f"Synthesizer: not measured ({runs})."
    rows = []
    for r in runs:
        d, q = r["latency_ms"], r["position_ms"]
        lead = r["stats"]["lead_frames"]
        rows.append([f"fluidsyn.drv, {r['condition']}",
                     f"{fmt(d['median'])} / {fmt(d['p99'])} [{fmt(d['min'])}–{fmt(d['max'])}]",
                     f"{fmt(q['median'])} / {fmt(q['p99'])}",
                     f"{fmt(r['call_us']['median'], 0)} µs",
                     f"{q['n']} ({r['missed']} missed, {q['n'] - d['n']} without wall time)",
                     f"{lead} fr ({lead * 1000 / RATE:.1f} ms)" if lead else "–"])
    return table([f"Synth note-on → sound at the loopback, period {LOAD_PERIOD} (no raw "
                  "counterpart)", "wall clock, ms: median / p99 [min–max]",
                  "capture position → onset (as tests/synth), ms: median / p99",
                  "note-on call, median", "trials", "lead"], rows)


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    title = (f"MIDI benchmarks: JACK dummy server, {RATE} Hz, {meta['cpus']} CPUs, Python "
             f"{meta['python']}, python-rtmidi {meta['rtmidi']}, MIDI input "
             f"{meta['midi_input']}"
             f"{'' if meta['size'] == 'full' else ', --' + meta['size']}.")
    parts = [title]
    if results.get("latency"):
        parts.append(latency_table(results["latency"]))
    if results.get("stream"):
        parts.append(stream_table(results["stream"]))
    if results.get("sysex"):
        parts.append(sysex_table(results["sysex"]))
    if "synth" in results:
        parts.append(synth_table(results["synth"]))
    if results.get("input_cpu"):
        parts.append(input_cpu_table(results["input_cpu"]))
    anomalies = [f"- {what}: {n}" for what, n in results["anomalies"].items() if n]
    if anomalies:
        parts.append("\n".join(["Anomalies:", *anomalies]))
    return "\n\n".join(parts)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display here; must precede pyplot
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ax = axes[0][0]
    runs = results.get("latency", [])
    width = 0.8 / max(len(PATHS), 1)
    for j, key in enumerate(PATHS):
        med, p99 = [], []
        for r in runs:
            p = next((p for p in r["paths"] if p["path"] == key and p["mode"] == "alone"), None)
            med.append(p["latency_ms"]["median"] or 0 if p else 0)
            p99.append((p["latency_ms"]["p99"] or 0) - (p["latency_ms"]["median"] or 0)
                       if p else 0)
        x = np.arange(len(runs)) + (j - (len(PATHS) - 1) / 2) * width
        ax.bar(x, med, width, yerr=[[0] * len(runs), p99], capsize=3,
               label=PATHS[key][2].split(" (")[0])
    for i, r in enumerate(runs):
        paired = r["paired_diff_ms"]["median"]
        if paired is not None:
            ax.annotate(f"paired aa − rr: {paired:+.2f} ms\nreceive hop: "
                        f"{r['receive_hop_ms']['median']:+.2f} ms", (i, 0.2), ha="center",
                        fontsize=7)
    ax.set_xticks(range(len(runs)), [f"period {r['period']}" for r in runs])
    ax.set_ylabel("ms (bar: median, whisker: p99)")
    ax.set_title("1. MIDI out → in latency")
    ax.legend(fontsize=7)

    ax = axes[0][1]
    for r, color in zip(results.get("stream", []), ("C0", "C1"), strict=False):
        bins = np.array(r["bins"]) if r["bins"] else np.zeros((0, 4))
        label = r["side"].split(" (")[0]
        ax.plot(bins[:, 0] / 60, bins[:, 1], "-", color=color, label=f"{label} p50")
        ax.plot(bins[:, 0] / 60, bins[:, 2], ":", color=color, label=f"{label} p99")
    ax.axhline(LOAD_PERIOD * 1000 / RATE + 1, color="k", lw=0.8, ls="--",
               label="one period + 1 ms")
    ax.set_xlabel("minutes since start")
    ax.set_ylabel("arrival − scheduled, ms")
    ax.set_title("2. stream scheduling error")
    ax.legend(fontsize=7)

    ax = axes[1][0]
    sysex = results.get("sysex", [])
    labels = sorted({(r["receiver"], r["side"]) for r in sysex})
    values = [statistics.mean(r["kbytes_per_s"] for r in sysex
                              if (r["receiver"], r["side"]) == label) for label in labels]
    ax.bar(range(len(labels)), values, color=["C1" if s == "raw" else "C0" for _w, s in labels])
    ax.set_xticks(range(len(labels)), [f"{s}\nprobe {w}" for w, s in labels], fontsize=8)
    ax.set_ylabel("KB/s delivered intact")
    ax.set_title(f"3. SysEx {SYSEX_BYTES} B back to back")

    ax = axes[1][1]
    synth = results.get("synth")
    if isinstance(synth, list) and synth:
        ax.boxplot([r["values_ms"] or [0] for r in synth], whis=(0, 100))
        ax.set_xticks(range(1, len(synth) + 1), [r["condition"] for r in synth])
        ax.set_ylabel("ms, wall clock (box: quartiles, whiskers: min-max)")
    else:
        ax.text(0.5, 0.5, f"not measured: {synth}", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_title("4. synth note-on → sound at the loopback (no raw counterpart)")

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- main ---------------------------------------------------------------------------------------


ITEMS = ("latency", "sysex", "stream", "synth", "input-cpu")


@dataclass(frozen=True)
class Size:
    latency: tuple[int, int]  # item 1: trials per block kind, rounds
    stream_seconds: float  # item 2
    sysex: tuple[int, int]  # item 3: messages, repetitions
    synth_trials: int  # item 4, per condition
    input_cpu: tuple[int, int]  # item 5: messages, rounds
    watchdog: float  # seconds everything but item 2 may take


# "smoke" only shows that every item runs (the tests do that): its numbers mean nothing.
SIZES = {"full": Size((600, 3), 600.0, (1000, 2), 40, (4000, 3), 600),
         "quick": Size((120, 2), 60.0, (300, 1), 16, (1000, 2), 360),
         "smoke": Size((10, 1), 3.0, (20, 1), 3, (100, 1), 240)}


def run(size: str, only: set[str], stream_seconds: float, workdir: Path,
        watchdog: float) -> dict[str, Any]:
    rng = random.Random(1)
    ini = workdir / "SYSTEM.INI"
    sized = SIZES[size]
    results: dict[str, Any] = {
        "meta": {"size": size, "rate": RATE, "cpus": os.cpu_count(),
                 "python": platform.python_version(), "machine": platform.machine(),
                 "rtmidi": rtmidi.__version__, "load_period": LOAD_PERIOD,
                 "midi_input": "woken" if jackmidi.available() else "polled",
                 "stream_seconds": stream_seconds, "items": sorted(only),
                 "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
                 "date": time.strftime("%Y-%m-%d %H:%M")},
    }
    if "latency" in only:
        results["latency"] = []
        for period in LATENCY_PERIODS:
            with jack_session(period) as server:
                r = bench_latency(server, ini, *sized.latency, rng)
                results["latency"].append(asdict(r))
                aa = next(p for p in r.paths if p.path == "aa" and p.mode == "alone")
                rr = next(p for p in r.paths if p.path == "rr" and p.mode == "alone")
                print(f"  latency period {period}: audiodrv median {aa.latency_ms.median} ms, "
                      f"raw {rr.latency_ms.median} ms, paired diff "
                      f"{r.paired_diff_ms.median} ms, xruns {r.xruns}", flush=True)
    if only & {"sysex", "stream", "synth", "input-cpu"}:
        with jack_session(LOAD_PERIOD) as server:
            if "sysex" in only:
                runs = bench_sysex(server, ini, workdir, *sized.sysex, watchdog)
                results["sysex"] = [asdict(r) for r in runs]
            if "stream" in only:
                streams = bench_stream(server, ini, workdir, stream_seconds, watchdog)
                results["stream"] = [asdict(r) for r in streams]
                for s in streams:
                    print(f"  stream {s.side}: p50 {s.error_ms.median} p99 {s.error_ms.p99} ms, "
                          f"slope {s.slope_ms_per_min} ms/min, {s.received}/{s.events}",
                          flush=True)
            if "synth" in only:
                synth = bench_synth(server, ini, sized.synth_trials, 2, rng)
                results["synth"] = synth if isinstance(synth, str) else \
                    [asdict(r) for r in synth]
                for sr in synth if isinstance(synth, list) else []:
                    print(f"  synth {sr.condition}: median {sr.latency_ms.median} ms, "
                          f"p99 {sr.latency_ms.p99} ms", flush=True)
            if "input-cpu" in only:
                runs = bench_input_cpu(server, ini, workdir, *sized.input_cpu, watchdog)
                results["input_cpu"] = [asdict(r) for r in runs]
    results["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["anomalies"] = dict(_anomalies)
    return results


def main(argv: list[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    add_size_options(parser, "60 s stream instead of 10 min, fewer trials")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"),
                        help="where midi.json and midi.png go")
    parser.add_argument("--only", default=",".join(ITEMS),
                        help=f"comma-separated subset of {','.join(ITEMS)}")
    parser.add_argument("--stream-seconds", type=float, default=None,
                        help="length of item 2 (default 600, 60 with --quick, 3 with "
                             "--smoke)")
    # Child processes (see Child): the raw side of item 2, the probe of item 3, the sender
    # of item 5.
    parser.add_argument("--raw-stream", nargs=3, metavar=("FILE", "SECONDS", "WATCHDOG"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--sysex-probe", metavar="WATCHDOG", help=argparse.SUPPRESS)
    parser.add_argument("--cpu-sender", metavar="WATCHDOG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cpu_sender:
        return cpu_sender_main(float(args.cpu_sender))
    if args.raw_stream:
        return raw_stream_main(Path(args.raw_stream[0]), float(args.raw_stream[1]),
                               float(args.raw_stream[2]))
    if args.sysex_probe:
        return sysex_probe_main(float(args.sysex_probe))
    only = {item.strip() for item in args.only.split(",") if item.strip()}
    if not only <= set(ITEMS):
        parser.error(f"--only takes {', '.join(ITEMS)}")
    size = chosen_size(args)
    stream_seconds = args.stream_seconds or SIZES[size].stream_seconds
    # A plain SIGTERM (a CI timeout) would skip every finally and leave jackd running.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    # Everything but the stream takes about 4 minutes (2 with --quick).
    watchdog = (stream_seconds if "stream" in only else 0) + SIZES[size].watchdog
    start_watchdog("midi_bench", watchdog, _servers, _children)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="midi-bench-") as tmp:
        os.environ["AUDIODRV_SYSTEM_INI"] = str(Path(tmp) / "SYSTEM.INI")
        results = run(size, only, stream_seconds, Path(tmp), watchdog)
    (args.out / "midi.json").write_text(json.dumps(results, indent=1))
    plot(results, args.out / "midi.png")
    print()
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
