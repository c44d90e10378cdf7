"""Hatch build hook: compile ``jackmidi.c`` into ``_jackmidi.so`` (see engine/jackmidi.py).

A machine without a C compiler or JACK's headers still installs: JACK MIDI input is then
polled through RtMidi, and the build says so.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
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
            target.unlink(missing_ok=True)  # never a stale build of an older source
        else:  # kept until finalize(): the wheel takes it in between
            self._scratch = tempfile.mkdtemp(prefix="audiodrv-build-")
            target = Path(self._scratch, LIBRARY)
        compiler = shlex.split(os.environ.get("CC") or shutil.which("cc") or "cc")
        command = [*compiler, "-O2", "-Wall", "-shared", "-fPIC", "-o", str(target),
                   str(source), "-ljack"]
        try:
            result = subprocess.run(command, capture_output=True, text=True)
            failure = result.stderr if result.returncode else None
        except OSError as exc:
            failure = str(exc)
        if failure is not None:
            print(f"audiodrv: building {LIBRARY} failed (JACK MIDI input will be polled):\n"
                  f"{failure}", file=sys.stderr)
            return
        if version != "editable":
            build_data["force_include"][str(target)] = f"audiodrv/engine/{LIBRARY}"
            build_data["pure_python"] = False
            # The library uses no Python API: any Python 3 on this platform.
            platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
            build_data["tag"] = f"py3-none-{platform}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if scratch := getattr(self, "_scratch", None):
            shutil.rmtree(scratch, ignore_errors=True)
