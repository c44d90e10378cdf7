"""``audiodrv devices`` / ``python -m audiodrv``: drivers and devices with global ids."""

from __future__ import annotations

import ctypes

from audiodrv.core.devclass import DeviceClass
from audiodrv.core.system import get_system
from audiodrv.mmsystem import (
    AUXCAPSW,
    AUXDM_GETDEVCAPS,
    MIDIINCAPSW,
    MIDIOUTCAPSW,
    MIDM_GETDEVCAPS,
    MIXERCAPSW,
    MODM_GETDEVCAPS,
    MXDM_GETDEVCAPS,
    WAVE_MAPPER,
    WAVEINCAPSW,
    WAVEOUTCAPSW,
    WIDM_GETDEVCAPS,
    WODM_GETDEVCAPS,
    get_string,
)

_CAPS = {
    DeviceClass.WAVEOUT: (WAVEOUTCAPSW, WODM_GETDEVCAPS),
    DeviceClass.WAVEIN: (WAVEINCAPSW, WIDM_GETDEVCAPS),
    DeviceClass.MIDIOUT: (MIDIOUTCAPSW, MODM_GETDEVCAPS),
    DeviceClass.MIDIIN: (MIDIINCAPSW, MIDM_GETDEVCAPS),
    DeviceClass.MIXER: (MIXERCAPSW, MXDM_GETDEVCAPS),
    DeviceClass.AUX: (AUXCAPSW, AUXDM_GETDEVCAPS),
}


def device_rows() -> list[tuple[str, str, str, str]]:
    """(class, global id, name, driver) for every device, mappers last."""
    system = get_system()
    rows = []
    for cls, (caps_type, msg) in _CAPS.items():
        ids = list(range(system.count(cls))) + [WAVE_MAPPER]
        for device_id in ids:
            device = system.device(cls, device_id)
            if device is None:
                continue
            caps = caps_type()
            if device.message(cls, msg, 0, caps, ctypes.sizeof(caps)):
                continue
            shown = "mapper" if device.mapper else str(device_id)
            rows.append((cls.name.lower(), shown, get_string(caps, "szPname"),
                         device.owner.filename))
    return rows


def print_devices() -> None:
    from audiodrv.cli import print_table

    system = get_system()
    print(f"SYSTEM.INI: {system.ini_path}")
    drivers = [(loaded.filename, "mapper" if mapper else "", loaded.driver.description)
               for loaded, mapper in system.members()]
    print_table(drivers or [("(none)", "", "")], ("driver", "", "description"))
    print()
    print_table(device_rows() or [("(none)", "", "", "")], ("class", "id", "name", "driver"))
