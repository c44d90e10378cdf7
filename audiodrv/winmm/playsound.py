"""PlaySound and sndPlaySound: a WAV file or in-memory RIFF image through the wave mapper
(not in the spec; semantics of the Windows SDK documentation).

One sound plays at a time: a new one stops the one playing (unless ``SND_NOSTOP``), and
``PlaySound(NULL)`` or ``SND_PURGE`` stops it.  The sound is queued as one header through
``waveOutOpen(WAVE_MAPPER)``, looped with ``WHDR_BEGINLOOP``/``ENDLOOP`` for ``SND_LOOP``.
There are no system sounds here: an alias (``SND_ALIAS``, ``SND_ALIAS_ID``) or a resource
plays nothing and returns FALSE, as Windows does for a missing sound with
``SND_NODEFAULT``.
"""

from __future__ import annotations

import ctypes
import logging
import os
import struct
import threading
from typing import Any

from audiodrv.core.notify import notifier
from audiodrv.mmsystem import (
    CALLBACK_EVENT,
    MMSYSERR_NOERROR,
    SND_ALIAS,
    SND_ALIAS_ID,
    SND_ASYNC,
    SND_FILENAME,
    SND_LOOP,
    SND_MEMORY,
    SND_NOSTOP,
    SND_PURGE,
    SND_RESOURCE,
    WAVE_MAPPER,
    WAVEFORMATEX,
    WAVEFORMATEXTENSIBLE,
    WAVEHDR,
    WHDR_BEGINLOOP,
    WHDR_DONE,
    WHDR_ENDLOOP,
)
from audiodrv.winmm.wave import (
    waveOutClose,
    waveOutOpen,
    waveOutPrepareHeader,
    waveOutReset,
    waveOutUnprepareHeader,
    waveOutWrite,
)

__all__ = ["PlaySound", "PlaySoundA", "PlaySoundW", "sndPlaySoundA", "sndPlaySoundW"]

log = logging.getLogger("audiodrv.winmm")


class _Sound:
    """One sound queued on its own waveOut handle."""

    def __init__(self, fmt: ctypes.Structure, data: bytes, loop: bool) -> None:
        self.done = threading.Event()
        self._closing = threading.Lock()
        self._buffer = ctypes.create_string_buffer(data, len(data))
        self.hdr = WAVEHDR(lpData=ctypes.addressof(self._buffer), dwBufferLength=len(data))
        if loop:
            self.hdr.dwFlags = WHDR_BEGINLOOP | WHDR_ENDLOOP
            self.hdr.dwLoops = 0xFFFFFFFF  # until stopped
        self.handle = ctypes.c_void_p()
        self.ok = waveOutOpen(ctypes.byref(self.handle), WAVE_MAPPER, ctypes.byref(fmt),
                              self.done, 0, CALLBACK_EVENT) == MMSYSERR_NOERROR
        size = ctypes.sizeof(WAVEHDR)
        self.ok = self.ok and waveOutPrepareHeader(self.handle.value, ctypes.byref(self.hdr),
                                                   size) == MMSYSERR_NOERROR
        self.ok = self.ok and waveOutWrite(self.handle.value, ctypes.byref(self.hdr),
                                           size) == MMSYSERR_NOERROR
        if not self.ok:
            self.close()

    @property
    def playing(self) -> bool:
        return self.ok and self.handle.value is not None and not self.hdr.dwFlags & WHDR_DONE

    def wait(self) -> None:
        while self.playing:
            self.done.wait(0.1)  # WOM_OPEN set it too: look at the header each time
            self.done.clear()

    def close(self) -> None:
        """Stop (every header comes back done), then let the device go; once."""
        with self._closing:
            if self.handle.value is None:
                return
            waveOutReset(self.handle.value)
            waveOutUnprepareHeader(self.handle.value, ctypes.byref(self.hdr),
                                   ctypes.sizeof(WAVEHDR))
            waveOutClose(self.handle.value)
            self.handle.value = None


# What plays now.  Changed under the lock, closed outside it: closing waits for the
# notifier, which may itself be in a PlaySound (a callback's).
_lock = threading.Lock()
_current: _Sound | None = None


def _replace(sound: _Sound | None, only: _Sound | None = None) -> None:
    """Make ``sound`` the one playing (``only``: if that one still is) and stop the other."""
    global _current
    with _lock:
        if only is not None and _current is not only:
            return
        old, _current = _current, sound
    if old is not None and old is not sound:
        old.close()


