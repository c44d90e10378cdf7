#!/usr/bin/env python3
"""Timer benchmark: a periodic 5 ms timer through audiodrv's ``timeSetEvent`` and through a
raw Python thread that sleeps to absolute deadlines, in one run.

Run from the project root::

    python benchmarks/timer_bench.py [--quick | --smoke] [--out benchmarks/results]

Each side runs for the same time, alone and while a pure-Python thread holds the GIL (the
hazard of a busy application).  Both sides keep to the grid of their start and skip the
periods they overran; the table counts the callbacks against the periods, and gives each
callback's lateness after the latest period boundary.
No audio server is needed.  Results go to ``<out>/timer.json`` and ``<out>/timer.png``
(with matplotlib); a Markdown table is printed.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from benchkit import add_size_options, chosen_size, gil_hog

from audiodrv import winmm
from audiodrv.mmsystem import TIME_PERIODIC

PERIOD_MS = 5
SIZES = {"full": 30.0, "quick": 10.0, "smoke": 0.5}  # seconds per run


@dataclass
class Run:
    side: str
    hog: bool
    ticks: int
    expected: int
    late_ms: dict[str, float]  # p50, p99, max


def audiodrv_side(seconds: float) -> list[float]:
    """The lateness of each callback of a periodic timeSetEvent, in ms."""
    stamps: list[float] = []
    start = time.monotonic()
    ident = winmm.timeSetEvent(PERIOD_MS, 0, lambda *a: stamps.append(time.monotonic()), 0,
                               TIME_PERIODIC)
    time.sleep(seconds)
    winmm.timeKillEvent(ident)
    return lateness(stamps, start)


def raw_side(seconds: float) -> list[float]:
    """The same from a thread sleeping to absolute deadlines."""
    stamps: list[float] = []
    stop = threading.Event()
    start = time.monotonic()

    def run() -> None:
        due = start + PERIOD_MS / 1000
        while not stop.is_set():
            time.sleep(max(0.0, due - time.monotonic()))
            stamps.append(time.monotonic())
            due += PERIOD_MS / 1000
            while due < time.monotonic():  # skip what was overrun, as the timer does
                due += PERIOD_MS / 1000

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(seconds)
    stop.set()
    thread.join()
    return lateness(stamps, start)


def lateness(stamps: list[float], start: float) -> list[float]:
    """Each stamp against the grid point it belongs to (the latest one not after it)."""
    step = PERIOD_MS / 1000
    return [1000 * ((t - start) - np.floor((t - start) / step) * step) for t in stamps]


def measure(side: str, run: Callable[[float], list[float]], seconds: float,
            hog: bool) -> Run:
    with gil_hog(hog):
        late = run(seconds)
    values = np.array(late) if late else np.zeros(1)
    return Run(side, hog, len(late), int(seconds * 1000 / PERIOD_MS),
               {"p50": round(float(np.percentile(values, 50)), 3),
                "p99": round(float(np.percentile(values, 99)), 3),
                "max": round(float(values.max()), 3)})


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    rows = [f"| {r['side']} | {'yes' if r['hog'] else 'no'} | {r['ticks']} / {r['expected']} | "
            f"{r['late_ms']['p50']} / {r['late_ms']['p99']} / {r['late_ms']['max']} |"
            for r in results["runs"]]
    return "\n".join([
        f"Timer benchmark: {PERIOD_MS} ms periodic, {meta['seconds']:g} s per run, "
        f"{meta['cpus']} CPUs, Python {meta['python']}"
        f"{'' if meta['size'] == 'full' else ', --' + meta['size']}.", "",
        "| side | GIL hog | callbacks / periods | lateness ms: p50 / p99 / max |",
        "| --- | --- | --- | --- |", *rows])


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    labels = [f"{r['side']}\n{'hog' if r['hog'] else 'alone'}" for r in results["runs"]]
    ax.bar(labels, [r["late_ms"]["p99"] for r in results["runs"]])
    ax.set_ylabel("p99 lateness, ms")
    ax.set_title(f"{PERIOD_MS} ms periodic timer")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    add_size_options(parser, "10 s runs instead of 30")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"),
                        help="where timer.json and timer.png go")
    args = parser.parse_args(argv)
    size = chosen_size(args)
    seconds = SIZES[size]
    runs = [measure(side, run, seconds, hog) for hog in (False, True)
            for side, run in (("audiodrv timeSetEvent", audiodrv_side),
                              ("raw thread, absolute deadlines", raw_side))]
    results = {"meta": {"size": size, "seconds": seconds, "period_ms": PERIOD_MS,
                        "cpus": __import__("os").cpu_count(),
                        "python": platform.python_version(),
                        "date": time.strftime("%Y-%m-%d %H:%M")},
               "runs": [asdict(r) for r in runs]}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "timer.json").write_text(json.dumps(results, indent=1))
    plot(results, args.out / "timer.png")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
