"""MMSYSTEM's state: loaded drivers, device-id tables, devnodes and device handles.

This is Wine's ``lolvldrv.c`` in Python.  On first use the drivers named in SYSTEM.INI
``[drivers]`` are opened in file order and probed for their message functions; each class
a driver exports gets ``DRVM_INIT`` and ``xxDM_GETNUMDEVS`` once per devnode the driver
registered (or once with devnode 0 when it registered none), and the driver's devices take
the next contiguous global ids.  A mapper entry (``WaveMapper``, ``MidiMapper``) takes the
mapper slot of its classes instead.  Messages reach drivers with driver-relative ids.

Devnodes (Windows 95 Plug and Play) are the host devices behind the ids: a PortAudio
device, a JACK server, a MIDI port.  A driver registers them (``ddk.register_devnode``) and
reports them gone or back (``ddk.devnode_changed``); the device manager then sends
``DRVM_DISABLE`` / ``DRVM_ENABLE`` and, while a devnode is disabled, answers
``MMSYSERR_NOTENABLED`` for anything that would start new work on its devices.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audiodrv.config.system import (
    boot_drivers,
    driver_entries,
    ensure_system_ini,
    system_ini_path,
)
from audiodrv.core.devclass import DeviceClass
from audiodrv.core.handles import HandleTable
from audiodrv.core.notify import notifier, synchronous_notifications
from audiodrv.core.trace import TRACE
from audiodrv.driver.installable import DriverManager, LoadedDriver
from audiodrv.mmsystem import (
    DRV_PNPINSTALL,
    DRVM_DISABLE,
    DRVM_ENABLE,
    DRVM_EXIT,
    DRVM_INIT,
    MIDM_ADDBUFFER,
    MIDM_OPEN,
    MIDM_START,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_ERROR,
    MMSYSERR_NOTENABLED,
    MODM_DATA,
    MODM_LONGDATA,
    MODM_OPEN,
    MXDM_OPEN,
    WIDM_ADDBUFFER,
    WIDM_OPEN,
    WIDM_START,
    WODM_OPEN,
    WODM_RESTART,
    WODM_WRITE,
    message_name,
    result_name,
)

__all__ = [
    "Device",
    "DevNode",
    "OpenDevice",
    "System",
    "get_system",
    "reset_system",
    "system_of_devnode",
    "system_of_driver",
]

log = logging.getLogger("audiodrv.winmm")

MAPPER_IDS = (0xFFFFFFFF, 0xFFFF)  # COMPAT: Wine also takes (UINT16)-1 as the mapper.

# Messages that start new work on a device; refused while its devnode is disabled.  Close,
# reset, unprepare and queries still reach the driver so applications can clean up.
_NEEDS_ENABLED = {
    DeviceClass.WAVEOUT: {WODM_OPEN, WODM_WRITE, WODM_RESTART},
    DeviceClass.WAVEIN: {WIDM_OPEN, WIDM_ADDBUFFER, WIDM_START},
    DeviceClass.MIDIOUT: {MODM_OPEN, MODM_DATA, MODM_LONGDATA},
    DeviceClass.MIDIIN: {MIDM_OPEN, MIDM_ADDBUFFER, MIDM_START},
    DeviceClass.MIXER: {MXDM_OPEN},
    DeviceClass.AUX: set(),
}


@dataclass(eq=False)
class DevNode:
    """A physical or logical host device that one driver serves."""

    dn: int
    key: str
    description: str
    owner: LoadedDriver
    enabled: bool = True


@dataclass(frozen=True, eq=False)
class Device:
    """One device of a class: the driver that owns it and its driver-relative id."""

    owner: LoadedDriver
    local_id: int
    devnode: DevNode | None
    mapper: bool = False

    def message(self, cls: DeviceClass, msg: int, dwUser: Any, p1: Any, p2: Any) -> int:
        """Send ``msg`` to the owning driver's message function (exceptions contained)."""
        if self.devnode is not None and not self.devnode.enabled:
            if msg in _NEEDS_ENABLED[cls]:
                return MMSYSERR_NOTENABLED
        return call_entry(self.owner, cls, self.local_id, msg, dwUser, p1, p2)


@dataclass(eq=False)
class OpenDevice:
    """What a device handle stands for; the winmm layer keeps its own state in ``state``."""

    cls: DeviceClass
    device: Device
    device_id: int  # the id the application opened, the mapper id included
    dwUser: Any = None  # the driver's per-instance value, returned by xxDM_OPEN
    state: dict[str, Any] = field(default_factory=dict)

    def message(self, msg: int, p1: Any = 0, p2: Any = 0) -> int:
        return self.device.message(self.cls, msg, self.dwUser, p1, p2)


