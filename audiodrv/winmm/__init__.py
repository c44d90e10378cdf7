"""The Win32 multimedia functions, named and behaving as in ``winmm.dll``.

Every function returns what Windows returns (an MMRESULT for the device families) and
accepts what ctypes code passes: ``byref(x)``, ``pointer(x)``, ctypes instances, plain ints
and raw addresses, with structures of the caller's own classes read and written by field
name.  One module per family: :mod:`.drv` (installable drivers), :mod:`.wave`,
:mod:`.midi`, :mod:`.midistream`, :mod:`.aux`, :mod:`.mixer`, :mod:`.timer`,
:mod:`.playsound`.
"""

from audiodrv.winmm.aux import *  # noqa: F403
from audiodrv.winmm.aux import __all__ as _aux_all
from audiodrv.winmm.drv import *  # noqa: F403
from audiodrv.winmm.drv import __all__ as _drv_all
from audiodrv.winmm.midi import *  # noqa: F403
from audiodrv.winmm.midi import __all__ as _midi_all
from audiodrv.winmm.midistream import *  # noqa: F403
from audiodrv.winmm.midistream import __all__ as _stream_all
from audiodrv.winmm.mixer import *  # noqa: F403
from audiodrv.winmm.mixer import __all__ as _mixer_all
from audiodrv.winmm.playsound import *  # noqa: F403
from audiodrv.winmm.playsound import __all__ as _playsound_all
from audiodrv.winmm.timer import *  # noqa: F403
from audiodrv.winmm.timer import __all__ as _timer_all
from audiodrv.winmm.wave import *  # noqa: F403
from audiodrv.winmm.wave import __all__ as _wave_all

__all__ = [*_drv_all, *_wave_all, *_midi_all, *_stream_all, *_aux_all, *_mixer_all,
           *_timer_all, *_playsound_all]
