"""MMRESULT codes, names, texts (B210-B212) and the exception funnel."""

from __future__ import annotations

import pickle

import pytest

import audiodrv.mmsystem as mm
from audiodrv.mmsystem import errors

# (name, value) from spec 1.1.
CODES: list[tuple[str, int]] = [
    ("MMSYSERR_BASE", 0),
    ("WAVERR_BASE", 32),
    ("MIDIERR_BASE", 64),
    ("TIMERR_BASE", 96),
    ("JOYERR_BASE", 160),
    ("MCIERR_BASE", 256),
    ("MMIOERR_BASE", 256),
    ("MIXERR_BASE", 1024),
    ("MMSYSERR_NOERROR", 0),
    ("MMSYSERR_ERROR", 1),
    ("MMSYSERR_BADDEVICEID", 2),
    ("MMSYSERR_NOTENABLED", 3),
    ("MMSYSERR_ALLOCATED", 4),
    ("MMSYSERR_INVALHANDLE", 5),
    ("MMSYSERR_NODRIVER", 6),
    ("MMSYSERR_NOMEM", 7),
    ("MMSYSERR_NOTSUPPORTED", 8),
    ("MMSYSERR_BADERRNUM", 9),
    ("MMSYSERR_INVALFLAG", 10),
    ("MMSYSERR_INVALPARAM", 11),
    ("MMSYSERR_HANDLEBUSY", 12),
    ("MMSYSERR_INVALIDALIAS", 13),
    ("MMSYSERR_BADDB", 14),
    ("MMSYSERR_KEYNOTFOUND", 15),
    ("MMSYSERR_READERROR", 16),
    ("MMSYSERR_WRITEERROR", 17),
    ("MMSYSERR_DELETEERROR", 18),
    ("MMSYSERR_VALNOTFOUND", 19),
    ("MMSYSERR_NODRIVERCB", 20),
    ("MMSYSERR_MOREDATA", 21),
    ("MMSYSERR_LASTERROR", 21),
    ("WAVERR_BADFORMAT", 32),
    ("WAVERR_STILLPLAYING", 33),
    ("WAVERR_UNPREPARED", 34),
    ("WAVERR_SYNC", 35),
    ("WAVERR_LASTERROR", 35),
    ("MIDIERR_UNPREPARED", 64),
    ("MIDIERR_STILLPLAYING", 65),
    ("MIDIERR_NOMAP", 66),
    ("MIDIERR_NOTREADY", 67),
    ("MIDIERR_NODEVICE", 68),
    ("MIDIERR_INVALIDSETUP", 69),
    ("MIDIERR_BADOPENMODE", 70),
    ("MIDIERR_DONT_CONTINUE", 71),
    ("MIDIERR_LASTERROR", 71),
    ("TIMERR_NOERROR", 0),
    ("TIMERR_NOCANDO", 97),
    ("TIMERR_STRUCT", 129),
    ("MIXERR_INVALLINE", 1024),
    ("MIXERR_INVALCONTROL", 1025),
    ("MIXERR_INVALVALUE", 1026),
    ("MIXERR_LASTERROR", 1026),
    ("JOYERR_PARMS", 165),
    ("JOYERR_NOCANDO", 166),
    ("JOYERR_UNPLUGGED", 167),
    ("MMIOERR_FILENOTFOUND", 257),
    ("MMIOERR_INVALIDFILE", 272),
]


@pytest.mark.parametrize(("name", "value"), CODES, ids=[n for n, _ in CODES])
def test_code_value(name: str, value: int) -> None:
    assert getattr(mm, name) == value
    assert name in mm.__all__


def test_mmio_codes_are_contiguous() -> None:
    names = [n for n in errors.__all__ if n.startswith("MMIOERR_") and n != "MMIOERR_BASE"]
    assert sorted(getattr(mm, n) for n in names) == list(range(257, 273))


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (0, "MMSYSERR_NOERROR"),
        (2, "MMSYSERR_BADDEVICEID"),
        (21, "MMSYSERR_MOREDATA"),
        (33, "WAVERR_STILLPLAYING"),
        (35, "WAVERR_SYNC"),
        (65, "MIDIERR_STILLPLAYING"),
        (71, "MIDIERR_DONT_CONTINUE"),
        (97, "TIMERR_NOCANDO"),
        (167, "JOYERR_UNPLUGGED"),
        (257, "MMIOERR_FILENOTFOUND"),
        (1026, "MIXERR_INVALVALUE"),
        (22, "22"),
        (256, "256"),
        (99999, "99999"),
    ],
)
def test_result_name(code: int, name: str) -> None:
    assert mm.result_name(code) == name


TEXT_CODES = [*range(0, 22), *range(32, 36), *range(64, 72), *range(1024, 1027)]


@pytest.mark.parametrize("code", TEXT_CODES)
def test_every_code_has_a_text(code: int) -> None:
    text = mm.ERROR_TEXTS[code]
    assert text and text[0].isupper() and text.endswith(".")
    assert text.isascii()
    assert len(text) < mm.MAXERRORLENGTH


