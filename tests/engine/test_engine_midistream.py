"""MIDI stream scheduler: buffer parsing, the tempo map, position, pause/stop, the thread.

Most tests run without the thread (``threaded=False``) on a fake clock and step it to
exact nanoseconds; the few that use the real thread and clock size their tolerances for a
busy two-core machine.
"""

from __future__ import annotations

import struct
import threading
import time
from typing import Any

import pytest

from audiodrv.engine.midistream import (
    Scheduler,
    Smpte,
    State,
    StreamEvent,
    StreamSink,
    is_well_formed,
    iter_events,
    ns_per_tick,
    parse_events,
    smpte_time,
    song_position,
)
from audiodrv.mmsystem import (
    MEVT_COMMENT,
    MEVT_F_CALLBACK,
    MEVT_F_LONG,
    MEVT_LONGMSG,
    MEVT_NOP,
    MEVT_SHORTMSG,
    MEVT_TEMPO,
    MEVT_VERSION,
    TIME_BYTES,
    TIME_MIDI,
    TIME_MS,
    TIME_SAMPLES,
    TIME_SMPTE,
    TIME_TICKS,
)
from audiodrv.mmsystem.errors import InvalidParamError

MS = 1_000_000  # ns


# -- building stream buffers -------------------------------------------------------------------


def record(delta: int, event: int, stream_id: int = 0, data: bytes = b"") -> bytes:
    raw = struct.pack("<III", delta, stream_id, event) + data
    return raw + b"\0" * (-len(raw) % 4)


def short(delta: int, msg: int, *, cb: bool = False, stream_id: int = 0) -> bytes:
    return record(delta, (MEVT_SHORTMSG << 24) | msg | (MEVT_F_CALLBACK if cb else 0), stream_id)


def nop(delta: int, *, cb: bool = True, stream_id: int = 0) -> bytes:
    return record(delta, (MEVT_NOP << 24) | (MEVT_F_CALLBACK if cb else 0), stream_id)


def tempo(delta: int, usec: int) -> bytes:
    return record(delta, (MEVT_TEMPO << 24) | usec)


def sysex(delta: int, data: bytes, *, cb: bool = False) -> bytes:
    event = (MEVT_LONGMSG << 24) | MEVT_F_LONG | len(data) | (MEVT_F_CALLBACK if cb else 0)
    return record(delta, event, data=data)


def events(*records: bytes) -> list[StreamEvent]:
    buf = b"".join(records)
    return parse_events(buf, len(buf))


# -- fakes -------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


class Recorder(StreamSink):
    """Records every sink call as a tuple, with the clock value when it came."""

    def __init__(self, clock: Any = time.perf_counter_ns) -> None:
        self.clock = clock
        self.calls: list[tuple[Any, ...]] = []
        self.times: list[int] = []
        self.done = threading.Event()

    def _add(self, *item: Any) -> None:
        self.times.append(self.clock())
        self.calls.append(item)

    def send_short(self, msg: int) -> None:
        self._add("short", msg)

    def send_long(self, data: bytes) -> None:
        self._add("long", data)

    def on_position_callback(self, token: Any, offset: int) -> None:
        self._add("pos", token, offset)

    def on_done(self, token: Any) -> None:
        self._add("done", token)
        self.done.set()

    def on_tempo(self, tempo: int) -> None:
        self._add("tempo", tempo)

    def reset(self) -> None:
        self._add("reset")

    def take(self) -> list[tuple[Any, ...]]:
        calls, self.calls, self.times = self.calls, [], []
        return calls


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sink(clock: FakeClock) -> Recorder:
    return Recorder(clock)


@pytest.fixture
def sched(sink: Recorder, clock: FakeClock) -> Scheduler:
    return Scheduler(sink, clock=clock, threaded=False)


def at(sched: Scheduler, clock: FakeClock, ns: int) -> int | None:
    clock.now = ns
    return sched.service()


# -- parsing -----------------------------------------------------------------------------------


