"""midiOut* and midiIn*: the MIDI families of winmm (spec 2.4, 2.5)."""

from __future__ import annotations

from typing import Any

from audiodrv.core.devclass import DeviceClass
from audiodrv.mmsystem import (
    MHDR_INQUEUE,
    MIDIERR_STILLPLAYING,
    MIDIERR_UNPREPARED,
    MIDIHDR,
    MIDIHDR_OLD_SIZE,
    MIDIINCAPSA,
    MIDIINCAPSW,
    MIDIOUTCAPSA,
    MIDIOUTCAPSW,
    MIDM_ADDBUFFER,
    MIDM_CLOSE,
    MIDM_GETDEVCAPS,
    MIDM_OPEN,
    MIDM_PREPARE,
    MIDM_RESET,
    MIDM_START,
    MIDM_STOP,
    MIDM_UNPREPARE,
    MMSYSERR_INVALPARAM,
    MODM_CACHEDRUMPATCHES,
    MODM_CACHEPATCHES,
    MODM_CLOSE,
    MODM_DATA,
    MODM_GETDEVCAPS,
    MODM_GETVOLUME,
    MODM_LONGDATA,
    MODM_OPEN,
    MODM_PREPARE,
    MODM_RESET,
    MODM_SETVOLUME,
    MODM_UNPREPARE,
)
from audiodrv.winmm._args import deref
from audiodrv.winmm._device import (
    HeaderRules,
    close_device,
    device_message,
    driver_message,
    dword_message,
    get_caps,
    get_error_text,
    get_id,
    handle_message,
    num_devs,
    open_device,
    prepare_header,
    queue_header,
    unprepare_header,
)
from audiodrv.winmm.midistream import MAX_STREAM_BUFFER, close_stream_handle, is_stream

__all__ = [
    "midiInAddBuffer", "midiInClose", "midiInGetDevCapsA", "midiInGetDevCapsW",
    "midiInGetErrorTextA", "midiInGetErrorTextW", "midiInGetID", "midiInGetNumDevs",
    "midiInMessage", "midiInOpen", "midiInPrepareHeader", "midiInReset", "midiInStart",
    "midiInStop", "midiInUnprepareHeader",
    "midiOutCacheDrumPatches", "midiOutCachePatches", "midiOutClose", "midiOutGetDevCapsA",
    "midiOutGetDevCapsW", "midiOutGetErrorTextA", "midiOutGetErrorTextW", "midiOutGetID",
    "midiOutGetNumDevs", "midiOutGetVolume", "midiOutLongMsg", "midiOutMessage", "midiOutOpen",
    "midiOutPrepareHeader", "midiOutReset", "midiOutSetVolume", "midiOutShortMsg",
    "midiOutUnprepareHeader",
]  # fmt: skip

OUT, IN = DeviceClass.MIDIOUT, DeviceClass.MIDIIN


def _rules(cls: DeviceClass, prepare: int, unprepare: int) -> HeaderRules:
    # The "old" MIDIHDR, up to dwOffset, is the smallest size accepted (B108, B132).
    return HeaderRules(cls, MIDIHDR, MIDIHDR_OLD_SIZE, MHDR_INQUEUE, MIDIERR_STILLPLAYING,
                       MIDIERR_UNPREPARED, prepare, unprepare, add_length_first=cls == IN)


OUT_HEADERS = _rules(OUT, MODM_PREPARE, MODM_UNPREPARE)
IN_HEADERS = _rules(IN, MIDM_PREPARE, MIDM_UNPREPARE)


# -- midiOut -------------------------------------------------------------------------------


def midiOutGetNumDevs() -> int:
    """The number of MIDI output devices (the mapper not counted)."""
    return num_devs(OUT)


def midiOutGetDevCapsW(uDeviceID: int, pmoc: Any, cbmoc: int) -> int:
    """Capabilities (id, ``MIDI_MAPPER`` or open handle). NOERROR, BADDEVICEID, INVALPARAM."""
    return get_caps(OUT, uDeviceID, pmoc, cbmoc, MIDIOUTCAPSW, MODM_GETDEVCAPS)


