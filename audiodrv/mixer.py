"""The Pythonic mixer: a wave device's volume and mute controls, as floats and bools.

``Mixer("system")`` opens the mixer of that output device (``kind="input"``: of the input);
``master_volume``/``master_mute`` are its destination line's controls, ``volume``/``mute``
its source line's (the wave output, or the microphone).  Errors raise the MMRESULT's
exception, as everywhere in the Pythonic layer.
"""

from __future__ import annotations

import ctypes
from typing import Any

from audiodrv import winmm
from audiodrv.mmsystem import (
    MIXER_GETLINECONTROLSF_ONEBYTYPE,
    MIXER_GETLINEINFOF_DESTINATION,
    MIXER_GETLINEINFOF_SOURCE,
    MIXER_OBJECTF_HMIXER,
    MIXER_OBJECTF_WAVEIN,
    MIXER_OBJECTF_WAVEOUT,
    MIXERCONTROL_CONTROLTYPE_MUTE,
    MIXERCONTROL_CONTROLTYPE_VOLUME,
    MIXERCONTROLDETAILS,
    MIXERCONTROLW,
    MIXERLINECONTROLSW,
    MIXERLINEW,
    check,
)
from audiodrv.wave import _device_id

__all__ = ["Mixer"]


class Mixer:
    """The mixer of a wave device (a name, an id, or None: device 0)."""

    def __init__(self, device: int | str | None = None, kind: str = "output") -> None:
        if kind not in ("output", "input"):
            raise ValueError(f"kind must be 'output' or 'input', not {kind!r}")
        wave_id = 0 if device is None else _device_id(device, kind)
        objects = MIXER_OBJECTF_WAVEOUT if kind == "output" else MIXER_OBJECTF_WAVEIN
        handle = ctypes.c_void_p()
        check(winmm.mixerOpen(ctypes.byref(handle), wave_id, 0, 0, objects))
        self.handle: int | None = handle.value
        try:
            self._controls = {(line, kind_): self._control(line, kind_)
                              for line in (MIXER_GETLINEINFOF_DESTINATION,
                                           MIXER_GETLINEINFOF_SOURCE)
                              for kind_ in (MIXERCONTROL_CONTROLTYPE_VOLUME,
                                            MIXERCONTROL_CONTROLTYPE_MUTE)}
        except Exception:
            self.close()
            raise

    def _control(self, query: int, control_type: int) -> tuple[int, int]:
        """(control id, maximum) of a line's control of a type."""
        line = MIXERLINEW(cbStruct=ctypes.sizeof(MIXERLINEW))
        check(winmm.mixerGetLineInfoW(self.handle, ctypes.byref(line),
                                      query | MIXER_OBJECTF_HMIXER))
        control = MIXERCONTROLW()
        request = MIXERLINECONTROLSW(cbStruct=ctypes.sizeof(MIXERLINECONTROLSW),
                                     dwLineID=line.dwLineID, dwControlType=control_type,
                                     cControls=1, cbmxctrl=ctypes.sizeof(control),
                                     pamxctrl=ctypes.addressof(control))
        check(winmm.mixerGetLineControlsW(self.handle, ctypes.byref(request),
                                          MIXER_GETLINECONTROLSF_ONEBYTYPE | MIXER_OBJECTF_HMIXER))
        return control.dwControlID, control.Bounds.dwMaximum

    def _value(self, key: tuple[int, int], value: int | None = None) -> int:
        control_id, _maximum = self._controls[key]
        cell = ctypes.c_uint32(value or 0)
        details = MIXERCONTROLDETAILS(cbStruct=ctypes.sizeof(MIXERCONTROLDETAILS),
                                      dwControlID=control_id, cChannels=1,
                                      cbDetails=ctypes.sizeof(cell),
                                      paDetails=ctypes.addressof(cell))
        call = winmm.mixerGetControlDetailsW if value is None else winmm.mixerSetControlDetails
        check(call(self.handle, ctypes.byref(details), MIXER_OBJECTF_HMIXER))
        return cell.value

    @staticmethod
    def _volume(line: int, doc: str) -> property:
        key = (line, MIXERCONTROL_CONTROLTYPE_VOLUME)

        def get(self: Mixer) -> float:
            return self._value(key) / self._controls[key][1]

        def set_(self: Mixer, gain: float) -> None:
            self._value(key, round(min(max(gain, 0.0), 1.0) * self._controls[key][1]))

        return property(get, set_, doc=doc)

    @staticmethod
    def _mute(line: int, doc: str) -> property:
        key = (line, MIXERCONTROL_CONTROLTYPE_MUTE)

        def get(self: Mixer) -> bool:
            return bool(self._value(key))

        def set_(self: Mixer, muted: bool) -> None:
            self._value(key, int(muted))

        return property(get, set_, doc=doc)

    master_volume = _volume(MIXER_GETLINEINFOF_DESTINATION,
                            "The destination line's volume, 0.0 to 1.0.")
    volume = _volume(MIXER_GETLINEINFOF_SOURCE,
                     "The source line's volume (the wave output, or the microphone).")
    master_mute = _mute(MIXER_GETLINEINFOF_DESTINATION, "Whether the destination is muted.")
    mute = _mute(MIXER_GETLINEINFOF_SOURCE, "Whether the source line is muted.")

    def close(self) -> None:
        if self.handle is not None:
            check(winmm.mixerClose(self.handle))
            self.handle = None

    def __enter__(self) -> Mixer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
