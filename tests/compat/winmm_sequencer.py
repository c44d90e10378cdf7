"""A program written for Windows, run unchanged by the compatibility tests: a tiny
sequencer that finds a MIDI output by name and plays eight notes, one every 10 ms, from a
multimedia timer callback, the way Windows MIDI programs did.

    python winmm_sequencer.py "<MIDI output name>"

Only ctypes and the standard library; caps declared with ``ctypes.wintypes`` (WCHAR).
"""

import sys
from ctypes import WINFUNCTYPE, Structure, byref, c_void_p, sizeof, windll
from ctypes.wintypes import DWORD, HANDLE, UINT, WCHAR, WORD

CALLBACK_NULL, TIME_PERIODIC, WAIT_OBJECT_0 = 0, 1, 0


class MIDIOUTCAPSW(Structure):
    _fields_ = [("wMid", WORD), ("wPid", WORD), ("vDriverVersion", UINT),
                ("szPname", WCHAR * 32), ("wTechnology", WORD), ("wVoices", WORD),
                ("wNotes", WORD), ("wChannelMask", WORD), ("dwSupport", DWORD)]


TIMECALLBACK = WINFUNCTYPE(None, UINT, UINT, c_void_p, c_void_p, c_void_p)
winmm, kernel32 = windll.winmm, windll.kernel32


def main(name):
    device = None
    for i in range(winmm.midiOutGetNumDevs()):
        caps = MIDIOUTCAPSW()
        if winmm.midiOutGetDevCapsW(i, byref(caps), sizeof(caps)) == 0 and \
                caps.szPname == name:
            device = i
    if device is None:
        print(f"no MIDI output {name!r}")
        return 1
    hmo = HANDLE()
    if winmm.midiOutOpen(byref(hmo), device, 0, 0, CALLBACK_NULL) != 0:
        print("midiOutOpen failed")
        return 1
    finished = kernel32.CreateEventW(None, True, False, None)
    sent = []

    def tick(timer_id, msg, user, dw1, dw2):
        if len(sent) < 8:
            note = 60 + len(sent)
            winmm.midiOutShortMsg(hmo, 0x90 | note << 8 | 100 << 16)
            sent.append(winmm.timeGetTime())
        if len(sent) == 8:
            kernel32.SetEvent(finished)

    callback = TIMECALLBACK(tick)
    winmm.timeBeginPeriod(1)
    timer = winmm.timeSetEvent(10, 1, callback, 0, TIME_PERIODIC)
    ok = timer and kernel32.WaitForSingleObject(finished, 5000) == WAIT_OBJECT_0
    winmm.timeKillEvent(timer)
    winmm.timeEndPeriod(1)
    kernel32.CloseHandle(finished)
    if winmm.midiOutClose(hmo) != 0 or not ok:
        print("the sequence did not finish")
        return 1
    print(f"8 notes in {sent[-1] - sent[0]} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
