"""mixer*: the mixer family of winmm (spec 2.7).

A mixer object is named by a mixer id or handle, or by a wave device (id or handle) whose
mixer is meant, as the ``MIXER_OBJECTF_*`` bits of the flags say (B197).  A driver gets
the Windows structures in their W form with winmm's own memory behind them (the control
array, the value cells), and what it fills is copied to the caller's A or W structures,
ours or theirs, field by field.
"""

from __future__ import annotations

import ctypes
from typing import Any

from audiodrv.core.devclass import DeviceClass
from audiodrv.core.system import Device, OpenDevice, get_system
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    CALLBACK_TYPEMASK,
    MIXER_GETCONTROLDETAILSF_LISTTEXT,
    MIXER_GETCONTROLDETAILSF_QUERYMASK,
    MIXER_GETLINECONTROLSF_ONEBYTYPE,
    MIXER_GETLINECONTROLSF_QUERYMASK,
    MIXER_GETLINEINFOF_QUERYMASK,
    MIXER_GETLINEINFOF_TARGETTYPE,
    MIXER_OBJECTF_HANDLE,
    MIXER_OBJECTF_HMIDIIN,
    MIXER_OBJECTF_HMIDIOUT,
    MIXER_OBJECTF_HMIXER,
    MIXER_OBJECTF_HWAVEIN,
    MIXER_OBJECTF_HWAVEOUT,
    MIXER_OBJECTF_MIXER,
    MIXER_OBJECTF_WAVEIN,
    MIXER_OBJECTF_WAVEOUT,
    MIXER_SETCONTROLDETAILSF_CUSTOM,
    MIXER_SETCONTROLDETAILSF_QUERYMASK,
    MIXERCAPSA,
    MIXERCAPSW,
    MIXERCONTROLA,
    MIXERCONTROLDETAILS,
    MIXERCONTROLDETAILS_LISTTEXTA,
    MIXERCONTROLDETAILS_LISTTEXTW,
    MIXERCONTROLW,
    MIXERLINEA,
    MIXERLINECONTROLSA,
    MIXERLINECONTROLSW,
    MIXERLINEW,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_INVALFLAG,
    MMSYSERR_INVALHANDLE,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MXDM_CLOSE,
    MXDM_GETCONTROLDETAILS,
    MXDM_GETDEVCAPS,
    MXDM_GETLINECONTROLS,
    MXDM_GETLINEINFO,
    MXDM_OPEN,
    MXDM_SETCONTROLDETAILS,
)
from audiodrv.winmm._args import deref, store
from audiodrv.winmm._device import (
    close_device,
    copy_fields,
    device_message,
    get_caps,
    num_devs,
    open_device,
    opened,
)

__all__ = [
    "mixerClose", "mixerGetControlDetailsA", "mixerGetControlDetailsW", "mixerGetDevCapsA",
    "mixerGetDevCapsW", "mixerGetID", "mixerGetLineControlsA", "mixerGetLineControlsW",
    "mixerGetLineInfoA", "mixerGetLineInfoW", "mixerGetNumDevs", "mixerMessage", "mixerOpen",
    "mixerSetControlDetails",
]  # fmt: skip

MIX = DeviceClass.MIXER
_OBJECT_MASK = 0xF0000000
_WAVE_OBJECTS = {MIXER_OBJECTF_WAVEOUT: DeviceClass.WAVEOUT,
                 MIXER_OBJECTF_HWAVEOUT: DeviceClass.WAVEOUT,
                 MIXER_OBJECTF_WAVEIN: DeviceClass.WAVEIN,
                 MIXER_OBJECTF_HWAVEIN: DeviceClass.WAVEIN}
# Objects with no mixer of their own here: valid types that resolve to nothing (B197).
_OTHER_OBJECTS = {0x30000000, MIXER_OBJECTF_HMIDIOUT, 0x40000000, MIXER_OBJECTF_HMIDIIN,
                  0x50000000}
_MOST_CELLS = 1024  # values in one details request: far more than any control has


def _on_devnode(cls: DeviceClass, device: Device) -> list[int]:
    """The global ids of a class's devices on ``device``'s devnode, of its driver."""
    system = get_system()
    return [i for i in range(system.count(cls))
            if (d := system.device(cls, i)) is not None and d.owner is device.owner
            and d.devnode is device.devnode]


def _mixer_of_wave(cls: DeviceClass, device: Device) -> int | None:
    """The mixer id of a wave device: a driver numbers a devnode's mixers as its wave
    outputs, then its inputs (one per device, as Wine's line model has it)."""
    siblings = [get_system().device(cls, i) for i in _on_devnode(cls, device)]
    position = siblings.index(device)
    if cls is DeviceClass.WAVEIN:
        position += len(_on_devnode(DeviceClass.WAVEOUT, device))
    mixers = _on_devnode(MIX, device)
    return mixers[position] if position < len(mixers) else None


