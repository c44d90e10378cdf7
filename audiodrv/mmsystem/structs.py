"""MMSYSTEM and MMDDK structures as ctypes types, laid out like Windows x64 (spec 1.11).

Every structure uses 1-byte packing, as mmsystem.h and mmddk.h do. Windows integer types are
spelled with fixed-size ctypes types here (``DWORD`` is 4 bytes; ``ctypes.wintypes.DWORD`` is
8 bytes on Linux), pointers and handles are `ctypes.c_void_p` (so addresses read as ints) and
``DWORD_PTR`` is `ctypes.c_size_t`. ``WCHAR`` is a 16-bit unit (``ctypes.c_wchar`` is 4 bytes
on Linux), so W structures hold their strings in `ctypes.c_uint16` arrays: use `set_wstr` /
`get_wstr` (or `set_string` / `get_string` for either kind) to write and read them.
"""

from __future__ import annotations

import ctypes
from ctypes import Structure, Union

__all__ = [
    "BYTE",
    "CHAR",
    "WCHAR",
    "WORD",
    "DWORD",
    "UINT",
    "LONG",
    "MMVERSION",
    "DWORD_PTR",
    "LPVOID",
    "ANSI_CODEPAGE",
    "set_wstr",
    "get_wstr",
    "set_string",
    "get_string",
    "GUID",
    "WAVEFORMAT",
    "PCMWAVEFORMAT",
    "WAVEFORMATEX",
    "WAVEFORMATEXTENSIBLE",
    "WAVEHDR",
    "MIDIHDR",
    "MIDIHDR_OLD_SIZE",
    "WAVEOUTCAPSA",
    "WAVEOUTCAPSW",
    "WAVEOUTCAPS2A",
    "WAVEOUTCAPS2W",
    "WAVEINCAPSA",
    "WAVEINCAPSW",
    "WAVEINCAPS2A",
    "WAVEINCAPS2W",
    "MIDIOUTCAPSA",
    "MIDIOUTCAPSW",
    "MIDIOUTCAPS2A",
    "MIDIOUTCAPS2W",
    "MIDIINCAPSA",
    "MIDIINCAPSW",
    "MIDIINCAPS2A",
    "MIDIINCAPS2W",
    "AUXCAPSA",
    "AUXCAPSW",
    "AUXCAPS2A",
    "AUXCAPS2W",
    "MIXERCAPSA",
    "MIXERCAPSW",
    "MIXERCAPS2A",
    "MIXERCAPS2W",
    "MIDIEVENT",
    "MIDIPROPTEMPO",
    "MIDIPROPTIMEDIV",
    "MMTIME",
    "TIMECAPS",
    "MIXERLINEA",
    "MIXERLINEW",
    "MIXERCONTROLA",
    "MIXERCONTROLW",
    "MIXERLINECONTROLSA",
    "MIXERLINECONTROLSW",
    "MIXERCONTROLDETAILS",
    "MIXERCONTROLDETAILS_UNSIGNED",
    "MIXERCONTROLDETAILS_SIGNED",
    "MIXERCONTROLDETAILS_BOOLEAN",
    "MIXERCONTROLDETAILS_LISTTEXTA",
    "MIXERCONTROLDETAILS_LISTTEXTW",
    "WAVEOPENDESC",
    "MIDIOPENSTRMID",
    "MIDIOPENDESC",
    "MIXEROPENDESC",
    "DRVCONFIGINFO",
    "DRIVERINFOSTRUCT",
    "WAVEOUTCAPS",
    "WAVEOUTCAPS2",
    "WAVEINCAPS",
    "WAVEINCAPS2",
    "MIDIOUTCAPS",
    "MIDIOUTCAPS2",
    "MIDIINCAPS",
    "MIDIINCAPS2",
    "AUXCAPS",
    "AUXCAPS2",
    "MIXERCAPS",
    "MIXERCAPS2",
    "MIXERLINE",
    "MIXERCONTROL",
    "MIXERLINECONTROLS",
    "MIXERCONTROLDETAILS_LISTTEXT",
]

