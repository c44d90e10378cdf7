"""The installable-driver interface: OpenDriver, CloseDriver, SendDriverMessage.

The message sequences are the Windows 3.1 ones:

* first open of a driver module: ``DRV_LOAD``, ``DRV_ENABLE``, ``DRV_OPEN``; later opens
  only ``DRV_OPEN``.  ``DRV_LOAD`` returning 0 unloads the module at once with no
  ``DRV_FREE``; ``DRV_OPEN`` returning 0 fails the open.  ``DRV_OPEN``'s result is the
  ``dwDriverID`` passed with every later message to that instance.
* each close: ``DRV_CLOSE``, which fails the close when the driver returns 0; after the last
  instance of a module that was not loaded at boot: ``DRV_DISABLE``, ``DRV_FREE``.
* ``[boot] drivers=`` modules get ``DRV_LOAD`` and ``DRV_ENABLE`` only, and stay loaded until
  shutdown.

A driver that raises is contained here: the traceback is logged and the caller sees the
failure value 0.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from audiodrv.core.handles import HandleTable
from audiodrv.core.trace import TRACE
from audiodrv.driver.loader import (
    DriverLoadError,
    DriverModule,
    load_driver_module,
    unload_driver_module,
)
from audiodrv.mmsystem import (
    DRV_CLOSE,
    DRV_DISABLE,
    DRV_ENABLE,
    DRV_FREE,
    DRV_INSTALL,
    DRV_LOAD,
    DRV_OK,
    DRV_OPEN,
    DRV_REMOVE,
    GND_FIRSTINSTANCEONLY,
    GND_REVERSE,
    message_name,
)

__all__ = ["DefDriverProc", "DriverInstance", "DriverManager", "LoadedDriver"]

log = logging.getLogger("audiodrv.driver")


def DefDriverProc(dwDriverID: Any, hDriver: int, wMessage: int, lParam1: Any, lParam2: Any) -> int:
    """Default processing for driver messages a ``DriverProc`` does not handle (spec B230).

    ``DRV_LOAD``, ``DRV_FREE``, ``DRV_ENABLE``, ``DRV_DISABLE`` -> 1; ``DRV_INSTALL``,
    ``DRV_REMOVE`` -> ``DRV_OK``; everything else -> 0.
    """
    if wMessage in (DRV_LOAD, DRV_FREE, DRV_ENABLE, DRV_DISABLE):
        return 1
    if wMessage in (DRV_INSTALL, DRV_REMOVE):
        return DRV_OK
    return 0


@dataclass(eq=False)
class LoadedDriver:
    """A driver module that has received ``DRV_LOAD`` and ``DRV_ENABLE``."""

    driver: DriverModule
    handle: int  # the hDriver its DRV_LOAD/DRV_ENABLE carried
    boot: bool = False
    instances: list[DriverInstance] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return self.driver.filename


@dataclass(eq=False)
class DriverInstance:
    """One open instance (one ``HDRVR``) of a driver."""

    handle: int
    loaded: LoadedDriver
    alias: str
    dwDriverID: Any


def call_driver_proc(
    driver: DriverModule, dwDriverID: Any, hDriver: int, msg: int, lParam1: Any, lParam2: Any
) -> Any:
    """Call a ``DriverProc``, tracing the message and containing any exception.

    The result is an integer (an LRESULT), except for ``DRV_OPEN``: its result is the
    ``dwDriverID`` handed back with every later message, and a Python driver may well
    return its instance object there.  Any false result is 0 (failure).
    """
    try:
        result = driver.DriverProc(dwDriverID, hDriver, msg, lParam1, lParam2)
        if not result:
            result = 0
        elif msg != DRV_OPEN:
            result = int(result)
    except Exception:
        log.exception(
            "%s: DriverProc failed on %s", driver.filename, message_name("DRV", msg)
        )
        return 0
    if log.isEnabledFor(TRACE):
        log.log(
            TRACE,
            "%s: DriverProc(%r, %#x, %s, %r, %r) -> %r",
            driver.filename, dwDriverID, hDriver, message_name("DRV", msg), lParam1, lParam2,
            result,
        )
    return result


class DriverManager:
    """Loaded driver modules and their open instances.

    Parameters
    ----------
    ini_dir
        The folder of SYSTEM.INI, searched first for driver files.
    alias_lookup
        ``alias_lookup(section, key)`` returns the ``"file options"`` value of an alias in
        SYSTEM.INI (``[drivers]`` by default), or None.
    """

    def __init__(
        self,
        ini_dir: Path | None = None,
        alias_lookup: Callable[[str, str], str | None] | None = None,
    ) -> None:
        self.ini_dir = ini_dir
        self._alias_lookup = alias_lookup or (lambda section, key: None)
        self._handles: HandleTable[DriverInstance | LoadedDriver] = HandleTable()
        self._loaded: dict[str, LoadedDriver] = {}  # keyed by module name
        self._order: list[LoadedDriver] = []  # load order, for GetNextDriver and shutdown
        self._lock = threading.RLock()

    # -- modules -------------------------------------------------------------------------

    def loaded(self) -> list[LoadedDriver]:
        """Loaded modules in load order."""
        return list(self._order)

    def _load(self, filename: str, boot: bool) -> tuple[LoadedDriver | None, bool]:
        """(the loaded module or None if ``DRV_LOAD`` refused, whether this call loaded it)."""
        named = self._loaded_as(filename)
        if named is not None:  # loaded under this very name: no search (its file may be gone)
            named.boot = named.boot or boot
            return named, False
        driver = load_driver_module(filename, self.ini_dir)
        # One module however it is named (alias, file name, path, case): one DRV_LOAD.
        key = driver.module.__name__
        if key in self._loaded:
            loaded = self._loaded[key]
            loaded.boot = loaded.boot or boot
            return loaded, False
        loaded = LoadedDriver(driver=driver, handle=0, boot=boot)
        loaded.handle = self._handles.add(loaded)
        if not call_driver_proc(driver, 0, loaded.handle, DRV_LOAD, 0, 0):
            # DRV_LOAD refused: unloaded at once, and a driver that never loaded is not freed.
            self._handles.remove(loaded.handle)
            unload_driver_module(driver)
            log.warning("%s: DRV_LOAD failed; driver unloaded", filename)
            return None, False
        call_driver_proc(driver, 0, loaded.handle, DRV_ENABLE, 0, 0)
        self._loaded[key] = loaded
        self._order.append(loaded)
        return loaded, True

    def _loaded_as(self, filename: str) -> LoadedDriver | None:
        return next((ld for ld in self._order if ld.filename.lower() == filename.lower()), None)

    def _unload(self, loaded: LoadedDriver, dwDriverID: Any) -> None:
        call_driver_proc(loaded.driver, dwDriverID, loaded.handle, DRV_DISABLE, 0, 0)
        call_driver_proc(loaded.driver, dwDriverID, loaded.handle, DRV_FREE, 0, 0)
        self._handles.remove(loaded.handle)
        del self._loaded[loaded.driver.module.__name__]
        self._order.remove(loaded)
        unload_driver_module(loaded.driver)

    def load_boot(self, filename: str) -> LoadedDriver | None:
        """Load a ``[boot] drivers=`` module: ``DRV_LOAD``, ``DRV_ENABLE``, no open."""
        with self._lock:
            return self._load(filename, boot=True)[0]

    def module_of(self, hDriver: int) -> LoadedDriver | None:
        """The loaded module an instance handle or a module's load handle belongs to."""
        obj = self._handles.get(hDriver)
        return obj.loaded if isinstance(obj, DriverInstance) else obj

    # -- instances -----------------------------------------------------------------------

    def _resolve(self, name: str, section: str | None) -> tuple[str, str, str]:
        """(alias, filename, options) for an OpenDriver name (spec B220)."""
        file_error: DriverLoadError | None = None
        if section is None:
            filename, _, options = name.strip().partition(" ")
            try:
                if self._loaded_as(filename) is None:
                    load_driver_module(filename, self.ini_dir)
                return name, filename, options.strip()
            except DriverLoadError as exc:
                file_error = exc
        value = self._alias_lookup(section or "drivers", name)
        if value is None:
            raise file_error or DriverLoadError(f"no alias {name!r} in [{section}]")
        filename, _, options = value.strip().partition(" ")
        return name, filename, options.strip()

    def open(self, name: str, section: str | None = None, lParam2: Any = 0) -> int:
        """``OpenDriver``: the new instance's handle, or 0."""
        with self._lock:
            try:
                alias, filename, options = self._resolve(name, section)
                loaded, fresh = self._load(filename, boot=False)
            except DriverLoadError as exc:
                log.warning("OpenDriver(%r): %s", name, exc)
                return 0
            if loaded is None:
                return 0
            instance = DriverInstance(handle=0, loaded=loaded, alias=alias, dwDriverID=0)
            instance.handle = self._handles.add(instance)
            driver_id = call_driver_proc(
                loaded.driver, 0, instance.handle, DRV_OPEN, options or 0, lParam2
            )
            if not driver_id:
                self._handles.remove(instance.handle)
                # FIXME: Windows' behaviour is untested here; we keep LOAD/FREE balanced.
                if fresh and not loaded.instances and not loaded.boot:
                    self._unload(loaded, 0)
                return 0
            instance.dwDriverID = driver_id
            loaded.instances.append(instance)
            return instance.handle

    def instance(self, hDriver: object) -> DriverInstance | None:
        obj = self._handles.get(hDriver)
        return obj if isinstance(obj, DriverInstance) else None

    def close(self, hDriver: int, lParam1: Any = 0, lParam2: Any = 0) -> int:
        """``CloseDriver``: 1 on success, 0 for a bad handle or a refused ``DRV_CLOSE``."""
        with self._lock:
            instance = self.instance(hDriver)
            if instance is None:
                return 0
            loaded = instance.loaded
            if not call_driver_proc(
                loaded.driver, instance.dwDriverID, hDriver, DRV_CLOSE, lParam1, lParam2
            ):
                return 0  # the driver refused: it stays open (seed text).
            self._handles.remove(hDriver)
            loaded.instances.remove(instance)
            if not loaded.instances and not loaded.boot:
                self._unload(loaded, instance.dwDriverID)
            return 1

    def send(self, hDriver: int, msg: int, lParam1: Any = 0, lParam2: Any = 0) -> int:
        """``SendDriverMessage``: the driver's result, or 0 for a bad handle."""
        instance = self.instance(hDriver)
        if instance is None:
            return 0
        return call_driver_proc(
            instance.loaded.driver, instance.dwDriverID, hDriver, msg, lParam1, lParam2
        )

    def broadcast(self, msg: int, lParam1: Any = 0, lParam2: Any = 0) -> None:
        """Send a message (``DRV_POWER``, ``DRV_EXITSESSION``...) to every loaded driver:
        each open instance, and each module loaded at boot with no instance."""
        for loaded in self.loaded():
            for instance in list(loaded.instances):
                self.send(instance.handle, msg, lParam1, lParam2)
            if not loaded.instances:
                call_driver_proc(loaded.driver, 0, loaded.handle, msg, lParam1, lParam2)

    def next_driver(self, hDriver: int, flags: int) -> int:
        """``GetNextDriver``: the open instance after (or before) ``hDriver``; 0 at the end."""
        order = [i for loaded in self.loaded() for i in loaded.instances]
        if flags & GND_FIRSTINSTANCEONLY:
            order = [loaded.instances[0] for loaded in self.loaded() if loaded.instances]
        if flags & GND_REVERSE:
            order.reverse()
        handles = [i.handle for i in order]
        if not hDriver:
            return handles[0] if handles else 0
        if hDriver not in handles:
            return 0
        index = handles.index(hDriver) + 1
        return handles[index] if index < len(handles) else 0

    def module_handle(self, hDriver: int) -> ModuleType | None:
        """``GetDriverModuleHandle``: the driver's Python module, or None."""
        instance = self.instance(hDriver)
        return instance.loaded.driver.module if instance else None

    def instances(self) -> Iterator[DriverInstance]:
        for loaded in self.loaded():
            yield from loaded.instances

    def shutdown(self) -> None:
        """Close every instance and unload every module, in reverse load order (B231)."""
        with self._lock:
            for loaded in reversed(self.loaded()):
                for instance in reversed(list(loaded.instances)):
                    if not self.close(instance.handle):
                        # A refusal cannot keep a driver alive past exit.
                        self._handles.remove(instance.handle)
                        loaded.instances.remove(instance)
                if loaded in self._order:
                    self._unload(loaded, 0)
