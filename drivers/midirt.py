"""midirt.drv: MIDI ports over RtMidi, one MIDI out per output port, one MIDI in per input
port, each port a devnode.

The RtMidi API is chosen per platform (ALSA where the sequencer exists, JACK when a server
is up, CoreMIDI, WinMM) unless ``[midirt.drv] api=`` names one; ``virtual=name,...`` adds
a MIDI out and a MIDI in device per name that open a port of their own (``name``) for
other programs to connect to.

Output keeps running status per spec B106.  Input delivers ``MIM_DATA`` stamped with the
milliseconds from ``midiInStart`` to the message's arrival (RtMidi's own spacing, see
``engine.midiport.MidiInPort.receive``); real-time bytes as ``MIM_DATA`` of their own,
wherever they come (even inside a SysEx); SysEx into the queued buffers (spanning several
when longer than one), each returned with ``MIM_LONGDATA``, or ``MIM_LONGERROR`` for the
buffer holding the end of a SysEx that a status byte cut short; ``MIM_ERROR`` for a
malformed short message.  SysEx bytes that find no buffer queued are dropped and reported
once per SysEx with ``MIM_ERROR``, ``p1`` its first bytes (0xF0 in the low byte): there is
no header to give ``MIM_LONGERROR``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from typing import Any

from audiodrv import ddk
from audiodrv.engine import midiport

DESCRIPTION = "midi:MIDI ports (RtMidi)"

log = logging.getLogger("audiodrv.driver.midirt")

# JACK input wakes the notifier thread as it arrives (engine.jackmidi), which delivers it
# at once.  Other input RtMidi queues until polled (engine.midiport.MidiInPort says why it
# is not a callback), on the notifier thread, which delivers what a poll finds right after
# it.  While an input is started the interval is what polling adds to MIDI in latency, half
# of it on average: 0.5 ms while messages flow (and just after a start), growing to 4 ms
# over a second without any.  Polling faster costs more than it gains: with a note every
# 5 ms one comparison had the whole process at 9.4 % of a core at 0.5 ms, 13.3 % at 0.25,
# 16.3 % at 0.2 and 26.5 % at 0.1 (benchmarks/midi_bench.py item 5 measures 0.5 ms against
# the woken JACK input).
# Open but not started, input is only discarded, slowly enough to cost nothing and fast
# enough that RtMidi's queue (MidiInPort.QUEUE_SIZE messages) never fills.
POLL_INTERVAL = 0.0005
QUIET_POLL_INTERVAL = 0.004
BUSY_SECONDS = 0.25  # polling stays fast this long after the last message or start
DOUBLING_SECONDS = 0.25  # then the interval doubles this often, up to QUIET_POLL_INTERVAL
IDLE_POLL_INTERVAL = 0.02

# Bytes in a message by status (0x80..0xFF); system-exclusive is handled apart.
_LENGTHS = {**{s: 3 for s in range(0x80, 0xC0)}, **{s: 2 for s in range(0xC0, 0xE0)},
            **{s: 3 for s in range(0xE0, 0xF0)}, 0xF1: 2, 0xF2: 3, 0xF3: 2, 0xF6: 1,
            **{s: 1 for s in range(0xF8, 0x100)}}


# Real-time bytes (0xF8-0xFF) may come anywhere in a MIDI byte stream, even inside a
# SysEx; every other byte >= 0x80 ends what came before it.
_REALTIME = 0xF8
_ACTIVE_SENSING = 0xFE

# What one input message splits into (_pieces).
_SHORT, _SYSEX, _BROKEN_SYSEX = "short", "sysex", "broken sysex"


def poll_interval(quiet_seconds: float) -> float:
    """How long a started input sleeps between polls, ``quiet_seconds`` after the last
    message (or start): fast while traffic flows, backing off when it stops."""
    if quiet_seconds < BUSY_SECONDS:
        return POLL_INTERVAL
    doublings = (quiet_seconds - BUSY_SECONDS) / DOUBLING_SECONDS
    return min(QUIET_POLL_INTERVAL, POLL_INTERVAL * 2 ** doublings)


def _short_bytes(packed: int, running: int) -> tuple[bytes, int]:
    """The bytes of a packed short message and the new running status (spec B106).

    Data bytes are masked to 7 bits (a set top bit would make them status bytes).  0xF0
    and 0xF7 frame a SysEx, which takes a long message: alone they are dropped (as Wine
    does), clearing running status like every system common status.
    """
    status = packed & 0xFF
    if status < 0x80:
        if not running:
            return b"", running  # COMPAT: data bytes without a running status are dropped
        status, data = running, [packed & 0x7F, (packed >> 8) & 0x7F]
    else:
        data = [(packed >> 8) & 0x7F, (packed >> 16) & 0x7F]
        if status < 0xF0:
            running = status
        elif status <= 0xF7:
            running = 0
    if status in (0xF0, 0xF7):
        return b"", running
    length = _LENGTHS.get(status, 1)
    return bytes([status, *data][:length]), running


def _pieces(message: list[int]) -> list[tuple[str, bytes]]:
    """Split one input message into what is delivered: short messages (well formed or
    not), complete SysEx, and SysEx cut short by a status byte, in arrival order.

    RtMidi joins the parts of a SysEx until it sees 0xF7, so one message may hold a SysEx
    interrupted by another status byte (a second 0xF0 among them) and what followed it.
    """
    if 1 <= len(message) <= 3 and 0x80 <= message[0] < _REALTIME and message[0] != 0xF0 \
            and max(message[1:], default=0) < 0x80:
        return [(_SHORT, bytes(message))]  # the usual case, with nothing to split
    pieces: list[tuple[str, bytes]] = []
    piece = bytearray()

    def end_piece() -> None:
        if piece:
            pieces.append((_BROKEN_SYSEX if piece[0] == 0xF0 else _SHORT, bytes(piece)))
            piece.clear()

    for byte in message:
        if byte == _ACTIVE_SENSING:
            continue  # never forwarded (B143), even from inside a SysEx
        if byte >= _REALTIME:
            pieces.append((_SHORT, bytes([byte])))
        elif byte == 0xF7 and piece[:1] == b"\xf0":
            pieces.append((_SYSEX, bytes(piece) + b"\xf7"))
            piece.clear()
        else:
            if byte >= 0x80:
                end_piece()
            piece.append(byte)
    end_piece()
    return pieces


def _packed(data: bytes) -> int:
    """Up to three bytes as MIM_DATA's p1 packs them: the first in the low byte."""
    return int.from_bytes(data[:3], "little")


