"""midiStream*: MIDIEVENT buffers played on time by the stream scheduler (spec 2.6).

A stream handle is a midiOut handle too (B152): the device is opened through the driver
like any midiOut open, with winmm's own callback in front, so the application sees
``MOM_OPEN``/``MOM_CLOSE`` from the driver and ``MOM_POSITIONCB``/``MOM_DONE`` for its
stream headers from the scheduler, never the completions of the long messages the stream
sends on its behalf.
"""

from __future__ import annotations

import ctypes
from typing import Any

from audiodrv.core.devclass import DeviceClass
from audiodrv.core.notify import DriverCallback, notifier, synchronous_notifications
from audiodrv.core.system import OpenDevice
from audiodrv.ddk import address_of, callback_flags, header_data
from audiodrv.engine.midistream import Scheduler, StreamSink, is_well_formed, parse_events
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    CALLBACK_TYPEMASK,
    DCB_NULL,
    DCB_TYPEMASK,
    MHDR_DONE,
    MHDR_INQUEUE,
    MHDR_ISSTRM,
    MHDR_PREPARED,
    MIDIERR_STILLPLAYING,
    MIDIERR_UNPREPARED,
    MIDIHDR,
    MIDIHDR_OLD_SIZE,
    MIDIPROP_GET,
    MIDIPROP_SET,
    MIDIPROP_TEMPO,
    MIDIPROP_TIMEDIV,
    MIDIPROPTEMPO,
    MIDIPROPTIMEDIV,
    MMSYSERR_INVALHANDLE,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMTIME,
    MODM_CLOSE,
    MODM_DATA,
    MODM_LONGDATA,
    MODM_OPEN,
    MODM_RESET,
    MOM_CLOSE,
    MOM_DONE,
    MOM_OPEN,
    MOM_POSITIONCB,
    TIME_MIDI,
    TIME_MS,
    TIME_SMPTE,
    TIME_TICKS,
    InvalidParamError,
)
from audiodrv.winmm._args import deref, store
from audiodrv.winmm._device import check_callback, close_device, open_device, opened

__all__ = [
    "midiStreamClose", "midiStreamOpen", "midiStreamOut", "midiStreamPause",
    "midiStreamPosition", "midiStreamProperty", "midiStreamRestart", "midiStreamStop",
]  # fmt: skip

OUT = DeviceClass.MIDIOUT
MAX_STREAM_BUFFER = 65536  # B174: Windows limits a stream buffer to 64 KB


class _Stream(StreamSink):
    """The scheduler's sink: messages to the driver, notifications to the application."""

    def __init__(self, dwCallback: Any, dwInstance: Any, fdwOpen: int) -> None:
        self.callback, self.instance = dwCallback, dwInstance
        self.dcb = callback_flags(fdwOpen)
        self.quiet = not dwCallback or self.dcb & DCB_TYPEMASK == DCB_NULL  # nobody to notify
        self.device: OpenDevice | None = None
        self.handle = 0
        self.scheduler = Scheduler(self, name="midistream")

    def notify(self, msg: int, p1: int = 0) -> None:
        DriverCallback(self.callback, self.dcb, self.handle, msg, self.instance, p1, 0)

    def from_driver(self, handle: int, msg: int, instance: int, p1: int, p2: int) -> None:
        if msg in (MOM_OPEN, MOM_CLOSE):
            # Still on the caller's thread, inside the open or close: deliver it there too.
            self.handle = handle
            with synchronous_notifications():
                self.notify(msg)
        # MOM_DONE of the stream's own long messages stays here.

    # -- StreamSink ---------------------------------------------------------------------------

    def send_short(self, msg: int) -> None:
        if self.device is not None:
            self.device.message(MODM_DATA, msg)

    def send_long(self, data: bytes) -> None:
        if self.device is None:
            return
        memory = ctypes.create_string_buffer(data, len(data))
        hdr = MIDIHDR(lpData=ctypes.addressof(memory), dwBufferLength=len(data),
                      dwBytesRecorded=len(data), dwFlags=MHDR_PREPARED | MHDR_INQUEUE)
        self.device.message(MODM_LONGDATA, hdr, ctypes.sizeof(hdr))

    def on_position_callback(self, token: Any, offset: int) -> None:
        # B160: dwOffset is the offset of *this* event when the application's MOM_POSITIONCB
        # runs.  The notification runs later, on the notifier, so the write goes through
        # the notifier too, queued just ahead of it: written here, several flagged events
        # due at once would all show the last offset.  With nobody to call back, a caller
        # polling the header sees it at once.
        if self.quiet:
            token.dwOffset = offset
            return
        notifier.post(setattr, token, "dwOffset", offset)
        self.notify(MOM_POSITIONCB, address_of(token))

    def on_done(self, token: Any) -> None:
        token.dwFlags = (token.dwFlags & ~MHDR_INQUEUE) | MHDR_DONE  # ISSTRM stays (B157)
        self.notify(MOM_DONE, address_of(token))

    def reset(self) -> None:
        if self.device is not None:
            self.device.message(MODM_RESET)


