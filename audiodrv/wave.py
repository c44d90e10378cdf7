"""The Pythonic wave API: numpy arrays in and out, names instead of ids, exceptions.

Everything goes through :mod:`audiodrv.winmm`, so the Win32 layer is what is exercised;
result codes become exceptions in one place (:func:`audiodrv.mmsystem.check`).
"""

from __future__ import annotations

import ctypes
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from audiodrv import winmm
from audiodrv.ddk import WAVE_GETXRUNS
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    MMTIME,
    TIME_SAMPLES,
    WAVE_FORMAT_IEEE_FLOAT,
    WAVE_FORMAT_PCM,
    WAVE_MAPPER,
    WAVEFORMATEX,
    WAVEHDR,
    WAVEINCAPSW,
    WAVEOUTCAPSW,
    WHDR_BEGINLOOP,
    WHDR_ENDLOOP,
    WIM_DATA,
    WOM_DONE,
    BadDeviceIdError,
    check,
    get_string,
)

__all__ = ["DeviceInfo", "WaveIn", "WaveOut", "devices", "pack24", "play", "record",
           "unpack24"]

# dtype name -> bits per sample.  "int24" is 24-bit PCM held in an int32 array (values
# -2**23 .. 2**23-1), packed to three bytes per sample for the driver.
_DTYPES = {"uint8": 8, "int16": 16, "int24": 24, "int32": 32, "float32": 32}
_HDR_SIZE = ctypes.sizeof(WAVEHDR)


def _container(dtype: str) -> np.dtype:
    """The numpy dtype arrays of a sample type use (int24 lives in int32)."""
    return np.dtype("int32" if dtype == "int24" else dtype)


def pack24(samples: np.ndarray) -> bytes:
    """int32 samples in the 24-bit range -> packed little-endian 3-byte PCM."""
    little = np.ascontiguousarray(samples, dtype="<i4").reshape(-1).view(np.uint8)
    return little.reshape(-1, 4)[:, :3].tobytes()


def unpack24(data: bytes) -> np.ndarray:
    """Packed little-endian 3-byte PCM -> int32 samples (sign-extended)."""
    triples = np.frombuffer(data, dtype=np.uint8)
    triples = triples[: len(triples) - len(triples) % 3].reshape(-1, 3)
    padded = np.zeros((len(triples), 4), dtype=np.uint8)
    padded[:, 1:] = triples  # shifted up one byte, so the sign lands in bit 31
    return padded.view("<i4").reshape(-1) >> 8


@dataclass(frozen=True)
class DeviceInfo:
    """A wave device as ``devices()`` lists it."""

    kind: str  # "output" or "input"
    id: int
    name: str
    channels: int


def devices(kind: str | None = None) -> list[DeviceInfo]:
    """The wave devices with their global ids (``kind``: "output", "input" or both)."""
    found = []
    for k, count, caps_type, get in (
        ("output", winmm.waveOutGetNumDevs(), WAVEOUTCAPSW, winmm.waveOutGetDevCapsW),
        ("input", winmm.waveInGetNumDevs(), WAVEINCAPSW, winmm.waveInGetDevCapsW),
    ):
        if kind not in (None, k):
            continue
        for i in range(count):
            caps = caps_type()
            check(get(i, ctypes.byref(caps), ctypes.sizeof(caps)))
            found.append(DeviceInfo(k, i, get_string(caps, "szPname"), caps.wChannels))
    return found


def _device_id(device: int | str | None, kind: str) -> int:
    """None -> the mapper; an int -> itself; a name -> the one device it names."""
    if device is None:
        return WAVE_MAPPER
    if isinstance(device, int):
        return device
    candidates = devices(kind)
    exact = [d for d in candidates if d.name.lower() == device.lower()]
    matches = exact or [d for d in candidates if device.lower() in d.name.lower()]
    if len(matches) == 1:
        return matches[0].id
    names = ", ".join(f"{d.id}: {d.name}" for d in (matches or candidates)) or "none"
    problem = "is ambiguous" if matches else "matches no"
    raise BadDeviceIdError(context=f"{device!r} {problem} {kind} device ({names})")


def _format(samplerate: int, channels: int, dtype: str) -> WAVEFORMATEX:
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(_DTYPES)}, not {dtype!r}")
    bits = _DTYPES[dtype]
    align = channels * bits // 8
    tag = WAVE_FORMAT_IEEE_FLOAT if dtype == "float32" else WAVE_FORMAT_PCM
    return WAVEFORMATEX(wFormatTag=tag, nChannels=channels, nSamplesPerSec=samplerate,
                        nAvgBytesPerSec=samplerate * align, nBlockAlign=align,
                        wBitsPerSample=bits)


