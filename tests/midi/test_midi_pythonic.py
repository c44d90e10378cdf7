"""The Pythonic MIDI layer over real JACK MIDI ports: mido messages both ways."""

from __future__ import annotations

import mido
import pytest

from audiodrv import MidiIn, MidiOut, midi_devices

pytestmark = pytest.mark.jack


def test_mido_messages_out_and_in(probe):
    assert ("output", 0, "probe_in:in") in midi_devices()
    with MidiOut("probe_in") as out:
        out.send(mido.Message("note_on", channel=2, note=64, velocity=90))
        out.send(mido.Message("sysex", data=[0x7E, 0x7F, 0x09, 0x01]))
        assert probe.received.wait(2)
        assert probe.received.items == [[0x92, 64, 90], [0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7]]
    with MidiIn("probe_out") as midi_in:
        midi_in.start()
        probe.midi_out.send_message([0xB1, 7, 100])
        probe.midi_out.send_message([0xF0, 0x43, 0x10, 0xF7])
        message, stamp = midi_in.receive(timeout=5)
        assert message == mido.Message("control_change", channel=1, control=7, value=100)
        sysex, _ = midi_in.receive(timeout=5)
        assert sysex.type == "sysex" and list(sysex.data) == [0x43, 0x10]
        assert stamp >= 0
