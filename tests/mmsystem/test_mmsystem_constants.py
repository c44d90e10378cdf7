"""Constants of spec section 1 (1.2-1.10), message families and message_name()."""

from __future__ import annotations

import ast
import sys
import uuid
from enum import IntEnum
from pathlib import Path
from types import FunctionType, ModuleType

import pytest

import audiodrv.mmsystem as mm
from audiodrv.mmsystem import constants

# (name, value) pairs copied from spec/winmm-behaviour.md section 1.
SPEC_VALUES: list[tuple[str, int]] = [
    # 1.1 (non-MMRESULT part)
    ("TASKERR_NOTASKSUPPORT", 1),
    ("TASKERR_OUTOFMEMORY", 2),
    ("MAXERRORLENGTH", 256),
    ("MAXPNAMELEN", 32),
    # 1.2
    ("WHDR_DONE", 0x00000001),
    ("WHDR_PREPARED", 0x00000002),
    ("WHDR_BEGINLOOP", 0x00000004),
    ("WHDR_ENDLOOP", 0x00000008),
    ("WHDR_INQUEUE", 0x00000010),
    ("MHDR_DONE", 0x00000001),
    ("MHDR_PREPARED", 0x00000002),
    ("MHDR_INQUEUE", 0x00000004),
    ("MHDR_ISSTRM", 0x00000008),
    # 1.3
    ("MM_MCINOTIFY", 0x3B9),
    ("MM_WOM_OPEN", 0x3BB),
    ("WOM_OPEN", 955),
    ("MM_WOM_CLOSE", 0x3BC),
    ("WOM_CLOSE", 956),
    ("MM_WOM_DONE", 0x3BD),
    ("WOM_DONE", 957),
    ("MM_WIM_OPEN", 0x3BE),
    ("WIM_OPEN", 958),
    ("MM_WIM_CLOSE", 0x3BF),
    ("WIM_CLOSE", 959),
    ("MM_WIM_DATA", 0x3C0),
    ("WIM_DATA", 960),
    ("MM_MIM_OPEN", 0x3C1),
    ("MIM_OPEN", 961),
    ("MM_MIM_CLOSE", 0x3C2),
    ("MIM_CLOSE", 962),
    ("MM_MIM_DATA", 0x3C3),
    ("MIM_DATA", 963),
    ("MM_MIM_LONGDATA", 0x3C4),
    ("MIM_LONGDATA", 964),
    ("MM_MIM_ERROR", 0x3C5),
    ("MIM_ERROR", 965),
    ("MM_MIM_LONGERROR", 0x3C6),
    ("MIM_LONGERROR", 966),
    ("MM_MOM_OPEN", 0x3C7),
    ("MOM_OPEN", 967),
    ("MM_MOM_CLOSE", 0x3C8),
    ("MOM_CLOSE", 968),
    ("MM_MOM_DONE", 0x3C9),
    ("MOM_DONE", 969),
    ("MM_MOM_POSITIONCB", 0x3CA),
    ("MOM_POSITIONCB", 970),
    ("MM_MIM_MOREDATA", 0x3CC),
    ("MIM_MOREDATA", 972),
    ("MM_MIXM_LINE_CHANGE", 0x3D0),
    ("MM_MIXM_CONTROL_CHANGE", 0x3D1),
    # 1.4
    ("CALLBACK_TYPEMASK", 0x00070000),
    ("CALLBACK_NULL", 0x00000000),
    ("CALLBACK_WINDOW", 0x00010000),
    ("CALLBACK_TASK", 0x00020000),
    ("CALLBACK_THREAD", 0x00020000),
    ("CALLBACK_FUNCTION", 0x00030000),
    ("CALLBACK_EVENT", 0x00050000),
    ("WAVE_FORMAT_QUERY", 0x0001),
    ("WAVE_ALLOWSYNC", 0x0002),
    ("WAVE_MAPPED", 0x0004),
    ("WAVE_FORMAT_DIRECT", 0x0008),
    ("WAVE_FORMAT_DIRECT_QUERY", 0x0009),
    ("MIDI_IO_STATUS", 0x00000020),
    ("WAVE_MAPPER", 0xFFFFFFFF),
    ("MIDI_MAPPER", 0xFFFFFFFF),
    ("MIDIMAPPER", 0xFFFFFFFF),
    ("AUX_MAPPER", 0xFFFFFFFF),
    ("DCB_NULL", 0),
    ("DCB_WINDOW", 1),
    ("DCB_TASK", 2),
    ("DCB_FUNCTION", 3),
    ("DCB_EVENT", 5),
    ("DCB_TYPEMASK", 0x0007),
    ("DCB_NOSWITCH", 0x0008),
    ("MIDI_CACHE_ALL", 1),
    ("MIDI_CACHE_BESTFIT", 2),
    ("MIDI_CACHE_QUERY", 3),
    ("MIDI_UNCACHE", 4),
    # 1.5 generic
    ("DRV_LOAD", 0x0001),
    ("DRV_ENABLE", 0x0002),
    ("DRV_OPEN", 0x0003),
    ("DRV_CLOSE", 0x0004),
    ("DRV_DISABLE", 0x0005),
    ("DRV_FREE", 0x0006),
    ("DRV_CONFIGURE", 0x0007),
    ("DRV_QUERYCONFIGURE", 0x0008),
    ("DRV_INSTALL", 0x0009),
    ("DRV_REMOVE", 0x000A),
    ("DRV_EXITSESSION", 0x000B),
    ("DRV_EXITAPPLICATION", 0x000C),
    ("DRV_POWER", 0x000F),
    ("DRV_RESERVED", 0x0800),
    ("DRV_MCI_FIRST", 0x0800),
    ("DRV_MCI_LAST", 0x17FF),
    ("DRV_USER", 0x4000),
    ("DRVCNF_CANCEL", 0),
    ("DRV_CANCEL", 0),
    ("DRVCNF_OK", 1),
    ("DRV_OK", 1),
    ("DRVCNF_RESTART", 2),
    ("DRV_RESTART", 2),
    ("DRV_SUCCESS", 1),
    ("DRV_FAILURE", 0),
    ("DRVEA_NORMALEXIT", 1),
    ("DRVEA_ABNORMALEXIT", 2),
    ("GND_FIRSTINSTANCEONLY", 1),
    ("GND_FORWARD", 0),
    ("GND_REVERSE", 2),
    # 1.5 DDK
    ("DRVM_INIT", 100),
    ("DRVM_EXIT", 101),
    ("DRVM_DISABLE", 102),
    ("DRVM_ENABLE", 103),
    ("DRVM_IOCTL", 0x0100),
    ("DRVM_ADD_THRU", 0x0101),
    ("DRVM_REMOVE_THRU", 0x0102),
    ("DRVM_IOCTL_LAST", 0x0105),
    ("DRVM_IOCTL_CMD_USER", 0),
    ("DRVM_IOCTL_CMD_SYSTEM", 0x80000000),
    ("DRVM_MAPPER", 0x2000),
    ("DRVM_USER", 0x4000),
    ("DRVM_MAPPER_STATUS", 0x2000),
    ("DRVM_MAPPER_RECONFIGURE", 0x2001),
    ("DRVM_MAPPER_PREFERRED_GET", 0x2015),
    ("DRVM_MAPPER_CONSOLEVOICECOM_GET", 0x2017),
    ("DRVM_MAPPER_PREFERRED_FLAGS_PREFERREDONLY", 1),
    ("DRV_QUERYDRVENTRY", 0x0801),
    ("DRV_QUERYDEVNODE", 0x0802),
    ("DRV_QUERYNAME", 0x0803),
    ("DRV_QUERYDRIVERIDS", 0x0804),
    ("DRV_QUERYMAPPABLE", 0x0805),
    ("DRV_QUERYMODULE", 0x0809),
    ("DRV_PNPINSTALL", 0x080B),
    ("DRV_QUERYDEVICEINTERFACE", 0x080C),
    ("DRV_QUERYDEVICEINTERFACESIZE", 0x080D),
    ("DRV_QUERYSTRINGID", 0x080E),
    ("DRV_QUERYSTRINGIDSIZE", 0x080F),
    ("DRV_QUERYIDFROMSTRINGID", 0x0810),
    ("DRV_QUERYFUNCTIONINSTANCEID", 0x0811),
    ("DRV_QUERYFUNCTIONINSTANCEIDSIZE", 0x0812),
    # 1.5 per class
    ("WODM_INIT", 100),
    ("WODM_GETNUMDEVS", 3),
    ("WODM_GETDEVCAPS", 4),
    ("WODM_OPEN", 5),
    ("WODM_CLOSE", 6),
    ("WODM_PREPARE", 7),
    ("WODM_UNPREPARE", 8),
    ("WODM_WRITE", 9),
    ("WODM_PAUSE", 10),
    ("WODM_RESTART", 11),
    ("WODM_RESET", 12),
    ("WODM_GETPOS", 13),
    ("WODM_GETPITCH", 14),
    ("WODM_SETPITCH", 15),
    ("WODM_GETVOLUME", 16),
    ("WODM_SETVOLUME", 17),
    ("WODM_GETPLAYBACKRATE", 18),
    ("WODM_SETPLAYBACKRATE", 19),
    ("WODM_BREAKLOOP", 20),
    ("WODM_PREFERRED", 21),
    ("WODM_BUSY", 21),
    ("WODM_MAPPER_STATUS", 0x2000),
    ("WIDM_INIT", 100),
    ("WIDM_GETNUMDEVS", 50),
    ("WIDM_GETDEVCAPS", 51),
    ("WIDM_OPEN", 52),
    ("WIDM_CLOSE", 53),
    ("WIDM_PREPARE", 54),
    ("WIDM_UNPREPARE", 55),
    ("WIDM_ADDBUFFER", 56),
    ("WIDM_START", 57),
    ("WIDM_STOP", 58),
    ("WIDM_RESET", 59),
    ("WIDM_GETPOS", 60),
    ("WIDM_PREFERRED", 61),
    ("WIDM_MAPPER_STATUS", 0x2000),
    ("MODM_INIT", 100),
    ("MODM_GETNUMDEVS", 1),
    ("MODM_GETDEVCAPS", 2),
    ("MODM_OPEN", 3),
    ("MODM_CLOSE", 4),
    ("MODM_PREPARE", 5),
    ("MODM_UNPREPARE", 6),
    ("MODM_DATA", 7),
    ("MODM_LONGDATA", 8),
    ("MODM_RESET", 9),
    ("MODM_GETVOLUME", 10),
    ("MODM_SETVOLUME", 11),
    ("MODM_CACHEPATCHES", 12),
    ("MODM_CACHEDRUMPATCHES", 13),
    ("MODM_STRMDATA", 14),
    ("MODM_GETPOS", 17),
    ("MODM_PAUSE", 18),
    ("MODM_RESTART", 19),
    ("MODM_STOP", 20),
    ("MODM_PROPERTIES", 21),
    ("MODM_PREFERRED", 22),
    ("MODM_RECONFIGURE", 0x4768),
    ("MIDM_INIT", 100),
    ("MIDM_GETNUMDEVS", 53),
    ("MIDM_GETDEVCAPS", 54),
    ("MIDM_OPEN", 55),
    ("MIDM_CLOSE", 56),
    ("MIDM_PREPARE", 57),
    ("MIDM_UNPREPARE", 58),
    ("MIDM_ADDBUFFER", 59),
    ("MIDM_START", 60),
    ("MIDM_STOP", 61),
    ("MIDM_RESET", 62),
    ("AUXM_INIT", 100),
    ("AUXDM_GETNUMDEVS", 3),
    ("AUXDM_GETDEVCAPS", 4),
    ("AUXDM_GETVOLUME", 5),
    ("AUXDM_SETVOLUME", 6),
    ("MXDM_INIT", 100),
    ("MXDM_GETNUMDEVS", 1),
    ("MXDM_GETDEVCAPS", 2),
    ("MXDM_OPEN", 3),
    ("MXDM_CLOSE", 4),
    ("MXDM_GETLINEINFO", 5),
    ("MXDM_GETLINECONTROLS", 6),
    ("MXDM_GETCONTROLDETAILS", 7),
    ("MXDM_SETCONTROLDETAILS", 8),
    ("MXDM_MAPPER", 0x2000),
    ("MXDM_USER", 0x4000),
    ("WAVEOUT_MAPPER_STATUS_DEVICE", 0),
    ("WAVEOUT_MAPPER_STATUS_MAPPED", 1),
    ("WAVEOUT_MAPPER_STATUS_FORMAT", 2),
    ("WAVEIN_MAPPER_STATUS_DEVICE", 0),
    ("WAVEIN_MAPPER_STATUS_MAPPED", 1),
    ("WAVEIN_MAPPER_STATUS_FORMAT", 2),
    # 1.6
    ("MEVT_F_SHORT", 0x00000000),
    ("MEVT_F_LONG", 0x80000000),
    ("MEVT_F_CALLBACK", 0x40000000),
    ("MEVT_SHORTMSG", 0x00),
    ("MEVT_TEMPO", 0x01),
    ("MEVT_NOP", 0x02),
    ("MEVT_LONGMSG", 0x80),
    ("MEVT_COMMENT", 0x82),
    ("MEVT_VERSION", 0x84),
    ("MIDIPROP_SET", 0x80000000),
    ("MIDIPROP_GET", 0x40000000),
    ("MIDIPROP_TEMPO", 0x00000002),
    ("MIDIPROP_TIMEDIV", 0x00000001),
    # 1.7
    ("TIME_MS", 0x0001),
    ("TIME_SAMPLES", 0x0002),
    ("TIME_BYTES", 0x0004),
    ("TIME_SMPTE", 0x0008),
    ("TIME_MIDI", 0x0010),
    ("TIME_TICKS", 0x0020),
    # 1.8
    ("MIXERLINE_LINEF_ACTIVE", 0x00000001),
    ("MIXERLINE_LINEF_DISCONNECTED", 0x00008000),
    ("MIXERLINE_LINEF_SOURCE", 0x80000000),
    ("MIXER_SHORT_NAME_CHARS", 16),
    ("MIXER_LONG_NAME_CHARS", 64),
    ("MIXERLINE_COMPONENTTYPE_DST_FIRST", 0x0000),
    ("MIXERLINE_COMPONENTTYPE_DST_UNDEFINED", 0x0000),
    ("MIXERLINE_COMPONENTTYPE_DST_DIGITAL", 0x0001),
    ("MIXERLINE_COMPONENTTYPE_DST_LINE", 0x0002),
    ("MIXERLINE_COMPONENTTYPE_DST_MONITOR", 0x0003),
    ("MIXERLINE_COMPONENTTYPE_DST_SPEAKERS", 0x0004),
    ("MIXERLINE_COMPONENTTYPE_DST_HEADPHONES", 0x0005),
    ("MIXERLINE_COMPONENTTYPE_DST_TELEPHONE", 0x0006),
    ("MIXERLINE_COMPONENTTYPE_DST_WAVEIN", 0x0007),
    ("MIXERLINE_COMPONENTTYPE_DST_VOICEIN", 0x0008),
    ("MIXERLINE_COMPONENTTYPE_DST_LAST", 0x0008),
    ("MIXERLINE_COMPONENTTYPE_SRC_FIRST", 0x1000),
    ("MIXERLINE_COMPONENTTYPE_SRC_UNDEFINED", 0x1000),
    ("MIXERLINE_COMPONENTTYPE_SRC_DIGITAL", 0x1001),
    ("MIXERLINE_COMPONENTTYPE_SRC_LINE", 0x1002),
    ("MIXERLINE_COMPONENTTYPE_SRC_MICROPHONE", 0x1003),
    ("MIXERLINE_COMPONENTTYPE_SRC_SYNTHESIZER", 0x1004),
    ("MIXERLINE_COMPONENTTYPE_SRC_COMPACTDISC", 0x1005),
    ("MIXERLINE_COMPONENTTYPE_SRC_TELEPHONE", 0x1006),
    ("MIXERLINE_COMPONENTTYPE_SRC_PCSPEAKER", 0x1007),
    ("MIXERLINE_COMPONENTTYPE_SRC_WAVEOUT", 0x1008),
    ("MIXERLINE_COMPONENTTYPE_SRC_AUXILIARY", 0x1009),
    ("MIXERLINE_COMPONENTTYPE_SRC_ANALOG", 0x100A),
    ("MIXERLINE_COMPONENTTYPE_SRC_LAST", 0x100A),
    ("MIXERLINE_TARGETTYPE_UNDEFINED", 0),
    ("MIXERLINE_TARGETTYPE_WAVEOUT", 1),
    ("MIXERLINE_TARGETTYPE_WAVEIN", 2),
    ("MIXERLINE_TARGETTYPE_MIDIOUT", 3),
    ("MIXERLINE_TARGETTYPE_MIDIIN", 4),
    ("MIXERLINE_TARGETTYPE_AUX", 5),
    ("MIXERCONTROL_CONTROLF_UNIFORM", 0x00000001),
    ("MIXERCONTROL_CONTROLF_MULTIPLE", 0x00000002),
    ("MIXERCONTROL_CONTROLF_DISABLED", 0x80000000),
    ("MIXERCONTROL_CT_CLASS_MASK", 0xF0000000),
    ("MIXERCONTROL_CT_CLASS_CUSTOM", 0),
    ("MIXERCONTROL_CT_CLASS_METER", 0x10000000),
    ("MIXERCONTROL_CT_CLASS_SWITCH", 0x20000000),
    ("MIXERCONTROL_CT_CLASS_NUMBER", 0x30000000),
    ("MIXERCONTROL_CT_CLASS_SLIDER", 0x40000000),
    ("MIXERCONTROL_CT_CLASS_FADER", 0x50000000),
    ("MIXERCONTROL_CT_CLASS_TIME", 0x60000000),
    ("MIXERCONTROL_CT_CLASS_LIST", 0x70000000),
    ("MIXERCONTROL_CT_SUBCLASS_MASK", 0x0F000000),
    ("MIXERCONTROL_CT_SC_SWITCH_BOOLEAN", 0),
    ("MIXERCONTROL_CT_SC_SWITCH_BUTTON", 0x01000000),
    ("MIXERCONTROL_CT_SC_METER_POLLED", 0),
    ("MIXERCONTROL_CT_SC_TIME_MICROSECS", 0),
    ("MIXERCONTROL_CT_SC_TIME_MILLISECS", 0x01000000),
    ("MIXERCONTROL_CT_SC_LIST_SINGLE", 0),
    ("MIXERCONTROL_CT_SC_LIST_MULTIPLE", 0x01000000),
    ("MIXERCONTROL_CT_UNITS_MASK", 0x00FF0000),
    ("MIXERCONTROL_CT_UNITS_CUSTOM", 0),
    ("MIXERCONTROL_CT_UNITS_BOOLEAN", 0x00010000),
    ("MIXERCONTROL_CT_UNITS_SIGNED", 0x00020000),
    ("MIXERCONTROL_CT_UNITS_UNSIGNED", 0x00030000),
    ("MIXERCONTROL_CT_UNITS_DECIBELS", 0x00040000),
    ("MIXERCONTROL_CT_UNITS_PERCENT", 0x00050000),
    ("MIXERCONTROL_CONTROLTYPE_CUSTOM", 0x00000000),
    ("MIXERCONTROL_CONTROLTYPE_BOOLEANMETER", 0x10010000),
    ("MIXERCONTROL_CONTROLTYPE_SIGNEDMETER", 0x10020000),
    ("MIXERCONTROL_CONTROLTYPE_PEAKMETER", 0x10020001),
    ("MIXERCONTROL_CONTROLTYPE_UNSIGNEDMETER", 0x10030000),
    ("MIXERCONTROL_CONTROLTYPE_BOOLEAN", 0x20010000),
    ("MIXERCONTROL_CONTROLTYPE_ONOFF", 0x20010001),
    ("MIXERCONTROL_CONTROLTYPE_MUTE", 0x20010002),
    ("MIXERCONTROL_CONTROLTYPE_MONO", 0x20010003),
    ("MIXERCONTROL_CONTROLTYPE_LOUDNESS", 0x20010004),
    ("MIXERCONTROL_CONTROLTYPE_STEREOENH", 0x20010005),
    ("MIXERCONTROL_CONTROLTYPE_BASS_BOOST", 0x20012277),
    ("MIXERCONTROL_CONTROLTYPE_BUTTON", 0x21010000),
    ("MIXERCONTROL_CONTROLTYPE_DECIBELS", 0x30040000),
    ("MIXERCONTROL_CONTROLTYPE_SIGNED", 0x30020000),
    ("MIXERCONTROL_CONTROLTYPE_UNSIGNED", 0x30030000),
    ("MIXERCONTROL_CONTROLTYPE_PERCENT", 0x30050000),
    ("MIXERCONTROL_CONTROLTYPE_SLIDER", 0x40020000),
    ("MIXERCONTROL_CONTROLTYPE_PAN", 0x40020001),
    ("MIXERCONTROL_CONTROLTYPE_QSOUNDPAN", 0x40020002),
    ("MIXERCONTROL_CONTROLTYPE_FADER", 0x50030000),
    ("MIXERCONTROL_CONTROLTYPE_VOLUME", 0x50030001),
    ("MIXERCONTROL_CONTROLTYPE_BASS", 0x50030002),
    ("MIXERCONTROL_CONTROLTYPE_TREBLE", 0x50030003),
    ("MIXERCONTROL_CONTROLTYPE_EQUALIZER", 0x50030004),
    ("MIXERCONTROL_CONTROLTYPE_SINGLESELECT", 0x70010000),
    ("MIXERCONTROL_CONTROLTYPE_MUX", 0x70010001),
    ("MIXERCONTROL_CONTROLTYPE_MULTIPLESELECT", 0x71010000),
    ("MIXERCONTROL_CONTROLTYPE_MIXER", 0x71010001),
    ("MIXERCONTROL_CONTROLTYPE_MICROTIME", 0x60030000),
    ("MIXERCONTROL_CONTROLTYPE_MILLITIME", 0x61030000),
    ("MIXER_GETLINEINFOF_DESTINATION", 0x0),
    ("MIXER_GETLINEINFOF_SOURCE", 0x1),
    ("MIXER_GETLINEINFOF_LINEID", 0x2),
    ("MIXER_GETLINEINFOF_COMPONENTTYPE", 0x3),
    ("MIXER_GETLINEINFOF_TARGETTYPE", 0x4),
    ("MIXER_GETLINEINFOF_QUERYMASK", 0xF),
    ("MIXER_GETLINECONTROLSF_ALL", 0x0),
    ("MIXER_GETLINECONTROLSF_ONEBYID", 0x1),
    ("MIXER_GETLINECONTROLSF_ONEBYTYPE", 0x2),
    ("MIXER_GETLINECONTROLSF_QUERYMASK", 0xF),
    ("MIXER_GETCONTROLDETAILSF_VALUE", 0x0),
    ("MIXER_GETCONTROLDETAILSF_LISTTEXT", 0x1),
    ("MIXER_GETCONTROLDETAILSF_QUERYMASK", 0xF),
    ("MIXER_SETCONTROLDETAILSF_VALUE", 0x0),
    ("MIXER_SETCONTROLDETAILSF_CUSTOM", 0x1),
    ("MIXER_SETCONTROLDETAILSF_QUERYMASK", 0xF),
    ("MIXER_OBJECTF_HANDLE", 0x80000000),
    ("MIXER_OBJECTF_MIXER", 0),
    ("MIXER_OBJECTF_HMIXER", 0x80000000),
    ("MIXER_OBJECTF_WAVEOUT", 0x10000000),
    ("MIXER_OBJECTF_HWAVEOUT", 0x90000000),
    ("MIXER_OBJECTF_WAVEIN", 0x20000000),
    ("MIXER_OBJECTF_HWAVEIN", 0xA0000000),
    ("MIXER_OBJECTF_MIDIOUT", 0x30000000),
    ("MIXER_OBJECTF_HMIDIOUT", 0xB0000000),
    ("MIXER_OBJECTF_MIDIIN", 0x40000000),
    ("MIXER_OBJECTF_HMIDIIN", 0xC0000000),
    ("MIXER_OBJECTF_AUX", 0x50000000),
    # 1.9
    ("WAVECAPS_PITCH", 0x0001),
    ("WAVECAPS_PLAYBACKRATE", 0x0002),
    ("WAVECAPS_VOLUME", 0x0004),
    ("WAVECAPS_LRVOLUME", 0x0008),
    ("WAVECAPS_SYNC", 0x0010),
    ("WAVECAPS_SAMPLEACCURATE", 0x0020),
    ("WAVECAPS_DIRECTSOUND", 0x0040),
    ("MIDICAPS_VOLUME", 0x0001),
    ("MIDICAPS_LRVOLUME", 0x0002),
    ("MIDICAPS_CACHE", 0x0004),
    ("MIDICAPS_STREAM", 0x0008),
    ("AUXCAPS_CDAUDIO", 1),
    ("AUXCAPS_AUXIN", 2),
    ("AUXCAPS_VOLUME", 0x0001),
    ("AUXCAPS_LRVOLUME", 0x0002),
    ("MOD_MIDIPORT", 1),
    ("MOD_SYNTH", 2),
    ("MOD_SQSYNTH", 3),
    ("MOD_FMSYNTH", 4),
    ("MOD_MAPPER", 5),
    ("MOD_WAVETABLE", 6),
    ("MOD_SWSYNTH", 7),
    ("MM_MICROSOFT", 1),
    ("MM_MIDI_MAPPER", 1),
    ("MM_WAVE_MAPPER", 2),
    # 1.10
    ("WAVE_FORMAT_PCM", 1),
    ("WAVE_FORMAT_ADPCM", 0x0002),
    ("WAVE_FORMAT_IEEE_FLOAT", 0x0003),
    ("WAVE_FORMAT_ALAW", 0x0006),
    ("WAVE_FORMAT_MULAW", 0x0007),
    ("WAVE_FORMAT_IMA_ADPCM", 0x0011),
    ("WAVE_FORMAT_EXTENSIBLE", 0xFFFE),
    ("WAVE_INVALIDFORMAT", 0),
    ("WAVE_FORMAT_1M08", 0x00000001),
    ("WAVE_FORMAT_1S08", 0x00000002),
    ("WAVE_FORMAT_1M16", 0x00000004),
    ("WAVE_FORMAT_1S16", 0x00000008),
    ("WAVE_FORMAT_2M08", 0x00000010),
    ("WAVE_FORMAT_2S08", 0x00000020),
    ("WAVE_FORMAT_2M16", 0x00000040),
    ("WAVE_FORMAT_2S16", 0x00000080),
    ("WAVE_FORMAT_4M08", 0x00000100),
    ("WAVE_FORMAT_4S08", 0x00000200),
    ("WAVE_FORMAT_4M16", 0x00000400),
    ("WAVE_FORMAT_4S16", 0x00000800),
    ("WAVE_FORMAT_44M08", 0x00000100),
    ("WAVE_FORMAT_44S08", 0x00000200),
    ("WAVE_FORMAT_44M16", 0x00000400),
    ("WAVE_FORMAT_44S16", 0x00000800),
    ("WAVE_FORMAT_48M08", 0x00001000),
    ("WAVE_FORMAT_48S08", 0x00002000),
    ("WAVE_FORMAT_48M16", 0x00004000),
    ("WAVE_FORMAT_48S16", 0x00008000),
    ("WAVE_FORMAT_96M08", 0x00010000),
    ("WAVE_FORMAT_96S08", 0x00020000),
    ("WAVE_FORMAT_96M16", 0x00040000),
    ("WAVE_FORMAT_96S16", 0x00080000),
]


