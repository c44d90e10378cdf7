"""The virtual interface: the UDP output system's values, packets and completions, and a
bind failure reported with its socket error (no audio server needed)."""

from __future__ import annotations

import errno
import logging
import socket
from typing import Any

import pytest

from audiodrv.engine import vif
from audiodrv.mmsystem import MMSYSERR_NOTENABLED


@pytest.fixture
def receiver() -> Any:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def test_values_packets_and_completions(receiver):
    port = receiver.getsockname()[1]
    output = vif.create("udp", remote=f"127.0.0.1:{port}", local="127.0.0.1:0")
    done: list[tuple[Any, vif.Status]] = []
    output.on_complete = lambda context, status: done.append((context, status))
    assert output.value_count() == 2
    assert output.get_value(1) == ("remote", f"127.0.0.1:{port}")
    with pytest.raises(ValueError):
        output.set_value(1, "no port")
    output.send_packet(b"one", "first")
    assert receiver.recv(100) == b"one" and done == [("first", vif.Status.SENT)]
    output.set_value(1, "127.0.0.1:0")  # port 0: the network refuses it
    output.send_packet(b"two", "second")
    assert done[-1] == ("second", vif.Status.FAILED)
    output.destroy()
    output.send_packet(b"three", "third")
    assert done[-1] == ("third", vif.Status.CANCELLED)


def test_a_bind_failure_is_reported_with_the_socket_error(receiver, caplog):
    busy = f"127.0.0.1:{receiver.getsockname()[1]}"
    with caplog.at_level(logging.ERROR, logger="audiodrv.events"), \
            pytest.raises(OSError) as failure:
        vif.create("udp", local=busy)
    assert failure.value.errno == errno.EADDRINUSE
    assert f"udp: bind {busy} failed: [Errno {errno.EADDRINUSE}]" in caplog.text


def test_netrtp_cannot_open_from_a_busy_address(receiver, tmp_path, monkeypatch, caplog):
    import ctypes

    from audiodrv import winmm
    from audiodrv.core.system import reset_system
    from audiodrv.mmsystem import WAVEFORMATEX

    busy = receiver.getsockname()[1]
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text(f"[drivers]\nwave=netrtp.drv\n\n[netrtp.drv]\nlocal=127.0.0.1:{busy}\n")
    monkeypatch.setenv("AUDIODRV_SYSTEM_INI", str(ini))
    assert reset_system(ini) is not None
    try:
        fmt = WAVEFORMATEX(wFormatTag=1, nChannels=2, nSamplesPerSec=48000, wBitsPerSample=16,
                           nBlockAlign=4, nAvgBytesPerSec=192000)
        handle = ctypes.c_void_p()
        with caplog.at_level(logging.ERROR, logger="audiodrv.events"):
            result = winmm.waveOutOpen(ctypes.byref(handle), 0, ctypes.byref(fmt), 0, 0, 0)
        assert result == MMSYSERR_NOTENABLED
        assert "Address already in use" in caplog.text
    finally:
        reset_system()
