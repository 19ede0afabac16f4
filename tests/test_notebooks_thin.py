"""Notebooks call functions and narrate: no code cell in book/src/*.md longer than ten
non-empty lines, no function or class defined in a notebook (they belong in
analysis/presentation/pages/), and nothing copied between chapters."""

from __future__ import annotations

import re

import pytest

from analysis import config
from analysis.build.readme_map import code_cells

SOURCES = sorted((config.REPO_ROOT / "book" / "src").glob("*.md"))
MAX_LINES = 10
DEFINES = re.compile(r"^(?:async\s+def|def|class)\s", re.MULTILINE)


def problems(md: str) -> list[str]:
    """What makes a MyST notebook's code cells too thick, one message per cell and problem."""
    out = []
    for line, code in code_cells(md):
        n = sum(1 for s in code.splitlines() if s.strip())
        if n > MAX_LINES:
            out.append(f"line {line}: {n} non-empty lines (at most {MAX_LINES}); move the code into "
                       "analysis/presentation/pages/ and call it")
        for m in DEFINES.finditer(code):
            defined = code[m.start():].splitlines()[0]
            out.append(f"line {line}: defines `{defined}`; define it in analysis/presentation/pages/")
    return out


def test_the_checker_finds_long_cells_and_definitions():
    long = "\n".join(f"x{i} = {i}" for i in range(MAX_LINES + 1))
    md = ("# Page\n\n```{code-cell} ipython3\n:tags: [hide-cell]\n\n" + long + "\n```\n\n"
          "```{code-cell} ipython3\ndef helper():\n    return 1\n\n\nclass Thing:\n    pass\n```\n\n"
          "```{code-cell} ipython3\n" + "\n\n".join(f"y{i} = {i}" for i in range(MAX_LINES)) + "\n```\n")
    found = problems(md)
    assert len(found) == 3, found
    assert f"{MAX_LINES + 1} non-empty lines" in found[0]
    assert "`def helper():`" in found[1] and "`class Thing:`" in found[2]


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_cells_are_thin(src):
    found = problems(src.read_text(encoding="utf-8"))
    assert not found, f"book/src/{src.name}:\n" + "\n".join(found)


def test_the_verdict_sentence_is_not_copied_into_chapters():
    """The verdict count lives in analysis.presentation.pages.common.verdict_sentence."""
    copies = [s.name for s in SOURCES
              if any("claims are tested here" in code for _, code in code_cells(s.read_text(encoding="utf-8")))]
    assert not copies, f"verdict sentence built inline in {copies}; call common.verdict_sentence(results)"
