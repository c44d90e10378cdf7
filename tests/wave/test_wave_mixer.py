"""The mixer* functions and sndpa.drv's mixers on the real stack (spec 2.7, B180-B198): one
mixer per wave device and direction in Wine's line model, whose volume and mute controls
are gain stages heard through the loopback."""

from __future__ import annotations

import ctypes
import queue
import threading
from ctypes import byref, sizeof
from typing import Any

import numpy as np
import pytest
from wavekit import RATE, active, tone, wave_format

from audiodrv import winmm
from audiodrv.mmsystem import (
    CALLBACK_EVENT,
    CALLBACK_FUNCTION,
    CALLBACK_WINDOW,
    MIXER_GETCONTROLDETAILSF_VALUE,
    MIXER_GETLINECONTROLSF_ALL,
    MIXER_GETLINECONTROLSF_ONEBYID,
    MIXER_GETLINECONTROLSF_ONEBYTYPE,
    MIXER_GETLINEINFOF_COMPONENTTYPE,
    MIXER_GETLINEINFOF_DESTINATION,
    MIXER_GETLINEINFOF_LINEID,
    MIXER_GETLINEINFOF_SOURCE,
    MIXER_GETLINEINFOF_TARGETTYPE,
    MIXER_OBJECTF_HMIXER,
    MIXER_OBJECTF_HWAVEOUT,
    MIXER_OBJECTF_MIDIOUT,
    MIXER_OBJECTF_MIXER,
    MIXER_OBJECTF_WAVEIN,
    MIXER_OBJECTF_WAVEOUT,
    MIXER_SETCONTROLDETAILSF_CUSTOM,
    MIXERCAPSA,
    MIXERCAPSW,
    MIXERCONTROL_CONTROLF_UNIFORM,
    MIXERCONTROL_CONTROLTYPE_MUTE,
    MIXERCONTROL_CONTROLTYPE_VOLUME,
    MIXERCONTROLA,
    MIXERCONTROLDETAILS,
    MIXERCONTROLDETAILS_BOOLEAN,
    MIXERCONTROLDETAILS_UNSIGNED,
    MIXERCONTROLW,
    MIXERLINE_COMPONENTTYPE_DST_SPEAKERS,
    MIXERLINE_COMPONENTTYPE_DST_WAVEIN,
    MIXERLINE_COMPONENTTYPE_SRC_MICROPHONE,
    MIXERLINE_COMPONENTTYPE_SRC_WAVEOUT,
    MIXERLINE_TARGETTYPE_UNDEFINED,
    MIXERLINE_TARGETTYPE_WAVEIN,
    MIXERLINE_TARGETTYPE_WAVEOUT,
    MIXERLINEA,
    MIXERLINECONTROLSA,
    MIXERLINECONTROLSW,
    MIXERLINEW,
    MIXERR_INVALCONTROL,
    MIXERR_INVALLINE,
    MM_MIXM_CONTROL_CHANGE,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_INVALFLAG,
    MMSYSERR_INVALHANDLE,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTSUPPORTED,
    WAVE_MAPPER,
    get_string,
)

OUT, IN = 0, 1  # JACK's one device: its output's mixer, then its input's
DESTINATION, SOURCE = 0xFFFF0000, 0


def line(mixer: int, flags: int, ansi: bool = False, **fields: int) -> tuple[int, Any]:
    info = (MIXERLINEA if ansi else MIXERLINEW)(cbStruct=sizeof(MIXERLINEA if ansi
                                                                else MIXERLINEW), **fields)
    get = winmm.mixerGetLineInfoA if ansi else winmm.mixerGetLineInfoW
    return get(mixer, byref(info), flags), info


