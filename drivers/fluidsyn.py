"""fluidsyn.drv: a General MIDI synthesizer (``MOD_SYNTH``) over FluidSynth.

One MIDI output device, on PortAudio's default output device (one devnode, keyed
``fluidsynth:<that device's key>``).  Its audio is one more client of the device's shared
output stream, so it mixes with every waveOut open of the same device.  All opens of the
device share one synthesizer, as they would share a sound card's: a program change made
through one handle is heard through the others.  The last close resets it.

Configuration, in the driver's own SYSTEM.INI section (read when the driver is enabled)::

    [fluidsyn.drv]
    ; default: the first General MIDI SoundFont of engine.synth.DEFAULT_SOUNDFONTS found
    soundfont=/usr/share/sounds/sf2/TimGM6mb.sf2
    ; FluidSynth's master gain (synth.gain), before the midiOut volume
    gain=0.6
    ; voices (also reported as wVoices and wNotes)
    polyphony=256
    ; ms of audio rendered ahead, which is the note-on latency while the synthesizer
    ; plays; 0 = automatic: a few device periods, at least twice the feeder interval,
    ; growing by a period whenever the callback outruns the feeder
    lead=0

Messages: ``MODM_DATA`` (running status per open, spec B106), ``MODM_LONGDATA`` (the buffer
is a MIDI byte stream: SysEx such as the GM reset goes to FluidSynth, channel messages are
played; the header completes at once, B118), ``MODM_RESET`` (sustain off and all notes off
on all 16 channels), ``MODM_GETVOLUME``/``MODM_SETVOLUME`` (device-wide, L/R, applied as a
gain on the rendered audio; also without a handle, B104), ``MODM_CACHEPATCHES`` and
``MODM_CACHEDRUMPATCHES`` (every patch is loaded: success).  Private ``WAVE_GETXRUNS``
(ring underruns) and ``SYNTH_GETSTATS`` (render statistics) fill a dict.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from audiodrv.ddk import (
    DRV_CLOSE,
    DRV_DISABLE,
    DRV_ENABLE,
    DRV_FREE,
    DRV_OPEN,
    DRV_PNPINSTALL,
    DRVM_DISABLE,
    DRVM_ENABLE,
    DRVM_EXIT,
    DRVM_INIT,
    MHDR_DONE,
    MHDR_INQUEUE,
    MIDICAPS_CACHE,
    MIDICAPS_LRVOLUME,
    MIDICAPS_VOLUME,
    MM_MICROSOFT,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_ERROR,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTENABLED,
    MMSYSERR_NOTSUPPORTED,
    MOD_SYNTH,
    MODM_CACHEDRUMPATCHES,
    MODM_CACHEPATCHES,
    MODM_CLOSE,
    MODM_DATA,
    MODM_GETDEVCAPS,
    MODM_GETNUMDEVS,
    MODM_GETVOLUME,
    MODM_LONGDATA,
    MODM_OPEN,
    MODM_RESET,
    MODM_SETVOLUME,
    MOM_CLOSE,
    MOM_DONE,
    MOM_OPEN,
    SYNTH_GETSTATS,
    WAVE_GETXRUNS,
    DefDriverProc,
    OpenDesc,
    address_of,
    devnode_changed,
    driver_settings,
    header_data,
    register_devnode,
    set_string,
)
from audiodrv.engine import portaudio
from audiodrv.engine.synth import (
    FluidSynth,
    SynthClient,
    SynthError,
    available,
    default_soundfont,
    short_message,
)

DESCRIPTION = "midi:General MIDI synthesizer (FluidSynth)"

#: Private message (``midiOutMessage`` on a handle): ``dwParam1`` is a dict the driver fills
#: with render statistics (see ``engine.synth.SynthStats``) and the current lead.

SECTION = "fluidsyn.drv"
VOICES = 256
RING_FRAMES = 1 << 14  # power of two (PortAudio's ring); ~340 ms at 48 kHz, far above any lead

log = logging.getLogger("audiodrv.driver.fluidsyn")


@dataclass
class _Config:
    """The driver's ``[fluidsyn.drv]`` settings."""

    soundfont: str | None = None
    gain: float = 0.6
    polyphony: int = VOICES
    lead_ms: float = 0.0


@dataclass(eq=False)
class _Node:
    """The devnode: the output device the synthesizer plays on."""

    dn: int
    device: portaudio.HostDevice
    present: bool = True


@dataclass(eq=False)
class _Instance:
    """One open of the synthesizer."""

    desc: OpenDesc
    flags: int
    voice: _Voice | None = None  # what it plays through, from the open on
    running: int = 0  # running status (B106)

    def notify(self, msg: int, p1: int = 0) -> None:
        self.desc.notify(self.flags, msg, p1)


