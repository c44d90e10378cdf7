"""waveOut* and waveIn*: the wave families of winmm.

Header state rules (spec B50-B62, B84-B85) are applied here, once, for every driver: the
driver is asked to prepare first and, when it answers ``MMSYSERR_NOTSUPPORTED`` (most do),
winmm prepares itself (B247).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

from audiodrv.core.devclass import DeviceClass
from audiodrv.mmsystem import (
    DRV_QUERYDEVICEINTERFACE,
    DRV_QUERYDEVICEINTERFACESIZE,
    DRVM_MAPPER_PREFERRED_GET,
    DRVM_MAPPER_STATUS,
    KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
    KSDATAFORMAT_SUBTYPE_PCM,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_ERROR,
    MMSYSERR_INVALHANDLE,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMTIME,
    WAVE_FORMAT_EXTENSIBLE,
    WAVE_FORMAT_IEEE_FLOAT,
    WAVE_FORMAT_PCM,
    WAVE_FORMAT_QUERY,
    WAVE_MAPPED,
    WAVE_MAPPER,
    WAVEFORMATEX,
    WAVEFORMATEXTENSIBLE,
    WAVEHDR,
    WAVEINCAPSA,
    WAVEINCAPSW,
    WAVEOUT_MAPPER_STATUS_FORMAT,
    WAVEOUTCAPSA,
    WAVEOUTCAPSW,
    WAVERR_STILLPLAYING,
    WAVERR_UNPREPARED,
    WHDR_INQUEUE,
    WIDM_ADDBUFFER,
    WIDM_CLOSE,
    WIDM_GETDEVCAPS,
    WIDM_GETPOS,
    WIDM_OPEN,
    WIDM_PREPARE,
    WIDM_RESET,
    WIDM_START,
    WIDM_STOP,
    WIDM_UNPREPARE,
    WODM_BREAKLOOP,
    WODM_CLOSE,
    WODM_GETDEVCAPS,
    WODM_GETPITCH,
    WODM_GETPLAYBACKRATE,
    WODM_GETPOS,
    WODM_GETVOLUME,
    WODM_OPEN,
    WODM_PAUSE,
    WODM_PREPARE,
    WODM_RESET,
    WODM_RESTART,
    WODM_SETPITCH,
    WODM_SETPLAYBACKRATE,
    WODM_SETVOLUME,
    WODM_UNPREPARE,
    WODM_WRITE,
)
from audiodrv.winmm._args import deref, store, write_text
from audiodrv.winmm._device import (
    HeaderRules,
    close_device,
    device_message,
    device_of,
    dword_message,
    get_caps,
    get_error_text,
    get_id,
    handle_message,
    num_devs,
    open_device,
    opened,
    prepare_header,
    queue_header,
    unprepare_header,
)

__all__ = [
    "waveInAddBuffer", "waveInClose", "waveInGetDevCapsA", "waveInGetDevCapsW",
    "waveInGetErrorTextA", "waveInGetErrorTextW", "waveInGetID", "waveInGetNumDevs",
    "waveInGetPosition", "waveInMessage", "waveInOpen", "waveInPrepareHeader", "waveInReset",
    "waveInStart", "waveInStop", "waveInUnprepareHeader",
    "waveOutBreakLoop", "waveOutClose", "waveOutGetDevCapsA", "waveOutGetDevCapsW",
    "waveOutGetErrorTextA", "waveOutGetErrorTextW", "waveOutGetID", "waveOutGetNumDevs",
    "waveOutGetPitch", "waveOutGetPlaybackRate", "waveOutGetPosition", "waveOutGetVolume",
    "waveOutMessage", "waveOutOpen", "waveOutPause", "waveOutPrepareHeader", "waveOutReset",
    "waveOutRestart", "waveOutSetPitch", "waveOutSetPlaybackRate", "waveOutSetVolume",
    "waveOutUnprepareHeader", "waveOutWrite",
]  # fmt: skip

OUT, IN = DeviceClass.WAVEOUT, DeviceClass.WAVEIN


@dataclass(frozen=True)
class _Family:
    cls: DeviceClass
    caps_w: type[ctypes.Structure]
    getdevcaps: int
    open: int
    close: int
    getpos: int
    headers: HeaderRules


def _header_rules(cls: DeviceClass, prepare: int, unprepare: int) -> HeaderRules:
    return HeaderRules(cls, WAVEHDR, ctypes.sizeof(WAVEHDR), WHDR_INQUEUE, WAVERR_STILLPLAYING,
                       WAVERR_UNPREPARED, prepare, unprepare, inqueue_first=True)


_OUT = _Family(OUT, WAVEOUTCAPSW, WODM_GETDEVCAPS, WODM_OPEN, WODM_CLOSE, WODM_GETPOS,
               _header_rules(OUT, WODM_PREPARE, WODM_UNPREPARE))
_IN = _Family(IN, WAVEINCAPSW, WIDM_GETDEVCAPS, WIDM_OPEN, WIDM_CLOSE, WIDM_GETPOS,
              _header_rules(IN, WIDM_PREPARE, WIDM_UNPREPARE))


# -- formats -------------------------------------------------------------------------------


def read_format(lpFormat: Any) -> WAVEFORMATEXTENSIBLE | None:
    """Copy the caller's format into a ``WAVEFORMATEXTENSIBLE`` of ours, by field name.

    Only the 16-byte ``PCMWAVEFORMAT`` part is read for PCM (B39).  Integer PCM gets
    ``nBlockAlign``/``nAvgBytesPerSec`` recomputed from the rest (B38); the caller's
    structure is never modified (B36).  A plain PCM or float format comes back as the
    equivalent extensible one, so drivers read one shape.
    """
    src = deref(lpFormat, WAVEFORMATEX)
    if src is None:
        return None
    base = getattr(src, "Format", None) or getattr(src, "wf", None) or src
    fmt = WAVEFORMATEXTENSIBLE()
    for name in ("wFormatTag", "nChannels", "nSamplesPerSec", "nAvgBytesPerSec", "nBlockAlign"):
        setattr(fmt.Format, name, getattr(base, name))
    fmt.Format.wBitsPerSample = getattr(src, "wBitsPerSample", getattr(base, "wBitsPerSample", 0))
    tag = fmt.Format.wFormatTag
    if tag == WAVE_FORMAT_EXTENSIBLE:
        ext = src if hasattr(src, "SubFormat") else WAVEFORMATEXTENSIBLE.from_address(
            ctypes.addressof(src))
        if getattr(base, "cbSize", 0) < 22:
            fmt.Format.wFormatTag = 0  # not a valid extensible format: the driver refuses it
            return fmt
        fmt.Samples.wValidBitsPerSample = ext.Samples.wValidBitsPerSample
        fmt.dwChannelMask = ext.dwChannelMask
        ctypes.memmove(ctypes.addressof(fmt.SubFormat), ctypes.addressof(ext.SubFormat), 16)
    elif tag in (WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT):
        pcm = tag == WAVE_FORMAT_PCM
        sub = KSDATAFORMAT_SUBTYPE_PCM if pcm else KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
        ctypes.memmove(ctypes.addressof(fmt.SubFormat), sub, 16)
        fmt.Samples.wValidBitsPerSample = fmt.Format.wBitsPerSample
        fmt.Format.wFormatTag = WAVE_FORMAT_EXTENSIBLE
    if tag in (WAVE_FORMAT_PCM, WAVE_FORMAT_EXTENSIBLE, WAVE_FORMAT_IEEE_FLOAT):
        bits = (fmt.Format.wBitsPerSample + 7) // 8 * 8
        fmt.Format.wBitsPerSample = bits
        fmt.Format.nBlockAlign = fmt.Format.nChannels * bits // 8
        fmt.Format.nAvgBytesPerSec = fmt.Format.nSamplesPerSec * fmt.Format.nBlockAlign
    fmt.Format.cbSize = 22
    return fmt


def _open(family: _Family, phw: Any, uDeviceID: int, pwfx: Any, dwCallback: Any,
          dwInstance: Any, fdwOpen: int) -> int:
    fmt = read_format(pwfx)
    if fmt is None or fmt.Format.nSamplesPerSec == 0:
        return MMSYSERR_INVALPARAM  # B37: Vista+ answer for a zero rate
    if fdwOpen & WAVE_MAPPED and uDeviceID & 0xFFFFFFFF == WAVE_MAPPER:
        return MMSYSERR_INVALPARAM  # B45: the mapper cannot map to itself
    # WAVE_MAPPED with a device: that device, which converts formats itself (B41).
    return open_device(family.cls, phw, uDeviceID, family.open, dwCallback, dwInstance, fdwOpen,
                       query=bool(fdwOpen & WAVE_FORMAT_QUERY), lpFormat=fmt)


def _message(cls: DeviceClass, id_or_handle: int, uMsg: int, dw1: Any, dw2: Any) -> int:
    """``waveOutMessage``/``waveInMessage``: pointer arguments of the messages winmm knows
    become ctypes objects for the driver to fill, then are copied to the caller's memory."""
    if uMsg == DRV_QUERYDEVICEINTERFACESIZE:
        return dword_message(cls, id_or_handle, uMsg, dw1)
    if uMsg == DRVM_MAPPER_PREFERRED_GET:
        if deref(dw1, ctypes.c_uint32) is None or deref(dw2, ctypes.c_uint32) is None:
            return MMSYSERR_INVALPARAM  # B27
        if device_of(cls, id_or_handle) is None:
            return MMSYSERR_BADDEVICEID
        # The mapper names the device it uses; else winmm answers as Wine does: the first
        # device, no flags (B26, B81).
        preferred, status = ctypes.c_uint32(), ctypes.c_uint32()
        if device_message(cls, id_or_handle, uMsg, preferred, status) != MMSYSERR_NOERROR:
            preferred.value, status.value = (0 if num_devs(cls) else 0xFFFFFFFF), 0
        store(dw1, preferred.value)
        store(dw2, status.value)
        return MMSYSERR_NOERROR
    if uMsg == DRVM_MAPPER_STATUS:
        # dw1 names the item (WAVEOUT_ and WAVEIN_MAPPER_STATUS_* agree), dw2 receives it:
        # a DWORD, or a WAVEFORMATEX for the format.
        item_type = WAVEFORMATEX if dw1 == WAVEOUT_MAPPER_STATUS_FORMAT else ctypes.c_uint32
        target = deref(dw2, item_type)
        if target is None:
            return MMSYSERR_INVALPARAM
        return device_message(cls, id_or_handle, uMsg, dw1, target)
    if uMsg == DRV_QUERYDEVICEINTERFACE:
        target = deref(dw1, ctypes.c_char)
        if target is None or not isinstance(dw2, int) or dw2 < 0:
            return MMSYSERR_INVALPARAM
        buffer = ctypes.create_string_buffer(dw2)
        result = device_message(cls, id_or_handle, uMsg, buffer, dw2)
        if result == MMSYSERR_NOERROR:
            name = buffer.raw.decode("utf-16-le").split("\0", 1)[0]
            if isinstance(target, ctypes.Array) and target._type_ is ctypes.c_wchar:
                target.value = name  # a create_unicode_buffer: ctypes' own wide characters
            else:
                write_text(ctypes.addressof(target), name, wide=True)  # UTF-16, as Windows
        return result
    return device_message(cls, id_or_handle, uMsg, dw1, dw2)


