"""Device-id tables, driver-relative ids, the mapper slot and devnodes."""

from __future__ import annotations

import logging

import audiodrv
from audiodrv.core.devclass import DeviceClass
from audiodrv.mmsystem import (
    DRVM_DISABLE,
    DRVM_ENABLE,
    DRVM_EXIT,
    DRVM_INIT,
    MMSYSERR_BADDEVICEID,
    MMSYSERR_NOERROR,
    MMSYSERR_NOTENABLED,
    WAVE_MAPPER,
    WODM_GETDEVCAPS,
    WODM_GETNUMDEVS,
    WODM_OPEN,
    WODM_WRITE,
)

WOD = DeviceClass.WAVEOUT


def wod_calls(log, msg):
    return [item for item in log if item[0] == "wod" and item[2] == msg]


def test_two_drivers_of_one_class_own_contiguous_ranges(env):
    env.driver("first", numdevs={"a": 2}, devnodes=["a"])
    env.driver("second", numdevs={"b": 3}, devnodes=["b"])
    system = env.load([("wave", "first.drv"), ("wave1", "second.drv")])
    assert system.count(WOD) == 5
    owners = [system.device(WOD, i).owner.filename for i in range(5)]
    assert owners == ["first.drv"] * 2 + ["second.drv"] * 3
    # Driver-relative ids reach each driver.
    for global_id in range(5):
        system.device(WOD, global_id).message(WOD, WODM_GETDEVCAPS, 0, None, 0)
    assert [c[1] for c in wod_calls(env.log("first.drv"), WODM_GETDEVCAPS)] == [0, 1]
    assert [c[1] for c in wod_calls(env.log("second.drv"), WODM_GETDEVCAPS)] == [0, 1, 2]
    assert system.device(WOD, 5) is None
    assert system.device(WOD, WAVE_MAPPER) is None


def test_init_and_getnumdevs_carry_the_devnode(env):
    env.driver("multi", numdevs={"x": 1, "y": 2}, devnodes=["x", "y"])
    system = env.load([("wave", "multi.drv")])
    mod = env.module("multi.drv")
    dn_x, dn_y = mod.DEVNODES
    assert [c[5] for c in wod_calls(mod.LOG, DRVM_INIT)] == [dn_x, dn_y]
    assert [c[4] for c in wod_calls(mod.LOG, WODM_GETNUMDEVS)] == [dn_x, dn_y]
    assert [system.device(WOD, i).devnode.dn for i in range(3)] == [dn_x, dn_y, dn_y]
    assert [system.device(WOD, i).local_id for i in range(3)] == [0, 1, 2]


def test_legacy_driver_gets_devnode_zero(env):
    env.driver("legacy")
    system = env.load([("wave", "legacy.drv")])
    log = env.log("legacy.drv")
    assert [c[5] for c in wod_calls(log, DRVM_INIT)] == [0]
    assert system.count(WOD) == 2 and system.device(WOD, 0).devnode is None


def test_driver_with_no_devices_gets_no_ids(env):
    env.driver("empty", numdevs={"z": 0}, devnodes=["z"])
    env.driver("full", numdevs={"q": 1}, devnodes=["q"])
    system = env.load([("wave", "empty.drv"), ("wave1", "full.drv")])
    assert system.count(WOD) == 1
    assert system.device(WOD, 0).owner.filename == "full.drv"


def test_mapper_takes_the_mapper_slot(env):
    env.driver("phys")
    env.driver("mapper")
    system = env.load([("wave", "phys.drv"), ("WaveMapper", "mapper.drv")])
    assert system.count(WOD) == 2
    mapper = system.device(WOD, WAVE_MAPPER)
    assert mapper.owner.filename == "mapper.drv" and mapper.mapper
    assert system.device(WOD, 0xFFFF) is mapper
    assert system.device(WOD, -1) is mapper
    assert system.global_id(WOD, mapper) == WAVE_MAPPER


def test_disabled_devnode_answers_notenabled_then_comes_back(env):
    env.driver("pnp", numdevs={"card": 1}, devnodes=["card"])
    system = env.load([("wave", "pnp.drv")])
    device = system.device(WOD, 0)
    dn = device.devnode.dn
    system.devnode_changed(dn, False)
    from audiodrv.core.notify import notifier

    notifier.flush()
    log = env.log("pnp.drv")
    assert wod_calls(log, DRVM_DISABLE)[-1][5] == dn
    assert device.message(WOD, WODM_WRITE, 0, None, 0) == MMSYSERR_NOTENABLED
    assert device.message(WOD, WODM_OPEN, None, None, 0) == MMSYSERR_NOTENABLED
    assert device.message(WOD, WODM_GETDEVCAPS, 0, None, 0) == MMSYSERR_NOERROR
    system.devnode_changed(dn, True)
    notifier.flush()
    assert wod_calls(log, DRVM_ENABLE)[-1][5] == dn
    assert device.message(WOD, WODM_WRITE, 0, None, 0) == MMSYSERR_NOERROR


