"""aux*: the auxiliary-audio family of winmm (spec 2.8).

Aux devices (a CD drive's analog output, a line input) are only ever addressed by id: there
is no open.  No bundled driver provides one (nor does Wine); an installed driver exporting
``auxMessage`` gets the ids, the messages and the volume calls.
"""

from __future__ import annotations

from typing import Any

from audiodrv.core.devclass import DeviceClass
from audiodrv.mmsystem import (
    AUXCAPSA,
    AUXCAPSW,
    AUXDM_GETDEVCAPS,
    AUXDM_GETVOLUME,
    AUXDM_SETVOLUME,
)
from audiodrv.winmm._device import device_message, dword_message, get_caps, num_devs

__all__ = ["auxGetDevCapsA", "auxGetDevCapsW", "auxGetNumDevs", "auxGetVolume",
           "auxOutMessage", "auxSetVolume"]

AUX = DeviceClass.AUX


def auxGetNumDevs() -> int:
    return num_devs(AUX)


def auxGetDevCapsW(uDeviceID: int, pac: Any, cbac: int) -> int:
    """Capabilities. NOERROR, BADDEVICEID, INVALPARAM (B201)."""
    return get_caps(AUX, uDeviceID, pac, cbac, AUXCAPSW, AUXDM_GETDEVCAPS)


def auxGetDevCapsA(uDeviceID: int, pac: Any, cbac: int) -> int:
    """As the W function, with the ANSI structure (the layout a raw address points at)."""
    return get_caps(AUX, uDeviceID, pac, cbac, AUXCAPSW, AUXDM_GETDEVCAPS, AUXCAPSA)


def auxGetVolume(uDeviceID: int, pdwVolume: Any) -> int:
    """Left volume in the low word, right in the high one; an unknown id is INVALHANDLE,
    not BADDEVICEID (B202)."""
    return dword_message(AUX, uDeviceID, AUXDM_GETVOLUME, pdwVolume)


def auxSetVolume(uDeviceID: int, dwVolume: int) -> int:
    return device_message(AUX, uDeviceID, AUXDM_SETVOLUME, dwVolume & 0xFFFFFFFF, 0)


def auxOutMessage(uDeviceID: int, uMsg: int, dw1: Any, dw2: Any) -> int:
    """Any message, passed to the device's driver as it is (B202)."""
    return device_message(AUX, uDeviceID, uMsg, dw1, dw2)