def controls(mixer: int, flags: int, count: int, **fields: int) -> tuple[int, Any]:
    array = (MIXERCONTROLW * count)()
    request = MIXERLINECONTROLSW(cbStruct=sizeof(MIXERLINECONTROLSW), cControls=count,
                                 cbmxctrl=sizeof(MIXERCONTROLW),
                                 pamxctrl=ctypes.addressof(array), **fields)
    return winmm.mixerGetLineControlsW(mixer, byref(request), flags), (request, array)


def details(mixer: int, control: int, value: int | None = None, channels: int = 1,
            flags: int = 0) -> tuple[int, list[int]]:
    """Get (``value`` None) or set a control; returns the result and the values."""
    cells = (MIXERCONTROLDETAILS_UNSIGNED * channels)()
    for cell in cells:
        cell.dwValue = value or 0
    request = MIXERCONTROLDETAILS(cbStruct=sizeof(MIXERCONTROLDETAILS), dwControlID=control,
                                  cChannels=channels, cbDetails=sizeof(cells[0]),
                                  paDetails=ctypes.addressof(cells))
    if value is None:
        result = winmm.mixerGetControlDetailsW(mixer, byref(request), flags)
    else:
        result = winmm.mixerSetControlDetails(mixer, byref(request), flags)
    return result, [cell.dwValue for cell in cells]


@pytest.fixture
def mixers(wave: Any) -> Any:
    """Every control back at full volume, unmuted, after the test."""
    yield wave
    for mixer in (OUT, IN):
        for control, value in ((0, 0xFFFF), (1, 0), (2, 0xFFFF), (3, 0)):
            assert details(mixer, control, value)[0] == MMSYSERR_NOERROR


def test_a_mixer_per_wave_device_in_wines_line_model(mixers):
    assert winmm.mixerGetNumDevs() == winmm.waveOutGetNumDevs() + winmm.waveInGetNumDevs() == 2
    caps = MIXERCAPSW()
    assert winmm.mixerGetDevCapsW(OUT, byref(caps), sizeof(caps)) == MMSYSERR_NOERROR
    assert (get_string(caps, "szPname"), caps.cDestinations, caps.fdwSupport) == ("system", 1, 0)
    caps_a = MIXERCAPSA()
    assert winmm.mixerGetDevCapsA(IN, byref(caps_a), sizeof(caps_a)) == MMSYSERR_NOERROR
    assert get_string(caps_a, "szPname") == "system"
    assert winmm.mixerGetDevCapsW(2, byref(caps), sizeof(caps)) == MMSYSERR_BADDEVICEID  # B181
    assert winmm.mixerGetDevCapsW(OUT, None, sizeof(caps)) == MMSYSERR_INVALPARAM
    # B186, B188: the destination; dwUser is reset even when the caller set it.
    result, dest = line(OUT, MIXER_GETLINEINFOF_DESTINATION, dwUser=123)
    assert result == MMSYSERR_NOERROR
    assert (dest.dwLineID, dest.dwSource, dest.fdwLine, dest.dwUser) == (DESTINATION,
                                                                       0xFFFFFFFF, 1, 0)
    assert (dest.dwComponentType, dest.cChannels, dest.cConnections, dest.cControls) == (
        MIXERLINE_COMPONENTTYPE_DST_SPEAKERS, 2, 1, 2)
    assert (dest.Target.dwType, dest.Target.dwDeviceID) == (MIXERLINE_TARGETTYPE_UNDEFINED, 0)
    result, source = line(OUT, MIXER_GETLINEINFOF_SOURCE, dwDestination=0, dwSource=0)
    assert result == MMSYSERR_NOERROR
    assert (source.dwLineID, source.fdwLine, source.dwComponentType, source.cChannels) == (
        SOURCE, 0x80000001, MIXERLINE_COMPONENTTYPE_SRC_WAVEOUT, 1)
    assert source.Target.dwType == MIXERLINE_TARGETTYPE_WAVEOUT
    result, dest_in = line(IN, MIXER_GETLINEINFOF_LINEID, ansi=True, dwLineID=DESTINATION)
    assert result == MMSYSERR_NOERROR
    assert dest_in.dwComponentType == MIXERLINE_COMPONENTTYPE_DST_WAVEIN
    assert dest_in.Target.dwType == MIXERLINE_TARGETTYPE_WAVEIN
    assert get_string(dest_in.Target, "szPname") == "system"
    result, mic = line(IN, MIXER_GETLINEINFOF_COMPONENTTYPE,
                       dwComponentType=MIXERLINE_COMPONENTTYPE_SRC_MICROPHONE)
    assert result == MMSYSERR_NOERROR and mic.dwLineID == SOURCE
    # B185, B189: what names no line.
    assert line(OUT, MIXER_GETLINEINFOF_DESTINATION, dwDestination=1)[0] == MIXERR_INVALLINE
    assert line(OUT, MIXER_GETLINEINFOF_SOURCE, dwSource=1)[0] == MIXERR_INVALLINE
    assert line(OUT, MIXER_GETLINEINFOF_LINEID, dwLineID=5)[0] == MIXERR_INVALLINE
    assert line(OUT, MIXER_GETLINEINFOF_COMPONENTTYPE,
                dwComponentType=MIXERLINE_COMPONENTTYPE_SRC_MICROPHONE)[0] == MIXERR_INVALLINE
    assert line(OUT, MIXER_GETLINEINFOF_TARGETTYPE)[0] == MIXERR_INVALLINE
    assert line(OUT, 0xFFFFFFFF)[0] == MMSYSERR_INVALFLAG
    assert winmm.mixerGetLineInfoW(OUT, None, 0) == MMSYSERR_INVALPARAM
    assert winmm.mixerGetLineInfoW(OUT, byref(MIXERLINEW()), 0) == MMSYSERR_INVALPARAM  # size 0
    assert line(7, 0)[0] == MMSYSERR_INVALHANDLE


