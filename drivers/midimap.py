"""midimap.drv: the MIDI mapper (MIDI_MAPPER).

Routes to the device named by ``[midimap.drv] device=`` in SYSTEM.INI, else to the first
MIDI port that is not a through port, else to the synthesizer, so ``midiOutOpen(MIDI_MAPPER)``
makes sound on any machine with audio.  Like Windows' midimap.dll it opens that device
through winmm and forwards every message; completions of the application's buffers come
back through it.  The mapper has a volume of its own (B104: 0xFFFFFFFF at first), passed on
to the device it maps to when that device has one.
"""

from __future__ import annotations

import ctypes
from typing import Any

from audiodrv import ddk, winmm

DESCRIPTION = "MidiMapper:MIDI mapper"

# ALSA always has a "Midi Through" port, which plays nothing: chosen automatically, the
# mapper would be silent on every Linux machine with a sequencer.
_THROUGH = "midi through"


class _Instance:
    def __init__(self, desc: ddk.OpenDesc, flags: int) -> None:
        self.desc, self.flags = desc, flags
        self.target = 0

    def forward(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        if msg == ddk.MOM_DONE:  # the application's own header, completed by the target
            self.desc.notify(self.flags, msg, p1)


class _Mapper:
    def __init__(self) -> None:
        self.preferred: str | None = None
        self.volume = 0xFFFFFFFF

    def DriverProc(self, dwDriverID: Any, hDriver: int, msg: int, lParam1: Any,
                   lParam2: Any) -> int:
        if msg == ddk.DRV_ENABLE:
            self.preferred = ddk.driver_settings(hDriver, "midimap.drv").get("device")
        if msg in (ddk.DRV_OPEN, ddk.DRV_CLOSE):
            return 1
        return ddk.DefDriverProc(dwDriverID, hDriver, msg, lParam1, lParam2)

    def _target(self) -> int | None:
        """The device to map to: the configured one, a port, else a synthesizer."""
        devices = []
        for i in range(winmm.midiOutGetNumDevs()):
            caps = ddk.MIDIOUTCAPSW()
            if winmm.midiOutGetDevCapsW(i, ctypes.byref(caps), ctypes.sizeof(caps)) == 0:
                devices.append((i, ddk.get_string(caps, "szPname"), caps.wTechnology))
        for i, name, _tech in devices:
            if self.preferred and name.lower() == self.preferred.lower():
                return i
        devices = [d for d in devices if _THROUGH not in d[1].lower()]
        ports = [i for i, _n, tech in devices if tech == ddk.MOD_MIDIPORT]
        return (ports or [i for i, _n, _t in devices] or [None])[0]

    def _set_volume(self, target: int, volume: int) -> int:
        """Keep ``volume`` and pass it on to ``target`` (a device id or handle) if it has one."""
        self.volume = volume
        caps = ddk.MIDIOUTCAPSW()
        result = winmm.midiOutGetDevCapsW(target, ctypes.byref(caps), ctypes.sizeof(caps))
        if result != ddk.MMSYSERR_NOERROR or not caps.dwSupport & ddk.MIDICAPS_VOLUME:
            return ddk.MMSYSERR_NOERROR
        return winmm.midiOutSetVolume(target, volume)

    def modMessage(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                   dwParam2: Any) -> int:
        if uMsg == ddk.MODM_GETNUMDEVS:
            return 1
        if uMsg == ddk.MODM_GETDEVCAPS:
            if self._target() is None:
                return ddk.MMSYSERR_BADDEVICEID  # B101/B250: no device to map to
            caps = dwParam1
            caps.wMid, caps.wPid, caps.vDriverVersion = ddk.MM_MICROSOFT, ddk.MM_MIDI_MAPPER, 0x0100
            ddk.set_string(caps, "szPname", "MIDI Mapper")
            caps.wTechnology, caps.wVoices, caps.wNotes = ddk.MOD_MAPPER, 0, 0
            caps.wChannelMask = 0xFFFF
            caps.dwSupport = ddk.MIDICAPS_VOLUME | ddk.MIDICAPS_LRVOLUME
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MODM_OPEN:
            target = self._target()
            if target is None:
                return ddk.MMSYSERR_BADDEVICEID
            inst = _Instance(dwParam1, dwParam2)
            handle = ctypes.c_size_t()
            result = winmm.midiOutOpen(ctypes.byref(handle), target, inst.forward, 0,
                                       ddk.CALLBACK_FUNCTION)
            if result != ddk.MMSYSERR_NOERROR:
                return result
            inst.target = handle.value
            dwUser.value = inst
            inst.desc.notify(inst.flags, ddk.MOM_OPEN)
            return ddk.MMSYSERR_NOERROR
        inst = dwUser if isinstance(dwUser, _Instance) else None
        if uMsg == ddk.MODM_GETVOLUME:
            if dwParam1 is None:
                return ddk.MMSYSERR_INVALPARAM
            dwParam1.value = self.volume
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MODM_SETVOLUME:
            target = inst.target if inst is not None else self._target()
            if target is None:
                return ddk.MMSYSERR_BADDEVICEID  # B101: nothing to map to
            return self._set_volume(target, int(dwParam1) & 0xFFFFFFFF)
        if inst is None:
            if uMsg in (ddk.DRVM_INIT, ddk.DRVM_EXIT, ddk.DRVM_ENABLE, ddk.DRVM_DISABLE):
                return ddk.MMSYSERR_NOERROR
            return ddk.MMSYSERR_NOTSUPPORTED
        if uMsg == ddk.MODM_CLOSE:
            result = winmm.midiOutClose(inst.target)
            if result == ddk.MMSYSERR_NOERROR:
                inst.desc.notify(inst.flags, ddk.MOM_CLOSE)
            return result
        if uMsg in (ddk.MODM_PREPARE, ddk.MODM_UNPREPARE):
            return ddk.MMSYSERR_NOTSUPPORTED  # winmm prepares the application's header
        # The application's header arrives INQUEUE; the target driver completes it.
        return winmm.midiOutMessage(inst.target, uMsg, dwParam1, dwParam2)


_mapper = _Mapper()
DriverProc = _mapper.DriverProc
modMessage = _mapper.modMessage
