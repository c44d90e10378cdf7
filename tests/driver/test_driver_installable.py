"""OpenDriver / CloseDriver / SendDriverMessage: message order, use counts, failures."""

from __future__ import annotations

import ctypes
import logging

from fakedrv import driverproc_messages

from audiodrv import winmm
from audiodrv.mmsystem import (
    DRIVERINFOSTRUCT,
    DRV_CLOSE,
    DRV_CONFIGURE,
    DRV_DISABLE,
    DRV_ENABLE,
    DRV_FREE,
    DRV_INSTALL,
    DRV_LOAD,
    DRV_OPEN,
    DRV_POWER,
    DRV_QUERYCONFIGURE,
    DRV_REMOVE,
    DRV_USER,
    GND_REVERSE,
)


def messages(log, entry="DriverProc"):
    return [item[2] for item in log if item[0] == entry]


def test_first_open_loads_enables_opens_and_last_close_frees(env):
    env.driver("rec", classes=[])
    env.load([])
    h1 = winmm.OpenDriver("rec.drv")
    h2 = winmm.OpenDriver("rec.drv some options")
    assert h1 and h2 and h1 != h2
    log = env.log("rec.drv")
    assert messages(log) == [DRV_LOAD, DRV_ENABLE, DRV_OPEN, DRV_OPEN]
    # The argument string after the file name reaches DRV_OPEN as lParam1.
    assert log[3][3] == "some options"
    assert winmm.CloseDriver(h1, 0, 0) == 1
    assert messages(log)[4:] == [DRV_CLOSE]
    assert winmm.CloseDriver(h2, 7, 8) == 1
    assert messages(log)[5:] == [DRV_CLOSE, DRV_DISABLE, DRV_FREE]
    assert log[5][3:] == (7, 8)


def test_drv_open_result_is_the_driver_id_of_later_messages(env):
    env.driver("rec", classes=[], open=0xBEEF)
    env.load([])
    h = winmm.OpenDriver("rec.drv")
    winmm.SendDriverMessage(h, DRV_QUERYCONFIGURE, 1, 2)
    log = env.log("rec.drv")
    assert log[-1] == ("DriverProc", 0xBEEF, DRV_QUERYCONFIGURE, 1, 2)
    # LOAD and ENABLE carry dwDriverID 0: no instance exists yet.
    assert [item[1] for item in log[:2]] == [0, 0]
    winmm.CloseDriver(h)
    assert [item[1] for item in log[-3:]] == [0xBEEF] * 3


def test_drv_open_may_return_any_object_as_the_driver_id(env):
    env.driver("rec", classes=[], open=("instance", 7))
    env.load([])
    h = winmm.OpenDriver("rec.drv")
    assert h
    winmm.SendDriverMessage(h, DRV_QUERYCONFIGURE, 0, 0)
    assert env.log("rec.drv")[-1][1] == ("instance", 7)
    assert winmm.CloseDriver(h) == 1


def test_one_module_under_several_names_is_loaded_once(env):
    path = env.driver("rec", classes=[])
    env.load([])
    handles = [winmm.OpenDriver(name) for name in ("rec.drv", str(path), "REC.DRV")]
    assert all(handles) and len(set(handles)) == 3
    assert messages(env.log("rec.drv")) == [DRV_LOAD, DRV_ENABLE] + [DRV_OPEN] * 3
    log = env.log("rec.drv")
    for h in handles:
        assert winmm.CloseDriver(h) == 1
    assert messages(log)[5:] == [DRV_CLOSE] * 3 + [DRV_DISABLE, DRV_FREE]


def test_private_message_with_a_non_integer_result_is_contained(env, caplog):
    (env.folder / "odd.py").write_text(
        "DESCRIPTION = 'wave:odd'\n"
        "def DriverProc(dwDriverID, hDriver, wMessage, lParam1, lParam2):\n"
        "    return 'not a number' if wMessage == 0x4001 else 1\n"
    )
    env.load([])
    h = winmm.OpenDriver("odd.drv")
    with caplog.at_level(logging.ERROR):
        assert winmm.SendDriverMessage(h, 0x4001, 0, 0) == 0
    assert "ValueError" in caplog.text
    assert winmm.CloseDriver(h) == 1


