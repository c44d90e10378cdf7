"""The virtual interface (DESIGN.md, from the broadcast walk-through): output systems as
plug-ins, and the bridge's event report.

An output system is created by kind (:func:`create`), has named values to read and set
(``value_count``, ``get_value``, ``set_value``), sends packets whose completion comes back
through its ``on_complete(context, status)`` callback, and is destroyed.  The bridge's
:func:`report_event` writes to the system event log: journald where the ``systemd`` module
is present, else syslog where a local log socket exists, and always Python logging (the
``audiodrv.events`` logger).  The sample plug-in, ``"udp"``, binds a local address and
reports a bind failure with the socket error.  The RTP wave output sends through it.
"""

from __future__ import annotations

import enum
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

__all__ = ["OutputSystem", "Status", "UdpOutput", "create", "report_event"]

log = logging.getLogger("audiodrv.events")


class Status(enum.IntEnum):
    """How a packet's sending ended."""

    SENT = 0
    FAILED = 1
    CANCELLED = 2  # the output system was destroyed


def report_event(source: str, level: int, message: str) -> None:
    """Write an event to the system event log (and to Python logging)."""
    log.log(level, "%s: %s", source, message)
    try:
        from systemd import journal  # type: ignore[import-not-found]
    except ImportError:
        journal = None
    if journal is not None:
        journal.send(message, SYSLOG_IDENTIFIER=f"audiodrv-{source}",
                     PRIORITY=_syslog_priority(level))
    elif os.path.exists("/dev/log"):
        import syslog

        syslog.openlog(f"audiodrv-{source}")
        syslog.syslog(_syslog_priority(level), message)


def _syslog_priority(level: int) -> int:
    return 3 if level >= logging.ERROR else 4 if level >= logging.WARNING else 6


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "0.0.0.0", int(port)


def _resolved(text: str) -> tuple[str, int]:
    host, port = _address(text)
    return socket.gethostbyname(host), port


class OutputSystem:
    """What a plug-in implements; ``on_complete`` is set by its user before sending."""

    kind = ""
    values: dict[str, str]  # name -> value, in a fixed order

    def __init__(self, **values: str) -> None:
        self.on_complete: Callable[[Any, Status], None] = lambda context, status: None
        for name, value in values.items():
            self.set_value(list(self.values).index(name), value)

    def value_count(self) -> int:
        return len(self.values)

    def get_value(self, index: int) -> tuple[str, str]:
        """(name, value) of the value at ``index``."""
        name = list(self.values)[index]
        return name, self.values[name]

    def set_value(self, index: int, value: str) -> None:
        self.values[list(self.values)[index]] = value

    def send_packet(self, data: bytes, context: Any) -> None:
        raise NotImplementedError

    def destroy(self) -> None:
        raise NotImplementedError


class UdpOutput(OutputSystem):
    """Packets as UDP datagrams from ``local`` to ``remote`` (``host:port`` each)."""

    kind = "udp"

    def __init__(self, **values: str) -> None:
        self.values = {"local": "0.0.0.0:0", "remote": "127.0.0.1:5004"}
        self._socket: socket.socket | None = None
        self._remote = _resolved(self.values["remote"])
        super().__init__(**values)
        self._bind()

    def set_value(self, index: int, value: str) -> None:
        _address(value)  # a malformed address is refused here: ValueError
        super().set_value(index, value)
        if self.get_value(index)[0] == "remote":
            self._remote = _resolved(value)  # once, not per packet
        elif self._socket is not None:
            self._bind()

    def _bind(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        local = self.values["local"]
        try:
            sock.bind(_address(local))
        except OSError as exc:
            sock.close()
            report_event("udp", logging.ERROR, f"bind {local} failed: {exc}")
            raise
        if self._socket is not None:
            self._socket.close()
        self._socket = sock

    def send_packet(self, data: bytes, context: Any) -> None:
        if self._socket is None:
            self.on_complete(context, Status.CANCELLED)
            return
        try:
            self._socket.sendto(data, self._remote)
        except OSError:
            self.on_complete(context, Status.FAILED)
        else:
            self.on_complete(context, Status.SENT)

    def destroy(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


_KINDS: dict[str, type[OutputSystem]] = {UdpOutput.kind: UdpOutput}


def create(kind: str, **values: str) -> OutputSystem:
    """A new output system of ``kind`` with some of its values set; raises OSError when it
    cannot start (the event is reported), KeyError for an unknown kind."""
    return _KINDS[kind](**values)
