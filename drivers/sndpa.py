"""sndpa.drv: wave input and output over PortAudio, one devnode per PortAudio device.

Every open of a device is mixed into one PortAudio stream (rtmixer's C callback), so a
busy Python program cannot starve the audio.  Formats: 8/16/24/32-bit PCM and 32-bit float,
1 to 8 channels, any rate: what the device's stream does not run at is converted (resampled,
mixed down) unless ``WAVE_FORMAT_DIRECT`` is given (spec B41).  A mixer per device and
direction (Wine's line model, ``audiodrv.ddk.mixer``) sets the volume and mute of two gain
stages over every open of it.
"""

from audiodrv.ddk.wave import WaveDriver

DESCRIPTION = "wave:PortAudio wave driver (sndpa)"

_driver = WaveDriver(mapper=False, section="sndpa.drv")
DriverProc = _driver.DriverProc
wodMessage = _driver.wodMessage
widMessage = _driver.widMessage
mxdMessage = _driver.mxdMessage
