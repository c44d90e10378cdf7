"""What ctypes callers pass, turned into objects: the one place pointer forms are decoded.

Windows took pointers; ctypes programs pass ``byref(x)``, ``pointer(x)``, the instance
itself, or a raw address, and their structure classes may be their own (on Linux
``wintypes.DWORD`` is 8 bytes, so their layout differs from ours).  Everything here reads
and writes by field name on the caller's own object, so what they poll changes.
"""

from __future__ import annotations

import ctypes
from typing import Any, TypeVar

__all__ = ["deref", "store", "write_text"]

S = TypeVar("S", bound=ctypes.Structure)


def deref(arg: Any, default_type: type[S]) -> Any | None:
    """The object a pointer-like argument designates, or None for a null pointer.

    ``byref(x)`` and ``x`` give ``x`` itself; ``pointer(x)`` gives its ``contents`` (same
    memory); an integer address is read as ``default_type`` (Windows layout).
    """
    if arg is None:
        return None
    if isinstance(arg, int):
        return default_type.from_address(arg) if arg else None
    if isinstance(arg, ctypes._Pointer):  # type: ignore[attr-defined]
        return arg.contents if arg else None
    if isinstance(arg, ctypes.c_void_p):
        return default_type.from_address(arg.value) if arg.value else None
    obj = getattr(arg, "_obj", None)  # byref() returns a CArgObject holding the target
    if obj is not None and type(arg).__name__ == "CArgObject":
        return obj
    return arg


def store(out: Any, value: int, ctype: Any = ctypes.c_uint32) -> bool:
    """Write ``value`` through an out-parameter (``LPDWORD``, ``LPUINT``, ``LPHWAVEOUT``...).

    ``ctype`` is the Windows type behind a raw address: a DWORD or UINT by default, pass
    ``c_size_t`` for handles.  Returns False for a null pointer.
    """
    if out is None or (isinstance(out, int) and out == 0):
        return False
    if isinstance(out, int):
        ctype.from_address(out).value = value
        return True
    target = deref(out, ctype)
    if target is None:
        return False
    target.value = value
    return True


def write_text(buf: Any, text: str, wide: bool) -> bool:
    """Write a NUL-terminated string into a caller buffer (A: bytes, W: wide chars).

    ``text`` must already fit; returns False for a null buffer.
    """
    if buf is None or (isinstance(buf, int) and buf == 0):
        return False
    if isinstance(buf, int):
        data = text.encode("utf-16-le" if wide else "cp1252", "replace")
        data += b"\0\0" if wide else b"\0"
        ctypes.memmove(buf, data, len(data))
        return True
    target = deref(buf, ctypes.c_char)  # type: ignore[type-var]
    if wide and isinstance(target, ctypes.Array) and target._type_ is ctypes.c_wchar:
        target.value = text
    elif isinstance(target, ctypes.Array) and target._type_ is ctypes.c_char:
        target.value = text.encode("cp1252", "replace")
    else:
        # A bare pointer or an array of WCHAR-as-c_uint16: write the Windows encoding raw.
        return write_text(ctypes.addressof(target), text, wide)
    return True