# ---------------------------------------------------------------------------------------------
# Windows integer types (fixed sizes, unlike ctypes.wintypes on Linux)
# ---------------------------------------------------------------------------------------------

BYTE = ctypes.c_uint8
CHAR = ctypes.c_char
WCHAR = ctypes.c_uint16
WORD = ctypes.c_uint16
DWORD = ctypes.c_uint32
UINT = ctypes.c_uint32
LONG = ctypes.c_int32
MMVERSION = UINT  # major version in the high byte, minor in the low byte
DWORD_PTR = ctypes.c_size_t
LPVOID = ctypes.c_void_p  # every pointer and handle field

_PNAME_A = CHAR * 32  # MAXPNAMELEN
_PNAME_W = WCHAR * 32
_SHORTNAME_A = CHAR * 16  # MIXER_SHORT_NAME_CHARS
_SHORTNAME_W = WCHAR * 16
_LONGNAME_A = CHAR * 64  # MIXER_LONG_NAME_CHARS
_LONGNAME_W = WCHAR * 64

# Encoding of CHAR strings: the ANSI code page of an English Windows.
ANSI_CODEPAGE = "cp1252"

# ---------------------------------------------------------------------------------------------
# String helpers
# ---------------------------------------------------------------------------------------------


def set_wstr(array: ctypes.Array[ctypes.c_uint16], text: str) -> int:
    """Write `text` as NUL-terminated UTF-16 into a ``WCHAR`` array, truncating like lstrcpynW.

    Parameters
    ----------
    array : ctypes array of c_uint16
        The field, e.g. ``caps.szPname`` of a `WAVEOUTCAPSW`; written in place.
    text : str
        The string. At most ``len(array) - 1`` UTF-16 units are kept (a surrogate pair is
        never split); the rest of the array is zeroed.

    Returns
    -------
    int
        The number of UTF-16 units written before the NUL.
    """
    size = len(array)
    if size == 0:
        return 0
    data = text.encode("utf-16-le", "surrogatepass")
    units = min(len(data) // 2, size - 1)
    # Do not leave half of a surrogate pair at the cut.
    if units and units < len(data) // 2:
        last = int.from_bytes(data[2 * units - 2 : 2 * units], "little")
        if 0xD800 <= last <= 0xDBFF:
            units -= 1
    ctypes.memset(array, 0, ctypes.sizeof(array))
    ctypes.memmove(array, data, 2 * units)
    return units


def get_wstr(array: ctypes.Array[ctypes.c_uint16]) -> str:
    """Read a NUL-terminated UTF-16 string from a ``WCHAR`` array.

    Parameters
    ----------
    array : ctypes array of c_uint16
        The field, e.g. ``caps.szPname``.

    Returns
    -------
    str
        The text before the first NUL unit (the whole array if there is none).
    """
    units = array[:]
    end = units.index(0) if 0 in units else len(units)
    return bytes(array)[: 2 * end].decode("utf-16-le", "surrogatepass")


def set_string(struct: Structure | Union, field: str, text: str) -> None:
    """Set a string field of an A or W structure, truncated to leave room for the NUL.

    Parameters
    ----------
    struct : ctypes Structure or Union
        For example a `WAVEOUTCAPSA` or `WAVEOUTCAPSW`.
    field : str
        The field name, e.g. ``"szPname"``.
    text : str
        The string; encoded as `ANSI_CODEPAGE` (unmappable characters become ``?``) for a
        ``CHAR`` field, as UTF-16 for a ``WCHAR`` field.
    """
    value = getattr(struct, field)
    if isinstance(value, ctypes.Array):
        set_wstr(value, text)
        return
    # A CHAR array reads back as bytes, and a c_wchar one (``wintypes.WCHAR`` of a caller's
    # own structure: 4 bytes on Linux) as str, not as an array object, so write through the
    # structure: clear the whole field first so no stale characters follow the NUL.
    descr = getattr(type(struct), field)
    ctypes.memset(ctypes.addressof(struct) + descr.offset, 0, descr.size)
    if isinstance(value, str):
        chars = descr.size // ctypes.sizeof(ctypes.c_wchar)
        setattr(struct, field, text[: chars - 1])
    else:
        setattr(struct, field, text.encode(ANSI_CODEPAGE, "replace")[: descr.size - 1])


def get_string(struct: Structure | Union, field: str) -> str:
    """Read a string field of an A or W structure.

    Parameters
    ----------
    struct : ctypes Structure or Union
        For example a `MIXERLINEA` or `MIXERLINEW`.
    field : str
        The field name, e.g. ``"szName"``.

    Returns
    -------
    str
        The text before the NUL, decoded as `ANSI_CODEPAGE` or UTF-16.
    """
    value = getattr(struct, field)
    if isinstance(value, ctypes.Array):
        return get_wstr(value)
    if isinstance(value, str):  # a c_wchar array (see set_string)
        return value
    return bytes(value).decode(ANSI_CODEPAGE, "replace")


class _Struct(Structure):
    _pack_ = 1


class _Union(Union):
    _pack_ = 1


# ---------------------------------------------------------------------------------------------
# GUID (Data1..Data3 little-endian, Data4 bytes as is; 16 bytes)
# ---------------------------------------------------------------------------------------------


class GUID(_Struct):
    """A Windows GUID. ``bytes(guid)`` is its 16-byte memory image."""

    _fields_ = [
        ("Data1", DWORD),
        ("Data2", WORD),
        ("Data3", WORD),
        ("Data4", BYTE * 8),
    ]


# ---------------------------------------------------------------------------------------------
# Wave formats
# ---------------------------------------------------------------------------------------------


class WAVEFORMAT(_Struct):
    """The pre-PCMWAVEFORMAT header shared by all formats (14 bytes)."""

    _fields_ = [
        ("wFormatTag", WORD),
        ("nChannels", WORD),
        ("nSamplesPerSec", DWORD),
        ("nAvgBytesPerSec", DWORD),
        ("nBlockAlign", WORD),
    ]


class PCMWAVEFORMAT(_Struct):
    """`WAVEFORMAT` plus ``wBitsPerSample`` (16 bytes)."""

    _fields_ = [
        ("wf", WAVEFORMAT),
        ("wBitsPerSample", WORD),
    ]


class WAVEFORMATEX(_Struct):
    """The wave format passed to ``waveOutOpen`` (18 bytes; ``cbSize`` extra bytes follow)."""

    _fields_ = [
        ("wFormatTag", WORD),
        ("nChannels", WORD),
        ("nSamplesPerSec", DWORD),
        ("nAvgBytesPerSec", DWORD),
        ("nBlockAlign", WORD),
        ("wBitsPerSample", WORD),
        ("cbSize", WORD),
    ]


class _WAVEFORMATEXTENSIBLE_SAMPLES(_Union):
    _fields_ = [
        ("wValidBitsPerSample", WORD),
        ("wSamplesPerBlock", WORD),
        ("wReserved", WORD),
    ]


class WAVEFORMATEXTENSIBLE(_Struct):
    """``WAVE_FORMAT_EXTENSIBLE`` format: `WAVEFORMATEX` with ``cbSize`` 22 and 22 more bytes (40)."""

    _fields_ = [
        ("Format", WAVEFORMATEX),
        ("Samples", _WAVEFORMATEXTENSIBLE_SAMPLES),
        ("dwChannelMask", DWORD),
        ("SubFormat", GUID),
    ]


# ---------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------


class WAVEHDR(_Struct):
    """A wave data buffer header (48 bytes on x64)."""

    _fields_ = [
        ("lpData", LPVOID),
        ("dwBufferLength", DWORD),
        ("dwBytesRecorded", DWORD),
        ("dwUser", DWORD_PTR),
        ("dwFlags", DWORD),
        ("dwLoops", DWORD),
        ("lpNext", LPVOID),
        ("reserved", DWORD_PTR),
    ]


class MIDIHDR(_Struct):
    """A MIDI long-message / stream buffer header (112 bytes on x64; packing puts lpNext at 28)."""

    _fields_ = [
        ("lpData", LPVOID),
        ("dwBufferLength", DWORD),
        ("dwBytesRecorded", DWORD),
        ("dwUser", DWORD_PTR),
        ("dwFlags", DWORD),
        ("lpNext", LPVOID),
        ("reserved", DWORD_PTR),
        ("dwOffset", DWORD),
        ("dwReserved", DWORD_PTR * 8),
    ]


# The "old" MIDIHDR ends before dwOffset; prepare and midiStreamOut accept it as the minimum.
MIDIHDR_OLD_SIZE: int = MIDIHDR.dwOffset.offset

# ---------------------------------------------------------------------------------------------
# Capabilities. vDriverVersion is an MMVERSION (UINT); szPname holds MAXPNAMELEN characters.
# ---------------------------------------------------------------------------------------------

_CAPS2_GUIDS = [
    ("ManufacturerGuid", GUID),
    ("ProductGuid", GUID),
    ("NameGuid", GUID),
]


def _caps_fields(pname: type, *rest: tuple[str, type]) -> list[tuple[str, type]]:
    return [
        ("wMid", WORD),
        ("wPid", WORD),
        ("vDriverVersion", MMVERSION),
        ("szPname", pname),
        *rest,
    ]


_WAVEOUTCAPS_TAIL = (
    ("dwFormats", DWORD),
    ("wChannels", WORD),
    ("wReserved1", WORD),
    ("dwSupport", DWORD),
)
_WAVEINCAPS_TAIL = (("dwFormats", DWORD), ("wChannels", WORD), ("wReserved1", WORD))
_MIDIOUTCAPS_TAIL = (
    ("wTechnology", WORD),
    ("wVoices", WORD),
    ("wNotes", WORD),
    ("wChannelMask", WORD),
    ("dwSupport", DWORD),
)
_MIDIINCAPS_TAIL = (("dwSupport", DWORD),)
_AUXCAPS_TAIL = (("wTechnology", WORD), ("wReserved1", WORD), ("dwSupport", DWORD))
_MIXERCAPS_TAIL = (("fdwSupport", DWORD), ("cDestinations", DWORD))


class WAVEOUTCAPSA(_Struct):
    """Wave-output capabilities, ANSI name (52 bytes)."""

    _fields_ = _caps_fields(_PNAME_A, *_WAVEOUTCAPS_TAIL)


class WAVEOUTCAPSW(_Struct):
    """Wave-output capabilities, UTF-16 name (84 bytes)."""

    _fields_ = _caps_fields(_PNAME_W, *_WAVEOUTCAPS_TAIL)


class WAVEOUTCAPS2A(_Struct):
    """`WAVEOUTCAPSA` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_A, *_WAVEOUTCAPS_TAIL, *_CAPS2_GUIDS)


class WAVEOUTCAPS2W(_Struct):
    """`WAVEOUTCAPSW` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_W, *_WAVEOUTCAPS_TAIL, *_CAPS2_GUIDS)


