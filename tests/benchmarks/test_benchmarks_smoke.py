"""Every benchmark item runs end to end (``--smoke``: a moment of each, on the benchmarks'
own private JACK servers), so a change cannot break the benchmarks unnoticed.  The numbers
of so short a run mean nothing; what is checked is that each item measured something."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def smoke(script: str, out: Path) -> dict[str, Any]:
    """Run ``script --smoke``; returns the results it wrote, after checking its plot."""
    proc = subprocess.run([sys.executable, str(BENCHMARKS / script), "--smoke", "--out",
                           str(out)], capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    name = script.split("_")[0]
    assert (out / f"{name}.png").stat().st_size > 10_000
    return json.loads((out / f"{name}.json").read_text())


@pytest.mark.jack
@pytest.mark.timeout(300)
def test_every_wave_benchmark_item_runs(tmp_path: Path) -> None:
    results = smoke("wave_bench.py", tmp_path)
    assert {r["period"] for r in results["latency"]} == {64, 128, 256}
    assert all(r["lost"] < r["trials"] and r["median"] > 0 for r in results["latency"])
    assert len(results["glitches"]) == 8
    assert all(r["glitches"]["cycles"] > 0 for r in results["glitches"])
    audiodrv = [r for r in results["cpu"] if r["side"] == "audiodrv"]
    assert {(r["streams"], r["header_ms"]) for r in audiodrv} == {
        (1, 5), (4, 5), (16, 5), (1, 20), (16, 20), (1, 50), (16, 50)}
    assert all(r["percent"] > 0 for r in results["cpu"])
    assert all(r["done_per_second"] > 0 and r["errors"] == 0 for r in results["headers"])


@pytest.mark.jack
@pytest.mark.timeout(300)
def test_every_midi_benchmark_item_runs(tmp_path: Path) -> None:
    results = smoke("midi_bench.py", tmp_path)
    assert [r["period"] for r in results["latency"]] == [64, 256]
    assert all(r["paired_diff_ms"]["median"] is not None for r in results["latency"])
    assert all(r["received"] > 0 for r in results["stream"])
    assert all(r["intact"] > 0 for r in results["sysex"])
    assert isinstance(results["synth"], list), results["synth"]  # else: why no synth
    assert all(r["received"] > 0 for r in results["input_cpu"] if r["side"] != "nothing open")


def test_the_timer_benchmark_runs(tmp_path: Path) -> None:
    results = smoke("timer_bench.py", tmp_path)
    assert [(r["side"].split()[0], r["hog"]) for r in results["runs"]] == [
        ("audiodrv", False), ("raw", False), ("audiodrv", True), ("raw", True)]
    assert all(r["ticks"] > 0 for r in results["runs"])
