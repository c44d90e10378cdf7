"""The installable-driver functions of winmm (``driver.c``).

``OpenDriver``, ``CloseDriver``, ``SendDriverMessage``, ``DefDriverProc``,
``DriverCallback``, ``GetDriverModuleHandle``, ``GetNextDriver``, ``GetDriverInfo``, plus
``DrvPowerBroadcast`` (not a Win32 name: the system's ``DRV_POWER`` broadcast).
"""

from __future__ import annotations

from typing import Any

from audiodrv.core.notify import DriverCallback
from audiodrv.core.system import get_system
from audiodrv.driver.installable import DefDriverProc
from audiodrv.mmsystem import DRIVERINFOSTRUCT, DRV_POWER
from audiodrv.winmm._args import deref

__all__ = [
    "CloseDriver",
    "DefDriverProc",
    "DriverCallback",
    "DrvPowerBroadcast",
    "GetDriverInfo",
    "GetDriverModuleHandle",
    "GetNextDriver",
    "OpenDriver",
    "SendDriverMessage",
]


def _text(value: Any) -> str | None:
    if value is None or value == 0:
        return None
    if isinstance(value, bytes):
        return value.decode("cp1252")
    return str(getattr(value, "value", value))


def OpenDriver(szDriverName: Any, szSectionName: Any = None, lParam2: Any = 0) -> int:
    """Open an instance of an installable driver.

    ``szDriverName`` is a driver file (``"sndpa.drv"``, text after a space is passed to
    ``DRV_OPEN`` as its argument string) or an alias looked up in SYSTEM.INI section
    ``szSectionName`` (``[drivers]`` when None).

    Returns
    -------
    int
        The driver handle (``HDRVR``), or 0 when the driver was not found, refused
        ``DRV_LOAD`` or ``DRV_OPEN``.
    """
    name = _text(szDriverName)
    if not name:
        return 0
    return get_system().drivers.open(name, _text(szSectionName), lParam2)


def CloseDriver(hDriver: int, lParam1: Any = 0, lParam2: Any = 0) -> int:
    """Close a driver instance: 1 (TRUE) on success, 0 for a bad handle or when the
    driver's ``DRV_CLOSE`` returned 0 (the instance then stays open)."""
    return get_system().drivers.close(hDriver, lParam1, lParam2)


def SendDriverMessage(hDriver: int, uMsg: int, lParam1: Any = 0, lParam2: Any = 0) -> int:
    """Send any message, private ones included, to a driver instance's ``DriverProc``.

    Returns the driver's result; 0 for an invalid handle (the driver is not called).
    """
    return get_system().drivers.send(hDriver, uMsg, lParam1, lParam2)


def GetDriverModuleHandle(hDriver: int) -> int:
    """The module handle (``HMODULE``) of the driver behind ``hDriver``, or 0."""
    instance = get_system().drivers.instance(hDriver)
    return instance.loaded.handle if instance else 0


def GetNextDriver(hDriver: int, fdwFlag: int = 0) -> int:
    """Enumerate open driver instances (``GND_FORWARD``/``GND_REVERSE``,
    ``GND_FIRSTINSTANCEONLY``); ``hDriver`` 0 starts; returns 0 at the end."""
    return get_system().drivers.next_driver(hDriver, fdwFlag)


def GetDriverInfo(hDriver: int, lpDIS: Any) -> int:
    """Fill a ``DRIVERINFOSTRUCT`` (handle, module handle, alias); TRUE on success.

    The caller sets ``length`` to the structure size first, as in Windows 3.1.
    """
    instance = get_system().drivers.instance(hDriver)
    info = deref(lpDIS, DRIVERINFOSTRUCT)
    if instance is None or info is None or info.length < DRIVERINFOSTRUCT.szAliasName.offset:
        return 0
    info.hDriver = hDriver
    info.hModule = instance.loaded.handle
    info.szAliasName = instance.alias.encode("cp1252", "replace")[:127]
    return 1


def DrvPowerBroadcast(lParam1: Any = 0, lParam2: Any = 0) -> None:
    """Send ``DRV_POWER`` (suspend/resume, in ``lParam1``) to every loaded driver."""
    get_system().drivers.broadcast(DRV_POWER, lParam1, lParam2)