def test_parse_mixed_short_long_and_padded_events_with_their_offsets():
    buf = b"".join([
        short(0, 0x006F4593),
        sysex(5, b"\xF0\x7E\x7F\x09\x01\xF7", cb=True),  # 6 bytes -> padded to 8
        tempo(0, 300000),
        sysex(1, b"\xF0\x01\x02\xF7"),  # 4 bytes: no padding
        nop(7),
    ])
    evs = parse_events(buf, len(buf))
    assert [e.offset for e in evs] == [0, 12, 32, 44, 60]
    assert [e.delta for e in evs] == [0, 5, 0, 1, 7]
    assert [e.type for e in evs] == [MEVT_SHORTMSG, MEVT_LONGMSG, MEVT_TEMPO, MEVT_LONGMSG,
                                     MEVT_NOP]
    assert [e.callback for e in evs] == [False, True, False, False, True]
    assert evs[0].parm == 0x006F4593 and evs[0].data == b""
    assert evs[1].data == b"\xF0\x7E\x7F\x09\x01\xF7" and evs[1].parm == 6
    assert evs[1].is_long and evs[1].size == 20
    assert evs[2].parm == 300000 and not evs[2].is_long and evs[2].size == 12
    assert evs[3].data == b"\xF0\x01\x02\xF7" and evs[3].size == 16
    assert is_well_formed(buf, len(buf))


def test_only_bytes_recorded_are_parsed_and_memoryviews_are_accepted():
    buf = bytearray(nop(0) + nop(0))
    assert [e.offset for e in parse_events(memoryview(buf), 12)] == [0]
    assert parse_events(buf, 0) == []
    assert [e.offset for e in iter_events(buf, 24)] == [0, 12]
    with pytest.raises(ValueError):
        parse_events(buf, 28)


def test_stream_id_and_callback_bit_are_kept_apart_from_the_type():
    (ev,) = events(record(3, 0x42000000, stream_id=0xFFFFFFFF))
    assert ev.type == MEVT_NOP and ev.callback and ev.stream_id == 0xFFFFFFFF
    (ev,) = events(record(0, ((MEVT_COMMENT | 0x40) << 24) | 4, data=b"abcd"))
    assert ev.type == MEVT_COMMENT and ev.callback and ev.data == b"abcd"


def test_a_truncated_long_event_ends_the_walk():
    buf = short(0, 0x90) + record(0, MEVT_F_LONG | 40, data=b"\xF0")
    assert [e.type for e in parse_events(buf, len(buf))] == [MEVT_SHORTMSG]
    assert not is_well_formed(buf, len(buf))


@pytest.mark.parametrize(("length", "ok"), [
    (0, True), (12, True), (24, True), (44, True),  # event boundaries
    (23, False),  # not a multiple of 4
    (16, False), (36, False), (40, False),  # inside a header, inside the long one's bytes
    (48, False),  # beyond the buffer
])
def test_well_formed_needs_multiple_of_4_ending_on_an_event(length: int, ok: bool):
    buf = nop(0) + nop(0) + sysex(0, b"\xF0\x7E\x00\x01\xF7")  # 12 + 12 + (12 + 5 -> 8)
    assert len(buf) == 44
    assert is_well_formed(buf, length) is ok


# -- time-division arithmetic ------------------------------------------------------------------


def test_tick_length_ppqn_and_smpte():
    assert ns_per_tick(500000, 24) * 12 == 250 * MS
    assert ns_per_tick(250000, 24) * 12 == 125 * MS
    assert ns_per_tick(500000, 0xE204) * 12 == 100 * MS  # 30 fps x 4 = 120 ticks/s
    assert ns_per_tick(123, 0xE204) == ns_per_tick(500000, 0xE204)  # tempo has no say
    assert ns_per_tick(500000, 0xE728) * 1000 == 1000 * MS  # 25 fps x 40 = 1000 ticks/s
    assert ns_per_tick(500000, 0xE301) * 30000 == 1001 * 1000 * MS  # 29.97 fps


def test_song_position_rounds_to_sixteenths_and_reports_1_once_moving():
    assert song_position(0, 24) == 0
    assert song_position(1, 24) == 1  # (1 + 3) // 6 == 0, reported as 1
    assert song_position(3, 24) == 1
    assert song_position(9, 24) == 2
    assert song_position(96, 24) == 16  # one 4/4 bar
    assert song_position(2, 12) == 1  # divisions below 24 count as 24
    assert song_position(480 * 4, 480) == 16
    assert song_position(59, 480) == 1 and song_position(60, 480) == 1
    assert song_position(180, 480) == 2


