"""Helpers for wave tests on a real JACK server: formats, buffers, devices, recordings."""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from audiodrv import winmm
from audiodrv.core.devclass import DeviceClass
from audiodrv.core.system import System, get_system
from audiodrv.engine.formats import SampleFormat, decode, encode
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
    KSDATAFORMAT_SUBTYPE_PCM,
    MMSYSERR_NOERROR,
    WAVE_FORMAT_EXTENSIBLE,
    WAVE_FORMAT_IEEE_FLOAT,
    WAVE_FORMAT_PCM,
    WAVEFORMATEX,
    WAVEFORMATEXTENSIBLE,
    WAVEHDR,
    WIM_DATA,
    WOM_DONE,
)

RATE = 48000


def wave_format(rate: int = RATE, channels: int = 2, bits: int = 16,
                is_float: bool = False) -> WAVEFORMATEX:
    align = channels * bits // 8
    return WAVEFORMATEX(
        wFormatTag=WAVE_FORMAT_IEEE_FLOAT if is_float else WAVE_FORMAT_PCM, nChannels=channels,
        nSamplesPerSec=rate, nAvgBytesPerSec=rate * align, nBlockAlign=align,
        wBitsPerSample=bits, cbSize=0)


def extensible_format(channels: int = 2, bits: int = 16, is_float: bool = False,
                      rate: int = RATE) -> WAVEFORMATEXTENSIBLE:
    """A ``WAVE_FORMAT_EXTENSIBLE`` PCM or float format, default channel mask."""
    fmt = WAVEFORMATEXTENSIBLE(Format=wave_format(rate, channels, bits, is_float))
    fmt.Format.wFormatTag, fmt.Format.cbSize = WAVE_FORMAT_EXTENSIBLE, 22
    fmt.Samples.wValidBitsPerSample = bits
    fmt.dwChannelMask = (1 << channels) - 1
    sub = KSDATAFORMAT_SUBTYPE_IEEE_FLOAT if is_float else KSDATAFORMAT_SUBTYPE_PCM
    ctypes.memmove(ctypes.addressof(fmt.SubFormat), sub, 16)
    return fmt


