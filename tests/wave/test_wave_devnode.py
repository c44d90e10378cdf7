"""The audio server dies mid-stream: the devnode is disabled, every buffer comes back,
later calls fail cleanly, nothing hangs, and with the server back a rescan brings the
device back."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from kill_scenario import run

from audiodrv.mmsystem import (
    MMSYSERR_NOERROR,
    MMSYSERR_NOTENABLED,
    WHDR_DONE,
    WHDR_PREPARED,
)

pytestmark = pytest.mark.jack


def test_server_killed_mid_stream_returns_every_buffer(make_jack_server, tmp_path: Path):
    server = make_jack_server(activate=True)
    ini = tmp_path / "SYSTEM.INI"
    ini.write_text("[drivers]\nwave=sndpa.drv\nmidi=fluidsyn.drv\n")
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        report = pool.submit(run, str(ini), server.pid, server.name).result(timeout=90)
    assert report["open"] == (MMSYSERR_NOERROR, MMSYSERR_NOERROR)
    # Every queued buffer came back done, in order; waveIn returned what it had.
    assert report["all_done"] and report["done_order_ok"]
    assert report["flags"] == [WHDR_DONE | WHDR_PREPARED] * 3
    assert report["all_data"]
    assert report["recorded"][0] > 0 and all(n % 4 == 0 for n in report["recorded"])
    # Later calls fail with the spec's code; closing works; nothing hangs.
    assert report["late_write"] == MMSYSERR_NOTENABLED
    assert report["late_start"] == MMSYSERR_NOTENABLED
    assert report["close"] == (MMSYSERR_NOERROR, MMSYSERR_NOERROR)
    assert report["reopen"] == MMSYSERR_NOTENABLED
    assert server.wait(10) is not None  # jackd really died
    # The server back (same name), a rescan: the device opens and plays again.
    assert report["after_rescan"] == MMSYSERR_NOERROR
    assert report["played_after_rescan"]
    assert report["close_after_rescan"] == MMSYSERR_NOERROR
    # A handle opened before the death stays dead (its stream cannot come back) and closes.
    assert report["stale_write"] == MMSYSERR_NOTENABLED
    assert report["stale_close"] == MMSYSERR_NOERROR
    # The synthesizer mixed into that stream: the same story.
    assert report["synth_open"] == MMSYSERR_NOERROR and report["synth_played"]
    assert report["synth_stale"] == MMSYSERR_NOTENABLED
    assert report["synth_after_rescan"] == MMSYSERR_NOERROR
    assert report["synth_played_after_rescan"]
    assert report["synth_shared"] is False
    assert report["synth_close"] == (MMSYSERR_NOERROR, MMSYSERR_NOERROR)