class WAVEINCAPSA(_Struct):
    """Wave-input capabilities, ANSI name (48 bytes)."""

    _fields_ = _caps_fields(_PNAME_A, *_WAVEINCAPS_TAIL)


class WAVEINCAPSW(_Struct):
    """Wave-input capabilities, UTF-16 name (80 bytes)."""

    _fields_ = _caps_fields(_PNAME_W, *_WAVEINCAPS_TAIL)


class WAVEINCAPS2A(_Struct):
    """`WAVEINCAPSA` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_A, *_WAVEINCAPS_TAIL, *_CAPS2_GUIDS)


class WAVEINCAPS2W(_Struct):
    """`WAVEINCAPSW` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_W, *_WAVEINCAPS_TAIL, *_CAPS2_GUIDS)


class MIDIOUTCAPSA(_Struct):
    """MIDI-output capabilities, ANSI name (52 bytes)."""

    _fields_ = _caps_fields(_PNAME_A, *_MIDIOUTCAPS_TAIL)


class MIDIOUTCAPSW(_Struct):
    """MIDI-output capabilities, UTF-16 name (84 bytes)."""

    _fields_ = _caps_fields(_PNAME_W, *_MIDIOUTCAPS_TAIL)


class MIDIOUTCAPS2A(_Struct):
    """`MIDIOUTCAPSA` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_A, *_MIDIOUTCAPS_TAIL, *_CAPS2_GUIDS)


class MIDIOUTCAPS2W(_Struct):
    """`MIDIOUTCAPSW` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_W, *_MIDIOUTCAPS_TAIL, *_CAPS2_GUIDS)