def _riff(image: bytes) -> tuple[ctypes.Structure, bytes] | None:
    """The format and the samples of a RIFF WAVE image, or None."""
    if len(image) < 12 or image[:4] != b"RIFF" or image[8:12] != b"WAVE":
        return None
    fmt = data = None
    at, end = 12, min(len(image), 8 + struct.unpack_from("<I", image, 4)[0])
    while at + 8 <= end:
        tag, size = image[at:at + 4], struct.unpack_from("<I", image, at + 4)[0]
        body = image[at + 8:at + 8 + size]
        if tag == b"fmt " and len(body) >= 16:
            layout = WAVEFORMATEXTENSIBLE if len(body) >= 40 else WAVEFORMATEX
            fmt = layout.from_buffer_copy(body[:ctypes.sizeof(layout)].ljust(
                ctypes.sizeof(layout), b"\0"))
            if layout is WAVEFORMATEX:
                fmt.cbSize = 0
        elif tag == b"data":
            data = body
        at += 8 + size + (size & 1)  # chunks are word-aligned
    return None if fmt is None or data is None else (fmt, data)


def _image(sound: Any, flags: int) -> bytes | None:
    """The RIFF image ``sound`` names: a file, or memory (bytes, a buffer, an address)."""
    if flags & SND_RESOURCE == SND_RESOURCE or \
            flags & (SND_ALIAS | SND_ALIAS_ID) and not flags & SND_FILENAME:
        return None  # no resources, no system sounds (SND_RESOURCE has SND_MEMORY's bit)
    if flags & SND_MEMORY:
        if isinstance(sound, (bytes, bytearray, memoryview)):
            return bytes(sound)
        if isinstance(sound, ctypes.Array):
            address = ctypes.addressof(sound)
        elif isinstance(sound, (ctypes.c_void_p, ctypes.c_char_p, ctypes._Pointer)):
            address = ctypes.cast(sound, ctypes.c_void_p).value or 0
        else:
            address = sound if isinstance(sound, int) else 0
        if not address:
            return None
        size = ctypes.c_uint32.from_address(address + 4).value + 8
        return ctypes.string_at(address, size)
    name = getattr(sound, "value", sound)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not isinstance(name, str) or not os.path.isfile(name):
        return None
    try:
        with open(name, "rb") as f:
            return f.read()
    except OSError:
        return None


def PlaySoundW(pszSound: Any, hmod: Any, fdwSound: int) -> int:
    """Play a WAV file or memory image; TRUE (1) when it plays (or played, synchronously).

    A synchronous sound asked for on the notifier thread (in a device callback) is refused
    with FALSE: its completion is delivered by that very thread, so it would never end.
    """
    sound = getattr(pszSound, "value", pszSound)
    if not sound or fdwSound & SND_PURGE:
        _replace(None)
        return 1
    if fdwSound & SND_LOOP and not fdwSound & SND_ASYNC:
        return 0  # a loop without SND_ASYNC would never return
    if not fdwSound & SND_ASYNC and notifier.is_notifier_thread():
        log.warning("PlaySound: a synchronous sound from a device callback would never end")
        return 0
    current = _current
    if fdwSound & SND_NOSTOP and current is not None and current.playing:
        return 0
    _replace(None)  # the sound playing stops first, whether the new one plays or not
    image = _image(pszSound, fdwSound)
    parsed = None if image is None else _riff(image)
    if parsed is None:
        return 0
    playing = _Sound(*parsed, loop=bool(fdwSound & SND_LOOP))
    if not playing.ok:
        return 0
    _replace(playing)
    if fdwSound & SND_ASYNC:
        if not fdwSound & SND_LOOP:
            threading.Thread(target=_finish, args=(playing,), name="audiodrv-playsound",
                             daemon=True).start()
        return 1
    _finish(playing)
    return 1


def _finish(sound: _Sound) -> None:
    """Wait for a sound to end (or be stopped), then let its device go."""
    sound.wait()
    _replace(None, only=sound)
    sound.close()


PlaySoundA = PlaySound = PlaySoundW


def sndPlaySoundW(lpszSound: Any, fuSound: int) -> int:
    """``PlaySound`` with a file name (or, with ``SND_MEMORY``, an image)."""
    flags = fuSound & (SND_ASYNC | SND_LOOP | SND_MEMORY | SND_NOSTOP)
    return PlaySoundW(lpszSound, None, flags | (0 if flags & SND_MEMORY else SND_FILENAME))


sndPlaySoundA = sndPlaySoundW