def _resolve(obj: Any, flags: int) -> tuple[int, int, OpenDevice | None]:
    """(result, mixer id, open mixer) for an object named under ``flags`` (B197)."""
    system = get_system()
    kind = flags & _OBJECT_MASK
    obj = getattr(obj, "value", obj)  # an HMIXER object
    if kind in (MIXER_OBJECTF_MIXER, MIXER_OBJECTF_HMIXER):
        open_dev = opened(obj, MIX)
        if open_dev is not None:
            return MMSYSERR_NOERROR, open_dev.device_id, open_dev
        if kind == MIXER_OBJECTF_MIXER and isinstance(obj, int) and \
                system.handles.get(obj) is None and system.device(MIX, obj) is not None:
            return MMSYSERR_NOERROR, obj, None
        return MMSYSERR_INVALHANDLE, 0, None
    cls = _WAVE_OBJECTS.get(kind)
    if cls is None:
        return (MMSYSERR_INVALHANDLE if kind in _OTHER_OBJECTS else MMSYSERR_INVALFLAG), 0, None
    if kind & MIXER_OBJECTF_HANDLE:
        wave = opened(obj, cls)
        device = None if wave is None else wave.device
    else:
        bad_id = not isinstance(obj, int) or system.handles.get(obj) is not None
        device = None if bad_id else system.device(cls, obj)
    mixer = None if device is None or device.mapper else _mixer_of_wave(cls, device)
    return (MMSYSERR_INVALHANDLE, 0, None) if mixer is None else (MMSYSERR_NOERROR, mixer, None)


def _send(obj: Any, flags: int, msg: int, p1: Any, p2: int) -> int:
    """Resolve the object, then send: through its handle when it is an open mixer."""
    result, mixer_id, open_dev = _resolve(obj, flags)
    if result != MMSYSERR_NOERROR:
        return result
    if open_dev is not None:
        return open_dev.message(msg, p1, p2)
    device = get_system().device(MIX, mixer_id)
    assert device is not None
    return device.message(MIX, msg, None, p1, p2)


# -- devices and handles ------------------------------------------------------------------


def mixerGetNumDevs() -> int:
    return num_devs(MIX)


def mixerGetDevCapsW(uMxId: Any, pmxcaps: Any, cbmxcaps: int) -> int:
    """Capabilities of a mixer id or handle. NOERROR, BADDEVICEID, INVALPARAM (B181)."""
    return get_caps(MIX, getattr(uMxId, "value", uMxId), pmxcaps, cbmxcaps, MIXERCAPSW,
                    MXDM_GETDEVCAPS)


def mixerGetDevCapsA(uMxId: Any, pmxcaps: Any, cbmxcaps: int) -> int:
    return get_caps(MIX, getattr(uMxId, "value", uMxId), pmxcaps, cbmxcaps, MIXERCAPSW,
                    MXDM_GETDEVCAPS, MIXERCAPSA)


def mixerOpen(phmx: Any, uMxId: Any, dwCallback: Any = 0, dwInstance: Any = 0,
              fdwOpen: int = 0) -> int:
    """Open a mixer (or the mixer of the wave object ``fdwOpen`` names). Callbacks are
    windows, threads or events, for ``MM_MIXM_CONTROL_CHANGE``; a function is refused with
    INVALFLAG (B183). NOERROR, BADDEVICEID, INVALPARAM, INVALFLAG, INVALHANDLE."""
    if fdwOpen & CALLBACK_TYPEMASK == CALLBACK_FUNCTION:
        return MMSYSERR_INVALFLAG
    mixer_id = getattr(uMxId, "value", uMxId)
    kind = fdwOpen & _OBJECT_MASK
    if kind not in (MIXER_OBJECTF_MIXER, MIXER_OBJECTF_HMIXER):
        result, mixer_id, _open = _resolve(mixer_id, fdwOpen)
        if result != MMSYSERR_NOERROR:
            return result
    elif not isinstance(mixer_id, int):
        return MMSYSERR_BADDEVICEID
    return open_device(MIX, phmx, mixer_id, MXDM_OPEN, dwCallback, dwInstance,
                       fdwOpen & ~_OBJECT_MASK)


def mixerClose(hmx: Any) -> int:
    return close_device(MIX, getattr(hmx, "value", hmx), MXDM_CLOSE)


def mixerGetID(hmxobj: Any, puMxId: Any, fdwId: int) -> int:
    """The mixer id of a mixer, or of a wave device's mixer (B197). NOERROR, INVALPARAM,
    INVALHANDLE, INVALFLAG."""
    if deref(puMxId, ctypes.c_uint32) is None:
        return MMSYSERR_INVALPARAM
    result, mixer_id, _open = _resolve(hmxobj, fdwId)
    if result == MMSYSERR_NOERROR:
        store(puMxId, mixer_id)
    return result


