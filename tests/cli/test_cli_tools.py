"""The command line, run as a user runs it: a separate process, a real audio stack."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from audiodrv.engine.jackserver import jackd_available


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audiodrv", *args], env=env, timeout=timeout,
                          capture_output=True, text=True)


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JACK_")}
    env["AUDIODRV_SYSTEM_INI"] = str(tmp_path / "cfg" / "SYSTEM.INI")
    return env


@pytest.mark.skipif(not jackd_available() and not os.environ.get("CI"), reason="no jackd")
def test_smoke_starts_its_own_server_and_passes(user_env):
    # No JACK_DEFAULT_SERVER and no server of the default name: nothing is reachable.
    user_env["JACK_DEFAULT_SERVER"] = f"audiodrv-none-{os.getpid()}"
    result = run(["smoke"], user_env)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "starting a private JACK dummy server" in out
    assert re.search(r"waveout\s+0\s+system\s+sndpa\.drv", out)
    assert re.search(r"mixer\s+1\s+system\s+sndpa\.drv", out)  # the input's mixer
    assert re.search(r"loopback\s+system -> system\s+ok", out)
    assert "sample-exact spacing" in out
    assert re.search(r"MIDI output\s+MIDI mapper\s+ok", out)  # the synth, through the mapper
    # The MIDI input path, from a port of smoke's own (JACK's only MIDI ports here).
    assert re.search(r"MIDI input\s+audiodrv-smoke:out\s+ok\s+3 of 3 notes", out)
    assert re.search(r"\n\d+ passed, 0 failed", out)


def test_python_m_audiodrv_lists_drivers_and_ids(user_env):
    # With no audio server the drivers load and report no devices, quietly.
    user_env["JACK_DEFAULT_SERVER"] = f"audiodrv-none-{os.getpid()}"
    user_env["JACK_NO_START_SERVER"] = "1"
    result = run([], user_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("SYSTEM.INI: ")  # nothing else printed before it
    assert "sndpa.drv" in result.stdout and re.search(r"wavemap\.drv\s+mapper", result.stdout)
    assert (Path(user_env["AUDIODRV_SYSTEM_INI"])).exists()  # written on first use


@pytest.mark.jack
def test_play_and_record_files(jack_server, user_env, tmp_path):
    user_env.update(jack_server.env)
    path = tmp_path / "tone.wav"
    t = np.arange(24000) / 48000
    samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(48000)
        f.writeframes(samples.tobytes())
    result = run(["play", str(path), "--device", "system"], user_env)
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr  # the progress bar reached the end
    out = tmp_path / "rec.wav"
    result = run(["record", str(out), "--seconds", "0.5", "--channels", "1"], user_env)
    assert result.returncode == 0, result.stderr
    with wave.open(str(out), "rb") as f:
        assert (f.getnframes(), f.getnchannels(), f.getframerate()) == (24000, 1, 48000)


@pytest.mark.jack
def test_run_runs_a_windows_program_with_its_arguments_and_exit_status(jack_server, user_env,
                                                                        tmp_path):
    user_env.update(jack_server.env)
    program = Path(__file__).resolve().parents[1] / "compat" / "winmm_tone.py"
    result = run(["run", str(program), "function"], user_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "WOM_OPEN WOM_DONE WOM_CLOSE"
    failing = tmp_path / "fails.py"
    failing.write_text("import sys\nfrom ctypes import windll\n"
                       "print(windll.winmm.waveOutGetNumDevs())\nsys.exit(7)\n")
    result = run(["run", str(failing)], user_env)
    assert result.returncode == 7 and result.stdout.strip() == "1"
    failing.write_text("from ctypes import windll\nwindll.user32.MessageBoxW(0, 'hi', 'x', 0)\n")
    result = run(["run", str(failing)], user_env)
    assert result.returncode == 1
    assert "FileNotFoundError: Could not find module 'user32'" in result.stderr


def test_play_reports_bad_files_readably(user_env, tmp_path):
    bad = tmp_path / "not.wav"
    bad.write_text("nope")
    result = run(["play", str(bad)], user_env)
    assert result.returncode != 0
    assert result.stderr.strip().startswith("audiodrv: cannot read")
