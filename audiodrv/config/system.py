"""SYSTEM.INI and CONTROL.INI: where the installable drivers are named.

SYSTEM.INI::

    [boot]
    drivers=sndpa.drv

    [drivers]
    wave=sndpa.drv device=3
    WaveMapper=wavemap.drv

    [sndpa.drv]
    latency=low

    [mci]
    CDAudio=mcicda.drv

``[boot] drivers=`` lists drivers loaded (``DRV_LOAD``, ``DRV_ENABLE``, no open) at
start-up. ``[drivers]`` holds ``entry=driver_filename options``; drivers load, and get their
device ids, in file order. A driver with much configuration keeps it in a section named after
its file. MCI devices live in ``[mci]``, and a description such as ``VOLTMETER[RCC]:...``
sends its entries to ``[RCC]``.

CONTROL.INI caches what the Drivers control panel shows::

    [drivers.description]
    sndpa.drv=PortAudio wave driver
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ._text import find_case_insensitive
from .ini import IniFile

__all__ = [
    "DEFAULT_DRIVERS",
    "ENTRY_LIMITS",
    "MCI_DEVICE_TYPES",
    "Description",
    "DriverEntry",
    "DriverLimitError",
    "boot_drivers",
    "cache_description",
    "cached_description",
    "control_ini_path",
    "driver_entries",
    "driver_section_name",
    "ensure_system_ini",
    "entry_kind",
    "entry_section",
    "next_entry_key",
    "parse_description",
    "system_ini_path",
]

#: The bundled drivers a new SYSTEM.INI names, as ``(entry key, driver file)`` in load order.
DEFAULT_DRIVERS: list[tuple[str, str]] = [
    ("wave", "sndpa.drv"),
    ("midi", "midirt.drv"),
    ("midi1", "fluidsyn.drv"),
    ("WaveMapper", "wavemap.drv"),
    ("MidiMapper", "midimap.drv"),
]

#: How many entries of one kind SYSTEM.INI can hold: ``wave``, ``wave1``, ... .
ENTRY_LIMITS: dict[str, int] = {
    "wave": 4,  # wave, wave1..wave3 (Windows 3.1)
    "midi": 4,  # midi, midi1..midi3 (Windows 3.1)
    # Windows 3.1 states no limit for aux and mixer; we give them the wave/MIDI limit of 4.
    "aux": 4,
    "mixer": 4,
    "wavemapper": 1,  # one mapper of each class
    "midimapper": 1,
    "mci": 10,  # per MCI device type: cdaudio, cdaudio1..cdaudio9 in [mci]
}

# Kinds Windows states no limit for (a DESCRIPTION's own type, such as VOLTMETER): the
# loosest Windows limit.
_OTHER_LIMIT = 10

#: MCI device type names (MCI_DEVTYPE_* and the usual extras); their entries live in [mci].
MCI_DEVICE_TYPES: frozenset[str] = frozenset(
    {
        "animation",
        "avivideo",
        "cdaudio",
        "dat",
        "digitalvideo",
        "mpegvideo",
        "other",
        "overlay",
        "scanner",
        "sequencer",
        "vcr",
        "videodisc",
        "waveaudio",
    }
)

_DEVICE_CLASSES = ("wave", "midi", "aux", "mixer")
_MAPPERS = {"wavemapper": "WaveMapper", "midimapper": "MidiMapper"}
_DESCRIPTION_SECTION = "drivers.description"
_HEADER = """\
; SYSTEM.INI for audiodrv, the Windows 3.1 multimedia driver model.
; [drivers] names the installable drivers (entry=driver_file options), loaded in this order;
; [boot] drivers= lists drivers loaded at start-up. `audiodrv drivers` edits this file.
"""


class DriverLimitError(ValueError):
    """SYSTEM.INI already holds as many entries of a kind as Windows allows."""


# -- where the files are -------------------------------------------------------------------


def system_ini_path() -> Path:
    """The SYSTEM.INI in use.

    ``$AUDIODRV_SYSTEM_INI`` when set, else ``$XDG_CONFIG_HOME/audiodrv/SYSTEM.INI``
    (``~/.config/audiodrv/SYSTEM.INI`` when ``XDG_CONFIG_HOME`` is unset, empty or relative,
    as the XDG base directory specification says).
    """
    explicit = os.environ.get("AUDIODRV_SYSTEM_INI")
    if explicit:
        return Path(explicit).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(config) if os.path.isabs(config) else Path.home() / ".config"
    return base / "audiodrv" / "SYSTEM.INI"


def control_ini_path(system_ini: str | os.PathLike[str]) -> Path:
    """The CONTROL.INI beside `system_ini`.

    An existing file whose name differs only in case (``control.ini``) is used, as Windows
    file names are case-insensitive; otherwise ``CONTROL.INI``.
    """
    return find_case_insensitive(Path(system_ini).parent, "CONTROL.INI")


def ensure_system_ini(path: str | os.PathLike[str] | None = None) -> IniFile:
    """Load SYSTEM.INI, first creating it with the bundled drivers if it does not exist.

    Parameters
    ----------
    path : path-like, optional
        Defaults to `system_ini_path`. Its folder is created when missing. An existing file
        is never rewritten.
    """
    target = system_ini_path() if path is None else Path(path)
    if not target.exists():
        drivers = "".join(f"{key}={filename}\n" for key, filename in DEFAULT_DRIVERS)
        text = f"{_HEADER}\n[boot]\ndrivers=\n\n[drivers]\n{drivers}"
        target.parent.mkdir(parents=True, exist_ok=True)
        IniFile.parse(text).save(target)
    return IniFile.load(target)


# -- [drivers] and [boot] ------------------------------------------------------------------


@dataclass(frozen=True)
class DriverEntry:
    """One ``key=filename options`` line of ``[drivers]`` (or ``[mci]``, ...).

    Attributes
    ----------
    key : str
        The entry key as spelled in the file (``wave``, ``Wave1``, ``WaveMapper``).
    filename : str
        The driver file (``sndpa.drv``).
    options : str
        The text after the file name's first whitespace (``""`` if none), passed to the
        driver at ``DRV_OPEN``.
    kind : str
        The device type the key stands for; see `entry_kind`.
    """

    key: str
    filename: str
    options: str
    kind: str

    @property
    def value(self) -> str:
        """The entry's value: the file name and its options."""
        return f"{self.filename} {self.options}".strip()