def test_other_named_codes_have_texts_too() -> None:
    for name in errors.__all__:
        value = getattr(errors, name)
        if isinstance(value, int) and "ERR_" in name and not name.endswith(("_BASE", "_LASTERROR")):
            assert value in mm.ERROR_TEXTS, name


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "The specified command was carried out."),
        (1, "Undefined external error."),
        (2, "A device ID has been used that is out of range for your system."),
        (5, "The specified device handle is invalid."),
        (11, "An invalid parameter was passed to a system function."),
        (
            32,
            "The specified format is not supported or cannot be translated. "
            "Use the Capabilities function to determine the supported formats.",
        ),
        (
            33,
            "Cannot perform this operation while media data is still playing. "
            "Reset the device, or wait until the data is finished playing.",
        ),
        (
            34,
            "The wave header was not prepared. "
            "Use the Prepare function to prepare the header, and then try again.",
        ),
        (
            64,
            "The MIDI header was not prepared. "
            "Use the Prepare function to prepare the header, and then try again.",
        ),
    ],
)
def test_wine_wording(code: int, text: str) -> None:
    assert mm.ERROR_TEXTS[code] == text


ACCEPTED = {
    "wave": {*range(0, 22), *range(32, 36)},
    "midi": {*range(0, 22), *range(64, 72)},
    "mixer": {*range(0, 22), *range(1024, 1027)},
}
PROBES = [-1, *range(0, 80), 96, 97, 129, 165, 257, 1023, 1024, 1025, 1026, 1027, 0xFFFFFFFF]


@pytest.mark.parametrize("family", ["wave", "midi", "mixer"])
def test_get_error_text_ranges(family: str) -> None:
    for code in PROBES:
        if code in ACCEPTED[family]:
            assert mm.get_error_text(code, family) == mm.ERROR_TEXTS[code]
        else:
            with pytest.raises(mm.BadErrNumError) as info:
                mm.get_error_text(code, family)
            assert info.value.code == mm.MMSYSERR_BADERRNUM
            assert isinstance(info.value, ValueError)


def test_get_error_text_unknown_family() -> None:
    with pytest.raises(ValueError):
        mm.get_error_text(0, "aux")


@pytest.mark.parametrize("family", ["wave", "midi", "mixer"])
def test_copy_error_text_sizes(family: str) -> None:
    code, ok = mm.MMSYSERR_INVALPARAM, mm.MMSYSERR_NOERROR
    full = mm.ERROR_TEXTS[code]
    assert mm.copy_error_text(code, family, 0) == (ok, "")
    assert mm.copy_error_text(code, family, 1) == (ok, "")
    assert mm.copy_error_text(code, family, 10) == (ok, full[:9])
    assert mm.copy_error_text(code, family, 1024) == (ok, full)
    assert mm.copy_error_text(code, family, len(full) + 1) == (ok, full)
    assert mm.copy_error_text(code, family, len(full)) == (ok, full[:-1])
    assert mm.copy_error_text(code, family, mm.MAXERRORLENGTH) == (ok, full)


def test_copy_error_text_out_of_range() -> None:
    assert mm.copy_error_text(mm.MIDIERR_NOMAP, "wave", 1024) == (mm.MMSYSERR_BADERRNUM, "")
    assert mm.copy_error_text(mm.WAVERR_SYNC, "midi", 1024) == (mm.MMSYSERR_BADERRNUM, "")
    assert mm.copy_error_text(mm.WAVERR_SYNC, "mixer", 1024) == (mm.MMSYSERR_BADERRNUM, "")
    assert mm.copy_error_text(22, "wave", 1) == (mm.MMSYSERR_BADERRNUM, "")
    # Size 0 is checked first: nothing written, NOERROR, whatever the code.
    assert mm.copy_error_text(9999, "wave", 0) == (mm.MMSYSERR_NOERROR, "")
    text71 = mm.ERROR_TEXTS[mm.MIDIERR_DONT_CONTINUE]
    assert mm.copy_error_text(mm.MIDIERR_DONT_CONTINUE, "midi", 5) == (0, text71[:4])
    assert mm.copy_error_text(mm.MIXERR_INVALVALUE, "mixer", 2)[0] == mm.MMSYSERR_NOERROR


def test_copy_error_text_bad_arguments() -> None:
    with pytest.raises(ValueError):
        mm.copy_error_text(0, "wave", -1)
    with pytest.raises(ValueError):
        mm.copy_error_text(0, "joystick", 10)


