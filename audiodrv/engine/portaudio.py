"""The PortAudio stream service: the only module that imports sounddevice.

One PortAudio stream per device and direction, opened when its first client attaches and
closed with its last: every waveOut open of a device is mixed into the same stream, in C,
by rtmixer's callback, which needs no GIL.  Python only tops up ring buffers ahead of
time, from one feeder thread that also notices a stream the audio server took away.

rtmixer ends a ring-buffer action when its ring runs dry (or, recording, when it is full);
the feeder starts a new one when data is there again and counts the event as an underrun
(or overrun) of that client: PortAudio's own status flags under JACK report server-wide
xruns, not this stream's.

PortAudio 19.6's JACK host API cannot let go of a dead server: ``Pa_CloseStream`` blocks
and ``Pa_Terminate`` asserts or never returns, even once the server is back.  So a stream
the server took away is left untouched ("lost"), and a rescan gives sounddevice a fresh
PortAudio instance instead (see ``_revive``); the lost streams and their instance are
abandoned as they are, and PortAudio's exit handler skips them.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rtmixer
import sounddevice as sd

from audiodrv.engine.capture import Capture
from audiodrv.engine.jackserver import server_reachable
from audiodrv.engine.playback import Playback

__all__ = [
    "HostDevice",
    "PortAudioError",
    "InputStream",
    "OutputStream",
    "RingBuffer",
    "StreamService",
    "XrunStats",
    "default_device",
    "host_devices",
    "reinitialize",
    "service",
    "supports",
    "terminate",
]

log = logging.getLogger("audiodrv.engine")

CYCLE_MARGIN = 0.0001  # seconds after a callback's phase by which its reads are visible

PortAudioError = sd.PortAudioError


class RingBuffer(rtmixer.RingBuffer):
    """rtmixer's ring (PortAudio's lock-free ``PaUtilRingBuffer``), plus taking back the
    newest frames while the callback reads: what a break of a loop needs."""

    def unwrite(self, count: int, keep: int) -> bool:
        """Withdraw the newest ``count`` elements unless fewer than ``keep`` would be left
        ahead of the reader; returns whether they were withdrawn.

        The callback reads at most one block per call from where its read index was when
        the call began, so with ``keep`` at least a block, the frames left are all it can
        be reading.  A reader that advanced between the check and the store (this thread
        was descheduled) is detected afterwards and the store undone: nothing was
        overwritten, so the frames it read are the ones that were there.
        """
        ptr = self._ptr
        old = ptr.writeIndex
        if (old - ptr.readIndex) & ptr.bigMask < count + keep:
            return False
        new = (old - count) & ptr.bigMask
        ptr.writeIndex = new
        left = (new - ptr.readIndex) & ptr.bigMask
        if left < keep or left > ptr.bufferSize:
            ptr.writeIndex = old
            return False
        return True


@dataclass
class XrunStats:
    """One client's own xruns, from its ring rather than from PortAudio's status flags.

    Playback: the ring ran dry; ``starved_frames`` of silence were played while the
    application had audio queued (it came too late), ``idle_frames`` while it had none.
    Recording: the ring was full; ``starved_frames`` were lost.
    """

    events: int = 0
    starved_frames: int = 0
    idle_frames: int = 0
    _gap_since: float | None = None  # stream time the ring ran dry / filled up
    _gap_starved: bool = False


@dataclass(frozen=True)
class HostDevice:
    """A PortAudio device as the drivers see it."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float

    @property
    def key(self) -> str:
        """A devnode key that survives re-enumeration (indices do not)."""
        return f"portaudio:{self.hostapi}:{self.name}"


def host_devices() -> list[HostDevice]:
    """Every PortAudio device, in PortAudio's order; [] when PortAudio has none."""
    try:
        hostapis = sd.query_hostapis()
        return [
            HostDevice(d["index"], d["name"], hostapis[d["hostapi"]]["name"],
                       d["max_input_channels"], d["max_output_channels"],
                       d["default_samplerate"])
            for d in sd.query_devices()
        ]
    except sd.PortAudioError as exc:
        log.warning("PortAudio lists no devices: %s", exc)
        return []


def default_device(devices: list[HostDevice], output: bool) -> HostDevice | None:
    """PortAudio's default output (or input) device, else the first device with outputs
    (inputs)."""
    index = sd.default.device[1 if output else 0]
    if index is None or index < 0:
        try:
            index = sd.query_devices(kind="output" if output else "input")["index"]
        except (sd.PortAudioError, ValueError):
            index = -1
    attr = "max_output_channels" if output else "max_input_channels"
    usable = [d for d in devices if getattr(d, attr) > 0]
    return next((d for d in usable if d.index == index), usable[0] if usable else None)


