"""Structures of spec 1.11: x64 sizes, offsets, field names, unions and string helpers."""

from __future__ import annotations

import ctypes

import pytest

import audiodrv.mmsystem as mm

x64 = pytest.mark.skipif(
    ctypes.sizeof(ctypes.c_void_p) != 8, reason="sizes are for 64-bit pointers"
)

# sizeof on x64, from the spec table (plus the CAPS2 variants: plain + 3 GUIDs).
SIZES_X64: list[tuple[str, int]] = [
    ("WAVEFORMATEX", 18),
    ("PCMWAVEFORMAT", 16),
    ("WAVEFORMAT", 14),
    ("WAVEFORMATEXTENSIBLE", 40),
    ("WAVEHDR", 48),
    ("WAVEOUTCAPSA", 52),
    ("WAVEOUTCAPSW", 84),
    ("WAVEINCAPSA", 48),
    ("WAVEINCAPSW", 80),
    ("MIDIHDR", 112),
    ("MIDIOUTCAPSA", 52),
    ("MIDIOUTCAPSW", 84),
    ("MIDIINCAPSA", 44),
    ("MIDIINCAPSW", 76),
    ("MIDIEVENT", 16),
    ("MIDIPROPTEMPO", 8),
    ("MIDIPROPTIMEDIV", 8),
    ("MMTIME", 12),
    ("AUXCAPSA", 48),
    ("AUXCAPSW", 80),
    ("MIXERCAPSA", 48),
    ("MIXERCAPSW", 80),
    ("MIXERLINEA", 172),
    ("MIXERLINEW", 284),
    ("MIXERCONTROLA", 148),
    ("MIXERCONTROLW", 228),
    ("MIXERLINECONTROLSA", 28),
    ("MIXERLINECONTROLSW", 28),
    ("MIXERCONTROLDETAILS", 32),
    ("MIXERCONTROLDETAILS_UNSIGNED", 4),
    ("MIXERCONTROLDETAILS_SIGNED", 4),
    ("MIXERCONTROLDETAILS_BOOLEAN", 4),
    ("MIXERCONTROLDETAILS_LISTTEXTA", 72),
    ("MIXERCONTROLDETAILS_LISTTEXTW", 136),
    ("WAVEOPENDESC", 44),
    ("MIDIOPENSTRMID", 6),
    ("MIDIOPENDESC", 42),
    ("MIXEROPENDESC", 40),
    ("DRVCONFIGINFO", 20),
    ("GUID", 16),
    ("WAVEOUTCAPS2A", 52 + 48),
    ("WAVEOUTCAPS2W", 84 + 48),
    ("WAVEINCAPS2A", 48 + 48),
    ("WAVEINCAPS2W", 80 + 48),
    ("MIDIOUTCAPS2A", 52 + 48),
    ("MIDIOUTCAPS2W", 84 + 48),
    ("MIDIINCAPS2A", 44 + 48),
    ("MIDIINCAPS2W", 76 + 48),
    ("AUXCAPS2A", 48 + 48),
    ("AUXCAPS2W", 80 + 48),
    ("MIXERCAPS2A", 48 + 48),
    ("MIXERCAPS2W", 80 + 48),
]


@x64
@pytest.mark.parametrize(("name", "size"), SIZES_X64, ids=[n for n, _ in SIZES_X64])
def test_size_x64(name: str, size: int) -> None:
    struct = getattr(mm, name)
    assert ctypes.sizeof(struct) == size
    assert struct._pack_ == 1
    assert name in mm.__all__