@pytest.mark.parametrize(("name", "value"), SPEC_VALUES, ids=[n for n, _ in SPEC_VALUES])
def test_spec_value(name: str, value: int) -> None:
    assert getattr(mm, name) == value
    assert getattr(constants, name) == value
    assert name in mm.__all__


ENUMS: list[tuple[type[IntEnum], str]] = [
    (mm.DRV, "DRV"),
    (mm.DRVM, "DRVM"),
    (mm.WODM, "WODM"),
    (mm.WIDM, "WIDM"),
    (mm.MODM, "MODM"),
    (mm.MIDM, "MIDM"),
    (mm.AUXDM, "AUXDM"),
    (mm.MXDM, "MXDM"),
]


@pytest.mark.parametrize(("enum", "prefix"), ENUMS, ids=[p for _, p in ENUMS])
def test_enum_members_match_module_names(enum: type[IntEnum], prefix: str) -> None:
    for member_name, member in enum.__members__.items():
        windows = (
            "AUXM_INIT" if (prefix, member_name) == ("AUXDM", "INIT") else f"{prefix}_{member_name}"
        )
        assert getattr(mm, windows) == member, windows
        assert isinstance(getattr(mm, windows), int)


def test_enum_examples() -> None:
    assert mm.WODM.WRITE == 9 == mm.WODM_WRITE
    assert mm.MODM.DATA == 7
    assert mm.MXDM.GETLINEINFO == 5
    assert mm.DRV.LOAD == 1
    assert mm.DRVM.INIT == 100
    # Every family's INIT is DRVM_INIT.
    for enum in (mm.WODM, mm.WIDM, mm.MODM, mm.MIDM, mm.AUXDM, mm.MXDM):
        assert enum.INIT == mm.DRVM_INIT
    assert mm.WODM.BUSY is mm.WODM.PREFERRED
    assert mm.DRV.MCI_FIRST is mm.DRV.RESERVED
    # DRV holds messages only, not the result codes of DRV_CONFIGURE etc.
    assert "OK" not in mm.DRV.__members__
    assert "SUCCESS" not in mm.DRV.__members__


