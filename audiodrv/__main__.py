"""``python -m audiodrv``: list the drivers and devices with their global ids."""

import sys

from audiodrv.cli import main

sys.exit(main(sys.argv[1:] or ["devices"]))
