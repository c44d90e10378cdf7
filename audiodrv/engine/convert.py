"""Between an application's wave format and a device stream's float32 frames.

Decoding, channel mapping (a mix-down when the device has fewer channels) and, when the
rates differ (a JACK server runs at one rate), streaming resampling with soxr.  A converter
is stateful (the resamplers' filter history) and belongs to one open.

Playback resamples as the feeder writes (see :class:`audiodrv.engine.playback.Playback`),
so a loop pass or a break is cut on the application's frames, not on resampled ones.
"""

from __future__ import annotations

import numpy as np
import soxr

from audiodrv.engine.formats import SampleFormat, decode, encode

__all__ = ["Converter", "Resampler", "downmix_matrix"]

# Where each channel of the default WAVEFORMATEXTENSIBLE order (FL, FR, FC, LFE, BL, BR,
# FLC, FRC, BC, SL, SR) sits in a stereo image: -1 left, +1 right, 0 both.
_STEREO_SIDE = (-1, 1, 0, 0, -1, 1, -1, 1, 0, -1, 1)


def downmix_matrix(have: int, channels: int) -> np.ndarray:
    """A (have, channels) matrix folding ``have`` channels into fewer, level-preserving.

    To stereo, each source channel goes to its side of the default speaker order (centre
    and LFE to both); to any other count, channel ``i`` folds onto ``i % channels``.  Each
    output is the average of what feeds it, so full-scale input cannot clip.
    """
    matrix = np.zeros((have, channels), dtype=np.float32)
    for i in range(have):
        side = _STEREO_SIDE[i] if channels == 2 and i < len(_STEREO_SIDE) else None
        if side is None:
            matrix[i, i % channels] = 1.0
        elif side == 0:
            matrix[i, :] = 1.0
        else:
            matrix[i, 0 if side < 0 else 1] = 1.0
    return matrix / matrix.sum(axis=0, keepdims=True)


def _map_channels(frames: np.ndarray, channels: int) -> np.ndarray:
    """Fit frames to ``channels``: mono spreads to every channel, more channels are mixed
    down (:func:`downmix_matrix`), missing ones are silent."""
    have = frames.shape[1]
    if have == channels:
        return frames
    if have == 1:
        return np.repeat(frames, channels, axis=1)
    if have > channels:
        return frames @ downmix_matrix(have, channels)
    out = np.zeros((len(frames), channels), dtype=np.float32)
    out[:, :have] = frames
    return out


class Resampler:
    """A soxr stream from ``src`` to ``dst`` Hz with the frame counts playback needs.

    After :meth:`flush`, the frames out of a run of ``n`` frames in are exactly
    :meth:`out_for` ``(n)`` (soxr rounds half up), so block ends are known before their
    frames come out of the filter.
    """

    def __init__(self, src: int, dst: int, channels: int) -> None:
        self.src, self.dst, self.channels = src, dst, channels
        self._stream = soxr.ResampleStream(src, dst, channels, dtype="float32")

    def process(self, frames: np.ndarray) -> np.ndarray:
        """Resample the next frames of the run; the filter keeps the newest back."""
        return self._stream.resample_chunk(frames).reshape(-1, self.channels)

    def flush(self) -> np.ndarray:
        """The frames still inside the filter (the end of the run); then a new run."""
        empty = np.zeros((0, self.channels), dtype=np.float32)
        tail = self._stream.resample_chunk(empty, last=True).reshape(-1, self.channels)
        self._stream.clear()
        return tail

    def reset(self) -> None:
        """Drop what the filter holds: the next frame starts a new run."""
        self._stream.clear()

    def out_for(self, frames: int) -> int:
        """Output frames of a whole run of ``frames`` input frames."""
        return (2 * frames * self.dst + self.src) // (2 * self.src)

    def in_for(self, frames: int) -> int:
        """Input frames a count of output frames stands for (nearest)."""
        return (2 * frames * self.src + self.dst) // (2 * self.dst)


class Converter:
    """Application format <-> device frames (``rate`` Hz, ``channels`` wide, float32).

    An open converts one way (``output``): ``playback`` is the resampler to the device's
    rate, which the playback engine drives; recording resamples here, in
    :meth:`from_device`.  Each is None when the rates agree or the open goes the other way.
    """

    def __init__(self, app: SampleFormat, rate: int, channels: int,
                 output: bool = True) -> None:
        self.app, self.rate, self.channels = app, rate, channels
        resample = app.rate != rate
        self.playback = Resampler(app.rate, rate, channels) if resample and output else None
        self._from_device = Resampler(rate, app.rate, app.channels) \
            if resample and not output else None

    def to_device(self, data: bytes | memoryview) -> np.ndarray:
        """Application bytes -> float32 frames of the device's width, at the app's rate."""
        frames = _map_channels(decode(data, self.app), self.channels)
        return np.ascontiguousarray(frames, dtype=np.float32)

    def from_device(self, frames: np.ndarray) -> bytes:
        """Device frames -> application bytes."""
        frames = _map_channels(frames, self.app.channels)
        if self._from_device is not None:
            frames = self._from_device.process(frames)
        return encode(frames, self.app)

    def reset(self) -> None:
        """Forget every frame the resamplers hold (waveOutReset, waveInReset)."""
        for resampler in (self.playback, self._from_device):
            if resampler is not None:
                resampler.reset()

    def app_frames(self, device_frames: int) -> int:
        """How many application frames a count of device frames stands for."""
        return device_frames * self.app.rate // self.rate