def call_entry(
    owner: LoadedDriver, cls: DeviceClass, local_id: int, msg: int, dwUser: Any, p1: Any, p2: Any
) -> int:
    """Call a driver's message function: the one funnel between MMSYSTEM and drivers."""
    entry = owner.driver.entries.get(cls)
    if entry is None:
        return MMSYSERR_BADDEVICEID
    with synchronous_notifications():
        try:
            result = int(entry(local_id, msg, dwUser, p1, p2))
        except Exception:
            log.exception(
                "%s: %s(%d, %s) raised", owner.filename, cls.entry, local_id,
                message_name(cls.family, msg),
            )
            # A device count has no error value: a failed count is no devices.
            result = 0 if msg == cls.getnumdevs else MMSYSERR_ERROR
    if log.isEnabledFor(TRACE):
        log.log(
            TRACE, "%s: %s(%d, %s, %r, %r) -> %s", owner.filename, cls.entry, local_id,
            message_name(cls.family, msg), p1, p2, result_name(result),
        )
    return result


class System:
    """The drivers of one SYSTEM.INI, their device tables, devnodes and handles."""

    def __init__(self, ini_path: Path | None = None) -> None:
        self.ini_path = Path(ini_path) if ini_path is not None else system_ini_path()
        self.ini = ensure_system_ini(self.ini_path)
        self.drivers = DriverManager(self.ini_path.parent, self.ini.get)
        self.handles: HandleTable[OpenDevice] = HandleTable()
        self._devnodes: list[DevNode] = []
        self._tables: dict[DeviceClass, list[Device]] = {cls: [] for cls in DeviceClass}
        self._mappers: dict[DeviceClass, Device] = {}
        self._members: list[tuple[LoadedDriver, int, bool]] = []  # (driver, hDriver, mapper)
        self._inited: set[tuple[LoadedDriver, DeviceClass, int]] = set()
        self._lock = threading.RLock()
        _live.add(self)

    # -- loading ---------------------------------------------------------------------------

    def load(self) -> None:
        """Open the drivers of ``[boot]`` and ``[drivers]`` and number their devices.

        Separate from construction so drivers can reach this system (through the ddk)
        while they handle ``DRV_LOAD`` and ``DRV_ENABLE``.
        """
        for filename in boot_drivers(self.ini):
            if self.drivers.load_boot(filename) is None:
                log.warning("boot driver %s did not load", filename)
        for entry in driver_entries(self.ini):
            handle = self.drivers.open(entry.key, "drivers")
            if not handle:
                log.warning("[drivers] %s=%s did not open", entry.key, entry.filename)
                continue
            loaded = self.drivers.module_of(handle)
            assert loaded is not None
            if not loaded.driver.entries or any(m[0] is loaded for m in self._members):
                # No message functions (not a device driver), or a duplicate entry.
                self.drivers.close(handle)
                continue
            self._members.append((loaded, handle, entry.kind.endswith("mapper")))
        initialised = self._build_tables()
        for member in [m for m in self._members if m[0] not in initialised]:
            # B243: a driver none of whose classes gave a device count is closed.
            loaded, handle, _mapper = member
            log.warning("%s: no device class initialised; driver closed", loaded.filename)
            with self._lock:
                self._members.remove(member)
                self._inited = {i for i in self._inited if i[0] is not loaded}
                self._devnodes = [n for n in self._devnodes if n.owner is not loaded]
            self.drivers.close(handle)

    def _build_tables(self) -> set[LoadedDriver]:
        """(Re)number every device: INIT new devnodes, count devices per devnode; returns
        the drivers of which at least one class gave a count (none at all, B243)."""
        initialised: set[LoadedDriver] = set()
        with self._lock:
            tables: dict[DeviceClass, list[Device]] = {cls: [] for cls in DeviceClass}
            mappers: dict[DeviceClass, Device] = {}
            for loaded, _handle, is_mapper in self._members:
                nodes = [n for n in self._devnodes if n.owner is loaded]
                for cls in DeviceClass:
                    if cls not in loaded.driver.entries:
                        continue
                    local = 0
                    # A driver that registered no devnode is a legacy one: devnode 0.
                    for node in nodes or [None]:
                        dn = node.dn if node else 0
                        if (loaded, cls, dn) not in self._inited:
                            self._inited.add((loaded, cls, dn))
                            call_entry(loaded, cls, 0, DRVM_INIT, 0, 0, dn)
                        count = call_entry(loaded, cls, 0, cls.getnumdevs, 0, dn, 0)
                        if count >> 16:
                            log.warning("%s: bad %s count %#x", loaded.filename, cls.family, count)
                            continue
                        initialised.add(loaded)
                        for _ in range(count):
                            device = Device(loaded, local, node, is_mapper)
                            if is_mapper:
                                mappers.setdefault(cls, device)
                            else:
                                tables[cls].append(device)
                            local += 1
            self._tables, self._mappers = tables, mappers
        return initialised

    # -- devnodes ---------------------------------------------------------------------------

    def register_devnode(self, hDriver: int, key: str, description: str) -> int:
        """Register (or find again, by key) a devnode of the driver behind ``hDriver``."""
        owner = self.drivers.module_of(hDriver)
        if owner is None:
            raise ValueError(f"register_devnode: {hDriver:#x} is not a driver handle")
        with self._lock:
            for node in self._devnodes:
                if node.key == key and node.owner is owner:
                    return node.dn
            node = DevNode(next(_devnode_numbers), key, description, owner)
            self._devnodes.append(node)
            return node.dn

    def devnode(self, dn: int) -> DevNode | None:
        return next((n for n in self._devnodes if n.dn == dn), None)

    def devnodes(self) -> list[DevNode]:
        return list(self._devnodes)

    def devnode_changed(self, dn: int, present: bool) -> None:
        """A driver reports its devnode gone or back; safe from any thread, never blocks.

        The device manager's answer (``DRVM_DISABLE``/``DRVM_ENABLE`` to each class of the
        owning driver) runs on the notifier thread, in order with the notifications.
        """
        notifier.post(self._set_devnode, dn, present)

    def _set_devnode(self, dn: int, present: bool) -> None:
        node = self.devnode(dn)
        if node is None or node.enabled == present:
            return
        node.enabled = present
        msg = DRVM_ENABLE if present else DRVM_DISABLE
        for cls in node.owner.driver.entries:
            call_entry(node.owner, cls, 0, msg, 0, 0, dn)
        log.info("devnode %d (%s) %s", dn, node.key, "enabled" if present else "disabled")

    def rescan(self) -> None:
        """Ask every driver to look for devices again (``DRV_PNPINSTALL``) and renumber.

        Handles already open keep their device; devnodes that came back are enabled by
        their drivers' ``devnode_changed`` reports; new devnodes get ``DRVM_INIT``.
        """
        for _loaded, handle, _mapper in self._members:
            self.drivers.send(handle, DRV_PNPINSTALL, 0, 0)
        notifier.flush()
        self._build_tables()

    # -- lookup -----------------------------------------------------------------------------

    def count(self, cls: DeviceClass) -> int:
        return len(self._tables[cls])

    def device(self, cls: DeviceClass, device_id: int) -> Device | None:
        """The device behind a global id (the mapper ids included), or None."""
        device_id &= 0xFFFFFFFF
        if device_id in MAPPER_IDS:
            return self._mappers.get(cls)
        table = self._tables[cls]
        return table[device_id] if device_id < len(table) else None

    def global_id(self, cls: DeviceClass, device: Device) -> int:
        """The global id of a device (``0xFFFFFFFF`` for the mapper)."""
        if device.mapper:
            return 0xFFFFFFFF
        return self._tables[cls].index(device)

    def open_device(self, handle: object, cls: DeviceClass | None = None) -> OpenDevice | None:
        """The open device behind a handle, optionally only of one class."""
        obj = self.handles.get(handle)
        if obj is None or (cls is not None and obj.cls is not cls):
            return None
        return obj

    def members(self) -> list[tuple[LoadedDriver, bool]]:
        """The device drivers in load order, with whether each is a mapper."""
        return [(loaded, mapper) for loaded, _h, mapper in self._members]

    # -- shutdown ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """``DRVM_EXIT`` per class and devnode that had ``DRVM_INIT``, then the close
        sequence, in reverse load order (B248)."""
        with self._lock:
            for loaded, handle, _mapper in reversed(self._members):
                for cls in DeviceClass:
                    for owner, inited_cls, dn in sorted(self._inited, key=lambda i: i[2]):
                        if owner is loaded and inited_cls is cls:
                            call_entry(loaded, cls, 0, DRVM_EXIT, 0, 0, dn)
                self.drivers.close(handle)
            self._members.clear()
            self._inited.clear()
            self.drivers.shutdown()
            self._tables = {cls: [] for cls in DeviceClass}
            self._mappers.clear()


_system: System | None = None
_system_lock = threading.Lock()
_live: weakref.WeakSet[System] = weakref.WeakSet()
_devnode_numbers = itertools.count(1)  # unique in the process, like handles


def system_of_driver(hDriver: int) -> System | None:
    """The system whose driver manager issued ``hDriver`` (a module or instance handle)."""
    return next((s for s in list(_live) if s.drivers.module_of(hDriver) is not None), None)


def system_of_devnode(dn: int) -> System | None:
    return next((s for s in list(_live) if s.devnode(dn) is not None), None)


def get_system() -> System:
    """The process-wide system, loaded on first use (spec B240)."""
    global _system
    if _system is None:
        with _system_lock:
            if _system is None:
                _system = System()
                _system.load()
    return _system


def reset_system(ini_path: Path | None = None) -> System | None:
    """Shut the current system down; with ``ini_path``, load a new one from that file."""
    global _system
    with _system_lock:
        if _system is not None:
            _system.shutdown()
        _system = None
        if ini_path is not None:
            _system = System(ini_path)
            _system.load()
        return _system


@atexit.register
def _unload_at_exit() -> None:
    if _system is not None:
        _system.shutdown()