def _stream(handle: int) -> _Stream | None:
    open_dev = opened(handle, OUT)
    return open_dev.state.get("stream") if open_dev is not None else None


def is_stream(handle: int) -> bool:
    """Whether a midiOut handle was opened by :func:`midiStreamOpen`."""
    return _stream(handle) is not None


def close_stream_handle(hms: int) -> int:
    """``midiOutClose`` of a stream handle: MIDIERR_STILLPLAYING while stream headers are
    queued (as Windows), else the same close as :func:`midiStreamClose`."""
    stream = _stream(hms)
    if stream is None:
        return MMSYSERR_INVALHANDLE
    if stream.scheduler.queued:
        return MIDIERR_STILLPLAYING
    return midiStreamClose(hms)


def midiStreamOpen(phms: Any, puDeviceID: Any, cMidi: int, dwCallback: Any = 0,
                   dwInstance: Any = 0, fdwOpen: int = 0) -> int:
    """Open a MIDI stream on a MIDI output device; paused, 500000 µs/qn, 24 PPQN (B151).

    Returns NOERROR, INVALPARAM (cMidi != 1, null pointers, bad callback), BADDEVICEID.
    """
    device_ref = deref(puDeviceID, ctypes.c_uint32) if puDeviceID else None
    if deref(phms, ctypes.c_size_t) is None or device_ref is None or cMidi != 1:
        return MMSYSERR_INVALPARAM
    result = check_callback(dwCallback, fdwOpen)
    if result != MMSYSERR_NOERROR:
        return result
    stream = _Stream(dwCallback, dwInstance, fdwOpen)
    # The driver's notifications come to the stream, which forwards what the app may see.
    flags = (fdwOpen & ~CALLBACK_TYPEMASK) | CALLBACK_FUNCTION
    handle = ctypes.c_size_t()
    with synchronous_notifications():  # MOM_OPEN once the stream is whole and *phms set
        result = open_device(OUT, handle, device_ref.value, MODM_OPEN, stream.from_driver, 0,
                             flags)
        if result != MMSYSERR_NOERROR:
            stream.scheduler.close()
            return result
        stream.device = opened(handle.value, OUT)
        assert stream.device is not None
        stream.device.state["stream"] = stream
        store(phms, handle.value, ctypes.c_size_t)  # handles are pointer-sized
    return MMSYSERR_NOERROR


def midiStreamOut(hms: int, pmh: Any, cbmh: int) -> int:
    """Queue a stream buffer. Checks in Wine's order (B154): INVALPARAM, then
    MIDIERR_UNPREPARED, MIDIERR_STILLPLAYING, then INVALHANDLE."""
    hdr = deref(pmh, MIDIHDR)
    if cbmh < MIDIHDR_OLD_SIZE or hdr is None:
        return MMSYSERR_INVALPARAM
    data = header_data(hdr)
    if not len(data) or hdr.dwBytesRecorded > hdr.dwBufferLength or \
            not is_well_formed(data, hdr.dwBytesRecorded):
        return MMSYSERR_INVALPARAM
    if not hdr.dwFlags & MHDR_PREPARED:
        return MIDIERR_UNPREPARED
    if hdr.dwFlags & MHDR_INQUEUE:
        return MIDIERR_STILLPLAYING
    stream = _stream(hms)
    if stream is None:
        return MMSYSERR_INVALHANDLE
    hdr.dwFlags = (hdr.dwFlags & ~MHDR_DONE) | MHDR_ISSTRM | MHDR_INQUEUE  # B155
    stream.scheduler.out(hdr, parse_events(data, hdr.dwBytesRecorded))
    return MMSYSERR_NOERROR


