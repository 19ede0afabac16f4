"""Live data refresh (`make data`): Kolada API v3 and SCB PxWeb into the local cache.

Modules: :mod:`.http` (timeouts, retries, polite rate), :mod:`.kolada` (Kolada v3
client), :mod:`.pxweb` (SCB tax rates, table OE0101), :mod:`.cache` (atomic files,
manifest, change summary, resume), :mod:`.refresh` (the command line).
"""

from .refresh import main

__all__ = ["main"]