def entry_kind(key: str) -> str:
    """The device type of a SYSTEM.INI entry key.

    ``wave``, ``wave1``..  -> ``"wave"``; likewise ``midi``, ``aux``, ``mixer``;
    ``WaveMapper`` -> ``"wavemapper"``, ``MidiMapper`` -> ``"midimapper"``; MCI device
    types (``CDAudio``, ``WaveAudio1``, ...) -> ``"mci"``; anything else: the lower-cased
    key without trailing digits.
    """
    base = key.casefold().rstrip("0123456789")
    if base in MCI_DEVICE_TYPES:
        return "mci"
    return base


def driver_entries(ini: IniFile, section: str = "drivers") -> list[DriverEntry]:
    """The driver entries of `section` in file order (the order drivers load in).

    An entry with an empty value names no driver and is left out, as Windows loads
    nothing for it.
    """
    entries = []
    for key, value in ini.items(section):
        parts = value.split(None, 1)
        if not parts:
            continue
        options = parts[1].strip() if len(parts) > 1 else ""
        entries.append(DriverEntry(key, parts[0], options, entry_kind(key)))
    return entries


def boot_drivers(ini: IniFile) -> list[str]:
    """The driver files of ``[boot] drivers=``: space-separated, as in Windows 3.1."""
    return (ini.get("boot", "drivers") or "").split()