OFFSETS_X64: list[tuple[str, str, int]] = [
    ("MIDIHDR", "lpData", 0),
    ("MIDIHDR", "dwBufferLength", 8),
    ("MIDIHDR", "dwUser", 16),
    ("MIDIHDR", "dwFlags", 24),
    ("MIDIHDR", "lpNext", 28),
    ("MIDIHDR", "reserved", 36),
    ("MIDIHDR", "dwOffset", 44),
    ("MIDIHDR", "dwReserved", 48),
    ("WAVEHDR", "dwBufferLength", 8),
    ("WAVEHDR", "dwBytesRecorded", 12),
    ("WAVEHDR", "dwUser", 16),
    ("WAVEHDR", "dwFlags", 24),
    ("WAVEHDR", "dwLoops", 28),
    ("WAVEHDR", "lpNext", 32),
    ("WAVEHDR", "reserved", 40),
    ("WAVEOUTCAPSA", "dwFormats", 40),
    ("WAVEOUTCAPSW", "szPname", 8),
    ("WAVEOUTCAPSW", "dwFormats", 72),
    ("WAVEOUTCAPSW", "dwSupport", 80),
    ("WAVEINCAPSW", "dwFormats", 72),
    ("MIDIOUTCAPSW", "wTechnology", 72),
    ("MIDIOUTCAPSW", "dwSupport", 80),
    ("MIDIINCAPSW", "dwSupport", 72),
    ("AUXCAPSW", "wTechnology", 72),
    ("MIXERCAPSW", "fdwSupport", 72),
    ("MIDIEVENT", "dwParms", 12),
    ("MMTIME", "u", 4),
    ("WAVEFORMATEX", "cbSize", 16),
    ("WAVEFORMATEXTENSIBLE", "Samples", 18),
    ("WAVEFORMATEXTENSIBLE", "dwChannelMask", 20),
    ("WAVEFORMATEXTENSIBLE", "SubFormat", 24),
    ("PCMWAVEFORMAT", "wBitsPerSample", 14),
    ("MIXERLINEA", "dwUser", 20),
    ("MIXERLINEA", "dwComponentType", 28),
    ("MIXERLINEA", "szShortName", 44),
    ("MIXERLINEA", "szName", 60),
    ("MIXERLINEA", "Target", 124),
    ("MIXERLINEW", "szName", 76),
    ("MIXERLINEW", "Target", 204),
    ("MIXERCONTROLA", "Bounds", 100),
    ("MIXERCONTROLA", "Metrics", 124),
    ("MIXERCONTROLW", "Bounds", 180),
    ("MIXERLINECONTROLSA", "cControls", 12),
    ("MIXERLINECONTROLSA", "pamxctrl", 20),
    ("MIXERCONTROLDETAILS", "cbDetails", 20),
    ("MIXERCONTROLDETAILS", "paDetails", 24),
    ("WAVEOPENDESC", "uMappedDeviceID", 32),
    ("WAVEOPENDESC", "dnDevNode", 36),
    ("MIDIOPENDESC", "cIds", 32),
    ("MIDIOPENDESC", "rgIds", 36),
    ("DRVCONFIGINFO", "lpszDCISectionName", 4),
]


@x64
@pytest.mark.parametrize(
    ("struct", "field", "offset"), OFFSETS_X64, ids=[f"{s}.{f}" for s, f, _ in OFFSETS_X64]
)
def test_offset_x64(struct: str, field: str, offset: int) -> None:
    assert getattr(getattr(mm, struct), field).offset == offset


@x64
def test_midihdr_old_size() -> None:
    assert mm.MIDIHDR_OLD_SIZE == 44 == mm.MIDIHDR.dwOffset.offset