def sample_format(fmt: WAVEFORMATEX | WAVEFORMATEXTENSIBLE) -> SampleFormat:
    base = getattr(fmt, "Format", fmt)
    is_float = base.wFormatTag == WAVE_FORMAT_IEEE_FLOAT or (
        base.wFormatTag == WAVE_FORMAT_EXTENSIBLE
        and bytes(fmt.SubFormat) == KSDATAFORMAT_SUBTYPE_IEEE_FLOAT)
    return SampleFormat(base.nSamplesPerSec, base.nChannels, base.wBitsPerSample // 8, is_float)


class Notes:
    """A CALLBACK_FUNCTION target recording ``(msg, p1)`` with a way to wait for them."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int]] = []
        self.cond = threading.Condition()

    def __call__(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        with self.cond:
            self.items.append((msg, p1))
            self.cond.notify_all()

    def messages(self) -> list[int]:
        return [m for m, _ in self.items]

    def wait(self, msg: int, count: int, timeout: float = 10.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.messages().count(msg) >= count, timeout)


class Buffer:
    """A prepared WAVEHDR with its own memory."""

    def __init__(self, data: bytes | int, flags: int = 0, loops: int = 0) -> None:
        size = data if isinstance(data, int) else len(data)
        self.mem = ctypes.create_string_buffer(size) if isinstance(data, int) else \
            ctypes.create_string_buffer(data, size)
        self.hdr = WAVEHDR(lpData=ctypes.addressof(self.mem), dwBufferLength=size,
                           dwFlags=flags, dwLoops=loops)

    @property
    def address(self) -> int:
        return ctypes.addressof(self.hdr)

    def recorded(self) -> bytes:
        return self.mem.raw[: self.hdr.dwBytesRecorded]


class Device:
    """An open waveOut or waveIn handle with helpers; closes itself at teardown."""

    def __init__(self, out: bool, device_id: int, fmt: WAVEFORMATEX | WAVEFORMATEXTENSIBLE,
                 flags: int = 0) -> None:
        self.out, self.fmt, self.notes = out, fmt, Notes()
        self.sf = sample_format(fmt)
        handle = ctypes.c_void_p()
        opener = winmm.waveOutOpen if out else winmm.waveInOpen
        self.result = opener(ctypes.byref(handle), device_id, ctypes.byref(fmt), self.notes, 0,
                             CALLBACK_FUNCTION | flags)
        self.handle = handle.value
        self.buffers: list[Buffer] = []

    def queue(self, buf: Buffer) -> int:
        size = ctypes.sizeof(WAVEHDR)
        prep = winmm.waveOutPrepareHeader if self.out else winmm.waveInPrepareHeader
        send = winmm.waveOutWrite if self.out else winmm.waveInAddBuffer
        assert prep(self.handle, ctypes.byref(buf.hdr), size) == MMSYSERR_NOERROR
        self.buffers.append(buf)
        return send(self.handle, ctypes.byref(buf.hdr), size)

    def play(self, frames: np.ndarray, **kw: Any) -> Buffer:
        buf = Buffer(encode(frames, self.sf), **kw)
        assert self.queue(buf) == MMSYSERR_NOERROR
        return buf

    def wait_done(self, count: int | None = None, timeout: float = 15.0) -> None:
        msg = WOM_DONE if self.out else WIM_DATA
        assert self.notes.wait(msg, len(self.buffers) if count is None else count, timeout)

    def action(self) -> Any:
        """The rtmixer action now moving this open's ring (its ``actual_time`` is the
        stream time of its first frame): white-box access for absolute timing."""
        cls = DeviceClass.WAVEOUT if self.out else DeviceClass.WAVEIN
        inst = get_system().open_device(self.handle, cls).dwUser
        return inst.stream.clients[inst.client]

    def close(self) -> None:
        if self.handle is None or self.result != MMSYSERR_NOERROR:
            return
        (winmm.waveOutReset if self.out else winmm.waveInReset)(self.handle)
        (winmm.waveOutClose if self.out else winmm.waveInClose)(self.handle)
        self.handle = None


class Recording:
    """Records continuously into many buffers; ``stop()`` returns float frames."""

    def __init__(self, dev: Device, seconds: float, chunk: float = 0.1) -> None:
        self.dev = dev
        per = int(RATE * chunk) * dev.fmt.nBlockAlign
        for _ in range(int(np.ceil(seconds / chunk))):
            assert dev.queue(Buffer(per)) == MMSYSERR_NOERROR

    def start(self) -> Recording:
        assert winmm.waveInStart(self.dev.handle) == MMSYSERR_NOERROR
        return self

    def stop(self) -> np.ndarray:
        winmm.waveInReset(self.dev.handle)
        data = b"".join(b.recorded() for b in self.dev.buffers)
        return decode(data, self.dev.sf)


class WaveEnv:
    def __init__(self, system: System, jack: Any) -> None:
        self.system, self.jack = system, jack
        self.devices: list[Device] = []

    def open_out(self, fmt: WAVEFORMATEX | WAVEFORMATEXTENSIBLE, device_id: int = 0,
                 flags: int = 0) -> Device:
        dev = Device(True, device_id, fmt, flags)
        self.devices.append(dev)
        return dev

    def open_in(self, fmt: WAVEFORMATEX | None = None, device_id: int = 0,
                flags: int = 0) -> Device:
        dev = Device(False, device_id, fmt or wave_format(), flags)
        self.devices.append(dev)
        return dev

    def loopback(self) -> None:
        """PortAudio's outputs into its inputs, and nothing else into the inputs."""
        self.jack.loopback()

    def record(self, seconds: float) -> Recording:
        """Record through the loopback, wired before recording starts (wiring runs JACK's
        command-line tools, which take a while on a loaded machine)."""
        recording = Recording(self.open_in(), seconds)
        self.loopback()
        return recording.start()


def tone(freq: float, seconds: float, channels: int = 2, amp: float = 0.5,
         rate: int = RATE) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    x = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(x[:, None], channels, axis=1)


def active(x: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """The stretch of a recording from the first to the last sample above threshold."""
    loud = np.nonzero(np.abs(x) > threshold)[0]
    return x[loud[0]:loud[-1] + 1] if len(loud) else x[:0]


def peak_frequency(x: np.ndarray, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def impulses(x: np.ndarray, threshold: float = 0.3) -> np.ndarray:
    """Indices where a single-sample impulse arrived (rising edges above threshold)."""
    above = np.abs(x) > threshold
    return np.nonzero(above & ~np.concatenate([[False], above[:-1]]))[0]


def loud_regions(x: np.ndarray, threshold: float = 0.2, hold: int = 64) -> list[tuple[int, int]]:
    """``(first, last)`` frame of each stretch above threshold; stretches closer than
    ``hold`` frames (a tone's zero crossings) are one."""
    loud = np.nonzero(np.abs(x) > threshold)[0]
    if not len(loud):
        return []
    breaks = np.nonzero(np.diff(loud) > hold)[0]
    starts = np.concatenate([[loud[0]], loud[breaks + 1]])
    ends = np.concatenate([loud[breaks], [loud[-1]]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll a condition that has no notification of its own (a flag the driver sets)."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        tick.wait(0.005)
    return True
