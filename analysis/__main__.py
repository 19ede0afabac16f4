"""`python -m analysis …`: the reviewer's command line (see analysis/cli.py)."""

import sys

from .cli import main

sys.exit(main())
