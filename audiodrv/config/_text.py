"""Helpers shared by the config modules: decoding old files, case-insensitive file names."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


def decode(data: bytes) -> tuple[str, str]:
    """Decode a configuration file; return ``(text, encoding)``.

    UTF-8 first; files written by Windows-era tools are usually cp1252. Five bytes are
    undefined in Python's cp1252, so latin-1 is the last resort: it never fails, and it
    maps every byte back to itself on save.
    """
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "latin-1"


def find_case_insensitive(folder: Path, relative: str) -> Path:
    """Resolve `relative` under `folder`, matching each component case-insensitively.

    Windows file names are case-insensitive, so an INF that says ``SNDBLST.DRV`` names the
    file ``sndblst.drv``. An exact match wins; when no component matches, the path is
    returned as spelled so the caller's error message names what was asked for.
    """
    path = folder
    for part in PurePosixPath(relative).parts:
        candidate = path / part
        if not candidate.exists() and path.is_dir():
            folded = part.casefold()
            # sorted(): if two names differ only in case, always pick the same one.
            for entry in sorted(path.iterdir()):
                if entry.name.casefold() == folded:
                    candidate = entry
                    break
        path = candidate
    return path