def test_drv_load_failure_unloads_without_free(env):
    path = env.driver("rec", classes=[], load=0)
    env.load([])
    assert winmm.OpenDriver("rec.drv") == 0
    assert env.system.drivers.loaded() == []
    assert driverproc_messages(path) == [DRV_LOAD]


def test_unloaded_driver_starts_afresh_on_the_next_load(env):
    path = env.driver("rec", classes=[])
    env.load([])
    h = winmm.OpenDriver("rec.drv")
    first = env.module("rec.drv")
    winmm.CloseDriver(h)
    h = winmm.OpenDriver("rec.drv")
    # Like a DLL freed and loaded again: module state does not survive DRV_FREE.
    assert env.module("rec.drv") is not first
    assert messages(env.log("rec.drv")) == [DRV_LOAD, DRV_ENABLE, DRV_OPEN]
    assert driverproc_messages(path).count(DRV_FREE) == 1


def test_drv_open_failure_fails_the_open(env):
    env.driver("rec", classes=[], open=0)
    env.load([])
    assert winmm.OpenDriver("rec.drv") == 0
    assert env.system.drivers.loaded() == []


def test_drv_close_returning_zero_keeps_the_instance(env):
    env.driver("rec", classes=[], close=0)
    env.load([])
    h = winmm.OpenDriver("rec.drv")
    assert winmm.CloseDriver(h) == 0
    assert winmm.SendDriverMessage(h, DRV_USER + 1, 0, 0) == (DRV_USER + 1) ^ 0xABCD
    assert DRV_FREE not in messages(env.log("rec.drv"))


def test_private_messages_pass_through_unchanged(env):
    env.driver("rec", classes=[])
    env.load([])
    h = winmm.OpenDriver("rec.drv")
    payload = object()
    assert winmm.SendDriverMessage(h, DRV_USER + 5, payload, 99) == (DRV_USER + 5) ^ 0xABCD
    assert env.log("rec.drv")[-1] == ("DriverProc", 0x5150, DRV_USER + 5, payload, 99)


def test_invalid_and_closed_handles(env):
    env.driver("rec", classes=[])
    env.load([])
    assert winmm.SendDriverMessage(0x1234, DRV_USER, 0, 0) == 0
    assert winmm.CloseDriver(0x1234) == 0
    h = winmm.OpenDriver("rec.drv")
    assert winmm.CloseDriver(h) == 1
    assert winmm.CloseDriver(h) == 0
    assert winmm.SendDriverMessage(h, DRV_USER, 0, 0) == 0
    assert winmm.GetDriverModuleHandle(h) == 0


def test_raising_driver_is_contained(env, caplog):
    env.driver("rec", classes=[], raise_on=DRV_CONFIGURE)
    env.load([])
    h = winmm.OpenDriver("rec.drv")
    with caplog.at_level(logging.ERROR):
        assert winmm.SendDriverMessage(h, DRV_CONFIGURE, 0, 0) == 0
    assert "test driver fault" in caplog.text
    assert winmm.CloseDriver(h) == 1


def test_raising_drv_load_fails_the_open(env, caplog):
    env.driver("rec", classes=[], raise_on=DRV_LOAD)
    env.load([])
    with caplog.at_level(logging.ERROR):
        assert winmm.OpenDriver("rec.drv") == 0
    assert "Traceback" in caplog.text


def test_missing_driver_and_module_without_driverproc(env, caplog):
    (env.folder / "nodp.py").write_text("DESCRIPTION = 'wave:x'\n")
    env.load([])
    with caplog.at_level(logging.WARNING):
        assert winmm.OpenDriver("nothere.drv") == 0
        assert winmm.OpenDriver("nodp.drv") == 0
    assert "not found" in caplog.text and "exports no DriverProc" in caplog.text


