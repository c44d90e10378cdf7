"""IniFile: Windows profile semantics and byte-for-byte rewrites."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from audiodrv.config.ini import IniFile

SAMPLE = (
    "; written by hand\r\n"
    "stray line before any section\r\n"
    "orphan=1\r\n"
    "\r\n"
    "[boot]\r\n"
    "drivers=mmsystem.dll  sndpa.drv\r\n"
    "\r\n"
    "[Drivers]\r\n"
    "; the wave drivers\r\n"
    "Wave = sndpa.drv device=3 ; not a comment\r\n"
    "wave1=net.drv\r\n"
    "MIDI=rtmidi.drv\r\n"
    "midi=second.drv\r\n"
    "a line without an equals sign\r\n"
    "path=%WINDIR%\\system:1\r\n"
    '  quoted = "  spaced  "  \r\n'
    "single='x'\r\n"
    "\r\n"
    "\r\n"
    "[sndpa.drv]\r\n"
    "latency=low\r\n"
)


@pytest.fixture
def ini() -> IniFile:
    return IniFile.parse(SAMPLE)


def test_round_trip_is_byte_for_byte(ini: IniFile) -> None:
    assert ini.text() == SAMPLE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "[a]\nx=1",  # no final line ending
        "[a]\rx=1\r",  # old Mac endings
        "[a]\r\nx=1\n\ry=2\r\n",  # mixed endings, kept per line
        "\ufeff[a]\r\nx=1\r\n",  # UTF-8 byte order mark
        "[a] trailing text after the bracket\nx = 1  \n[broken\n=novalue\n",
        "\t; indented comment\n   \n[ spaced ]\n\tkey\t=\tvalue\t\n",
    ],
)
def test_round_trip_edge_cases(text: str) -> None:
    assert IniFile.parse(text).text() == text


def test_sections_case_insensitive_with_original_spelling(ini: IniFile) -> None:
    assert ini.sections() == ["boot", "Drivers", "sndpa.drv"]
    assert ini.has_section("DRIVERS") and "drivers" in ini and "SNDPA.DRV" in ini
    assert "nope" not in ini and 3 not in ini  # type: ignore[operator]


def test_keys_keep_order_duplicates_and_spelling(ini: IniFile) -> None:
    assert ini.keys("drivers") == ["Wave", "wave1", "MIDI", "midi", "path", "quoted", "single"]
    assert ini.keys("missing") == []


def test_lines_before_first_section_belong_to_no_section(ini: IniFile) -> None:
    assert all(ini.get(s, "orphan") is None for s in ini.sections())


def test_get_is_case_insensitive_and_first_match_wins(ini: IniFile) -> None:
    assert ini.get("DRIVERS", "wave") == "sndpa.drv device=3 ; not a comment"
    assert ini.get("drivers", "midi") == "rtmidi.drv"
    assert ini.get_all("drivers", "Midi") == ["rtmidi.drv", "second.drv"]
    assert ini.get("drivers", "absent") is None
    assert ini.get("drivers", "absent", "dflt") == "dflt"
    assert ini.get("absent", "wave", "dflt") == "dflt"
    assert ini.get_all("absent", "wave") == []


def test_percent_and_colon_are_literal(ini: IniFile) -> None:
    assert ini.get("drivers", "path") == "%WINDIR%\\system:1"


def test_quotes_are_stripped_once(ini: IniFile) -> None:
    assert ini.get("drivers", "quoted") == "  spaced  "
    assert ini.get("drivers", "single") == "x"
    parsed = IniFile.parse('[s]\na=""x""\nb="x\nc="\nd=x"\ne="a\'\n')
    assert [v for _, v in parsed.items("s")] == ['"x"', '"x', '"', 'x"', "\"a'"]


def test_items_unquote(ini: IniFile) -> None:
    assert ini.items("sndpa.drv") == [("latency", "low")]
    assert ("quoted", "  spaced  ") in ini.items("drivers")


def test_bracket_line_without_close_is_not_a_header() -> None:
    ini = IniFile.parse("[a]\n[broken\nx=1\n")
    assert ini.sections() == ["a"]
    assert ini.get("a", "x") == "1"


def test_empty_key_is_not_an_entry() -> None:
    ini = IniFile.parse("[a]\n=value\n")
    assert ini.keys("a") == []


def test_repeated_section_only_first_block_is_seen() -> None:
    ini = IniFile.parse("[a]\nx=1\n[b]\n[A]\nx=2\ny=3\n")
    assert ini.sections() == ["a", "b"]
    assert ini.get_all("a", "x") == ["1"]
    assert ini.get("a", "y") is None
    assert ini.remove_section("a") is True
    assert ini.text() == "[b]\n"
    assert ini.remove_section("a") is False


# -- set / add / remove -------------------------------------------------------------------------


def test_set_replaces_first_in_place_and_drops_duplicates(ini: IniFile) -> None:
    ini.set("drivers", "MIDI", "new.drv")
    assert ini.get_all("drivers", "midi") == ["new.drv"]
    expected = SAMPLE.replace("MIDI=rtmidi.drv", "MIDI=new.drv").replace("midi=second.drv\r\n", "")
    assert ini.text() == expected


def test_set_keeps_key_spelling_and_spacing(ini: IniFile) -> None:
    ini.set("DRIVERS", "WAVE", "other.drv")
    assert "Wave = other.drv\r\n" in ini.text()
    assert ini.keys("drivers")[0] == "Wave"


def test_set_same_value_leaves_line_untouched() -> None:
    text = "[a]\nx = 1   \n"
    ini = IniFile.parse(text)
    ini.set("a", "x", "1")
    assert ini.text() == text


def test_set_appends_before_trailing_blank_lines(ini: IniFile) -> None:
    ini.set("drivers", "aux", "aux.drv")
    assert "single='x'\r\naux=aux.drv\r\n\r\n\r\n[sndpa.drv]" in ini.text()


def test_set_creates_section_at_end() -> None:
    ini = IniFile.parse("[a]\r\nx=1\r\n")
    ini.set("New", "k", "v")
    assert ini.text() == "[a]\r\nx=1\r\n\r\n[New]\r\nk=v\r\n"
    empty = IniFile()
    empty.set("a", "k", "v")
    assert empty.text() == "[a]\nk=v\n"


def test_set_after_unterminated_last_line() -> None:
    ini = IniFile.parse("[a]\nx=1")
    ini.set("a", "y", "2")
    assert ini.text() == "[a]\nx=1\ny=2\n"


def test_set_quotes_values_that_would_not_read_back() -> None:
    ini = IniFile()
    for key, value in [("a", " lead"), ("b", "trail "), ("c", '"q"'), ("d", "'s'"), ("e", "")]:
        ini.set("s", key, value)
        assert ini.get("s", key) == value
    assert IniFile.parse(ini.text()).items("s") == ini.items("s")
    assert 'a=" lead"\n' in ini.text()
    assert "e=\n" in ini.text()


def test_set_percent_and_colon_written_literally() -> None:
    ini = IniFile()
    ini.set("s", "p", "100%:%x%")
    assert ini.text() == "[s]\np=100%:%x%\n"


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("a]b", "k", "v"),
        ("", "k", "v"),
        (" a", "k", "v"),
        ("a", "k=x", "v"),
        ("a", "", "v"),
        ("a", " k", "v"),
        ("a", ";k", "v"),
        ("a", "[k", "v"),
        ("a", "k", "two\nlines"),
    ],
)
def test_set_rejects_what_cannot_be_written(section: str, key: str, value: str) -> None:
    ini = IniFile()
    with pytest.raises(ValueError, match="invalid"):
        ini.set(section, key, value)
    with pytest.raises(ValueError, match="invalid"):
        ini.add(section, key, value)
    assert ini.text() == ""


def test_add_appends_duplicates() -> None:
    ini = IniFile.parse("[a]\nx=1\n\n[b]\n")
    ini.add("A", "X", "2")
    assert ini.text() == "[a]\nx=1\nX=2\n\n[b]\n"
    assert ini.get_all("a", "x") == ["1", "2"]
    ini.add("c", "k", "v")
    assert ini.text().endswith("[b]\n\n[c]\nk=v\n")


def test_remove_by_key_and_by_value() -> None:
    ini = IniFile.parse('[a]\nx=1\nX="One"\ny=2\nx=one\n')
    assert ini.remove("a", "x", "ONE") == 2
    assert ini.text() == "[a]\nx=1\ny=2\n"
    assert ini.remove("A", "X") == 1
    assert ini.text() == "[a]\ny=2\n"
    assert ini.remove("a", "x") == 0
    assert ini.remove("missing", "x") == 0


def test_remove_section_keeps_neighbours() -> None:
    ini = IniFile.parse("[a]\nx=1\n\n[B]\ny=2\n\n[c]\nz=3\n")
    assert ini.remove_section("b") is True
    assert ini.text() == "[a]\nx=1\n\n[c]\nz=3\n"


# -- section_text / replace_section ---------------------------------------------------------------


def test_section_text_and_identity_replace(ini: IniFile) -> None:
    text = ini.section_text("sndpa.drv")
    assert text == "latency=low\n"
    ini.replace_section("sndpa.drv", ini.section_text("sndpa.drv"))
    ini.replace_section("drivers", ini.section_text("drivers"))
    assert ini.text() == SAMPLE
    assert ini.section_text("missing") == ""


def test_replace_section_keeps_separator_and_file_line_endings(ini: IniFile) -> None:
    ini.replace_section("DRIVERS", "; edited\nwave=x.drv\n\n\n")
    assert ini.get("drivers", "wave") == "x.drv"
    assert "[Drivers]\r\n; edited\r\nwave=x.drv\r\n\r\n\r\n[sndpa.drv]" in ini.text()


def test_replace_section_creates_missing_section() -> None:
    ini = IniFile.parse("[a]\nx=1\n")
    ini.replace_section("sndpa.drv", "latency=high")
    assert ini.text() == "[a]\nx=1\n\n[sndpa.drv]\nlatency=high\n"


def test_replace_section_rejects_a_header() -> None:
    ini = IniFile.parse("[a]\nx=1\n")
    with pytest.raises(ValueError, match=r"line 2 .* \[a\] is a section header"):
        ini.replace_section("a", "y=2\n[b]\n")
    assert ini.text() == "[a]\nx=1\n"


# -- load / save ----------------------------------------------------------------------------------


def test_load_missing_file_is_empty(tmp_path: Path) -> None:
    ini = IniFile.load(tmp_path / "nope.ini")
    assert ini.sections() == [] and ini.text() == ""


def test_load_save_round_trip_bytes(tmp_path: Path) -> None:
    path = tmp_path / "SYSTEM.INI"
    path.write_bytes(SAMPLE.encode())
    IniFile.load(path).save(path)
    assert path.read_bytes() == SAMPLE.encode()


def test_load_cp1252_fallback_and_save_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "old.ini"
    data = "[a]\r\nname=Caf\xe9 \u20ac\r\n".encode("cp1252")
    path.write_bytes(data)
    ini = IniFile.load(path)
    assert ini.encoding == "cp1252"
    assert ini.get("a", "name") == "Caf\xe9 \u20ac"
    ini.save(path)
    assert path.read_bytes() == data
    ini.set("a", "new", "\u4e2d")  # not in cp1252: the file becomes UTF-8
    ini.save(path)
    assert IniFile.load(path).get("a", "name") == "Caf\xe9 \u20ac"
    assert IniFile.load(path).encoding == "utf-8"


def test_load_bytes_undefined_in_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "odd.ini"
    path.write_bytes(b"[a]\nx=\x81\x8d\n")
    ini = IniFile.load(path)
    assert ini.get("a", "x") == "\x81\x8d"
    ini.save(path)
    assert path.read_bytes() == b"[a]\nx=\x81\x8d\n"


def test_save_keeps_bom_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "bom.ini"
    path.write_bytes(b"\xef\xbb\xbf[a]\nx=1\n")
    path.chmod(0o600)
    ini = IniFile.load(path)
    assert ini.get("a", "x") == "1"
    ini.set("a", "x", "2")
    ini.save(path)
    assert path.read_bytes() == b"\xef\xbb\xbf[a]\nx=2\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["bom.ini"]  # no temporary file left


def test_save_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.ini"
    real.write_text("[a]\nx=1\n")
    link = tmp_path / "link.ini"
    link.symlink_to(real)
    ini = IniFile.load(link)
    ini.set("a", "x", "2")
    ini.save(link)
    assert link.is_symlink()
    assert real.read_text() == "[a]\nx=2\n"


def _changed(path: Path) -> IniFile:
    ini = IniFile.load(path)
    ini.set("drivers", "wave", "changed.drv")
    return ini


def test_save_failure_when_target_is_a_directory(tmp_path: Path) -> None:
    # os.replace cannot put a file over a directory, even for root.
    target = tmp_path / "SYSTEM.INI"
    target.mkdir()
    (target / "inside").write_text("keep")
    ini = IniFile.parse("[drivers]\nwave=x.drv\n")
    with pytest.raises(OSError):
        ini.save(target)
    assert (target / "inside").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SYSTEM.INI"]


def test_save_failure_when_folder_is_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        IniFile.parse("[a]\n").save(tmp_path / "no" / "such" / "x.ini")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes to read-only folders; the directory-target test covers failure",
)
def test_save_failure_in_read_only_folder_leaves_old_file(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "SYSTEM.INI"
    original = b"; old\r\n[drivers]\r\nwave=sndpa.drv\r\n"
    path.write_bytes(original)
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            _changed(path).save(path)
        assert path.read_bytes() == original
        assert [p.name for p in folder.iterdir()] == ["SYSTEM.INI"]
    finally:
        folder.chmod(0o755)


def test_save_failure_on_replace_leaves_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last step failing (e.g. a full disk at rename time) must leave the old file.
    path = tmp_path / "SYSTEM.INI"
    original = b"[drivers]\nwave=sndpa.drv\n"
    path.write_bytes(original)

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        _changed(path).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["SYSTEM.INI"]


def test_repr_names_sections() -> None:
    assert "drivers" in repr(IniFile.parse("[drivers]\n"))


def test_replace_changes_only_the_matching_duplicates():
    ini = IniFile.parse("[drivers]\nwave = a.drv\nwave=B.DRV   opts\nwave=c.drv\n")
    assert ini.replace("drivers", "WAVE", "b.drv opts", "d.drv") == 1
    assert ini.text() == "[drivers]\nwave = a.drv\nwave=d.drv\nwave=c.drv\n"
    assert ini.replace("drivers", "wave", "none.drv", "x.drv") == 0
