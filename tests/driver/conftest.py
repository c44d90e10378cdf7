"""Fixtures for driver-model tests: a private SYSTEM.INI with recording drivers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fakedrv import write_driver, write_system_ini

from audiodrv.core.system import System, reset_system


class Env:
    """A folder holding SYSTEM.INI and test drivers, and the system loaded from it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.system: System | None = None

    def driver(self, name: str, **config: Any) -> Path:
        return write_driver(self.folder, name, **config)

    def load(self, drivers: list[tuple[str, str]], boot: str = "") -> System:
        ini = write_system_ini(self.folder, drivers, boot)
        self.system = reset_system(ini)
        assert self.system is not None
        return self.system

    def module(self, filename: str) -> ModuleType:
        assert self.system is not None
        for loaded in self.system.drivers.loaded():
            if loaded.filename.lower() == filename.lower():
                return loaded.driver.module
        raise KeyError(filename)

    def log(self, filename: str) -> list[tuple[Any, ...]]:
        return self.module(filename).LOG


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", str(tmp_path / "SYSTEM.INI"))
    monkeypatch.delenv("AUDIODRV_PATH", raising=False)
    yield Env(tmp_path)
    reset_system()