class MIDIINCAPSA(_Struct):
    """MIDI-input capabilities, ANSI name (44 bytes)."""

    _fields_ = _caps_fields(_PNAME_A, *_MIDIINCAPS_TAIL)


class MIDIINCAPSW(_Struct):
    """MIDI-input capabilities, UTF-16 name (76 bytes)."""

    _fields_ = _caps_fields(_PNAME_W, *_MIDIINCAPS_TAIL)


class MIDIINCAPS2A(_Struct):
    """`MIDIINCAPSA` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_A, *_MIDIINCAPS_TAIL, *_CAPS2_GUIDS)


class MIDIINCAPS2W(_Struct):
    """`MIDIINCAPSW` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_W, *_MIDIINCAPS_TAIL, *_CAPS2_GUIDS)


class AUXCAPSA(_Struct):
    """Auxiliary-audio capabilities, ANSI name (48 bytes)."""

    _fields_ = _caps_fields(_PNAME_A, *_AUXCAPS_TAIL)


class AUXCAPSW(_Struct):
    """Auxiliary-audio capabilities, UTF-16 name (80 bytes)."""

    _fields_ = _caps_fields(_PNAME_W, *_AUXCAPS_TAIL)


class AUXCAPS2A(_Struct):
    """`AUXCAPSA` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_A, *_AUXCAPS_TAIL, *_CAPS2_GUIDS)


class AUXCAPS2W(_Struct):
    """`AUXCAPSW` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_W, *_AUXCAPS_TAIL, *_CAPS2_GUIDS)


