"""Sample formats: PCM bytes in any of the Windows layouts to float32 frames and back.

The engine runs every stream in float32; this is the one place integer PCM is converted.
8-bit PCM is unsigned (128 = silence), 16/24/32-bit PCM signed little-endian, 24-bit packed
in three bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SampleFormat", "decode", "encode"]


@dataclass(frozen=True)
class SampleFormat:
    """A PCM layout: ``float`` or integer samples of ``width`` bytes, interleaved."""

    rate: int
    channels: int
    width: int  # bytes per sample: 1, 2, 3, 4
    is_float: bool = False

    def __post_init__(self) -> None:
        valid = (4,) if self.is_float else (1, 2, 3, 4)
        if self.width not in valid or not 1 <= self.channels <= 32 or self.rate <= 0:
            raise ValueError(f"unsupported sample format {self}")

    @property
    def frame_bytes(self) -> int:
        return self.width * self.channels


_SCALE = {1: 128.0, 2: 32768.0, 3: 8388608.0, 4: 2147483648.0}


def decode(data: bytes | memoryview | np.ndarray, fmt: SampleFormat) -> np.ndarray:
    """Whole frames of ``data`` as float32 of shape (frames, channels); a trailing partial
    frame is ignored (it is never played: spec B64)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    raw = raw[: len(raw) - len(raw) % fmt.frame_bytes]
    if fmt.is_float:
        samples = raw.view("<f4").astype(np.float32)
    elif fmt.width == 1:
        samples = (raw.astype(np.float32) - 128.0) / 128.0
    elif fmt.width == 3:
        triples = raw.reshape(-1, 3).astype(np.int32)
        ints = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        ints = np.where(ints & 0x800000, ints - 0x1000000, ints)
        samples = ints.astype(np.float32) / _SCALE[3]
    else:
        samples = raw.view(f"<i{fmt.width}").astype(np.float32) / _SCALE[fmt.width]
    return samples.reshape(-1, fmt.channels)


def encode(frames: np.ndarray, fmt: SampleFormat) -> bytes:
    """float32 frames (clipped to [-1, 1)) in the layout of ``fmt``."""
    x = np.asarray(frames, dtype=np.float32).reshape(-1)
    if fmt.is_float:
        return x.astype("<f4").tobytes()
    scale = _SCALE[fmt.width]
    ints = np.clip(np.round(x.astype(np.float64) * scale), -scale, scale - 1).astype(np.int64)
    if fmt.width == 1:
        return (ints + 128).astype(np.uint8).tobytes()
    if fmt.width == 3:
        u = (ints & 0xFFFFFF).astype(np.uint32)
        return np.stack([u & 0xFF, (u >> 8) & 0xFF, (u >> 16) & 0xFF], axis=1).astype(
            np.uint8).tobytes()
    return ints.astype(f"<i{fmt.width}").tobytes()