@pytest.mark.parametrize(
    ("family", "msg", "name"),
    [
        ("WODM", 9, "WODM_WRITE"),
        ("WODM", 21, "WODM_PREFERRED"),
        ("WODM", 100, "WODM_INIT"),
        ("WODM", 0x2000, "WODM_MAPPER_STATUS"),
        ("WODM", 101, "DRVM_EXIT"),
        ("WODM", 0x0801, "DRV_QUERYDRVENTRY"),
        ("WODM", 0x080C, "DRV_QUERYDEVICEINTERFACE"),
        ("WODM", 0x1234, "WODM_0x1234"),
        ("WODM", 1, "WODM_0x0001"),
        ("WODM", 0x4000, "DRV_USER"),
        ("WODM", 0x4005, "DRV_USER+5"),
        ("WIDM", 56, "WIDM_ADDBUFFER"),
        ("WIDM", 9, "WIDM_0x0009"),
        ("MODM", 7, "MODM_DATA"),
        ("MODM", 14, "MODM_STRMDATA"),
        ("MODM", 0x4768, "MODM_RECONFIGURE"),
        ("MODM", 0x2000, "DRVM_MAPPER"),
        ("MIDM", 59, "MIDM_ADDBUFFER"),
        ("AUXDM", 100, "AUXM_INIT"),
        ("AUXDM", 6, "AUXDM_SETVOLUME"),
        ("MXDM", 7, "MXDM_GETCONTROLDETAILS"),
        ("MXDM", 0x4000, "MXDM_USER"),
        ("MXDM", 0x4002, "MXDM_USER+2"),
        ("DRV", 1, "DRV_LOAD"),
        ("DRV", 0x000F, "DRV_POWER"),
        ("DRV", 0x0800, "DRV_RESERVED"),
        ("DRV", 0x0803, "DRV_QUERYNAME"),
        ("DRV", 0x080B, "DRV_PNPINSTALL"),
        ("DRV", 100, "DRVM_INIT"),
        ("DRV", 103, "DRVM_ENABLE"),
        ("DRV", 0x2001, "DRVM_MAPPER_RECONFIGURE"),
        ("DRV", 0x4000, "DRV_USER"),
        ("DRV", 0x4005, "DRV_USER+5"),
        ("DRV", 0x0042, "DRV_0x0042"),
    ],
)
def test_message_name(family: str, msg: int, name: str) -> None:
    assert mm.message_name(family, msg) == name