@dataclass(eq=False)
class _Voice:
    """What plays while the device is open: the stream and the synthesizer's client."""

    node: _Node
    stream: Any
    client: SynthClient
    on_lost: Any
    opens: set[_Instance] = field(default_factory=set)


class _Driver:
    """``DriverProc`` and ``modMessage`` of the synthesizer (one device, shared by its opens)."""

    def __init__(self) -> None:
        self.config = _Config()
        self.node: _Node | None = None
        self.volume = 0xFFFFFFFF
        self.synth: FluidSynth | None = None  # kept between opens: loading takes ~60 ms
        self.voice: _Voice | None = None
        # Voices a server death left to their opens, each with a synthesizer of its own.
        self._stale: set[_Voice] = set()
        self._lock = threading.Lock()  # opens and closes

    # -- DriverProc -----------------------------------------------------------------------

    def DriverProc(self, dwDriverID: Any, hDriver: int, msg: int, lParam1: Any,
                   lParam2: Any) -> int:
        if msg in (DRV_ENABLE, DRV_PNPINSTALL):
            if msg == DRV_ENABLE:
                self._configure(hDriver)
            self._enumerate(hDriver)
            return 1
        if msg in (DRV_OPEN, DRV_CLOSE):
            return 1
        if msg in (DRV_DISABLE, DRV_FREE):
            self._shutdown(free=msg == DRV_FREE)
        return DefDriverProc(dwDriverID, hDriver, msg, lParam1, lParam2)

    def _configure(self, hDriver: int) -> None:
        """Read ``[fluidsyn.drv]`` of the SYSTEM.INI that loaded us."""
        settings = driver_settings(hDriver, SECTION)
        get = settings.get
        config = _Config(soundfont=get("soundfont") or default_soundfont())
        for key, attr, kind in (("gain", "gain", float), ("polyphony", "polyphony", int),
                                ("lead", "lead_ms", float)):
            text = get(key)
            if text:
                try:
                    setattr(config, attr, kind(text.strip()))
                except ValueError:
                    log.warning("[%s] %s=%s is not a number; ignored", SECTION, key, text)
        self.config = config

    def _usable(self) -> bool:
        reason = available()
        soundfont = self.config.soundfont
        if reason is None and not (soundfont and os.path.isfile(soundfont)):
            reason = (f"no SoundFont at {soundfont}" if soundfont else "no SoundFont found") + \
                f": set soundfont= in [{SECTION}] of SYSTEM.INI"
        if reason is not None:
            log.warning("FluidSynth synthesizer disabled: %s", reason)
            return False
        return True

    def _enumerate(self, hDriver: int) -> None:
        """The devnode on the default output device; on a rescan, report it gone or back.

        PortAudio lists host APIs as they were when it initialised (a JACK server started
        later is missing), so it is re-initialised first whenever no stream is open.
        """
        if not self._usable():
            return
        try:
            portaudio.reinitialize()
            fresh = True
        except RuntimeError as exc:
            log.info("keeping the current device list: %s", exc)
            fresh = False
        device = portaudio.default_device(portaudio.host_devices(), output=True)
        node = self.node
        if device is None:
            if node is not None and node.present and fresh:
                node.present = False
                devnode_changed(node.dn, False)
            return
        dn = register_devnode(hDriver, f"fluidsynth:{device.key}",
                              f"FluidSynth on {device.name}")
        if not dn:
            return
        if node is not None and node.dn != dn:
            # The default output moved to another device: this one is a new devnode.
            if node.present:
                devnode_changed(node.dn, False)
            node = None
        if node is None:
            self.node = _Node(dn, device)
        elif fresh:
            node.device = device  # indices change when PortAudio re-enumerates
            if not node.present:
                node.present = True
                devnode_changed(dn, True)

    def _shutdown(self, free: bool) -> None:
        """Stop playing (open handles are abandoned); with ``free`` drop the synthesizer."""
        with self._lock:
            for voice in [*self._stale, *([self.voice] if self.voice else [])]:
                self._stop(voice)
            if free and self.synth is not None:
                self.synth.close()
                self.synth = None

    # -- modMessage -----------------------------------------------------------------------

    def modMessage(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                   dwParam2: Any) -> int:
        node = self.node
        if uMsg == MODM_GETNUMDEVS:
            return 1 if node is not None and dwParam1 == node.dn else 0
        if uMsg == MODM_GETDEVCAPS:
            if node is None or uDeviceID != 0:
                return MMSYSERR_BADDEVICEID
            return self._caps(node, dwParam1)
        if uMsg == MODM_OPEN:
            return self._open(uDeviceID, dwUser, dwParam1, dwParam2)
        inst = dwUser if isinstance(dwUser, _Instance) else None
        if uMsg == MODM_CLOSE and inst is not None:
            return self._close(inst)
        if uMsg == MODM_GETVOLUME:
            if dwParam1 is None:
                return MMSYSERR_INVALPARAM
            dwParam1.value = self.volume
            return MMSYSERR_NOERROR
        if uMsg == MODM_SETVOLUME:
            self._set_volume(int(dwParam1) & 0xFFFFFFFF)
            return MMSYSERR_NOERROR
        if uMsg in (DRVM_INIT, DRVM_EXIT, DRVM_ENABLE, DRVM_DISABLE):
            return self._common(uMsg, dwParam2)
        voice = inst.voice if inst is not None else None
        if voice is None:
            return MMSYSERR_NOTSUPPORTED
        if voice.stream.lost and uMsg in (MODM_DATA, MODM_LONGDATA):
            return MMSYSERR_NOTENABLED  # its server died: a rescan revives new opens only
        if uMsg == MODM_DATA:
            event, inst.running = short_message(int(dwParam1), inst.running)
            if event is not None:
                self._woken(voice, voice.client.message(*event))
            return MMSYSERR_NOERROR
        if uMsg == MODM_LONGDATA:
            return self._long_data(voice, inst, dwParam1)
        if uMsg == MODM_RESET:
            inst.running = 0
            self._woken(voice, voice.client.release_all())
            return MMSYSERR_NOERROR
        if uMsg in (MODM_CACHEPATCHES, MODM_CACHEDRUMPATCHES):
            return MMSYSERR_NOERROR  # the whole SoundFont is loaded
        if uMsg == WAVE_GETXRUNS:
            stats = voice.stream.xruns.get(voice.client)
            if stats is None:
                return MMSYSERR_NOTSUPPORTED
            dwParam1.update(events=stats.events, starved_frames=stats.starved_frames,
                            idle_frames=stats.idle_frames)
            return MMSYSERR_NOERROR
        if uMsg == SYNTH_GETSTATS:
            stats = voice.client.stats
            dwParam1.update(rate=stats.rate, lead_frames=stats.lead_frames,
                            period_frames=voice.client.period,
                            rendered_frames=stats.rendered_frames,
                            render_seconds=stats.render_seconds, cpu_load=stats.cpu_load,
                            underruns=stats.underruns, wakeups=stats.wakeups,
                            voices=voice.client.synth.voices, rendering=voice.client.busy)
            return MMSYSERR_NOERROR
        return MMSYSERR_NOTSUPPORTED  # MODM_PREPARE/UNPREPARE included: winmm does them

    def _common(self, uMsg: int, dn: Any) -> int:
        if uMsg not in (DRVM_DISABLE, DRVM_ENABLE):
            return MMSYSERR_NOERROR
        present = uMsg == DRVM_ENABLE
        if self.node is not None and self.node.dn == dn:
            self.node.present = present
        voice = self.voice
        if voice is not None and voice.node.dn == dn:
            # Nothing is queued (MIDI out is synchronous): only the audio stops or resumes.
            if present:
                voice.stream.resume(voice.client)
            else:
                voice.stream.pause(voice.client)
        return MMSYSERR_NOERROR

    def _caps(self, node: _Node, caps: Any) -> int:
        caps.wMid = MM_MICROSOFT
        caps.wPid = 0
        caps.vDriverVersion = 0x0100
        set_string(caps, "szPname", "FluidSynth GM Synth")
        caps.wTechnology = MOD_SYNTH
        caps.wVoices = self.config.polyphony & 0xFFFF
        caps.wNotes = self.config.polyphony & 0xFFFF
        caps.wChannelMask = 0xFFFF
        caps.dwSupport = MIDICAPS_VOLUME | MIDICAPS_LRVOLUME | MIDICAPS_CACHE
        return MMSYSERR_NOERROR

    # -- open and close ------------------------------------------------------------------------

    def _open(self, uDeviceID: int, slot: Any, desc: OpenDesc, flags: int) -> int:
        node = self.node
        if node is None or uDeviceID != 0:
            return MMSYSERR_BADDEVICEID
        if not node.present:
            return MMSYSERR_NOTENABLED
        inst = _Instance(desc, flags)
        with self._lock:
            if self.voice is not None and self.voice.stream.lost:
                # Left to the opens it has, with its synthesizer: a new one plays here.
                self._stale.add(self.voice)
                self.voice, self.synth = None, None
            if self.voice is None:
                result = self._start(node)
                if result != MMSYSERR_NOERROR:
                    return result
            assert self.voice is not None
            inst.voice = self.voice
            self.voice.opens.add(inst)
        slot.value = inst
        inst.notify(MOM_OPEN)
        return MMSYSERR_NOERROR

    def _start(self, node: _Node) -> int:
        """First open: the device's stream, the synthesizer at its rate, the client."""
        try:
            stream = portaudio.service.acquire(node.device, True)
        except (portaudio.PortAudioError, ValueError) as exc:
            log.warning("cannot open %s: %s", node.device.name, exc)
            return MMSYSERR_NOTENABLED
        rate = stream.samplerate
        try:
            if self.synth is not None and self.synth.rate != rate:
                self.synth.close()
                self.synth = None
            if self.synth is None:
                assert self.config.soundfont is not None
                self.synth = FluidSynth(self.config.soundfont, rate, self.config.gain,
                                        self.config.polyphony)
        except SynthError as exc:
            log.error("FluidSynth: %s", exc)
            portaudio.service.release(stream)
            return MMSYSERR_ERROR
        # Under JACK, PortAudio reports one period as the output latency; elsewhere it
        # is a device buffer, a safe stand-in for the callback size.
        period = min(max(32, round(stream.stream.latency * rate)), 4096)
        feeder = math.ceil(portaudio.service.interval * rate)
        if self.config.lead_ms > 0:
            lead = max(period, round(self.config.lead_ms * rate / 1000))
            max_lead = lead
        else:
            lead = max(2 * period, math.ceil(2 * feeder / period) * period)
            max_lead = max(2 * lead, 4 * feeder)
        lead = min(lead, RING_FRAMES // 2)
        max_lead = min(max_lead, RING_FRAMES // 2)
        ring = portaudio.RingBuffer(4 * stream.channels, RING_FRAMES)
        client = SynthClient(self.synth, ring, stream.channels, lead, period, max_lead)
        voice = _Voice(node, stream, client, lambda: devnode_changed(node.dn, False))
        stream.attach(client, voice.on_lost)
        self.voice = voice
        self._apply_volume()
        log.info("synth on %s at %d Hz: lead %d frames (period %d)", node.device.name, rate,
                 lead, period)
        return MMSYSERR_NOERROR

    def _stop(self, voice: _Voice) -> None:
        """Its last open closed, or the driver shuts down (the opens left are abandoned:
        they answer MMSYSERR_NOTSUPPORTED)."""
        for inst in voice.opens:
            inst.voice = None
        voice.opens.clear()
        voice.stream.detach(voice.client, voice.on_lost)
        portaudio.service.release(voice.stream)
        if voice is self.voice:
            voice.client.system_reset()  # the next first open starts from power-on state
            voice.client.reset()
            self.voice = None
        else:
            self._stale.discard(voice)
            voice.client.synth.close()

    def _close(self, inst: _Instance) -> int:
        with self._lock:
            voice, inst.voice = inst.voice, None
            if voice is not None:
                voice.opens.discard(inst)
                if not voice.opens:
                    self._stop(voice)
        inst.notify(MOM_CLOSE)
        return MMSYSERR_NOERROR

    # -- MIDI --------------------------------------------------------------------------------

    def _woken(self, voice: _Voice, was_idle: bool) -> None:
        """The synthesizer was idle: render now and start the stream's action, rather than
        wait up to a feeder interval."""
        if was_idle and voice.node.present:
            voice.client.wake()
            voice.stream.service_client(voice.client)

    def _long_data(self, voice: _Voice, inst: _Instance, hdr: Any) -> int:
        data = bytes(header_data(hdr, hdr.dwBufferLength))
        inst.running = 0  # a long message ends running status (B118)
        self._woken(voice, voice.client.events(data))
        hdr.dwFlags = (hdr.dwFlags & ~MHDR_INQUEUE) | MHDR_DONE
        inst.notify(MOM_DONE, address_of(hdr))
        return MMSYSERR_NOERROR

    def _set_volume(self, volume: int) -> None:
        self.volume = volume
        self._apply_volume()

    def _apply_volume(self) -> None:
        voice = self.voice
        if voice is None:
            return
        left, right = (self.volume & 0xFFFF) / 0xFFFF, (self.volume >> 16) / 0xFFFF
        voice.client.gain = [left] if voice.client.channels == 1 else [left, right]


_driver = _Driver()
DriverProc = _driver.DriverProc
modMessage = _driver.modMessage
