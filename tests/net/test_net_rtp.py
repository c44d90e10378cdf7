"""netrtp.drv: waveOut* over RTP L16 on loopback, checked packet by packet with a socket of
our own and end to end with GStreamer's RTP receiver (TESTENV.md's recipe)."""

from __future__ import annotations

import ctypes
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import wave as wavefile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audiodrv import winmm
from audiodrv.core.system import reset_system
from audiodrv.mmsystem import (
    CALLBACK_EVENT,
    MMSYSERR_ALLOCATED,
    MMSYSERR_NOERROR,
    MMTIME,
    TIME_SAMPLES,
    WAVEFORMATEX,
    WAVEHDR,
    WAVERR_STILLPLAYING,
    WHDR_DONE,
)

HDR = ctypes.sizeof(WAVEHDR)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def rtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, Path]]:
    """A system with netrtp.drv sending to a free loopback port: (port, the SDP file)."""
    port = free_port()
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text(f"[drivers]\nwave=netrtp.drv\n\n[netrtp.drv]\ndest=127.0.0.1:{port}\n"
                   f"sdp={tmp_path / 'stream.sdp'}\n")
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", str(ini))
    assert reset_system(ini) is not None
    yield port, tmp_path / "stream.sdp"
    reset_system()


class Player:
    """A waveOut open with CALLBACK_EVENT and the headers it wrote."""

    def __init__(self, rate: int, channels: int) -> None:
        self.fmt = WAVEFORMATEX(wFormatTag=1, nChannels=channels, nSamplesPerSec=rate,
                                wBitsPerSample=16, nBlockAlign=2 * channels,
                                nAvgBytesPerSec=2 * channels * rate)
        self.event = threading.Event()
        handle = ctypes.c_void_p()
        self.result = winmm.waveOutOpen(ctypes.byref(handle), 0, ctypes.byref(self.fmt),
                                        self.event, 0, CALLBACK_EVENT)
        self.handle = handle.value
        self.headers: list[tuple[WAVEHDR, Any]] = []

    def write(self, samples: np.ndarray) -> None:
        data = ctypes.create_string_buffer(samples.astype("<i2").tobytes())
        hdr = WAVEHDR(lpData=ctypes.addressof(data), dwBufferLength=len(data) - 1)
        assert winmm.waveOutPrepareHeader(self.handle, ctypes.byref(hdr), HDR) == 0
        assert winmm.waveOutWrite(self.handle, ctypes.byref(hdr), HDR) == 0
        self.headers.append((hdr, data))

    def wait_done(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not all(h.dwFlags & WHDR_DONE for h, _ in self.headers):
            assert time.monotonic() < deadline, "headers not done"
            self.event.wait(0.05)
            self.event.clear()

    def position(self) -> int:
        mmt = MMTIME(wType=TIME_SAMPLES)
        assert winmm.waveOutGetPosition(self.handle, ctypes.byref(mmt), 12) == 0
        return mmt.u.sample

    def close(self) -> int:
        for hdr, _ in self.headers:
            winmm.waveOutUnprepareHeader(self.handle, ctypes.byref(hdr), HDR)
        return winmm.waveOutClose(self.handle)


def receive(port: int) -> tuple[socket.socket, list[bytes]]:
    """A socket on ``port`` and the list its thread appends each packet to."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.settimeout(0.2)
    packets: list[bytes] = []

    def run() -> None:
        while True:
            try:
                packets.append(sock.recv(65536))
            except TimeoutError:
                continue
            except OSError:
                return

    threading.Thread(target=run, daemon=True).start()
    return sock, packets


def test_packets_carry_the_samples_bit_for_bit_at_the_pace_of_real_time(rtp):
    port, sdp_file = rtp
    assert f"m=audio {port} RTP/AVP 96" in sdp_file.read_text()
    assert "a=rtpmap:96 L16/48000/2" in sdp_file.read_text()
    sock, packets = receive(port)
    try:
        player = Player(48000, 2)
        assert player.result == MMSYSERR_NOERROR
        ramp = (np.arange(2 * 9600) % 65536 - 32768).reshape(-1, 2)
        start = time.monotonic()
        player.write(ramp[:4800])
        player.write(ramp[4800:])
        player.wait_done()
        assert time.monotonic() - start >= 0.19  # 200 ms of audio, sent in real time
        assert player.position() == 9600
        assert player.close() == MMSYSERR_NOERROR
        time.sleep(0.1)  # the last datagrams through the loopback
    finally:
        sock.close()
    headers = [struct.unpack("!BBHII", p[:12]) for p in packets]
    assert {h[0] for h in headers} == {0x80}  # version 2, no padding, extension, CSRC
    assert [h[1] >> 7 for h in headers] == [1] + [0] * (len(headers) - 1)  # one talkspurt
    assert {h[1] & 0x7F for h in headers} == {96} and len({h[4] for h in headers}) == 1
    assert all((b[2] - a[2]) & 0xFFFF == 1 for a, b in zip(headers, headers[1:], strict=False))
    frames = [(len(p) - 12) // 4 for p in packets]
    assert all((b[3] - a[3]) & 0xFFFFFFFF == n
               for a, b, n in zip(headers, headers[1:], frames, strict=False))
    assert set(frames[:-1]) == {240} and sum(frames) == 9600  # 5 ms packets
    got = np.frombuffer(b"".join(p[12:] for p in packets), dtype=">i2").reshape(-1, 2)
    assert np.array_equal(got, ramp)


def test_pause_reset_one_open_and_close(rtp):
    port, _sdp = rtp
    sock, packets = receive(port)
    try:
        player = Player(48000, 2)
        other = Player(48000, 2)
        assert (player.result, other.result) == (MMSYSERR_NOERROR, MMSYSERR_ALLOCATED)
        player.write(np.zeros((48000, 2)))
        time.sleep(0.1)
        assert winmm.waveOutPause(player.handle) == 0
        time.sleep(0.02)  # a packet under way
        held = len(packets)
        time.sleep(0.1)
        assert len(packets) == held and 0 < player.position() < 48000  # nothing sent
        assert winmm.waveOutRestart(player.handle) == 0
        time.sleep(0.05)
        assert len(packets) > held
        assert player.close() == WAVERR_STILLPLAYING
        assert winmm.waveOutReset(player.handle) == 0
        assert player.headers[0][0].dwFlags & WHDR_DONE and player.position() == 0
        assert player.close() == MMSYSERR_NOERROR
    finally:
        sock.close()


def test_a_tone_reaches_gstreamer_at_its_frequency(rtp, tmp_path, require):
    """TESTENV.md's receive check; the application's 22050 Hz mono becomes the stream's
    48 kHz stereo on the way."""
    require(shutil.which("gst-launch-1.0") is not None,
            "gst-launch-1.0 is not installed (Debian: gstreamer1.0-tools "
            "gstreamer1.0-plugins-good)")
    port, _sdp = rtp
    rx = tmp_path / "rx.wav"
    caps = ("application/x-rtp,media=audio,clock-rate=48000,encoding-name=L16,channels=2,"
            "payload=96")
    gst = subprocess.Popen(
        ["gst-launch-1.0", "-e", "udpsrc", f"port={port}", f"caps={caps}", "!",
         "rtpjitterbuffer", "!", "rtpL16depay", "!", "audioconvert", "!", "wavenc", "!",
         "filesink", f"location={rx}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        assert gst.stdout is not None
        for line in gst.stdout:  # its socket is bound once it says it is playing
            if "PLAYING" in line:
                break
        player = Player(22050, 1)
        assert player.result == MMSYSERR_NOERROR
        t = np.arange(22050) / 22050
        player.write(np.sin(2 * np.pi * 1000 * t) * 16000)
        player.wait_done()
        assert player.close() == MMSYSERR_NOERROR
        time.sleep(0.2)  # the jitter buffer's latency
    finally:
        gst.send_signal(signal.SIGINT)
        gst.communicate(timeout=10)
    with wavefile.open(str(rx), "rb") as f:
        assert (f.getnchannels(), f.getframerate()) == (2, 48000)
        frames = f.getnframes()
        got = np.frombuffer(f.readframes(frames), dtype="<i2").reshape(-1, 2)[:, 0]
    assert abs(frames - 48000) < 480  # a second, give or take the resampler's edges
    spectrum = np.abs(np.fft.rfft(got * np.hanning(len(got))))
    assert abs(np.argmax(spectrum) * 48000 / len(got) - 1000) < 5


def test_a_short_header_goes_out_as_a_whole_packet_padded_with_silence(rtp):
    """Timestamps stay on the media clock: a packet carries a whole ptime, whatever the
    application had ready."""
    port, _sdp = rtp
    sock, packets = receive(port)
    try:
        player = Player(48000, 2)
        player.write(np.full((100, 2), 1000))
        player.wait_done()
        time.sleep(0.05)  # idle packets would come now, if any were sent
        assert player.close() == MMSYSERR_NOERROR
    finally:
        sock.close()
    assert len(packets) == 1 and packets[0][1] >> 7 == 1  # a talkspurt of one packet
    got = np.frombuffer(packets[0][12:], dtype=">i2").reshape(-1, 2)
    assert len(got) == 240 and (got[:100] == 1000).all() and not got[100:].any()
