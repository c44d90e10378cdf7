"""A General MIDI synthesizer as one more client of the PortAudio stream service.

:class:`FluidSynth` is one FluidSynth instance (libfluidsynth through pyfluidsynth, the only
module that imports ``fluidsynth``) with a SoundFont loaded and no audio driver of its own:
MIDI goes in as calls, float audio comes out of ``fluid_synth_write_float`` at the rate of
the output stream it feeds.

:class:`SynthClient` renders that audio ahead of time into a ring buffer that the stream's
real-time callback (rtmixer, in C) mixes with every waveOut open of the device.  The feeder
thread calls :meth:`SynthClient.service` every ~10 ms; MIDI messages are applied to the
synthesizer under the client's lock as they arrive and are heard from the next rendered
block on.  Audio already in the ring cannot be taken back, so the ring is kept only a small
``lead`` ahead of the callback (a few device periods, at least twice the feeder interval):
that lead *is* the note-on latency while the synthesizer plays.

When no voice sounds and the output (reverb and chorus tails included) has been silent for
a while, the client stops rendering and lets its ring run dry, so an idle synthesizer costs
nothing; the next MIDI message wakes it, and the driver then renders the first block at
once from the caller's thread (:meth:`SynthClient.wake`), so a note after a pause starts
with only the device's own latency.

Short-message parsing (running status, the MIDI byte stream of a long message) lives here
too, as plain functions with no audio stack.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from audiodrv.engine.playback import Ring

__all__ = [
    "DEFAULT_SOUNDFONTS",
    "FluidSynth",
    "SynthClient",
    "SynthError",
    "SynthStats",
    "available",
    "default_soundfont",
    "midi_events",
    "short_message",
]

log = logging.getLogger("audiodrv.engine.synth")

#: Where General MIDI SoundFonts usually live (Debian/Ubuntu packages first:
#: timgm6mb-soundfont, then the ``default-GM.sf2`` alternative, fluid-soundfont-gm).
DEFAULT_SOUNDFONTS = (
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
)

SILENCE = 2e-5  # peak below which a rendered block counts as silent (-94 dBFS, < 16-bit LSB)
QUIET_SECONDS = 0.1  # silent output with no voice for this long: stop rendering


class SynthError(RuntimeError):
    """FluidSynth is missing, or refused the settings or the SoundFont."""


def default_soundfont() -> str | None:
    """The first SoundFont of :data:`DEFAULT_SOUNDFONTS` that exists, or None."""
    return next((path for path in DEFAULT_SOUNDFONTS if os.path.isfile(path)), None)


# -- libfluidsynth ---------------------------------------------------------------------------

_lib: Any = None
_lib_error: str | None = None
_lib_lock = threading.Lock()

_c_synth = ctypes.c_void_p
_c_int = ctypes.c_int
# name -> (restype, argtypes); pyfluidsynth binds most of these, but not write_float, sysex
# or the pressures, and its wrappers add range checks and offsets: we bind them all alike.
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    "fluid_synth_noteon": (_c_int, [_c_synth, _c_int, _c_int, _c_int]),
    "fluid_synth_noteoff": (_c_int, [_c_synth, _c_int, _c_int]),
    "fluid_synth_cc": (_c_int, [_c_synth, _c_int, _c_int, _c_int]),
    "fluid_synth_program_change": (_c_int, [_c_synth, _c_int, _c_int]),
    "fluid_synth_channel_pressure": (_c_int, [_c_synth, _c_int, _c_int]),
    "fluid_synth_key_pressure": (_c_int, [_c_synth, _c_int, _c_int, _c_int]),
    "fluid_synth_pitch_bend": (_c_int, [_c_synth, _c_int, _c_int]),
    "fluid_synth_system_reset": (_c_int, [_c_synth]),
    "fluid_synth_get_active_voice_count": (_c_int, [_c_synth]),
    "fluid_synth_sysex": (_c_int, [_c_synth, ctypes.c_char_p, _c_int, ctypes.c_void_p,
                                   ctypes.c_void_p, ctypes.c_void_p, _c_int]),
    "fluid_synth_write_float": (_c_int, [_c_synth, _c_int, ctypes.c_void_p, _c_int, _c_int,
                                         ctypes.c_void_p, _c_int, _c_int]),
}


def _fluidsynth() -> Any:
    """pyfluidsynth's module and our prototypes on its library; raises SynthError."""
    global _lib, _lib_error
    with _lib_lock:
        if _lib is None and _lib_error is None:
            try:
                # pyfluidsynth prints where it found the library to stdout: keep it quiet.
                with contextlib.redirect_stdout(io.StringIO()):
                    import fluidsynth  # raises ImportError without libfluidsynth
            except (ImportError, OSError) as exc:
                _lib_error = f"pyfluidsynth/libfluidsynth not available: {exc}"
            else:
                try:
                    cdll = ctypes.CDLL(fluidsynth.lib)  # the library pyfluidsynth loaded
                    funcs = {}
                    for name, (restype, argtypes) in _PROTOTYPES.items():
                        fn = getattr(cdll, name)
                        fn.restype, fn.argtypes = restype, argtypes
                        funcs[name] = fn
                except (OSError, AttributeError) as exc:  # FluidSynth 1.x lacks some
                    _lib_error = f"libfluidsynth is too old (2.0 or later needed): {exc}"
                else:
                    _lib = (fluidsynth, funcs)
        if _lib is None:
            raise SynthError(_lib_error)
        return _lib


