"""`python -m analysis.sources.download` (what `make data` runs)."""

import sys

from .refresh import main

sys.exit(main())