def _position(family: _Family, handle: int, pmmt: Any, cbmmt: int) -> int:
    open_dev = opened(handle, family.cls)
    if open_dev is None:
        return MMSYSERR_INVALHANDLE
    mmt = deref(pmmt, MMTIME)
    if mmt is None or not cbmmt:
        return MMSYSERR_INVALPARAM
    if cbmmt < ctypes.sizeof(MMTIME):
        return MMSYSERR_ERROR  # B72
    return open_dev.message(family.getpos, mmt, cbmmt)


# -- waveOut -------------------------------------------------------------------------------


def waveOutGetNumDevs() -> int:
    """The number of wave output devices (the mapper not counted)."""
    return num_devs(OUT)


def waveOutGetDevCapsW(uDeviceID: int, pwoc: Any, cbwoc: int) -> int:
    """Capabilities of a device (id, ``WAVE_MAPPER`` or open handle).

    Returns NOERROR, BADDEVICEID, INVALPARAM (null pointer).
    """
    return get_caps(OUT, uDeviceID, pwoc, cbwoc, WAVEOUTCAPSW, WODM_GETDEVCAPS)


def waveOutGetDevCapsA(uDeviceID: int, pwoc: Any, cbwoc: int) -> int:
    """As the W function, with the ANSI structure (the layout a raw address points at)."""
    return get_caps(OUT, uDeviceID, pwoc, cbwoc, WAVEOUTCAPSW, WODM_GETDEVCAPS, WAVEOUTCAPSA)