def available() -> str | None:
    """None when FluidSynth can be used, else why not."""
    try:
        _fluidsynth()
    except SynthError as exc:
        return str(exc)
    return None


class FluidSynth:
    """One FluidSynth synthesizer with a SoundFont, rendering float stereo on demand.

    Not thread-safe by itself: :class:`SynthClient` serialises every call.

    Parameters
    ----------
    soundfont
        Path of a ``.sf2`` file; its presets are assigned to the 16 channels (bank 0
        program 0, the drum kit on channel 10) as a General MIDI synthesizer's are.
    rate
        Sample rate to render at (FluidSynth accepts 8000 to 96000 Hz).
    gain
        FluidSynth's master gain (``synth.gain``); 0.2 is its own default, which leaves a
        single note about 30 dB below full scale.
    polyphony
        Voices (``synth.polyphony``).
    """

    def __init__(self, soundfont: str, rate: int, gain: float = 0.6,
                 polyphony: int = 256) -> None:
        module, self._fn = _fluidsynth()
        if not os.path.isfile(soundfont):
            raise SynthError(f"no SoundFont at {soundfont}")
        self.rate = rate
        self.soundfont = soundfont
        self.polyphony = polyphony
        self._synth = module.Synth(gain=float(gain), samplerate=float(rate), channels=16,
                                   **{"synth.polyphony": int(polyphony)})
        try:
            actual = self._synth.get_setting("synth.sample-rate")
            if actual is None or round(actual) != rate:
                raise SynthError(f"FluidSynth cannot render at {rate} Hz")
            self.sfid = self._synth.sfload(soundfont, 1)  # 1: assign its presets to channels
            if self.sfid < 0:
                raise SynthError(f"FluidSynth cannot load the SoundFont {soundfont}")
        except BaseException:
            self._synth.delete()
            raise
        self._ptr = self._synth.synth
        self._scratch = np.zeros((0, 2), dtype=np.float32)

    # -- MIDI --------------------------------------------------------------------------------

    def message(self, status: int, data1: int, data2: int) -> None:
        """Apply one channel message (status 0x80..0xEF) or a system reset (0xFF)."""
        fn, synth = self._fn, self._ptr
        kind, chan = status & 0xF0, status & 0x0F
        if kind == 0x90:
            fn["fluid_synth_noteon"](synth, chan, data1, data2)  # velocity 0 is a note-off
        elif kind == 0x80:
            fn["fluid_synth_noteoff"](synth, chan, data1)
        elif kind == 0xB0:
            fn["fluid_synth_cc"](synth, chan, data1, data2)
        elif kind == 0xC0:
            fn["fluid_synth_program_change"](synth, chan, data1)
        elif kind == 0xE0:
            fn["fluid_synth_pitch_bend"](synth, chan, data1 | data2 << 7)
        elif kind == 0xD0:
            fn["fluid_synth_channel_pressure"](synth, chan, data1)
        elif kind == 0xA0:
            fn["fluid_synth_key_pressure"](synth, chan, data1, data2)
        elif status == 0xFF:
            self.system_reset()

    def sysex(self, body: bytes) -> None:
        """Apply a SysEx message given without its F0/F7 framing (GM/GS/XG resets, MIDI
        tuning, ...: whatever FluidSynth handles; the rest is ignored)."""
        if body:
            self._fn["fluid_synth_sysex"](self._ptr, bytes(body), len(body), None, None,
                                          None, 0)

    def release_all(self) -> None:
        """Sustain off, then all notes off, on all 16 channels: notes end with their
        release, as ``midiOutReset`` asks of a synthesizer."""
        cc = self._fn["fluid_synth_cc"]
        for chan in range(16):
            cc(self._ptr, chan, 64, 0)
            cc(self._ptr, chan, 123, 0)

    def system_reset(self) -> None:
        """Silence everything and restore the power-on state (programs, controllers)."""
        self._fn["fluid_synth_system_reset"](self._ptr)

    @property
    def voices(self) -> int:
        """Voices playing now (releasing ones included)."""
        return int(self._fn["fluid_synth_get_active_voice_count"](self._ptr))

    # -- audio --------------------------------------------------------------------------------

    def render(self, out: np.ndarray) -> None:
        """Render ``len(out)`` frames into the first two columns of ``out``, a C-contiguous
        (n, channels) float32 array (1 channel: the mono sum)."""
        frames, channels = out.shape
        if frames == 0:
            return
        assert out.dtype == np.float32 and out.flags.c_contiguous
        write = self._fn["fluid_synth_write_float"]
        if channels >= 2:
            address = out.ctypes.data
            write(self._ptr, frames, address, 0, channels, address, 1, channels)
            return
        if len(self._scratch) < frames:
            self._scratch = np.zeros((frames, 2), dtype=np.float32)
        scratch = self._scratch[:frames]
        address = scratch.ctypes.data
        write(self._ptr, frames, address, 0, 2, address, 1, 2)
        np.add(scratch[:, 0], scratch[:, 1], out=out[:, 0])
        out *= np.float32(0.5)

    def close(self) -> None:
        """Free the synthesizer and its SoundFont."""
        if self._synth is not None:
            self._synth.delete()
            self._synth = None