class _Out:
    def __init__(self, port: midiport.MidiOutPort, desc: ddk.OpenDesc, flags: int) -> None:
        self.port, self.desc, self.flags = port, desc, flags
        self.running = 0

    def notify(self, msg: int, p1: int = 0) -> None:
        self.desc.notify(self.flags, msg, p1)


class _In:
    def __init__(self, desc: ddk.OpenDesc, flags: int, dn: int) -> None:
        self.desc, self.flags, self.dn = desc, flags, dn
        self.port: midiport.MidiInPort | midiport.jackmidi.JackMidiIn | None = None
        self.buffers: deque[Any] = deque()
        self.started_ns: int | None = None
        self.lock = threading.Lock()
        self.drain_lock = threading.Lock()  # a poll's and a stop's drains in turn

    def notify(self, msg: int, p1: int = 0, p2: int = 0) -> None:
        self.desc.notify(self.flags, msg, p1, p2)

    def complete_head(self, timestamp: int, msg: int = ddk.MIM_LONGDATA) -> None:
        hdr = self.buffers.popleft()
        hdr.dwFlags = (hdr.dwFlags & ~ddk.MHDR_INQUEUE) | ddk.MHDR_DONE
        self.notify(msg, ddk.address_of(hdr), timestamp)


class _Driver:
    def __init__(self) -> None:
        self.api: int | None = None
        # (devnode, port name, virtual) per local id
        self.outs: list[tuple[int, str, bool]] = []
        self.ins: list[tuple[int, str, bool]] = []
        self.inputs: set[_In] = set()
        self._active_ns = 0  # the last message or start, for poll_interval
        self._poll_alarm = ddk.Alarm(self._poll)

    # -- DriverProc ---------------------------------------------------------------------------

    def DriverProc(self, dwDriverID: Any, hDriver: int, msg: int, lParam1: Any,
                   lParam2: Any) -> int:
        if msg in (ddk.DRV_ENABLE, ddk.DRV_PNPINSTALL):
            self._enumerate(hDriver)
            return 1
        if msg in (ddk.DRV_OPEN, ddk.DRV_CLOSE):
            return 1
        return ddk.DefDriverProc(dwDriverID, hDriver, msg, lParam1, lParam2)

    def _enumerate(self, hDriver: int) -> None:
        settings = ddk.driver_settings(hDriver, "midirt.drv")
        try:
            self.api = midiport.choose_api(settings.get("api"))
        except ValueError as exc:
            log.warning("%s; no MIDI ports", exc)
            self.api = None
        outs, ins = midiport.list_ports(self.api)
        virtual = [v.strip() for v in settings.get("virtual", "").split(",") if v.strip()]
        if self.api is None:
            virtual = []
        for names, table, kind in ((outs, self.outs, "out"), (ins, self.ins, "in")):
            present = set()
            for name, is_virtual in [(n, True) for n in virtual] + [(n, False) for n in names]:
                key = f"rtmidi:{'virtual' if is_virtual else kind}:{kind}:{name}"
                dn = ddk.register_devnode(hDriver, key, name)
                present.add(dn)
                if all(dn != known for known, _n, _v in table):
                    table.append((dn, name, is_virtual))
            for dn, _name, _virtual in table:
                ddk.devnode_changed(dn, dn in present)

    def _count(self, table: list[tuple[int, str, bool]], dn: int) -> int:
        return sum(1 for known, _n, _v in table if known == dn)

    def _common(self, uMsg: int, dn: Any) -> int:
        if uMsg == ddk.DRVM_DISABLE:
            # The port went away: its inputs stop and return every buffer, as on a reset
            # (outputs hold nothing: they send at once).
            for inst in list(self.inputs):
                if inst.dn == dn:
                    try:
                        self._stop(inst, reset=True)
                    except Exception:
                        log.exception("MIDI in: stopping %s failed", inst.port)
        if uMsg in (ddk.DRVM_INIT, ddk.DRVM_EXIT, ddk.DRVM_ENABLE, ddk.DRVM_DISABLE):
            return ddk.MMSYSERR_NOERROR
        return ddk.MMSYSERR_NOTSUPPORTED

    # -- MIDI out -----------------------------------------------------------------------------

    def modMessage(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                   dwParam2: Any) -> int:
        if uMsg == ddk.MODM_GETNUMDEVS:
            return self._count(self.outs, dwParam1)
        if uMsg == ddk.MODM_GETDEVCAPS:
            if uDeviceID >= len(self.outs):
                return ddk.MMSYSERR_BADDEVICEID
            caps = dwParam1
            caps.wMid, caps.wPid, caps.vDriverVersion = ddk.MM_MICROSOFT, 0, 0x0100
            ddk.set_string(caps, "szPname", self.outs[uDeviceID][1][:31])
            caps.wTechnology, caps.wVoices, caps.wNotes = ddk.MOD_MIDIPORT, 0, 0
            caps.wChannelMask, caps.dwSupport = 0xFFFF, 0
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MODM_OPEN:
            if uDeviceID >= len(self.outs) or self.api is None:
                return ddk.MMSYSERR_BADDEVICEID
            try:
                _dn, name, virtual = self.outs[uDeviceID]
                port = midiport.MidiOutPort(self.api, name, virtual=virtual)
            except OSError as exc:
                log.warning("%s", exc)
                return ddk.MMSYSERR_NOTENABLED
            inst = dwUser.value = _Out(port, dwParam1, dwParam2)
            inst.notify(ddk.MOM_OPEN)
            return ddk.MMSYSERR_NOERROR
        out = dwUser if isinstance(dwUser, _Out) else None
        if out is None:
            return self._common(uMsg, dwParam2)
        if uMsg == ddk.MODM_DATA:
            data, out.running = _short_bytes(dwParam1, out.running)
            if data:
                out.port.send(data)
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MODM_LONGDATA:
            hdr = dwParam1
            data = bytes(ddk.header_data(hdr))
            # COMPAT: Wine completes a SysEx missing its F0/F7 framing for MIDI ports.
            if data and data[0] != 0xF0:
                data = b"\xf0" + data
            if data and data[-1] != 0xF7:
                data += b"\xf7"
            out.port.send(data)
            out.running = 0
            hdr.dwFlags = (hdr.dwFlags & ~ddk.MHDR_INQUEUE) | ddk.MHDR_DONE
            out.notify(ddk.MOM_DONE, ddk.address_of(hdr))
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MODM_RESET:
            for channel in range(16):  # all sound off, sustain off (B116)
                out.port.send(bytes([0xB0 | channel, 120, 0]))
                out.port.send(bytes([0xB0 | channel, 64, 0]))
            out.running = 0
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MODM_CLOSE:
            out.port.close()
            out.notify(ddk.MOM_CLOSE)
            return ddk.MMSYSERR_NOERROR
        return ddk.MMSYSERR_NOTSUPPORTED

    # -- MIDI in ------------------------------------------------------------------------------

    def midMessage(self, uDeviceID: int, uMsg: int, dwUser: Any, dwParam1: Any,
                   dwParam2: Any) -> int:
        if uMsg == ddk.MIDM_GETNUMDEVS:
            return self._count(self.ins, dwParam1)
        if uMsg == ddk.MIDM_GETDEVCAPS:
            if uDeviceID >= len(self.ins):
                return ddk.MMSYSERR_BADDEVICEID
            caps = dwParam1
            caps.wMid, caps.wPid, caps.vDriverVersion = ddk.MM_MICROSOFT, 0, 0x0100
            ddk.set_string(caps, "szPname", self.ins[uDeviceID][1][:31])
            caps.dwSupport = 0
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MIDM_OPEN:
            if uDeviceID >= len(self.ins) or self.api is None:
                return ddk.MMSYSERR_BADDEVICEID
            dn, name, virtual = self.ins[uDeviceID]
            inst = _In(dwParam1, dwParam2, dn)
            try:
                inst.port = midiport.open_input(self.api, name, virtual=virtual)
            except OSError as exc:
                log.warning("%s", exc)
                return ddk.MMSYSERR_NOTENABLED
            self.inputs.add(inst)
            if (fd := inst.port.fileno()) is not None:
                ddk.watch_fd(fd, functools.partial(self._drain_logged, inst))
            self._arrange_poll()
            dwUser.value = inst
            inst.notify(ddk.MIM_OPEN)
            return ddk.MMSYSERR_NOERROR
        inst = dwUser if isinstance(dwUser, _In) else None
        if inst is None:
            return self._common(uMsg, dwParam2)
        if uMsg == ddk.MIDM_ADDBUFFER:
            with inst.lock:
                inst.buffers.append(dwParam1)
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MIDM_START:
            self._drain(inst)  # what came before the start is discarded
            with inst.lock:
                if inst.started_ns is None:
                    inst.started_ns = time.monotonic_ns()
            self._active_ns = time.monotonic_ns()
            self._arrange_poll()
            return ddk.MMSYSERR_NOERROR
        if uMsg in (ddk.MIDM_STOP, ddk.MIDM_RESET):
            self._stop(inst, reset=uMsg == ddk.MIDM_RESET)
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MIDM_CLOSE:
            # Under the drain lock: a batch a poll is delivering goes out before
            # MIM_CLOSE, and nothing after it (the closed port yields nothing).
            with inst.drain_lock:
                if inst.buffers:
                    return ddk.MIDIERR_STILLPLAYING
                self.inputs.discard(inst)
                assert inst.port is not None
                if (fd := inst.port.fileno()) is not None:
                    ddk.unwatch_fd(fd)
                inst.port.close()
            inst.notify(ddk.MIM_CLOSE)
            return ddk.MMSYSERR_NOERROR
        return ddk.MMSYSERR_NOTSUPPORTED

    def _stop(self, inst: _In, reset: bool) -> None:
        """Deliver what has arrived, stop, and return the partly filled buffer (documented
        for a stop) or, with ``reset``, every buffer."""
        try:
            self._drain(inst)
        finally:  # the buffers come back even when the port could not be read
            with inst.lock:
                stamp = self._stamp(inst, time.monotonic_ns())
                inst.started_ns = None
                if reset:
                    while inst.buffers:
                        inst.complete_head(stamp)
                elif inst.buffers and inst.buffers[0].dwBytesRecorded:
                    inst.complete_head(stamp)

    def _polled(self) -> list[_In]:
        return [inst for inst in list(self.inputs) if inst.port.fileno() is None]

    def _arrange_poll(self) -> None:
        """Poll again after the interval the polled inputs call for (none: no more polls)."""
        inputs = self._polled()
        if not inputs:
            return
        if all(inst.started_ns is None for inst in inputs):
            interval = IDLE_POLL_INTERVAL
        else:
            interval = poll_interval((time.monotonic_ns() - self._active_ns) / 1e9)
        self._poll_alarm.at(time.monotonic() + interval)

    def _poll(self) -> None:
        """Drain every open input, on the notifier thread: what arrived is delivered right
        after, with no thread hand-over."""
        try:
            for inst in self._polled():
                self._drain_logged(inst)
        finally:
            self._arrange_poll()

    def _drain_logged(self, inst: _In) -> None:
        try:
            self._drain(inst)
        except Exception:
            log.exception("MIDI in: reading %s failed", inst.port)

    @staticmethod
    def _stamp(inst: _In, arrival_ns: int) -> int:
        return max(0, (arrival_ns - (inst.started_ns or arrival_ns)) // 1_000_000)

    def _drain(self, inst: _In) -> None:
        """Turn queued port messages into notifications (on the notifier thread, or on the
        application's for a start or stop)."""
        assert inst.port is not None
        with inst.drain_lock:
            received = inst.port.receive()
            if received:
                self._active_ns = time.monotonic_ns()
            for message, arrival in received:
                self._deliver(inst, message, arrival)

    def _deliver(self, inst: _In, message: list[int], arrival: int) -> None:
        with inst.lock:
            if inst.started_ns is None:
                return  # nothing is delivered before midiInStart or after a stop
            stamp = self._stamp(inst, arrival)
            for kind, piece in _pieces(message):
                if kind == _SHORT:
                    well_formed = piece[0] >= 0x80 and len(piece) == _LENGTHS.get(piece[0])
                    inst.notify(ddk.MIM_DATA if well_formed else ddk.MIM_ERROR,
                                _packed(piece), stamp)
                else:
                    self._sysex(inst, piece, stamp, broken=kind == _BROKEN_SYSEX)

    def _sysex(self, inst: _In, data: bytes, stamp: int, broken: bool) -> None:
        """Fill queued buffers in order (B144).  A buffer is returned when full
        (``MIM_LONGDATA``) or when it holds the end of the SysEx: ``MIM_LONGDATA`` after
        0xF7, ``MIM_LONGERROR`` when a status byte cut the SysEx short.  What finds no
        buffer is dropped and reported (see the module docstring)."""
        rest = data
        while rest:
            if not inst.buffers:
                log.warning("MIDI in: %d SysEx bytes arrived with no buffer queued",
                            len(rest))
                inst.notify(ddk.MIM_ERROR, _packed(data), stamp)
                return
            hdr = inst.buffers[0]
            view = ddk.header_data(hdr)
            take = rest[:len(view) - hdr.dwBytesRecorded]
            view[hdr.dwBytesRecorded:hdr.dwBytesRecorded + len(take)] = take
            hdr.dwBytesRecorded += len(take)
            rest = rest[len(take):]
            if not rest:
                inst.complete_head(stamp, ddk.MIM_LONGERROR if broken else ddk.MIM_LONGDATA)
            elif hdr.dwBytesRecorded == len(view):
                inst.complete_head(stamp)


_driver = _Driver()
DriverProc = _driver.DriverProc
modMessage = _driver.modMessage
midMessage = _driver.midMessage