def test_alias_lookup_in_system_ini_section(env):
    env.driver("rec", classes=[])
    env.load([])
    (env.folder / "SYSTEM.INI").write_text("[drivers]\n[mydrivers]\nVoltmeter=rec.drv -v\n")
    from audiodrv.core.system import reset_system

    env.system = reset_system(env.folder / "SYSTEM.INI")
    h = winmm.OpenDriver("voltmeter", "mydrivers", 0)
    assert h
    assert env.log("rec.drv")[2][3] == "-v"
    info = DRIVERINFOSTRUCT(length=ctypes.sizeof(DRIVERINFOSTRUCT))
    assert winmm.GetDriverInfo(h, ctypes.byref(info)) == 1
    assert info.hDriver == h and info.szAliasName == b"voltmeter"
    assert info.hModule == winmm.GetDriverModuleHandle(h) != 0


def test_boot_drivers_are_loaded_and_enabled_not_opened(env):
    env.driver("boot1", classes=[])
    env.load([], boot="boot1.drv")
    assert messages(env.log("boot1.drv")) == [DRV_LOAD, DRV_ENABLE]
    h = winmm.OpenDriver("boot1.drv")
    winmm.CloseDriver(h)
    # A boot driver stays loaded after its last instance closes.
    assert messages(env.log("boot1.drv")) == [DRV_LOAD, DRV_ENABLE, DRV_OPEN, DRV_CLOSE]


def test_power_broadcast_reaches_every_driver(env):
    env.driver("a", classes=[])
    env.driver("b", classes=[])
    env.driver("c", classes=[])
    env.load([], boot="c.drv")
    ha, hb = winmm.OpenDriver("a.drv"), winmm.OpenDriver("b.drv")
    winmm.DrvPowerBroadcast(1, 0)
    for name in ("a.drv", "b.drv", "c.drv"):
        assert messages(env.log(name))[-1] == DRV_POWER
    assert winmm.GetNextDriver(0, 0) == ha
    assert winmm.GetNextDriver(ha, 0) == hb
    assert winmm.GetNextDriver(hb, 0) == 0
    assert winmm.GetNextDriver(0, GND_REVERSE) == hb


def test_shutdown_closes_in_reverse_load_order(env):
    env.driver("a", classes=[])
    env.driver("b", classes=[])
    system = env.load([])
    winmm.OpenDriver("a.drv")
    winmm.OpenDriver("b.drv")
    mods = {n: env.module(n) for n in ("a.drv", "b.drv")}
    system.shutdown()
    for mod in mods.values():
        assert messages(mod.LOG)[-3:] == [DRV_CLOSE, DRV_DISABLE, DRV_FREE]
    close_a = next(t for t, m in mods["a.drv"].STAMPS if m == DRV_CLOSE)
    free_b = next(t for t, m in mods["b.drv"].STAMPS if m == DRV_FREE)
    assert free_b < close_a


def test_def_driver_proc():
    for msg in (DRV_LOAD, DRV_FREE, DRV_ENABLE, DRV_DISABLE, DRV_INSTALL, DRV_REMOVE):
        assert winmm.DefDriverProc(0, 0, msg, 0, 0) == 1
    for msg in (DRV_OPEN, DRV_CLOSE, DRV_QUERYCONFIGURE, DRV_CONFIGURE, DRV_POWER, DRV_USER + 1):
        assert winmm.DefDriverProc(0, 0, msg, 0, 0) == 0


def test_a_loaded_driver_opens_again_by_name_after_its_file_is_gone(env):
    path = env.driver("rec", classes=[])
    env.load([])
    h1 = winmm.OpenDriver("rec.drv")
    path.unlink()  # loaded like a DLL in memory: the name needs no search any more
    h2 = winmm.OpenDriver("rec.drv")
    assert h1 and h2
    assert messages(env.log("rec.drv")) == [DRV_LOAD, DRV_ENABLE, DRV_OPEN, DRV_OPEN]
    assert winmm.CloseDriver(h2) == 1 and winmm.CloseDriver(h1) == 1
