"""Mixers over wave devices, one per device, in the line model of Wine's winmm (spec B180,
B188-B196): a device driver lists its endpoints (outputs, then inputs), and
:class:`Mixers` answers every ``MXDM_*`` message about them.

Each mixer has one destination (line id 0xFFFF0000: the speakers of an output, the
recording of an input) with one source (line id 0: the wave output, or the microphone), and
each line a uniform volume (0-65535) and a mute: controls 0 and 1 on the destination, 2 and
3 on the source.  The two lines are gain stages of the host device and direction
(:func:`device_lines`), shared by every driver that plays on it, so an open through the
mapper goes through them as a direct one does; the engine reads ``Lines.gain`` as it writes
or drains a ring.  A change sends ``MM_MIXM_CONTROL_CHANGE`` to every open handle of that
mixer.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from audiodrv.ddk import OpenDesc
from audiodrv.mmsystem import (
    DRVM_DISABLE,
    DRVM_ENABLE,
    DRVM_EXIT,
    MIXER_GETCONTROLDETAILSF_QUERYMASK,
    MIXER_GETCONTROLDETAILSF_VALUE,
    MIXER_GETLINECONTROLSF_ALL,
    MIXER_GETLINECONTROLSF_ONEBYID,
    MIXER_GETLINECONTROLSF_ONEBYTYPE,
    MIXER_GETLINECONTROLSF_QUERYMASK,
    MIXER_GETLINEINFOF_COMPONENTTYPE,
    MIXER_GETLINEINFOF_DESTINATION,
    MIXER_GETLINEINFOF_LINEID,
    MIXER_GETLINEINFOF_QUERYMASK,
    MIXER_GETLINEINFOF_SOURCE,
    MIXER_SETCONTROLDETAILSF_QUERYMASK,
    MIXER_SETCONTROLDETAILSF_VALUE,
    MIXERCONTROL_CONTROLF_UNIFORM,
    MIXERCONTROL_CONTROLTYPE_MUTE,
    MIXERCONTROL_CONTROLTYPE_VOLUME,
    MIXERCONTROLW,
    MIXERLINE_COMPONENTTYPE_DST_SPEAKERS,
    MIXERLINE_COMPONENTTYPE_DST_WAVEIN,
    MIXERLINE_COMPONENTTYPE_SRC_MICROPHONE,
    MIXERLINE_COMPONENTTYPE_SRC_WAVEOUT,
    MIXERLINE_LINEF_ACTIVE,
    MIXERLINE_LINEF_SOURCE,
    MIXERLINE_TARGETTYPE_UNDEFINED,
    MIXERLINE_TARGETTYPE_WAVEIN,
    MIXERLINE_TARGETTYPE_WAVEOUT,
    MIXERR_INVALCONTROL,
    MIXERR_INVALLINE,
    MM_MICROSOFT,
    MM_MIXM_CONTROL_CHANGE,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTSUPPORTED,
    MXDM_CLOSE,
    MXDM_GETCONTROLDETAILS,
    MXDM_GETDEVCAPS,
    MXDM_GETLINECONTROLS,
    MXDM_GETLINEINFO,
    MXDM_GETNUMDEVS,
    MXDM_INIT,
    MXDM_OPEN,
    MXDM_SETCONTROLDETAILS,
    set_string,
)

__all__ = ["DESTINATION_LINE", "SOURCE_LINE", "Endpoint", "Line", "Lines", "Mixers",
           "device_lines"]

DESTINATION_LINE, SOURCE_LINE = 0xFFFF0000, 0
VOLUME_STEPS = 192  # what Wine reports for its volume controls


@dataclass
class Line:
    """A line's two controls."""

    volume: int = 0xFFFF
    mute: bool = False

    @property
    def gain(self) -> float:
        return 0.0 if self.mute else self.volume / 0xFFFF


@dataclass(eq=False)
class Lines:
    """The destination and the source line of one host device and direction."""

    destination: Line = field(default_factory=Line)
    source: Line = field(default_factory=Line)

    @property
    def gain(self) -> float:
        return self.destination.gain * self.source.gain


_lines: dict[tuple[str, bool], Lines] = {}
_lines_lock = threading.Lock()


def device_lines(key: str, output: bool) -> Lines:
    """The lines of a host device (its devnode key) in one direction, made on first use and
    kept for the life of the process, as a sound card's mixer keeps its settings."""
    with _lines_lock:
        return _lines.setdefault((key, output), Lines())


@dataclass(eq=False)
class Endpoint:
    """One wave device as its mixer sees it."""

    name: str
    output: bool
    channels: int
    devnode: int
    wave_id: int  # the global id of the wave device, as Target.dwDeviceID
    lines: Lines
    opens: dict[int, tuple[OpenDesc, int]] = field(default_factory=dict)  # handle -> (desc, flags)


