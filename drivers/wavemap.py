"""wavemap.drv: the wave mapper (WAVE_MAPPER).

Plays on PortAudio's default output device and records from its default input device
(``DRVM_MAPPER_PREFERRED_GET`` names them), converting what they do not take natively: sample
rate (soxr streaming resampler; loop passes resampled on their own, so loops stay exact),
channel count (more channels than the device has are mixed down) and sample format;
``WAVE_FORMAT_DIRECT`` turns conversion off.
"""

from audiodrv.ddk.wave import WaveDriver

DESCRIPTION = "WaveMapper:Wave mapper (sample rate, channel and format conversion)"

_driver = WaveDriver(mapper=True, section="wavemap.drv")
DriverProc = _driver.DriverProc
wodMessage = _driver.wodMessage
widMessage = _driver.widMessage
