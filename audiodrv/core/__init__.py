"""MMSYSTEM's core: device classes, device-id tables, devnodes, handles, notifications."""
