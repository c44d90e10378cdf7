"""The converter: channel mix-down and restarting the resamplers, without an audio stack."""

from __future__ import annotations

import numpy as np
import pytest

from audiodrv.engine.convert import Converter, downmix_matrix
from audiodrv.engine.formats import SampleFormat, encode

SIX = SampleFormat(48000, 6, 4, is_float=True)  # FL FR FC LFE BL BR


def to_stereo(frames: np.ndarray) -> np.ndarray:
    return Converter(SIX, 48000, 2).to_device(encode(frames, SIX))


def only(channel: int, value: float = 0.5, n: int = 4) -> np.ndarray:
    frames = np.zeros((n, 6), dtype=np.float32)
    frames[:, channel] = value
    return frames


def test_centre_and_lfe_reach_both_sides_of_a_stereo_device():
    for channel in (2, 3):
        left, right = to_stereo(only(channel))[0]
        assert left == right > 0


@pytest.mark.parametrize(("channel", "side"), [(0, 0), (4, 0), (1, 1), (5, 1)])
def test_side_channels_reach_their_own_side(channel, side):
    out = to_stereo(only(channel))[0]
    assert out[side] > 0 and out[1 - side] == 0


def test_a_full_scale_mix_down_does_not_clip():
    out = to_stereo(np.full((4, 6), 0.99, dtype=np.float32))
    assert np.allclose(out, 0.99)


@pytest.mark.parametrize(("have", "channels"), [(3, 2), (8, 2), (8, 3), (5, 1), (12, 2)])
def test_every_source_channel_is_heard_and_every_output_averages(have, channels):
    matrix = downmix_matrix(have, channels)
    assert np.all(matrix.sum(axis=1) > 0)  # no channel dropped
    assert np.allclose(matrix.sum(axis=0), 1.0)


def test_a_reset_forgets_what_the_recording_resampler_holds():
    conv = Converter(SampleFormat(22050, 1, 4, is_float=True), 48000, 1, output=False)
    conv.from_device(np.ones((4800, 1), dtype=np.float32))
    conv.reset()
    after = np.frombuffer(conv.from_device(np.zeros((48000, 1), dtype=np.float32)), "<f4")
    assert len(after) > 0 and np.abs(after).max() == 0.0