def test_each_line_has_a_uniform_volume_and_a_mute(mixers):
    result, (_request, found) = controls(OUT, MIXER_GETLINECONTROLSF_ALL, 2, dwLineID=DESTINATION)
    assert result == MMSYSERR_NOERROR
    volume, mute = found
    assert (volume.dwControlID, volume.dwControlType, volume.fdwControl) == (
        0, MIXERCONTROL_CONTROLTYPE_VOLUME, MIXERCONTROL_CONTROLF_UNIFORM)
    assert (volume.Bounds.dwMinimum, volume.Bounds.dwMaximum, volume.Metrics.cSteps) == (
        0, 0xFFFF, 192)
    assert (mute.dwControlID, mute.dwControlType, mute.Bounds.dwMaximum) == (
        1, MIXERCONTROL_CONTROLTYPE_MUTE, 1)
    result, (request, found) = controls(OUT, MIXER_GETLINECONTROLSF_ONEBYID, 1, dwControlID=3)
    assert result == MMSYSERR_NOERROR
    assert (request.dwLineID, found[0].dwControlType) == (SOURCE, MIXERCONTROL_CONTROLTYPE_MUTE)
    result, (_request, found) = controls(IN, MIXER_GETLINECONTROLSF_ONEBYTYPE, 1,
                                         dwLineID=SOURCE,
                                         dwControlType=MIXERCONTROL_CONTROLTYPE_VOLUME)
    assert result == MMSYSERR_NOERROR and found[0].dwControlID == 2
    # B191: wrong counts, ids, types, lines and sizes.
    assert controls(OUT, MIXER_GETLINECONTROLSF_ALL, 1, dwLineID=DESTINATION)[0] == (
        MMSYSERR_INVALPARAM)
    assert controls(OUT, MIXER_GETLINECONTROLSF_ONEBYID, 1, dwControlID=4)[0] == (
        MMSYSERR_NOTSUPPORTED)
    assert controls(OUT, MIXER_GETLINECONTROLSF_ALL, 2, dwLineID=7)[0] == MIXERR_INVALLINE
    assert controls(OUT, 0xF, 2, dwLineID=DESTINATION)[0] == MMSYSERR_INVALFLAG
    assert winmm.mixerGetLineControlsW(OUT, None, 0) == MMSYSERR_INVALPARAM
    short = MIXERLINECONTROLSW(cbStruct=sizeof(MIXERLINECONTROLSW), dwLineID=DESTINATION,
                               cControls=2, cbmxctrl=sizeof(MIXERCONTROLW) - 4,
                               pamxctrl=ctypes.addressof((MIXERCONTROLW * 2)()))
    assert winmm.mixerGetLineControlsW(OUT, byref(short), 0) == MMSYSERR_INVALPARAM
    # B192: the A function, ONEBYTYPE always one control whatever cControls says.
    array = (MIXERCONTROLA * 1)()
    request_a = MIXERLINECONTROLSA(cbStruct=sizeof(MIXERLINECONTROLSA), dwLineID=SOURCE,
                                   cControls=5, cbmxctrl=sizeof(MIXERCONTROLA),
                                   pamxctrl=ctypes.addressof(array),
                                   dwControlType=MIXERCONTROL_CONTROLTYPE_MUTE)
    assert winmm.mixerGetLineControlsA(OUT, byref(request_a), MIXER_GETLINECONTROLSF_ONEBYTYPE) \
        == MMSYSERR_NOERROR
    assert (array[0].dwControlID, get_string(array[0], "szName")) == (3, "Mute")