def test_smpte_time_from_ticks():
    assert smpte_time(0, 0xE204) == Smpte(0, 0, 0, 0, 30)
    assert smpte_time(120 * 3661 + 4 * 7 + 3, 0xE204) == Smpte(1, 1, 1, 7, 30)
    assert smpte_time(40 * 24, 0xE728) == Smpte(0, 0, 0, 24, 25)
    # 29.97 drop-frame: real frame 1800 is labelled 00:01:00;02, 17982 is 00:10:00;00.
    assert smpte_time(1799, 0xE301) == Smpte(0, 0, 59, 29, 29)
    assert smpte_time(1800, 0xE301) == Smpte(0, 1, 0, 2, 29)
    assert smpte_time(17982, 0xE301) == Smpte(0, 10, 0, 0, 29)


# -- the scheduler on a fake clock ---------------------------------------------------------------


def test_a_new_stream_is_paused_and_position_is_0_with_a_header_queued(sched, sink, clock):
    assert sched.state is State.PAUSED
    assert (sched.tempo, sched.time_division) == (500000, 24)
    sched.out("h", events(short(0, 0x90), nop(12)))
    assert at(sched, clock, 90 * MS) is None
    assert sink.calls == []  # B156
    assert sched.position(TIME_MS) == (TIME_MS, 0)
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 0)


def test_tempo_event_changes_the_conversion_from_its_tick_on(sched, sink, clock):
    sched.out("h", events(short(0, 0x90), short(12, 0x91), tempo(0, 250000), short(12, 0x92)))
    sched.restart()
    assert sink.take() == [("short", 0x90)]
    assert at(sched, clock, 250 * MS - 1) == 250 * MS  # 12 ticks at 500000 µs/qn
    assert sink.calls == []
    assert at(sched, clock, 250 * MS) == 375 * MS  # the next 12 ticks take 125 ms
    assert sink.take() == [("short", 0x91), ("tempo", 250000)]
    assert sched.tempo == 250000
    assert at(sched, clock, 375 * MS - 1) == 375 * MS
    assert at(sched, clock, 375 * MS) is None
    assert sink.take() == [("short", 0x92), ("done", "h")]


def test_position_ticks_are_continuous_between_events_and_across_tempo(sched, sink, clock):
    sched.out("h", events(nop(0), tempo(12, 250000), nop(24)))
    sched.restart()
    clock.now = 125 * MS
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 6)  # strictly between 0 and 12 (B169)
    clock.now = 250 * MS + 1
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 12)
    clock.now = 250 * MS + 62_500_000  # 6 more ticks at the new tempo
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 18)
    assert sched.position(TIME_MS) == (TIME_MS, 312)
    assert sched.position(TIME_MIDI) == (TIME_MIDI, 3)  # (18 + 3) // 6


def test_position_reads_a_tempo_event_that_is_due_even_before_the_thread_plays_it(
        sched, sink, clock):
    sched.out("h", events(tempo(12, 250000), nop(24)))
    sched.restart()
    clock.now = 500 * MS  # no service() since the start: the tempo event is overdue
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 36)  # 12 + 24 at the new tempo
    assert ("tempo", 250000) in sink.take()


def test_pause_freezes_position_and_is_excluded_from_the_schedule(sched, sink, clock):
    # B171: two callbacks 12 ticks apart with a 100 ms pause in between: 350 ms apart.
    sched.out("h", events(nop(0), nop(12)))
    sched.restart()
    assert sink.take() == [("pos", "h", 0)]
    clock.now = 100 * MS
    sched.pause()
    for t in (150 * MS, 200 * MS):
        clock.now = t
        assert sched.service() is None
        assert sched.position(TIME_MS) == (TIME_MS, 100)
        assert sched.position(TIME_TICKS) == (TIME_TICKS, 4)
    sched.restart()
    assert at(sched, clock, 350 * MS - 1) == 350 * MS
    assert sink.calls == []
    at(sched, clock, 350 * MS)
    assert sink.take() == [("pos", "h", 12), ("done", "h")]


def test_pause_after_an_event_was_due_still_plays_it_once(sched, sink, clock):
    sched.out("h", events(short(0, 0x90), short(12, 0x80), short(12, 0x90)))
    sched.restart()
    clock.now = 260 * MS  # the second event is overdue when the pause comes
    sched.pause()
    assert sink.take() == [("short", 0x90), ("short", 0x80)]
    clock.now = 1000 * MS
    sched.restart()
    assert sink.calls == []
    at(sched, clock, 1000 * MS + 240 * MS)  # 260 ms had elapsed; the third is due at 500
    assert sink.take() == [("short", 0x90), ("done", "h")]