# Field names and order, as in the Windows headers.
FIELDS: list[tuple[str, str]] = [
    (
        "WAVEFORMATEX",
        "wFormatTag nChannels nSamplesPerSec nAvgBytesPerSec nBlockAlign wBitsPerSample cbSize",
    ),
    ("WAVEFORMAT", "wFormatTag nChannels nSamplesPerSec nAvgBytesPerSec nBlockAlign"),
    ("PCMWAVEFORMAT", "wf wBitsPerSample"),
    ("WAVEFORMATEXTENSIBLE", "Format Samples dwChannelMask SubFormat"),
    ("WAVEHDR", "lpData dwBufferLength dwBytesRecorded dwUser dwFlags dwLoops lpNext reserved"),
    ("WAVEOUTCAPSA", "wMid wPid vDriverVersion szPname dwFormats wChannels wReserved1 dwSupport"),
    ("WAVEINCAPSW", "wMid wPid vDriverVersion szPname dwFormats wChannels wReserved1"),
    (
        "MIDIHDR",
        "lpData dwBufferLength dwBytesRecorded dwUser dwFlags lpNext reserved dwOffset dwReserved",
    ),
    (
        "MIDIOUTCAPSW",
        "wMid wPid vDriverVersion szPname wTechnology wVoices wNotes wChannelMask dwSupport",
    ),
    ("MIDIINCAPSA", "wMid wPid vDriverVersion szPname dwSupport"),
    ("MIDIEVENT", "dwDeltaTime dwStreamID dwEvent dwParms"),
    ("MIDIPROPTEMPO", "cbStruct dwTempo"),
    ("MIDIPROPTIMEDIV", "cbStruct dwTimeDiv"),
    ("MMTIME", "wType u"),
    ("AUXCAPSW", "wMid wPid vDriverVersion szPname wTechnology wReserved1 dwSupport"),
    ("MIXERCAPSA", "wMid wPid vDriverVersion szPname fdwSupport cDestinations"),
    (
        "MIXERLINEW",
        "cbStruct dwDestination dwSource dwLineID fdwLine dwUser dwComponentType "
        "cChannels cConnections cControls szShortName szName Target",
    ),
    (
        "MIXERCONTROLA",
        "cbStruct dwControlID dwControlType fdwControl cMultipleItems szShortName szName "
        "Bounds Metrics",
    ),
    ("MIXERLINECONTROLSW", "cbStruct dwLineID DUMMYUNIONNAME cControls cbmxctrl pamxctrl"),
    ("MIXERCONTROLDETAILS", "cbStruct dwControlID cChannels DUMMYUNIONNAME cbDetails paDetails"),
    ("MIXERCONTROLDETAILS_LISTTEXTW", "dwParam1 dwParam2 szName"),
    ("WAVEOPENDESC", "hWave lpFormat dwCallback dwInstance uMappedDeviceID dnDevNode"),
    ("MIDIOPENSTRMID", "dwStreamID wDeviceID"),
    ("MIDIOPENDESC", "hMidi dwCallback dwInstance dnDevNode cIds rgIds"),
    ("MIXEROPENDESC", "hmx pReserved0 dwCallback dwInstance dnDevNode"),
    ("DRVCONFIGINFO", "dwDCISize lpszDCISectionName lpszDCIAliasName"),
    ("GUID", "Data1 Data2 Data3 Data4"),
    (
        "WAVEOUTCAPS2W",
        "wMid wPid vDriverVersion szPname dwFormats wChannels wReserved1 dwSupport "
        "ManufacturerGuid ProductGuid NameGuid",
    ),
    (
        "MIXERCAPS2A",
        "wMid wPid vDriverVersion szPname fdwSupport cDestinations ManufacturerGuid "
        "ProductGuid NameGuid",
    ),
]


@pytest.mark.parametrize(("name", "fields"), FIELDS, ids=[n for n, _ in FIELDS])
def test_field_names(name: str, fields: str) -> None:
    assert [f[0] for f in getattr(mm, name)._fields_] == fields.split()


def test_windows_integer_types_have_windows_sizes() -> None:
    assert ctypes.sizeof(mm.DWORD) == 4
    assert ctypes.sizeof(mm.UINT) == 4
    assert ctypes.sizeof(mm.WORD) == 2
    assert ctypes.sizeof(mm.LONG) == 4
    assert ctypes.sizeof(mm.WCHAR) == 2
    assert ctypes.sizeof(mm.DWORD_PTR) == ctypes.sizeof(ctypes.c_void_p)
    assert mm.WAVEOUTCAPSW.szPname.size == 64


def test_pointer_fields_read_as_ints() -> None:
    buf = ctypes.create_string_buffer(16)
    hdr = mm.WAVEHDR(lpData=ctypes.addressof(buf), dwBufferLength=16)
    assert hdr.lpData == ctypes.addressof(buf)
    hdr.lpNext = ctypes.addressof(hdr)
    assert isinstance(hdr.lpNext, int)
    assert hdr.dwUser == 0


def test_wave_format_structures() -> None:
    wfx = mm.WAVEFORMATEX(mm.WAVE_FORMAT_PCM, 2, 44100, 176400, 4, 16, 0)
    raw = bytes(wfx)
    assert raw[:2] == b"\x01\x00" and raw[4:8] == (44100).to_bytes(4, "little")
    pcm = mm.PCMWAVEFORMAT.from_buffer_copy(raw[:16])
    assert pcm.wf.nSamplesPerSec == 44100 and pcm.wBitsPerSample == 16

    ext = mm.WAVEFORMATEXTENSIBLE()
    ext.Format.wFormatTag = mm.WAVE_FORMAT_EXTENSIBLE
    ext.Format.cbSize = 22
    ext.Samples.wValidBitsPerSample = 24
    assert ext.Samples.wSamplesPerBlock == 24 == ext.Samples.wReserved
    ext.SubFormat = mm.GUID.from_buffer_copy(mm.KSDATAFORMAT_SUBTYPE_IEEE_FLOAT)
    assert bytes(ext.SubFormat) == mm.KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
    assert ext.SubFormat.Data1 == 3 and ext.SubFormat.Data3 == 0x0010
    assert ctypes.sizeof(ext) - ctypes.sizeof(mm.WAVEFORMATEX) == 22


