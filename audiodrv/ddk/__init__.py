"""The driver development kit: everything a driver module imports.

A driver is a Python module exporting ``DriverProc(dwDriverID, hDriver, wMessage, lParam1,
lParam2)``, any of ``wodMessage``, ``widMessage``, ``modMessage``, ``midMessage``,
``auxMessage``, ``mxdMessage`` with the signature ``(uDeviceID, uMsg, dwUser, dwParam1,
dwParam2)``, and ``DESCRIPTION = "wave,aux:Text shown in the control panel"``.

Where Windows passed pointers, messages carry Python objects:

* ``xxDM_OPEN``: ``dwUser`` is a :class:`Ref` the driver fills with its per-instance value
  (any object; it comes back as ``dwUser`` with every later message on that handle),
  ``dwParam1`` an :class:`OpenDesc`, ``dwParam2`` the open flags.
* Headers (``WAVEHDR``/``MIDIHDR``) are the application's own ctypes structure objects:
  write ``dwFlags`` on them, read their memory with :func:`header_data`, and pass
  :func:`address_of` them as ``dwParam1`` of ``WOM_DONE`` and friends.
* Out-parameters of plain types (``GETVOLUME``'s ``DWORD*``, ``GETPOS``'s ``MMTIME*``, caps
  structures) are ctypes objects to fill in place; ``dwParam2`` of ``GETDEVCAPS`` is the
  size the application passed.

Device ids are driver-relative.  Devnodes: register each host device you serve during
``DRV_ENABLE`` (or ``DRV_PNPINSTALL``, sent on a rescan) with :func:`register_devnode`, in
the order your local device ids follow; answer ``xxDM_GETNUMDEVS`` with the count for the
devnode in ``dwParam1``; report it gone or back with :func:`devnode_changed`.

Timing: :class:`Alarm` runs a function on the thread that delivers notifications at a
given ``time.monotonic()`` (the earliest asked for), so what it finds (a finished buffer,
polled input) reaches the application with no thread hand-over in between;
:func:`watch_fd` does the same whenever a file descriptor becomes readable;
:func:`hold_switch_interval` lowers Python's GIL switch interval while a device is open.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from audiodrv.core.devclass import DeviceClass
from audiodrv.core.notify import Alarm, DriverCallback, hold_switch_interval, notifier
from audiodrv.core.system import system_of_devnode, system_of_driver
from audiodrv.driver.installable import DefDriverProc
from audiodrv.mmsystem import *  # noqa: F403 - the DDK hands drivers every Windows name
from audiodrv.mmsystem import DCB_TYPEMASK, DRVM_USER

T = TypeVar("T")

__all__ = [  # noqa: F405
    "Alarm",
    "DefDriverProc",
    "DeviceClass",
    "DriverCallback",
    "OpenDesc",
    "Ref",
    "SYNTH_GETSTATS",
    "WAVE_GETXRUNS",
    "address_of",
    "callback_flags",
    "devnode_changed",
    "device_on_devnode",
    "driver_settings",
    "header_data",
    "hold_switch_interval",
    "register_devnode",
    "unwatch_fd",
    "watch_fd",
]

watch_fd = notifier.watch
unwatch_fd = notifier.unwatch


#: Private wave message (``waveOutMessage``/``waveInMessage`` on a handle): ``dwParam1`` is
#: a dict the driver fills with the open's own xrun counts (``engine.portaudio.XrunStats``).
WAVE_GETXRUNS = DRVM_USER + 1
#: Private message of the synthesizer driver: ``dwParam1`` is a dict filled with its render
#: statistics (lead, underruns, whether it is rendering).
SYNTH_GETSTATS = DRVM_USER + 2


class Ref(Generic[T]):
    """A one-value box: the Python form of an out-parameter pointer."""

    __slots__ = ("value",)

    def __init__(self, value: T | None = None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Ref({self.value!r})"


@dataclass
class OpenDesc:
    """The open descriptor (``WAVEOPENDESC``/``MIDIOPENDESC``/``MIXEROPENDESC``).

    ``hDevice`` is the handle the application will see; ``dwCallback``/``dwInstance`` are
    what it passed to the open call; ``lpFormat`` is a ``WAVEFORMATEX`` (or
    ``WAVEFORMATEXTENSIBLE``) for wave opens.
    """

    hDevice: int
    dwCallback: Any = 0
    dwInstance: int = 0
    dnDevNode: int = 0
    lpFormat: Any = None
    uMappedDeviceID: int = 0

    def notify(self, flags: int, msg: int, p1: int = 0, p2: int = 0) -> bool:
        """``DriverCallback`` with this descriptor's target (``flags`` = the open flags)."""
        return DriverCallback(
            self.dwCallback, callback_flags(flags), self.hDevice, msg, self.dwInstance, p1, p2
        )


def callback_flags(open_flags: int) -> int:
    """The ``DCB_*`` value of a set of ``CALLBACK_*`` open flags (``HIWORD``)."""
    return (open_flags >> 16) & DCB_TYPEMASK


def address_of(hdr: ctypes.Structure) -> int:
    """The header's address: what Windows passes as ``dwParam1`` of a completion."""
    return ctypes.addressof(hdr)


def header_data(hdr: ctypes.Structure, length: int | None = None) -> memoryview:
    """The writable memory a header's ``lpData`` points at (``dwBufferLength`` bytes).

    Works whatever ctypes type the application declared ``lpData`` with (``c_void_p``,
    ``c_char_p``, ``POINTER(c_char)``, ``LPSTR``...): the pointer is read raw at the field's
    offset, so ``c_char_p``'s copy-to-bytes conversion never happens.
    """
    address = ctypes.c_void_p.from_buffer(hdr, type(hdr).lpData.offset).value
    size = hdr.dwBufferLength if length is None else length
    if not address or size <= 0:
        return memoryview(b"")
    return memoryview((ctypes.c_char * size).from_address(address)).cast("B")


def register_devnode(hDriver: int, key: str, description: str) -> int:
    """Register a host device the driver behind ``hDriver`` serves; returns its devnode.

    Registering a key again returns the same devnode.  Returns 0 when the driver was
    opened outside a device system (by the control panel, say): it has no devices there.
    """
    system = system_of_driver(hDriver)
    return system.register_devnode(hDriver, key, description) if system else 0


def devnode_changed(dn: int, present: bool) -> None:
    """Report a devnode gone (``present=False``) or back; callable from any thread.

    The device manager answers with ``DRVM_DISABLE``/``DRVM_ENABLE`` (``dwParam2`` = the
    devnode) to each of the driver's classes, on the notifier thread.
    """
    system = system_of_devnode(dn)
    if system is not None:
        system.devnode_changed(dn, present)


def device_on_devnode(hDriver: int, cls: DeviceClass, key: str) -> int | None:
    """The global id of the first device of ``cls`` (any driver's, not a mapper) on the
    devnode registered under ``key``, or None: how a mapper names the device it uses."""
    system = system_of_driver(hDriver)
    if system is None:
        return None
    for device_id in range(system.count(cls)):
        device = system.device(cls, device_id)
        if device is not None and device.devnode is not None and device.devnode.key == key:
            return device_id
    return None


def driver_settings(hDriver: int, section: str) -> dict[str, str]:
    """The driver's own SYSTEM.INI section (``[midirt.drv]``...) as a dict with lower-case
    keys; empty when there is none or the driver was opened outside a device system."""
    system = system_of_driver(hDriver)
    if system is None:
        return {}
    return {key.lower(): value for key, value in system.ini.items(section)}
