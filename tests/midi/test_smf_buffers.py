"""A Standard MIDI File as stream buffers (``smf_to_stream``), without a device."""

from __future__ import annotations

import mido
import pytest

from audiodrv.engine.midistream import is_well_formed, parse_events
from audiodrv.midi import smf_to_stream
from audiodrv.mmsystem import MEVT_LONGMSG, MEVT_SHORTMSG, MEVT_TEMPO
from audiodrv.winmm.midistream import MAX_STREAM_BUFFER


def song(sysex_size: int, count: int) -> mido.MidiFile:
    """A tempo change, then ``count`` SysEx messages of ``sysex_size`` bytes (F0 and F7
    included) each followed by a note-on one tick later."""
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=400_000, time=0)])
    for k in range(count):
        body = [k % 128] * (sysex_size - 2)
        track.append(mido.Message("sysex", data=body, time=1))
        track.append(mido.Message("note_on", note=k % 128, velocity=64, time=1))
    return mido.MidiFile(tracks=[track])


def test_buffers_stay_within_a_stream_buffer_and_keep_every_event():
    """B174: no buffer over 64 KB, whatever the events' sizes (5000 SysEx messages of 12
    bytes once made a 112 KB buffer that midiOutPrepareHeader refused)."""
    buffers, total = smf_to_stream(song(12, 5000))
    assert total == 10_000
    assert len(buffers) > 1
    assert all(0 < len(b) <= MAX_STREAM_BUFFER and is_well_formed(b, len(b)) for b in buffers)
    events = [e for b in buffers for e in parse_events(b, len(b))]
    assert [e.type for e in events] == [MEVT_TEMPO] + [MEVT_LONGMSG, MEVT_SHORTMSG] * 5000
    assert [e.delta for e in events] == [0] + [1] * 10_000
    assert events[-2].data == bytes([0xF0] + [4999 % 128] * 10 + [0xF7])


def test_a_sysex_longer_than_a_stream_buffer_is_refused():
    with pytest.raises(ValueError, match="does not fit in a stream buffer"):
        smf_to_stream(song(MAX_STREAM_BUFFER, 1))
