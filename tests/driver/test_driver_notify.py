"""The notifier's timed and watched calls: on its thread, in time order, what they post
right after."""

from __future__ import annotations

import os
import select
import threading
import time

from audiodrv.core.notify import Notifier, _select_briefly


def test_timed_calls_run_on_the_notifier_thread_in_time_order_with_their_posts():
    notifier = Notifier()
    seen: list[tuple[str, bool]] = []
    finished = threading.Event()

    def record(name: str) -> None:
        seen.append((name, notifier.is_notifier_thread()))

    def late() -> None:
        record("late")
        notifier.post(record, "posted by late")
        notifier.post(finished.set)

    start = time.monotonic()
    notifier.call_at(start + 0.2, late)
    # An earlier call added later still runs first: the thread was waiting for 0.2 s.
    notifier.call_at(start + 0.05, lambda: record("early"))
    notifier.post(record, "posted")
    assert finished.wait(5)
    assert seen == [("posted", True), ("early", True), ("late", True),
                    ("posted by late", True)]
    assert time.monotonic() - start >= 0.2


def test_a_raising_timed_call_does_not_stop_the_thread():
    notifier = Notifier()
    ran = threading.Event()
    notifier.call_at(time.monotonic(), lambda: 1 / 0)
    notifier.call_at(time.monotonic(), ran.set)
    assert ran.wait(5)


def test_a_watched_fd_runs_its_call_on_the_notifier_thread_with_posts_and_timers():
    notifier = Notifier()
    read_end, write_end = os.pipe()
    seen: list[tuple[str, bool]] = []
    done = threading.Event()

    def readable() -> None:
        seen.append((os.read(read_end, 16).decode(), notifier.is_notifier_thread()))
        done.set()

    notifier.watch(read_end, readable)
    for byte in (b"a", b"b"):
        done.clear()
        os.write(write_end, byte)
        assert done.wait(5)
    # Posts and timed calls still run while the thread waits on the fd.
    for schedule in (lambda: notifier.post(done.set),
                     lambda: notifier.call_at(time.monotonic() + 0.01, done.set)):
        done.clear()
        schedule()
        assert done.wait(5)
    notifier.unwatch(read_end)
    os.close(read_end)  # closed after unwatch: the thread goes on without it
    os.close(write_end)
    done.clear()
    notifier.post(done.set)
    assert done.wait(5)
    assert seen == [("a", True), ("b", True)]


def test_a_watched_fd_closed_without_unwatch_is_dropped_not_spun_on():
    notifier = Notifier()
    read_end, write_end = os.pipe()
    calls: list[int] = []
    notifier.watch(read_end, lambda: calls.append(1))
    os.close(read_end)  # the driver forgot unwatch(): poll() reports POLLNVAL
    os.close(write_end)
    done = threading.Event()
    for _ in range(3):  # each post is one more turn of the thread's loop
        done.clear()
        notifier.post(done.set)
        assert done.wait(5)
    assert read_end not in notifier._watched
    assert calls == []


def test_the_sub_millisecond_wait_reports_a_readable_fd_and_survives_a_closed_one():
    read_end, write_end = os.pipe()
    assert _select_briefly((read_end,), 0.0005) == []
    os.write(write_end, b"x")
    assert _select_briefly((read_end,), 0.0005) == [(read_end, select.POLLIN)]
    os.close(read_end)
    os.close(write_end)
    assert _select_briefly((read_end,), 0.0005) == []  # a plain sleep, no error


def test_switch_interval_is_held_lowest_and_given_back():
    import sys

    from audiodrv.core.notify import hold_switch_interval

    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.004)
        release_a = hold_switch_interval(0.002)
        release_b = hold_switch_interval(0.001)
        assert sys.getswitchinterval() == 0.001
        release_b()
        release_b()  # a second call changes nothing
        assert sys.getswitchinterval() == 0.002
        release_a()
        assert sys.getswitchinterval() == 0.004
        release = hold_switch_interval(0.01)  # never above the application's own
        assert sys.getswitchinterval() == 0.004
        release()
        release = hold_switch_interval(0.001)
        sys.setswitchinterval(0.003)  # the application's choice while held: kept
        release()
        assert sys.getswitchinterval() == 0.003
    finally:
        sys.setswitchinterval(before)


def test_an_alarm_rings_once_at_the_earliest_time_asked():
    from audiodrv.core.notify import Alarm, notifier

    rang: list[float] = []
    done = threading.Event()

    def ring() -> None:
        rang.append(time.monotonic())
        done.set()

    alarm = Alarm(ring)
    start = time.monotonic()
    alarm.at(start + 0.3)
    alarm.at(start + 0.1)  # earlier: takes the place of 0.3
    alarm.at(start + 0.2)  # later than one pending: met by it
    past = threading.Event()
    notifier.call_at(start + 0.35, past.set)  # runs after every time asked
    assert done.wait(5) and past.wait(5)
    assert len(rang) == 1 and 0.1 <= rang[0] - start < 0.2


def test_a_value_the_application_set_while_held_comes_back_after_the_last_release():
    import sys

    from audiodrv.core.notify import hold_switch_interval

    before = sys.getswitchinterval()
    try:
        release_a = hold_switch_interval(0.001)
        sys.setswitchinterval(0.003)
        release_b = hold_switch_interval(0.001)
        assert sys.getswitchinterval() == 0.001
        release_b()
        release_a()
        assert sys.getswitchinterval() == 0.003
    finally:
        sys.setswitchinterval(before)
