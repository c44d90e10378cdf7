"""``audiodrv midiplay`` and ``midimon``: Standard MIDI Files through midiStream*, and a
monitor of incoming messages."""

from __future__ import annotations

import argparse
import queue
import sys
import threading
from pathlib import Path

import mido

from audiodrv.cli.progress import progress

__all__ = ["add_commands"]

def _midi_id(name: str | None, kind: str) -> int:
    from audiodrv.midi import midi_device_id
    from audiodrv.mmsystem import MIDI_MAPPER

    if name is not None and name.isdigit():
        return int(name)
    return midi_device_id(name, kind, MIDI_MAPPER if kind == "output" else 0)


def midiplay(args: argparse.Namespace) -> int:
    from audiodrv.midi import MidiStream

    try:
        midi = mido.MidiFile(str(args.file))
    except (OSError, EOFError, ValueError) as exc:
        raise SystemExit(f"audiodrv: cannot read {args.file}: {exc}") from exc
    if midi.type == 2:
        raise SystemExit("audiodrv: type 2 MIDI files (independent patterns) are not supported")
    with MidiStream(_midi_id(args.device, "output")) as stream:
        try:
            total = stream.queue_file(midi)
        except ValueError as exc:
            raise SystemExit(f"audiodrv: cannot play {args.file}: {exc}") from exc
        stream.restart()
        while not stream.wait(0.1):
            progress(stream.position(), total)
        progress(total, total)
    sys.stderr.write("\n")
    return 0


def midimon(args: argparse.Namespace) -> int:
    from audiodrv.midi import MidiIn

    stop = threading.Event()
    with MidiIn(_midi_id(args.device, "input")) as midi_in:
        midi_in.start()
        print("listening; Ctrl-C to stop", file=sys.stderr)
        timer = threading.Timer(args.seconds, stop.set) if args.seconds else None
        if timer:
            timer.start()
        try:
            while not stop.is_set():
                try:
                    message, stamp = midi_in.receive(timeout=0.1)
                except queue.Empty:
                    continue
                print(f"{stamp:10d} ms  {message}", flush=True)
        except KeyboardInterrupt:
            pass
        finally:
            if timer:
                timer.cancel()
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    play = sub.add_parser("midiplay", help="play a Standard MIDI File through midiStream*")
    play.add_argument("file", type=Path)
    play.add_argument("--device", help="MIDI output id or name (default: the MIDI mapper)")
    play.set_defaults(run=midiplay)
    mon = sub.add_parser("midimon", help="print incoming MIDI messages")
    mon.add_argument("--device", help="MIDI input id or name (default: 0)")
    mon.add_argument("--seconds", type=float, help="stop after this long")
    mon.set_defaults(run=midimon)
