"""netrtp.drv: a wave output that sends RTP (RFC 3550/3551, L16) to a network address, for
standard receivers (GStreamer, ffmpeg, PipeWire); ``sdp=`` writes the session description.

Settings, in its SYSTEM.INI section ``[netrtp.drv]``::

    dest=127.0.0.1:5004   ; where the packets go
    local=0.0.0.0:0       ; the address they leave from (bound: a failure is an event)
    rate=48000            ; the stream's rate and channels: what applications' formats
    channels=2            ; are converted to, as sndpa.drv converts to a device's
    ptime=5               ; ms of audio per packet
    payload=96            ; the dynamic RTP payload type
    sdp=/path/stream.sdp  ; written when the driver is enabled

One open at a time (a second gets MMSYSERR_ALLOCATED: a receiver hears one stream).  A
header is done when its last frame has been sent, at the pace of real time; pause,
restart, reset, loops, breakloop and the position work as on sndpa.drv.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiodrv.ddk import (
    DRV_CLOSE,
    DRV_ENABLE,
    DRV_OPEN,
    DRV_PNPINSTALL,
    DRVM_DISABLE,
    DRVM_ENABLE,
    DRVM_EXIT,
    DRVM_INIT,
    MM_MICROSOFT,
    MMSYSERR_ALLOCATED,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTENABLED,
    MMSYSERR_NOTSUPPORTED,
    STANDARD_FORMATS,
    WAVE_FORMAT_DIRECT,
    WAVE_FORMAT_QUERY,
    WAVECAPS_SAMPLEACCURATE,
    WAVERR_BADFORMAT,
    WAVERR_STILLPLAYING,
    WHDR_BEGINLOOP,
    WHDR_DONE,
    WHDR_ENDLOOP,
    WHDR_INQUEUE,
    WODM_BREAKLOOP,
    WODM_CLOSE,
    WODM_GETDEVCAPS,
    WODM_GETNUMDEVS,
    WODM_GETPOS,
    WODM_OPEN,
    WODM_PAUSE,
    WODM_RESET,
    WODM_RESTART,
    WODM_WRITE,
    WOM_CLOSE,
    WOM_DONE,
    WOM_OPEN,
    DefDriverProc,
    OpenDesc,
    address_of,
    driver_settings,
    header_data,
    register_devnode,
    set_string,
)
from audiodrv.ddk.wave import fill_position, sample_format
from audiodrv.engine import vif
from audiodrv.engine.convert import Converter
from audiodrv.engine.playback import Block, Playback
from audiodrv.engine.rtp import RtpSender, sdp

DESCRIPTION = "wave:RTP L16 network output (netrtp)"
SECTION = "netrtp.drv"
LEAD_MS = 40  # written ahead of the sender: a few packets, so a late thread loses nothing

log = logging.getLogger("audiodrv.driver.netrtp")


@dataclass
class _Settings:
    host: str = "127.0.0.1"
    port: int = 5004
    rate: int = 48000
    channels: int = 2
    ptime: float = 5.0
    payload: int = 96
    sdp: str = ""
    local: str = "0.0.0.0:0"


@dataclass(eq=False)
class _Open:
    desc: OpenDesc
    flags: int
    conv: Converter
    block_align: int
    sender: RtpSender
    playback: Playback

    def notify(self, msg: int, p1: int = 0) -> None:
        self.desc.notify(self.flags, msg, p1)


class _Driver:
    def __init__(self) -> None:
        self.settings = _Settings()
        self.dn = 0
        self.open: _Open | None = None
        self._lock = threading.Lock()  # one open at a time, even two opening at once

    def DriverProc(self, dwDriverID: Any, hDriver: int, msg: int, lParam1: Any,
                   lParam2: Any) -> int:
        if msg == DRV_ENABLE:
            self._configure(hDriver)
        if msg in (DRV_ENABLE, DRV_PNPINSTALL):
            s = self.settings
            self.dn = register_devnode(hDriver, f"rtp:{s.host}:{s.port}",
                                       f"RTP L16 to {s.host}:{s.port}")
            return 1
        if msg in (DRV_OPEN, DRV_CLOSE):
            return 1
        return DefDriverProc(dwDriverID, hDriver, msg, lParam1, lParam2)

    def _configure(self, hDriver: int) -> None:
        text = driver_settings(hDriver, SECTION)
        s = _Settings()
        try:
            if "dest" in text:
                host, _, port = text["dest"].rpartition(":")
                s.host, s.port = host or s.host, int(port)
            s.rate = int(text.get("rate", s.rate))
            s.channels = int(text.get("channels", s.channels))
            s.ptime = float(text.get("ptime", s.ptime))
            s.payload = int(text.get("payload", s.payload))
        except ValueError as exc:
            log.warning("[%s]: %s; using the defaults", SECTION, exc)
            s = _Settings()
        s.sdp, s.local = text.get("sdp", ""), text.get("local", s.local)
        self.settings = s
        if s.sdp:
            try:
                Path(s.sdp).write_text(sdp((s.host, s.port), s.rate, s.channels, s.payload,
                                           s.ptime))
            except OSError as exc:
                log.warning("[%s] sdp=%s not written: %s", SECTION, s.sdp, exc)

    def wodMessage(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                   dwParam2: Any) -> int:
        if uMsg in (DRVM_INIT, DRVM_EXIT, DRVM_ENABLE, DRVM_DISABLE):
            return MMSYSERR_NOERROR
        if uMsg == WODM_GETNUMDEVS:
            return int(dwParam1 == self.dn)
        if uDeviceID != 0:
            return MMSYSERR_BADDEVICEID
        if uMsg == WODM_GETDEVCAPS:
            return self._caps(dwParam1)
        if uMsg == WODM_OPEN:
            return self._open(dwUser, dwParam1, dwParam2)
        inst = dwUser if isinstance(dwUser, _Open) else None
        if inst is None:
            return MMSYSERR_NOTSUPPORTED
        playback = inst.playback
        if uMsg == WODM_WRITE:
            hdr = dwParam1
            playback.queue(Block(hdr, inst.conv.to_device(header_data(hdr)),
                                 bool(hdr.dwFlags & WHDR_BEGINLOOP),
                                 bool(hdr.dwFlags & WHDR_ENDLOOP), hdr.dwLoops))
            return MMSYSERR_NOERROR
        if uMsg in (WODM_PAUSE, WODM_RESTART):
            inst.sender.hold(uMsg == WODM_PAUSE)
            return MMSYSERR_NOERROR
        if uMsg == WODM_RESET:
            with inst.sender.lock:  # the sender reads nothing meanwhile
                playback.reset()
                inst.sender.held = False
            return MMSYSERR_NOERROR
        if uMsg == WODM_BREAKLOOP:
            playback.break_loop()
            return MMSYSERR_NOERROR
        if uMsg == WODM_GETPOS:
            fill_position(dwParam1, playback.played, inst.conv.app.rate, inst.block_align)
            return MMSYSERR_NOERROR
        if uMsg == WODM_CLOSE:
            return self._close(inst)
        return MMSYSERR_NOTSUPPORTED

    def _caps(self, caps: Any) -> int:
        s = self.settings
        caps.wMid, caps.wPid, caps.vDriverVersion = MM_MICROSOFT, 0, 0x0100
        set_string(caps, "szPname", f"RTP {s.host}:{s.port}"[:31])
        caps.dwFormats = sum(bit for bit, rate, channels, _bits in STANDARD_FORMATS
                             if rate == s.rate and channels <= s.channels)
        caps.wChannels = s.channels
        caps.dwSupport = WAVECAPS_SAMPLEACCURATE
        return MMSYSERR_NOERROR

    def _open(self, slot: Any, desc: OpenDesc, flags: int) -> int:
        s = self.settings
        app = sample_format(desc.lpFormat)
        if app is None or flags & WAVE_FORMAT_DIRECT and (app.rate != s.rate or
                                                         app.channels > s.channels):
            return WAVERR_BADFORMAT
        if flags & WAVE_FORMAT_QUERY:
            return MMSYSERR_NOERROR
        with self._lock:
            if self.open is not None:
                return MMSYSERR_ALLOCATED
            try:
                output = vif.create("udp", local=s.local, remote=f"{s.host}:{s.port}")
            except (OSError, ValueError) as exc:  # reported: a bind failure, a bad name
                log.warning("cannot send to %s:%d from %s: %s", s.host, s.port, s.local, exc)
                return MMSYSERR_NOTENABLED
            sender = RtpSender(output, s.rate, s.channels,
                               max(1, round(s.rate * s.ptime / 1000)), s.payload)
            conv = Converter(app, s.rate, s.channels)
            playback = Playback(sender.ring, lambda hdr: None, s.rate * LEAD_MS // 1000,
                                conv.playback, sender.packet_frames)
            inst = _Open(desc, flags, conv, desc.lpFormat.Format.nBlockAlign, sender,
                         playback)
            playback.on_done = functools.partial(self._done, inst)
            sender.after_packet = playback.service  # completions and top-ups, every packet
            self.open = inst
        slot.value = inst
        inst.notify(WOM_OPEN)
        return MMSYSERR_NOERROR

    @staticmethod
    def _done(inst: _Open, hdr: Any) -> None:
        hdr.dwFlags = (hdr.dwFlags & ~WHDR_INQUEUE) | WHDR_DONE
        inst.notify(WOM_DONE, address_of(hdr))

    def _close(self, inst: _Open) -> int:
        if inst.playback.busy:
            return WAVERR_STILLPLAYING
        inst.sender.close()
        with self._lock:
            self.open = None
        inst.notify(WOM_CLOSE)
        return MMSYSERR_NOERROR


_driver = _Driver()
DriverProc = _driver.DriverProc
wodMessage = _driver.wodMessage
