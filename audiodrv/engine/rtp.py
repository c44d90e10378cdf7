"""RTP output (RFC 3550, with the L16 payload of RFC 3551): what a playback writes into a
ring goes out as packets of big-endian 16-bit samples, at the pace of real time, through
an output system of the virtual interface (:mod:`audiodrv.engine.vif`: UDP).

A :class:`RtpSender` owns the ring and a thread that, every ``packet_frames`` of wall-clock
time, sends one packet of that many frames: what the ring holds, the rest silence (the
application was late or is at its end), so the timestamps stay on the media clock.  While
nothing is queued (or the sender is paused) no packet goes out but the timestamp still
advances, and the first packet after such a gap carries the marker bit, so a receiver
plays the gap as silence.  :func:`sdp` describes the stream for receivers that want a session file.
"""

from __future__ import annotations

import logging
import random
import struct
import threading
import time
from collections.abc import Callable

import numpy as np

from audiodrv.engine.portaudio import RingBuffer
from audiodrv.engine.vif import OutputSystem, Status, report_event

__all__ = ["RtpSender", "sdp"]

log = logging.getLogger("audiodrv.engine.rtp")

RING_FRAMES = 1 << 15  # power of two (PortAudio's ring)
MAX_PAYLOAD = 65000  # bytes: what one UDP datagram carries, headers aside


def sdp(address: tuple[str, int], rate: int, channels: int, payload_type: int,
        ptime_ms: float, name: str = "audiodrv") -> str:
    """A session description (RFC 8866) of the stream a sender with these settings sends."""
    host, port = address
    return "\r\n".join([
        "v=0", f"o=- {random.getrandbits(32)} 1 IN IP4 {host}", f"s={name}",
        f"c=IN IP4 {host}", "t=0 0", f"m=audio {port} RTP/AVP {payload_type}",
        f"a=rtpmap:{payload_type} L16/{rate}/{channels}", f"a=ptime:{ptime_ms:g}", "",
    ])


class RtpSender:
    """Packets of ``packet_frames`` frames from ``ring`` through ``output``, paced.

    ``after_packet`` runs on the sender's thread after each period (set it to the
    playback's service: completions and top-ups).  :meth:`hold` pauses the reading; every
    read is under ``lock``, so a reset holding it sees the ring untouched.
    """

    def __init__(self, output: OutputSystem, rate: int, channels: int,
                 packet_frames: int, payload_type: int) -> None:
        self.output = output
        output.on_complete = self._completed
        self.rate, self.channels, self.payload_type = rate, channels, payload_type
        self.packet_frames = min(packet_frames, MAX_PAYLOAD // (2 * channels))
        self.after_packet: Callable[[], object] = lambda: None
        self.ring = RingBuffer(4 * channels, RING_FRAMES)
        self.lock = threading.Lock()
        self.held = False
        self.errors = 0  # packets the network refused (logged once)
        self._seq = random.getrandbits(16)
        self._timestamp = random.getrandbits(32)
        self._ssrc = random.getrandbits(32)
        self._marker = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audiodrv-rtp", daemon=True)
        self._thread.start()

    def hold(self, held: bool) -> None:
        with self.lock:
            self.held = held

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self.output.destroy()

    def _run(self) -> None:
        step = self.packet_frames / self.rate
        due = time.monotonic() + step
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            with self.lock:
                ready = 0 if self.held else min(self.ring.read_available, self.packet_frames)
                if ready:
                    samples = np.zeros(self.packet_frames * self.channels, dtype=np.float32)
                    samples[:ready * self.channels] = np.frombuffer(self.ring.read(ready),
                                                                    dtype=np.float32)
                    self._send(samples)
                else:
                    self._timestamp = (self._timestamp + self.packet_frames) & 0xFFFFFFFF
                    self._marker = True  # a gap: the next packet starts a talkspurt
            try:
                self.after_packet()
            except Exception:
                log.exception("rtp: servicing the playback failed")
            due += step
            late = time.monotonic() - due
            # Late by a few packets: they go out back to back (a jitter buffer absorbs
            # that).  Stalled: the media clock ran on meanwhile, and no burst makes up for it.
            skipped = int(late / step) if late > 0.1 else 0
            if skipped:
                due += skipped * step
                with self.lock:
                    self._timestamp = (self._timestamp + skipped * self.packet_frames) \
                        & 0xFFFFFFFF
                    self._marker = True

    def _completed(self, seq: int, status: Status) -> None:
        if status != Status.SENT:
            if not self.errors:  # once: a dead route fails every packet
                report_event("rtp", logging.WARNING, f"packet {seq} not sent: {status.name}")
            self.errors += 1

    def _send(self, samples: np.ndarray) -> None:
        frames = len(samples) // self.channels
        # The scale 16-bit PCM was decoded with: 16-bit input goes out bit for bit.
        pcm = np.clip(np.round(samples * 32768), -32768, 32767).astype(">i2").tobytes()
        header = struct.pack("!BBHII", 0x80, (0x80 if self._marker else 0) | self.payload_type,
                             self._seq, self._timestamp, self._ssrc)
        self.output.send_packet(header + pcm, self._seq)
        self._seq = (self._seq + 1) & 0xFFFF
        self._timestamp = (self._timestamp + frames) & 0xFFFFFFFF
        self._marker = False