class MIXERCAPSA(_Struct):
    """Mixer capabilities, ANSI name (48 bytes)."""

    _fields_ = _caps_fields(_PNAME_A, *_MIXERCAPS_TAIL)


class MIXERCAPSW(_Struct):
    """Mixer capabilities, UTF-16 name (80 bytes)."""

    _fields_ = _caps_fields(_PNAME_W, *_MIXERCAPS_TAIL)


class MIXERCAPS2A(_Struct):
    """`MIXERCAPSA` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_A, *_MIXERCAPS_TAIL, *_CAPS2_GUIDS)


class MIXERCAPS2W(_Struct):
    """`MIXERCAPSW` plus ManufacturerGuid, ProductGuid, NameGuid."""

    _fields_ = _caps_fields(_PNAME_W, *_MIXERCAPS_TAIL, *_CAPS2_GUIDS)


# ---------------------------------------------------------------------------------------------
# MIDI streams
# ---------------------------------------------------------------------------------------------


class MIDIEVENT(_Struct):
    """One stream event. A short event occupies 12 bytes (up to ``dwParms``); a long one
    ``12 + MEVT_EVENTPARM(dwEvent)`` rounded up to a DWORD."""

    _fields_ = [
        ("dwDeltaTime", DWORD),
        ("dwStreamID", DWORD),
        ("dwEvent", DWORD),
        ("dwParms", DWORD * 1),
    ]


class MIDIPROPTEMPO(_Struct):
    """``midiStreamProperty(MIDIPROP_TEMPO)``: microseconds per quarter note."""

    _fields_ = [
        ("cbStruct", DWORD),
        ("dwTempo", DWORD),
    ]


class MIDIPROPTIMEDIV(_Struct):
    """``midiStreamProperty(MIDIPROP_TIMEDIV)``: PPQN, or SMPTE with bit 15 set."""

    _fields_ = [
        ("cbStruct", DWORD),
        ("dwTimeDiv", DWORD),
    ]


# ---------------------------------------------------------------------------------------------
# MMTIME
# ---------------------------------------------------------------------------------------------


class _MMTIME_SMPTE(_Struct):
    _fields_ = [
        ("hour", BYTE),
        ("min", BYTE),
        ("sec", BYTE),
        ("frame", BYTE),
        ("fps", BYTE),
        ("dummy", BYTE),
        ("pad", BYTE * 2),
    ]


class _MMTIME_MIDI(_Struct):
    _fields_ = [
        ("songptrpos", DWORD),
    ]


class _MMTIME_U(_Union):
    _fields_ = [
        ("ms", DWORD),
        ("sample", DWORD),
        ("cb", DWORD),
        ("ticks", DWORD),
        ("smpte", _MMTIME_SMPTE),
        ("midi", _MMTIME_MIDI),
    ]


class MMTIME(_Struct):
    """A position: ``wType`` (``TIME_*``) says which member of ``u`` is valid (12 bytes)."""

    _fields_ = [
        ("wType", UINT),
        ("u", _MMTIME_U),
    ]


class TIMECAPS(_Struct):
    """``timeGetDevCaps``: the timer periods supported, in ms (8 bytes; not in the spec)."""

    _fields_ = [
        ("wPeriodMin", UINT),
        ("wPeriodMax", UINT),
    ]


# ---------------------------------------------------------------------------------------------
# Mixer
# ---------------------------------------------------------------------------------------------


def _target_fields(pname: type) -> list[tuple[str, type]]:
    return [
        ("dwType", DWORD),  # MIXERLINE_TARGETTYPE_*
        ("dwDeviceID", DWORD),
        ("wMid", WORD),
        ("wPid", WORD),
        ("vDriverVersion", MMVERSION),
        ("szPname", pname),
    ]


class _MIXERLINEA_TARGET(_Struct):
    _fields_ = _target_fields(_PNAME_A)


class _MIXERLINEW_TARGET(_Struct):
    _fields_ = _target_fields(_PNAME_W)


def _mixerline_fields(short: type, long: type, target: type) -> list[tuple[str, type]]:
    return [
        ("cbStruct", DWORD),
        ("dwDestination", DWORD),
        ("dwSource", DWORD),
        ("dwLineID", DWORD),
        ("fdwLine", DWORD),
        ("dwUser", DWORD_PTR),
        ("dwComponentType", DWORD),
        ("cChannels", DWORD),
        ("cConnections", DWORD),
        ("cControls", DWORD),
        ("szShortName", short),
        ("szName", long),
        ("Target", target),
    ]


class MIXERLINEA(_Struct):
    """A mixer line, ANSI names (172 bytes on x64)."""

    _fields_ = _mixerline_fields(_SHORTNAME_A, _LONGNAME_A, _MIXERLINEA_TARGET)


class MIXERLINEW(_Struct):
    """A mixer line, UTF-16 names (284 bytes on x64)."""

    _fields_ = _mixerline_fields(_SHORTNAME_W, _LONGNAME_W, _MIXERLINEW_TARGET)


class _MIXERCONTROL_BOUNDS_SIGNED(_Struct):
    _fields_ = [
        ("lMinimum", LONG),
        ("lMaximum", LONG),
    ]


class _MIXERCONTROL_BOUNDS_UNSIGNED(_Struct):
    _fields_ = [
        ("dwMinimum", DWORD),
        ("dwMaximum", DWORD),
    ]


class _MIXERCONTROL_BOUNDS(_Union):
    # The two structs are anonymous in C, so Bounds.lMinimum and Bounds.dwMaximum both work.
    _anonymous_ = ("DUMMYSTRUCTNAME", "DUMMYSTRUCTNAME2")
    _fields_ = [
        ("DUMMYSTRUCTNAME", _MIXERCONTROL_BOUNDS_SIGNED),
        ("DUMMYSTRUCTNAME2", _MIXERCONTROL_BOUNDS_UNSIGNED),
        ("dwReserved", DWORD * 6),
    ]


class _MIXERCONTROL_METRICS(_Union):
    _fields_ = [
        ("cSteps", DWORD),
        ("cbCustomData", DWORD),
        ("dwReserved", DWORD * 6),
    ]


def _mixercontrol_fields(short: type, long: type) -> list[tuple[str, type]]:
    return [
        ("cbStruct", DWORD),
        ("dwControlID", DWORD),
        ("dwControlType", DWORD),
        ("fdwControl", DWORD),
        ("cMultipleItems", DWORD),
        ("szShortName", short),
        ("szName", long),
        ("Bounds", _MIXERCONTROL_BOUNDS),
        ("Metrics", _MIXERCONTROL_METRICS),
    ]


class MIXERCONTROLA(_Struct):
    """A mixer control, ANSI names (148 bytes)."""

    _fields_ = _mixercontrol_fields(_SHORTNAME_A, _LONGNAME_A)


class MIXERCONTROLW(_Struct):
    """A mixer control, UTF-16 names (228 bytes)."""

    _fields_ = _mixercontrol_fields(_SHORTNAME_W, _LONGNAME_W)


class _MIXERLINECONTROLS_U(_Union):
    _fields_ = [
        ("dwControlID", DWORD),
        ("dwControlType", DWORD),
    ]


_MIXERLINECONTROLS_FIELDS = [
    ("cbStruct", DWORD),
    ("dwLineID", DWORD),
    ("DUMMYUNIONNAME", _MIXERLINECONTROLS_U),
    ("cControls", DWORD),
    ("cbmxctrl", DWORD),
    ("pamxctrl", LPVOID),  # MIXERCONTROLA* / MIXERCONTROLW*
]


class MIXERLINECONTROLSA(_Struct):
    """``mixerGetLineControlsA`` request; ``pamxctrl`` points at MIXERCONTROLA[cControls] (28 bytes on x64)."""

    _anonymous_ = ("DUMMYUNIONNAME",)
    _fields_ = _MIXERLINECONTROLS_FIELDS


class MIXERLINECONTROLSW(_Struct):
    """``mixerGetLineControlsW`` request; ``pamxctrl`` points at MIXERCONTROLW[cControls] (28 bytes on x64)."""

    _anonymous_ = ("DUMMYUNIONNAME",)
    _fields_ = _MIXERLINECONTROLS_FIELDS


class _MIXERCONTROLDETAILS_U(_Union):
    _fields_ = [
        ("hwndOwner", LPVOID),
        ("cMultipleItems", DWORD),
    ]


class MIXERCONTROLDETAILS(_Struct):
    """``mixerGet/SetControlDetails`` request; ``paDetails`` points at the value array (32 bytes on x64)."""

    _anonymous_ = ("DUMMYUNIONNAME",)
    _fields_ = [
        ("cbStruct", DWORD),
        ("dwControlID", DWORD),
        ("cChannels", DWORD),
        ("DUMMYUNIONNAME", _MIXERCONTROLDETAILS_U),
        ("cbDetails", DWORD),
        ("paDetails", LPVOID),
    ]


class MIXERCONTROLDETAILS_UNSIGNED(_Struct):
    """One unsigned control value."""

    _fields_ = [("dwValue", DWORD)]


class MIXERCONTROLDETAILS_SIGNED(_Struct):
    """One signed control value."""

    _fields_ = [("lValue", LONG)]


class MIXERCONTROLDETAILS_BOOLEAN(_Struct):
    """One boolean control value (nonzero = true)."""

    _fields_ = [("fValue", LONG)]


class MIXERCONTROLDETAILS_LISTTEXTA(_Struct):
    """One list item's text, ANSI (72 bytes)."""

    _fields_ = [
        ("dwParam1", DWORD),
        ("dwParam2", DWORD),
        ("szName", _LONGNAME_A),
    ]


