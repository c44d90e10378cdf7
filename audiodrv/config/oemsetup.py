"""OEMSETUP.INF: the file on a Windows 3.1 driver disk that says what it installs.

::

    [disks]
    1 = ., "Sound Blaster Driver Disk", disk1
    2 = extra, "Sound Blaster Extras", disk2

    [Installable.Drivers]
    ; key = disk:file, "types", "description", "vxds", "params"
    sndblst = 1:sndblst.drv, "wave,midi", "Creative Labs Sound Blaster 1.5", "2:vsbd.386", ""

Fields are separated by commas outside double quotes; ``""`` inside quotes is one quote;
``;`` outside quotes starts a comment. Only ``[disks]`` and ``[Installable.Drivers]`` are
read; other sections are ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ._text import decode, find_case_insensitive

__all__ = [
    "InfDisk",
    "InfDriver",
    "InfError",
    "InfLookupError",
    "OemSetup",
    "load_oemsetup",
    "parse_oemsetup",
    "resolve_file",
]


class InfError(ValueError):
    """A malformed OEMSETUP.INF line.

    Attributes
    ----------
    path : str or None
        The file, when known.
    lineno : int
        The 1-based line number.
    line : str
        The line as written.
    """

    def __init__(self, problem: str, lineno: int, line: str, path: str | None = None) -> None:
        self.path = path
        self.lineno = lineno
        self.line = line
        where = f"{path}, line {lineno}" if path else f"line {lineno}"
        super().__init__(f"{where}: {problem}: {line.strip()!r}")


class InfLookupError(KeyError):
    """No driver in an OEMSETUP.INF has the key or description asked for."""

    def __str__(self) -> str:
        # KeyError's own str() is the repr of its argument: quotes and escapes in a message.
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class InfDisk:
    """A ``[disks]`` entry: ``number = path, "label", name``.

    Attributes
    ----------
    number : str
        The disk's key, as drivers refer to it (``"1"``).
    path : str
        Where the disk's files are, relative to the INF's folder (``"."``: that folder).
    label : str
        The label shown when asking for the disk.
    name : str
        The disk's short name (``disk1``).
    """

    number: str
    path: str
    label: str
    name: str


@dataclass(frozen=True)
class InfDriver:
    """An ``[Installable.Drivers]`` entry.

    Attributes
    ----------
    key : str
        The entry's key (``sndblst``).
    disk : InfDisk
        The disk the driver file is on.
    filename : str
        The driver file on that disk (``sndblst.drv``).
    types : list of str
        The device types it provides (``["wave", "midi"]``).
    description : str
        The text shown in the control panel.
    vxds : list of str
        Virtual device drivers it needs (``["2:vsbd.386"]``), as written.
    params : str
        Default parameters.
    """

    key: str
    disk: InfDisk
    filename: str
    types: list[str]
    description: str
    vxds: list[str]
    params: str


@dataclass
class OemSetup:
    """A parsed OEMSETUP.INF.

    Attributes
    ----------
    disks : dict of str to InfDisk
        ``[disks]`` by disk number.
    drivers : list of InfDriver
        ``[Installable.Drivers]`` in file order.
    path : Path or None
        The file it was loaded from.
    """

    disks: dict[str, InfDisk] = field(default_factory=dict)
    drivers: list[InfDriver] = field(default_factory=list)
    path: Path | None = None

    def find(self, key_or_description: str) -> InfDriver:
        """The driver with this key, else with this description (both case-insensitive).

        Raises
        ------
        InfLookupError
            A `KeyError`, if none matches; the message lists the available keys.
        """
        wanted = key_or_description.casefold()
        for attribute in ("key", "description"):
            for driver in self.drivers:
                if getattr(driver, attribute).casefold() == wanted:
                    return driver
        available = ", ".join(f"{d.key} ({d.description})" for d in self.drivers) or "none"
        source = self.path or "OEMSETUP.INF"
        raise InfLookupError(
            f"no driver {key_or_description!r} in {source}; available: {available}"
        )


class _Problem(Exception):
    """A malformed line; the caller adds where it is."""


def _finish(chars: list[tuple[str, bool]]) -> str:
    """Join a field's characters, dropping unquoted whitespace at either end."""
    start, end = 0, len(chars)
    while start < end and not chars[start][1] and chars[start][0].isspace():
        start += 1
    while end > start and not chars[end - 1][1] and chars[end - 1][0].isspace():
        end -= 1
    return "".join(c for c, _ in chars[start:end])


