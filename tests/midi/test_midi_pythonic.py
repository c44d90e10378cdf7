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


def test_midi_stream_plays_a_midi_file(probe):
    from audiodrv import MidiStream

    song = mido.MidiFile(ticks_per_beat=48)
    track = mido.MidiTrack([mido.Message("note_on", note=70, velocity=90, time=0),
                            mido.Message("note_off", note=70, velocity=0, time=12)])
    song.tracks.append(track)
    with MidiStream("probe_in") as stream:
        assert stream.tempo == 500000
        stream.tempo = 250000
        assert stream.queue_file(song) == 12
        assert stream.time_division == 48
        stream.restart()
        assert stream.wait(5)
        assert stream.position() >= 12
    assert probe.received.wait(2)
    assert [m[:2] for m in probe.received.items[:2]] == [[0x90, 70], [0x80, 70]]