# -- the stream client ------------------------------------------------------------------------


@dataclass
class SynthStats:
    """What the client did, for benchmarks and tests."""

    rate: int
    lead_frames: int
    rendered_frames: int = 0
    render_seconds: float = 0.0  # CPU (thread) time spent in FluidSynth and the ring write
    # The ring was found empty while sounding (the callback caught up with the feeder,
    # whether or not it also ran dry); each grows the lead by a period, up to max_lead.
    underruns: int = 0
    wakeups: int = 0  # renders started from idle by a MIDI message

    @property
    def cpu_load(self) -> float:
        """Render time per second of audio (1.0 = one core, busy)."""
        audio = self.rendered_frames / self.rate
        return self.render_seconds / audio if audio else 0.0


class SynthClient:
    """Feeds one output-stream ring from a :class:`FluidSynth`.

    Parameters
    ----------
    synth
        The synthesizer, rendering at the stream's rate.
    ring
        The ring the stream's callback reads (elements are frames of ``channels`` float32).
    channels
        The stream's channels; the synthesizer's left and right go to the first two (or
        are summed into a mono one), the others stay silent.
    lead
        Frames to keep written ahead of the callback.
    period
        The device's period (frames per callback): the lead grows by one each time the
        ring runs dry while sounding, up to ``max_lead``.
    max_lead
        Upper bound for that growth (default: twice ``lead``).
    """

    def __init__(self, synth: FluidSynth, ring: Ring, channels: int, lead: int,
                 period: int, max_lead: int | None = None) -> None:
        self.synth = synth
        self.ring = ring
        self.channels = channels
        self.period = max(1, period)
        self.max_lead = max(lead, max_lead if max_lead is not None else 2 * lead)
        self.stats = SynthStats(synth.rate, lead)
        self._lock = threading.Lock()
        self._gain = np.ones(min(channels, 2), dtype=np.float32)
        self._unity = True
        self._block = np.zeros((self.max_lead, channels), dtype=np.float32)
        self._quiet_limit = max(1, int(synth.rate * QUIET_SECONDS))
        self._quiet = 0  # silent frames rendered in a row with no voice
        self._idle = True  # not rendering: the ring runs (or ran) dry on purpose
        self._rendering = False  # the last service rendered: an empty ring is an underrun
        # Woken from idle, until the stream has seen the new audio: a stream action that
        # ended while idle is then still reported as idle time, not as an underrun.
        self._waking = False

    # -- MIDI side (any thread) ----------------------------------------------------------------

    def message(self, status: int, data1: int, data2: int) -> bool:
        """Apply a channel message; returns whether the client was idle (call :meth:`wake`)."""
        with self._lock:
            self.synth.message(status, data1, data2)
            return self._activity()

    def sysex(self, body: bytes) -> bool:
        """Apply a SysEx body (no F0/F7); returns whether the client was idle."""
        with self._lock:
            self.synth.sysex(body)
            return self._activity()

    def events(self, data: bytes) -> bool:
        """Apply a MIDI byte stream (a long message); returns whether the client was idle."""
        with self._lock:
            for event in midi_events(data):
                if isinstance(event, bytes):
                    self.synth.sysex(event)
                else:
                    self.synth.message(*event)
            return self._activity()

    def release_all(self) -> bool:
        """``midiOutReset``: sustain off and all notes off on every channel."""
        with self._lock:
            self.synth.release_all()
            return self._activity()

    def system_reset(self) -> None:
        """Back to the power-on state, at once (the last close of the device)."""
        with self._lock:
            self.synth.system_reset()

    def _activity(self) -> bool:
        was_idle = self._idle
        self._quiet = 0
        self._idle = False
        self._waking = self._waking or was_idle
        return was_idle

    def wake(self) -> None:
        """Render the first block now (the caller then starts the stream's action), so
        sound after a pause does not wait for the feeder's next round."""
        self.stats.wakeups += 1
        self.service()

    @property
    def gain(self) -> np.ndarray:
        """Left and right gain (one value on a mono stream), applied as blocks render."""
        return self._gain.copy()

    @gain.setter
    def gain(self, value: Any) -> None:
        gain = np.broadcast_to(np.asarray(value, dtype=np.float32), self._gain.shape).copy()
        with self._lock:
            self._gain = gain
            self._unity = bool(np.all(gain == 1.0))

    # -- stream side ---------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether the synthesizer is sounding (a dry ring then is a real underrun)."""
        return not self._idle and not self._waking

    @property
    def lead(self) -> int:
        return self.stats.lead_frames

    def service(self) -> None:
        """Top the ring up to ``lead`` frames; called by the feeder about every 10 ms."""
        with self._lock:
            if self._idle:
                self._rendering = False
                return
            if self._waking and self._rendering:
                # The round that rendered the first block is over: the stream has started
                # an action for it (its service_client runs after each of our services).
                self._waking = False
            queued = self.ring.read_available
            if queued == 0 and self._rendering:
                # The callback caught up with us: JACK's period or the feeder's jitter is
                # larger than the lead allowed for.  Trade a period of latency for safety.
                self.stats.underruns += 1
                if self.stats.lead_frames < self.max_lead:
                    self.stats.lead_frames = min(self.max_lead,
                                                 self.stats.lead_frames + self.period)
                    log.info("synth ring ran dry; lead now %d frames", self.stats.lead_frames)
            room = min(self.ring.write_available, self.stats.lead_frames - queued)
            if room <= 0:
                self._rendering = True
                return
            started = time.thread_time()
            block = self._block[:room]
            self.synth.render(block)
            silent = self.synth.voices == 0 and float(np.max(np.abs(block))) < SILENCE
            if not self._unity:
                block[:, : len(self._gain)] *= self._gain
            self.ring.write(block)
            self.stats.render_seconds += time.thread_time() - started
            self.stats.rendered_frames += room
            self._rendering = True
            self._quiet = self._quiet + room if silent else 0
            if self._quiet >= self._quiet_limit:
                self._idle, self._rendering = True, False

    def reset(self) -> None:
        """Forget what is in the ring (the stream's callback must not be reading it)."""
        with self._lock:
            self.ring.flush()
            self._rendering = False


