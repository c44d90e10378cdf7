"""MIDI tests: probe ports on a private JACK server and the RtMidi driver loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from midikit import Probe

from audiodrv.core.system import reset_system


@pytest.fixture
def probe(jack_server, tmp_path: Path, monkeypatch) -> Iterator[Probe]:
    probe = Probe()
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text("[drivers]\nmidi=midirt.drv\nMidiMapper=midimap.drv\n\n[midirt.drv]\napi=jack\n")
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", str(ini))
    reset_system(ini)
    yield probe
    reset_system()
    probe.close()


