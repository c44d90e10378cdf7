"""MIDI tests: probe ports on a private JACK server and the RtMidi driver loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from midikit import Probe

from audiodrv.core.system import reset_system
from audiodrv.engine import jackmidi


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


@pytest.fixture(params=["woken", "polled"])
def reading(request, monkeypatch, require) -> str:
    """How midirt.drv reads JACK input: woken by engine.jackmidi, or polled through RtMidi
    (as every other RtMidi API, and JACK where the library was not built)."""
    if request.param == "polled":
        monkeypatch.setattr(jackmidi, "available", lambda: False)
    else:
        require(jackmidi.available(), "engine/_jackmidi.so was not built (it needs a C "
                "compiler and JACK's headers, Debian libjack-jackd2-dev): reinstall audiodrv")
    return request.param