def test_values_are_kept_checked_and_announced(mixers):
    assert details(OUT, 0) == (MMSYSERR_NOERROR, [0xFFFF])
    assert details(OUT, 0, 0x8000) == (MMSYSERR_NOERROR, [0x8000])
    assert details(OUT, 0, channels=2) == (MMSYSERR_NOERROR, [0x8000, 0x8000])  # uniform
    assert details(OUT, 1, 1)[0] == MMSYSERR_NOERROR
    assert details(OUT, 1) == (MMSYSERR_NOERROR, [1])
    assert details(IN, 0) == (MMSYSERR_NOERROR, [0xFFFF])  # each mixer its own
    # B196: the value, the control id, the values' memory, the flags.
    assert details(OUT, 0, 0x10000)[0] == MMSYSERR_INVALPARAM
    assert details(OUT, 4)[0] == MIXERR_INVALCONTROL
    assert details(OUT, 0, 1, flags=MIXER_SETCONTROLDETAILSF_CUSTOM)[0] == MMSYSERR_NOTSUPPORTED
    assert details(OUT, 0, flags=0xF)[0] == MMSYSERR_INVALFLAG
    empty = MIXERCONTROLDETAILS(cbStruct=sizeof(MIXERCONTROLDETAILS), dwControlID=0,
                                cChannels=1, cbDetails=4)
    assert winmm.mixerGetControlDetailsW(OUT, byref(empty), 0) == MMSYSERR_INVALPARAM  # B193
    assert winmm.mixerGetControlDetailsA(OUT, byref(empty), 0) == MMSYSERR_INVALPARAM
    # A typed pointer to the caller's own cells works as well as a raw address.
    cell = MIXERCONTROLDETAILS_BOOLEAN()
    typed = MIXERCONTROLDETAILS(cbStruct=sizeof(MIXERCONTROLDETAILS), dwControlID=3,
                                cChannels=1, cbDetails=sizeof(cell),
                                paDetails=ctypes.addressof(cell))
    assert winmm.mixerGetControlDetailsW(OUT, byref(typed), MIXER_GETCONTROLDETAILSF_VALUE) \
        == MMSYSERR_NOERROR and cell.fValue == 0
    # An open handle with a window (a queue) hears of every change (B183: not of the open).
    window: queue.Queue[tuple[int, int, int]] = queue.Queue()
    hmx = ctypes.c_void_p()
    assert winmm.mixerOpen(byref(hmx), OUT, window, 0, CALLBACK_WINDOW) == MMSYSERR_NOERROR
    assert window.empty()
    assert details(hmx.value, 2, 0x4000)[0] == MMSYSERR_NOERROR
    assert window.get(timeout=5) == (MM_MIXM_CONTROL_CHANGE, hmx.value, 2)
    assert details(OUT, 2) == (MMSYSERR_NOERROR, [0x4000])  # by id, the same mixer
    assert winmm.mixerClose(hmx.value) == MMSYSERR_NOERROR
    assert details(OUT, 2, 0xFFFF)[0] == MMSYSERR_NOERROR
    assert window.empty()  # closed: no longer told


