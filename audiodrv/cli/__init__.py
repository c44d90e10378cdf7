"""The ``audiodrv`` command: the Drivers control panel, device listing and tools."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from audiodrv.config.system import system_ini_path

__all__ = ["main"]


def print_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _drivers(args: argparse.Namespace) -> int:
    from audiodrv.cli.controlpanel import ControlPanel
    from audiodrv.mmsystem import DRV_CANCEL, DRV_RESTART

    panel = ControlPanel(Path(args.ini) if args.ini else system_ini_path())
    restart = False
    if args.action == "list":
        rows = [(d.key, d.filename, d.section, d.description) for d in panel.list()]
        print_table(rows, ("entry", "driver", "section", "description"))
    elif args.action == "add":
        keys, restart = panel.add(Path(args.source), args.entry)
        print(f"installed as {', '.join(keys)}")
    elif args.action == "remove":
        keys, restart, warnings = panel.remove(args.name)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"removed {', '.join(keys)}")
    elif args.action == "setup":
        answer = panel.setup(args.name)
        print("cancelled" if answer == DRV_CANCEL else "configured")
        restart = answer == DRV_RESTART
    elif args.action == "default":
        print(f"{args.name} is now {panel.default(args.name)}")
    if restart:
        print("the driver asks for a restart of audiodrv programs to take effect")
    return 0


def _devices(args: argparse.Namespace) -> int:
    from audiodrv.cli.listing import print_devices

    print_devices()
    return 0


def _run(args: argparse.Namespace) -> int:
    import traceback

    from audiodrv.compat import run_script

    try:
        run_script(args.script, args.args)
    except Exception:  # the program's own error: reported as python would report it
        traceback.print_exc()
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audiodrv",
        description="The Windows 3.1 multimedia driver model over PortAudio and RtMidi.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    devices = sub.add_parser("devices", help="list drivers and devices with their global ids")
    devices.set_defaults(run=_devices)

    drivers = sub.add_parser("drivers", help="the Drivers control panel (SYSTEM.INI)")
    drivers.add_argument("--ini", help="the SYSTEM.INI to edit (default: the one in use)")
    actions = drivers.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list installed drivers")
    add = actions.add_parser("add", help="install a driver file or an OEMSETUP.INF entry")
    add.add_argument("source", help="a driver .py file (or package folder) or OEMSETUP.INF")
    add.add_argument("entry", nargs="?", help="the [Installable.Drivers] key in the INF")
    for name, text in (("remove", "remove a driver entry (key or file name)"),
                       ("setup", "configure a driver (DRV_CONFIGURE)"),
                       ("default", "make a driver the first of its kind")):
        p = actions.add_parser(name, help=text)
        p.add_argument("name", help="entry key (wave1) or driver file (sndpa.drv)")
    drivers.set_defaults(run=_drivers)

    run = sub.add_parser("run", help="run a ctypes.windll.winmm program unchanged")
    run.add_argument("script", help="the Python program")
    run.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    run.set_defaults(run=_run)

    from audiodrv.cli import miditools, tools

    tools.add_commands(sub)
    miditools.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from audiodrv.cli.controlpanel import ControlPanelError
    from audiodrv.mmsystem import MMSystemError

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ControlPanelError, MMSystemError, OSError) as exc:
        print(f"audiodrv: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