class _Buffer:
    """A header and the memory it points at, kept alive until the driver returns it."""

    def __init__(self, data: bytes | int) -> None:
        self.memory = ctypes.create_string_buffer(data) if isinstance(data, int) else \
            ctypes.create_string_buffer(data, len(data))
        self.header = WAVEHDR(lpData=ctypes.addressof(self.memory),
                              dwBufferLength=len(self.memory))
        self.done = threading.Event()


class _Device:
    """What WaveOut and WaveIn share: open, callback, headers in flight, close."""

    _open: Any
    _close: Any
    _prepare: Any
    _done_msg: int

    def __init__(self, device: int | str | None, samplerate: int, channels: int, dtype: str,
                 kind: str) -> None:
        self._fmt = _format(samplerate, channels, dtype)
        self.samplerate, self.channels = samplerate, channels
        self.dtype, self._packed = _container(dtype), dtype == "int24"
        self._pending: dict[int, _Buffer] = {}
        self._lock = threading.Lock()
        handle = ctypes.c_void_p()
        check(self._open(ctypes.byref(handle), _device_id(device, kind),
                         ctypes.byref(self._fmt), self._callback, 0, CALLBACK_FUNCTION))
        self.handle: int | None = handle.value

    def _callback(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        if msg == self._done_msg:
            with self._lock:
                buf = self._pending.pop(p1, None)
            if buf is not None:
                self._finished(buf)
                buf.done.set()

    def _finished(self, buf: _Buffer) -> None:
        """Called on the notifier thread when the driver returned a buffer."""

    def _submit(self, buf: _Buffer, send: Any) -> _Buffer:
        check(self._prepare(self.handle, ctypes.byref(buf.header), _HDR_SIZE))
        with self._lock:
            self._pending[ctypes.addressof(buf.header)] = buf
        result = send(self.handle, ctypes.byref(buf.header), _HDR_SIZE)
        if result:
            with self._lock:
                self._pending.pop(ctypes.addressof(buf.header), None)
            check(result)
        return buf

    @property
    def xruns(self) -> dict[str, int]:
        """This open's own xruns: ``events``, ``starved_frames`` (silence played, or input
        lost, while the application was late), ``idle_frames`` (silence with nothing
        queued).  Counted from the ring, not from PortAudio's server-wide flags."""
        stats: dict[str, int] = {}
        message = winmm.waveOutMessage if isinstance(self, WaveOut) else winmm.waveInMessage
        check(message(self.handle, WAVE_GETXRUNS, stats, 0))
        return stats

    def close(self) -> None:
        """Return every buffer (reset) and close the device."""
        if self.handle is None:
            return
        self._reset()
        check(self._close(self.handle))
        self.handle = None

    def _reset(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> _Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WaveOut(_Device):
    """A wave output device.

    >>> with WaveOut("system", samplerate=48000, channels=2) as out:  # doctest: +SKIP
    ...     out.write(np.zeros((48000, 2), dtype="int16"))
    ...     out.wait()

    ``device`` is a global id, a name (exact match wins over a substring; ambiguity is an
    error listing the candidates) or None for the wave mapper, which converts rate and
    channels the device does not take.
    """

    _open = staticmethod(winmm.waveOutOpen)
    _close = staticmethod(winmm.waveOutClose)
    _prepare = staticmethod(winmm.waveOutPrepareHeader)
    _done_msg = WOM_DONE

    def __init__(self, device: int | str | None = None, samplerate: int = 48000,
                 channels: int = 2, dtype: str = "int16") -> None:
        super().__init__(device, samplerate, channels, dtype, "output")

    def write(self, data: np.ndarray, loops: int = 1) -> threading.Event:
        """Queue frames (shape (frames,) or (frames, channels)); returns an event set when
        they have played.  ``loops`` > 1 repeats them that many times, sample-exactly."""
        frames = np.asarray(data)
        if frames.ndim == 1:
            frames = frames[:, None]
        if frames.shape[1] != self.channels:
            raise ValueError(f"data has {frames.shape[1]} channels, the device {self.channels}")
        samples = np.ascontiguousarray(frames, dtype=self.dtype)
        buf = _Buffer(pack24(samples) if self._packed else samples.tobytes())
        if loops > 1:
            buf.header.dwFlags = WHDR_BEGINLOOP | WHDR_ENDLOOP
            buf.header.dwLoops = loops
        return self._submit(buf, winmm.waveOutWrite).done

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until everything written has played; False on timeout."""
        with self._lock:
            events = [b.done for b in self._pending.values()]
        return all(e.wait(timeout) for e in events)

    @property
    def pending(self) -> int:
        """Buffers written and not yet played."""
        return len(self._pending)

    def pause(self) -> None:
        check(winmm.waveOutPause(self.handle))

    def restart(self) -> None:
        check(winmm.waveOutRestart(self.handle))

    def _reset(self) -> None:
        check(winmm.waveOutReset(self.handle))
        self.wait(5)

    def reset(self) -> None:
        """Stop and return every queued buffer; the position goes back to 0."""
        self._reset()

    @property
    def position(self) -> int:
        """Frames played since open (or the last reset)."""
        mmt = MMTIME(wType=TIME_SAMPLES)
        check(winmm.waveOutGetPosition(self.handle, ctypes.byref(mmt), ctypes.sizeof(mmt)))
        return mmt.u.sample

    @property
    def volume(self) -> tuple[float, float]:
        """(left, right) gain, 0.0 to 1.0."""
        value = ctypes.c_uint32()
        check(winmm.waveOutGetVolume(self.handle, ctypes.byref(value)))
        return (value.value & 0xFFFF) / 0xFFFF, (value.value >> 16) / 0xFFFF

    @volume.setter
    def volume(self, gains: float | tuple[float, float]) -> None:
        left, right = (gains, gains) if isinstance(gains, int | float) else gains
        packed = round(min(max(left, 0), 1) * 0xFFFF) | round(min(max(right, 0), 1) * 0xFFFF) << 16
        check(winmm.waveOutSetVolume(self.handle, packed))


class WaveIn(_Device):
    """A wave input device; :meth:`read` returns numpy frames."""

    _open = staticmethod(winmm.waveInOpen)
    _close = staticmethod(winmm.waveInClose)
    _prepare = staticmethod(winmm.waveInPrepareHeader)
    _done_msg = WIM_DATA

    def __init__(self, device: int | str | None = None, samplerate: int = 48000,
                 channels: int = 2, dtype: str = "int16", blocksize: int = 4800,
                 buffers: int = 8) -> None:
        super().__init__(device, samplerate, channels, dtype, "input")
        self._chunks: deque[np.ndarray] = deque()
        self._arrived = threading.Condition()
        self._block_bytes = blocksize * self._fmt.nBlockAlign
        self._running = False
        for _ in range(buffers):
            self._submit(_Buffer(self._block_bytes), winmm.waveInAddBuffer)

    def _finished(self, buf: _Buffer) -> None:
        data = buf.memory.raw[: buf.header.dwBytesRecorded]
        samples = unpack24(data) if self._packed else np.frombuffer(data, dtype=self.dtype)
        frames = samples.reshape(-1, self.channels)
        with self._arrived:
            self._chunks.append(frames)
            self._arrived.notify_all()
        if self._running:  # keep the driver supplied: resubmit the returned buffer
            buf.done.clear()
            self._submit(buf, winmm.waveInAddBuffer)

    def start(self) -> None:
        self._running = True
        check(winmm.waveInStart(self.handle))

    def stop(self) -> None:
        """Stop recording; the partly filled buffer is returned and readable."""
        self._running = False
        check(winmm.waveInStop(self.handle))

    @property
    def position(self) -> int:
        """Frames recorded since open (or the last reset)."""
        mmt = MMTIME(wType=TIME_SAMPLES)
        check(winmm.waveInGetPosition(self.handle, ctypes.byref(mmt), ctypes.sizeof(mmt)))
        return mmt.u.sample

    def read(self, frames: int, timeout: float = 10.0) -> np.ndarray:
        """The next ``frames`` recorded frames (blocks until they arrived)."""
        out: list[np.ndarray] = []
        have = 0
        with self._arrived:
            while have < frames:
                if not self._chunks and not self._arrived.wait(timeout):
                    raise TimeoutError(f"only {have} of {frames} frames arrived in {timeout} s")
                while self._chunks and have < frames:
                    chunk = self._chunks.popleft()
                    take = min(len(chunk), frames - have)
                    out.append(chunk[:take])
                    if take < len(chunk):
                        self._chunks.appendleft(chunk[take:])
                    have += take
        return np.concatenate(out) if out else np.zeros((0, self.channels), self.dtype)

    def _reset(self) -> None:
        self._running = False
        check(winmm.waveInReset(self.handle))
        with self._lock:
            events = [b.done for b in self._pending.values()]
        for event in events:
            event.wait(5)


def play(data: np.ndarray, samplerate: int = 48000, device: int | str | None = None,
         blocking: bool = True) -> WaveOut | None:
    """Play an array; with ``blocking=False`` returns the open :class:`WaveOut` (close it)."""
    frames = np.asarray(data)
    channels = 1 if frames.ndim == 1 else frames.shape[1]
    dtype = "float32" if frames.dtype.kind == "f" else str(frames.dtype)
    out = WaveOut(device, samplerate, channels, dtype)
    out.write(frames)
    if not blocking:
        return out
    with out:
        out.wait()
    return None


def record(frames: int, samplerate: int = 48000, channels: int = 2,
           device: int | str | None = None, dtype: str = "float32") -> np.ndarray:
    """Record ``frames`` frames and return them as an array of shape (frames, channels)."""
    with WaveIn(device, samplerate, channels, dtype) as wave_in:
        wave_in.start()
        return wave_in.read(frames, timeout=frames / samplerate + 10)
