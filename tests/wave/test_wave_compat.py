"""A program written for Windows (``tests/compat/winmm_tone.py``: ``ctypes.windll.winmm``,
``WINFUNCTYPE``, ``ctypes.wintypes`` structures, kernel32 events) runs unchanged through the
compatibility layer, and its tone comes back through the loopback."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from wavekit import RATE, active, peak_frequency, wave_format

from audiodrv.compat import run_script
from audiodrv.mmsystem import MMSYSERR_NOERROR

PROGRAM = Path(__file__).resolve().parents[1] / "compat" / "winmm_tone.py"


@pytest.mark.parametrize(("mode", "printed"), [
    ("event", "(no callbacks)"),  # CALLBACK_EVENT: a kernel32 event, no function
    ("function", "WOM_OPEN WOM_DONE WOM_CLOSE"),
])
def test_a_windows_program_plays_unchanged(wave, capsys, monkeypatch, mode, printed):
    monkeypatch.setattr(sys, "argv", sys.argv[:])  # run_script sets them as python would
    monkeypatch.setattr(sys, "path", sys.path[:])
    # An open of our own makes the device's stream, so the loopback has ports to wire; the
    # program's open (through the mapper, of the same device) is mixed into that stream.
    assert wave.open_out(wave_format()).result == MMSYSERR_NOERROR
    rec = wave.record(2.0)
    with pytest.raises(SystemExit) as exit_:
        run_script(str(PROGRAM), [mode])
    got = rec.stop()
    out = capsys.readouterr().out
    assert exit_.value.code == 0, out
    assert out.strip() == printed
    for ch in range(2):  # mono, spread to both device channels
        signal = active(got[:, ch])
        assert abs(len(signal) - RATE // 2) < 100
        assert abs(peak_frequency(signal) - 1000) < 5
        assert 0.45 < np.abs(signal).max() < 0.52  # 16000 of 32768
