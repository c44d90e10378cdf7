"""What the benchmarks share: their size options, the GIL-holding thread they measure
against, and the watchdog that ends a run a C call has hung.  It imports no audio library:
the MIDI benchmark's child processes import it before their own."""

from __future__ import annotations

import argparse
import faulthandler
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["add_size_options", "chosen_size", "gil_hog", "start_watchdog"]


def add_size_options(parser: argparse.ArgumentParser, quick_help: str) -> None:
    """``--quick`` and ``--smoke``, one at most; :func:`chosen_size` reads them."""
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help=quick_help)
    sizes.add_argument("--smoke", action="store_true",
                       help="a moment of each item: shows it runs, measures nothing")


def chosen_size(args: argparse.Namespace) -> str:
    return "smoke" if args.smoke else "quick" if args.quick else "full"


@contextmanager
def gil_hog(enabled: bool = True) -> Iterator[None]:
    """A thread in a tight pure-Python loop: it holds the GIL except when the interpreter's
    switch interval forces it to hand over."""
    stop = threading.Event()

    def spin() -> None:
        n = 0
        while not stop.is_set():
            for _ in range(10000):
                n += 1

    thread = threading.Thread(target=spin, name="gil-hog", daemon=True)
    if enabled:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if enabled:
            thread.join(5.0)


def start_watchdog(name: str, seconds: float, servers: Sequence[Any],
                   children: Sequence[Any] = ()) -> None:
    """Against a hang: after ``seconds`` kill the child processes, stop the JACK servers
    and leave.  That thread needs the GIL, which a C call can keep (RtMidi 5's JACK send
    spins holding it while its ring is full), so 30 s later faulthandler's own C thread
    dumps every thread's stack to stderr and ends the process without it (our jackd
    servers and children die with us)."""

    def fire() -> None:
        print(f"{name}: still running after {seconds:.0f} s, giving up", file=sys.stderr)
        for proc in list(children):
            if proc.poll() is None:
                proc.kill()
        for server in list(servers):
            if server.pid is not None and server.running:
                os.kill(server.pid, signal.SIGTERM)
        time.sleep(2)
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    faulthandler.dump_traceback_later(seconds + 30, exit=True)
