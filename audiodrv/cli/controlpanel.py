"""The Drivers control panel: list, add, remove, set up and choose default drivers.

Every change is made on in-memory copies of SYSTEM.INI and CONTROL.INI and written only
when everything (the driver's ``DRV_INSTALL``/``DRV_REMOVE`` answer included) succeeded, so
a failure leaves both files as they were.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from audiodrv.config.ini import IniFile
from audiodrv.config.oemsetup import load_oemsetup, resolve_file
from audiodrv.config.system import (
    DriverEntry,
    cache_description,
    cached_description,
    control_ini_path,
    driver_entries,
    driver_section_name,
    ensure_system_ini,
    entry_kind,
    entry_section,
    next_entry_key,
    parse_description,
)
from audiodrv.core.system import System
from audiodrv.driver.loader import DriverLoadError, load_driver_module
from audiodrv.mmsystem import (
    DRV_CANCEL,
    DRV_CONFIGURE,
    DRV_INSTALL,
    DRV_QUERYCONFIGURE,
    DRV_REMOVE,
    DRV_RESTART,
)

__all__ = ["ControlPanel", "ControlPanelError", "DrvConfigInfo", "ListedDriver"]


class ControlPanelError(Exception):
    """A control-panel request that cannot be carried out; the message says why."""


def _io_error(verb: str, exc: OSError) -> ControlPanelError:
    return ControlPanelError(f"cannot {verb} {exc.filename}: {exc.strerror or exc}")


@dataclass
class DrvConfigInfo:
    """``DRVCONFIGINFO``: passed as ``lParam2`` of ``DRV_INSTALL``, ``DRV_REMOVE`` and
    ``DRV_CONFIGURE``; names the driver's SYSTEM.INI section and its entry key."""

    lpszDCISectionName: str
    lpszDCIAliasName: str
    ini: IniFile  # the SYSTEM.INI being edited: a driver configures its own section in it


@dataclass(frozen=True)
class ListedDriver:
    key: str
    filename: str
    section: str
    description: str


