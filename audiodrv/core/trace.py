"""Tracing in the manner of ``WINEDEBUG``: ``AUDIODRV_DEBUG=+winmm,+driver``.

Each channel is a logger under ``audiodrv``; a ``+channel`` switches it to the TRACE level
and gives it a stderr handler, so every driver message and its result can be seen.
"""

from __future__ import annotations

import logging
import os

__all__ = ["TRACE", "configure_from_env"]

TRACE = 5
logging.addLevelName(TRACE, "TRACE")

CHANNELS = {"winmm": "audiodrv.winmm", "driver": "audiodrv.driver", "engine": "audiodrv.engine"}


def configure_from_env(value: str | None = None) -> None:
    """Apply ``AUDIODRV_DEBUG`` (or ``value``): ``+name`` enables, ``-name`` silences."""
    spec = os.environ.get("AUDIODRV_DEBUG", "") if value is None else value
    for item in filter(None, (s.strip() for s in spec.split(","))):
        on = not item.startswith("-")
        name = item.lstrip("+-")
        logger = logging.getLogger(CHANNELS.get(name, f"audiodrv.{name}"))
        logger.setLevel(TRACE if on else logging.WARNING)
        if on and not logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("trace:%(name)s: %(message)s"))
            logger.addHandler(handler)
