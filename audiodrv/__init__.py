"""audiodrv: the Windows 3.1 multimedia driver model over real host audio.

The Pythonic layer lives here: :class:`WaveOut`, :class:`WaveIn`, :func:`play`,
:func:`record`, :func:`devices`, :class:`Mixer`, and one exception class per MMRESULT (each also a
builtin: ``BadDeviceIdError`` is a ``LookupError``, ``InvalidParamError`` a ``ValueError``).

Map of the package
------------------
``audiodrv.winmm``      Win32-named functions (``waveOutOpen``, ``OpenDriver``...) returning
                        MMRESULT codes; ctypes-faithful.
``audiodrv.mmsystem``   Windows data: constants, ctypes structures, error codes and texts,
                        the exception classes and ``check()``.
``audiodrv.ddk``        what a driver module imports.
``audiodrv.driver``     finding driver files; the OpenDriver/CloseDriver message sequences.
``audiodrv.core``       device-id tables, devnodes, handles, DriverCallback and the notifier.
``audiodrv.config``     Windows INI semantics; SYSTEM.INI, CONTROL.INI, OEMSETUP.INF.
``audiodrv.engine``     ring buffers and the PortAudio/RtMidi services below the drivers.
``audiodrv.cli``        the ``audiodrv`` command (Drivers control panel, play, smoke...).
"""

import logging

from audiodrv.core.trace import configure_from_env
from audiodrv.midi import MidiIn, MidiOut, MidiStream, midi_devices
from audiodrv.mixer import Mixer
from audiodrv.mmsystem import ERROR_CLASSES, MMSystemError, check
from audiodrv.wave import DeviceInfo, WaveIn, WaveOut, devices, play, record

__all__ = [
    "DeviceInfo",
    "MMSystemError",
    "MidiIn",
    "MidiOut",
    "MidiStream",
    "Mixer",
    "WaveIn",
    "WaveOut",
    "check",
    "devices",
    "midi_devices",
    "play",
    "record",
    "rescan",
    *sorted({cls.__name__ for cls in ERROR_CLASSES.values()}),
]
__version__ = "0.1.0"


def rescan() -> None:
    """Look for devices again (an audio server started, a MIDI port appeared).

    Every driver gets ``DRV_PNPINSTALL``, new devnodes ``DRVM_INIT``, and the global ids are
    renumbered; handles already open keep their device.
    """
    from audiodrv.core.system import get_system

    get_system().rescan()


for _cls in ERROR_CLASSES.values():
    globals()[_cls.__name__] = _cls
del _cls

logging.getLogger(__name__).addHandler(logging.NullHandler())
configure_from_env()