def test_rescan_adds_new_devnodes_and_keeps_ids(env):
    env.driver("pnp", numdevs={"one": 1, "two": 1}, devnodes=["one"])
    system = env.load([("wave", "pnp.drv")])
    mod = env.module("pnp.drv")
    assert system.count(WOD) == 1
    mod.CONFIG["devnodes"].append("two")
    audiodrv.rescan()
    assert system.count(WOD) == 2
    # The first devnode is not initialised twice; the new one is.
    assert len(wod_calls(mod.LOG, DRVM_INIT)) == 2
    assert system.device(WOD, 1).devnode.key == "two"


def test_drvm_exit_at_shutdown_for_each_initialised_devnode(env):
    env.driver("d1", numdevs={"x": 1, "y": 1}, devnodes=["x", "y"])
    system = env.load([("wave", "d1.drv")])
    mod = env.module("d1.drv")
    system.shutdown()
    assert [c[5] for c in wod_calls(mod.LOG, DRVM_EXIT)] == mod.DEVNODES


def test_driver_raising_on_getnumdevs_owns_no_device(env, caplog):
    env.driver("bad", entry_raise_on=WODM_GETNUMDEVS)
    env.driver("good")
    with caplog.at_level(logging.ERROR):
        system = env.load([("wave", "bad.drv"), ("wave1", "good.drv")])
    assert "test driver fault" in caplog.text
    assert system.count(WOD) == 2
    assert {system.device(WOD, i).owner.filename for i in range(2)} == {"good.drv"}


def test_unknown_device_class_message_is_bad_device_id(env):
    env.driver("onlywave")
    system = env.load([("wave", "onlywave.drv")])
    assert system.count(DeviceClass.MIDIOUT) == 0
    device = system.device(WOD, 0)
    assert device.message(DeviceClass.MIDIOUT, 1, 0, 0, 0) == MMSYSERR_BADDEVICEID


def test_handles_are_validated_per_class_and_never_taken_for_ids(env):
    from ctypes import byref, c_void_p, sizeof

    from audiodrv import winmm
    from audiodrv.mmsystem import (
        CALLBACK_NULL,
        MIDIINCAPSA,
        MMSYSERR_INVALHANDLE,
        WAVEFORMATEX,
    )

    env.driver("both", classes=["wod", "mod", "mid"])
    env.load([("wave", "both.drv"), ("midi", "both.drv")])
    fmt = WAVEFORMATEX(wFormatTag=1, nChannels=1, nSamplesPerSec=8000, wBitsPerSample=16,
                       nBlockAlign=2, nAvgBytesPerSec=16000)
    hwo, hmo = c_void_p(), c_void_p()
    assert winmm.waveOutOpen(byref(hwo), 0, byref(fmt), 0, 0, CALLBACK_NULL) == MMSYSERR_NOERROR
    assert winmm.midiOutOpen(byref(hmo), 0, 0, 0, CALLBACK_NULL) == MMSYSERR_NOERROR
    assert winmm.waveOutReset(hwo.value) == MMSYSERR_NOERROR
    # A handle of another class (B15), a foreign value, a handle in place of an id (B14).
    assert winmm.midiOutReset(hwo.value) == MMSYSERR_INVALHANDLE
    assert winmm.waveOutReset(hmo.value) == MMSYSERR_INVALHANDLE
    caps = MIDIINCAPSA()
    assert winmm.midiInGetDevCapsA(0, byref(caps), sizeof(caps)) == MMSYSERR_NOERROR
    assert winmm.midiInGetDevCapsA(hmo.value, byref(caps), sizeof(caps)) == MMSYSERR_BADDEVICEID
    assert winmm.waveOutReset(0x1234) == MMSYSERR_INVALHANDLE
    h2 = c_void_p()
    assert winmm.waveOutOpen(byref(h2), hwo.value, byref(fmt), 0, 0, CALLBACK_NULL) == (
        MMSYSERR_BADDEVICEID)
    # A closed handle is dead.
    assert winmm.waveOutClose(hwo.value) == MMSYSERR_NOERROR
    assert winmm.waveOutReset(hwo.value) == MMSYSERR_INVALHANDLE
    assert winmm.waveOutClose(hwo.value) == MMSYSERR_INVALHANDLE
    assert winmm.midiOutClose(hmo.value) == MMSYSERR_NOERROR


def test_a_driver_none_of_whose_classes_counts_is_closed(env, caplog):
    from fakedrv import driverproc_messages

    from audiodrv.mmsystem import DRV_CLOSE, DRV_DISABLE, DRV_FREE

    bad = env.driver("bad", classes=["wod", "wid"], numdevs={"a": 0x10000}, devnodes=["a"])
    env.driver("half", classes=["wod", "wid"], numdevs={"b": 0x10000, "c": 1},
               devnodes=["b", "c"])
    with caplog.at_level(logging.WARNING):
        system = env.load([("wave", "bad.drv"), ("wave1", "half.drv")])
    assert [loaded.filename for loaded, _mapper in system.members()] == ["half.drv"]
    assert driverproc_messages(bad)[-3:] == [DRV_CLOSE, DRV_DISABLE, DRV_FREE]  # B243
    assert "bad.drv: no device class initialised" in caplog.text
    assert system.count(WOD) == 1 and system.device(WOD, 0).owner.filename == "half.drv"
    assert all(n.owner.filename == "half.drv" for n in system.devnodes())