def _split(line: str) -> tuple[str | None, list[str]]:
    """Split one line into its key (None without ``=``) and its comma-separated fields."""
    key: str | None = None
    fields: list[str] = []
    current: list[tuple[str, bool]] = []  # (character, was quoted)
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == '"':
            i += 1
            while True:
                if i >= n:
                    raise _Problem("unterminated quote")
                if line[i] == '"':
                    if line[i + 1 : i + 2] != '"':
                        break
                    i += 1  # "" inside quotes is one quote
                current.append((line[i], True))
                i += 1
        elif c == ";":
            break
        elif c == "=" and key is None:
            key, current = _finish(current), []
        elif c == "," and key is not None:
            fields.append(_finish(current))
            current = []
        else:
            current.append((c, False))
        i += 1
    if key is None:
        return None, [_finish(current)]
    fields.append(_finish(current))
    return key, fields


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


_SECTION = re.compile(r"\s*\[([^\]]*)\]")
# Not str.splitlines(): that also splits on form feeds and other separators.
_EOL = re.compile(r"\r\n|\n|\r")


def parse_oemsetup(text: str, path: str | os.PathLike[str] | None = None) -> OemSetup:
    """Parse the text of an OEMSETUP.INF.

    Parameters
    ----------
    path : path-like, optional
        The file the text came from, named in error messages.

    Raises
    ------
    InfError
        For a line without ``=``, a driver without ``disk:file``, an unterminated quote, a
        driver or VxD on a disk ``[disks]`` does not define, or a disk defined twice.
    """
    source = None if path is None else os.fspath(path)
    setup = OemSetup(path=None if path is None else Path(path))
    # (line number, line, key, disk number, file, fields), resolved once all disks are known.
    pending: list[tuple[int, str, str, str, str, list[str]]] = []
    section = ""
    # A UTF-8 byte order mark would hide the first section header.
    for lineno, line in enumerate(_EOL.split(text.removeprefix("\ufeff")), 1):
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip().casefold()
            continue
        if section not in ("disks", "installable.drivers"):
            continue
        try:
            key, fields = _split(line)
            if key is None:
                if not fields[0]:
                    continue  # blank or comment
                raise _Problem("expected 'key = value'")
            if not key:
                raise _Problem("nothing before '='")
            if section == "disks":
                if key.casefold() in (k.casefold() for k in setup.disks):
                    raise _Problem(f"disk {key} is defined twice")
                disk_path, label, name = (fields + ["", ""])[:3]
                setup.disks[key] = InfDisk(key, disk_path, label, name)
                continue
            disk, colon, filename = fields[0].partition(":")
            if not colon or not disk.strip() or not filename.strip():
                raise _Problem("expected 'disk:file' as the first field")
            pending.append((lineno, line, key, disk.strip(), filename.strip(), fields[1:]))
        except _Problem as problem:
            raise InfError(str(problem), lineno, line, source) from None

    disks = {number.casefold(): disk for number, disk in setup.disks.items()}
    for lineno, line, key, number, filename, rest in pending:
        types, description, vxds, params = (rest + ["", "", "", ""])[:4]
        vxd_list = _items(vxds)
        # A VxD is either built in (no disk, e.g. "*vdmad") or "disk:file".
        for reference in [number] + [v.partition(":")[0].strip() for v in vxd_list if ":" in v]:
            if reference.casefold() not in disks:
                defined = ", ".join(setup.disks) or "none"
                raise InfError(
                    f"disk {reference} is not in [disks] (defined: {defined})",
                    lineno,
                    line,
                    source,
                )
        setup.drivers.append(
            InfDriver(
                key=key,
                disk=disks[number.casefold()],
                filename=filename,
                types=_items(types),
                description=description,
                vxds=vxd_list,
                params=params,
            )
        )
    return setup


def load_oemsetup(path: str | os.PathLike[str]) -> OemSetup:
    """Read and parse an OEMSETUP.INF (UTF-8, or cp1252 as Windows-era disks have)."""
    text, _ = decode(Path(path).read_bytes())
    return parse_oemsetup(text, path)


def resolve_file(inf_path: str | os.PathLike[str], driver: InfDriver) -> Path:
    """The path of `driver`'s file, for the INF at `inf_path`.

    The INF's folder stands for the root of the install disk: the disk's path is taken
    relative to it (``"."`` or ``""`` is the folder itself), and Windows spellings
    (``\\drivers``, ``A:\\``) are read the same way. Each name is matched
    case-insensitively, since the INF may say ``SNDBLST.DRV`` for ``sndblst.drv``.
    """
    folder = Path(inf_path).parent

    def relative(name: str) -> str:
        name = re.sub(r"^[A-Za-z]:", "", name.strip().replace("\\", "/"))
        return name.lstrip("/")

    disk = relative(driver.disk.path)
    filename = relative(driver.filename)
    return find_case_insensitive(folder, f"{disk}/{filename}" if disk else filename)
