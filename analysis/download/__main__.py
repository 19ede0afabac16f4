"""`python -m analysis.download` (what `make data` runs)."""

import sys

from .refresh import main

sys.exit(main())