def test_message_name_every_member_round_trips() -> None:
    for enum, prefix in ENUMS:
        if prefix == "DRVM":
            continue
        for member in enum:
            name = mm.message_name(prefix, member)
            assert getattr(mm, name) == member


def test_message_name_unknown_family() -> None:
    with pytest.raises(ValueError):
        mm.message_name("FOO", 1)


def test_mevt_macros() -> None:
    event = 0x42000000 | 0x123456
    assert mm.MEVT_EVENTTYPE(event) == 0x42
    assert mm.MEVT_EVENTTYPE(event) & ~(mm.MEVT_F_CALLBACK >> 24) == mm.MEVT_NOP
    assert mm.MEVT_EVENTPARM(event) == 0x123456
    assert mm.MEVT_EVENTTYPE(mm.MEVT_F_LONG | (mm.MEVT_COMMENT << 24)) == 0x82
    assert mm.MEVT_EVENTPARM(0xFFFFFFFF) == 0x00FFFFFF
    assert mm.MEVT_EVENTTYPE((mm.MEVT_TEMPO << 24) | 500000) == mm.MEVT_TEMPO


def test_dcb_is_hiword_of_callback() -> None:
    assert mm.DCB_WINDOW == mm.CALLBACK_WINDOW >> 16
    assert mm.DCB_TASK == mm.CALLBACK_THREAD >> 16
    assert mm.DCB_FUNCTION == mm.CALLBACK_FUNCTION >> 16
    assert mm.DCB_EVENT == mm.CALLBACK_EVENT >> 16
    assert mm.DCB_TYPEMASK == mm.CALLBACK_TYPEMASK >> 16