# -- MIDI parsing --------------------------------------------------------------------------------

_DATA_BYTES = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_COMMON_DATA_BYTES = {0xF1: 1, 0xF2: 2, 0xF3: 1}  # MTC quarter frame, song position, select


def short_message(dw: int, running: int) -> tuple[tuple[int, int, int] | None, int]:
    """Decode a ``midiOutShortMsg`` DWORD (status in bits 0-7, data1 8-15, data2 16-23).

    Follows spec B106: a status byte 0x80..0xEF becomes the running status; 0xF0..0xF7
    clears it; real-time bytes (0xF8..0xFF) leave it; a low byte below 0x80 is data for the
    running status (low byte = data1, next byte = data2), dropped when there is none.

    Returns
    -------
    (event, running)
        ``event`` is ``(status, data1, data2)`` to apply, or None; ``running`` the new
        running status (0 for none).
    """
    status = dw & 0xFF
    if status >= 0xF8:
        return ((status, 0, 0) if status == 0xFF else None), running
    if status >= 0xF0:
        return None, 0  # system common: nothing a synthesizer does with it
    if status >= 0x80:
        return (status, (dw >> 8) & 0x7F, (dw >> 16) & 0x7F), status
    if not running:
        return None, 0
    return (running, status, (dw >> 8) & 0x7F), running