def test_open_and_ids_of_mixer_objects(mixers):
    hmx = ctypes.c_void_p()
    # B182, B183: ids, the handle pointer, callback kinds.
    assert winmm.mixerOpen(byref(hmx), 2, 0, 0, 0) == MMSYSERR_BADDEVICEID
    assert winmm.mixerOpen(byref(hmx), 0xFFFFFFFF, 0, 0, 0) == MMSYSERR_BADDEVICEID
    assert winmm.mixerOpen(None, OUT, 0, 0, 0) == MMSYSERR_INVALPARAM
    assert winmm.mixerOpen(byref(hmx), OUT, print, 0, CALLBACK_FUNCTION) == MMSYSERR_INVALFLAG
    assert winmm.mixerOpen(byref(hmx), OUT, object(), 0, CALLBACK_WINDOW) == MMSYSERR_INVALPARAM
    event = threading.Event()
    assert winmm.mixerOpen(byref(hmx), OUT, event, 0, CALLBACK_EVENT) == MMSYSERR_NOERROR
    mixer_id = ctypes.c_uint32(99)
    assert winmm.mixerGetID(hmx.value, byref(mixer_id), MIXER_OBJECTF_HMIXER) == MMSYSERR_NOERROR
    assert mixer_id.value == OUT
    assert winmm.mixerClose(hmx.value) == MMSYSERR_NOERROR
    assert not event.is_set()  # open and close signal nothing
    assert winmm.mixerClose(hmx.value) == MMSYSERR_INVALHANDLE
    # B197: wave devices name their mixers; ids and handles of the right kind only.
    for obj, flags, expected in ((0, MIXER_OBJECTF_WAVEOUT, OUT), (0, MIXER_OBJECTF_WAVEIN, IN),
                                 (IN, MIXER_OBJECTF_MIXER, IN)):
        assert winmm.mixerGetID(obj, byref(mixer_id), flags) == MMSYSERR_NOERROR
        assert mixer_id.value == expected
    out = mixers.open_out(wave_format())
    assert winmm.mixerGetID(out.handle, byref(mixer_id), MIXER_OBJECTF_HWAVEOUT) == (
        MMSYSERR_NOERROR) and mixer_id.value == OUT
    assert winmm.mixerGetID(out.handle, byref(mixer_id), MIXER_OBJECTF_WAVEOUT) == (
        MMSYSERR_INVALHANDLE)  # a handle is not an id
    assert winmm.mixerGetID(0, byref(mixer_id), MIXER_OBJECTF_MIDIOUT) == MMSYSERR_INVALHANDLE
    assert winmm.mixerGetID(0, byref(mixer_id), 0x70000000) == MMSYSERR_INVALFLAG
    assert winmm.mixerGetID(5, byref(mixer_id), MIXER_OBJECTF_MIXER) == MMSYSERR_INVALHANDLE
    assert winmm.mixerGetID(0, None, MIXER_OBJECTF_MIXER) == MMSYSERR_INVALPARAM
    # A wave object opens its mixer.
    assert winmm.mixerOpen(byref(hmx), 0, 0, 0, MIXER_OBJECTF_WAVEIN) == MMSYSERR_NOERROR
    assert winmm.mixerGetID(hmx.value, byref(mixer_id), MIXER_OBJECTF_HMIXER) == (
        MMSYSERR_NOERROR) and mixer_id.value == IN
    assert winmm.mixerClose(hmx.value) == MMSYSERR_NOERROR


