"""A wave driver over the PortAudio stream service: the body of ``sndpa.drv`` and
``wavemap.drv``.

:class:`WaveDriver` answers every ``WODM_*``/``WIDM_*`` message.  The physical driver
serves one waveOut per PortAudio device with output channels and one waveIn per device
with input channels, each device a devnode; the mapper serves one device of each direction
on the default PortAudio device.  Both convert what the device's stream does not run at
(rate, channel count, sample format), as modern winmm converts through ACM for a device id
too (spec B41); ``WAVE_FORMAT_DIRECT`` asks for the device's own rate and at most its
channels (any sample width: that conversion is free, in the feeder).
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audiodrv.ddk import (
    CALLBACK_TYPEMASK,
    DRV_CLOSE,
    DRV_ENABLE,
    DRV_OPEN,
    DRV_PNPINSTALL,
    DRV_QUERYDEVICEINTERFACE,
    DRV_QUERYDEVICEINTERFACESIZE,
    DRVM_DISABLE,
    DRVM_ENABLE,
    DRVM_EXIT,
    DRVM_INIT,
    DRVM_MAPPER_PREFERRED_GET,
    DRVM_MAPPER_STATUS,
    KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
    KSDATAFORMAT_SUBTYPE_PCM,
    MM_MICROSOFT,
    MM_WAVE_MAPPER,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTENABLED,
    MMSYSERR_NOTSUPPORTED,
    STANDARD_FORMATS,
    TIME_BYTES,
    TIME_MS,
    TIME_SAMPLES,
    WAVE_FORMAT_DIRECT,
    WAVE_FORMAT_EXTENSIBLE,
    WAVE_FORMAT_IEEE_FLOAT,
    WAVE_FORMAT_PCM,
    WAVE_FORMAT_QUERY,
    WAVE_GETXRUNS,
    WAVECAPS_LRVOLUME,
    WAVECAPS_SAMPLEACCURATE,
    WAVECAPS_VOLUME,
    WAVEOUT_MAPPER_STATUS_DEVICE,
    WAVEOUT_MAPPER_STATUS_FORMAT,
    WAVEOUT_MAPPER_STATUS_MAPPED,
    WAVERR_BADFORMAT,
    WAVERR_STILLPLAYING,
    WHDR_BEGINLOOP,
    WHDR_DONE,
    WHDR_ENDLOOP,
    WHDR_INQUEUE,
    WIDM_ADDBUFFER,
    WIDM_CLOSE,
    WIDM_GETDEVCAPS,
    WIDM_GETNUMDEVS,
    WIDM_GETPOS,
    WIDM_OPEN,
    WIDM_RESET,
    WIDM_START,
    WIDM_STOP,
    WIM_CLOSE,
    WIM_DATA,
    WIM_OPEN,
    WODM_BREAKLOOP,
    WODM_CLOSE,
    WODM_GETDEVCAPS,
    WODM_GETNUMDEVS,
    WODM_GETPOS,
    WODM_GETVOLUME,
    WODM_OPEN,
    WODM_PAUSE,
    WODM_RESET,
    WODM_RESTART,
    WODM_SETVOLUME,
    WODM_WRITE,
    WOM_CLOSE,
    WOM_DONE,
    WOM_OPEN,
    Alarm,
    DefDriverProc,
    DeviceClass,
    OpenDesc,
    address_of,
    device_on_devnode,
    devnode_changed,
    driver_settings,
    header_data,
    hold_switch_interval,
    register_devnode,
    set_string,
)
from audiodrv.ddk.mixer import Endpoint, Mixers, device_lines
from audiodrv.engine import portaudio
from audiodrv.engine.capture import Capture
from audiodrv.engine.convert import Converter
from audiodrv.engine.formats import SampleFormat
from audiodrv.engine.playback import Block, Playback

__all__ = ["WaveDriver", "fill_position", "sample_format"]

log = logging.getLogger("audiodrv.driver.wave")

RING_FRAMES = 1 << 15  # power of two (PortAudio's ring); ~0.7 s at 48 kHz
LEAD_FRAMES = 4096  # written ahead of the callback: ~85 ms at 48 kHz
# Python's default 5 ms per GIL hand-over to the notifier thread (twice with CALLBACK_EVENT)
# empties a 20 ms queue while another Python thread computes; 1 ms does not (README).
SWITCH_INTERVAL_MS = 1.0


@dataclass(eq=False)
class _Node:
    """A devnode: one PortAudio device (or, for the mapper, a default one)."""

    dn: int
    device: portaudio.HostDevice
    output: bool | None = None  # the one direction it serves (the mapper's), else both
    present: bool = True
    opens: set[Any] = field(default_factory=set)
    volume: int = 0xFFFFFFFF  # the device's own volume (waveOutSetVolume by id), over every open
    mixers: dict[bool, Endpoint] = field(default_factory=dict)  # by direction (output?)


def sample_format(fmt: Any) -> SampleFormat | None:
    """Our :class:`SampleFormat` for a ``WAVEFORMATEXTENSIBLE`` (winmm normalises every
    format to one), or None when the format is not linear PCM or IEEE float."""
    base = fmt.Format
    if base.wFormatTag != WAVE_FORMAT_EXTENSIBLE or not 1 <= base.nChannels <= 8:
        return None
    sub = bytes(fmt.SubFormat)
    width = base.wBitsPerSample // 8
    try:
        if sub == KSDATAFORMAT_SUBTYPE_PCM and width in (1, 2, 3, 4):
            return SampleFormat(base.nSamplesPerSec, base.nChannels, width)
        if sub == KSDATAFORMAT_SUBTYPE_IEEE_FLOAT and width == 4:
            return SampleFormat(base.nSamplesPerSec, base.nChannels, 4, is_float=True)
    except ValueError:
        return None
    return None


class _Instance:
    """State of one open, output or input."""

    def __init__(self, node: _Node, desc: OpenDesc, flags: int, conv: Converter,
                 block_align: int) -> None:
        self.node, self.desc, self.conv = node, desc, conv
        self.flags = flags & CALLBACK_TYPEMASK
        self.block_align = block_align
        self.stream: Any = None
        self.client: Any = None
        self.volume = 0xFFFFFFFF
        self.release_switch_interval: Callable[[], None] = lambda: None

    def notify(self, msg: int, p1: int = 0) -> None:
        self.desc.notify(self.flags, msg, p1)

    def apply_volume(self) -> None:
        """Gain per device channel: this open's volume times the device's (B47, B48)."""
        mono = self.conv.app.channels == 1
        gains = []
        for volume, is_mono in ((self.volume, mono), (self.node.volume, False)):
            left, right = (volume & 0xFFFF) / 0xFFFF, (volume >> 16) / 0xFFFF
            gains.append((left, left if is_mono else right))
        self.client.gain = np.array(
            [gains[0][c % 2] * gains[1][c % 2] for c in range(self.stream.channels)],
            dtype=np.float32)

    def on_lost(self) -> None:
        devnode_changed(self.node.dn, False)

    def watch(self, frames: int) -> bool:
        """Have the playback checked when ``frames`` more have been read (Playback's
        ``watch``); False while it is paused or its stream is gone."""
        if self.stream.lost or self.client in self.stream.paused:
            return False
        if self.stream.checks is None:
            self.stream.checks = _Checks(self.stream)
        self.stream.checks.arrange(self.client, frames)
        return True


def fill_position(mmt: Any, frames: int, rate: int, block_align: int) -> None:
    """A position of ``frames`` application frames in the unit asked for when supported,
    else in bytes (spec choice)."""
    if mmt.wType == TIME_SAMPLES:
        mmt.u.sample = frames
    elif mmt.wType == TIME_MS:
        mmt.u.ms = frames * 1000 // rate
    else:
        mmt.wType = TIME_BYTES
        mmt.u.cb = frames * block_align


class _Checks:
    """The timed checks of one stream's playbacks, run on the notifier thread so WOM_DONE
    follows a header's last frame with no thread hand-over.

    One wake-up serves every playback due in the cycle it is for (each wake-up of the
    notifier costs more than a check); a playback due later waits for its own, since every
    check of it before its header ends is wasted.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = weakref.ref(stream)  # it keeps us (stream.checks): no cycle
        self._alarm = Alarm(self._run)
        self._lock = threading.Lock()
        self._due: dict[Playback, float] = {}  # when each playback's check is due

    def arrange(self, playback: Playback, frames: int) -> None:
        stream = self._stream()
        if stream is None:
            return
        # The callback reads a block per cycle: the frames are read in the cycle that many
        # blocks away, just after it starts where its timing is known, and by the time that
        # many whole blocks take otherwise (an exact estimate would be early half the time,
        # and each early wake-up costs another).
        when = stream.after_cycles(frames) if frames > 0 else time.monotonic()
        if when is None:
            block = stream.period
            when = time.monotonic() + -(-frames // block) * block / stream.samplerate
        with self._lock:
            if when < self._due.get(playback, math.inf):
                self._due[playback] = when
        self._alarm.at(when)

    def _run(self) -> None:
        stream = self._stream()
        # Checks due before the middle of the next cycle are for this one: their times come
        # from separate readings of the clock, a few microseconds apart.
        until = time.monotonic() + (0 if stream is None else
                                    stream.period / stream.samplerate / 2)
        with self._lock:
            members = [p for p, when in self._due.items() if when <= until]
            for playback in members:
                del self._due[playback]
            later = min(self._due.values(), default=None)
        if later is not None:
            self._alarm.at(later)
        for playback in members:
            try:
                playback.check()  # arranges its next check, if any
                if stream is not None:
                    # An action that ended as the last block completed ended idle: seen
                    # now, before the application writes again and makes the ring busy.
                    stream.service_client(playback)
            except Exception:
                log.exception("wave: a timed completion check failed")


class WaveDriver:
    """``DriverProc``, ``wodMessage`` and ``widMessage`` of a PortAudio wave driver.

    ``section`` is its SYSTEM.INI section; ``switchinterval=`` there is the GIL switch
    interval in ms held while any of its devices is open (default 1; 0 leaves Python's).
    """

    def __init__(self, mapper: bool, section: str) -> None:
        self.mapper = mapper
        self.section = section
        self.switch_interval = SWITCH_INTERVAL_MS / 1000
        self.nodes: list[_Node] = []
        self.hDriver = 0
        self._lock = threading.Lock()
        self._mixers = Mixers(self._endpoints)

    # -- DriverProc -----------------------------------------------------------------------

    def DriverProc(self, dwDriverID: Any, hDriver: int, msg: int, lParam1: Any,
                   lParam2: Any) -> int:
        if msg == DRV_ENABLE:
            self._configure(hDriver)
        if msg in (DRV_ENABLE, DRV_PNPINSTALL):
            self._enumerate(hDriver)
            return 1
        if msg in (DRV_OPEN, DRV_CLOSE):
            return 1
        return DefDriverProc(dwDriverID, hDriver, msg, lParam1, lParam2)

    def _configure(self, hDriver: int) -> None:
        self.hDriver = hDriver
        self.switch_interval = SWITCH_INTERVAL_MS / 1000
        text = driver_settings(hDriver, self.section).get("switchinterval")
        if text:
            try:
                self.switch_interval = max(0.0, float(text)) / 1000
            except ValueError:
                log.warning("[%s] switchinterval=%s is not a number of ms; using %g",
                            self.section, text, SWITCH_INTERVAL_MS)

    def _enumerate(self, hDriver: int) -> None:
        """Register a devnode per device; on a rescan, report devices gone or back.

        PortAudio lists host APIs as they were when it initialised (a JACK server started
        later is missing), so it is re-initialised first whenever no stream is open.
        """
        try:
            portaudio.reinitialize()
            fresh = True
        except RuntimeError as exc:
            log.info("keeping the current device list: %s", exc)
            fresh = False
        devices = portaudio.host_devices()
        # The mapper plays on the default output and records from the default input,
        # which are often different devices (a card's speakers, a USB microphone).
        served: list[tuple[portaudio.HostDevice | None, str, bool | None]] = [
            (portaudio.default_device(devices, output=True), "wavemapper", True),
            (portaudio.default_device(devices, output=False), "wavemapper:in", False),
        ] if self.mapper else [(device, device.key, None) for device in devices]
        seen = set()
        for device, key, output in served:
            if device is None:
                continue
            dn = register_devnode(hDriver, key, device.name)
            seen.add(dn)
            node = next((n for n in self.nodes if n.dn == dn), None)
            if node is None:
                self.nodes.append(_Node(dn, device, output))
            elif fresh:  # an old list proves nothing about a device coming back
                node.device = device  # indices change when PortAudio re-enumerates
                if not node.present:
                    node.present = True
                    devnode_changed(dn, True)
        for node in self.nodes:
            if fresh and node.dn not in seen and node.present:
                node.present = False
                devnode_changed(node.dn, False)

    # -- shared helpers -----------------------------------------------------------------------

    def _devices(self, output: bool) -> list[_Node]:
        attr = "max_output_channels" if output else "max_input_channels"
        return [n for n in self.nodes
                if n.output in (None, output) and getattr(n.device, attr) > 0]

    def _count(self, dn: int, output: bool) -> int:
        return sum(1 for n in self._devices(output) if n.dn == dn)

    def _caps(self, node: _Node, caps: Any, output: bool) -> int:
        device = node.device
        channels = device.max_output_channels if output else device.max_input_channels
        caps.wMid = MM_MICROSOFT
        caps.wPid = MM_WAVE_MAPPER if self.mapper else 0
        caps.vDriverVersion = 0x0100
        set_string(caps, "szPname", "Sound Mapper" if self.mapper else device.name[:31])
        rate = int(device.default_samplerate)
        caps.dwFormats = 0xFFFFFFFF if self.mapper else sum(
            bit for bit, r, ch, _bits in STANDARD_FORMATS if r == rate and ch <= channels)
        caps.wChannels = min(channels, 0xFFFF)
        if output:
            caps.dwSupport = WAVECAPS_VOLUME | WAVECAPS_LRVOLUME | WAVECAPS_SAMPLEACCURATE
        return MMSYSERR_NOERROR

    def _converter(self, node: _Node, desc: OpenDesc, flags: int,
                   output: bool) -> Converter | int:
        """The conversion for an open, or WAVERR_BADFORMAT."""
        app = sample_format(desc.lpFormat)
        if app is None:
            return WAVERR_BADFORMAT
        device = node.device
        channels = device.max_output_channels if output else device.max_input_channels
        rate = int(device.default_samplerate)
        if flags & WAVE_FORMAT_DIRECT and (app.rate != rate or app.channels > channels):
            return WAVERR_BADFORMAT
        return Converter(app, rate, channels, output)

    def _open(self, nodes: list[_Node], uDeviceID: int, slot: Any, desc: OpenDesc, flags: int,
              output: bool) -> int:
        if uDeviceID >= len(nodes):
            return MMSYSERR_BADDEVICEID
        node = nodes[uDeviceID]
        if not node.present:
            return MMSYSERR_NOTENABLED
        conv = self._converter(node, desc, flags, output)
        if isinstance(conv, int):
            return conv
        if flags & WAVE_FORMAT_QUERY:
            return MMSYSERR_NOERROR
        inst = _Instance(node, desc, flags, conv, desc.lpFormat.Format.nBlockAlign)
        try:
            inst.stream = portaudio.service.acquire(node.device, output)
        except (portaudio.PortAudioError, ValueError) as exc:
            log.warning("cannot open %s: %s", node.device.name, exc)
            return MMSYSERR_NOTENABLED
        width = inst.stream.channels
        ring = portaudio.RingBuffer(4 * width, RING_FRAMES)
        if output:
            inst.client = Playback(ring, lambda hdr: self._done(inst, hdr), LEAD_FRAMES,
                                   conv.playback, inst.stream.block_bound, inst.watch)
            inst.apply_volume()
        else:
            inst.client = Capture(ring, width, conv.from_device, inst.block_align,
                                  lambda hdr, n: self._data(inst, hdr, n), conv.reset)
        inst.client.mix = device_lines(node.device.key, output)  # the mixer's gain stages
        inst.stream.attach(inst.client, inst.on_lost, paused=not output)
        if self.switch_interval:
            inst.release_switch_interval = hold_switch_interval(self.switch_interval)
        node.opens.add(inst)
        slot.value = inst
        inst.notify(WOM_OPEN if output else WIM_OPEN)
        return MMSYSERR_NOERROR

    def _close(self, inst: _Instance, output: bool) -> int:
        if inst.client.busy:
            return WAVERR_STILLPLAYING
        try:
            inst.stream.detach(inst.client, inst.on_lost)
            portaudio.service.release(inst.stream)
        finally:
            inst.release_switch_interval()
        inst.node.opens.discard(inst)
        inst.notify(WOM_CLOSE if output else WIM_CLOSE)
        return MMSYSERR_NOERROR

    def _disable(self, dn: int) -> None:
        """The devnode is gone: every queued buffer goes back to its application."""
        for node in self.nodes:
            if node.dn == dn:
                node.present = False
                for inst in list(node.opens):
                    inst.stream.halt(inst.client)
                    inst.client.reset()

    def _xruns(self, inst: _Instance, out: dict[str, int]) -> int:
        inst.stream.service_client(inst.client)  # counts a gap the feeder has not yet seen end
        stats = inst.stream.xruns.get(inst.client)
        if stats is None:
            return MMSYSERR_NOTSUPPORTED
        out.update(events=stats.events, starved_frames=stats.starved_frames,
                   idle_frames=stats.idle_frames)
        return MMSYSERR_NOERROR

    def _instance_common(self, inst: _Instance, uMsg: int, dwParam1: Any, dwParam2: Any,
                         output: bool) -> int:
        """Messages on a handle that output and input answer alike."""
        if uMsg == WAVE_GETXRUNS:
            return self._xruns(inst, dwParam1)
        if uMsg == DRVM_MAPPER_STATUS:
            return self._mapper_status(inst, dwParam1, dwParam2, output)
        return MMSYSERR_NOTSUPPORTED

    def _common(self, uMsg: int, dwParam1: Any, dwParam2: Any, output: bool) -> int:
        if uMsg == DRVM_INIT or uMsg == DRVM_EXIT:
            return MMSYSERR_NOERROR
        if uMsg == DRVM_MAPPER_PREFERRED_GET and self.mapper:
            # The device the mapper uses, as the device drivers number it (B26).
            preferred = next((self._device_id(node, output)
                              for node in self._devices(output)), None)
            if preferred is None:
                return MMSYSERR_NOTSUPPORTED
            dwParam1.value, dwParam2.value = preferred, 0
            return MMSYSERR_NOERROR
        if uMsg == DRVM_DISABLE:
            self._disable(dwParam2)
            return MMSYSERR_NOERROR
        if uMsg == DRVM_ENABLE:
            for node in self.nodes:
                if node.dn == dwParam2:
                    node.present = True
            return MMSYSERR_NOERROR
        return MMSYSERR_NOTSUPPORTED

    def _endpoints(self) -> list[Endpoint]:
        """What the mixers control (ddk.mixer): per devnode, its output, then its input,
        as the device tables number the mixers."""
        endpoints = []
        with self._lock:
            for node in self.nodes:
                for output in (True, False):
                    nodes = self._devices(output)
                    if node not in nodes:
                        continue
                    endpoint = node.mixers.get(output)
                    if endpoint is None:
                        channels = (node.device.max_output_channels if output
                                    else node.device.max_input_channels)
                        endpoint = node.mixers[output] = Endpoint(
                            node.device.name, output, channels, node.dn, 0,
                            device_lines(node.device.key, output))
                    wave_id = self._device_id(node, output)  # a rescan may renumber
                    endpoint.wave_id = nodes.index(node) if wave_id is None else wave_id
                    endpoints.append(endpoint)
        return endpoints

    def mxdMessage(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                   dwParam2: Any) -> int:
        return self._mixers.message(uDeviceID, uMsg, dwUser, dwParam1, dwParam2)

    def _device_id(self, node: _Node, output: bool) -> int | None:
        """The global id the device drivers give ``node``'s host device (for a mapper node,
        the device it uses), or None before the device tables list it."""
        cls = DeviceClass.WAVEOUT if output else DeviceClass.WAVEIN
        return device_on_devnode(self.hDriver, cls, node.device.key)

    def _mapper_status(self, inst: _Instance, item: int, out: Any, output: bool) -> int:
        """WODM_MAPPER_STATUS/WIDM_MAPPER_STATUS on a mapper handle: the device it opened,
        whether it put a conversion in between (never: the device driver converts itself,
        B41, so the mapper opens it with the application's format), and that format."""
        if not self.mapper:
            return MMSYSERR_NOTSUPPORTED
        if item == WAVEOUT_MAPPER_STATUS_DEVICE:
            device_id = self._device_id(inst.node, output)
            if device_id is None:
                return MMSYSERR_NOTSUPPORTED
            out.value = device_id
        elif item == WAVEOUT_MAPPER_STATUS_MAPPED:
            out.value = 0
        elif item == WAVEOUT_MAPPER_STATUS_FORMAT:
            fmt = inst.desc.lpFormat.Format
            out.wFormatTag = WAVE_FORMAT_IEEE_FLOAT if inst.conv.app.is_float \
                else WAVE_FORMAT_PCM
            out.nChannels, out.nSamplesPerSec = fmt.nChannels, fmt.nSamplesPerSec
            out.nAvgBytesPerSec, out.nBlockAlign = fmt.nAvgBytesPerSec, fmt.nBlockAlign
            out.wBitsPerSample, out.cbSize = fmt.wBitsPerSample, 0
        else:
            return MMSYSERR_INVALPARAM
        return MMSYSERR_NOERROR

    # -- waveOut ------------------------------------------------------------------------------

    def _done(self, inst: _Instance, hdr: Any) -> None:
        """Complete a header: called by the engine under its lock, in queue order; posting
        the notification is all that runs there (no application code)."""
        hdr.dwFlags = (hdr.dwFlags & ~WHDR_INQUEUE) | WHDR_DONE
        inst.notify(WOM_DONE, address_of(hdr))

    def wodMessage(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                   dwParam2: Any) -> int:
        outs = self._devices(output=True)
        if uMsg == WODM_GETNUMDEVS:
            return self._count(dwParam1, output=True)
        if uMsg == WODM_GETDEVCAPS:
            if uDeviceID >= len(outs):
                return MMSYSERR_BADDEVICEID
            return self._caps(outs[uDeviceID], dwParam1, output=True)
        if uMsg == WODM_OPEN:
            return self._open(outs, uDeviceID, dwUser, dwParam1, dwParam2, output=True)
        if uMsg in (DRV_QUERYDEVICEINTERFACESIZE, DRV_QUERYDEVICEINTERFACE):
            return self._interface(outs, uDeviceID, uMsg, dwParam1, dwParam2)
        inst = dwUser if isinstance(dwUser, _Instance) else None
        if uMsg in (WODM_GETVOLUME, WODM_SETVOLUME):
            if inst is None and uDeviceID >= len(outs):
                return MMSYSERR_BADDEVICEID
            return self._volume(inst or outs[uDeviceID], uMsg, dwParam1)
        if inst is None:
            return self._common(uMsg, dwParam1, dwParam2, output=True)
        if inst.stream.lost and uMsg in (WODM_WRITE, WODM_RESTART):
            return MMSYSERR_NOTENABLED  # its server died: a rescan revives new opens only
        playback: Playback = inst.client
        if uMsg == WODM_WRITE:
            hdr = dwParam1
            flags = hdr.dwFlags
            frames = inst.conv.to_device(header_data(hdr))  # resampled as it is written
            self._serviced(inst, playback.queue(Block(
                hdr, frames, bool(flags & WHDR_BEGINLOOP), bool(flags & WHDR_ENDLOOP),
                hdr.dwLoops)))
            return MMSYSERR_NOERROR
        if uMsg == WODM_CLOSE:
            return self._close(inst, output=True)
        if uMsg == WODM_PAUSE:
            inst.stream.pause(playback)
            return MMSYSERR_NOERROR
        if uMsg == WODM_RESTART:
            inst.stream.resume(playback)
            self._serviced(inst, playback.service())  # the check a pause put off
            return MMSYSERR_NOERROR
        if uMsg == WODM_RESET:
            # Paused, not just halted: the feeder must not start a new action on the ring
            # while reset flushes it under the callback.
            inst.stream.pause(playback)
            playback.reset()  # completes every header, in order; restarts the resampler
            inst.stream.resume(playback)
            return MMSYSERR_NOERROR
        if uMsg == WODM_BREAKLOOP:
            playback.break_loop()
            # Completions may be due earlier now, and the ring may have run dry meanwhile.
            self._serviced(inst, playback.service())
            return MMSYSERR_NOERROR
        if uMsg == WODM_GETPOS:
            fill_position(dwParam1, playback.played, inst.conv.app.rate, inst.block_align)
            return MMSYSERR_NOERROR
        return self._instance_common(inst, uMsg, dwParam1, dwParam2, output=True)

    @staticmethod
    def _serviced(inst: _Instance, more: int | None) -> None:
        """After the application changed a playback: start its action if the ring has
        data, and wake the feeder if frames remain to be written (it may be asleep for
        longer than the playback can wait)."""
        inst.stream.service_client(inst.client)
        if more is not None:
            inst.stream.feed_after(inst.client, more)

    def _volume(self, target: _Instance | _Node, uMsg: int, value: Any) -> int:
        """The volume of an open (a handle) or of the device (an id: every open of it)."""
        mono = isinstance(target, _Instance) and target.conv.app.channels == 1
        if uMsg == WODM_GETVOLUME:
            # B48: a mono stream keeps only the low word.
            value.value = target.volume & 0xFFFF if mono else target.volume
            return MMSYSERR_NOERROR
        target.volume = value
        for inst in [target] if isinstance(target, _Instance) else list(target.opens):
            if isinstance(inst.client, Playback):
                inst.apply_volume()
        return MMSYSERR_NOERROR

    def _interface(self, nodes: list[_Node], uDeviceID: int, uMsg: int, out: Any,
                   size: Any) -> int:
        """B29: the device interface name, a NUL-terminated UTF-16 string (the mapper's is
        empty).  ``out`` is a DWORD to fill for the size, else a buffer of ``size`` bytes."""
        if uDeviceID >= len(nodes):
            return MMSYSERR_BADDEVICEID
        name = "" if self.mapper else nodes[uDeviceID].device.key
        data = (name + "\0").encode("utf-16-le")
        if uMsg == DRV_QUERYDEVICEINTERFACESIZE:
            out.value = len(data)
            return MMSYSERR_NOERROR
        if size < len(data):
            return MMSYSERR_INVALPARAM
        out[:len(data)] = data
        return MMSYSERR_NOERROR

    # -- waveIn -------------------------------------------------------------------------------

    def _data(self, inst: _Instance, hdr: Any, nbytes: int) -> None:
        hdr.dwBytesRecorded = nbytes
        hdr.dwFlags = (hdr.dwFlags & ~WHDR_INQUEUE) | WHDR_DONE
        inst.notify(WIM_DATA, address_of(hdr))

    def widMessage(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                   dwParam2: Any) -> int:
        ins = self._devices(output=False)
        if uMsg == WIDM_GETNUMDEVS:
            return self._count(dwParam1, output=False)
        if uMsg == WIDM_GETDEVCAPS:
            if uDeviceID >= len(ins):
                return MMSYSERR_BADDEVICEID
            return self._caps(ins[uDeviceID], dwParam1, output=False)
        if uMsg == WIDM_OPEN:
            return self._open(ins, uDeviceID, dwUser, dwParam1, dwParam2, output=False)
        if uMsg in (DRV_QUERYDEVICEINTERFACESIZE, DRV_QUERYDEVICEINTERFACE):
            return self._interface(ins, uDeviceID, uMsg, dwParam1, dwParam2)
        inst = dwUser if isinstance(dwUser, _Instance) else None
        if inst is None:
            return self._common(uMsg, dwParam1, dwParam2, output=False)
        if inst.stream.lost and uMsg in (WIDM_ADDBUFFER, WIDM_START):
            return MMSYSERR_NOTENABLED  # as for output
        capture: Capture = inst.client
        if uMsg == WIDM_ADDBUFFER:
            capture.add(dwParam1, header_data(dwParam1))
            return MMSYSERR_NOERROR
        if uMsg == WIDM_START:
            inst.stream.resume(capture)
            return MMSYSERR_NOERROR
        if uMsg in (WIDM_STOP, WIDM_RESET):
            inst.stream.pause(capture)
            capture.stop() if uMsg == WIDM_STOP else capture.reset()
            return MMSYSERR_NOERROR
        if uMsg == WIDM_CLOSE:
            return self._close(inst, output=False)
        if uMsg == WIDM_GETPOS:
            # What the device captured: in buffers, plus what waits in the ring for the feeder.
            captured = capture.position(
                lambda frames: inst.conv.app_frames(frames) * inst.block_align)
            fill_position(dwParam1, captured // inst.block_align, inst.conv.app.rate,
                          inst.block_align)
            return MMSYSERR_NOERROR
        return self._instance_common(inst, uMsg, dwParam1, dwParam2, output=False)

