"""The six device classes of the low-level driver model and what tells them apart."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from audiodrv.mmsystem import (
    AUXDM_GETNUMDEVS,
    MIDM_GETNUMDEVS,
    MODM_GETNUMDEVS,
    MXDM_GETNUMDEVS,
    WIDM_GETNUMDEVS,
    WODM_GETNUMDEVS,
)

__all__ = ["DeviceClass"]


@dataclass(frozen=True)
class _ClassInfo:
    entry: str  # the exported message function, probed like GetProcAddress
    family: str  # message-name prefix for tracing
    getnumdevs: int


class DeviceClass(enum.Enum):
    """A device class; iteration order is the order winmm initialises them (spec B243)."""

    AUX = _ClassInfo("auxMessage", "AUXDM", AUXDM_GETNUMDEVS)
    MIXER = _ClassInfo("mxdMessage", "MXDM", MXDM_GETNUMDEVS)
    MIDIIN = _ClassInfo("midMessage", "MIDM", MIDM_GETNUMDEVS)
    MIDIOUT = _ClassInfo("modMessage", "MODM", MODM_GETNUMDEVS)
    WAVEIN = _ClassInfo("widMessage", "WIDM", WIDM_GETNUMDEVS)
    WAVEOUT = _ClassInfo("wodMessage", "WODM", WODM_GETNUMDEVS)

    @property
    def entry(self) -> str:
        return self.value.entry

    @property
    def family(self) -> str:
        return self.value.family

    @property
    def getnumdevs(self) -> int:
        return self.value.getnumdevs
