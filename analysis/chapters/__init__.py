"""One module per book chapter: ``evaluate(data_dir=None) -> list[ClaimResult]``.

The chapter notebook (book/src/<chapter>.md) and the command line
(``python -m analysis claim C115``) both call these functions, so a verdict has
exactly one implementation. Register a chapter in ``CHAPTER_MODULES``.
"""

from __future__ import annotations

import importlib

# chapter name (= book/src/<name>.md) -> module in analysis.chapters
CHAPTER_MODULES = {
    "private-providers": "analysis.chapters.private_providers",
    "solna-sundbyberg": "analysis.chapters.solna_sundbyberg",
    "activation-reforms": "analysis.chapters.activation_reforms",
    "printed-tables": "analysis.chapters.printed_tables",
}


def chapter_module(name: str):
    """Import the module that evaluates a chapter's claims."""
    if name not in CHAPTER_MODULES:
        raise KeyError(f"Unknown chapter {name!r}; chapters: {sorted(CHAPTER_MODULES)}")
    return importlib.import_module(CHAPTER_MODULES[name])
