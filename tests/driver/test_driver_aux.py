"""The aux* functions reach an aux driver's ``auxMessage`` with driver-relative ids (spec 2.8;
no bundled driver has aux devices, so a recording test driver stands in)."""

from __future__ import annotations

import ctypes
from ctypes import byref, sizeof

from audiodrv import winmm
from audiodrv.mmsystem import (
    AUX_MAPPER,
    AUXCAPSA,
    AUXCAPSW,
    AUXDM_GETDEVCAPS,
    AUXDM_GETVOLUME,
    AUXDM_SETVOLUME,
    DRV_USER,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_INVALHANDLE,
    MMSYSERR_INVALPARAM,
    MMSYSERR_NOERROR,
)


def aux_calls(env, msg):
    return [(item[1], item[4], item[5]) for item in env.log("cd.drv")
            if item[0] == "aux" and item[2] == msg]


def test_aux_ids_caps_and_volume_reach_the_driver(env):
    env.driver("wave0")
    env.driver("cd", description="aux:CD audio", classes=["aux"])
    env.load([("wave", "wave0.drv"), ("aux", "cd.drv")])
    assert winmm.auxGetNumDevs() == 2
    caps = AUXCAPSW()
    assert winmm.auxGetDevCapsW(1, byref(caps), sizeof(caps)) == MMSYSERR_NOERROR
    assert winmm.auxGetDevCapsA(0, byref(AUXCAPSA()), sizeof(AUXCAPSA)) == MMSYSERR_NOERROR
    assert [dev for dev, *_ in aux_calls(env, AUXDM_GETDEVCAPS)] == [1, 0]
    # B201: a null structure, then an id with no device.
    assert winmm.auxGetDevCapsW(0, None, sizeof(caps)) == MMSYSERR_INVALPARAM
    assert winmm.auxGetDevCapsW(2, byref(caps), sizeof(caps)) == MMSYSERR_BADDEVICEID
    assert winmm.auxGetDevCapsW(AUX_MAPPER, byref(caps), sizeof(caps)) == MMSYSERR_BADDEVICEID
    # B202: volume by id; an unknown id is INVALHANDLE, not BADDEVICEID.
    assert winmm.auxSetVolume(1, 0x8000_4000) == MMSYSERR_NOERROR
    assert aux_calls(env, AUXDM_SETVOLUME) == [(1, 0x8000_4000, 0)]
    volume = ctypes.c_uint32()
    assert winmm.auxGetVolume(0, byref(volume)) == MMSYSERR_NOERROR
    assert [dev for dev, *_ in aux_calls(env, AUXDM_GETVOLUME)] == [0]
    assert winmm.auxGetVolume(0, None) == MMSYSERR_INVALPARAM
    assert winmm.auxGetVolume(2, byref(volume)) == MMSYSERR_INVALHANDLE
    assert winmm.auxSetVolume(2, 0) == MMSYSERR_INVALHANDLE
    # auxOutMessage passes any message as it is.
    assert winmm.auxOutMessage(1, DRV_USER + 5, 11, 22) == MMSYSERR_NOERROR
    assert aux_calls(env, DRV_USER + 5) == [(1, 11, 22)]
    assert winmm.auxOutMessage(7, DRV_USER, 0, 0) == MMSYSERR_INVALHANDLE