def mixerMessage(hmx: Any, uMsg: int, dwParam1: Any, dwParam2: Any) -> int:
    """A message for the mixer's driver, passed as it is (driver-based winmm, B198)."""
    return device_message(MIX, getattr(hmx, "value", hmx), uMsg, dwParam1, dwParam2)


# -- lines ----------------------------------------------------------------------------------


def _line_info(hmxobj: Any, pmxl: Any, fdwInfo: int, layout: type[ctypes.Structure]) -> int:
    line = deref(pmxl, layout)
    if line is None or line.cbStruct < ctypes.sizeof(type(line)):
        return MMSYSERR_INVALPARAM  # B185
    if fdwInfo & MIXER_GETLINEINFOF_QUERYMASK > MIXER_GETLINEINFOF_TARGETTYPE:
        return MMSYSERR_INVALFLAG
    ours = MIXERLINEW()
    copy_fields(line, ours, ctypes.sizeof(ours))  # what the query names: ids, type, target
    ours.cbStruct = ctypes.sizeof(ours)
    result = _send(hmxobj, fdwInfo, MXDM_GETLINEINFO, ours, fdwInfo)
    if result == MMSYSERR_NOERROR:
        ours.cbStruct = line.cbStruct
        copy_fields(ours, line, line.cbStruct)
    return result


def mixerGetLineInfoW(hmxobj: Any, pmxl: Any, fdwInfo: int) -> int:
    """A destination or source line, by index, line id, component or target type
    (B185-B189). NOERROR, INVALPARAM, INVALFLAG, INVALHANDLE, MIXERR_INVALLINE."""
    return _line_info(hmxobj, pmxl, fdwInfo, MIXERLINEW)


def mixerGetLineInfoA(hmxobj: Any, pmxl: Any, fdwInfo: int) -> int:
    return _line_info(hmxobj, pmxl, fdwInfo, MIXERLINEA)


# -- controls -------------------------------------------------------------------------------


def _elements(pointer: Any, stride: int, layout: type[Any]) -> tuple[type[Any], Any]:
    """(element type, element getter) for an array the caller points at, every ``stride``
    bytes: of the pointer's own type for a typed pointer, else of ``layout``."""
    if isinstance(pointer, ctypes._Pointer):  # type: ignore[attr-defined]
        layout, address = pointer._type_, ctypes.addressof(pointer.contents)
    else:
        address = getattr(pointer, "value", pointer)
    return layout, lambda i: layout.from_address(address + i * stride)


def _line_controls(hmxobj: Any, pmxlc: Any, fdwControls: int, ansi: bool) -> int:
    request = deref(pmxlc, MIXERLINECONTROLSA if ansi else MIXERLINECONTROLSW)
    if request is None:
        return MMSYSERR_INVALPARAM  # B190
    query = fdwControls & MIXER_GETLINECONTROLSF_QUERYMASK
    if query > MIXER_GETLINECONTROLSF_ONEBYTYPE:
        return MMSYSERR_INVALFLAG
    element, item = _elements(request.pamxctrl, request.cbmxctrl,
                              MIXERCONTROLA if ansi else MIXERCONTROLW)
    size, control_size = ctypes.sizeof(type(request)), ctypes.sizeof(element)
    # B191, B192: the A function wants the exact sizes, the W one at least them.
    if (request.cbStruct != size or request.cbmxctrl != control_size) if ansi else \
            (request.cbStruct < size or request.cbmxctrl < control_size):
        return MMSYSERR_INVALPARAM
    count = 1 if ansi and query == MIXER_GETLINECONTROLSF_ONEBYTYPE else request.cControls
    if not request.pamxctrl or not 0 < count <= _MOST_CELLS:
        return MMSYSERR_INVALPARAM
    controls = (MIXERCONTROLW * count)()
    ours = MIXERLINECONTROLSW(cbStruct=ctypes.sizeof(MIXERLINECONTROLSW),
                              dwLineID=request.dwLineID, cControls=count,
                              cbmxctrl=ctypes.sizeof(MIXERCONTROLW),
                              pamxctrl=ctypes.addressof(controls))
    # The two share a union; a caller's own class may have declared only one of them.
    ours.dwControlID = getattr(request, "dwControlID", None) or \
        getattr(request, "dwControlType", 0)
    result = _send(hmxobj, fdwControls, MXDM_GETLINECONTROLS, ours, fdwControls)
    if result == MMSYSERR_NOERROR:
        request.dwLineID = ours.dwLineID  # found by control id
        for i, control in enumerate(controls):
            target = item(i)
            copy_fields(control, target, ctypes.sizeof(target))
            target.cbStruct = control_size
    return result


