"""``audiodrv play``, ``record`` and ``smoke``: the tools on top of the Pythonic layer."""

from __future__ import annotations

import argparse
import os
import queue
import sys
import time
import wave as wavefile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from audiodrv.cli.progress import progress
from audiodrv.mmsystem import MMSystemError

__all__ = ["add_commands"]

_WIDTH_DTYPES = {1: "uint8", 2: "int16", 3: "int24", 4: "int32"}


def play_file(args: argparse.Namespace) -> int:
    from audiodrv.wave import WaveOut, unpack24

    try:
        with wavefile.open(str(args.file), "rb") as f:
            rate, channels, width = f.getframerate(), f.getnchannels(), f.getsampwidth()
            frames = f.getnframes()
            data = f.readframes(frames)
    except (OSError, EOFError, wavefile.Error) as exc:
        raise SystemExit(f"audiodrv: cannot read {args.file}: {exc}") from exc
    if width not in _WIDTH_DTYPES:
        raise SystemExit(f"audiodrv: {args.file}: {8 * width}-bit PCM is not supported here")
    dtype = _WIDTH_DTYPES[width]
    samples = (unpack24(data) if width == 3 else np.frombuffer(data, dtype=dtype)).reshape(
        -1, channels)
    device = int(args.device) if args.device and args.device.isdigit() else args.device
    chunk = rate // 4
    with WaveOut(device, rate, channels, dtype) as out:
        for start in range(0, len(samples), chunk):
            while out.pending >= 4:  # keep about a second queued
                out.wait(0.05)
                progress(out.position, frames)
            out.write(samples[start:start + chunk])
        while not out.wait(0.1):
            progress(out.position, frames)
        progress(frames, frames)
    sys.stderr.write("\n")
    return 0


def record_file(args: argparse.Namespace) -> int:
    from audiodrv.wave import WaveIn

    device = int(args.device) if args.device and args.device.isdigit() else args.device
    total = int(args.seconds * args.rate)
    with WaveIn(device, args.rate, args.channels, "int16") as wave_in:
        wave_in.start()
        data = wave_in.read(total, timeout=args.seconds + 10)
    with wavefile.open(str(args.file), "wb") as f:
        f.setnchannels(args.channels)
        f.setsampwidth(2)
        f.setframerate(args.rate)
        f.writeframes(data.tobytes())
    print(f"recorded {len(data)} frames to {args.file}")
    return 0


@contextmanager
def _audio_server() -> Iterator[str]:
    """Use the audio server there is, or start a private JACK dummy server."""
    os.environ.setdefault("JACK_NO_START_SERVER", "1")  # never let libjack spawn one itself
    from audiodrv.engine import portaudio
    from audiodrv.engine.jackserver import JackServer, jackd_available

    if any(d.max_output_channels for d in portaudio.host_devices()):
        yield "the running audio server"
        return
    if not jackd_available():
        raise SystemExit("audiodrv: no audio device or server, and jackd is not installed "
                         "(Debian: apt-get install jackd2)")
    server = JackServer()
    print(f"no audio server reachable: starting a private JACK dummy server "
          f"({server.name}, {server.rate} Hz, period {server.period})")
    server.start()
    server.activate()
    try:
        yield f"private JACK server {server.name}"
    finally:
        portaudio.terminate()  # before the server goes: PortAudio cannot let go after
        server.stop()