def test_ksdataformat_guids_are_windows_memory_layout() -> None:
    pcm = uuid.UUID("00000001-0000-0010-8000-00aa00389b71")
    flt = uuid.UUID("00000003-0000-0010-8000-00aa00389b71")
    assert mm.KSDATAFORMAT_SUBTYPE_PCM == pcm.bytes_le
    assert mm.KSDATAFORMAT_SUBTYPE_IEEE_FLOAT == flt.bytes_le
    assert len(mm.KSDATAFORMAT_SUBTYPE_PCM) == 16


def test_standard_formats_table() -> None:
    spec = {
        "1M08": (11025, 1, 8),
        "1S08": (11025, 2, 8),
        "1M16": (11025, 1, 16),
        "1S16": (11025, 2, 16),
        "2M08": (22050, 1, 8),
        "2S08": (22050, 2, 8),
        "2M16": (22050, 1, 16),
        "2S16": (22050, 2, 16),
        "4M08": (44100, 1, 8),
        "4S08": (44100, 2, 8),
        "4M16": (44100, 1, 16),
        "4S16": (44100, 2, 16),
        "48M08": (48000, 1, 8),
        "48S08": (48000, 2, 8),
        "48M16": (48000, 1, 16),
        "48S16": (48000, 2, 16),
        "96M08": (96000, 1, 8),
        "96S08": (96000, 2, 8),
        "96M16": (96000, 1, 16),
        "96S16": (96000, 2, 16),
    }
    table = {bit: rest for bit, *rest in mm.STANDARD_FORMATS}
    assert len(mm.STANDARD_FORMATS) == len(spec) == len(table)
    for suffix, fmt in spec.items():
        assert tuple(table[getattr(mm, f"WAVE_FORMAT_{suffix}")]) == fmt
    combined = 0
    for bit, _, _, _ in mm.STANDARD_FORMATS:
        assert bit & (bit - 1) == 0 and not combined & bit
        combined |= bit
    assert combined == 0x000FFFFF