def test_restart_on_a_playing_stream_changes_nothing(sched, sink, clock):
    sched.out("h", events(nop(0, cb=False), nop(12)))
    sched.restart()
    clock.now = 100 * MS
    sched.restart()  # B163
    assert sched.position(TIME_MS) == (TIME_MS, 100)
    assert at(sched, clock, 250 * MS) is None
    assert sink.take() == [("pos", "h", 12), ("done", "h")]


def test_stop_returns_every_header_in_order_and_rewinds(sched, sink, clock):
    for name in "abc":
        sched.out(name, events(short(0, 0x90), nop(48)))
    sched.restart()
    clock.now = 100 * MS
    sched.stop()
    assert sink.take() == [("short", 0x90), ("reset",), ("done", "a"), ("done", "b"),
                           ("done", "c")]
    assert sched.state is State.STOPPED and sched.queued == 0
    assert sched.position(TIME_MS) == (TIME_MS, 0)
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 0)
    # A header queued after a stop waits for restart, and plays from position 0.
    sched.out("d", events(nop(12)))
    assert at(sched, clock, 900 * MS) is None and sink.calls == []
    sched.restart()
    assert at(sched, clock, 900 * MS + 250 * MS - 1) == 1150 * MS
    at(sched, clock, 1150 * MS)
    assert sink.take() == [("pos", "d", 0), ("done", "d")]


def test_headers_complete_in_order_and_callbacks_carry_offsets(sched, sink, clock):
    sched.out("a", events(nop(0), nop(0)))
    sched.out("b", events(short(0, 0x90, cb=True)))
    sched.restart()
    assert sink.take() == [("pos", "a", 0), ("pos", "a", 12), ("done", "a"),
                           ("short", 0x90), ("pos", "b", 0), ("done", "b")]


def test_empty_header_is_just_done_when_playback_reaches_it(sched, sink, clock):
    sched.out("empty", [])  # dwBytesRecorded 0 (B159)
    assert sink.calls == []  # paused: nothing yet
    sched.restart()
    assert sink.take() == [("done", "empty")]


def test_foreign_stream_id_returns_the_header_unplayed_in_order(sched, sink, clock):
    sched.out("a", events(short(0, 0x90), short(12, 0x80)))
    sched.out("bad", events(short(0, 0x91), short(0, 0x92, stream_id=7), nop(0)))
    sched.out("c", events(short(0, 0x93, stream_id=1), short(0, 0x94, stream_id=0xFFFFFFFF)))
    sched.restart()
    assert sink.take() == [("short", 0x90)]
    at(sched, clock, 250 * MS)
    assert sink.take() == [("short", 0x80), ("done", "a"), ("done", "bad"),
                           ("short", 0x93), ("short", 0x94), ("done", "c")]


def test_foreign_header_at_the_head_is_returned_even_while_paused(sched, sink, clock):
    sched.out("bad", events(nop(0, stream_id=2)))
    assert sink.take() == [("done", "bad")]


def test_nop_comment_and_version_send_nothing_long_messages_go_out_whole(sched, sink, clock):
    sched.out("h", events(
        nop(0, cb=False),
        record(0, (MEVT_COMMENT << 24) | 3, data=b"abc"),
        record(0, (MEVT_VERSION << 24) | 4, data=b"\0\0\0\1"),
        record(0, 0x3F000000),  # an unknown short type
        sysex(0, b"\xF0\x43\x12\x00\xF7"),
    ))
    sched.restart()
    assert sink.take() == [("long", b"\xF0\x43\x12\x00\xF7"), ("done", "h")]


def test_position_types_with_ppqn_division(sched, sink, clock):
    # B166
    sched.out("h", events(nop(0, cb=False), nop(96, cb=False)))
    sched.restart()
    clock.now = 1000 * MS  # 48 ticks at 24 PPQN
    assert sched.position(TIME_MS) == (TIME_MS, 1000)
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 48)
    assert sched.position(TIME_MIDI) == (TIME_MIDI, 8)
    for kind in (TIME_SMPTE, TIME_SAMPLES, TIME_BYTES, 0x40):
        assert sched.position(kind) == (TIME_MS, 1000)


