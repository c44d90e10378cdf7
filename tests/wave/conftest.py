"""Wave tests on a real JACK server: the bundled wave drivers and a loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wavekit import WaveEnv

from audiodrv.core.system import reset_system
from audiodrv.engine import portaudio


@pytest.fixture
def wave(jack_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WaveEnv]:
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text("[drivers]\nwave=sndpa.drv\nWaveMapper=wavemap.drv\n")
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", str(ini))
    system = reset_system(ini)
    assert system is not None
    env = WaveEnv(system, jack_server)
    yield env
    for dev in env.devices:
        dev.close()
    reset_system()
    # PortAudio cannot let go of a JACK server that stopped first: close it down now.
    portaudio.terminate()


