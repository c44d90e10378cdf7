"""OEMSETUP.INF parsing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audiodrv.config.oemsetup import (
    InfDisk,
    InfDriver,
    InfError,
    InfLookupError,
    OemSetup,
    load_oemsetup,
    parse_oemsetup,
    resolve_file,
)

INF = """\
; OEMSETUP.INF for the Example Audio Card
[disks]
1 =. ,"Example Audio Driver Disk 1, drivers",disk1
2 = extra , "Disk 2 ; not a comment" , disk2   ; a real comment
3=\\vxd,Plain label,disk3

[Installable.Drivers]
; key = disk:file, "types", "description", "vxds", "params"
exwave = 1:EXWAVE.DRV, "wave,aux,mixer", "Example Audio, wave and mixer", "2:vexd.386,*vdmad", \
"port=220"
exmidi = 2:exmidi.drv,"midi","Example ""MPU"" MIDI"   ; fewer fields
exvolt = 3:volt.drv, "VOLTMETER[RCC]", "Volt meter",,
"""


@pytest.fixture
def setup() -> OemSetup:
    return parse_oemsetup(INF)


def test_disks(setup: OemSetup) -> None:
    assert setup.disks == {
        "1": InfDisk("1", ".", "Example Audio Driver Disk 1, drivers", "disk1"),
        "2": InfDisk("2", "extra", "Disk 2 ; not a comment", "disk2"),
        "3": InfDisk("3", "\\vxd", "Plain label", "disk3"),
    }


def test_drivers(setup: OemSetup) -> None:
    assert setup.drivers == [
        InfDriver(
            key="exwave",
            disk=setup.disks["1"],
            filename="EXWAVE.DRV",
            types=["wave", "aux", "mixer"],
            description="Example Audio, wave and mixer",
            vxds=["2:vexd.386", "*vdmad"],
            params="port=220",
        ),
        InfDriver("exmidi", setup.disks["2"], "exmidi.drv", ["midi"], 'Example "MPU" MIDI', [], ""),
        InfDriver("exvolt", setup.disks["3"], "volt.drv", ["VOLTMETER[RCC]"], "Volt meter", [], ""),
    ]


def test_section_names_are_case_insensitive_and_others_ignored() -> None:
    text = (
        "[DISKS]\n1=.,x,d\n[other]\nnot an entry at all\n"
        '[installable.DRIVERS]\nk=1:k.drv,"wave","K"\n'
    )
    setup = parse_oemsetup(text)
    assert [d.key for d in setup.drivers] == ["k"]


def test_byte_order_mark_and_crlf() -> None:
    setup = parse_oemsetup("\ufeff[disks]\r\n1=.,a,b\r\n[Installable.Drivers]\r\nk=1:k.drv\r\n")
    assert setup.find("k").disk.label == "a"


def test_drivers_may_come_before_disks() -> None:
    setup = parse_oemsetup('[Installable.Drivers]\nk=A:k.drv,"wave","K"\n[disks]\na=.,x,d\n')
    assert setup.drivers[0].disk.number == "a"


def test_find(setup: OemSetup) -> None:
    assert setup.find("EXMIDI").key == "exmidi"
    assert setup.find("volt METER").key == "exvolt"
    assert setup.find("example audio, WAVE and mixer").key == "exwave"
    with pytest.raises(KeyError) as caught:
        setup.find("nothing")
    assert isinstance(caught.value, InfLookupError)
    message = str(caught.value)
    assert message.startswith("no driver 'nothing' in OEMSETUP.INF; available: ")
    assert "exwave (Example Audio, wave and mixer)" in message
    assert "exmidi" in message and "exvolt" in message


def test_find_in_empty_file() -> None:
    with pytest.raises(KeyError, match="available: none"):
        parse_oemsetup("").find("x")


@pytest.mark.parametrize(
    ("body", "lineno", "problem"),
    [
        ("[disks]\n1=.,a,b\nthis line has no equals\n", 3, "expected 'key = value'"),
        ('[disks]\n1=.,a,b\n[Installable.Drivers]\nk = k.drv, "wave", "K"\n', 4, "disk:file"),
        ('[disks]\n1=.,a,b\n[Installable.Drivers]\nk = 1:, "wave"\n', 4, "disk:file"),
        ("[disks]\n1=.,a,b\n[Installable.Drivers]\nk = :k.drv\n", 4, "disk:file"),
        ('[disks]\n1=., "unterminated, b\n', 2, "unterminated quote"),
        ('[disks]\n1=.,a,b\n[Installable.Drivers]\nk = 1:k.drv, "wave\n', 4, "unterminated"),
        (
            '[disks]\n1=.,a,b\n\n[Installable.Drivers]\nk = 2:k.drv, "wave", "K"\n',
            5,
            r"disk 2 is not in \[disks\] \(defined: 1\)",
        ),
        (
            '[disks]\n1=.,a,b\n[Installable.Drivers]\nk = 1:k.drv,"wave","K","3:v.386"\n',
            4,
            "disk 3 is not in",
        ),
        ("[disks]\n1=.,a,b\n1=.,c,d\n", 3, "disk 1 is defined twice"),
        ("[disks]\n = .,a,b\n", 2, "nothing before '='"),
    ],
)
def test_malformed_lines(body: str, lineno: int, problem: str) -> None:
    with pytest.raises(InfError, match=problem) as caught:
        parse_oemsetup(body, "A:/OEMSETUP.INF")
    error = caught.value
    line = body.splitlines()[lineno - 1]
    assert error.lineno == lineno
    assert error.line == line
    assert error.path == "A:/OEMSETUP.INF"
    assert str(error).startswith(f"A:/OEMSETUP.INF, line {lineno}: ")
    assert repr(line.strip()) in str(error)
    assert isinstance(error, ValueError)


def test_error_without_file_name() -> None:
    with pytest.raises(InfError, match=r"^line 2: expected 'key = value': 'oops'$"):
        parse_oemsetup("[disks]\noops\n")


def test_load_and_resolve(tmp_path: Path) -> None:
    (tmp_path / "extra").mkdir()
    (tmp_path / "vxd").mkdir()
    (tmp_path / "exwave.drv").write_text("# wave")  # the INF says EXWAVE.DRV
    (tmp_path / "extra" / "exmidi.drv").write_text("# midi")
    inf = tmp_path / "OEMSETUP.INF"
    inf.write_bytes(INF.replace("Example Audio Driver", "Caf\xe9 Driver").encode("cp1252"))
    setup = load_oemsetup(inf)
    assert setup.path == inf
    assert setup.disks["1"].label.startswith("Caf\xe9 Driver")
    assert resolve_file(inf, setup.find("exwave")) == tmp_path / "exwave.drv"
    assert resolve_file(inf, setup.find("exmidi")) == tmp_path / "extra" / "exmidi.drv"
    # A missing file resolves to the path as spelled, for the caller's error message.
    assert resolve_file(inf, setup.find("exvolt")) == tmp_path / "vxd" / "volt.drv"


@pytest.mark.parametrize(
    ("disk_path", "expected"),
    [
        ("", "k.drv"),
        (".", "k.drv"),
        ("sub", "sub/k.drv"),
        ("A:\\sub\\", "sub/k.drv"),
        ("/sub", "sub/k.drv"),
        ("sub/./deeper", "sub/deeper/k.drv"),
    ],
)
def test_resolve_disk_paths(tmp_path: Path, disk_path: str, expected: str) -> None:
    driver = InfDriver("k", InfDisk("1", disk_path, "", ""), "k.drv", [], "", [], "")
    assert resolve_file(tmp_path / "OEMSETUP.INF", driver) == tmp_path / expected


def test_load_error_names_the_file(tmp_path: Path) -> None:
    inf = tmp_path / "OEMSETUP.INF"
    inf.write_text("[disks]\n1=.,a,b\n[Installable.Drivers]\nbad line\n")
    with pytest.raises(InfError, match="^" + re.escape(f"{inf}, line 4: ")) as caught:
        load_oemsetup(inf)
    assert caught.value.path == str(inf)
