"""From a SYSTEM.INI driver filename to a loaded driver module.

``wave=sndpa.drv`` names the driver module ``sndpa``.  The name is looked up, in order, in

1. the folder of SYSTEM.INI (``sndpa.py`` or a package ``sndpa/``),
2. each folder of ``AUDIODRV_PATH`` (``os.pathsep``-separated),
3. the bundled drivers folder,
4. the ``audiodrv.drivers`` entry-point group (installed third-party drivers; the entry
   point's name is the module name, its value the module).

A name containing a path separator or ending in ``.py`` is a path to the driver file itself.
The module is then probed for its exports the way MMSYSTEM probed a DLL with
``GetProcAddress``: ``DriverProc`` is required, the six message functions are optional.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from audiodrv.core.devclass import DeviceClass

__all__ = [
    "DriverLoadError",
    "DriverModule",
    "bundled_drivers_dir",
    "load_driver_module",
    "search_path",
    "unload_driver_module",
]

ENTRY_POINT_GROUP = "audiodrv.drivers"


class DriverLoadError(ImportError):
    """A driver could not be found, imported, or lacks ``DriverProc``."""


@dataclass(eq=False)
class DriverModule:
    """A loaded driver file and its probed exports."""

    filename: str  # as named in SYSTEM.INI, e.g. "sndpa.drv"
    module: ModuleType
    DriverProc: Callable[[Any, int, int, Any, Any], int]
    entries: dict[DeviceClass, Callable[..., int]] = field(default_factory=dict)

    @property
    def description(self) -> str:
        """The module's ``DESCRIPTION`` line (``types:text``), or ``""``."""
        return str(getattr(self.module, "DESCRIPTION", ""))


def bundled_drivers_dir() -> Path:
    """The folder of the drivers that ship with audiodrv.

    A wheel installs them inside the package (``audiodrv/_drivers``); a source checkout
    has them in the top-level ``drivers/`` folder beside the package.
    """
    package = Path(__file__).resolve().parent.parent
    installed = package / "_drivers"
    return installed if installed.is_dir() else package.parent / "drivers"


def search_path(ini_dir: Path | None) -> list[Path]:
    """The folders searched for a driver name, in order (entry points come after)."""
    folders = [ini_dir] if ini_dir is not None else []
    folders += [Path(p) for p in os.environ.get("AUDIODRV_PATH", "").split(os.pathsep) if p]
    folders.append(bundled_drivers_dir())
    return folders


def _module_stem(filename: str) -> str:
    name = Path(filename).name
    for suffix in (".drv", ".py", ".dll"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _find_file(filename: str, folders: Sequence[Path]) -> Path | None:
    if os.sep in filename or "/" in filename or filename.lower().endswith(".py"):
        path = Path(filename).expanduser()
        return path if path.is_file() else None
    stem = _module_stem(filename)
    for folder in folders:
        for candidate in (folder / f"{stem}.py", folder / stem / "__init__.py"):
            if candidate.is_file():
                return candidate
        # COMPAT: Windows file names are case-insensitive; driver files may not be.
        if folder.is_dir():
            for child in folder.iterdir():
                if child.suffix == ".py" and child.stem.lower() == stem.lower():
                    return child
    return None


def _import_file(path: Path) -> ModuleType:
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
    stem = resolved.parent.name if resolved.name == "__init__.py" else resolved.stem
    # A top-level name, so a package driver's relative imports resolve.
    name = f"_audiodrv_driver_{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name,
        resolved,
        submodule_search_locations=[str(resolved.parent)]
        if resolved.name == "__init__.py"
        else None,
    )
    if spec is None or spec.loader is None:
        raise DriverLoadError(f"cannot import driver file {resolved}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise DriverLoadError(f"driver {resolved} failed to import: {exc!r}") from exc
    return module


def _from_entry_points(stem: str) -> ModuleType | None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name.lower() == stem.lower():
            try:
                loaded = ep.load()
            except Exception as exc:
                raise DriverLoadError(f"driver entry point {ep.value} failed: {exc!r}") from exc
            return loaded if isinstance(loaded, ModuleType) else importlib.import_module(
                ep.module
            )
    return None


def load_driver_module(filename: str, ini_dir: Path | None = None) -> DriverModule:
    """Find, import and probe a driver.

    Raises
    ------
    DriverLoadError
        Not found on the search path (the message lists it), failed to import, or has no
        ``DriverProc``.
    """
    folders = search_path(ini_dir)
    path = _find_file(filename, folders)
    if path is not None:
        module = _import_file(path)
    else:
        module = _from_entry_points(_module_stem(filename))
        if module is None:
            where = ", ".join(str(f) for f in folders)
            raise DriverLoadError(
                f"driver {filename!r} not found (searched {where} and the "
                f"{ENTRY_POINT_GROUP!r} entry points)"
            )
    proc = getattr(module, "DriverProc", None)
    if not callable(proc):
        raise DriverLoadError(f"driver {filename!r} ({module.__file__}) exports no DriverProc")
    entries = {
        cls: fn for cls in DeviceClass if callable(fn := getattr(module, cls.entry, None))
    }
    return DriverModule(filename=filename, module=module, DriverProc=proc, entries=entries)


def unload_driver_module(driver: DriverModule) -> None:
    """Forget a driver file's module, so its next load runs it afresh (``FreeLibrary``).

    Entry-point drivers are ordinary installed modules and stay imported.
    """
    name = driver.module.__name__
    if name.startswith("_audiodrv_driver_") and sys.modules.get(name) is driver.module:
        del sys.modules[name]