def midiOutGetDevCapsA(uDeviceID: int, pmoc: Any, cbmoc: int) -> int:
    """As the W function, with the ANSI structure (the layout a raw address points at)."""
    return get_caps(OUT, uDeviceID, pmoc, cbmoc, MIDIOUTCAPSW, MODM_GETDEVCAPS, MIDIOUTCAPSA)


def midiOutGetErrorTextA(mmrError: int, pszText: Any, cchText: int) -> int:
    return get_error_text("midi", mmrError, pszText, cchText, wide=False)


def midiOutGetErrorTextW(mmrError: int, pszText: Any, cchText: int) -> int:
    return get_error_text("midi", mmrError, pszText, cchText, wide=True)


def midiOutOpen(phmo: Any, uDeviceID: int, dwCallback: Any = 0, dwInstance: Any = 0,
                fdwOpen: int = 0) -> int:
    """Open a MIDI output; ``MOM_OPEN`` before this returns. NOERROR, BADDEVICEID,
    INVALPARAM, ALLOCATED, NOTENABLED."""
    return open_device(OUT, phmo, uDeviceID, MODM_OPEN, dwCallback, dwInstance, fdwOpen)


def midiOutClose(hmo: int) -> int:
    """Close; MIDIERR_STILLPLAYING while long buffers are queued. Also INVALHANDLE.

    A stream handle is a midiOut handle (B152): it closes as by ``midiStreamClose``, but
    only once no stream buffer is queued (MIDIERR_STILLPLAYING before, as Windows).
    """
    if is_stream(hmo):
        return close_stream_handle(hmo)
    return close_device(OUT, hmo, MODM_CLOSE)


def midiOutShortMsg(hmo: int, dwMsg: int) -> int:
    """Send a packed short message (status in bits 0-7; running status applies)."""
    return handle_message(OUT, hmo, MODM_DATA, dwMsg & 0xFFFFFFFF)


def midiOutPrepareHeader(hmo: int, pmh: Any, cbmh: int) -> int:
    """Prepare a header for ``midiOutLongMsg`` or ``midiStreamOut``. NOERROR, INVALHANDLE,
    INVALPARAM (a short size; on a stream handle a buffer over 64 KB, B174)."""
    if is_stream(hmo):
        hdr = deref(pmh, MIDIHDR)
        if hdr is not None and hdr.dwBufferLength > MAX_STREAM_BUFFER:
            return MMSYSERR_INVALPARAM
    return prepare_header(OUT_HEADERS, hmo, pmh, cbmh)


def midiOutUnprepareHeader(hmo: int, pmh: Any, cbmh: int) -> int:
    return unprepare_header(OUT_HEADERS, hmo, pmh, cbmh)


def midiOutLongMsg(hmo: int, pmh: Any, cbmh: int) -> int:
    """Send a prepared buffer (SysEx); ``MOM_DONE`` when it went out. NOERROR,
    INVALHANDLE, INVALPARAM, MIDIERR_UNPREPARED, MIDIERR_STILLPLAYING."""
    return queue_header(OUT_HEADERS, MODM_LONGDATA, hmo, pmh, cbmh)


def midiOutReset(hmo: int) -> int:
    """All notes and sustain off on every channel; queued long buffers come back."""
    return handle_message(OUT, hmo, MODM_RESET)


def midiOutGetVolume(hmo: int, pdwVolume: Any) -> int:
    """Volume of a handle or device id; NOTSUPPORTED without ``MIDICAPS_VOLUME``."""
    return dword_message(OUT, hmo, MODM_GETVOLUME, pdwVolume)


def midiOutSetVolume(hmo: int, dwVolume: int) -> int:
    return device_message(OUT, hmo, MODM_SETVOLUME, dwVolume & 0xFFFFFFFF, 0)


def midiOutCachePatches(hmo: int, uBank: int, pwpa: Any, fuCache: int) -> int:
    return handle_message(OUT, hmo, MODM_CACHEPATCHES, pwpa, (uBank << 16) | fuCache)


