"""A one-line progress bar on stderr, for play, record and midiplay."""

from __future__ import annotations

import sys

__all__ = ["progress"]


def progress(done: int, total: int, width: int = 40) -> None:
    """Redraw the bar at ``done`` of ``total`` (clamped)."""
    done = min(done, total)
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done / max(total, 1):4.0%}")
    sys.stderr.flush()
