"""Driver files: the search path, explicit paths, package drivers, entry points."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from fakedrv import write_driver

from audiodrv.core.devclass import DeviceClass
from audiodrv.driver import loader
from audiodrv.driver.loader import DriverLoadError, load_driver_module


def test_ini_folder_comes_before_audiodrv_path_before_bundled(tmp_path, monkeypatch):
    ini_dir, extra = tmp_path / "ini", tmp_path / "extra"
    ini_dir.mkdir()
    extra.mkdir()
    write_driver(extra, "sndpa", description="wave:shadowing the bundled one")
    monkeypatch.setenv("AUDIODRV_PATH", f"{tmp_path / 'missing'}:{extra}")
    assert load_driver_module("sndpa.drv", ini_dir).description == \
        "wave:shadowing the bundled one"
    write_driver(ini_dir, "sndpa", description="wave:beside SYSTEM.INI")
    assert load_driver_module("SNDPA.DRV", ini_dir).description == "wave:beside SYSTEM.INI"
    monkeypatch.delenv("AUDIODRV_PATH")
    bundled = load_driver_module("wavemap.drv", None)
    assert Path(bundled.module.__file__).parent == loader.bundled_drivers_dir()


def test_explicit_path_and_probed_entries(tmp_path):
    path = write_driver(tmp_path, "anything", classes=["wod", "aux"])
    driver = load_driver_module(str(path))
    assert set(driver.entries) == {DeviceClass.WAVEOUT, DeviceClass.AUX}
    assert driver.filename == str(path)


def test_package_driver_with_relative_import(tmp_path):
    pkg = tmp_path / "pkgdrv"
    pkg.mkdir()
    (pkg / "impl.py").write_text("def proc(*a):\n    return 1\n")
    (pkg / "__init__.py").write_text(
        "from .impl import proc as DriverProc\nDESCRIPTION = 'aux:package driver'\n")
    assert load_driver_module("pkgdrv.drv", tmp_path).description == "aux:package driver"


def test_entry_point_drivers(tmp_path, monkeypatch):
    module = types.ModuleType("thirdparty_drv")
    module.DriverProc = lambda *a: 1
    module.DESCRIPTION = "midi:third party"
    monkeypatch.setitem(sys.modules, "thirdparty_drv", module)

    class EntryPoint:
        name, value, module = "thirdpty", "thirdparty_drv", "thirdparty_drv"

        def load(self):
            return module

    monkeypatch.setattr(loader, "entry_points",
                        lambda group: [EntryPoint()] if group == loader.ENTRY_POINT_GROUP else [])
    assert load_driver_module("thirdpty.drv", tmp_path).module is module


def test_not_found_lists_the_search_path(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIODRV_PATH", str(tmp_path / "x"))
    with pytest.raises(DriverLoadError, match=r"not found \(searched .*x.*entry points"):
        load_driver_module("nothere.drv", tmp_path)


def test_import_failure_is_a_load_error(tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    with pytest.raises(DriverLoadError, match="failed to import.*boom"):
        load_driver_module("broken.drv", tmp_path)