def test_smpte_division_schedules_in_frames_and_answers_smpte(sched, sink, clock):
    # B167, B171: 0xE204 is 30 frames/s x 4 ticks = 120 ticks/s; the tempo has no say.
    sched.set_time_division(0xE204)
    sched.set_tempo(100000)
    sched.out("h", events(nop(0), nop(12), nop(120 * 3600)))
    sched.restart()
    assert sink.take() == [("pos", "h", 0)]
    assert at(sched, clock, 100 * MS) == 100 * MS + 3600 * 1000 * MS
    assert sink.take() == [("pos", "h", 12)]
    clock.now = 1500 * MS
    assert sched.position(TIME_SMPTE) == (TIME_SMPTE, Smpte(0, 0, 1, 15, 30))
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 180)
    assert sched.position(TIME_MIDI) == (TIME_MS, 1500)  # no song position for SMPTE
    at(sched, clock, 100 * MS + 3600 * 1000 * MS)
    assert sink.take() == [("pos", "h", 24), ("done", "h")]
    assert sched.position(TIME_SMPTE)[1] == Smpte(1, 0, 0, 3, 30)


def test_song_position_is_1_once_a_tick_elapsed(sched, sink, clock):
    sched.out("h", events(nop(96, cb=False)))
    sched.restart()
    clock.now = 20 * MS  # below one tick (20.8 ms)
    assert sched.position(TIME_MIDI) == (TIME_MIDI, 0)
    clock.now = 21 * MS
    assert sched.position(TIME_MIDI) == (TIME_MIDI, 1)


def test_properties_tempo_any_time_time_division_not_while_playing(sched, sink, clock):
    sched.set_time_division(480)
    assert sched.time_division == 480
    sched.out("h", events(nop(0, cb=False), nop(480)))
    sched.restart()
    with pytest.raises(InvalidParamError) as info:
        sched.set_time_division(96)
    assert isinstance(info.value, ValueError)  # and its code is MMSYSERR_INVALPARAM
    assert sched.time_division == 480
    # Half a quarter note at 500000, then the rest at 250000: ticks are kept (B170).
    clock.now = 250 * MS
    sched.set_tempo(250000)
    assert sched.tempo == 250000
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 240)
    assert at(sched, clock, 375 * MS - 1) == 375 * MS
    at(sched, clock, 375 * MS)
    assert sink.take() == [("pos", "h", 12), ("done", "h")]
    sched.pause()
    sched.set_time_division(24)  # allowed again
    assert sched.position(TIME_TICKS) == (TIME_TICKS, 480)


