"""MMRESULT codes, their names and English texts, and the exception classes built on them.

Below the Pythonic layer the currency is the MMRESULT integer; `check` is the one place that
turns a nonzero code into an exception. Every exception class derives from `MMSystemError`
(with ``.code`` and ``.name``) and from the builtin that matches the failure, so
``except LookupError`` catches a bad device id.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "MMSYSERR_BASE",
    "WAVERR_BASE",
    "MIDIERR_BASE",
    "TIMERR_BASE",
    "JOYERR_BASE",
    "MCIERR_BASE",
    "MMIOERR_BASE",
    "MIXERR_BASE",
    "MMSYSERR_NOERROR",
    "MMSYSERR_ERROR",
    "MMSYSERR_BADDEVICEID",
    "MMSYSERR_NOTENABLED",
    "MMSYSERR_ALLOCATED",
    "MMSYSERR_INVALHANDLE",
    "MMSYSERR_NODRIVER",
    "MMSYSERR_NOMEM",
    "MMSYSERR_NOTSUPPORTED",
    "MMSYSERR_BADERRNUM",
    "MMSYSERR_INVALFLAG",
    "MMSYSERR_INVALPARAM",
    "MMSYSERR_HANDLEBUSY",
    "MMSYSERR_INVALIDALIAS",
    "MMSYSERR_BADDB",
    "MMSYSERR_KEYNOTFOUND",
    "MMSYSERR_READERROR",
    "MMSYSERR_WRITEERROR",
    "MMSYSERR_DELETEERROR",
    "MMSYSERR_VALNOTFOUND",
    "MMSYSERR_NODRIVERCB",
    "MMSYSERR_MOREDATA",
    "MMSYSERR_LASTERROR",
    "WAVERR_BADFORMAT",
    "WAVERR_STILLPLAYING",
    "WAVERR_UNPREPARED",
    "WAVERR_SYNC",
    "WAVERR_LASTERROR",
    "MIDIERR_UNPREPARED",
    "MIDIERR_STILLPLAYING",
    "MIDIERR_NOMAP",
    "MIDIERR_NOTREADY",
    "MIDIERR_NODEVICE",
    "MIDIERR_INVALIDSETUP",
    "MIDIERR_BADOPENMODE",
    "MIDIERR_DONT_CONTINUE",
    "MIDIERR_LASTERROR",
    "TIMERR_NOERROR",
    "TIMERR_NOCANDO",
    "TIMERR_STRUCT",
    "JOYERR_NOERROR",
    "JOYERR_PARMS",
    "JOYERR_NOCANDO",
    "JOYERR_UNPLUGGED",
    "MMIOERR_FILENOTFOUND",
    "MMIOERR_OUTOFMEMORY",
    "MMIOERR_CANNOTOPEN",
    "MMIOERR_CANNOTCLOSE",
    "MMIOERR_CANNOTREAD",
    "MMIOERR_CANNOTWRITE",
    "MMIOERR_CANNOTSEEK",
    "MMIOERR_CANNOTEXPAND",
    "MMIOERR_CHUNKNOTFOUND",
    "MMIOERR_UNBUFFERED",
    "MMIOERR_PATHNOTFOUND",
    "MMIOERR_ACCESSDENIED",
    "MMIOERR_SHARINGVIOLATION",
    "MMIOERR_NETWORKERROR",
    "MMIOERR_TOOMANYOPENFILES",
    "MMIOERR_INVALIDFILE",
    "MIXERR_INVALLINE",
    "MIXERR_INVALCONTROL",
    "MIXERR_INVALVALUE",
    "MIXERR_LASTERROR",
    "result_name",
    "ERROR_TEXTS",
    "get_error_text",
    "copy_error_text",
    "MMSystemError",
    "UnspecifiedError",
    "BadDeviceIdError",
    "NotEnabledError",
    "AllocatedError",
    "InvalidHandleError",
    "NoDriverError",
    "NoMemError",
    "NotSupportedError",
    "BadErrNumError",
    "InvalidFlagError",
    "InvalidParamError",
    "HandleBusyError",
    "InvalidAliasError",
    "BadDbError",
    "KeyNotFoundError",
    "ReadError",
    "WriteError",
    "DeleteError",
    "ValNotFoundError",
    "NoDriverCallbackError",
    "MoreDataError",
    "BadFormatError",
    "StillPlayingError",
    "UnpreparedError",
    "SyncError",
    "NoMapError",
    "NotReadyError",
    "NoDeviceError",
    "InvalidSetupError",
    "BadOpenModeError",
    "DontContinueError",
    "InvalidLineError",
    "InvalidControlError",
    "InvalidValueError",
    "ERROR_CLASSES",
    "error_for",
    "check",
]

# ---------------------------------------------------------------------------------------------
# Codes (spec 1.1). Each class of error has its own base; *_LASTERROR is the highest code.
# ---------------------------------------------------------------------------------------------

MMSYSERR_BASE = 0
WAVERR_BASE = 32
MIDIERR_BASE = 64
TIMERR_BASE = 96
JOYERR_BASE = 160
MCIERR_BASE = 256
MMIOERR_BASE = 256
MIXERR_BASE = 1024

MMSYSERR_NOERROR = 0
MMSYSERR_ERROR = MMSYSERR_BASE + 1
MMSYSERR_BADDEVICEID = MMSYSERR_BASE + 2
MMSYSERR_NOTENABLED = MMSYSERR_BASE + 3
MMSYSERR_ALLOCATED = MMSYSERR_BASE + 4
MMSYSERR_INVALHANDLE = MMSYSERR_BASE + 5
MMSYSERR_NODRIVER = MMSYSERR_BASE + 6
MMSYSERR_NOMEM = MMSYSERR_BASE + 7
MMSYSERR_NOTSUPPORTED = MMSYSERR_BASE + 8
MMSYSERR_BADERRNUM = MMSYSERR_BASE + 9
MMSYSERR_INVALFLAG = MMSYSERR_BASE + 10
MMSYSERR_INVALPARAM = MMSYSERR_BASE + 11
MMSYSERR_HANDLEBUSY = MMSYSERR_BASE + 12
MMSYSERR_INVALIDALIAS = MMSYSERR_BASE + 13
MMSYSERR_BADDB = MMSYSERR_BASE + 14
MMSYSERR_KEYNOTFOUND = MMSYSERR_BASE + 15
MMSYSERR_READERROR = MMSYSERR_BASE + 16
MMSYSERR_WRITEERROR = MMSYSERR_BASE + 17
MMSYSERR_DELETEERROR = MMSYSERR_BASE + 18
MMSYSERR_VALNOTFOUND = MMSYSERR_BASE + 19
MMSYSERR_NODRIVERCB = MMSYSERR_BASE + 20
MMSYSERR_MOREDATA = MMSYSERR_BASE + 21
MMSYSERR_LASTERROR = MMSYSERR_BASE + 21

WAVERR_BADFORMAT = WAVERR_BASE + 0
WAVERR_STILLPLAYING = WAVERR_BASE + 1
WAVERR_UNPREPARED = WAVERR_BASE + 2
WAVERR_SYNC = WAVERR_BASE + 3
WAVERR_LASTERROR = WAVERR_BASE + 3

MIDIERR_UNPREPARED = MIDIERR_BASE + 0
MIDIERR_STILLPLAYING = MIDIERR_BASE + 1
MIDIERR_NOMAP = MIDIERR_BASE + 2
MIDIERR_NOTREADY = MIDIERR_BASE + 3
MIDIERR_NODEVICE = MIDIERR_BASE + 4
MIDIERR_INVALIDSETUP = MIDIERR_BASE + 5
MIDIERR_BADOPENMODE = MIDIERR_BASE + 6
MIDIERR_DONT_CONTINUE = MIDIERR_BASE + 7
MIDIERR_LASTERROR = MIDIERR_BASE + 7

TIMERR_NOERROR = 0
TIMERR_NOCANDO = TIMERR_BASE + 1
TIMERR_STRUCT = TIMERR_BASE + 33

JOYERR_NOERROR = 0
JOYERR_PARMS = JOYERR_BASE + 5
JOYERR_NOCANDO = JOYERR_BASE + 6
JOYERR_UNPLUGGED = JOYERR_BASE + 7

MMIOERR_FILENOTFOUND = MMIOERR_BASE + 1
MMIOERR_OUTOFMEMORY = MMIOERR_BASE + 2
MMIOERR_CANNOTOPEN = MMIOERR_BASE + 3
MMIOERR_CANNOTCLOSE = MMIOERR_BASE + 4
MMIOERR_CANNOTREAD = MMIOERR_BASE + 5
MMIOERR_CANNOTWRITE = MMIOERR_BASE + 6
MMIOERR_CANNOTSEEK = MMIOERR_BASE + 7
MMIOERR_CANNOTEXPAND = MMIOERR_BASE + 8
MMIOERR_CHUNKNOTFOUND = MMIOERR_BASE + 9
MMIOERR_UNBUFFERED = MMIOERR_BASE + 10
MMIOERR_PATHNOTFOUND = MMIOERR_BASE + 11
MMIOERR_ACCESSDENIED = MMIOERR_BASE + 12
MMIOERR_SHARINGVIOLATION = MMIOERR_BASE + 13
MMIOERR_NETWORKERROR = MMIOERR_BASE + 14
MMIOERR_TOOMANYOPENFILES = MMIOERR_BASE + 15
MMIOERR_INVALIDFILE = MMIOERR_BASE + 16

MIXERR_INVALLINE = MIXERR_BASE + 0
MIXERR_INVALCONTROL = MIXERR_BASE + 1
MIXERR_INVALVALUE = MIXERR_BASE + 2
MIXERR_LASTERROR = MIXERR_BASE + 2

# code -> name. Where names share a value the error name wins over the *_NOERROR aliases,
# *_BASE and *_LASTERROR (21 is MMSYSERR_MOREDATA, not MMSYSERR_LASTERROR).
_RESULT_NAMES: dict[int, str] = {}
for _name, _value in list(globals().items()):
    if (
        isinstance(_value, int)
        and _name.isupper()
        and "ERR_" in _name
        and not _name.endswith(("_BASE", "_LASTERROR"))
        and _name not in ("TIMERR_NOERROR", "JOYERR_NOERROR")
    ):
        _RESULT_NAMES.setdefault(_value, _name)
del _name, _value


def result_name(code: int) -> str:
    """Return the Windows name of an MMRESULT.

    Parameters
    ----------
    code : int
        An MMRESULT.

    Returns
    -------
    str
        For example ``"MMSYSERR_NOERROR"`` or ``"WAVERR_STILLPLAYING"``; ``str(code)`` for a
        code with no name.
    """
    return _RESULT_NAMES.get(int(code), str(int(code)))


# ---------------------------------------------------------------------------------------------
# English texts. Wine's winmm.rc wording where the spec quotes it (0, 1, 2, 5, 11, 32, 33, 34,
# 64); the rest written in the same style. The project gives every code a text (spec choice
# "error texts"), so xxxGetErrorText never fails inside its range.
# ---------------------------------------------------------------------------------------------

_STILL_PLAYING_TEXT = (
    "Cannot perform this operation while media data is still playing. "
    "Reset the device, or wait until the data is finished playing."
)

ERROR_TEXTS: Mapping[int, str] = MappingProxyType(
    {
        MMSYSERR_NOERROR: "The specified command was carried out.",
        MMSYSERR_ERROR: "Undefined external error.",
        MMSYSERR_BADDEVICEID: "A device ID has been used that is out of range for your system.",
        MMSYSERR_NOTENABLED: "The driver was not enabled.",
        MMSYSERR_ALLOCATED: "The specified device is already in use. Wait until it is free, and then try again.",
        MMSYSERR_INVALHANDLE: "The specified device handle is invalid.",
        MMSYSERR_NODRIVER: "There is no driver installed on your system.",
        MMSYSERR_NOMEM: "There is not enough memory available for this task. Quit one or more applications to free memory, and then try again.",
        MMSYSERR_NOTSUPPORTED: "This function is not supported. Use the Capabilities function to determine which functions and messages the driver supports.",
        MMSYSERR_BADERRNUM: "An error number was specified that is not defined in the system.",
        MMSYSERR_INVALFLAG: "An invalid flag was passed to a system function.",
        MMSYSERR_INVALPARAM: "An invalid parameter was passed to a system function.",
        MMSYSERR_HANDLEBUSY: "The specified handle is being used by another thread. Wait until that operation has finished, and then try again.",
        MMSYSERR_INVALIDALIAS: "The specified alias was not found in the driver configuration.",
        MMSYSERR_BADDB: "The driver configuration database is damaged or cannot be used.",
        MMSYSERR_KEYNOTFOUND: "The specified key was not found in the driver configuration.",
        MMSYSERR_READERROR: "The driver configuration could not be read.",
        MMSYSERR_WRITEERROR: "The driver configuration could not be written.",
        MMSYSERR_DELETEERROR: "The entry could not be deleted from the driver configuration.",
        MMSYSERR_VALNOTFOUND: "The specified value was not found in the driver configuration.",
        MMSYSERR_NODRIVERCB: "The driver did not call DriverCallback.",
        MMSYSERR_MOREDATA: "There is more data than fits in the buffer supplied. Use a larger buffer, and then try again.",
        WAVERR_BADFORMAT: "The specified format is not supported or cannot be translated. Use the Capabilities function to determine the supported formats.",
        WAVERR_STILLPLAYING: _STILL_PLAYING_TEXT,
        WAVERR_UNPREPARED: "The wave header was not prepared. Use the Prepare function to prepare the header, and then try again.",
        WAVERR_SYNC: "The device is synchronous and cannot be opened without the WAVE_ALLOWSYNC flag. Use the flag, and then try again.",
        MIDIERR_UNPREPARED: "The MIDI header was not prepared. Use the Prepare function to prepare the header, and then try again.",
        MIDIERR_STILLPLAYING: _STILL_PLAYING_TEXT,
        MIDIERR_NOMAP: "A MIDI map was not found. The MIDI Mapper setup may be missing or damaged.",
        MIDIERR_NOTREADY: "The port is still sending data to the device. Wait until the data has been sent, and then try again.",
        MIDIERR_NODEVICE: "The current MIDI Mapper setup refers to a MIDI device that is not installed on the system.",
        MIDIERR_INVALIDSETUP: "The current MIDI setup is damaged. Restore the MIDI Mapper setup, and then try again.",
        MIDIERR_BADOPENMODE: "This operation is not supported in the mode the MIDI device was opened in.",
        MIDIERR_DONT_CONTINUE: "The MIDI message was consumed by a thru connection and is not passed on.",
        TIMERR_NOCANDO: "The timer could not carry out the request.",
        TIMERR_STRUCT: "The time structure has an invalid size.",
        JOYERR_PARMS: "An invalid parameter was passed to a joystick function.",
        JOYERR_NOCANDO: "The joystick driver could not carry out the request.",
        JOYERR_UNPLUGGED: "The specified joystick is not connected to the system.",
        MMIOERR_FILENOTFOUND: "The file was not found.",
        MMIOERR_OUTOFMEMORY: "There is not enough memory to carry out the file operation.",
        MMIOERR_CANNOTOPEN: "The file cannot be opened.",
        MMIOERR_CANNOTCLOSE: "The file cannot be closed.",
        MMIOERR_CANNOTREAD: "The file cannot be read.",
        MMIOERR_CANNOTWRITE: "The file cannot be written.",
        MMIOERR_CANNOTSEEK: "Cannot move to the requested position in the file.",
        MMIOERR_CANNOTEXPAND: "The file cannot be expanded.",
        MMIOERR_CHUNKNOTFOUND: "The requested chunk was not found in the file.",
        MMIOERR_UNBUFFERED: "The file is not open for buffered I/O.",
        MMIOERR_PATHNOTFOUND: "The path was not found.",
        MMIOERR_ACCESSDENIED: "Access to the file was denied.",
        MMIOERR_SHARINGVIOLATION: "The file is in use by another process.",
        MMIOERR_NETWORKERROR: "A network error occurred while accessing the file.",
        MMIOERR_TOOMANYOPENFILES: "Too many files are open.",
        MMIOERR_INVALIDFILE: "The file is not a valid multimedia file.",
        MIXERR_INVALLINE: "The specified line is not valid for this mixer device.",
        MIXERR_INVALCONTROL: "The specified control is not valid for this mixer device.",
        MIXERR_INVALVALUE: "The specified value is out of range for this mixer control.",
    }
)

# B211: the codes each family's xxxGetErrorText accepts (as (first, last) inclusive ranges).
_TEXT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "wave": ((MMSYSERR_BASE, MMSYSERR_LASTERROR), (WAVERR_BASE, WAVERR_LASTERROR)),
    "midi": ((MMSYSERR_BASE, MMSYSERR_LASTERROR), (MIDIERR_BASE, MIDIERR_LASTERROR)),
    "mixer": ((MMSYSERR_BASE, MMSYSERR_LASTERROR), (MIXERR_BASE, MIXERR_LASTERROR)),
}


def _ranges(family: str) -> tuple[tuple[int, int], ...]:
    try:
        return _TEXT_RANGES[family]
    except KeyError:
        raise ValueError(
            f"unknown error-text family {family!r}; expected 'wave', 'midi' or 'mixer'"
        ) from None


def _text_in_range(code: int, ranges: tuple[tuple[int, int], ...]) -> str | None:
    if any(first <= code <= last for first, last in ranges):
        return ERROR_TEXTS.get(code)
    return None


def get_error_text(code: int, family: str) -> str:
    """Return the English text for an MMRESULT, as ``waveOutGetErrorText`` etc. would.

    Parameters
    ----------
    code : int
        The MMRESULT to describe.
    family : str
        ``"wave"`` (accepts 0..21 and 32..35), ``"midi"`` (0..21 and 64..71) or ``"mixer"``
        (0..21 and 1024..1026).

    Returns
    -------
    str
        The full text, untruncated.

    Raises
    ------
    BadErrNumError
        If `code` is outside the family's ranges (``MMSYSERR_BADERRNUM``).
    ValueError
        If `family` is not one of the names above.
    """
    text = _text_in_range(int(code), _ranges(family))
    if text is None:
        raise BadErrNumError(MMSYSERR_BADERRNUM, f"error code {code} ({family})")
    return text


def copy_error_text(code: int, family: str, size: int) -> tuple[int, str]:
    """Apply the ``xxxGetErrorText`` buffer contract (B210-B212).

    Parameters
    ----------
    code : int
        The MMRESULT to describe.
    family : str
        ``"wave"``, ``"midi"`` or ``"mixer"``, as for `get_error_text`.
    size : int
        The caller's buffer size in characters (``uSize``), room for the NUL included.

    Returns
    -------
    tuple[int, str]
        ``(MMRESULT, text)``: the text to write before the terminating NUL, truncated to
        ``size - 1`` characters. ``size == 0`` gives ``(MMSYSERR_NOERROR, "")`` and nothing
        must be written, whatever the code (Windows checks the size first); a code outside
        the family's ranges gives ``(MMSYSERR_BADERRNUM, "")`` and nothing is written.

    Raises
    ------
    ValueError
        If `size` is negative or `family` unknown. (The NULL-buffer case,
        ``MMSYSERR_INVALPARAM``, belongs to the caller, which owns the buffer.)
    """
    if size < 0:
        raise ValueError(f"buffer size must not be negative, got {size}")
    ranges = _ranges(family)
    if size == 0:
        return MMSYSERR_NOERROR, ""
    text = _text_in_range(int(code), ranges)
    if text is None:
        return MMSYSERR_BADERRNUM, ""
    # The A variants truncate the converted bytes instead; every text here is ASCII, so
    # characters and bytes agree.
    return MMSYSERR_NOERROR, text[: size - 1]


# ---------------------------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------------------------


class MMSystemError(Exception):
    """Base class of every error raised for a nonzero MMRESULT.

    Parameters
    ----------
    code : int, optional
        The MMRESULT. Defaults to the class's `default_code` (``MMSYSERR_ERROR`` here).
    context : str, optional
        What failed, e.g. ``"waveOutOpen"``; put in front of the message.

    Attributes
    ----------
    code : int
        The exact MMRESULT, also when a class covers several codes
        (``StillPlayingError`` is raised for both ``WAVERR_STILLPLAYING`` and
        ``MIDIERR_STILLPLAYING``).
    name : str
        The Windows name of `code`.
    text : str
        The English error text.
    context : str or None
        As given.
    """

    default_code: int = MMSYSERR_ERROR

    def __init__(self, code: int | None = None, context: str | None = None) -> None:
        self.code: int = int(self.default_code if code is None else code)
        self.name: str = result_name(self.code)
        self.text: str = ERROR_TEXTS.get(self.code, f"Unknown multimedia error {self.code}.")
        self.context: str | None = context
        # One-argument init: OSError subclasses would otherwise read (code, context) as
        # (errno, strerror).
        super().__init__(self._message())

    def _message(self) -> str:
        prefix = f"{self.context}: " if self.context else ""
        return f"{prefix}{self.text} ({self.name})"

    def __str__(self) -> str:
        # Defined here so KeyError-like bases cannot put quotes around the message.
        return self._message()

    def __reduce__(self) -> tuple[type[MMSystemError], tuple[int, str | None]]:
        # args holds the message, not (code, context); pickle must rebuild from the latter.
        return type(self), (self.code, self.context)


class UnspecifiedError(MMSystemError):
    """``MMSYSERR_ERROR``: an unspecified failure (also what a driver's stray exception becomes)."""

    default_code = MMSYSERR_ERROR


class BadDeviceIdError(MMSystemError, LookupError):
    """``MMSYSERR_BADDEVICEID``: the device id is out of range."""

    default_code = MMSYSERR_BADDEVICEID


class NotEnabledError(MMSystemError, OSError):
    """``MMSYSERR_NOTENABLED``: the driver failed to load or enable."""

    default_code = MMSYSERR_NOTENABLED


class AllocatedError(MMSystemError, OSError):
    """``MMSYSERR_ALLOCATED``: the device is already in use."""

    default_code = MMSYSERR_ALLOCATED


class InvalidHandleError(MMSystemError, ValueError):
    """``MMSYSERR_INVALHANDLE``: the handle is not an open device of this class."""

    default_code = MMSYSERR_INVALHANDLE


class NoDriverError(MMSystemError, LookupError):
    """``MMSYSERR_NODRIVER``: no driver is installed for the device class."""

    default_code = MMSYSERR_NODRIVER


class NoMemError(MMSystemError, MemoryError):
    """``MMSYSERR_NOMEM``: memory could not be allocated."""

    default_code = MMSYSERR_NOMEM


class NotSupportedError(MMSystemError, NotImplementedError):
    """``MMSYSERR_NOTSUPPORTED``: the driver does not support the function."""

    default_code = MMSYSERR_NOTSUPPORTED


class BadErrNumError(MMSystemError, ValueError):
    """``MMSYSERR_BADERRNUM``: the error number has no text in this family."""

    default_code = MMSYSERR_BADERRNUM


class InvalidFlagError(MMSystemError, ValueError):
    """``MMSYSERR_INVALFLAG``: an invalid flag was passed."""

    default_code = MMSYSERR_INVALFLAG


class InvalidParamError(MMSystemError, ValueError):
    """``MMSYSERR_INVALPARAM``: an invalid parameter was passed."""

    default_code = MMSYSERR_INVALPARAM


class HandleBusyError(MMSystemError, RuntimeError):
    """``MMSYSERR_HANDLEBUSY``: the handle is in use on another thread."""

    default_code = MMSYSERR_HANDLEBUSY


class InvalidAliasError(MMSystemError, LookupError):
    """``MMSYSERR_INVALIDALIAS``: the alias is not in the driver configuration."""

    default_code = MMSYSERR_INVALIDALIAS


class BadDbError(MMSystemError, OSError):
    """``MMSYSERR_BADDB``: the driver configuration database is damaged."""

    default_code = MMSYSERR_BADDB


class KeyNotFoundError(MMSystemError, LookupError):
    """``MMSYSERR_KEYNOTFOUND``: a configuration key was not found."""

    default_code = MMSYSERR_KEYNOTFOUND


class ReadError(MMSystemError, OSError):
    """``MMSYSERR_READERROR``: the driver configuration could not be read."""

    default_code = MMSYSERR_READERROR


class WriteError(MMSystemError, OSError):
    """``MMSYSERR_WRITEERROR``: the driver configuration could not be written."""

    default_code = MMSYSERR_WRITEERROR


class DeleteError(MMSystemError, OSError):
    """``MMSYSERR_DELETEERROR``: a configuration entry could not be deleted."""

    default_code = MMSYSERR_DELETEERROR


class ValNotFoundError(MMSystemError, LookupError):
    """``MMSYSERR_VALNOTFOUND``: a configuration value was not found."""

    default_code = MMSYSERR_VALNOTFOUND


class NoDriverCallbackError(MMSystemError, RuntimeError):
    """``MMSYSERR_NODRIVERCB``: the driver does not call DriverCallback."""

    default_code = MMSYSERR_NODRIVERCB


class MoreDataError(MMSystemError, BufferError):
    """``MMSYSERR_MOREDATA``: more data is available than the buffer holds."""

    default_code = MMSYSERR_MOREDATA


class BadFormatError(MMSystemError, ValueError):
    """``WAVERR_BADFORMAT``: the wave format is not supported."""

    default_code = WAVERR_BADFORMAT


class StillPlayingError(MMSystemError, RuntimeError):
    """``WAVERR_STILLPLAYING`` or ``MIDIERR_STILLPLAYING``: buffers are still queued."""

    default_code = WAVERR_STILLPLAYING


class UnpreparedError(MMSystemError, RuntimeError):
    """``WAVERR_UNPREPARED`` or ``MIDIERR_UNPREPARED``: the header was not prepared."""

    default_code = WAVERR_UNPREPARED


class SyncError(MMSystemError, ValueError):
    """``WAVERR_SYNC``: a synchronous device was opened without ``WAVE_ALLOWSYNC``."""

    default_code = WAVERR_SYNC


class NoMapError(MMSystemError, LookupError):
    """``MIDIERR_NOMAP``: no MIDI map was found."""

    default_code = MIDIERR_NOMAP


class NotReadyError(MMSystemError, OSError):
    """``MIDIERR_NOTREADY``: the port is still busy sending data."""

    default_code = MIDIERR_NOTREADY


class NoDeviceError(MMSystemError, LookupError):
    """``MIDIERR_NODEVICE``: the MIDI map refers to a device that is not installed."""

    default_code = MIDIERR_NODEVICE


class InvalidSetupError(MMSystemError, OSError):
    """``MIDIERR_INVALIDSETUP``: the MIDI setup is damaged."""

    default_code = MIDIERR_INVALIDSETUP


class BadOpenModeError(MMSystemError, ValueError):
    """``MIDIERR_BADOPENMODE``: the operation is not allowed in the mode the device was opened in."""

    default_code = MIDIERR_BADOPENMODE


class DontContinueError(MMSystemError, RuntimeError):
    """``MIDIERR_DONT_CONTINUE``: a thru connection consumed the message."""

    default_code = MIDIERR_DONT_CONTINUE


class InvalidLineError(MMSystemError, LookupError):
    """``MIXERR_INVALLINE``: no such mixer line."""

    default_code = MIXERR_INVALLINE


class InvalidControlError(MMSystemError, LookupError):
    """``MIXERR_INVALCONTROL``: no such mixer control."""

    default_code = MIXERR_INVALCONTROL


class InvalidValueError(MMSystemError, ValueError):
    """``MIXERR_INVALVALUE``: the control value is out of range."""

    default_code = MIXERR_INVALVALUE


# code -> class. Codes missing here (timer, joystick, MMIO) raise plain MMSystemError.
ERROR_CLASSES: Mapping[int, type[MMSystemError]] = MappingProxyType(
    {
        MMSYSERR_ERROR: UnspecifiedError,
        MMSYSERR_BADDEVICEID: BadDeviceIdError,
        MMSYSERR_NOTENABLED: NotEnabledError,
        MMSYSERR_ALLOCATED: AllocatedError,
        MMSYSERR_INVALHANDLE: InvalidHandleError,
        MMSYSERR_NODRIVER: NoDriverError,
        MMSYSERR_NOMEM: NoMemError,
        MMSYSERR_NOTSUPPORTED: NotSupportedError,
        MMSYSERR_BADERRNUM: BadErrNumError,
        MMSYSERR_INVALFLAG: InvalidFlagError,
        MMSYSERR_INVALPARAM: InvalidParamError,
        MMSYSERR_HANDLEBUSY: HandleBusyError,
        MMSYSERR_INVALIDALIAS: InvalidAliasError,
        MMSYSERR_BADDB: BadDbError,
        MMSYSERR_KEYNOTFOUND: KeyNotFoundError,
        MMSYSERR_READERROR: ReadError,
        MMSYSERR_WRITEERROR: WriteError,
        MMSYSERR_DELETEERROR: DeleteError,
        MMSYSERR_VALNOTFOUND: ValNotFoundError,
        MMSYSERR_NODRIVERCB: NoDriverCallbackError,
        MMSYSERR_MOREDATA: MoreDataError,
        WAVERR_BADFORMAT: BadFormatError,
        WAVERR_STILLPLAYING: StillPlayingError,
        WAVERR_UNPREPARED: UnpreparedError,
        WAVERR_SYNC: SyncError,
        MIDIERR_UNPREPARED: UnpreparedError,
        MIDIERR_STILLPLAYING: StillPlayingError,
        MIDIERR_NOMAP: NoMapError,
        MIDIERR_NOTREADY: NotReadyError,
        MIDIERR_NODEVICE: NoDeviceError,
        MIDIERR_INVALIDSETUP: InvalidSetupError,
        MIDIERR_BADOPENMODE: BadOpenModeError,
        MIDIERR_DONT_CONTINUE: DontContinueError,
        MIXERR_INVALLINE: InvalidLineError,
        MIXERR_INVALCONTROL: InvalidControlError,
        MIXERR_INVALVALUE: InvalidValueError,
    }
)


def error_for(code: int, context: str | None = None) -> MMSystemError:
    """Build (not raise) the exception for a nonzero MMRESULT.

    Parameters
    ----------
    code : int
        A nonzero MMRESULT.
    context : str, optional
        What failed, e.g. ``"waveOutWrite"``.

    Returns
    -------
    MMSystemError
        An instance of the class in `ERROR_CLASSES`, or of `MMSystemError` itself for a code
        without a class; ``.code`` is always exactly `code`.

    Raises
    ------
    ValueError
        If `code` is ``MMSYSERR_NOERROR``.
    """
    code = int(code)
    if code == MMSYSERR_NOERROR:
        raise ValueError("MMSYSERR_NOERROR is not an error")
    return ERROR_CLASSES.get(code, MMSystemError)(code, context)


def check(code: int, context: str | None = None) -> None:
    """Raise the matching `MMSystemError` subclass if `code` is not ``MMSYSERR_NOERROR``.

    Parameters
    ----------
    code : int
        An MMRESULT.
    context : str, optional
        What failed, put in front of the message.

    Raises
    ------
    MMSystemError
        The class from `error_for`, for any nonzero `code`.
    """
    if code:
        raise error_for(code, context)