def test_mixer_control_types_decompose() -> None:
    vol = mm.MIXERCONTROL_CONTROLTYPE_VOLUME
    assert vol & mm.MIXERCONTROL_CT_CLASS_MASK == mm.MIXERCONTROL_CT_CLASS_FADER
    assert vol & mm.MIXERCONTROL_CT_UNITS_MASK == mm.MIXERCONTROL_CT_UNITS_UNSIGNED
    mux = mm.MIXERCONTROL_CONTROLTYPE_MUX
    assert mux & mm.MIXERCONTROL_CT_CLASS_MASK == mm.MIXERCONTROL_CT_CLASS_LIST
    assert mux & mm.MIXERCONTROL_CT_SUBCLASS_MASK == mm.MIXERCONTROL_CT_SC_LIST_SINGLE


def test_all_lists_are_complete_and_unique() -> None:
    from audiodrv.mmsystem import errors, structs

    for module in (constants, errors, structs):
        public = set()
        for name, value in vars(module).items():
            if name.startswith("_") or name == "annotations" or isinstance(value, ModuleType):
                continue
            # Classes and functions imported from elsewhere are not ours to export.
            if isinstance(value, (type, FunctionType)) and value.__module__ != module.__name__:
                continue
            public.add(name)
        assert set(module.__all__) >= public, sorted(public - set(module.__all__))
        assert len(module.__all__) == len(set(module.__all__))
        for name in module.__all__:
            assert hasattr(module, name), name
    assert len(mm.__all__) == len(set(mm.__all__))
    for name in mm.__all__:
        assert hasattr(mm, name), name


def test_package_imports_only_the_standard_library() -> None:
    folder = Path(mm.__file__).parent
    allowed = set(sys.stdlib_module_names)
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert roots <= allowed | {"__future__"}, (path.name, roots)