def waveOutGetErrorTextA(mmrError: int, pszText: Any, cchText: int) -> int:
    """Text of an error code. Returns NOERROR, BADERRNUM, INVALPARAM."""
    return get_error_text("wave", mmrError, pszText, cchText, wide=False)


def waveOutGetErrorTextW(mmrError: int, pszText: Any, cchText: int) -> int:
    """Text of an error code. Returns NOERROR, BADERRNUM, INVALPARAM."""
    return get_error_text("wave", mmrError, pszText, cchText, wide=True)


def waveOutOpen(phwo: Any, uDeviceID: int, pwfx: Any, dwCallback: Any = 0, dwInstance: Any = 0,
                fdwOpen: int = 0) -> int:
    """Open a wave output device; ``WOM_OPEN`` is delivered before this returns.

    Returns NOERROR, BADDEVICEID, INVALPARAM, WAVERR_BADFORMAT, ALLOCATED, NOTENABLED.
    """
    return _open(_OUT, phwo, uDeviceID, pwfx, dwCallback, dwInstance, fdwOpen)


def waveOutClose(hwo: int) -> int:
    """Close; WAVERR_STILLPLAYING (handle kept) while headers are queued. Also INVALHANDLE."""
    return close_device(OUT, hwo, WODM_CLOSE)


