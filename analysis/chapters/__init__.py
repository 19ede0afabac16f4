"""One module per book chapter, each with ``CHAPTER`` (= book/src/<CHAPTER>.md), ``TITLE`` and
claim functions registered with :func:`analysis.rules.registry.claim_check`.

The chapter notebook and the command line (``python -m analysis claim C115``) both call
``evaluate()``, so a verdict has exactly one implementation. The chapter ↔ module map and the
chapter titles are discovered from the modules: no hand-kept list.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache


@lru_cache(maxsize=1)
def _discover() -> dict[str, object]:
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "CHAPTER", None)
        if name is not None:
            found[name] = module
    return found


def discover() -> dict[str, str]:
    """Import every chapter module (filling the claim registry); chapter name → module name."""
    return {name: m.__name__ for name, m in _discover().items()}


def titles() -> dict[str, str]:
    """Chapter name → title, from each module's ``TITLE``."""
    return {name: m.TITLE for name, m in _discover().items()}


def __getattr__(attr: str):
    if attr == "CHAPTER_MODULES":  # computed on first use (importing every chapter)
        return discover()
    raise AttributeError(attr)


def chapter_modules() -> dict[str, str]:
    """Chapter name → module name: the package's ``CHAPTER_MODULES`` when one has been set on it
    (tests register fake chapters with ``monkeypatch.setattr(chapters, "CHAPTER_MODULES", …)``),
    else the discovered chapters."""
    mods = globals().get("CHAPTER_MODULES")
    return dict(mods) if mods is not None else discover()


def chapter_module(name: str):
    """The module that evaluates a chapter's claims; the contract is ``evaluate(data_dir)``.

    Raises KeyError for an unknown chapter and ModuleNotFoundError when its module cannot be
    imported.
    """
    mods = chapter_modules()
    if name not in mods:
        raise KeyError(f"Unknown chapter {name!r}; chapters: {sorted(mods)}")
    return importlib.import_module(mods[name])
