"""fluidsyn.drv, the General MIDI synthesizer: its parsing and rendering without an audio
stack, then the device through winmm and the driver interface, heard through a real JACK
loopback (period 256 at 48 kHz)."""

from __future__ import annotations

import ctypes
import os
import time

import numpy as np
import pytest
from wavekit import Notes, peak_frequency, tone, wave_format

from audiodrv import winmm
from audiodrv.core.devclass import DeviceClass
from audiodrv.core.system import reset_system
from audiodrv.ddk import SYNTH_GETSTATS, WAVE_GETXRUNS, OpenDesc, Ref
from audiodrv.engine.synth import (
    FluidSynth,
    SynthClient,
    available,
    default_soundfont,
    midi_events,
    short_message,
)
from audiodrv.mmsystem import (
    CALLBACK_FUNCTION,
    MHDR_DONE,
    MHDR_INQUEUE,
    MHDR_PREPARED,
    MIDI_MAPPER,
    MIDICAPS_CACHE,
    MIDICAPS_LRVOLUME,
    MIDICAPS_STREAM,
    MIDICAPS_VOLUME,
    MIDIHDR,
    MIDIOUTCAPSW,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTSUPPORTED,
    MOD_SYNTH,
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
    MOM_CLOSE,
    MOM_DONE,
    MOM_OPEN,
    get_wstr,
)

RATE = 48000
A4, E4 = 69, 64
QUIET = 1e-4  # RMS of "silent" (-80 dBFS); a sounding piano note is above 1e-2


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def band_ratio(x: np.ndarray, freq: float, width: float = 5.0) -> float:
    """Spectral peak within ``freq`` ± width over the largest one 15-100 Hz away from it."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    distance = np.abs(freqs - freq)
    neighbours = spectrum[(distance > 15) & (distance < 100)]
    return float(spectrum[distance <= width].max() / max(neighbours.max(), 1e-12))


def _require_fluidsynth() -> str:
    reason = available() or (None if default_soundfont() else "no General MIDI SoundFont")
    if reason is None:
        return str(default_soundfont())
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so a missing component is a failure", pytrace=False)
    pytest.skip(f"{reason} (Debian: libfluidsynth3 timgm6mb-soundfont; pip: pyfluidsynth)")


# -- without an audio stack ----------------------------------------------------------------------


def test_short_messages_follow_running_status():
    # B106: a status byte becomes the running status; data-only DWORDs use it.
    assert short_message(0x006F4593, 0) == ((0x93, 0x45, 0x6F), 0x93)
    assert short_message(0x00006440, 0x93) == ((0x93, 0x40, 0x64), 0x93)
    assert short_message(0x00006440, 0) == (None, 0)  # no running status: dropped
    assert short_message(0xF8, 0x93) == (None, 0x93)  # real-time keeps it
    assert short_message(0xFF, 0x93) == ((0xFF, 0, 0), 0x93)  # system reset
    assert short_message(0xF2, 0x93) == (None, 0)  # system common clears it
    assert short_message(0xFFFFC0C5, 0) == ((0xC5, 0x40, 0x7F), 0xC5)  # data bytes masked


def test_long_buffers_parse_as_a_midi_byte_stream():
    data = bytes([0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7,  # GM system on
                  0x90, 69, 100, 64, 90,  # note-on, then running status
                  0xC1, 0xF8, 5,  # program change with a clock byte inside
                  0xB0, 7,  # cut short by the next status
                  0x80, 69, 0])
    assert list(midi_events(data)) == [
        bytes([0x7E, 0x7F, 0x09, 0x01]), (0x90, 69, 100), (0x90, 64, 90), (0xC1, 5, 0),
        (0x80, 69, 0)]
    # COMPAT: Wine adds a missing F0 (and F7) to a SysEx buffer.
    assert list(midi_events(bytes([0x7E, 0x7F, 0x09, 0x01]))) == [bytes([0x7E, 0x7F, 9, 1])]
    assert list(midi_events(bytes([0xF0, 0x43, 0x10]))) == [bytes([0x43, 0x10])]


class FakeRing:
    """A ring of frames in numpy, with ``consume`` standing in for the callback."""

    def __init__(self, channels: int, size: int = 1 << 14) -> None:
        self.frames = np.zeros((0, channels), dtype=np.float32)
        self.size = size

    @property
    def read_available(self) -> int:
        return len(self.frames)

    @property
    def write_available(self) -> int:
        return self.size - len(self.frames)

    def write(self, data: np.ndarray, size: int = -1) -> int:
        take = np.asarray(data)[: self.write_available]
        self.frames = np.concatenate([self.frames, take])
        return len(take)

    def flush(self) -> None:
        self.frames = self.frames[:0]

    def consume(self, n: int) -> np.ndarray:
        """What the callback plays: up to ``n`` frames, then silence."""
        out, self.frames = self.frames[:n], self.frames[n:]
        pad = np.zeros((n - len(out), self.frames.shape[1]), dtype=np.float32)
        return np.concatenate([out, pad])


def play(client: SynthClient, ring: FakeRing, seconds: float, period: int = 256) -> np.ndarray:
    """Run the client as the stream would: a callback's period, then the feeder."""
    out = []
    for _ in range(int(seconds * RATE / period)):
        out.append(ring.consume(period))
        client.service()
    return np.concatenate(out)