class Mixers:
    """``mxdMessage`` for a driver's endpoints (``endpoints()`` lists them, outputs first)."""

    def __init__(self, endpoints: Callable[[], Sequence[Endpoint]]) -> None:
        self.endpoints = endpoints
        self._lock = threading.Lock()

    def message(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                dwParam2: Any) -> int:
        if uMsg in (MXDM_INIT, DRVM_EXIT, DRVM_ENABLE, DRVM_DISABLE):
            return MMSYSERR_NOERROR
        endpoints = self.endpoints()
        if uMsg == MXDM_GETNUMDEVS:
            return sum(1 for e in endpoints if e.devnode == dwParam1)
        if uDeviceID >= len(endpoints):
            return MMSYSERR_BADDEVICEID
        endpoint = endpoints[uDeviceID]
        if uMsg == MXDM_GETDEVCAPS:
            return self._caps(endpoint, dwParam1)
        if uMsg == MXDM_OPEN:
            dwUser.value = dwParam1.hDevice
            with self._lock:
                endpoint.opens[dwParam1.hDevice] = (dwParam1, dwParam2)
            return MMSYSERR_NOERROR
        if uMsg == MXDM_CLOSE:
            with self._lock:
                endpoint.opens.pop(dwUser, None)
            return MMSYSERR_NOERROR
        if uMsg == MXDM_GETLINEINFO:
            return self._line_info(endpoint, dwParam1, dwParam2)
        if uMsg == MXDM_GETLINECONTROLS:
            return self._line_controls(dwParam1, dwParam2)
        if uMsg == MXDM_GETCONTROLDETAILS:
            return self._details(endpoint, dwParam1, dwParam2, get=True)
        if uMsg == MXDM_SETCONTROLDETAILS:
            return self._details(endpoint, dwParam1, dwParam2, get=False)
        return MMSYSERR_NOTSUPPORTED

    @staticmethod
    def _caps(endpoint: Endpoint, caps: Any) -> int:
        caps.wMid, caps.wPid, caps.vDriverVersion = MM_MICROSOFT, 0, 0x0100
        set_string(caps, "szPname", endpoint.name[:31])
        caps.fdwSupport, caps.cDestinations = 0, 1
        return MMSYSERR_NOERROR

    # -- lines ----------------------------------------------------------------------------

    def _line_info(self, endpoint: Endpoint, line: Any, flags: int) -> int:
        """B188, B189: the line a query names, or MIXERR_INVALLINE."""
        query = flags & MIXER_GETLINEINFOF_QUERYMASK
        types = ((MIXERLINE_COMPONENTTYPE_DST_SPEAKERS, MIXERLINE_COMPONENTTYPE_SRC_WAVEOUT)
                 if endpoint.output else
                 (MIXERLINE_COMPONENTTYPE_DST_WAVEIN, MIXERLINE_COMPONENTTYPE_SRC_MICROPHONE))
        if query == MIXER_GETLINEINFOF_DESTINATION:
            source = None if line.dwDestination == 0 else -1
        elif query == MIXER_GETLINEINFOF_SOURCE:
            source = 0 if line.dwDestination == 0 and line.dwSource == 0 else -1
        elif query == MIXER_GETLINEINFOF_LINEID:
            source = {DESTINATION_LINE: None, SOURCE_LINE: 0}.get(line.dwLineID, -1)
        elif query == MIXER_GETLINEINFOF_COMPONENTTYPE:
            source = {types[0]: None, types[1]: 0}.get(line.dwComponentType, -1)
        else:
            source = -1  # TARGETTYPE: Wine does not implement it either
        if source == -1:
            return MIXERR_INVALLINE
        line.dwDestination, line.dwUser, line.cControls = 0, 0, 2  # dwUser reset: B186
        target = line.Target
        target.dwDeviceID = endpoint.wave_id
        target.wMid, target.wPid, target.vDriverVersion = MM_MICROSOFT, 0, 0x0100
        set_string(target, "szPname", endpoint.name[:31])
        if source is None:
            line.dwLineID, line.dwSource = DESTINATION_LINE, 0xFFFFFFFF
            line.fdwLine, line.cConnections = MIXERLINE_LINEF_ACTIVE, 1
            line.dwComponentType, line.cChannels = types[0], endpoint.channels
            target.dwType = (MIXERLINE_TARGETTYPE_UNDEFINED if endpoint.output
                             else MIXERLINE_TARGETTYPE_WAVEIN)
            names = ("Master Volume", "Master Volume")
        else:
            line.dwLineID, line.dwSource = SOURCE_LINE, 0
            line.fdwLine = MIXERLINE_LINEF_ACTIVE | MIXERLINE_LINEF_SOURCE
            line.cConnections, line.dwComponentType, line.cChannels = 0, types[1], 1
            target.dwType = (MIXERLINE_TARGETTYPE_WAVEOUT if endpoint.output
                             else MIXERLINE_TARGETTYPE_UNDEFINED)
            names = ("Volume", "Wave" if endpoint.output else "Microphone")
        set_string(line, "szShortName", names[0])
        set_string(line, "szName", names[1])
        return MMSYSERR_NOERROR

    # -- controls -------------------------------------------------------------------------

    def _line_controls(self, request: Any, flags: int) -> int:
        """B191: every control of a line, or one by id or by type, into the
        ``MIXERCONTROLW`` array at ``pamxctrl``."""
        query = flags & MIXER_GETLINECONTROLSF_QUERYMASK
        if query == MIXER_GETLINECONTROLSF_ONEBYID:
            ids = [request.dwControlID] if request.dwControlID <= 3 else []
            if not ids:
                return MMSYSERR_NOTSUPPORTED
        else:
            base = {DESTINATION_LINE: 0, SOURCE_LINE: 2}.get(request.dwLineID)
            if base is None:
                return MIXERR_INVALLINE
            if query == MIXER_GETLINECONTROLSF_ALL:
                ids = [base, base + 1]
            elif query == MIXER_GETLINECONTROLSF_ONEBYTYPE:
                kinds = {MIXERCONTROL_CONTROLTYPE_VOLUME: 0, MIXERCONTROL_CONTROLTYPE_MUTE: 1}
                if request.dwControlType not in kinds:
                    return MMSYSERR_NOTSUPPORTED
                ids = [base + kinds[request.dwControlType]]
            else:
                return MMSYSERR_NOTSUPPORTED
        if request.cControls != len(ids):
            return MMSYSERR_INVALPARAM
        if not request.pamxctrl:
            return MMSYSERR_INVALPARAM
        controls = (MIXERCONTROLW * len(ids)).from_address(request.pamxctrl)
        for control, control_id in zip(controls, ids, strict=True):
            _describe(control, control_id)
        if query == MIXER_GETLINECONTROLSF_ONEBYID:
            request.dwLineID = DESTINATION_LINE if ids[0] < 2 else SOURCE_LINE
        return MMSYSERR_NOERROR

    def _details(self, endpoint: Endpoint, details: Any, flags: int, get: bool) -> int:
        """B193-B196: ``paDetails`` holds ``cChannels`` values of ``cbDetails`` bytes (a
        DWORD or LONG first in each)."""
        query = flags & (MIXER_GETCONTROLDETAILSF_QUERYMASK if get
                         else MIXER_SETCONTROLDETAILSF_QUERYMASK)
        if query != (MIXER_GETCONTROLDETAILSF_VALUE if get else MIXER_SETCONTROLDETAILSF_VALUE):
            return MMSYSERR_NOTSUPPORTED  # LISTTEXT: no list controls; CUSTOM (B196)
        control_id = details.dwControlID
        if control_id > 3:
            return MIXERR_INVALCONTROL
        if details.cbDetails < 4 or not details.paDetails or details.cChannels < 1:
            return MMSYSERR_INVALPARAM
        cells = [ctypes.c_uint32.from_address(details.paDetails + i * details.cbDetails)
                 for i in range(details.cChannels)]
        lines = endpoint.lines
        line = lines.destination if control_id < 2 else lines.source
        is_mute = bool(control_id % 2)
        if get:
            for cell in cells:
                cell.value = int(line.mute) if is_mute else line.volume
            return MMSYSERR_NOERROR
        value = cells[0].value  # uniform: the first channel's applies to all
        if not is_mute and not 0 <= value <= 0xFFFF:
            return MMSYSERR_INVALPARAM
        with self._lock:
            if is_mute:
                line.mute = bool(value)
            else:
                line.volume = value
            opens = list(endpoint.opens.values())
        for desc, open_flags in opens:
            desc.notify(open_flags, MM_MIXM_CONTROL_CHANGE, control_id)
        return MMSYSERR_NOERROR


def _describe(control: Any, control_id: int) -> None:
    """B191: control ``control_id`` (even: volume, odd: mute)."""
    mute = bool(control_id % 2)
    control.cbStruct = ctypes.sizeof(MIXERCONTROLW)
    control.dwControlID = control_id
    control.dwControlType = (MIXERCONTROL_CONTROLTYPE_MUTE if mute
                             else MIXERCONTROL_CONTROLTYPE_VOLUME)
    control.fdwControl = MIXERCONTROL_CONTROLF_UNIFORM
    control.cMultipleItems = 0
    name = "Mute" if mute else "Volume"
    set_string(control, "szShortName", name)
    set_string(control, "szName", name)
    control.Bounds.dwMinimum, control.Bounds.dwMaximum = 0, 1 if mute else 0xFFFF
    control.Metrics.cSteps = 0 if mute else VOLUME_STEPS


