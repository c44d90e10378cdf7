"""midirt.drv: MIDI ports over RtMidi, one MIDI out per output port, one MIDI in per input
port, each port a devnode.

The RtMidi API is chosen per platform (ALSA where the sequencer exists, JACK when a server
is up, CoreMIDI, WinMM) unless ``[midirt.drv] api=`` names one; ``virtual=name,...`` adds
a MIDI out and a MIDI in device per name that open a port of their own (``name``) for
other programs to connect to.  Output keeps running
status per spec B106; input delivers ``MIM_DATA`` with milliseconds since ``midiInStart``,
SysEx into the queued buffers (spanning several when longer than one), and ``MIM_ERROR``
for malformed data.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from audiodrv import ddk
from audiodrv.engine import midiport

DESCRIPTION = "midi:MIDI ports (RtMidi)"

log = logging.getLogger("audiodrv.driver.midirt")

# RtMidi queues input until polled (engine.midiport.MidiInPort says why it is not a
# callback).  While an input is started the interval is what polling adds to MIDI in
# latency, half of it on average; open but not started, input is only discarded, slowly
# enough to cost nothing and fast enough that RtMidi's 1024-message queue never fills.
POLL_INTERVAL = 0.0005
IDLE_POLL_INTERVAL = 0.02

# Bytes in a message by status (0x80..0xFF); system-exclusive is handled apart.
_LENGTHS = {**{s: 3 for s in range(0x80, 0xC0)}, **{s: 2 for s in range(0xC0, 0xE0)},
            **{s: 3 for s in range(0xE0, 0xF0)}, 0xF1: 2, 0xF2: 3, 0xF3: 2, 0xF6: 1,
            **{s: 1 for s in range(0xF8, 0x100)}}


def _short_bytes(packed: int, running: int) -> tuple[bytes, int]:
    """The bytes of a packed short message and the new running status (spec B106)."""
    status = packed & 0xFF
    if status < 0x80:
        if not running:
            return b"", running  # COMPAT: data bytes without a running status are dropped
        status, data = running, [packed & 0xFF, (packed >> 8) & 0xFF]
    else:
        data = [(packed >> 8) & 0xFF, (packed >> 16) & 0xFF]
        if status < 0xF0:
            running = status
        elif status <= 0xF7:
            running = 0
    length = _LENGTHS.get(status, 1)
    return bytes([status, *data][:length]), running


class _Out:
    def __init__(self, port: midiport.MidiOutPort, desc: ddk.OpenDesc, flags: int) -> None:
        self.port, self.desc, self.flags = port, desc, flags
        self.running = 0

    def notify(self, msg: int, p1: int = 0) -> None:
        self.desc.notify(self.flags, msg, p1)


class _In:
    def __init__(self, desc: ddk.OpenDesc, flags: int) -> None:
        self.desc, self.flags = desc, flags
        self.port: midiport.MidiInPort | None = None
        self.buffers: deque[Any] = deque()
        self.started_ns: int | None = None
        self.sysex_without_buffer = 0  # SysEx bytes that found no buffer: reported, counted
        self.lock = threading.Lock()
        self.drain_lock = threading.Lock()  # the input thread's and a stop's drains in turn

    def notify(self, msg: int, p1: int = 0, p2: int = 0) -> None:
        self.desc.notify(self.flags, msg, p1, p2)

    def complete_head(self, timestamp: int) -> None:
        hdr = self.buffers.popleft()
        hdr.dwFlags = (hdr.dwFlags & ~ddk.MHDR_INQUEUE) | ddk.MHDR_DONE
        self.notify(ddk.MIM_LONGDATA, ddk.address_of(hdr), timestamp)


class _Driver:
    def __init__(self) -> None:
        self.api: int | None = None
        # (devnode, port name, virtual) per local id
        self.outs: list[tuple[int, str, bool]] = []
        self.ins: list[tuple[int, str, bool]] = []
        self.inputs: set[_In] = set()
        self._wake = threading.Event()  # an input opened or started
        self._thread: threading.Thread | None = None

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

    def _common(self, uMsg: int) -> int:
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
            return self._common(uMsg)
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
            inst = _In(dwParam1, dwParam2)
            try:
                _dn, name, virtual = self.ins[uDeviceID]
                inst.port = midiport.MidiInPort(self.api, name, virtual=virtual)
            except OSError as exc:
                log.warning("%s", exc)
                return ddk.MMSYSERR_NOTENABLED
            self.inputs.add(inst)
            self._wake.set()
            self._start_thread()
            dwUser.value = inst
            inst.notify(ddk.MIM_OPEN)
            return ddk.MMSYSERR_NOERROR
        inst = dwUser if isinstance(dwUser, _In) else None
        if inst is None:
            return self._common(uMsg)
        if uMsg == ddk.MIDM_ADDBUFFER:
            with inst.lock:
                inst.buffers.append(dwParam1)
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MIDM_START:
            self._drain(inst)  # what came before the start is discarded
            with inst.lock:
                if inst.started_ns is None:
                    inst.started_ns = time.monotonic_ns()
            self._wake.set()
            return ddk.MMSYSERR_NOERROR
        if uMsg in (ddk.MIDM_STOP, ddk.MIDM_RESET):
            self._drain(inst)
            with inst.lock:
                stamp = self._stamp(inst, time.monotonic_ns())
                inst.started_ns = None
                if uMsg == ddk.MIDM_RESET:
                    while inst.buffers:
                        inst.complete_head(stamp)
                elif inst.buffers and inst.buffers[0].dwBytesRecorded:
                    inst.complete_head(stamp)  # the partly filled buffer (documented)
            return ddk.MMSYSERR_NOERROR
        if uMsg == ddk.MIDM_CLOSE:
            if inst.buffers:
                return ddk.MIDIERR_STILLPLAYING
            self.inputs.discard(inst)
            assert inst.port is not None
            inst.port.close()
            inst.notify(ddk.MIM_CLOSE)
            return ddk.MMSYSERR_NOERROR
        return ddk.MMSYSERR_NOTSUPPORTED

    def _start_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="midirt-input",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            if not self.inputs:
                self._wake.wait()
            elif all(inst.started_ns is None for inst in list(self.inputs)):
                self._wake.wait(IDLE_POLL_INTERVAL)
            else:
                time.sleep(POLL_INTERVAL)
            self._wake.clear()
            for inst in list(self.inputs):
                self._drain(inst)

    @staticmethod
    def _stamp(inst: _In, arrival_ns: int) -> int:
        return max(0, (arrival_ns - (inst.started_ns or arrival_ns)) // 1_000_000)

    def _drain(self, inst: _In) -> None:
        """Turn queued port messages into notifications (on this driver's thread)."""
        assert inst.port is not None
        with inst.drain_lock:
            arrival = time.monotonic_ns()
            for message in inst.port.receive():
                self._deliver(inst, message, arrival)

    def _deliver(self, inst: _In, message: list[int], arrival: int) -> None:
        with inst.lock:
            if inst.started_ns is None:
                return  # nothing is delivered before midiInStart or after a stop
            stamp = self._stamp(inst, arrival)
            if message and message[0] == 0xF0:
                self._sysex(inst, bytes(message), stamp)
                return
        packed = sum(b << (8 * i) for i, b in enumerate(message[:3]))
        well_formed = bool(message) and message[0] >= 0x80 and \
            len(message) == _LENGTHS.get(message[0], 0) and \
            all(b < 0x80 for b in message[1:])
        inst.notify(ddk.MIM_DATA if well_formed else ddk.MIM_ERROR, packed, stamp)

    def _sysex(self, inst: _In, data: bytes, stamp: int) -> None:
        """Fill queued buffers in order; a buffer completes when full or at 0xF7 (B144)."""
        while data:
            if not inst.buffers:
                inst.sysex_without_buffer += len(data)
                log.warning("MIDI in: %d SysEx bytes arrived with no buffer queued",
                            len(data))
                inst.notify(ddk.MIM_LONGERROR, 0, stamp)
                return
            hdr = inst.buffers[0]
            view = ddk.header_data(hdr)
            room = len(view) - hdr.dwBytesRecorded
            take = data[:room]
            view[hdr.dwBytesRecorded:hdr.dwBytesRecorded + len(take)] = take
            hdr.dwBytesRecorded += len(take)
            data = data[len(take):]
            if hdr.dwBytesRecorded == len(view) or take.endswith(b"\xf7"):
                inst.complete_head(stamp)


_driver = _Driver()
DriverProc = _driver.DriverProc
modMessage = _driver.modMessage
midMessage = _driver.midMessage