def midi_events(data: bytes) -> Iterator[tuple[int, int, int] | bytes]:
    """The events of a MIDI byte stream (a ``midiOutLongMsg`` buffer), in order.

    Yields ``(status, data1, data2)`` for channel messages (running status applies within
    the buffer) and system reset, and ``bytes`` (the body, without F0/F7) for SysEx.  A
    buffer that does not start with a status byte is taken as a SysEx body whose F0 was left
    out, and an unterminated SysEx runs to the end of the buffer (as Wine completes them).
    Incomplete trailing messages are dropped.
    """
    data = bytes(data)
    n = len(data)
    if n and data[0] < 0x80:
        end = data.find(0xF7)
        yield data[: n if end < 0 else end]
        return
    i, running = 0, 0
    while i < n:
        byte = data[i]
        if byte == 0xF0:
            end = data.find(0xF7, i + 1)
            end = n if end < 0 else end
            yield data[i + 1:end]
            i, running = end + 1, 0
        elif byte >= 0xF8:
            if byte == 0xFF:
                yield (0xFF, 0, 0)
            i += 1
        elif byte >= 0xF0:
            i, running = i + 1 + _COMMON_DATA_BYTES.get(byte, 0), 0
        else:
            if byte >= 0x80:
                running, i = byte, i + 1
            elif not running:
                i += 1  # a stray data byte
                continue
            count = _DATA_BYTES[running & 0xF0]
            values: list[int] = []
            while i < n and len(values) < count:
                byte = data[i]
                if byte >= 0xF8:  # real-time bytes may come between data bytes
                    if byte == 0xFF:
                        yield (0xFF, 0, 0)
                elif byte >= 0x80:
                    break  # a new status interrupts the message: drop what we have
                else:
                    values.append(byte)
                i += 1
            if len(values) == count:
                yield (running, values[0], values[1] if count == 2 else 0)
