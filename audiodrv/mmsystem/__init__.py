"""Windows multimedia data: constants, driver messages, structures, error codes and texts.

Pure data with Windows names, importable without any audio stack.

Map
---
``constants``  every constant of spec section 1 except MMRESULTs: header flags (``WHDR_*``,
               ``MHDR_*``), callback messages (``MM_WOM_DONE`` = ``WOM_DONE``...), open
               flags (``CALLBACK_*``, ``WAVE_FORMAT_QUERY``, ``DCB_*``), driver messages as
               ``IntEnum`` families (``DRV``, ``DRVM``, ``WODM``, ``WIDM``, ``MODM``,
               ``MIDM``, ``AUXDM``, ``MXDM``) and as Windows names (``WODM_WRITE``),
               ``message_name()``, MIDI stream (``MEVT_*``, ``MIDIPROP_*``), ``TIME_*``,
               mixer constants, caps bits, wave format tags and ``dwFormats`` bits with
               ``STANDARD_FORMATS``.
``errors``     MMRESULT codes (``MMSYSERR_*``, ``WAVERR_*``, ``MIDIERR_*``, ``MIXERR_*``...),
               ``result_name()``, ``ERROR_TEXTS``, ``get_error_text()``,
               ``copy_error_text()``, the exceptions (``MMSystemError`` and one subclass per
               code, each also a builtin such as ``LookupError``), ``error_for()`` and the
               funnel ``check()``.
``structs``    ctypes structures, Windows x64 layout with 1-byte packing (``WAVEFORMATEX``,
               ``WAVEHDR``, ``MIDIHDR``, the caps structures, ``MMTIME``, the mixer
               structures, the mmddk open descriptors), fixed-size Windows integer types
               (``DWORD`` is 4 bytes here) and the UTF-16 helpers ``set_wstr()``/``get_wstr()``.
"""

from . import constants, errors, structs
from .constants import *  # noqa: F403
from .errors import *  # noqa: F403
from .structs import *  # noqa: F403

__all__: list[str] = []
__all__ += constants.__all__
__all__ += errors.__all__
__all__ += structs.__all__