def mixerGetLineControlsW(hmxobj: Any, pmxlc: Any, fdwControls: int) -> int:
    """A line's controls: all of them, or one by id or by type (B190-B192). NOERROR,
    INVALPARAM, INVALFLAG, INVALHANDLE, MIXERR_INVALLINE, NOTSUPPORTED."""
    return _line_controls(hmxobj, pmxlc, fdwControls, ansi=False)


def mixerGetLineControlsA(hmxobj: Any, pmxlc: Any, fdwControls: int) -> int:
    return _line_controls(hmxobj, pmxlc, fdwControls, ansi=True)


def _details(hmxobj: Any, pmxcd: Any, flags: int, get: bool, exact: bool) -> int:
    details = deref(pmxcd, MIXERCONTROLDETAILS)
    if details is None:
        return MMSYSERR_INVALPARAM
    size = ctypes.sizeof(type(details))
    if details.cbStruct != size if exact else details.cbStruct < size:
        return MMSYSERR_INVALPARAM  # B196
    query = flags & (MIXER_GETCONTROLDETAILSF_QUERYMASK if get
                     else MIXER_SETCONTROLDETAILSF_QUERYMASK)
    if query > (MIXER_GETCONTROLDETAILSF_LISTTEXT if get else MIXER_SETCONTROLDETAILSF_CUSTOM):
        return MMSYSERR_INVALFLAG
    if not details.paDetails or details.cbDetails < 4:
        return MMSYSERR_INVALPARAM  # B193, B196
    msg = MXDM_GETCONTROLDETAILS if get else MXDM_SETCONTROLDETAILS
    if query == MIXER_SETCONTROLDETAILSF_CUSTOM and not get:
        return _send(hmxobj, flags, msg, details, flags)  # the driver's own format
    count = details.cChannels * max(1, details.cMultipleItems)
    if not 0 < count <= _MOST_CELLS:
        return MMSYSERR_INVALPARAM
    listtext = query == MIXER_GETCONTROLDETAILSF_LISTTEXT
    ours_type = MIXERCONTROLDETAILS_LISTTEXTW if listtext else ctypes.c_uint32
    element, item = _elements(details.paDetails, details.cbDetails,
                              (MIXERCONTROLDETAILS_LISTTEXTA if exact else
                               MIXERCONTROLDETAILS_LISTTEXTW) if listtext else ctypes.c_uint32)
    # The driver gets packed W list texts, or DWORD values (a value is a DWORD or LONG first
    # in each of the caller's cbDetails bytes), in winmm's memory, loaded from the caller's:
    # what the driver leaves alone is written back as it was.
    cells = (ours_type * count)()
    field = element._fields_[0][0] if issubclass(element, ctypes.Structure) else "value"
    for i in range(count):
        if listtext:
            copy_fields(item(i), cells[i], ctypes.sizeof(ours_type))
        else:
            cells[i] = getattr(item(i), field) & 0xFFFFFFFF
    ours = MIXERCONTROLDETAILS(cbStruct=ctypes.sizeof(MIXERCONTROLDETAILS),
                               dwControlID=details.dwControlID, cChannels=details.cChannels,
                               cbDetails=ctypes.sizeof(ours_type),
                               paDetails=ctypes.addressof(cells))
    ours.cMultipleItems = details.cMultipleItems
    result = _send(hmxobj, flags, msg, ours, flags)
    if get and result == MMSYSERR_NOERROR:
        for i in range(count):
            target = item(i)
            if listtext:
                copy_fields(cells[i], target, details.cbDetails)
            else:
                setattr(target, field, cells[i])
    return result


def mixerGetControlDetailsW(hmxobj: Any, pmxcd: Any, fdwDetails: int) -> int:
    """A control's values, ``cChannels`` (one for a uniform control) times its items
    (B193-B196). NOERROR, INVALPARAM, INVALFLAG, INVALHANDLE, MIXERR_INVALCONTROL."""
    return _details(hmxobj, pmxcd, fdwDetails, get=True, exact=False)


def mixerGetControlDetailsA(hmxobj: Any, pmxcd: Any, fdwDetails: int) -> int:
    return _details(hmxobj, pmxcd, fdwDetails, get=True, exact=True)


def mixerSetControlDetails(hmxobj: Any, pmxcd: Any, fdwDetails: int) -> int:
    """Set a control's values; ``MIXER_SETCONTROLDETAILSF_CUSTOM`` goes to the driver as
    it is. The mixer's open handles get ``MM_MIXM_CONTROL_CHANGE``."""
    return _details(hmxobj, pmxcd, fdwDetails, get=False, exact=False)
