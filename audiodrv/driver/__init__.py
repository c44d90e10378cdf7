"""The installable-driver interface: finding driver files, and the Windows 3.1 open/close
message sequences (``DRV_LOAD`` ... ``DRV_FREE``)."""

from audiodrv.driver.installable import DefDriverProc, DriverManager
from audiodrv.driver.loader import DriverLoadError, DriverModule, load_driver_module

__all__ = [
    "DefDriverProc",
    "DriverLoadError",
    "DriverManager",
    "DriverModule",
    "load_driver_module",
]
