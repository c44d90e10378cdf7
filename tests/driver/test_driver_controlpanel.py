"""The Drivers control panel: add, remove, setup, default, limits, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakedrv import driverproc_messages, write_driver

from audiodrv.cli import main
from audiodrv.cli.controlpanel import ControlPanel, ControlPanelError
from audiodrv.mmsystem import (
    DRV_CANCEL,
    DRV_CONFIGURE,
    DRV_INSTALL,
    DRV_OPEN,
    DRV_QUERYCONFIGURE,
    DRV_REMOVE,
    DRV_RESTART,
)


@pytest.fixture
def panel(tmp_path: Path) -> ControlPanel:
    ini = tmp_path / "sys" / "SYSTEM.INI"
    ini.parent.mkdir()
    ini.write_text("; my comment\n[boot]\ndrivers=\n\n[drivers]\n")
    return ControlPanel(ini)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "disk"
    folder.mkdir()
    return folder


def installed_log(panel: ControlPanel, name: str) -> list[int]:
    return driverproc_messages(panel.system_ini.parent / f"{name}.py")


def test_add_sends_drv_install_once_for_several_types(panel, source):
    write_driver(source, "multi", description="wave,aux:Multi card")
    keys, restart = panel.add(source / "multi.py")
    assert keys == ["wave", "aux"] and not restart
    assert installed_log(panel, "multi").count(DRV_INSTALL) == 1
    text = panel.system_ini.read_text()
    assert text.startswith("; my comment\n")
    assert "wave=multi.drv" in text and "aux=multi.drv" in text
    listed = [(d.key, d.description) for d in panel.list()]
    assert listed == [("wave", "Multi card"), ("aux", "Multi card")]
    assert "multi.drv=Multi card" in panel.control_ini.read_text()


def test_second_add_of_same_driver_is_not_installed_again(panel, source):
    write_driver(source, "w", description="wave:W")
    panel.add(source / "w.py")
    keys, _ = panel.add(source / "w.py")
    assert keys == ["wave1"]
    assert installed_log(panel, "w").count(DRV_INSTALL) == 1


def test_drv_cancel_on_install_leaves_ini_unchanged(panel, source):
    before = panel.system_ini.read_text()
    write_driver(source, "shy", description="wave:Shy", raise_on=None)
    # A driver that cancels: DRV_INSTALL answered with DRV_CANCEL (0) by a custom proc.
    (source / "shy.py").write_text(
        "from audiodrv import ddk\nDESCRIPTION = 'wave:Shy'\n"
        "def DriverProc(i, h, m, a, b):\n"
        "    if m == ddk.DRV_INSTALL:\n        return ddk.DRV_CANCEL\n"
        "    return ddk.DefDriverProc(i, h, m, a, b) or (1 if m == ddk.DRV_OPEN else 0)\n"
    )
    with pytest.raises(ControlPanelError, match="cancelled"):
        panel.add(source / "shy.py")
    assert panel.system_ini.read_text() == before


def test_remove_sends_drv_remove_only_for_the_last_entry(panel, source):
    write_driver(source, "multi", description="wave,aux:Multi")
    panel.add(source / "multi.py")
    assert panel.remove("aux") == (["aux"], False, [])
    assert DRV_REMOVE not in installed_log(panel, "multi")
    assert "aux=" not in panel.system_ini.read_text()
    panel.remove("multi.drv")
    assert installed_log(panel, "multi").count(DRV_REMOVE) == 1
    assert panel.list() == []


@pytest.mark.parametrize("kind", ["wave", "midi"])
def test_four_drivers_of_a_kind_at_most(panel, source, kind):
    write_driver(source, "d", description=f"{kind}:D")
    assert [panel.add(source / "d.py")[0] for _ in range(4)] == [
        [kind], [f"{kind}1"], [f"{kind}2"], [f"{kind}3"]]
    before = panel.system_ini.read_text()
    with pytest.raises(ControlPanelError, match=f"already has 4 {kind} drivers"):
        panel.add(source / "d.py")
    assert panel.system_ini.read_text() == before


def test_setup_queries_then_configures_and_driver_edits_its_section(panel, source):
    (source / "cfg.py").write_text(
        "from audiodrv import ddk\nDESCRIPTION = 'wave:Configurable'\nSEEN = []\n"
        "def DriverProc(i, h, m, a, b):\n"
        "    SEEN.append(m)\n"
        "    if m == ddk.DRV_QUERYCONFIGURE:\n        return 1\n"
        "    if m == ddk.DRV_CONFIGURE:\n"
        "        b.ini.set(b.lpszDCISectionName, 'rate', '44100')\n"
        "        return ddk.DRVCNF_OK\n"
        "    return ddk.DefDriverProc(i, h, m, a, b) or (1 if m == ddk.DRV_OPEN else 0)\n"
    )
    panel.add(source / "cfg.py")
    assert panel.setup("cfg.drv") == 1
    assert "[cfg.drv]\nrate=44100" in panel.system_ini.read_text()


def test_setup_of_a_driver_without_settings(panel, source):
    write_driver(source, "plain", description="wave:Plain")
    panel.add(source / "plain.py")
    with pytest.raises(ControlPanelError, match="no settings"):
        panel.setup("wave")
    assert DRV_QUERYCONFIGURE in installed_log(panel, "plain")
    assert DRV_CONFIGURE not in installed_log(panel, "plain")


def test_default_swaps_entries(panel, source):
    write_driver(source, "a", description="wave:A")
    write_driver(source, "b", description="wave:B")
    panel.add(source / "a.py")
    panel.add(source / "b.py")
    assert panel.default("b.drv") == "wave"
    text = panel.system_ini.read_text()
    assert "wave=b.drv" in text and "wave1=a.drv" in text


def test_oemsetup_entry(panel, source):
    write_driver(source, "exwave", description="wave:ignored")
    (source / "OEMSETUP.INF").write_text(
        "[disks]\n1 = ., \"Example disk\", disk1\n\n"
        "[Installable.Drivers]\n"
        "exwave = 1:exwave.py, \"wave,midi\", \"Example Wave, MIDI\", \"\", \"\"\n"
    )
    keys, _ = panel.add(source / "OEMSETUP.INF", "exwave")
    assert keys == ["wave", "midi"]
    assert panel.list()[0].description == "Example Wave, MIDI"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("DESCRIPTION = 'wave:x'\n", "exports no DriverProc"),
        ("def DriverProc(*a):\n    return 1\nDESCRIPTION = 'nocolon'\n", "colon"),
    ],
)
def test_bad_driver_files_leave_ini_unchanged(panel, source, content, message):
    before = panel.system_ini.read_text()
    path = source / "bad.py"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ControlPanelError, match=message):
        panel.add(path)
    assert panel.system_ini.read_text() == before


def test_malformed_inf_names_the_line(panel, source):
    (source / "OEMSETUP.INF").write_text("[Installable.Drivers]\nbroken line\n")
    with pytest.raises(ControlPanelError, match="line 2"):
        panel.add(source / "OEMSETUP.INF")


def test_unwritable_ini_is_a_clear_error(panel, source, tmp_path):
    write_driver(source, "w", description="wave:W")
    bad = tmp_path / "dir-instead"
    bad.mkdir()
    (bad / "SYSTEM.INI").mkdir()  # a folder where the file should be: the save fails
    with pytest.raises(ControlPanelError, match="cannot"):
        ControlPanel(bad / "SYSTEM.INI").add(source / "w.py")


def test_cli_reports_errors_readably(panel, capsys):
    assert main(["drivers", "--ini", str(panel.system_ini), "remove", "nothing"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("audiodrv: no driver entry 'nothing'")


def test_cli_list(panel, source, capsys):
    write_driver(source, "w", description="wave:Wave thing")
    assert main(["drivers", "--ini", str(panel.system_ini), "add", str(source / "w.py")]) == 0
    assert main(["drivers", "--ini", str(panel.system_ini), "list"]) == 0
    out = capsys.readouterr().out
    assert "wave   w.drv   drivers  Wave thing" in out


def answering(source: Path, name: str, msg: int, answer: int) -> Path:
    """A driver file that answers ``msg`` with ``answer`` and defaults otherwise."""
    path = source / f"{name}.py"
    path.write_text(
        f"from audiodrv import ddk\nDESCRIPTION = 'wave:{name}'\n"
        "def DriverProc(i, h, m, a, b):\n"
        f"    if m == {int(msg)}:\n        return {int(answer)}\n"
        "    return ddk.DefDriverProc(i, h, m, a, b) or (1 if m == ddk.DRV_OPEN else 0)\n"
    )
    return path


def test_drv_restart_is_reported_by_add_and_remove(panel, source, capsys):
    ini = str(panel.system_ini)
    assert main(["drivers", "--ini", ini, "add", str(answering(source, "ri", DRV_INSTALL,
                                                                   DRV_RESTART))]) == 0
    assert "restart" in capsys.readouterr().out
    answering(panel.system_ini.parent, "ri", DRV_REMOVE, DRV_RESTART)
    assert panel.remove("ri.drv") == (["wave"], True, [])


def test_drv_cancel_on_remove_leaves_ini_unchanged(panel, source):
    panel.add(answering(source, "stay", DRV_REMOVE, DRV_CANCEL))
    before = panel.system_ini.read_text()
    with pytest.raises(ControlPanelError, match="refused to be removed"):
        panel.remove("wave")
    assert panel.system_ini.read_text() == before


def test_other_system_ini_sections_are_not_drivers(panel, source):
    with panel.system_ini.open("a") as f:
        f.write("[386Enh]\ndevice=*vpicd\n\n[keyboard]\ntype=4\n\n[mci]\n"
                "WaveAudio=mciwave.drv\n")
    write_driver(source, "w", description="wave:W")
    panel.add(source / "w.py")
    assert [(d.key, d.section) for d in panel.list()] == [("wave", "drivers"),
                                                          ("WaveAudio", "mci")]
    with pytest.raises(ControlPanelError, match="no driver entry 'device'"):
        panel.remove("device")


def test_stale_entry_of_a_missing_driver_is_removed_with_a_warning(panel):
    with panel.system_ini.open("a") as f:
        f.write("wave=gone.drv\n")
    keys, restart, warnings = panel.remove("wave")
    assert keys == ["wave"] and not restart
    assert len(warnings) == 1 and "'gone.drv' not found" in warnings[0]
    assert "gone.drv" not in panel.system_ini.read_text()


def test_driver_that_refuses_to_open_is_named_precisely(panel, source):
    with pytest.raises(ControlPanelError, match=r"refused to load or open \(DRV_LOAD"):
        panel.add(answering(source, "closed", DRV_OPEN, 0))


def test_unwritable_control_ini_leaves_system_ini_unchanged(panel, source):
    panel.control_ini.symlink_to("/proc/version")  # readable, but no file can be made there
    before = panel.system_ini.read_bytes()
    write_driver(source, "w", description="wave:W")
    with pytest.raises(ControlPanelError, match="cannot write"):
        panel.add(source / "w.py")
    assert panel.system_ini.read_bytes() == before


def test_inf_naming_a_binary_driver_is_refused_before_copying(panel, source):
    (source / "OEMSETUP.INF").write_text(
        "[disks]\n1 = ., \"Example disk\", disk1\n\n[Installable.Drivers]\n"
        "bin = 1:EXDRV.DRV, \"wave\", \"A Win 3.1 binary\", \"\", \"\"\n"
    )
    (source / "EXDRV.DRV").write_bytes(b"MZ")
    with pytest.raises(ControlPanelError, match="Python file"):
        panel.add(source / "OEMSETUP.INF")
    assert not (panel.system_ini.parent / "EXDRV.DRV").exists()


def test_remove_and_default_leave_other_entries_of_a_duplicate_key(panel, source):
    for name in ("a", "b"):
        write_driver(source, name, description=f"wave:{name}")
        panel.add(source / f"{name}.py")
    with panel.system_ini.open("a") as f:
        f.write("wave=b.drv  fast\n")  # a duplicate key, as Windows allows
    assert panel.default("b.drv") == "wave"
    entries = [(d.key, d.filename) for d in panel.list()]
    assert entries == [("wave", "b.drv"), ("wave1", "a.drv"), ("wave", "b.drv")]
    assert panel.remove("a.drv")[0] == ["wave1"]
    assert "wave=b.drv  fast" in panel.system_ini.read_text()
