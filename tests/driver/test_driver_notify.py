"""The notifier's timed calls: on its thread, in time order, what they post right after."""

from __future__ import annotations

import threading
import time

from audiodrv.core.notify import Notifier


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