def peak(recording: np.ndarray) -> float:
    return float(np.abs(recording).max())


def test_output_volume_and_mute_are_heard(mixers):
    out = mixers.open_out(wave_format())
    assert out.result == MMSYSERR_NOERROR
    levels = []
    for settings in ([], [(1, 1)], [(1, 0), (2, 0x8000)], [(2, 0xFFFF), (0, 0x4000)]):
        for control, value in settings:
            assert details(OUT, control, value)[0] == MMSYSERR_NOERROR
        rec = mixers.record(1.5)
        out.play(tone(1000, 0.3))
        out.wait_done()
        levels.append(peak(rec.stop()))
        mixers.devices.remove(rec.dev)
        rec.dev.close()
    full, muted, half, quarter = levels
    assert 0.45 < full < 0.55
    assert muted < 0.001  # the destination's mute
    assert abs(half / full - 0x8000 / 0xFFFF) < 0.02  # the source's volume
    assert abs(quarter / full - 0x4000 / 0xFFFF) < 0.02  # the destination's, source back up


def test_an_open_through_the_mapper_goes_through_the_same_stages(mixers):
    direct = mixers.open_out(wave_format())  # makes the stream, for the loopback
    assert direct.result == MMSYSERR_NOERROR
    mapped = mixers.open_out(wave_format(), device_id=WAVE_MAPPER)
    assert mapped.result == MMSYSERR_NOERROR
    assert details(OUT, 2, 0x8000)[0] == MMSYSERR_NOERROR
    rec = mixers.record(1.5)
    mapped.play(tone(1000, 0.3))
    mapped.wait_done()
    assert abs(peak(rec.stop()) - 0.25) < 0.02  # 0.5 of the tone's 0.5


def test_input_volume_scales_the_recording(mixers):
    out = mixers.open_out(wave_format())
    levels = []
    for value in (0xFFFF, 0x8000):
        assert details(IN, 2, value)[0] == MMSYSERR_NOERROR  # the microphone line
        rec = mixers.record(1.5)
        out.play(tone(1000, 0.3))
        out.wait_done()
        got = rec.stop()
        assert len(active(got[:, 0])) > RATE // 4
        levels.append(peak(got))
        mixers.devices.remove(rec.dev)
        rec.dev.close()
    assert abs(levels[1] / levels[0] - 0x8000 / 0xFFFF) < 0.02


def test_the_pythonic_mixer(mixers):
    import audiodrv

    out = audiodrv.WaveOut("system", 48000, 2, "float32")
    mixers.devices.append(out)  # closed with the others
    with audiodrv.Mixer("system") as mixer:
        assert (mixer.master_volume, mixer.volume, mixer.master_mute, mixer.mute) == (
            1.0, 1.0, False, False)
        mixer.volume = 0.5
        assert abs(mixer.volume - 0.5) < 1e-4 and details(OUT, 2)[1] == [0x8000]
        rec = mixers.record(1.5)
        out.write(tone(1000, 0.3))
        out.wait()
        half = peak(rec.stop())
        mixer.master_mute = True
        assert mixer.master_mute and details(OUT, 1)[1] == [1]
    assert 0.23 < half < 0.27  # 0.5 of the tone's 0.5
    with audiodrv.Mixer("system", kind="input") as mic:
        mic.mute = True
        assert details(IN, 3)[1] == [1] and details(OUT, 3)[1] == [0]
    with pytest.raises(audiodrv.BadDeviceIdError, match="no output device"):
        audiodrv.Mixer("no such device")
    with pytest.raises(ValueError, match="kind"):
        audiodrv.Mixer(kind="both")
