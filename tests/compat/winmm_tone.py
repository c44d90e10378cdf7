"""A program written for Windows, run unchanged by the compatibility tests: it plays half a
second of a 1 kHz tone through the wave mapper with ``ctypes.windll.winmm``.

    python winmm_tone.py event       CALLBACK_EVENT: a kernel32 event, WaitForSingleObject
    python winmm_tone.py function    CALLBACK_FUNCTION: a WINFUNCTYPE callback

It prints the callback messages it saw and exits with 1 on any failure.  Only ctypes and
the standard library, structures declared with ``ctypes.wintypes``, as such programs are.
"""

import math
import struct
import sys
from ctypes import (
    POINTER,
    WINFUNCTYPE,
    Structure,
    byref,
    c_void_p,
    cast,
    create_string_buffer,
    sizeof,
    windll,
)
from ctypes.wintypes import BOOL, DWORD, HANDLE, LPSTR, UINT, WORD

WAVE_MAPPER = 0xFFFFFFFF
CALLBACK_FUNCTION, CALLBACK_EVENT = 0x30000, 0x50000
WOM_OPEN, WOM_CLOSE, WOM_DONE = 0x3BB, 0x3BC, 0x3BD
WHDR_DONE = 1
WAIT_OBJECT_0 = 0


class WAVEFORMATEX(Structure):
    _fields_ = [("wFormatTag", WORD), ("nChannels", WORD), ("nSamplesPerSec", DWORD),
                ("nAvgBytesPerSec", DWORD), ("nBlockAlign", WORD), ("wBitsPerSample", WORD),
                ("cbSize", WORD)]


class WAVEHDR(Structure):
    pass


WAVEHDR._fields_ = [("lpData", LPSTR), ("dwBufferLength", DWORD), ("dwBytesRecorded", DWORD),
                    ("dwUser", c_void_p), ("dwFlags", DWORD), ("dwLoops", DWORD),
                    ("lpNext", POINTER(WAVEHDR)), ("reserved", c_void_p)]

WAVEOUTPROC = WINFUNCTYPE(None, HANDLE, UINT, c_void_p, c_void_p, c_void_p)

winmm, kernel32 = windll.winmm, windll.kernel32
winmm.waveOutOpen.argtypes = [POINTER(HANDLE), UINT, POINTER(WAVEFORMATEX), c_void_p, c_void_p,
                              DWORD]
winmm.waveOutOpen.restype = UINT
kernel32.CreateEventW.restype = HANDLE
kernel32.CloseHandle.restype = BOOL

NAMES = {WOM_OPEN: "WOM_OPEN", WOM_DONE: "WOM_DONE", WOM_CLOSE: "WOM_CLOSE"}


def check(result, what):
    if result != 0:
        print(f"{what} failed: {result}")
        sys.exit(1)


def main(mode):
    seen = []
    callback = WAVEOUTPROC(lambda hwo, msg, instance, p1, p2: seen.append(msg))
    event = kernel32.CreateEventW(None, False, False, None)
    rate, frames = 48000, 24000
    pcm = struct.pack(f"<{frames}h", *(int(16000 * math.sin(2 * math.pi * 1000 * n / rate))
                                        for n in range(frames)))
    data = create_string_buffer(pcm, len(pcm))
    hdr = WAVEHDR(lpData=cast(data, LPSTR), dwBufferLength=len(pcm))
    fmt = WAVEFORMATEX(1, 1, rate, rate * 2, 2, 16, 0)
    hwo = HANDLE()
    if mode == "event":
        check(winmm.waveOutOpen(byref(hwo), WAVE_MAPPER, byref(fmt), event, 0, CALLBACK_EVENT),
              "waveOutOpen")
    else:
        check(winmm.waveOutOpen(byref(hwo), WAVE_MAPPER, byref(fmt), callback, 0,
                                CALLBACK_FUNCTION), "waveOutOpen")
    check(winmm.waveOutPrepareHeader(hwo, byref(hdr), sizeof(hdr)), "waveOutPrepareHeader")
    check(winmm.waveOutWrite(hwo, byref(hdr), sizeof(hdr)), "waveOutWrite")
    while not hdr.dwFlags & WHDR_DONE:
        if mode == "event":
            if kernel32.WaitForSingleObject(event, 5000) != WAIT_OBJECT_0:
                print("no event within 5 s")
                return 1
        else:
            kernel32.Sleep(10)
    check(winmm.waveOutUnprepareHeader(hwo, byref(hdr), sizeof(hdr)), "waveOutUnprepareHeader")
    check(winmm.waveOutClose(hwo), "waveOutClose")
    if not kernel32.CloseHandle(event):
        print("CloseHandle failed")
        return 1
    print(" ".join(NAMES.get(msg, hex(msg)) for msg in seen) or "(no callbacks)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "event"))
