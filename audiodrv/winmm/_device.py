"""What every device family of winmm shares: ids or handles, caps, open, close, messages.

The wave, MIDI, aux and mixer modules are thin tables over these functions, so each rule
(B13 handle-or-id caps, B14 no handle as an open id, B5 callback checks, B10 open/close
notifications on the caller's thread) is written once.
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass
from typing import Any

from audiodrv.core.devclass import DeviceClass
from audiodrv.core.handles import event_object
from audiodrv.core.notify import synchronous_notifications
from audiodrv.core.system import Device, OpenDevice, get_system
from audiodrv.ddk import OpenDesc, Ref
from audiodrv.mmsystem import (
    CALLBACK_EVENT,
    CALLBACK_FUNCTION,
    CALLBACK_NULL,
    CALLBACK_THREAD,
    CALLBACK_TYPEMASK,
    CALLBACK_WINDOW,
    DRV_QUERYDEVNODE,
    DRV_QUERYDRVENTRY,
    DRV_QUERYMAPPABLE,
    DRVM_MAPPER_PREFERRED_GET,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_INVALHANDLE,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTSUPPORTED,
    copy_error_text,
    get_string,
    set_string,
)
from audiodrv.winmm._args import deref, store, write_text

__all__ = [
    "HeaderRules",
    "check_callback",
    "close_device",
    "copy_fields",
    "device_message",
    "device_of",
    "driver_message",
    "dword_message",
    "get_caps",
    "get_error_text",
    "get_id",
    "handle_message",
    "num_devs",
    "open_device",
    "opened",
    "prepare_header",
    "queue_header",
    "unprepare_header",
]

log = logging.getLogger("audiodrv.winmm")


def num_devs(cls: DeviceClass) -> int:
    return get_system().count(cls)


def opened(handle: object, cls: DeviceClass) -> OpenDevice | None:
    """The open device behind a handle of class ``cls``, or None (-> INVALHANDLE)."""
    return get_system().open_device(handle, cls)


def device_of(cls: DeviceClass, id_or_handle: int) -> Device | None:
    """A device named by a global id or by an open handle of the same class (B13)."""
    system = get_system()
    open_dev = system.open_device(id_or_handle, cls)
    if open_dev is not None:
        return open_dev.device
    if not isinstance(id_or_handle, int) or system.handles.get(id_or_handle) is not None:
        return None  # a handle of another class (B15)
    return system.device(cls, id_or_handle)


def copy_fields(ours: ctypes.Structure, target: Any, size: int) -> None:
    """Copy a structure into another of the same fields by name, A and W strings alike
    (driver-filled W caps into the caller's A or W, ours or theirs), within ``size`` bytes
    of ``target``; nested structures are copied the same way."""
    if type(target) is type(ours):
        ctypes.memmove(ctypes.addressof(target), ctypes.addressof(ours),
                       min(size, ctypes.sizeof(ours)))
        return
    limit = ctypes.sizeof(target) if isinstance(target, ctypes.Structure) else size
    ours_type = type(ours)
    anonymous = getattr(ours_type, "_anonymous_", ())
    for name, ctype in ours_type._fields_:
        if name in anonymous:  # its members are the target's too, by their own names
            copy_fields(getattr(ours, name), target, size)
            continue
        target_field = getattr(type(target), name, None)
        if target_field is None or target_field.offset + target_field.size > min(size, limit):
            continue  # COMPAT: a short size fills only the fields that fit (B24).
        value = getattr(ours, name)
        if issubclass(ctype, ctypes.Array):  # a char array reads as bytes: the type tells
            if not isinstance(ours, ctypes.Union):  # a union's reserved DWORDs: its
                set_string(target, name, get_string(ours, name))  # members carry the values
        elif isinstance(value, (ctypes.Structure, ctypes.Union)):
            inner = getattr(target, name)
            copy_fields(value, inner, ctypes.sizeof(inner))
        else:
            setattr(target, name, 0 if value is None else value)  # a null c_void_p is None


def get_caps(
    cls: DeviceClass, id_or_handle: int, caps: Any, size: int, caps_w: type[ctypes.Structure],
    msg: int, layout: type[ctypes.Structure] | None = None,
) -> int:
    """``xxxGetDevCapsA/W``: the driver fills a W structure, copied to the caller's.

    ``layout`` is what a raw address points at (the A structure for the A function).
    """
    device = device_of(cls, id_or_handle)
    if device is None:
        return MMSYSERR_BADDEVICEID
    target = deref(caps, layout or caps_w)
    if target is None:
        return MMSYSERR_INVALPARAM
    ours = caps_w()
    result = device.message(cls, msg, 0, ours, ctypes.sizeof(ours))
    if result == MMSYSERR_NOERROR:
        copy_fields(ours, target, size)
    return result


def get_error_text(family: str, code: int, text: Any, size: int, wide: bool) -> int:
    """``xxxGetErrorTextA/W`` (B210-B212)."""
    if text is None or (isinstance(text, int) and text == 0):
        return MMSYSERR_INVALPARAM
    result, message = copy_error_text(code, family, size)
    if result == MMSYSERR_NOERROR and size > 0:
        write_text(text, message, wide)
    return result


def get_id(cls: DeviceClass, handle: int, out: Any) -> int:
    """``xxxGetID``: the device id a handle was opened with."""
    open_dev = opened(handle, cls)
    if open_dev is None:
        return MMSYSERR_INVALHANDLE
    if not store(out, open_dev.device_id):
        return MMSYSERR_INVALPARAM
    return MMSYSERR_NOERROR


def handle_message(cls: DeviceClass, handle: int, msg: int, p1: Any = 0, p2: Any = 0) -> int:
    """Send a message to the driver of an open handle; INVALHANDLE for anything else."""
    open_dev = opened(handle, cls)
    if open_dev is None:
        return MMSYSERR_INVALHANDLE
    return open_dev.message(msg, p1, p2)


def device_message(cls: DeviceClass, id_or_handle: int, msg: int, p1: Any = 0,
                   p2: Any = 0) -> int:
    """For calls Windows also takes with a device id in place of a handle (``xxxMessage``,
    volume, B104): a handle's instance, or the device itself with ``dwUser`` None."""
    open_dev = opened(id_or_handle, cls)
    if open_dev is not None:
        return open_dev.message(msg, p1, p2)
    device = device_of(cls, id_or_handle)
    if device is None:
        return MMSYSERR_INVALHANDLE
    return device.message(cls, msg, None, p1, p2)


def dword_message(cls: DeviceClass, id_or_handle: int, msg: int, pointer: Any) -> int:
    """A message whose driver fills a DWORD (a volume, a size), copied to the caller's
    out-parameter; INVALPARAM for a null one, before the driver is asked."""
    if deref(pointer, ctypes.c_uint32) is None:
        return MMSYSERR_INVALPARAM
    value = ctypes.c_uint32()
    result = device_message(cls, id_or_handle, msg, value, 0)
    if result == MMSYSERR_NOERROR:
        store(pointer, value.value)
    return result


def driver_message(cls: DeviceClass, id_or_handle: int, msg: int, p1: Any, p2: Any,
                   refused: tuple[int, ...]) -> int:
    """``midiOutMessage``/``midiInMessage`` (B120, B148).

    A handle's driver gets every message but those in ``refused`` (its open and close: a
    handle is opened and closed only through the open and close functions), which are
    NOTSUPPORTED.  A device id is answered by winmm itself, as Wine's
    ``MMDRV_PhysicalFeatures``: ``DRV_QUERYMAPPABLE`` (2 for a mapper, else 0),
    ``DRVM_MAPPER_PREFERRED_GET`` (no preferred device), ``DRV_QUERYDEVNODE`` (0),
    ``DRV_QUERYDRVENTRY`` (the driver's file name); any other message is INVALPARAM, and
    an id with no device INVALHANDLE.
    """
    open_dev = opened(id_or_handle, cls)
    if open_dev is not None:
        return MMSYSERR_NOTSUPPORTED if msg in refused else open_dev.message(msg, p1, p2)
    device = device_of(cls, id_or_handle)
    if device is None:
        return MMSYSERR_INVALHANDLE
    if msg == DRV_QUERYMAPPABLE:
        return 2 if device.mapper else 0
    if msg == DRVM_MAPPER_PREFERRED_GET:
        stored = store(p1, 0xFFFFFFFF) and store(p2, 0)
        return MMSYSERR_NOERROR if stored else MMSYSERR_INVALPARAM  # B27: a null pointer
    if msg == DRV_QUERYDEVNODE:
        return MMSYSERR_NOERROR if store(p1, 0) else MMSYSERR_INVALPARAM
    if msg == DRV_QUERYDRVENTRY:
        room = (p2 & 0xFFFF) - 1  # LOWORD(p2) characters, the terminating NUL included
        name = device.owner.filename[:max(room, 0)]
        return MMSYSERR_NOERROR if room >= 0 and write_text(p1, name, wide=False) \
            else MMSYSERR_INVALPARAM
    return MMSYSERR_INVALPARAM


def check_callback(dwCallback: Any, fdwOpen: int) -> int:
    """Validate the callback target against its ``CALLBACK_*`` type (B5-B9)."""
    kind = fdwOpen & CALLBACK_TYPEMASK
    if kind == CALLBACK_NULL or not dwCallback:
        return MMSYSERR_NOERROR  # COMPAT: null targets are accepted and never notified.
    if kind == CALLBACK_FUNCTION:
        ok = callable(dwCallback) or isinstance(dwCallback, int)
    elif kind in (CALLBACK_WINDOW, CALLBACK_THREAD):
        ok = callable(getattr(dwCallback, "put", None))
    elif kind == CALLBACK_EVENT:
        ok = event_object(dwCallback) is not None
    else:
        ok = True  # COMPAT: Wine only warns about unknown callback types (B9).
    return MMSYSERR_NOERROR if ok else MMSYSERR_INVALPARAM


def open_device(
    cls: DeviceClass,
    phandle: Any,
    device_id: int,
    open_msg: int,
    dwCallback: Any,
    dwInstance: Any,
    fdwOpen: int,
    *,
    query: bool = False,
    lpFormat: Any = None,
    mapped_id: int = 0,
) -> int:
    """The shared open sequence: validate, allocate a handle, send ``xxDM_OPEN``.

    The driver's ``xxx_OPEN`` notification is delivered after the handle is stored in
    ``*phandle`` and before this returns (B10, B35); a query open allocates nothing.
    """
    if not query and deref(phandle, ctypes.c_size_t) is None:
        return MMSYSERR_INVALPARAM  # B33: a null handle pointer, in any of its forms
    system = get_system()
    if not isinstance(device_id, int) or system.handles.get(device_id) is not None:
        return MMSYSERR_BADDEVICEID  # B14: a handle is not a device id
    device = system.device(cls, device_id)
    if device is None:
        return MMSYSERR_BADDEVICEID
    result = check_callback(dwCallback, fdwOpen)
    if result != MMSYSERR_NOERROR:
        return result
    dn = device.devnode.dn if device.devnode else 0
    with synchronous_notifications():
        if query:
            desc = OpenDesc(0, dwCallback, dwInstance or 0, dn, lpFormat, mapped_id)
            return device.message(cls, open_msg, Ref(), desc, fdwOpen)
        open_dev = OpenDevice(cls, device, device_id & 0xFFFFFFFF)
        handle = system.handles.add(open_dev)
        desc = OpenDesc(handle, dwCallback, dwInstance or 0, dn, lpFormat, mapped_id)
        slot: Ref[Any] = Ref()
        result = device.message(cls, open_msg, slot, desc, fdwOpen)
        if result != MMSYSERR_NOERROR:
            system.handles.remove(handle)
            return result
        open_dev.dwUser = slot.value
        open_dev.state["desc"] = desc
        store(phandle, handle, ctypes.c_size_t)  # handles are pointer-sized
    return MMSYSERR_NOERROR


def close_device(cls: DeviceClass, handle: int, close_msg: int) -> int:
    """Send ``xxDM_CLOSE``; the handle dies only when the driver agreed."""
    open_dev = opened(handle, cls)
    if open_dev is None:
        return MMSYSERR_INVALHANDLE
    with synchronous_notifications():
        result = open_dev.message(close_msg)
        if result == MMSYSERR_NOERROR:
            get_system().handles.remove(handle)
    return result



# -- headers (WAVEHDR, MIDIHDR) --------------------------------------------------------------

DONE, PREPARED = 0x1, 0x2  # the same bits in WAVEHDR and MIDIHDR


@dataclass(frozen=True)
class HeaderRules:
    """How one family's headers differ: type, minimum size, INQUEUE bit, error codes."""

    cls: DeviceClass
    hdr_type: type[ctypes.Structure]
    min_size: int
    inqueue: int
    stillplaying: int
    unprepared: int
    prepare_msg: int
    unprepare_msg: int
    inqueue_first: bool = False  # unprepare refuses INQUEUE even unprepared (wave, B62)
    # Adding a recording buffer checks its length, then INQUEUE, then PREPARED: the order of
    # Wine's MIDI input drivers (midiInAddBuffer, B138); else PREPARED comes first.
    add_length_first: bool = False


def _header(rules: HeaderRules, handle: int, ph: Any, cb: int) -> tuple[int, Any, Any]:
    open_dev = opened(handle, rules.cls)
    if open_dev is None:
        return MMSYSERR_INVALHANDLE, None, None
    hdr = deref(ph, rules.hdr_type)
    if hdr is None or cb < rules.min_size:
        return MMSYSERR_INVALPARAM, None, None
    return MMSYSERR_NOERROR, open_dev, hdr


def prepare_header(rules: HeaderRules, handle: int, ph: Any, cb: int) -> int:
    """``xxxPrepareHeader``: the driver first; winmm itself when it declines (B247)."""
    result, open_dev, hdr = _header(rules, handle, ph, cb)
    if result != MMSYSERR_NOERROR:
        return result
    if hdr.dwFlags & PREPARED:
        return MMSYSERR_NOERROR  # B52/B110: already prepared, no flag changes
    result = open_dev.message(rules.prepare_msg, hdr, cb)
    if result == MMSYSERR_NOTSUPPORTED:
        # B51/B109: "since w2k" DONE and INQUEUE are cleared by the first prepare.
        hdr.dwFlags = (hdr.dwFlags & ~(DONE | rules.inqueue)) | PREPARED
        result = MMSYSERR_NOERROR
    return result


def unprepare_header(rules: HeaderRules, handle: int, ph: Any, cb: int) -> int:
    """``xxxUnprepareHeader``: refused while queued; DONE is kept (B59-B62, B111-B113)."""
    result, open_dev, hdr = _header(rules, handle, ph, cb)
    if result != MMSYSERR_NOERROR:
        return result
    queued = hdr.dwFlags & rules.inqueue
    if queued and rules.inqueue_first:
        return rules.stillplaying  # B62: wave checks INQUEUE before PREPARED
    if not hdr.dwFlags & PREPARED:
        return MMSYSERR_NOERROR  # B61/B113: nothing to undo, flags unchanged
    if queued:
        return rules.stillplaying
    result = open_dev.message(rules.unprepare_msg, hdr, cb)
    if result == MMSYSERR_NOTSUPPORTED:
        hdr.dwFlags &= ~PREPARED
        result = MMSYSERR_NOERROR
    return result


def queue_header(rules: HeaderRules, msg: int, handle: int, ph: Any, cb: int,
                 recording: bool = False) -> int:
    """Write / add a buffer: check the header, mark it queued, hand it to the driver.

    Returns UNPREPARED for an unprepared header (or a null ``lpData``), STILLPLAYING for
    one already queued, INVALPARAM for an empty recording buffer (in the order the rules
    say); a recording buffer starts empty (B85, B137).
    """
    result, open_dev, hdr = _header(rules, handle, ph, cb)
    if result != MMSYSERR_NOERROR:
        return result
    flags = hdr.dwFlags
    data = ctypes.c_void_p.from_buffer(hdr, type(hdr).lpData.offset).value
    checks = [(not flags & PREPARED or not data, rules.unprepared),
              (flags & rules.inqueue, rules.stillplaying),
              (recording and not hdr.dwBufferLength, MMSYSERR_INVALPARAM)]
    if rules.add_length_first:
        checks.reverse()
    for failed, result in checks:
        if failed:
            return result
    if recording:
        hdr.dwBytesRecorded = 0
    hdr.dwFlags = (flags & ~DONE) | rules.inqueue
    result = open_dev.message(msg, hdr, cb)
    if result != MMSYSERR_NOERROR:
        hdr.dwFlags = flags
    return result