class MIXERCONTROLDETAILS_LISTTEXTW(_Struct):
    """One list item's text, UTF-16 (136 bytes)."""

    _fields_ = [
        ("dwParam1", DWORD),
        ("dwParam2", DWORD),
        ("szName", _LONGNAME_W),
    ]


# ---------------------------------------------------------------------------------------------
# Driver-side open descriptors (mmddk.h) and DRV_CONFIGURE info
# ---------------------------------------------------------------------------------------------


class WAVEOPENDESC(_Struct):
    """``WODM_OPEN``/``WIDM_OPEN`` dwParam1 (44 bytes on x64)."""

    _fields_ = [
        ("hWave", LPVOID),
        ("lpFormat", LPVOID),  # WAVEFORMATEX*
        ("dwCallback", DWORD_PTR),
        ("dwInstance", DWORD_PTR),
        ("uMappedDeviceID", UINT),
        ("dnDevNode", DWORD_PTR),
    ]


class MIDIOPENSTRMID(_Struct):
    """One stream id / device pair of a `MIDIOPENDESC` (6 bytes)."""

    _fields_ = [
        ("dwStreamID", DWORD),
        ("wDeviceID", WORD),
    ]


class MIDIOPENDESC(_Struct):
    """``MODM_OPEN``/``MIDM_OPEN`` dwParam1 (42 bytes on x64; ``rgIds`` holds ``cIds`` entries)."""

    _fields_ = [
        ("hMidi", LPVOID),
        ("dwCallback", DWORD_PTR),
        ("dwInstance", DWORD_PTR),
        ("dnDevNode", DWORD_PTR),
        ("cIds", DWORD),
        ("rgIds", MIDIOPENSTRMID * 1),
    ]


