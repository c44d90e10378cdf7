"""Configuration files with Windows semantics.

- `IniFile` (``ini``): an INI file as the Windows profile functions see it, rewritten
  without disturbing comments, order, case or duplicate keys.
- ``system``: SYSTEM.INI (``[drivers]``, ``[boot] drivers=``, driver sections, entry-key
  limits, description strings) and the CONTROL.INI description cache.
- ``oemsetup``: OEMSETUP.INF on driver install disks (``[disks]``,
  ``[Installable.Drivers]``).
"""

from .ini import IniFile
from .oemsetup import (
    InfDisk,
    InfDriver,
    InfError,
    InfLookupError,
    OemSetup,
    load_oemsetup,
    parse_oemsetup,
    resolve_file,
)
from .system import (
    DEFAULT_DRIVERS,
    ENTRY_LIMITS,
    MCI_DEVICE_TYPES,
    Description,
    DriverEntry,
    DriverLimitError,
    boot_drivers,
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
    system_ini_path,
)

__all__ = [
    "DEFAULT_DRIVERS",
    "ENTRY_LIMITS",
    "MCI_DEVICE_TYPES",
    "Description",
    "DriverEntry",
    "DriverLimitError",
    "IniFile",
    "InfDisk",
    "InfDriver",
    "InfError",
    "InfLookupError",
    "OemSetup",
    "boot_drivers",
    "cache_description",
    "cached_description",
    "control_ini_path",
    "driver_entries",
    "driver_section_name",
    "ensure_system_ini",
    "entry_kind",
    "entry_section",
    "load_oemsetup",
    "next_entry_key",
    "parse_description",
    "parse_oemsetup",
    "resolve_file",
    "system_ini_path",
]