@pytest.fixture
def fluid():
    synth = FluidSynth(_require_fluidsynth(), RATE)
    yield synth
    synth.close()


def test_a4_renders_at_440_hz_and_the_client_keeps_its_lead(fluid):
    ring = FakeRing(2)
    client = SynthClient(fluid, ring, 2, lead=1024, period=256)
    client.service()
    assert ring.read_available == 0 and not client.busy  # idle: renders nothing
    assert client.message(0x90, A4, 100) is True  # was idle: the driver wakes it
    client.wake()
    assert ring.read_available == 1024
    # Until the stream started playing it, a dry ring would still be idle time.
    assert not client.busy
    sound = play(client, ring, 1.0)
    assert ring.read_available == 1024  # topped up to the lead, never beyond
    assert client.busy
    assert abs(peak_frequency(sound[:, 0]) - 440) < 5
    assert band_ratio(sound[:, 0], 440) > 10
    assert client.message(0x80, A4, 0) is False
    tail = play(client, ring, 2.0)
    assert not client.busy  # released, reverb decayed: idle again
    assert rms(tail[-RATE // 2:]) == 0.0  # and nothing rendered any more
    assert client.stats.underruns == 0
    assert client.stats.rendered_frames < 2.5 * RATE


def test_gain_channels_and_underruns(fluid):
    ring = FakeRing(4)
    client = SynthClient(fluid, ring, 4, lead=512, period=256, max_lead=1024)
    client.gain = [1.0, 0.0]
    client.message(0x90, A4, 100)
    client.wake()
    sound = play(client, ring, 0.5)
    assert rms(sound[:, 0]) > 1e-2
    assert not sound[:, 1:].any()  # right at gain 0; channels 3 and 4 unused
    for expected in (768, 1024, 1024):  # the callback outran the feeder: the lead grows
        ring.consume(ring.read_available)
        client.service()
        assert client.lead == expected
    assert client.stats.underruns == 3
    client.release_all()
    mono = SynthClient(fluid, FakeRing(1), 1, lead=512, period=256)
    mono.message(0x90, A4, 100)
    mono.wake()
    assert rms(mono.ring.consume(512)) > 1e-3


# -- the device on a real JACK server --------------------------------------------------------------


@pytest.mark.jack
def test_one_synthesizer_device_with_synth_caps(synth):
    assert winmm.midiOutGetNumDevs() == 1
    caps = MIDIOUTCAPSW()
    assert winmm.midiOutGetDevCapsW(0, ctypes.byref(caps), ctypes.sizeof(caps)) == 0
    assert caps.wTechnology == MOD_SYNTH
    assert (caps.wVoices, caps.wNotes, caps.wChannelMask) == (256, 256, 0xFFFF)
    assert caps.dwSupport == MIDICAPS_VOLUME | MIDICAPS_LRVOLUME | MIDICAPS_CACHE
    assert not caps.dwSupport & MIDICAPS_STREAM
    assert "FluidSynth" in get_wstr(caps.szPname)
    node = synth.system.device(DeviceClass.MIDIOUT, 0).devnode
    assert node is not None and node.key.startswith("fluidsynth:portaudio:")


@pytest.mark.jack
def test_configuration_comes_from_the_driver_section(synth, tmp_path):
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text("[drivers]\nmidi=fluidsyn.drv\n\n[fluidsyn.drv]\n"
                   f"soundfont={tmp_path / 'missing.sf2'}\n")
    reset_system(ini)
    assert winmm.midiOutGetNumDevs() == 0  # no SoundFont, no device
    ini.write_text("[drivers]\nmidi=fluidsyn.drv\n\n[FluidSyn.drv]\n"
                   f"SoundFont={_require_fluidsynth()}\nlead=50\npolyphony=64\n")
    reset_system(ini)
    caps = MIDIOUTCAPSW()
    assert winmm.midiOutGetDevCapsW(0, ctypes.byref(caps), ctypes.sizeof(caps)) == 0
    assert (caps.wVoices, caps.wNotes) == (64, 64)
    midi = synth.open_midi()
    assert midi.stats(SYNTH_GETSTATS)["lead_frames"] == 50 * RATE // 1000


@pytest.mark.jack
def test_driver_messages_and_notifications(synth):
    out = DeviceClass.MIDIOUT
    device = synth.system.device(out, 0)
    assert device is not None
    caps = MIDIOUTCAPSW()
    assert device.message(out, MODM_GETDEVCAPS, None, caps, ctypes.sizeof(caps)) == 0
    assert caps.wTechnology == MOD_SYNTH
    notes = Notes()
    ref: Ref = Ref()
    desc = OpenDesc(hDevice=0x5150, dwCallback=notes, dwInstance=7)
    assert device.message(out, MODM_OPEN, ref, desc, CALLBACK_FUNCTION) == MMSYSERR_NOERROR
    assert notes.wait(MOM_OPEN, 1) and notes.items == [(MOM_OPEN, 0)]
    inst = ref.value

    def send(msg, p1=0, p2=0):
        return device.message(out, msg, inst, p1, p2)

    assert send(MODM_DATA, 0x00644590) == MMSYSERR_NOERROR
    assert send(MODM_DATA, 0x00000045) == MMSYSERR_NOERROR  # running status: note-off
    assert send(MODM_CACHEPATCHES) == MMSYSERR_NOERROR
    assert send(MODM_CACHEDRUMPATCHES) == MMSYSERR_NOERROR
    assert send(MODM_PREPARE) == MMSYSERR_NOTSUPPORTED
    assert send(MODM_UNPREPARE) == MMSYSERR_NOTSUPPORTED
    assert send(0x3FFF) == MMSYSERR_NOTSUPPORTED
    # Volume is device-wide: also readable without a handle (B104).
    assert send(MODM_SETVOLUME, 0x8000FFFF) == MMSYSERR_NOERROR
    volume = ctypes.c_uint32()
    assert device.message(out, MODM_GETVOLUME, None, volume, 0) == MMSYSERR_NOERROR
    assert volume.value == 0x8000FFFF
    # A long message completes at once with MOM_DONE and &hdr (winmm set INQUEUE).
    sysex = ctypes.create_string_buffer(bytes([0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7]), 6)
    hdr = MIDIHDR(lpData=ctypes.addressof(sysex), dwBufferLength=6,
                  dwFlags=MHDR_PREPARED | MHDR_INQUEUE)
    assert send(MODM_LONGDATA, hdr, ctypes.sizeof(hdr)) == MMSYSERR_NOERROR
    assert hdr.dwFlags == MHDR_PREPARED | MHDR_DONE
    assert notes.wait(MOM_DONE, 1) and notes.items[-1] == (MOM_DONE, ctypes.addressof(hdr))
    assert send(MODM_RESET) == MMSYSERR_NOERROR
    assert send(MODM_CLOSE) == MMSYSERR_NOERROR
    assert notes.wait(MOM_CLOSE, 1) and notes.items[-1] == (MOM_CLOSE, 0)
    assert device.message(out, MODM_OPEN, Ref(), desc, 0) == MMSYSERR_NOERROR
    assert device.message(out, MODM_OPEN, Ref(), desc, 0) == MMSYSERR_NOERROR  # shared
    assert synth.system.device(out, 1) is None
    bad = device.owner.driver.entries[out](1, MODM_OPEN, Ref(), desc, 0)
    assert bad == MMSYSERR_BADDEVICEID


@pytest.mark.jack
def test_a4_sounds_at_440_hz_then_goes_silent(synth):
    midi = synth.open_midi()  # GM power-on state: piano on channel 1
    rec = synth.record_float(4.0)
    time.sleep(0.3)
    on = synth.position(rec)
    midi.note_on(A4)
    time.sleep(1.0)
    off = synth.position(rec)
    midi.note_off(A4)
    time.sleep(1.6)
    got = rec.stop()[:, 0]
    assert rms(got[:on]) == 0.0  # the idle synthesizer adds nothing
    sounding = got[on + RATE // 20:off]
    assert rms(sounding) > 1e-2
    assert abs(peak_frequency(sounding) - 440) < 5
    assert band_ratio(sounding, 440) > 10
    assert rms(got[off + RATE:off + int(1.5 * RATE)]) < QUIET  # released, tail decayed


@pytest.mark.jack
def test_the_midi_mapper_plays_through_the_synthesizer(synth, tmp_path, monkeypatch):
    """midiOutOpen(MIDI_MAPPER) makes sound on a machine with audio and no MIDI port: the
    mapper maps to the synthesizer."""
    ini = tmp_path / "MAPPED.INI"
    ini.write_text("[drivers]\nwave=sndpa.drv\nmidi=fluidsyn.drv\nMidiMapper=midimap.drv\n")
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", str(ini))
    assert reset_system(ini) is not None
    midi = synth.open_midi(MIDI_MAPPER)
    rec = synth.record_float(2.0)
    time.sleep(0.2)
    on = synth.position(rec)
    midi.note_on(A4)
    time.sleep(0.8)
    got = rec.stop()[:, 0]
    sounding = got[on + RATE // 20:]
    assert rms(sounding) > 1e-2
    assert abs(peak_frequency(sounding) - 440) < 5


@pytest.mark.jack
def test_program_change_and_running_status(synth):
    midi = synth.open_midi()
    midi.program(80)  # Lead 1 (square)
    rec = synth.record_float(2.5)
    time.sleep(0.2)
    on = synth.position(rec)
    midi.note_on(A4)
    assert winmm.midiOutShortMsg(midi.handle, E4 | 100 << 8) == 0  # running status: E4 on
    time.sleep(0.8)
    off = synth.position(rec)
    assert winmm.midiOutShortMsg(midi.handle, A4) == 0  # velocity 0: note-off
    assert winmm.midiOutShortMsg(midi.handle, E4) == 0
    time.sleep(1.2)
    got = rec.stop()[:, 0]
    sounding = got[on + RATE // 10:off]
    assert band_ratio(sounding, 440) > 10
    assert band_ratio(sounding, 329.63) > 10
    assert rms(got[off + RATE // 2:off + RATE]) < QUIET


@pytest.mark.jack
def test_volume_zero_silences_and_sides_are_separate(synth):
    midi = synth.open_midi()
    midi.program(80)  # Lead 1 (square): it sustains, unlike the piano
    midi.set_volume(0)
    volume = ctypes.c_uint32(1)
    assert winmm.midiOutGetVolume(midi.handle, ctypes.byref(volume)) == 0 and volume.value == 0
    rec = synth.record_float(3.0)
    time.sleep(0.2)
    midi.note_on(A4)
    time.sleep(0.6)
    left_only = synth.position(rec)
    midi.set_volume(0x0000FFFF)
    time.sleep(0.6)
    midi.note_off(A4)
    time.sleep(0.2)
    got = rec.stop()
    margin = RATE // 10  # the volume takes effect from the next rendered block
    assert not got[:left_only].any()  # volume 0: digital silence
    assert rms(got[left_only + margin:left_only + RATE // 2, 0]) > 1e-2
    assert not got[:, 1].any()  # the right side stayed at 0


@pytest.mark.jack
def test_wave_tone_and_synth_are_heard_together(synth):
    midi = synth.open_midi()
    wave = synth.open_out(wave_format())
    rec = synth.record_float(3.0)
    time.sleep(0.2)
    wave.play(tone(1000, 1.0, amp=0.25))
    at = synth.position(rec)
    midi.note_on(A4)
    wave.wait_done()
    midi.note_off(A4)
    time.sleep(0.3)
    got = rec.stop()[:, 0]
    both = got[at + RATE // 5:at + int(0.8 * RATE)]
    assert band_ratio(both, 440) > 10
    assert band_ratio(both, 1000) > 10


@pytest.mark.jack
def test_reset_releases_sustained_notes(synth):
    midi = synth.open_midi()
    midi.program(80)  # Lead 1 (square): it sustains, unlike the piano
    rec = synth.record_float(3.0)
    time.sleep(0.2)
    midi.send(0xB0, 64, 127)  # sustain pedal down
    midi.note_on(A4)
    time.sleep(0.3)
    midi.note_off(A4)  # held by the pedal
    time.sleep(0.5)
    held = synth.position(rec)
    assert winmm.midiOutReset(midi.handle) == 0  # sustain off, all notes off
    time.sleep(1.5)
    got = rec.stop()[:, 0]
    assert rms(got[held - RATE // 5:held]) > 1e-2
    assert rms(got[held + RATE:held + int(1.3 * RATE)]) < QUIET


@pytest.mark.jack
def test_long_message_plays_and_completes(synth):
    midi = synth.open_midi()
    rec = synth.record_float(2.0)
    time.sleep(0.2)
    data = bytes([0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7, 0x90, A4, 100])  # GM on, A4 on
    mem = ctypes.create_string_buffer(data, len(data))
    hdr = MIDIHDR(lpData=ctypes.addressof(mem), dwBufferLength=len(data))
    size = ctypes.sizeof(hdr)
    assert winmm.midiOutPrepareHeader(midi.handle, ctypes.byref(hdr), size) == 0
    on = synth.position(rec)
    assert winmm.midiOutLongMsg(midi.handle, ctypes.byref(hdr), size) == 0
    assert hdr.dwFlags & MHDR_DONE and not hdr.dwFlags & MHDR_INQUEUE  # synchronous (B118)
    assert winmm.midiOutUnprepareHeader(midi.handle, ctypes.byref(hdr), size) == 0
    assert midi.notes.wait(MOM_DONE, 1)
    assert (MOM_DONE, ctypes.addressof(hdr)) in midi.notes.items
    time.sleep(0.8)
    midi.note_off(A4)
    got = rec.stop()[:, 0]
    assert band_ratio(got[on + RATE // 10:on + int(0.7 * RATE)], 440) > 10


def _onset(x: np.ndarray, at: int) -> int | None:
    """The first sample after ``at`` clearly above what was there before it."""
    floor = float(np.abs(x[max(0, at - 2400):at]).max(initial=0.0))
    loud = np.nonzero(np.abs(x[at:]) > max(1e-4, 10 * floor))[0]
    return at + int(loud[0]) if len(loud) else None


@pytest.mark.jack
def test_note_on_latency_and_render_cost(synth):
    """Prints the time from midiOutShortMsg (note-on) to the note's first sample at the
    loopback input, on the recording's timeline (the capture position at the call, so
    quantised to the JACK period): "cold" (the synthesizer idle: the driver renders at
    once and the note starts the next cycle's output) and "warm" (it renders: the note
    waits behind the lead already in the ring).  Only sanity is asserted."""
    midi = synth.open_midi()
    rec = synth.record_float(16.0)
    results: dict[str, list[float]] = {"cold": [], "warm": []}
    for i in range(5):
        for kind in ("cold", "warm"):
            deadline = time.monotonic() + 3.0
            while midi.stats(SYNTH_GETSTATS)["rendering"] and time.monotonic() < deadline:
                time.sleep(0.05)  # the last note's release and reverb tail end
            if kind == "warm":
                midi.send(0xB1, 7, 100)  # any message: it renders (silence) from now on
                time.sleep(0.04)
            at = synth.position(rec)
            midi.note_on(60 + i)
            time.sleep(0.15)
            midi.note_off(60 + i)
            time.sleep(0.2)
            # Still recording: the complete buffers are a prefix of the recording.
            data = b"".join(buf.recorded() for buf in rec.dev.buffers)
            onset = _onset(np.frombuffer(data, dtype=np.float32)[::2], at)
            assert onset is not None, kind
            results[kind].append((onset - at) * 1000 / RATE)
    stats = midi.stats(SYNTH_GETSTATS)
    xruns = midi.stats(WAVE_GETXRUNS)
    # A 16-note chord for the render cost under load.
    for k in range(16):
        midi.note_on(48 + 2 * k, 100, k if k != 9 else 0)
    time.sleep(1.0)
    loaded = midi.stats(SYNTH_GETSTATS)
    rec.stop()
    lead_ms = stats["lead_frames"] * 1000 / RATE
    for kind, values in results.items():
        print(f"\nnote-on to sound at the loopback input ({kind}): median "
              f"{np.median(values):.1f} ms, min {min(values):.1f}, max {max(values):.1f}")
    print(f"lead {stats['lead_frames']} frames ({lead_ms:.1f} ms), period "
          f"{stats['period_frames']}, underruns {stats['underruns']}, ring xruns {xruns}")
    cost = (loaded["render_seconds"] - stats["render_seconds"]) / max(
        1, loaded["rendered_frames"] - stats["rendered_frames"]) * RATE
    print(f"render CPU: {stats['cpu_load'] * 100:.2f}% of a core while single notes played, "
          f"{cost * 100:.2f}% with a 16-note chord ({loaded['voices']} voices)")
    for values in results.values():
        assert all(0 <= v < 250 for v in values), values