def midiOutCacheDrumPatches(hmo: int, uPatch: int, pwkya: Any, fuCache: int) -> int:
    return handle_message(OUT, hmo, MODM_CACHEDRUMPATCHES, pwkya, (uPatch << 16) | fuCache)


def midiOutGetID(hmo: int, puDeviceID: Any) -> int:
    return get_id(OUT, hmo, puDeviceID)


def midiOutMessage(hmo: int, uMsg: int, dw1: Any = 0, dw2: Any = 0) -> int:
    """A driver message to a handle's driver (not MODM_OPEN/MODM_CLOSE: NOTSUPPORTED), or a
    device-id query winmm answers itself (B120). Also INVALHANDLE, INVALPARAM."""
    return driver_message(OUT, hmo, uMsg, dw1, dw2, refused=(MODM_OPEN, MODM_CLOSE))


# -- midiIn --------------------------------------------------------------------------------


def midiInGetNumDevs() -> int:
    return num_devs(IN)


def midiInGetDevCapsW(uDeviceID: int, pmic: Any, cbmic: int) -> int:
    return get_caps(IN, uDeviceID, pmic, cbmic, MIDIINCAPSW, MIDM_GETDEVCAPS)


def midiInGetDevCapsA(uDeviceID: int, pmic: Any, cbmic: int) -> int:
    """As the W function, with the ANSI structure (the layout a raw address points at)."""
    return get_caps(IN, uDeviceID, pmic, cbmic, MIDIINCAPSW, MIDM_GETDEVCAPS, MIDIINCAPSA)


def midiInGetErrorTextA(mmrError: int, pszText: Any, cchText: int) -> int:
    return get_error_text("midi", mmrError, pszText, cchText, wide=False)


def midiInGetErrorTextW(mmrError: int, pszText: Any, cchText: int) -> int:
    return get_error_text("midi", mmrError, pszText, cchText, wide=True)


def midiInOpen(phmi: Any, uDeviceID: int, dwCallback: Any = 0, dwInstance: Any = 0,
               fdwOpen: int = 0) -> int:
    """Open a MIDI input; ``MIM_OPEN`` before this returns (there is no MIDI-in mapper)."""
    return open_device(IN, phmi, uDeviceID, MIDM_OPEN, dwCallback, dwInstance, fdwOpen)


def midiInClose(hmi: int) -> int:
    """Close; MIDIERR_STILLPLAYING while buffers are queued (reset first)."""
    return close_device(IN, hmi, MIDM_CLOSE)


def midiInPrepareHeader(hmi: int, pmh: Any, cbmh: int) -> int:
    return prepare_header(IN_HEADERS, hmi, pmh, cbmh)


def midiInUnprepareHeader(hmi: int, pmh: Any, cbmh: int) -> int:
    return unprepare_header(IN_HEADERS, hmi, pmh, cbmh)


def midiInAddBuffer(hmi: int, pmh: Any, cbmh: int) -> int:
    """Queue a buffer for SysEx input; ``MIM_LONGDATA`` when filled or at 0xF7."""
    return queue_header(IN_HEADERS, MIDM_ADDBUFFER, hmi, pmh, cbmh, recording=True)


def midiInStart(hmi: int) -> int:
    """Start input; ``MIM_DATA`` timestamps count milliseconds from here."""
    return handle_message(IN, hmi, MIDM_START)


def midiInStop(hmi: int) -> int:
    return handle_message(IN, hmi, MIDM_STOP)


def midiInReset(hmi: int) -> int:
    """Stop and return every buffer (``MIM_LONGDATA``)."""
    return handle_message(IN, hmi, MIDM_RESET)


def midiInGetID(hmi: int, puDeviceID: Any) -> int:
    return get_id(IN, hmi, puDeviceID)


def midiInMessage(hmi: int, uMsg: int, dw1: Any = 0, dw2: Any = 0) -> int:
    """As :func:`midiOutMessage`: MIDM_OPEN/MIDM_CLOSE are NOTSUPPORTED (B148)."""
    return driver_message(IN, hmi, uMsg, dw1, dw2, refused=(MIDM_OPEN, MIDM_CLOSE))