def next_entry_key(ini: IniFile, kind: str, section: str | None = None) -> str:
    """The first free entry key for a new driver of `kind`.

    ``"wave"`` gives ``wave``, then ``wave1``, ... up to the limit in `ENTRY_LIMITS`; an
    MCI device type (``cdaudio``) gives keys in ``[mci]``; a mapper kind allows one entry.
    An entry with an empty value counts as free.

    Parameters
    ----------
    kind : str
        A device type: ``wave``, ``midi``, ``aux``, ``mixer``, ``WaveMapper``,
        ``MidiMapper``, an MCI device type, or a driver's own type.
    section : str, optional
        Where the entries live; defaults to `entry_section` of `kind`.

    Raises
    ------
    DriverLimitError
        If every key is taken.
    """
    folded = kind.casefold()
    if folded in _MAPPERS:
        base, limit = _MAPPERS[folded], ENTRY_LIMITS[folded]
    elif folded in _DEVICE_CLASSES:
        base, limit = folded, ENTRY_LIMITS[folded]
    elif folded in MCI_DEVICE_TYPES:
        base, limit = kind, ENTRY_LIMITS["mci"]
    else:
        base, limit = kind, _OTHER_LIMIT
    if section is None:
        section = entry_section(kind)
    candidates = [base] + [f"{base}{n}" for n in range(1, limit)]
    taken = {entry.key.casefold(): entry.key for entry in driver_entries(ini, section)}
    for candidate in candidates:
        if candidate.casefold() not in taken:
            return candidate
    keys = ", ".join(taken[c.casefold()] for c in candidates)
    where = "" if section.casefold() == "drivers" else f" in [{section}]"
    if limit == 1:
        raise DriverLimitError(
            f"SYSTEM.INI already has a {base} driver ({keys}){where}; remove it first"
        )
    raise DriverLimitError(
        f"SYSTEM.INI already has {limit} {base} drivers ({keys}){where}; remove one first"
    )


# -- description strings -------------------------------------------------------------------


@dataclass(frozen=True)
class Description:
    """A parsed driver description (the .DEF ``DESCRIPTION`` line), ``"types:text"``.

    Attributes
    ----------
    types : list of (str, str or None)
        Each device type the driver provides, as spelled, with the section its entry goes
        into when the description names one (``VOLTMETER[RCC]``), else None.
    text : str
        The human-readable description.
    """

    types: list[tuple[str, str | None]]
    text: str

    def __str__(self) -> str:
        types = ",".join(t if s is None else f"{t}[{s}]" for t, s in self.types)
        return f"{types}:{self.text}"


_TYPE = re.compile(r"([^\[\]]+?)\s*(?:\[\s*([^\[\]]*?)\s*\])?")


def parse_description(s: str) -> Description:
    """Parse ``"wave,aux,mixer:Sound Blaster"`` or ``"VOLTMETER[RCC]:Volt meter"``.

    Raises
    ------
    ValueError
        If there is no ``:``, no type, an empty type, or a malformed ``[section]``.
    """
    head, colon, text = s.partition(":")
    if not colon:
        raise ValueError(
            f"driver description {s!r} has no ':' between the device types and the text "
            "(expected e.g. 'wave,midi:My driver')"
        )
    if not head.strip():
        raise ValueError(f"driver description {s!r} names no device type before ':'")
    types: list[tuple[str, str | None]] = []
    for number, item in enumerate(head.split(","), 1):
        item = item.strip()
        if not item:
            raise ValueError(f"driver description {s!r}: device type {number} is empty")
        match = _TYPE.fullmatch(item)
        if match is None or match.group(2) == "":
            raise ValueError(
                f"driver description {s!r}: device type {item!r} is neither 'type' nor "
                "'type[section]'"
            )
        types.append((match.group(1), match.group(2)))
    return Description(types, text.strip())


def entry_section(type_: str, section: str | None = None) -> str:
    """The SYSTEM.INI section a driver entry of `type_` goes into.

    `section` (from ``TYPE[section]`` in a description) when given; ``"mci"`` for an MCI
    device type, as Windows 3.1 kept those in ``[mci]``; else ``"drivers"``.
    """
    if section:
        return section
    if type_.casefold().rstrip("0123456789") in MCI_DEVICE_TYPES:
        return "mci"
    return "drivers"


def driver_section_name(filename: str) -> str:
    """The section a driver keeps its own configuration in: its file name (``[sndpa.drv]``).

    A directory part, in either slash style, is dropped.
    """
    return re.split(r"[\\/]", filename.strip())[-1]


# -- CONTROL.INI ---------------------------------------------------------------------------


def cached_description(control_ini: IniFile, filename: str) -> str | None:
    """The description CONTROL.INI ``[drivers.description]`` caches for `filename`, or None."""
    return control_ini.get(_DESCRIPTION_SECTION, driver_section_name(filename)) or None


def cache_description(control_ini: IniFile, filename: str, text: str) -> None:
    """Cache `text` as the description of `filename` (the caller saves the file)."""
    control_ini.set(_DESCRIPTION_SECTION, driver_section_name(filename), text)