def smoke(args: argparse.Namespace) -> int:
    from audiodrv.cli import print_table
    from audiodrv.cli.listing import print_devices

    with _audio_server() as where:
        print(f"audio: {where}\n")
        print_devices()
        print()
        rows = _check_devices(software_loopback="private" in where)
        print_table(rows, ("check", "device", "result", "detail"))
    failed = [r for r in rows if r[2] == "FAIL"]
    print(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _check_devices(software_loopback: bool) -> list[tuple[str, str, str, str]]:
    import audiodrv
    from audiodrv.mmsystem import WAVE_MAPPER

    rows: list[tuple[str, str, str, str]] = []
    outputs = [(d.id, d.name) for d in audiodrv.devices("output")] + [(WAVE_MAPPER, "mapper")]
    for device_id, name in outputs:
        rows.append(("play 440 Hz", name, *_play_tone(device_id)))
    inputs = audiodrv.devices("input")
    for dev in inputs:
        rows.append(("record", dev.name, *_record(dev.id)))
    if inputs and outputs[:-1]:
        rows.append(("loopback", f"{outputs[0][1]} -> {inputs[0].name}",
                     *_loopback(outputs[0][0], inputs[0].id, software_loopback)))
    for kind, device_id, name in audiodrv.midi_devices():
        rows.append((f"MIDI {kind}", name, *_midi_check(kind, device_id)))
    if audiodrv.midi_devices("output"):
        rows.append(("MIDI output", "MIDI mapper", *_midi_check("output", None)))
    if software_loopback:
        rows.append(("MIDI input", f"{_SMOKE_CLIENT}:out", *_midi_input_from_own_port()))
    return rows


_SMOKE_CLIENT = "audiodrv-smoke"


def _midi_input_from_own_port() -> tuple[str, str]:
    """The private server has no MIDI port to read from: a port of smoke's own sends three
    notes, which a MIDI input on it must deliver, in order (a software loopback, as for
    audio)."""
    import audiodrv
    from audiodrv.engine import midiport
    from audiodrv.midi import MidiIn

    api = midiport.choose_api()
    if api is None:
        return "FAIL", "no RtMidi API reaches the private server"
    port = midiport.MidiOutPort(api, "out", client=_SMOKE_CLIENT, virtual=True)
    try:
        audiodrv.rescan()
        with MidiIn(f"{_SMOKE_CLIENT}:out") as midi_in:
            midi_in.start()
            sent = time.monotonic()
            notes = [60, 64, 67]
            for note in notes:
                port.send(bytes([0x90, note, 64]))
            first, _ms = midi_in.receive(timeout=2)
            after_ms = (time.monotonic() - sent) * 1000
            got = [first] + [midi_in.receive(timeout=2)[0] for _ in notes[1:]]
        if [m.note for m in got] != notes:
            return "FAIL", f"sent notes {notes}, received {[m.note for m in got]}"
        return "ok", (f"3 of 3 notes, the first {after_ms:.1f} ms after sending "
                      "(smoke's own port in the private server)")
    except (MMSystemError, queue.Empty, OSError) as exc:
        return "FAIL", f"{type(exc).__name__}: {exc}"
    finally:
        port.close()
        audiodrv.rescan()


def _midi_check(kind: str, device_id: int | None) -> tuple[str, str]:
    """Open a MIDI device; on an output play a short chord, then reset and close."""
    import mido

    from audiodrv.midi import MidiIn, MidiOut

    try:
        if kind == "input":
            with MidiIn(device_id) as midi_in:
                midi_in.start()
            return "ok", "opened, started, closed"
        with MidiOut(device_id) as out:
            for note in (60, 64, 67):
                out.send(mido.Message("note_on", note=note, velocity=64))
            out.send(mido.Message("sysex", data=[0x7E, 0x7F, 0x09, 0x01]))  # GM system on
            out.reset()
        return "ok", "chord, GM reset SysEx, reset"
    except (MMSystemError, TimeoutError) as exc:
        return "FAIL", str(exc)


def _play_tone(device_id: int) -> tuple[str, str]:
    from audiodrv.wave import WaveOut

    t = np.arange(14400) / 48000
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    try:
        with WaveOut(device_id, 48000, 1, "float32") as out:
            out.write(tone)
            if not out.wait(5):
                return "FAIL", "WOM_DONE did not arrive within 5 s"
            position = out.position
    except MMSystemError as exc:
        return "FAIL", str(exc)
    ok = position == len(tone)
    return ("ok" if ok else "FAIL"), f"{position} of {len(tone)} frames played"


def _record(device_id: int) -> tuple[str, str]:
    from audiodrv.wave import WaveIn

    try:
        with WaveIn(device_id, 48000, 1, "float32") as wave_in:
            wave_in.start()
            got = wave_in.read(14400, timeout=5)
    except (MMSystemError, TimeoutError) as exc:
        return "FAIL", str(exc)
    rms = float(np.sqrt(np.mean(got.astype(np.float64) ** 2)))
    return "ok", f"{len(got)} frames, RMS {rms:.4f}"


def _loopback(out_id: int, in_id: int, connect: bool) -> tuple[str, str]:
    """Play impulses and look for them on the input: a loopback, and its latency.

    The latency is measured from the input position at the moment of the write, so it is an
    upper bound that includes up to one period of scheduling.
    """
    from audiodrv.wave import WaveIn, WaveOut

    pulses = np.zeros((24000, 1), dtype=np.float32)
    pulses[::4800] = 0.8
    try:
        with WaveIn(in_id, 48000, 1, "float32") as wave_in, \
                WaveOut(out_id, 48000, 1, "float32") as out:
            if connect:
                _connect_jack_loopback()
            wave_in.start()
            lead_in = wave_in.read(2400)  # recording is running from here on
            start = wave_in.position  # input frames captured when the impulses are written
            out.write(pulses)
            got = wave_in.read(48000, timeout=5)[:, 0]
    except (MMSystemError, TimeoutError) as exc:
        return "FAIL", str(exc)
    hits = np.nonzero(np.abs(got) > 0.4)[0]
    if len(hits) < 5:
        return "none", "no loopback: the input did not hear the output"
    latency = int(len(lead_in) + hits[0] - start)
    spacing = set(np.diff(hits[:5]).tolist())
    exact = "sample-exact spacing" if spacing == {4800} else f"spacing {sorted(spacing)}"
    suffix = " (software loopback in the private server)" if connect else ""
    return "ok", f"latency <= {latency} frames ({latency / 48:.1f} ms), {exact}{suffix}"


def _connect_jack_loopback() -> None:
    from audiodrv.engine.jackserver import JackServer

    JackServer(name=os.environ.get("JACK_DEFAULT_SERVER")).loopback()


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register play, record and smoke on the main parser."""
    play = sub.add_parser("play", help="play a WAV file (progress bar)")
    play.add_argument("file", type=Path)
    play.add_argument("--device", help="device id or name (default: the wave mapper)")
    play.set_defaults(run=play_file)

    rec = sub.add_parser("record", help="record a WAV file")
    rec.add_argument("file", type=Path)
    rec.add_argument("--seconds", type=float, required=True)
    rec.add_argument("--device", help="device id or name (default: the wave mapper)")
    rec.add_argument("--rate", type=int, default=48000)
    rec.add_argument("--channels", type=int, default=2)
    rec.set_defaults(run=record_file)

    smoke_cmd = sub.add_parser("smoke", help="play, record and loop back on every device")
    smoke_cmd.set_defaults(run=smoke)