def reinitialize() -> None:
    """Re-enumerate host APIs and devices (a JACK server started after import, or back).

    PortAudio invalidates every stream when it re-initialises, so this refuses while a
    live stream is open; lost streams are abandoned with their instance (``_revive``).
    """
    service.drop_lost()
    if service.has_streams():
        raise RuntimeError("cannot rescan PortAudio while streams are open")
    # A busy JACK server now and then refuses PortAudio's client; PortAudio then silently
    # leaves the JACK host API out.  Try again a few times when a server is there.
    for attempt in range(4):
        while sd._initialized:
            sd._terminate()
        sd._initialize()
        if _has_jack() or not server_reachable():
            break
        log.info("PortAudio did not get a JACK client (attempt %d); retrying", attempt + 1)


# Dead PortAudio instances, with the streams they could not close: kept for good (_revive).
_abandoned: list[Any] = []


def _library_file() -> str | None:
    """The file sounddevice loaded PortAudio from (it may hold only a bare soname)."""
    if os.path.isabs(sd._libname):
        return str(sd._libname)
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split(None, 5)[-1].strip()
                if os.path.basename(path).startswith("libportaudio") and os.path.isfile(path):
                    return path
    except OSError:
        pass
    return None


def _load_copy(source: str) -> Any:
    """dlopen a private copy of a library: in memory where the system allows (a folder
    such as /tmp may be mounted noexec), else in a temporary folder."""
    if hasattr(os, "memfd_create"):
        # The descriptor stays open for good: closed, its number would come back for the
        # next copy, and the loader would take that path for the library it already has.
        fd = os.memfd_create("audiodrv-portaudio")
        with open(source, "rb") as src, open(fd, "wb", closefd=False) as dst:
            shutil.copyfileobj(src, dst)
        return sd._ffi.dlopen(f"/proc/self/fd/{fd}")
    folder = tempfile.mkdtemp(prefix="audiodrv-portaudio-")
    try:
        copy = os.path.join(folder, os.path.basename(source))
        shutil.copyfile(source, copy)
        return sd._ffi.dlopen(copy)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _revive(lost: list[_Stream]) -> None:
    """Replace sounddevice's PortAudio instance, whose ``lost`` streams cannot be closed.

    A copy of the library file is a new object to the dynamic loader, so it is mapped anew
    with PortAudio state of its own.  The old instance is never unloaded: libjack keeps
    pointers into it (PortAudio's error callbacks), and the next ``jack_client_open`` would
    call into unmapped memory.
    """
    source = _library_file()
    if source is None:
        raise RuntimeError("PortAudio cannot release a stream whose audio server died, and "
                           "its library file is unknown; restart the program to use that "
                           "server's devices again")
    try:
        fresh = _load_copy(source)
    except OSError as exc:  # no room for the copy, nowhere it may be mapped executable
        raise RuntimeError(f"cannot load a fresh copy of {source}: {exc}") from exc
    _abandoned.append((sd._lib, lost))
    sd._lib = fresh
    sd._initialized = 0
    log.info("PortAudio re-instantiated from %s after a server loss", source)


def _has_jack() -> bool:
    return any(api["name"].startswith("JACK") for api in sd.query_hostapis())


def terminate() -> None:
    """Close every stream and shut PortAudio down: call it before stopping a JACK server
    this process uses (PortAudio cannot close its JACK client afterwards).  After a server
    loss it does nothing until a rescan (see :meth:`StreamService.drop_lost`)."""
    if service.has_lost():
        return
    service.close_all()
    while sd._initialized:
        sd._terminate()


@atexit.register
def _skip_portaudio_exit_if_server_lost() -> None:
    # Registered after sounddevice's own handler, so it runs first.
    if service.has_lost():
        sd._initialized = 0


def supports(device: HostDevice, channels: int, rate: int, output: bool) -> bool:
    """Whether PortAudio would open the device with these settings (float32)."""
    check = sd.check_output_settings if output else sd.check_input_settings
    try:
        check(device=device.index, channels=channels, samplerate=rate, dtype="float32")
    except (sd.PortAudioError, ValueError):
        return False
    return True


