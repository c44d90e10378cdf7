"""SYSTEM.INI and CONTROL.INI semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiodrv.config import system
from audiodrv.config.ini import IniFile
from audiodrv.config.system import (
    DEFAULT_DRIVERS,
    Description,
    DriverEntry,
    DriverLimitError,
    boot_drivers,
    cache_description,
    cached_description,
    control_ini_path,
    driver_entries,
    driver_section_name,
    ensure_system_ini,
    entry_kind,
    entry_section,
    next_entry_key,
    parse_description,
    system_ini_path,
)

# -- paths ------------------------------------------------------------------------------------


def test_system_ini_path_from_audiodrv_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", "/etc/audio/system.ini")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/xdg")
    assert system_ini_path() == Path("/etc/audio/system.ini")


def test_system_ini_path_expands_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", "~/my.ini")
    assert system_ini_path() == tmp_path / "my.ini"


def test_system_ini_path_from_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIODRV_SYSTEM_INI", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/xdg")
    assert system_ini_path() == Path("/xdg/audiodrv/SYSTEM.INI")


@pytest.mark.parametrize("xdg", [None, "", "relative/dir"])
def test_system_ini_path_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str | None
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", "")  # empty counts as unset
    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    assert system_ini_path() == tmp_path / ".config" / "audiodrv" / "SYSTEM.INI"


def test_control_ini_path(tmp_path: Path) -> None:
    assert control_ini_path(tmp_path / "SYSTEM.INI") == tmp_path / "CONTROL.INI"
    (tmp_path / "control.ini").write_text("")
    assert control_ini_path(tmp_path / "system.ini") == tmp_path / "control.ini"


# -- ensure_system_ini --------------------------------------------------------------------------


def test_ensure_system_ini_writes_defaults_once(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "SYSTEM.INI"
    ini = ensure_system_ini(path)
    text = path.read_text()
    assert text.startswith(";")
    assert ini.sections() == ["boot", "drivers"]
    assert ini.get("boot", "drivers") == ""
    assert boot_drivers(ini) == []
    assert ini.items("drivers") == DEFAULT_DRIVERS
    assert not ini.has_section("drivers.description")  # that lives in CONTROL.INI

    path.write_text("; mine\n[drivers]\nwave=custom.drv\n")
    again = ensure_system_ini(path)
    assert path.read_text() == "; mine\n[drivers]\nwave=custom.drv\n"
    assert again.items("drivers") == [("wave", "custom.drv")]


def test_ensure_system_ini_default_location(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AUDIODRV_SYSTEM_INI", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    ensure_system_ini()
    assert (tmp_path / "audiodrv" / "SYSTEM.INI").is_file()


def test_ensure_system_ini_follows_default_drivers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(system, "DEFAULT_DRIVERS", [("wave", "a.drv"), ("midi", "b.drv")])
    ini = ensure_system_ini(tmp_path / "SYSTEM.INI")
    assert [e.filename for e in driver_entries(ini)] == ["a.drv", "b.drv"]


# -- [drivers] and [boot] ---------------------------------------------------------------------

DRIVERS = """\
[boot]
drivers=  timer.drv   sndpa.drv
[drivers]
Wave=sndpa.drv device=3  latency=low
wave1=net.drv
MIDI=rtmidi.drv
aux=
mixer2=mix.drv
WaveMapper=wavemap.drv
MidiMapper=midimap.drv
timer=timer.drv
VOLTMETER1=volt.drv
[mci]
CDAudio=mcicda.drv
"""


def test_driver_entries_in_file_order() -> None:
    entries = driver_entries(IniFile.parse(DRIVERS))
    assert entries[0] == DriverEntry("Wave", "sndpa.drv", "device=3  latency=low", "wave")
    assert [(e.key, e.filename, e.options, e.kind) for e in entries[1:]] == [
        ("wave1", "net.drv", "", "wave"),
        ("MIDI", "rtmidi.drv", "", "midi"),
        # aux= (empty) names no driver
        ("mixer2", "mix.drv", "", "mixer"),
        ("WaveMapper", "wavemap.drv", "", "wavemapper"),
        ("MidiMapper", "midimap.drv", "", "midimapper"),
        ("timer", "timer.drv", "", "timer"),
        ("VOLTMETER1", "volt.drv", "", "voltmeter"),
    ]


def test_driver_entries_of_other_section() -> None:
    ini = IniFile.parse(DRIVERS)
    assert driver_entries(ini, "MCI") == [DriverEntry("CDAudio", "mcicda.drv", "", "mci")]
    assert driver_entries(ini, "missing") == []


def test_driver_entry_is_frozen() -> None:
    entry = DriverEntry("wave", "sndpa.drv", "", "wave")
    with pytest.raises(AttributeError):
        entry.key = "midi"  # type: ignore[misc]


def test_boot_drivers() -> None:
    assert boot_drivers(IniFile.parse(DRIVERS)) == ["timer.drv", "sndpa.drv"]
    assert boot_drivers(IniFile()) == []


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("wave", "wave"),
        ("Wave3", "wave"),
        ("MIDI1", "midi"),
        ("aux", "aux"),
        ("Mixer3", "mixer"),
        ("WaveMapper", "wavemapper"),
        ("midimapper", "midimapper"),
        ("CDAudio", "mci"),
        ("waveaudio2", "mci"),
        ("Sequencer", "mci"),
        ("timer", "timer"),
        ("RCC12", "rcc"),
    ],
)
def test_entry_kind(key: str, kind: str) -> None:
    assert entry_kind(key) == kind


# -- next_entry_key and limits ----------------------------------------------------------------


def test_next_entry_key_fills_in_order() -> None:
    ini = IniFile.parse(DRIVERS)
    assert next_entry_key(ini, "wave") == "wave2"
    assert next_entry_key(ini, "MIDI") == "midi1"
    assert next_entry_key(ini, "aux") == "aux"  # aux= is empty, so free
    assert next_entry_key(ini, "mixer") == "mixer"
    assert next_entry_key(IniFile(), "wave") == "wave"
    assert next_entry_key(ini, "timer") == "timer1"
    assert next_entry_key(ini, "cdaudio") == "cdaudio1"


def test_next_entry_key_reuses_a_gap() -> None:
    ini = IniFile.parse("[drivers]\nwave=a.drv\nwave2=c.drv\n")
    assert next_entry_key(ini, "wave") == "wave1"


def test_wave_limit_message() -> None:
    ini = IniFile.parse("[drivers]\nwave=a\nwave1=b\nwave2=c\nwave3=d\nmidi=e\n")
    with pytest.raises(DriverLimitError) as caught:
        next_entry_key(ini, "wave")
    assert str(caught.value) == (
        "SYSTEM.INI already has 4 wave drivers (wave, wave1, wave2, wave3); remove one first"
    )
    assert isinstance(caught.value, ValueError)


def test_midi_limit_message_uses_file_spelling() -> None:
    ini = IniFile.parse("[drivers]\nMIDI=a\nmidi3=d\nMidi1=b\nmidi2=c\n")
    with pytest.raises(
        DriverLimitError,
        match=r"^SYSTEM.INI already has 4 midi drivers "
        r"\(MIDI, Midi1, midi2, midi3\); remove one first$",
    ):
        next_entry_key(ini, "midi")


def test_mci_limit_is_ten_per_type_in_mci_section() -> None:
    lines = "".join(f"cdaudio{n or ''}=mcicda.drv\n" for n in range(10))
    ini = IniFile.parse(f"[mci]\n{lines}waveaudio=mciwave.drv\n")
    expected = ", ".join(["cdaudio"] + [f"cdaudio{n}" for n in range(1, 10)])
    with pytest.raises(DriverLimitError) as caught:
        next_entry_key(ini, "cdaudio")
    assert str(caught.value) == (
        f"SYSTEM.INI already has 10 cdaudio drivers ({expected}) in [mci]; remove one first"
    )
    assert next_entry_key(ini, "WaveAudio") == "WaveAudio1"
    nine = IniFile.parse("[mci]\n" + "".join(f"cdaudio{n or ''}=x\n" for n in range(9)))
    assert next_entry_key(nine, "cdaudio") == "cdaudio9"


def test_mapper_allows_one_entry() -> None:
    ini = IniFile.parse(DRIVERS)
    with pytest.raises(DriverLimitError) as caught:
        next_entry_key(ini, "wavemapper")
    assert str(caught.value) == (
        "SYSTEM.INI already has a WaveMapper driver (WaveMapper); remove it first"
    )
    assert next_entry_key(IniFile(), "MIDIMAPPER") == "MidiMapper"


def test_aux_and_mixer_limit_is_four() -> None:
    for kind in ("aux", "mixer"):
        ini = IniFile.parse("[drivers]\n" + "".join(f"{kind}{n or ''}=x\n" for n in range(4)))
        with pytest.raises(DriverLimitError, match=f"4 {kind} drivers"):
            next_entry_key(ini, kind)


def test_next_entry_key_in_a_named_section() -> None:
    ini = IniFile.parse("[RCC]\nVOLTMETER=volt.drv\n")
    assert next_entry_key(ini, "VOLTMETER", section="RCC") == "VOLTMETER1"
    assert next_entry_key(ini, "VOLTMETER") == "VOLTMETER"  # [drivers] has none


# -- descriptions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "types", "description"),
    [
        (
            "wave,aux,mixer:Sound Blaster",
            [("wave", None), ("aux", None), ("mixer", None)],
            "Sound Blaster",
        ),
        ("VOLTMETER[RCC]:Volt meter", [("VOLTMETER", "RCC")], "Volt meter"),
        (
            " wave , VOLTMETER [ RCC ] : Two: with colon ",
            [("wave", None), ("VOLTMETER", "RCC")],
            "Two: with colon",
        ),
        ("midi:", [("midi", None)], ""),
    ],
)
def test_parse_description(
    text: str, types: list[tuple[str, str | None]], description: str
) -> None:
    parsed = parse_description(text)
    assert parsed == Description(types, description)


def test_description_str_round_trips() -> None:
    for text in ("wave,aux,mixer:Sound Blaster", "VOLTMETER[RCC],wave:Volt meter"):
        assert str(parse_description(text)) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Sound Blaster", r"has no ':' between the device types and the text"),
        (":Sound Blaster", r"names no device type before ':'"),
        ("  :x", r"names no device type"),
        ("wave,,midi:x", r"device type 2 is empty"),
        ("wave,:x", r"device type 2 is empty"),
        ("VOLT[RCC:x", r"'VOLT\[RCC' is neither 'type' nor 'type\[section\]'"),
        ("VOLT[]:x", r"'VOLT\[\]' is neither"),
        ("[RCC]:x", r"'\[RCC\]' is neither"),
        ("VOLT[RCC]x:y", r"is neither"),
    ],
)
def test_parse_description_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_description(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    ("type_", "section", "expected"),
    [
        ("wave", None, "drivers"),
        ("VOLTMETER", "RCC", "RCC"),
        ("VOLTMETER", None, "drivers"),
        ("wave", "", "drivers"),
        ("CDAudio", None, "mci"),
    ],
)
def test_entry_section(type_: str, section: str | None, expected: str) -> None:
    assert entry_section(type_, section) == expected


def test_description_section_flows_to_entry_key() -> None:
    ((type_, section),) = parse_description("VOLTMETER[RCC]:Volt meter").types
    ini = IniFile()
    where = entry_section(type_, section)
    ini.set(where, next_entry_key(ini, type_, where), "volt.drv")
    assert ini.text() == "[RCC]\nVOLTMETER=volt.drv\n"


# -- driver sections and CONTROL.INI ----------------------------------------------------------


def test_driver_section_name() -> None:
    assert driver_section_name("sndpa.drv") == "sndpa.drv"
    assert driver_section_name("C:\\WINDOWS\\SYSTEM\\SNDBLST.DRV") == "SNDBLST.DRV"
    assert driver_section_name("/opt/drivers/net.drv") == "net.drv"


def test_description_cache(tmp_path: Path) -> None:
    path = control_ini_path(tmp_path / "SYSTEM.INI")
    control = IniFile.load(path)
    assert cached_description(control, "sndpa.drv") is None
    cache_description(control, "sndpa.drv", "PortAudio wave driver")
    cache_description(control, "net.drv", "Network: RTP, 100%")
    cache_description(control, "SNDPA.DRV", "PortAudio wave driver v2")  # same file
    control.save(path)
    assert path.read_text() == (
        "[drivers.description]\nsndpa.drv=PortAudio wave driver v2\nnet.drv=Network: RTP, 100%\n"
    )
    reread = IniFile.load(path)
    assert cached_description(reread, "Sndpa.Drv") == "PortAudio wave driver v2"
    assert cached_description(reread, "net.drv") == "Network: RTP, 100%"
    assert cached_description(IniFile.parse("[drivers.description]\nx.drv=\n"), "x.drv") is None