def _command(hms: int, name: str) -> int:
    stream = _stream(hms)
    if stream is None:
        return MMSYSERR_INVALHANDLE
    getattr(stream.scheduler, name)()
    return MMSYSERR_NOERROR


def midiStreamRestart(hms: int) -> int:
    """Start (or resume) playing; idempotent (B163)."""
    return _command(hms, "restart")


def midiStreamPause(hms: int) -> int:
    """Pause; the position freezes and resumes from there (B168)."""
    return _command(hms, "pause")


def midiStreamStop(hms: int) -> int:
    """Stop: every queued header returns (MOM_DONE, in order), the device is reset, the
    position goes back to 0 (B173)."""
    return _command(hms, "stop")


def midiStreamClose(hms: int) -> int:
    """Stop, return every header, close the device; ``MOM_CLOSE`` before this returns."""
    stream = _stream(hms)
    if stream is None:
        return MMSYSERR_INVALHANDLE
    stream.scheduler.close()
    return close_device(OUT, hms, MODM_CLOSE)


def midiStreamPosition(hms: int, lpmmt: Any, cbmmt: int) -> int:
    """Position in ms, ticks, song position or SMPTE (B166-B171)."""
    mmt = deref(lpmmt, MMTIME)
    if mmt is None or cbmmt != ctypes.sizeof(MMTIME):
        return MMSYSERR_INVALPARAM
    stream = _stream(hms)
    if stream is None:
        return MMSYSERR_INVALHANDLE
    kind, value = stream.scheduler.position(mmt.wType)
    mmt.wType = kind
    if kind == TIME_SMPTE:
        smpte = mmt.u.smpte
        smpte.hour, smpte.min, smpte.sec = value.hour, value.min, value.sec
        smpte.frame, smpte.fps = value.frame, value.fps
    elif kind == TIME_MIDI:
        mmt.u.midi.songptrpos = value
    elif kind == TIME_TICKS:
        mmt.u.ticks = value
    else:
        assert kind == TIME_MS
        mmt.u.ms = value
    return MMSYSERR_NOERROR


def midiStreamProperty(hms: int, lppropdata: Any, dwProperty: int) -> int:
    """Get or set ``MIDIPROP_TEMPO`` / ``MIDIPROP_TIMEDIV`` (B172).

    Returns NOERROR, INVALHANDLE, INVALPARAM (neither GET nor SET, neither property, a
    ``cbStruct`` other than 8, a time division set while playing).
    """
    # COMPAT: as Wine, SET wins over GET and TEMPO over TIMEDIV when both are given.
    put = dwProperty & MIDIPROP_SET
    which = MIDIPROP_TEMPO if dwProperty & MIDIPROP_TEMPO else dwProperty & MIDIPROP_TIMEDIV
    if not dwProperty & (MIDIPROP_GET | MIDIPROP_SET) or not which:
        return MMSYSERR_INVALPARAM
    prop = deref(lppropdata, MIDIPROPTEMPO if which == MIDIPROP_TEMPO else MIDIPROPTIMEDIV)
    if prop is None or prop.cbStruct != 8:
        return MMSYSERR_INVALPARAM
    stream = _stream(hms)
    if stream is None:
        return MMSYSERR_INVALHANDLE
    scheduler = stream.scheduler
    value_field = "dwTempo" if which == MIDIPROP_TEMPO else "dwTimeDiv"
    if not put:
        setattr(prop, value_field, scheduler.tempo if which == MIDIPROP_TEMPO
                else scheduler.time_division)
        return MMSYSERR_NOERROR
    try:
        if which == MIDIPROP_TEMPO:
            scheduler.set_tempo(getattr(prop, value_field))
        else:
            scheduler.set_time_division(getattr(prop, value_field))
    except InvalidParamError:
        return MMSYSERR_INVALPARAM  # B172: no time division change while playing
    return MMSYSERR_NOERROR
