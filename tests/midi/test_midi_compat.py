"""A MIDI program written for Windows (``tests/compat/winmm_sequencer.py``: wintypes caps,
``timeSetEvent`` with a ``WINFUNCTYPE`` callback, kernel32 events) runs unchanged through
the compatibility layer; its notes arrive at a JACK port in order, 10 ms apart."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from audiodrv.compat import run_script

PROGRAM = Path(__file__).resolve().parents[1] / "compat" / "winmm_sequencer.py"


def test_a_windows_sequencer_plays_unchanged(probe, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", sys.argv[:])  # run_script sets them as python would
    monkeypatch.setattr(sys, "path", sys.path[:])
    # The probe collects while the program plays, so the arrival times are real.
    collecting = threading.Thread(target=probe.received.wait, args=(8, 10.0))
    collecting.start()
    with pytest.raises(SystemExit) as exit_:
        run_script(str(PROGRAM), ["probe_in:in"])
    collecting.join()
    out = capsys.readouterr().out
    assert exit_.value.code == 0, out
    assert len(probe.received.items) == 8
    assert probe.received.items == [[0x90, 60 + i, 100] for i in range(8)]
    gaps = np.diff(probe.received.times) * 1000
    # Arrivals are quantised to JACK's 5.3 ms period: the 10 ms grid shows in the total.
    assert 55 < sum(gaps) < 120 and np.median(gaps) < 16, gaps
