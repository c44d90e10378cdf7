"""Between an application's wave format and a device stream's float32 frames.

Decoding, channel mapping and, when the rates differ (a JACK server runs at one rate),
streaming resampling with soxr.  A converter is stateful (the resampler's filter history)
and belongs to one open.
"""

from __future__ import annotations

import numpy as np
import soxr

from audiodrv.engine.formats import SampleFormat, decode, encode

__all__ = ["Converter"]


def _map_channels(frames: np.ndarray, channels: int) -> np.ndarray:
    """Fit frames to ``channels``: mono spreads to every channel, extra channels are
    dropped (after a mix-down to mono when the target is mono), missing ones are silent."""
    have = frames.shape[1]
    if have == channels:
        return frames
    if have == 1:
        return np.repeat(frames, channels, axis=1)
    if channels == 1:
        return frames.mean(axis=1, keepdims=True, dtype=np.float32)
    out = np.zeros((len(frames), channels), dtype=np.float32)
    n = min(have, channels)
    out[:, :n] = frames[:, :n]
    return out


class Converter:
    """Application format <-> device frames (``rate`` Hz, ``channels`` wide, float32)."""

    def __init__(self, app: SampleFormat, rate: int, channels: int) -> None:
        self.app, self.rate, self.channels = app, rate, channels
        self._to_device = (soxr.ResampleStream(app.rate, rate, channels, dtype="float32")
                           if app.rate != rate else None)
        self._from_device = (soxr.ResampleStream(rate, app.rate, app.channels, dtype="float32")
                             if app.rate != rate else None)

    @property
    def resampling(self) -> bool:
        return self._to_device is not None

    def to_device(self, data: bytes | memoryview, last: bool = False) -> np.ndarray:
        """Application bytes -> device frames.  ``last`` flushes the resampler's tail."""
        frames = _map_channels(decode(data, self.app), self.channels)
        if self._to_device is not None:
            frames = self._to_device.resample_chunk(frames, last=last).reshape(-1, self.channels)
        return np.ascontiguousarray(frames, dtype=np.float32)

    def tail(self) -> np.ndarray:
        """Device frames still inside the resampler; the stream then starts afresh."""
        if self._to_device is None:
            return np.zeros((0, self.channels), dtype=np.float32)
        empty = np.zeros((0, self.channels), dtype=np.float32)
        out = self._to_device.resample_chunk(empty, last=True).reshape(-1, self.channels)
        self._to_device.clear()
        return out

    def from_device(self, frames: np.ndarray) -> bytes:
        """Device frames -> application bytes."""
        frames = _map_channels(frames, self.app.channels)
        if self._from_device is not None:
            frames = self._from_device.resample_chunk(frames).reshape(-1, self.app.channels)
        return encode(frames, self.app)

    def app_frames(self, device_frames: int) -> int:
        """How many application frames a count of device frames stands for."""
        return device_frames * self.app.rate // self.rate
