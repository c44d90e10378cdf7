"""The handle table: handles are never device ids and never reused.

Handles count up from 0x8000 (spec B16: always above any device id and distinct from the
mapper ids), so a stale handle of a closed device is recognised as invalid instead of
silently naming a newer open.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Generic, TypeVar

__all__ = ["HandleTable", "event_object", "kernel_objects"]

T = TypeVar("T")

FIRST_HANDLE = 0x8000

# One counter for every table in the process: a handle names one object, whichever table
# (or System) holds it.
_counter = itertools.count(FIRST_HANDLE)


class HandleTable(Generic[T]):
    """Maps handle integers to the objects they stand for."""

    def __init__(self) -> None:
        self._objects: dict[int, T] = {}
        self._lock = threading.Lock()

    def add(self, obj: T) -> int:
        with self._lock:
            handle = next(_counter) & 0xFFFFFFFF
            self._objects[handle] = obj
            return handle

    def get(self, handle: object) -> T | None:
        if not isinstance(handle, int):
            return None
        return self._objects.get(handle)

    def remove(self, handle: int) -> T | None:
        with self._lock:
            return self._objects.pop(handle, None)

    def items(self) -> list[tuple[int, T]]:
        with self._lock:
            return list(self._objects.items())


# Event handles made by the compatibility layer's CreateEvent: a program passes one as its
# CALLBACK_EVENT target, as a plain int or a HANDLE (c_void_p).
kernel_objects: HandleTable[Any] = HandleTable()


def event_object(target: Any) -> Any | None:
    """What a ``CALLBACK_EVENT`` target names: an object with ``set()`` (a
    ``threading.Event``), given itself or by its handle; None for anything else."""
    if callable(getattr(target, "set", None)):
        return target
    value = getattr(target, "value", target)  # a ctypes HANDLE
    event = kernel_objects.get(value)
    return event if callable(getattr(event, "set", None)) else None