def test_mmtime_union() -> None:
    t = mm.MMTIME(wType=mm.TIME_BYTES)
    t.u.cb = 12345
    assert t.u.ms == t.u.sample == t.u.ticks == t.u.midi.songptrpos == 12345
    t.u.smpte.hour, t.u.smpte.min, t.u.smpte.sec, t.u.smpte.frame, t.u.smpte.fps = 1, 2, 3, 4, 30
    assert bytes(t)[4:9] == bytes([1, 2, 3, 4, 30])
    assert len(t.u.smpte.pad) == 2 and hasattr(t.u.smpte, "dummy")


def test_mixercontrol_bounds_and_metrics() -> None:
    ctrl = mm.MIXERCONTROLW()
    ctrl.Bounds.dwMinimum = 0
    ctrl.Bounds.dwMaximum = 0xFFFF
    assert ctrl.Bounds.lMaximum == 0xFFFF
    ctrl.Bounds.lMinimum = -1
    assert ctrl.Bounds.dwMinimum == 0xFFFFFFFF
    assert ctrl.Bounds.dwReserved[0] == 0xFFFFFFFF and ctrl.Bounds.dwReserved[1] == 0xFFFF
    ctrl.Metrics.cSteps = 100
    assert ctrl.Metrics.cbCustomData == 100 == ctrl.Metrics.dwReserved[0]
    assert len(ctrl.Metrics.dwReserved) == len(ctrl.Bounds.dwReserved) == 6


def test_anonymous_unions() -> None:
    for cls in (mm.MIXERLINECONTROLSA, mm.MIXERLINECONTROLSW):
        mlc = cls()
        mlc.dwControlType = mm.MIXERCONTROL_CONTROLTYPE_VOLUME
        assert mlc.dwControlID == mm.MIXERCONTROL_CONTROLTYPE_VOLUME
        mlc.pamxctrl = 0x1000
        assert mlc.pamxctrl == 0x1000
    mcd = mm.MIXERCONTROLDETAILS(cbStruct=ctypes.sizeof(mm.MIXERCONTROLDETAILS))
    mcd.cMultipleItems = 3
    assert mcd.hwndOwner == 3
    mcd.hwndOwner = None
    assert mcd.cMultipleItems == 0


def test_mixerline_target() -> None:
    line = mm.MIXERLINEW()
    line.Target.dwType = mm.MIXERLINE_TARGETTYPE_WAVEOUT
    mm.set_wstr(line.Target.szPname, "Speakers")
    assert mm.get_wstr(line.Target.szPname) == "Speakers"
    assert len(line.Target.szPname) == mm.MAXPNAMELEN
    assert len(line.szShortName) == mm.MIXER_SHORT_NAME_CHARS
    assert len(line.szName) == mm.MIXER_LONG_NAME_CHARS
    a = mm.MIXERLINEA()
    a.Target.szPname = b"Speakers"
    assert a.Target.szPname == b"Speakers"


def test_midi_structures() -> None:
    ev = mm.MIDIEVENT(dwDeltaTime=10, dwStreamID=0, dwEvent=0x00904090)
    assert mm.MIDIEVENT.dwParms.offset == 12
    assert bytes(ev)[8:12] == (0x00904090).to_bytes(4, "little")
    desc = mm.MIDIOPENDESC(cIds=1)
    desc.rgIds[0].dwStreamID = 7
    desc.rgIds[0].wDeviceID = 2
    assert (desc.rgIds[0].dwStreamID, desc.rgIds[0].wDeviceID) == (7, 2)
    hdr = mm.MIDIHDR()
    assert len(hdr.dwReserved) == 8