class MIXEROPENDESC(_Struct):
    """``MXDM_OPEN`` dwParam1 (40 bytes on x64)."""

    _fields_ = [
        ("hmx", LPVOID),
        ("pReserved0", LPVOID),
        ("dwCallback", DWORD_PTR),
        ("dwInstance", DWORD_PTR),
        ("dnDevNode", DWORD_PTR),
    ]


class DRVCONFIGINFO(_Struct):
    """``DRV_CONFIGURE``/``DRV_INSTALL`` lParam2: the SYSTEM.INI section and alias (20 bytes on x64)."""

    _fields_ = [
        ("dwDCISize", DWORD),
        ("lpszDCISectionName", LPVOID),  # LPCWSTR
        ("lpszDCIAliasName", LPVOID),  # LPCWSTR
    ]


class DRIVERINFOSTRUCT(_Struct):
    """``GetDriverInfo`` result: the Win16 structure (CHAR alias), with a 32-bit ``length`` and
    pointer-sized handles (148 bytes on x64). The caller sets ``length`` first."""

    _fields_ = [
        ("length", UINT),
        ("hDriver", LPVOID),  # HDRVR
        ("hModule", LPVOID),  # HINSTANCE
        ("szAliasName", CHAR * 128),
    ]


# ---------------------------------------------------------------------------------------------
# Unprefixed names, as a UNICODE build of the Windows headers defines them
# ---------------------------------------------------------------------------------------------

WAVEOUTCAPS = WAVEOUTCAPSW
WAVEOUTCAPS2 = WAVEOUTCAPS2W
WAVEINCAPS = WAVEINCAPSW
WAVEINCAPS2 = WAVEINCAPS2W
MIDIOUTCAPS = MIDIOUTCAPSW
MIDIOUTCAPS2 = MIDIOUTCAPS2W
MIDIINCAPS = MIDIINCAPSW
MIDIINCAPS2 = MIDIINCAPS2W
AUXCAPS = AUXCAPSW
AUXCAPS2 = AUXCAPS2W
MIXERCAPS = MIXERCAPSW
MIXERCAPS2 = MIXERCAPS2W
MIXERLINE = MIXERLINEW
MIXERCONTROL = MIXERCONTROLW
MIXERLINECONTROLS = MIXERLINECONTROLSW
MIXERCONTROLDETAILS_LISTTEXT = MIXERCONTROLDETAILS_LISTTEXTW