def test_no_drift_over_ten_thousand_one_tick_events(sched, sink, clock):
    # 20833333.33 ns per tick: due times are computed from the tick, never accumulated,
    # and rounded up (an event never goes out before its tick).
    n = 10_000
    sched.out("h", events(*(short(1, 0x90 + (k & 0xF)) for k in range(n))))
    sched.restart()
    for k in range(1, n + 1):
        due = -(-k * 500000 * 1000 // 24)
        assert at(sched, clock, due - 1) == due
        assert len(sink.calls) == k - 1
        at(sched, clock, due)
        assert len(sink.calls) == k + (k == n)  # the last one also finishes the header
    assert sink.calls[-2:] == [("short", 0x90 + ((n - 1) & 0xF)), ("done", "h")]
    assert sched.position(TIME_TICKS) == (TIME_TICKS, n)
    assert sched.position(TIME_MS) == (TIME_MS, n * 500 // 24)


def test_a_late_header_after_the_queue_ran_dry_starts_now(sink, clock):
    sched = Scheduler(sink, clock=clock, threaded=False)
    sched.out("a", events(nop(0, cb=False)))
    sched.restart()
    assert sink.take() == [("done", "a")]
    clock.now = 5000 * MS  # the stream idled for 5 s
    sched.out("b", events(short(0, 0x90), short(12, 0x80)))
    assert sink.take() == [("short", 0x90)]  # now, not a burst of the whole backlog
    assert at(sched, clock, 5250 * MS - 1) == 5250 * MS
    at(sched, clock, 5250 * MS)
    assert sink.take() == [("short", 0x80), ("done", "b")]
    assert sched.position(TIME_MS) == (TIME_MS, 5250)  # the clock itself never slipped


def test_a_header_just_in_time_is_caught_up_without_drift(sink, clock):
    sched = Scheduler(sink, clock=clock, threaded=False)
    sched.out("a", events(short(0, 0x90)))
    sched.restart()
    clock.now = 30 * MS  # the next buffer comes 30 ms late: within the limit
    sched.out("b", events(short(0, 0x80), short(12, 0x90)))
    assert sink.take() == [("short", 0x90), ("done", "a"), ("short", 0x80)]
    assert at(sched, clock, 250 * MS) is None  # still on the original grid
    assert sink.take() == [("short", 0x90), ("done", "b")]


def test_without_a_late_limit_a_late_header_is_caught_up_like_wine(sink, clock):
    sched = Scheduler(sink, clock=clock, threaded=False, late_limit_ns=None)
    sched.out("a", [])
    sched.restart()
    clock.now = 1000 * MS
    sched.out("b", events(short(0, 0x90), short(12, 0x80), short(48, 0x90)))
    assert sink.take() == [("done", "a"), ("short", 0x90), ("short", 0x80)]


def test_a_sink_calling_back_in_is_served_in_order(clock):
    class Chain(Recorder):
        def on_done(self, token: Any) -> None:
            super().on_done(token)
            if token == "a":
                sched.out("b", events(short(0, 0x91)))

    sink = Chain(clock)
    sched = Scheduler(sink, clock=clock, threaded=False)
    sched.out("a", events(short(0, 0x90)))
    sched.restart()
    assert sink.take() == [("short", 0x90), ("done", "a"), ("short", 0x91), ("done", "b")]


def test_a_failing_sink_does_not_stop_the_stream(clock, caplog):
    class Broken(Recorder):
        def send_short(self, msg: int) -> None:
            raise RuntimeError("device gone")

    sink = Broken(clock)
    sched = Scheduler(sink, clock=clock, threaded=False)
    sched.out("h", events(short(0, 0x90, cb=True)))
    sched.restart()
    assert sink.take() == [("pos", "h", 0), ("done", "h")]
    assert "device gone" in caplog.text


# -- the real thread and clock -----------------------------------------------------------------


def _gap_with_a_pause() -> float:
    """Two callbacks 12 ticks apart, a 100 ms pause in between: their distance in ms."""
    sink = Recorder()
    with Scheduler(sink) as sched:
        sched.out("h", events(nop(0), nop(12)))
        sched.restart()
        deadline = time.monotonic() + 5
        while not sink.calls and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(0.05)
        sched.pause()
        paused = sched.position(TIME_MS)[1]
        time.sleep(0.1)
        assert sched.position(TIME_MS)[1] == paused  # frozen
        sched.restart()
        assert sink.done.wait(5)
        first, second = sink.times[0], sink.times[1]
    assert [c[0] for c in sink.calls] == ["pos", "pos", "done", "reset"]
    return (second - first) / MS


def test_thread_plays_on_time_and_excludes_a_pause():
    # 250 ms of playing plus the 100 ms pause (B171).  The machine may be shared: a stall
    # of the whole process is retried, a wrong schedule fails every time.
    gaps = []
    for _ in range(3):
        gaps.append(_gap_with_a_pause())
        if abs(gaps[-1] - 350) < 30:
            return
    pytest.fail(f"callbacks {gaps} ms apart, expected 350 +- 30")


def test_thread_wakes_early_for_a_tempo_change_and_stop_returns_headers_in_order():
    sink = Recorder()
    sched = Scheduler(sink)
    try:
        sched.out("a", events(nop(0), nop(48)))  # 500 ms at the default tempo
        sched.out("b", events(nop(0)))
        sched.out("c", [])
        sched.restart()
        time.sleep(0.05)
        start = sink.times[0]
        sched.set_tempo(50000)  # the rest of the 48 ticks now takes about 95 ms
        assert sink.done.wait(5)
        assert (sink.times[1] - start) / MS < 250
        sink.done.clear()
        sched.pause()
        sched.out("d", events(nop(0)))
        sched.out("e", events(nop(0)))
        sched.stop()  # returns only when every on_done was delivered
        assert [c for c in sink.calls if c[0] in ("done", "reset")] == [
            ("done", "a"), ("done", "b"), ("done", "c"), ("reset",), ("done", "d"),
            ("done", "e")]
        assert sched.position(TIME_MS) == (TIME_MS, 0)
    finally:
        sched.close()
    assert not sched._thread.is_alive()


def test_close_from_a_sink_callback_does_not_deadlock():
    closed = threading.Event()

    class Closer(Recorder):
        def on_done(self, token: Any) -> None:
            super().on_done(token)
            if token == "h":
                sched.close()
                closed.set()

    sink = Closer()
    sched = Scheduler(sink)
    sched.out("h", events(nop(0)))
    sched.restart()
    assert closed.wait(5)
    sched._thread.join(5)
    assert not sched._thread.is_alive()
    assert [c[0] for c in sink.calls] == ["pos", "done", "reset"]