def test_unicode_aliases_are_w_variants() -> None:
    pairs = {
        "WAVEOUTCAPS": "WAVEOUTCAPSW",
        "WAVEOUTCAPS2": "WAVEOUTCAPS2W",
        "WAVEINCAPS": "WAVEINCAPSW",
        "WAVEINCAPS2": "WAVEINCAPS2W",
        "MIDIOUTCAPS": "MIDIOUTCAPSW",
        "MIDIOUTCAPS2": "MIDIOUTCAPS2W",
        "MIDIINCAPS": "MIDIINCAPSW",
        "MIDIINCAPS2": "MIDIINCAPS2W",
        "AUXCAPS": "AUXCAPSW",
        "AUXCAPS2": "AUXCAPS2W",
        "MIXERCAPS": "MIXERCAPSW",
        "MIXERCAPS2": "MIXERCAPS2W",
        "MIXERLINE": "MIXERLINEW",
        "MIXERCONTROL": "MIXERCONTROLW",
        "MIXERLINECONTROLS": "MIXERLINECONTROLSW",
        "MIXERCONTROLDETAILS_LISTTEXT": "MIXERCONTROLDETAILS_LISTTEXTW",
    }
    for alias, target in pairs.items():
        assert getattr(mm, alias) is getattr(mm, target), alias


def test_caps2_extends_plain_layout() -> None:
    for base in ("WAVEOUTCAPS", "WAVEINCAPS", "MIDIOUTCAPS", "MIDIINCAPS", "AUXCAPS", "MIXERCAPS"):
        for suffix in ("A", "W"):
            plain = getattr(mm, base + suffix)
            two = getattr(mm, base + "2" + suffix)
            assert two._fields_[: len(plain._fields_)] == plain._fields_
            assert two.ManufacturerGuid.offset == ctypes.sizeof(plain)


def test_set_get_wstr() -> None:
    caps = mm.WAVEOUTCAPSW()
    assert mm.set_wstr(caps.szPname, "Wave Out") == 8
    assert mm.get_wstr(caps.szPname) == "Wave Out"
    assert bytes(caps)[8:26] == "Wave Out".encode("utf-16-le") + b"\0\0"
    # Truncated to 31 units plus the NUL; stale characters are cleared.
    assert mm.set_wstr(caps.szPname, "x" * 40) == 31
    assert mm.get_wstr(caps.szPname) == "x" * 31
    assert caps.szPname[31] == 0
    mm.set_wstr(caps.szPname, "ab")
    assert caps.szPname[:4] == [ord("a"), ord("b"), 0, 0]
    # Non-BMP text takes two units, and a pair is never split at the cut.
    mm.set_wstr(caps.szPname, "\U0001f3b5 Synth")
    assert mm.get_wstr(caps.szPname) == "\U0001f3b5 Synth"
    assert mm.set_wstr(caps.szPname, "y" * 30 + "\U0001f3b5") == 30
    assert mm.get_wstr(caps.szPname) == "y" * 30
    # An array without a NUL is read to its end.
    full = (mm.WCHAR * 3)(0x41, 0x42, 0x43)
    assert mm.get_wstr(full) == "ABC"


def test_set_get_string_a_and_w() -> None:
    a, w = mm.MIDIOUTCAPSA(), mm.MIDIOUTCAPSW()
    for caps in (a, w):
        mm.set_string(caps, "szPname", "Synth é")
        assert mm.get_string(caps, "szPname") == "Synth é"
        mm.set_string(caps, "szPname", "z" * 50)
        assert mm.get_string(caps, "szPname") == "z" * 31
        mm.set_string(caps, "szPname", "short")
        assert mm.get_string(caps, "szPname") == "short"
    assert bytes(a)[8:40] == b"short" + b"\0" * 27
    assert a.szPname == b"short"
    lt = mm.MIXERCONTROLDETAILS_LISTTEXTA()
    mm.set_string(lt, "szName", "Line In")
    assert lt.szName == b"Line In"


def test_structures_copy_by_bytes() -> None:
    hdr = mm.WAVEHDR(dwBufferLength=100, dwFlags=mm.WHDR_PREPARED | mm.WHDR_DONE)
    clone = mm.WAVEHDR.from_buffer_copy(bytes(hdr))
    assert clone.dwFlags == mm.WHDR_PREPARED | mm.WHDR_DONE
    assert clone.dwBufferLength == 100


def test_driverinfostruct() -> None:
    info = mm.DRIVERINFOSTRUCT(length=ctypes.sizeof(mm.DRIVERINFOSTRUCT))
    info.szAliasName = b"wave"
    assert info.szAliasName == b"wave"
    assert mm.DRIVERINFOSTRUCT.szAliasName.size == 128