# (code, class, builtin)
EXCEPTIONS: list[tuple[int, type[mm.MMSystemError], type[BaseException]]] = [
    (1, mm.UnspecifiedError, Exception),
    (2, mm.BadDeviceIdError, LookupError),
    (3, mm.NotEnabledError, OSError),
    (4, mm.AllocatedError, OSError),
    (5, mm.InvalidHandleError, ValueError),
    (6, mm.NoDriverError, LookupError),
    (7, mm.NoMemError, MemoryError),
    (8, mm.NotSupportedError, NotImplementedError),
    (9, mm.BadErrNumError, ValueError),
    (10, mm.InvalidFlagError, ValueError),
    (11, mm.InvalidParamError, ValueError),
    (12, mm.HandleBusyError, RuntimeError),
    (13, mm.InvalidAliasError, LookupError),
    (14, mm.BadDbError, OSError),
    (15, mm.KeyNotFoundError, LookupError),
    (16, mm.ReadError, OSError),
    (17, mm.WriteError, OSError),
    (18, mm.DeleteError, OSError),
    (19, mm.ValNotFoundError, LookupError),
    (20, mm.NoDriverCallbackError, RuntimeError),
    (21, mm.MoreDataError, BufferError),
    (32, mm.BadFormatError, ValueError),
    (33, mm.StillPlayingError, RuntimeError),
    (34, mm.UnpreparedError, RuntimeError),
    (35, mm.SyncError, ValueError),
    (64, mm.UnpreparedError, RuntimeError),
    (65, mm.StillPlayingError, RuntimeError),
    (66, mm.NoMapError, LookupError),
    (67, mm.NotReadyError, OSError),
    (68, mm.NoDeviceError, LookupError),
    (69, mm.InvalidSetupError, OSError),
    (70, mm.BadOpenModeError, ValueError),
    (71, mm.DontContinueError, RuntimeError),
    (1024, mm.InvalidLineError, LookupError),
    (1025, mm.InvalidControlError, LookupError),
    (1026, mm.InvalidValueError, ValueError),
]


@pytest.mark.parametrize(
    ("code", "cls", "builtin"), EXCEPTIONS, ids=[mm.result_name(c) for c, _, _ in EXCEPTIONS]
)
def test_check_raises_matching_class(
    code: int, cls: type[mm.MMSystemError], builtin: type[BaseException]
) -> None:
    with pytest.raises(cls) as info:
        mm.check(code)
    err = info.value
    assert type(err) is cls
    assert isinstance(err, mm.MMSystemError) and isinstance(err, builtin)
    assert err.code == code
    assert err.name == mm.result_name(code)
    assert err.text == mm.ERROR_TEXTS[code]
    assert mm.ERROR_TEXTS[code] in str(err) and err.name in str(err)
    assert type(mm.error_for(code)) is cls


def test_check_noerror_returns_none() -> None:
    assert mm.check(mm.MMSYSERR_NOERROR) is None
    with pytest.raises(ValueError):
        mm.error_for(0)


def test_codes_without_a_class_raise_the_base() -> None:
    for code in (mm.TIMERR_NOCANDO, mm.JOYERR_UNPLUGGED, mm.MMIOERR_CANNOTOPEN, 22, 5000):
        err = mm.error_for(code)
        assert type(err) is mm.MMSystemError
        assert err.code == code
        with pytest.raises(mm.MMSystemError):
            mm.check(code)
    assert "Unknown multimedia error 5000" in str(mm.error_for(5000))


def test_shared_classes_keep_the_exact_code() -> None:
    wave, midi = mm.error_for(mm.WAVERR_STILLPLAYING), mm.error_for(mm.MIDIERR_STILLPLAYING)
    assert type(wave) is type(midi) is mm.StillPlayingError
    assert (wave.code, midi.code) == (33, 65)
    assert (wave.name, midi.name) == ("WAVERR_STILLPLAYING", "MIDIERR_STILLPLAYING")
    assert mm.error_for(mm.MIDIERR_UNPREPARED).text.startswith("The MIDI header")


def test_context_and_message() -> None:
    err = mm.error_for(mm.MMSYSERR_BADDEVICEID, "waveOutOpen")
    assert str(err) == (
        "waveOutOpen: A device ID has been used that is out of range for your system. "
        "(MMSYSERR_BADDEVICEID)"
    )
    assert err.context == "waveOutOpen"
    with pytest.raises(mm.InvalidHandleError, match=r"^midiOutClose: "):
        mm.check(mm.MMSYSERR_INVALHANDLE, "midiOutClose")


def test_default_codes_let_drivers_raise_by_class() -> None:
    assert mm.InvalidParamError().code == mm.MMSYSERR_INVALPARAM
    assert mm.StillPlayingError().code == mm.WAVERR_STILLPLAYING
    assert mm.StillPlayingError(mm.MIDIERR_STILLPLAYING).code == 65
    assert mm.MMSystemError().code == mm.MMSYSERR_ERROR
    for code, cls in mm.ERROR_CLASSES.items():
        assert mm.ERROR_CLASSES[cls.default_code] is cls, code


def test_oserror_subclasses_do_not_take_code_as_errno() -> None:
    err = mm.AllocatedError()
    assert err.errno is None
    assert str(err).endswith("(MMSYSERR_ALLOCATED)")


def test_lookup_subclass_message_is_not_quoted() -> None:
    assert not str(mm.KeyNotFoundError()).startswith("'")


def test_exceptions_pickle() -> None:
    for code in (4, 11, 65, 1025, 97):
        err = mm.error_for(code, "ctx")
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err)
        assert (back.code, back.context, str(back)) == (err.code, err.context, str(err))


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        mm.ERROR_TEXTS[0] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        mm.ERROR_CLASSES[0] = mm.MMSystemError  # type: ignore[index]
