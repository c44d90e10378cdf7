"""Recording test drivers: real driver files, written per test, that log every message.

``write_driver(folder, name, **config)`` writes ``name.py`` into ``folder``: a driver whose
``DriverProc`` and message functions append ``(entry, args...)`` tuples to its module-level
``LOG``.  ``config`` sets the results it gives (see ``DEFAULTS``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "description": "wave:Recording test driver",
    "load": 1,  # DRV_LOAD result
    "open": 0x5150,  # DRV_OPEN result (the dwDriverID)
    "close": 1,  # DRV_CLOSE result
    "raise_on": None,  # a DriverProc message number that raises
    "entry_raise_on": None,  # a message-function message number that raises
    "classes": ["wod"],  # which message functions to export
    "numdevs": {},  # devnode -> device count; {} means legacy: 2 devices on devnode 0
    "devnodes": [],  # devnode keys registered on DRV_ENABLE
}

TEMPLATE = '''
import pathlib
import time

from audiodrv import ddk

CONFIG = {config!r}
DESCRIPTION = CONFIG["description"]
LOG = []
STAMPS = []  # (perf_counter_ns, message): orders messages across drivers
DEVNODES = []


def DriverProc(dwDriverID, hDriver, wMessage, lParam1, lParam2):
    LOG.append(("DriverProc", dwDriverID, wMessage, lParam1, lParam2))
    STAMPS.append((time.perf_counter_ns(), wMessage))
    # A file record outlives the module, which is unloaded with the driver.
    with open(pathlib.Path(__file__).with_suffix(".log"), "a") as f:
        f.write(str(wMessage) + "\\n")
    if wMessage == CONFIG["raise_on"]:
        raise RuntimeError("test driver fault")
    if wMessage == ddk.DRV_LOAD:
        return CONFIG["load"]
    if wMessage == ddk.DRV_OPEN:
        return CONFIG["open"]
    if wMessage == ddk.DRV_CLOSE:
        return CONFIG["close"]
    if wMessage in (ddk.DRV_ENABLE, ddk.DRV_PNPINSTALL):
        for key in CONFIG["devnodes"]:
            dn = ddk.register_devnode(hDriver, key, key)
            if dn not in DEVNODES:
                DEVNODES.append(dn)
    if wMessage >= ddk.DRV_RESERVED:
        return wMessage ^ 0xABCD  # private messages answer something recognisable
    return ddk.DefDriverProc(dwDriverID, hDriver, wMessage, lParam1, lParam2)


def _count(dn):
    numdevs = CONFIG["numdevs"]
    if not numdevs:
        return 2
    key = CONFIG["devnodes"][DEVNODES.index(dn)] if dn in DEVNODES else 0
    return numdevs.get(key, 0)


def _make(entry, getnumdevs, open_msg):
    def message(uDeviceID, uMsg, dwUser, dwParam1, dwParam2):
        LOG.append((entry, uDeviceID, uMsg, dwUser, dwParam1, dwParam2))
        if uMsg == CONFIG["entry_raise_on"]:
            raise RuntimeError("test driver fault")
        if uMsg == getnumdevs:
            return _count(dwParam1)
        if uMsg == open_msg:
            dwUser.value = ("instance", uDeviceID)
            return 0
        return 0
    return message


if "wod" in CONFIG["classes"]:
    wodMessage = _make("wod", ddk.WODM_GETNUMDEVS, ddk.WODM_OPEN)
if "wid" in CONFIG["classes"]:
    widMessage = _make("wid", ddk.WIDM_GETNUMDEVS, ddk.WIDM_OPEN)
if "mid" in CONFIG["classes"]:
    midMessage = _make("mid", ddk.MIDM_GETNUMDEVS, ddk.MIDM_OPEN)
if "mod" in CONFIG["classes"]:
    modMessage = _make("mod", ddk.MODM_GETNUMDEVS, ddk.MODM_OPEN)
if "aux" in CONFIG["classes"]:
    auxMessage = _make("aux", ddk.AUXDM_GETNUMDEVS, None)
'''


def write_driver(folder: Path, name: str, **config: Any) -> Path:
    """Write a recording driver ``name.py`` into ``folder``; returns its path."""
    unknown = set(config) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown driver config {sorted(unknown)}")
    path = folder / f"{name}.py"
    merged = {**DEFAULTS, **config}
    for key in ("raise_on", "entry_raise_on"):
        if merged[key] is not None:
            merged[key] = int(merged[key])  # an IntEnum's repr is not source
    path.write_text(TEMPLATE.format(config=merged))
    return path


def driverproc_messages(path: Path) -> list[int]:
    """Every DriverProc message the driver at ``path`` received, across loads."""
    log = path.with_suffix(".log")
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def write_system_ini(folder: Path, drivers: list[tuple[str, str]], boot: str = "") -> Path:
    """Write a SYSTEM.INI naming ``drivers`` (key, value) in ``[drivers]``."""
    lines = ["[boot]", f"drivers={boot}", "", "[drivers]"]
    lines += [f"{key}={value}" for key, value in drivers]
    path = folder / "SYSTEM.INI"
    path.write_text("\n".join(lines) + "\n")
    return path
