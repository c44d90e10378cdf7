"""Unmodified ``ctypes.windll.winmm`` programs, on any system (DESIGN.md).

:func:`install` gives the ``ctypes`` module what it has only on Windows: ``windll`` and
``WinDLL``, whose ``winmm`` is :mod:`audiodrv.winmm` and whose ``kernel32`` is
:mod:`audiodrv.compat.kernel32`, and ``WINFUNCTYPE`` (``CFUNCTYPE``: x64 has one calling
convention).  ``audiodrv run script.py`` installs it and runs the script as ``python``
would.  Structures from ``ctypes.wintypes`` work as they are: audiodrv reads and writes the
caller's structures by field name, whatever their layout.
"""

from __future__ import annotations

import ctypes
import runpy
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import audiodrv.winmm
from audiodrv.compat import kernel32

__all__ = ["WinDLL", "install", "run_script"]

_LIBRARIES: dict[str, ModuleType] = {"winmm": audiodrv.winmm, "kernel32": kernel32}
_NATIVE = getattr(ctypes, "WinDLL", None)  # Windows' own, for the libraries not ours


def _library(name: str) -> ModuleType | None:
    return _LIBRARIES.get(Path(str(name).replace("\\", "/")).name.lower().removesuffix(".dll"))


class _Function:
    """An exported function, called as ctypes calls a foreign one.  ``restype`` converts
    the result as ctypes does (the default ``c_int`` makes a DWORD of 0xFFFFFFFF -1, a
    ``HANDLE`` of 0 None) and ``errcheck`` sees it; ``argtypes`` may be set but is not
    needed: audiodrv takes whatever ctypes code passes."""

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.__name__ = name
        self._fn = fn
        self.argtypes: Sequence[Any] | None = None
        self.restype: Any = ctypes.c_int
        self.errcheck: Callable[..., Any] | None = None

    def __call__(self, *args: Any) -> Any:
        result = self._fn(*(_by_value(a) for a in args))
        restype = self.restype
        if restype is None:
            result = None
        elif isinstance(restype, type) and issubclass(restype, ctypes._SimpleCData):
            # A fundamental type gives a Python value, a subclass of one an instance.
            fundamental = restype.__bases__[0] is ctypes._SimpleCData
            result = restype(result).value if fundamental else restype(result)
        elif callable(restype):
            result = restype(result)  # the deprecated callable restype gets the int
        if self.errcheck is not None:
            return self.errcheck(result, self, args)
        return result

    def __repr__(self) -> str:
        return f"<audiodrv function {self.__name__}>"


def _by_value(arg: Any) -> Any:
    """A simple instance (a HANDLE, a DWORD) goes by value, as ctypes passes it; a null
    handle is 0, as the number it is."""
    if not isinstance(arg, ctypes._SimpleCData):
        return arg
    return 0 if arg.value is None and isinstance(arg, ctypes.c_void_p) else arg.value


class WinDLL:
    """``ctypes.WinDLL`` for ``winmm`` and ``kernel32`` (any case, with or without
    ``.dll`` or a folder).  On Windows any other library loads natively, and so does a
    function of these two that audiodrv does not provide (``GetStdHandle``...)."""

    def __new__(cls, name: str, *args: Any, **kwargs: Any) -> Any:
        if _library(name) is None:
            if _NATIVE is not None:
                return _NATIVE(name, *args, **kwargs)
            raise FileNotFoundError(
                f"Could not find module '{name}': audiodrv provides winmm and kernel32 only")
        return super().__new__(cls)

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self._name = name
        self._module = _library(name)

    def __getattr__(self, name: str) -> _Function:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name not in self._module.__all__:
            if _NATIVE is None:
                raise AttributeError(f"function '{name}' not found")
            return getattr(_NATIVE(self._name), name)
        function = _Function(name, getattr(self._module, name))
        setattr(self, name, function)  # one object per name, as ctypes keeps it
        return function

    def __getitem__(self, name: str) -> _Function:
        return getattr(self, name)

    def __repr__(self) -> str:
        return f"<audiodrv WinDLL '{self._name}'>"


def install() -> None:
    """Make ``ctypes.windll.winmm`` and friends audiodrv's; idempotent."""
    ctypes.WinDLL = WinDLL  # type: ignore[attr-defined, misc]
    ctypes.windll = ctypes.LibraryLoader(WinDLL)  # type: ignore[attr-defined, arg-type]
    if not hasattr(ctypes, "WINFUNCTYPE"):
        ctypes.WINFUNCTYPE = ctypes.CFUNCTYPE  # type: ignore[attr-defined]


def run_script(path: str, args: Sequence[str]) -> None:
    """Run a Python program as ``python path args...`` would, with :func:`install` done."""
    install()
    sys.argv = [path, *args]
    sys.path.insert(0, str(Path(path).resolve().parent))
    runpy.run_path(path, run_name="__main__")
