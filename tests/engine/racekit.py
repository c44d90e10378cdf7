"""A race between the thread completing a block and a second thread, for engine tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def race_inside_on_done(client: Any, token: Any,
                        other: Callable[[], None]) -> tuple[threading.Event, threading.Event]:
    """Make ``client.on_done(token, ...)`` start ``other`` on a second thread and give it
    0.2 s to finish before going on.  Returns ``(overtook, finished)``: whether ``other``
    finished while ``on_done`` ran, and when it finished at all.

    With completions posted under the client's lock, ``other`` (which needs that lock)
    cannot finish in that time; posted outside it, it can, and overtakes.
    """
    overtook, finished = threading.Event(), threading.Event()
    inner = client.on_done

    def on_done(t: Any, *rest: Any) -> None:
        if t == token:
            client.on_done = inner
            threading.Thread(target=lambda: (other(), finished.set()), daemon=True).start()
            if finished.wait(0.2):
                overtook.set()
        inner(t, *rest)

    client.on_done = on_done
    return overtook, finished
