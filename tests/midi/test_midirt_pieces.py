"""midirt.drv's split of one input message into what is delivered (no JACK needed)."""

from __future__ import annotations

import pytest

from audiodrv.driver.loader import load_driver_module

midirt = load_driver_module("midirt.drv", None).module
SHORT, SYSEX, BROKEN = midirt._SHORT, midirt._SYSEX, midirt._BROKEN_SYSEX


@pytest.mark.parametrize(("message", "pieces"), [
    ([0x90, 0x3C, 0x40], [(SHORT, b"\x90\x3c\x40")]),
    (b"\xc1\x05", [(SHORT, b"\xc1\x05")]),
    ([0x90, 0x3C], [(SHORT, b"\x90\x3c")]),  # short of a byte: MIM_ERROR later
    ([0xF7], [(SHORT, b"\xf7")]),
    ([0xF8], [(SHORT, b"\xf8")]),
    ([0xFE], []),  # active sensing is never delivered (B143)
    ([0xF8, 0x01], [(SHORT, b"\xf8"), (SHORT, b"\x01")]),
    ([0x90, 0x80, 0x01], [(SHORT, b"\x90"), (SHORT, b"\x80\x01")]),
    ([0x90, 0x3C, 0x40, 0x80, 0x3C, 0x00], [(SHORT, b"\x90\x3c\x40"), (SHORT, b"\x80\x3c\x00")]),
    ([0xF0, 0x01, 0xF7], [(SYSEX, b"\xf0\x01\xf7")]),
    ([0xF0, 0x01, 0xFE, 0xF8, 0x02, 0xF7], [(SHORT, b"\xf8"), (SYSEX, b"\xf0\x01\x02\xf7")]),
    ([0xF0, 0x01, 0x91, 0x3C, 0x40], [(BROKEN, b"\xf0\x01"), (SHORT, b"\x91\x3c\x40")]),
    ([], []),
])
def test_pieces(message, pieces):
    assert midirt._pieces(message) == pieces