class _Stream:
    """One rtmixer stream and the clients (playbacks or captures) attached to it."""

    def __init__(self, device: HostDevice, channels: int, kind: type[Any]) -> None:
        self.device = device
        self.channels = channels
        self.stream = kind(device=device.index, channels=channels, blocksize=0,
                           samplerate=device.default_samplerate, latency="low", qsize=1024)
        self.samplerate = int(self.stream.samplerate)
        # At least the most one callback reads (blocksize=0: the host's period; the latency
        # PortAudio reports is that or more, port latencies included).
        self.block_bound = max(1, math.ceil(self.stream.latency * self.samplerate))
        self.clients: dict[Any, Any] = {}  # client -> running action or None
        # When the feeder must next service each client (time.monotonic()); a client not
        # here is due at once.  Serviced only when due: a pass over every client whenever
        # any one is due costs 16 times what is needed with 16 opens.
        self.due: dict[Any, float] = {}
        self.paused: set[Any] = set()
        self.xruns: dict[Any, XrunStats] = {}
        self.on_lost: list[Callable[[], None]] = []
        self.lost = False
        self.checks: Any = None  # the driver's timed completion checks of this stream
        self.lock = threading.RLock()
        self.stream.start()
        # What the callback reads per cycle and the stream time of one callback, from
        # rtmixer's statistics action; None until the feeder has seen one done (read
        # without the lock: it is taken under a playback's lock, and service_client holds
        # this one while it takes a playback's).
        self.timing: tuple[int, float] | None = None
        self._stats: Any = None
        self._stats_due = 0.0  # time.monotonic() of the next refresh

    def _refresh_timing(self) -> None:
        """Under the lock, on the feeder: publish what the last statistics action says,
        and ask again every second (a JACK period can change under PipeWire or
        ``jack_bufsize``).  Only under JACK: elsewhere callbacks follow the sound card's
        clock, not the stream time's, and a phase taken once would drift.  Only for a
        stream whose completions are timed (``checks``): nothing else uses it."""
        if self.checks is None or not self.device.hostapi.startswith("JACK") or self.lost:
            return
        action = self._stats
        if action is not None and action not in self.stream.actions:  # done
            self.timing = (action.stats.max_blocksize, action.actual_time)
            self._stats = None
        if self._stats is None and time.monotonic() >= self._stats_due:
            self._stats = self.stream.fetch_and_reset_stats()
            self._stats_due = time.monotonic() + 1.0

    @property
    def period(self) -> int:
        """Frames the callback reads per cycle: as measured, else ``block_bound`` (the
        latency PortAudio reports: a period under JACK, often several elsewhere)."""
        timing = self.timing
        return timing[0] if timing is not None else self.block_bound

    def after_cycles(self, frames: int) -> float | None:
        """``time.monotonic()`` just after the callback that reads the next ``frames``
        frames, or None when the callbacks' timing is not known.

        Callbacks come a period apart on the stream's clock, in phase with the time rtmixer
        gave the one that ran the statistics action; the margin covers the callback's own
        run (measured under JACK: its reads are visible up to 0.05 ms before that phase).
        """
        timing = self.timing
        if timing is None or self.lost:
            return None
        period, cycle = timing
        try:
            now = self.stream.time
        except sd.PortAudioError:  # the stream has no time any more
            return None
        step = period / self.samplerate
        cycles = -(-frames // period)
        target = cycle + (math.floor((now - cycle) / step) + cycles) * step
        return time.monotonic() + target - now + CYCLE_MARGIN

    def _start(self, client: Any) -> Any:
        raise NotImplementedError

    def _ended(self, client: Any) -> bool:
        """Whether a client's action ended while it still had work (an xrun)."""
        raise NotImplementedError

    def attach(self, client: Any, on_lost: Callable[[], None], paused: bool = False) -> None:
        with self.lock:
            self.clients[client] = None
            self.xruns[client] = XrunStats()
            self.on_lost.append(on_lost)
            if paused:
                self.paused.add(client)
        service.kick()  # the feeder may be asleep for longer than a new client can wait

    def detach(self, client: Any, on_lost: Callable[[], None]) -> None:
        self.halt(client)
        with self.lock:
            self.clients.pop(client, None)
            self.due.pop(client, None)
            self.paused.discard(client)
            self.xruns.pop(client, None)
            self.on_lost.remove(on_lost)

    def halt(self, client: Any) -> None:
        """Stop the callback from touching the client's ring; returns once it has."""
        # Every call on the rtmixer stream happens under the lock: its action bookkeeping
        # (a dict and one scratch pointer) is not thread-safe, and a race there loses or
        # double-deletes actions.  Held while waiting: that is at most one period.
        with self.lock:
            action = self.clients.get(client)
            self.clients[client] = None
            if action is None or self.lost:
                return
            self.stream.cancel(action)
            # rtmixer's wait() would never return if the server died meanwhile: a dead
            # stream has no callback left to finish the action, nor to touch the ring.
            while action in self.stream.actions and self.stream.active:
                sd.sleep(1)

    def pause(self, client: Any) -> None:
        with self.lock:
            self.paused.add(client)
        self.halt(client)

    def resume(self, client: Any) -> None:
        with self.lock:
            self.paused.discard(client)
        self.service_client(client)
        self.feed_after(client, 0)

    def feed_after(self, client: Any, frames: int) -> None:
        """Have the feeder service ``client`` once the callback has read ``frames`` more."""
        when = time.monotonic() + frames / self.samplerate
        with self.lock:
            self.due[client] = when
        service.wake_by(when)

    def service_client(self, client: Any) -> None:
        with self.lock:
            if self.lost or client not in self.clients or client in self.paused:
                return
            stats = self.xruns[client]
            action = self.clients[client]
            if stats._gap_since is not None and action is not None and action.actual_time > 0:
                # The action that ended the last gap has started (it may have ended since).
                gap = max(0, round((action.actual_time - stats._gap_since) * self.samplerate))
                if stats._gap_starved:
                    stats.starved_frames += gap
                else:
                    stats.idle_frames += gap
                stats._gap_since = None
            if action is not None and action not in self.stream.actions:
                # The action ended by itself: its ring ran dry (or, recording, filled up).
                stats._gap_since = action.actual_time + action.done_frames / self.samplerate
                stats._gap_starved = self._ended(client)
                stats.events += stats._gap_starved
                action = self.clients[client] = None
            if action is None and self._wants_action(client):
                self.clients[client] = self._start(client)

    def _wants_action(self, client: Any) -> bool:
        raise NotImplementedError

    def mark_lost(self) -> None:
        """The device or server is gone: never touch this stream's PortAudio side again."""
        if self.lost:
            return
        self.lost = True
        log.warning("stream of %s stopped: device or server gone", self.device.name)
        for callback in list(self.on_lost):
            callback()

    def service(self, interval: float, slack: float) -> float:
        """Service the clients due within ``slack`` seconds; returns the seconds until one
        is due again (``interval`` after its service for a client that does not say)."""
        with self.lock:
            self._refresh_timing()
        now = time.monotonic()
        wait = math.inf
        for client in list(self.clients):
            asked = self.due.get(client)  # a new float whenever someone asks anew
            due = now if asked is None else asked
            if due > now + slack:
                wait = min(wait, due - now)
                continue
            frames = client.service()
            self.service_client(client)
            if self.lost or client in self.paused:
                after = math.inf  # nothing is read until it resumes, which asks again
            elif frames is None:
                after = math.inf if isinstance(client, Playback) else interval
            else:
                after = frames / self.samplerate
            with self.lock:
                if client not in self.clients:
                    continue  # detached meanwhile
                # A write or a resume that asked meanwhile may want it sooner than this
                # service found: the earlier wins.
                again = self.due.get(client)
                due = now + after if again is asked else min(again, now + after)
                self.due[client] = due
            wait = min(wait, due - now)
        return wait

    def close(self) -> None:
        if not self.lost:  # Pa_AbortStream waits forever for a dead JACK callback
            self.stream.abort(ignore_errors=True)
        self.stream.close(ignore_errors=True)


class OutputStream(_Stream):
    """A device's output stream: rings of playing opens are mixed into it."""

    def __init__(self, device: HostDevice) -> None:
        super().__init__(device, device.max_output_channels, rtmixer.Mixer)

    def _start(self, client: Playback) -> Any:
        return self.stream.play_ringbuffer(client.ring)

    def _wants_action(self, client: Playback) -> bool:
        return client.ring.read_available > 0

    def _ended(self, client: Playback) -> bool:
        return client.busy  # the ring ran dry while the application had audio queued


class InputStream(_Stream):
    """A device's input stream: each recording open has its own ring."""

    def __init__(self, device: HostDevice) -> None:
        super().__init__(device, device.max_input_channels, rtmixer.Recorder)

    def _start(self, client: Capture) -> Any:
        return self.stream.record_ringbuffer(client.ring)

    def _wants_action(self, client: Capture) -> bool:
        return True

    def _ended(self, client: Capture) -> bool:
        return True  # a record action only ends on a full ring: data was lost


class StreamService:
    """Opens streams on demand and runs the feeder thread that services them.

    The feeder sleeps until a client needs it (a playback says when half its lead will have
    been read; others get ``interval``), but at least ``shortest`` and at most ``longest``
    seconds, which is how soon a server that died unnoticed is seen.  An application's write
    tops the ring up on its own thread and kicks the feeder when more remains to be written.
    """

    def __init__(self, interval: float = 0.01, longest: float = 0.1,
                 shortest: float = 0.001) -> None:
        self.interval = interval
        self.longest = longest
        self.shortest = shortest  # a client wanting it at once still lets others run
        self._streams: dict[tuple[int, str], _Stream] = {}
        self._users: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._wakes_at = 0.0  # time.monotonic() the feeder sleeps until; 0 while it runs
        self._thread: threading.Thread | None = None

    def has_streams(self) -> bool:
        return bool(self._streams)

    def has_lost(self) -> bool:
        return any(s.lost for s in self._streams.values())

    def drop_lost(self) -> None:
        """Abandon lost streams, with the PortAudio instance they belong to (``_revive``).

        Their clients stay attached to them and fail from then on; new opens get streams
        of the fresh instance.  Refused while a live stream is open: it belongs to the old
        instance too.
        """
        with self._lock:
            lost = [s for s in self._streams.values() if s.lost]
            if not lost:
                return
            if len(lost) < len(self._streams):
                raise RuntimeError("cannot rescan PortAudio while streams are open")
            _revive(lost)
            self._streams.clear()
            self._users.clear()

    def close_all(self) -> None:
        with self._lock:
            for stream in self._streams.values():
                stream.close()
            self._streams.clear()
            self._users.clear()

    def acquire(self, device: HostDevice, output: bool) -> _Stream:
        """The (shared) stream of a device; opened on first use.

        Raises sounddevice.PortAudioError when PortAudio cannot open it.
        """
        key = (device.index, "out" if output else "in")
        with self._lock:
            stream = self._streams.get(key)
            if stream is not None and stream.lost:
                raise sd.PortAudioError(f"{device.name}: its audio server is gone")
            if stream is None:
                stream = (OutputStream if output else InputStream)(device)
                self._streams[key] = stream
                self._users[key] = 0
            self._users[key] += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audiodrv-feeder",
                                                daemon=True)
                self._thread.start()
            return stream

    def release(self, stream: _Stream) -> None:
        with self._lock:
            key = next((k for k, s in self._streams.items() if s is stream), None)
            if key is None:
                return  # closed already (a lost stream dropped by a rescan)
            self._users[key] -= 1
            if self._users[key] == 0:
                self._notice_losses()  # closing a dead stream the feeder missed would hang
            # A lost stream cannot be closed at all: drop_lost abandons it.
            if self._users[key] == 0 and not stream.lost:
                del self._streams[key], self._users[key]
                stream.close()

    def kick(self) -> None:
        """Service every stream now (new data was queued, say)."""
        self._wake.set()

    def wake_by(self, when: float) -> None:
        """Have the feeder look at the streams again by ``when`` (time.monotonic())."""
        # A pass running now may have read a client's due time before it changed: 0 makes
        # the next pass follow at once.
        if when < self._wakes_at or not self._wakes_at:
            self._wake.set()

    def _notice_losses(self) -> None:
        """Mark the streams PortAudio stopped, and with a JACK one every JACK stream: they
        share one JACK client, so when its server dies they all die, whether or not
        PortAudio has said so of each yet (Pa_AbortStream on one would never return)."""
        streams = list(self._streams.values())
        dead = [s for s in streams if not s.lost and not s.stream.active]
        jack = any(s.device.hostapi.startswith("JACK") for s in dead)
        for stream in streams:
            if stream in dead or (jack and stream.device.hostapi.startswith("JACK")):
                stream.mark_lost()

    def _run(self) -> None:
        wait = self.interval
        while True:
            self._wakes_at = time.monotonic() + wait
            self._wake.wait(wait)
            self._wakes_at = 0.0
            self._wake.clear()
            with self._lock:
                self._notice_losses()
                streams = list(self._streams.values())
            wait = self.longest
            for stream in streams:
                try:
                    wait = min(wait, stream.service(self.interval, self.shortest))
                except Exception:
                    log.exception("feeder: servicing %s failed", stream.device.name)
            wait = max(wait, self.shortest)


service = StreamService()
