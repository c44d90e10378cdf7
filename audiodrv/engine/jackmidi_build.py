"""Hatch build hook: compile ``jackmidi.c`` into ``_jackmidi.so`` (see engine/jackmidi.py).

A machine without a C compiler or JACK's headers still installs: JACK MIDI input is then
polled through RtMidi, and the build says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LIBRARY = "_jackmidi.so"


class JackMidiBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        source = Path(self.root, "audiodrv", "engine", "jackmidi.c")
        if version == "editable":  # the package is imported from the source tree
            target = source.with_name(LIBRARY)
        else:  # kept until finalize(): the wheel takes it in between
            self._scratch = tempfile.mkdtemp(prefix="audiodrv-build-")
            target = Path(self._scratch, LIBRARY)
        compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            print("audiodrv: no C compiler: JACK MIDI input will be polled", file=sys.stderr)
            return
        command = [compiler, "-O2", "-Wall", "-shared", "-fPIC", "-o", str(target),
                   str(source), "-ljack"]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"audiodrv: building {LIBRARY} failed (JACK MIDI input will be polled):\n"
                  f"{result.stderr}", file=sys.stderr)
            return
        if version != "editable":
            build_data["force_include"][str(target)] = f"audiodrv/engine/{LIBRARY}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if scratch := getattr(self, "_scratch", None):
            shutil.rmtree(scratch, ignore_errors=True)
