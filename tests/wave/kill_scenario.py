"""The body of the server-death test, run in a child process: it leaves a dead PortAudio
instance behind (see audiodrv.engine.portaudio), which the test runner should not carry."""

from __future__ import annotations

import ctypes
import faulthandler
import os
import signal
import time
from typing import Any

from wavekit import RATE, Buffer, Device, tone, wave_format

from audiodrv import winmm
from audiodrv.core.devclass import DeviceClass
from audiodrv.core.notify import notifier
from audiodrv.core.system import get_system, reset_system
from audiodrv.ddk import SYNTH_GETSTATS
from audiodrv.engine import portaudio
from audiodrv.engine.jackserver import JackServer
from audiodrv.mmsystem import (
    CALLBACK_NULL,
    MMTIME,
    TIME_SAMPLES,
    WAVEHDR,
    WIM_DATA,
    WOM_DONE,
)

NOTE_ON = 0x90 | 69 << 8 | 100 << 16


def open_synth() -> tuple[int, int]:
    """(result, handle) of a midiOutOpen of the synthesizer (MIDI out device 0)."""
    handle = ctypes.c_void_p()
    result = winmm.midiOutOpen(ctypes.byref(handle), 0, 0, 0, CALLBACK_NULL)
    return result, handle.value or 0


def synth_stats(handle: int) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    winmm.midiOutMessage(handle, SYNTH_GETSTATS, stats, 0)
    return stats


def synth_plays(handle: int, seconds: float) -> bool:
    """Whether the synthesizer renders a second more than its lead within ``seconds``
    of a note-on: its stream is taking what it renders."""
    if winmm.midiOutShortMsg(handle, NOTE_ON):
        return False
    start, deadline = synth_stats(handle)["rendered_frames"], time.monotonic() + seconds
    while time.monotonic() < deadline:
        stats = synth_stats(handle)
        if stats["rendered_frames"] - start > RATE + stats["lead_frames"]:
            return True
        time.sleep(0.05)  # rendering has no event to wait on
    return False


def synthesizer_of(handle: int) -> Any:
    """The FluidSynth instance behind a synthesizer open (reaching into fluidsyn.drv)."""
    open_dev = get_system().open_device(handle, DeviceClass.MIDIOUT)
    assert open_dev is not None
    return open_dev.dwUser.voice.client.synth


def run(ini: str, jackd_pid: int, jackd_name: str) -> dict[str, Any]:
    """Play and record, kill jackd, start it again, and report what came back."""
    # A hang here would otherwise hold the test runner in the pool's shutdown: past this,
    # the child prints every thread's stack and exits, and the test fails with it.
    faulthandler.dump_traceback_later(60, exit=True)
    system = reset_system(ini)
    assert system is not None
    out, rec = Device(True, 0, wave_format()), Device(False, 0, wave_format())
    stale = Device(True, 0, wave_format())  # kept open across the server's death
    report: dict[str, Any] = {"open": (out.result, rec.result)}
    report["synth_open"], synth = open_synth()  # kept open across it too
    report["synth_played"] = synth_plays(synth, 10)
    played = [out.play(tone(440, 1.0)) for _ in range(3)]
    recorded = [Buffer(RATE * 4) for _ in range(3)]
    for b in recorded:
        rec.queue(b)
    winmm.waveInStart(rec.handle)
    mmt = MMTIME(wType=TIME_SAMPLES)
    while mmt.u.sample < RATE // 5:  # some audio really went out before the kill
        winmm.waveOutGetPosition(out.handle, ctypes.byref(mmt), ctypes.sizeof(mmt))
        notifier.flush()

    os.kill(jackd_pid, signal.SIGKILL)
    report["all_done"] = out.notes.wait(WOM_DONE, 3, timeout=10)
    report["done_order_ok"] = [p for m, p in out.notes.items if m == WOM_DONE] == \
        [b.address for b in played]
    report["flags"] = [b.hdr.dwFlags for b in played]
    report["all_data"] = rec.notes.wait(WIM_DATA, 3, timeout=10)
    report["recorded"] = [b.hdr.dwBytesRecorded for b in recorded]

    late = Buffer(b"\0" * 4800)
    size = ctypes.sizeof(WAVEHDR)
    winmm.waveOutPrepareHeader(out.handle, ctypes.byref(late.hdr), size)
    report["late_write"] = winmm.waveOutWrite(out.handle, ctypes.byref(late.hdr), size)
    report["late_start"] = winmm.waveInStart(rec.handle)
    report["close"] = (winmm.waveOutClose(out.handle), winmm.waveInClose(rec.handle))
    report["reopen"] = Device(True, 0, wave_format()).result
    with JackServer(name=jackd_name):
        system.rescan()
        notifier.flush()
        again = Device(True, 0, wave_format())
        report["after_rescan"] = again.result
        old = Buffer(b"\0" * 4800)
        winmm.waveOutPrepareHeader(stale.handle, ctypes.byref(old.hdr), size)
        report["stale_write"] = winmm.waveOutWrite(stale.handle, ctypes.byref(old.hdr), size)
        report["stale_close"] = winmm.waveOutClose(stale.handle)
        # The synthesizer: the stale open is refused, a new one plays on the new stream.
        report["synth_stale"] = winmm.midiOutShortMsg(synth, NOTE_ON)
        fresh_result, fresh = open_synth()
        report["synth_after_rescan"] = fresh_result
        report["synth_played_after_rescan"] = fresh_result == 0 and synth_plays(fresh, 10)
        # The stale open keeps its own synthesizer: its reset and close (which resets the
        # synthesizer to power-on, or frees it) must not reach the new open's.
        report["synth_shared"] = fresh_result == 0 and \
            synthesizer_of(synth) is synthesizer_of(fresh)
        winmm.midiOutReset(synth)
        report["synth_close"] = (winmm.midiOutClose(synth), winmm.midiOutClose(fresh))
        if again.result == 0:
            again.play(tone(440, 0.1))
            report["played_after_rescan"] = again.notes.wait(WOM_DONE, 1, timeout=10)
            report["close_after_rescan"] = winmm.waveOutClose(again.handle)
        portaudio.terminate()  # before the server goes: PortAudio cannot close after it
    return report