def waveOutPrepareHeader(hwo: int, pwh: Any, cbwh: int) -> int:
    """Prepare a header. Returns NOERROR, INVALHANDLE, INVALPARAM."""
    return prepare_header(_OUT.headers, hwo, pwh, cbwh)


def waveOutUnprepareHeader(hwo: int, pwh: Any, cbwh: int) -> int:
    """Unprepare. Returns NOERROR, INVALHANDLE, INVALPARAM, WAVERR_STILLPLAYING."""
    return unprepare_header(_OUT.headers, hwo, pwh, cbwh)


def waveOutWrite(hwo: int, pwh: Any, cbwh: int) -> int:
    """Queue a prepared header for playback; ``WOM_DONE`` when its last frame has played.

    Returns NOERROR, INVALHANDLE, INVALPARAM, WAVERR_UNPREPARED, WAVERR_STILLPLAYING,
    NOTENABLED (the device is gone).
    """
    return queue_header(_OUT.headers, WODM_WRITE, hwo, pwh, cbwh)


def waveOutPause(hwo: int) -> int:
    """Pause playback, keeping position and queue. Returns NOERROR, INVALHANDLE."""
    return handle_message(OUT, hwo, WODM_PAUSE)


def waveOutRestart(hwo: int) -> int:
    """Resume a paused device. Returns NOERROR, INVALHANDLE."""
    return handle_message(OUT, hwo, WODM_RESTART)


def waveOutReset(hwo: int) -> int:
    """Stop, return every queued header done (in order), position to 0."""
    return handle_message(OUT, hwo, WODM_RESET)


def waveOutBreakLoop(hwo: int) -> int:
    """End the current loop after its current iteration. Returns NOERROR, INVALHANDLE."""
    return handle_message(OUT, hwo, WODM_BREAKLOOP)


def waveOutGetPosition(hwo: int, pmmt: Any, cbmmt: int) -> int:
    """Playback position from frames actually played (TIME_BYTES, TIME_SAMPLES, TIME_MS;
    other types are answered as TIME_BYTES). Returns NOERROR, INVALHANDLE, INVALPARAM,
    ERROR (short MMTIME size)."""
    return _position(_OUT, hwo, pmmt, cbmmt)


def waveOutGetVolume(hwo: int, pdwVolume: Any) -> int:
    """Volume (low word left, high word right) of a handle or a device id.

    Returns NOERROR, INVALHANDLE, INVALPARAM, NOTSUPPORTED.
    """
    return dword_message(OUT, hwo, WODM_GETVOLUME, pdwVolume)


def waveOutSetVolume(hwo: int, dwVolume: int) -> int:
    """Set the volume of a handle (or of a device by id). NOERROR, INVALHANDLE,
    NOTSUPPORTED."""
    return device_message(OUT, hwo, WODM_SETVOLUME, dwVolume & 0xFFFFFFFF, 0)


def waveOutGetPitch(hwo: int, pdwPitch: Any) -> int:
    """Not supported by any bundled driver (WAVECAPS_PITCH unset)."""
    return handle_message(OUT, hwo, WODM_GETPITCH, pdwPitch)


def waveOutSetPitch(hwo: int, dwPitch: int) -> int:
    return handle_message(OUT, hwo, WODM_SETPITCH, dwPitch)