class ControlPanel:
    """The control panel over one SYSTEM.INI (and the CONTROL.INI beside it)."""

    def __init__(self, system_ini: Path) -> None:
        self.system_ini = Path(system_ini)
        self.control_ini = control_ini_path(self.system_ini)

    # -- helpers ------------------------------------------------------------------------------

    def _load(self) -> tuple[IniFile, IniFile]:
        try:
            return ensure_system_ini(self.system_ini), IniFile.load(self.control_ini)
        except OSError as exc:
            raise _io_error("read", exc) from exc

    def _save(self, ini: IniFile, control: IniFile) -> None:
        """Write both files or neither: SYSTEM.INI is put back when CONTROL.INI fails."""
        try:
            before = self.system_ini.read_bytes()
            ini.save(self.system_ini)
            try:
                control.save(self.control_ini)
            except OSError:
                self.system_ini.write_bytes(before)
                raise
        except OSError as exc:
            raise _io_error("write", exc) from exc

    def _entries(self, ini: IniFile) -> list[tuple[str, DriverEntry]]:
        """Every entry of [drivers], and the ``.drv`` entries of other sections (the
        targets of DESCRIPTION ``TYPE[SECTION]`` forms and [mci]): the rest of SYSTEM.INI,
        [386Enh] ``device=*vpicd`` or [keyboard] ``type=4``, is not about drivers."""
        return [(s, e) for s in ini.sections() if s.lower() not in ("boot", "drivers.description")
                for e in driver_entries(ini, s)
                if s.lower() == "drivers" or e.filename.lower().endswith(".drv")]

    def _find(self, ini: IniFile, name: str) -> list[tuple[str, DriverEntry]]:
        """Entries matching an entry key or a driver filename (case-insensitive)."""
        found = [(s, e) for s, e in self._entries(ini)
                 if name.lower() in (e.key.lower(), e.filename.lower())]
        if not found:
            known = ", ".join(f"{e.key}={e.filename}" for _, e in self._entries(ini)) or "none"
            raise ControlPanelError(f"no driver entry {name!r} in {self.system_ini} "
                                    f"(entries: {known})")
        return found

    def _message(self, filename: str, msg: int, info: DrvConfigInfo) -> int:
        """Open the driver, send one configuration message, close it again."""
        try:
            load_driver_module(filename, self.system_ini.parent)
        except DriverLoadError as exc:
            raise ControlPanelError(str(exc)) from exc
        system = System(self.system_ini)  # no [drivers] are loaded: only this one opens
        handle = system.drivers.open(filename)
        if not handle:
            system.shutdown()
            raise ControlPanelError(f"driver {filename} refused to load or open "
                                    "(DRV_LOAD or DRV_OPEN returned 0)")
        try:
            return system.drivers.send(handle, msg, 0, info)
        finally:
            system.drivers.close(handle)
            system.shutdown()

    # -- the commands ---------------------------------------------------------------------------

    def list(self) -> list[ListedDriver]:
        """Every driver entry, with its description (the CONTROL.INI cache first)."""
        ini, control = self._load()
        listed = []
        for section, entry in self._entries(ini):
            text = cached_description(control, entry.filename)
            if text is None:
                try:
                    module = load_driver_module(entry.filename, self.system_ini.parent)
                    text = parse_description(module.description).text
                except (DriverLoadError, ValueError) as exc:
                    text = f"(unavailable: {exc})"
            listed.append(ListedDriver(entry.key, entry.filename, section, text))
        return listed

    def add(self, source: Path, inf_entry: str | None = None) -> tuple[list[str], bool]:
        """Install a driver file, or an entry of an OEMSETUP.INF.

        Returns the entry keys written and whether the driver asked for a restart.
        """
        source = Path(source)
        if not source.exists():
            raise ControlPanelError(f"{source}: no such file")
        if source.suffix.lower() == ".inf":
            try:
                setup = load_oemsetup(source)
                if inf_entry is None and len(setup.drivers) != 1:
                    keys = ", ".join(d.key for d in setup.drivers)
                    raise ControlPanelError(f"{source} offers several drivers; name one of: "
                                            f"{keys}")
                item = setup.find(inf_entry) if inf_entry else setup.drivers[0]
                driver_file = resolve_file(source, item)
            except (ValueError, KeyError) as exc:
                raise ControlPanelError(str(exc).strip('"')) from exc
            if driver_file.suffix.lower() != ".py" and driver_file.name != "__init__.py":
                raise ControlPanelError(f"{driver_file.name}: an audiodrv driver is a Python "
                                        "file (.py) or package; a binary .drv cannot load")
            types = [(t, None) for t in item.types]
            text = item.description
        else:
            driver_file = source
            try:
                module = load_driver_module(str(source.resolve()))
                description = parse_description(module.description)
            except (DriverLoadError, ValueError) as exc:
                raise ControlPanelError(f"{source}: {exc}") from exc
            types, text = description.types, description.text
        if not driver_file.exists():
            raise ControlPanelError(f"driver file {driver_file} is missing")
        package = driver_file.name == "__init__.py"
        filename = f"{driver_file.parent.name if package else driver_file.stem}.drv"

        ini, control = self._load()
        already = any(e.filename.lower() == filename.lower() for _, e in self._entries(ini))
        keys = []
        for type_, section in types:
            target = entry_section(type_, section)
            try:
                key = next_entry_key(ini, type_, None if target == "drivers" else target)
            except ValueError as exc:
                raise ControlPanelError(str(exc)) from exc
            ini.set(target, key, filename)
            keys.append(key)
        self._install_file(driver_file)
        restart = False
        if not already:
            info = DrvConfigInfo(driver_section_name(filename), keys[0], ini)
            answer = self._message(filename, DRV_INSTALL, info)
            if answer == DRV_CANCEL:
                raise ControlPanelError(f"{filename} cancelled its installation")
            restart = answer == DRV_RESTART
        cache_description(control, filename, text)
        self._save(ini, control)
        return keys, restart

    def _install_file(self, driver_file: Path) -> None:
        """Copy the driver beside SYSTEM.INI, where the loader looks first."""
        folder = self.system_ini.parent
        folder.mkdir(parents=True, exist_ok=True)
        try:
            if driver_file.name == "__init__.py":
                target = folder / driver_file.parent.name
                if target.resolve() != driver_file.parent.resolve():
                    shutil.copytree(driver_file.parent, target, dirs_exist_ok=True)
            elif driver_file.resolve() != (folder / driver_file.name).resolve():
                shutil.copy2(driver_file, folder / driver_file.name)
        except OSError as exc:
            raise ControlPanelError(f"cannot copy {driver_file} to {folder}: {exc}") from exc

    def remove(self, name: str) -> tuple[list[str], bool, list[str]]:
        """Remove an entry (or every entry of a driver filename).

        Returns the entry keys removed, whether the driver asked for a restart, and
        warnings: a driver that is gone or will not open cannot be told (``DRV_REMOVE``),
        but its stale entry is removed all the same.
        """
        ini, control = self._load()
        found = self._find(ini, name)
        for section, entry in found:
            ini.remove(section, entry.key, entry.value)  # not another driver's duplicate key
        filenames = {e.filename.lower(): e for _, e in found}
        restart = False
        warnings = []
        for low, entry in filenames.items():
            if any(e.filename.lower() == low for _, e in self._entries(ini)):
                continue  # the driver keeps another entry: not its last removal
            info = DrvConfigInfo(driver_section_name(entry.filename), entry.key, ini)
            try:
                answer = self._message(entry.filename, DRV_REMOVE, info)
            except ControlPanelError as exc:
                warnings.append(f"{exc}; its entry is removed without DRV_REMOVE")
                continue
            if answer == DRV_CANCEL:
                raise ControlPanelError(f"{entry.filename} refused to be removed")
            restart = restart or answer == DRV_RESTART
        self._save(ini, control)
        return [e.key for _, e in found], restart, warnings

    def setup(self, name: str) -> int:
        """``DRV_QUERYCONFIGURE`` then ``DRV_CONFIGURE``; returns the ``DRVCNF_*`` answer."""
        ini, control = self._load()
        _section, entry = self._find(ini, name)[0]
        info = DrvConfigInfo(driver_section_name(entry.filename), entry.key, ini)
        if not self._message(entry.filename, DRV_QUERYCONFIGURE, info):
            raise ControlPanelError(f"{entry.filename} has no settings to configure")
        answer = self._message(entry.filename, DRV_CONFIGURE, info)
        if answer != DRV_CANCEL:
            self._save(ini, control)
        return answer

    def default(self, name: str) -> str:
        """Make a driver the first of its kind (``wave`` rather than ``wave2``)."""
        ini, control = self._load()
        section, entry = self._find(ini, name)[0]
        first = next((e for s, e in self._entries(ini)
                      if s == section and entry_kind(e.key) == entry.kind), entry)
        if first != entry:
            # Value by value, so other entries of a duplicate key stay as they are; the
            # placeholder keeps the two swaps apart when both entries share one key.
            ini.replace(section, first.key, first.value, "\0")
            ini.replace(section, entry.key, entry.value, first.value)
            ini.replace(section, first.key, "\0", entry.value)
        self._save(ini, control)
        return first.key