def waveOutGetPlaybackRate(hwo: int, pdwRate: Any) -> int:
    return handle_message(OUT, hwo, WODM_GETPLAYBACKRATE, pdwRate)


def waveOutSetPlaybackRate(hwo: int, dwRate: int) -> int:
    return handle_message(OUT, hwo, WODM_SETPLAYBACKRATE, dwRate)


def waveOutGetID(hwo: int, puDeviceID: Any) -> int:
    """The device id the handle was opened with. NOERROR, INVALHANDLE, INVALPARAM."""
    return get_id(OUT, hwo, puDeviceID)


def waveOutMessage(hwo: int, uMsg: int, dw1: Any = 0, dw2: Any = 0) -> int:
    """Send a driver message to the driver of a handle (or device id).

    ``DRV_QUERYDEVICEINTERFACESIZE`` (``dw1`` -> DWORD) and ``DRV_QUERYDEVICEINTERFACE``
    (``dw1`` a buffer of ``dw2`` bytes) answer the device's interface name (B29).
    """
    return _message(OUT, hwo, uMsg, dw1, dw2)


# -- waveIn --------------------------------------------------------------------------------


def waveInGetNumDevs() -> int:
    """The number of wave input devices."""
    return num_devs(IN)


def waveInGetDevCapsW(uDeviceID: int, pwic: Any, cbwic: int) -> int:
    """Capabilities of an input device. Returns NOERROR, BADDEVICEID, INVALPARAM."""
    return get_caps(IN, uDeviceID, pwic, cbwic, WAVEINCAPSW, WIDM_GETDEVCAPS)


def waveInGetDevCapsA(uDeviceID: int, pwic: Any, cbwic: int) -> int:
    """As the W function, with the ANSI structure (the layout a raw address points at)."""
    return get_caps(IN, uDeviceID, pwic, cbwic, WAVEINCAPSW, WIDM_GETDEVCAPS, WAVEINCAPSA)


def waveInGetErrorTextA(mmrError: int, pszText: Any, cchText: int) -> int:
    return get_error_text("wave", mmrError, pszText, cchText, wide=False)


def waveInGetErrorTextW(mmrError: int, pszText: Any, cchText: int) -> int:
    return get_error_text("wave", mmrError, pszText, cchText, wide=True)


def waveInOpen(phwi: Any, uDeviceID: int, pwfx: Any, dwCallback: Any = 0, dwInstance: Any = 0,
               fdwOpen: int = 0) -> int:
    """Open a wave input device; ``WIM_OPEN`` before this returns."""
    return _open(_IN, phwi, uDeviceID, pwfx, dwCallback, dwInstance, fdwOpen)


def waveInClose(hwi: int) -> int:
    """Close; WAVERR_STILLPLAYING while buffers are queued (reset first)."""
    return close_device(IN, hwi, WIDM_CLOSE)


def waveInPrepareHeader(hwi: int, pwh: Any, cbwh: int) -> int:
    return prepare_header(_IN.headers, hwi, pwh, cbwh)


def waveInUnprepareHeader(hwi: int, pwh: Any, cbwh: int) -> int:
    return unprepare_header(_IN.headers, hwi, pwh, cbwh)


def waveInAddBuffer(hwi: int, pwh: Any, cbwh: int) -> int:
    """Queue a buffer to record into; ``WIM_DATA`` when it is full (or on stop/reset)."""
    return queue_header(_IN.headers, WIDM_ADDBUFFER, hwi, pwh, cbwh, recording=True)


def waveInStart(hwi: int) -> int:
    return handle_message(IN, hwi, WIDM_START)


def waveInStop(hwi: int) -> int:
    """Stop; a partly filled head buffer is returned with its ``dwBytesRecorded``."""
    return handle_message(IN, hwi, WIDM_STOP)


def waveInReset(hwi: int) -> int:
    """Stop and return every queued buffer; position to 0."""
    return handle_message(IN, hwi, WIDM_RESET)


def waveInGetPosition(hwi: int, pmmt: Any, cbmmt: int) -> int:
    return _position(_IN, hwi, pmmt, cbmmt)


def waveInGetID(hwi: int, puDeviceID: Any) -> int:
    return get_id(IN, hwi, puDeviceID)


def waveInMessage(hwi: int, uMsg: int, dw1: Any = 0, dw2: Any = 0) -> int:
    """Send a driver message to the driver of a handle (or device id); as waveOutMessage."""
    return _message(IN, hwi, uMsg, dw1, dw2)
