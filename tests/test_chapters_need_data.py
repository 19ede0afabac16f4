"""A claim check that would still pass with the data deleted is a defect: every
chapter's evaluate() must fail with a clear DataError when the data are missing."""

from __future__ import annotations

import importlib.util

import pytest

from analysis.chapters import CHAPTER_MODULES, chapter_module
from analysis.errors import DataError
from analysis.sources import kolada


@pytest.mark.parametrize("chapter", sorted(CHAPTER_MODULES))
def test_evaluate_without_data_fails_clearly(chapter, tmp_path, monkeypatch):
    if importlib.util.find_spec(CHAPTER_MODULES[chapter]) is None:
        pytest.skip(f"chapter module for {chapter} not written yet")
    monkeypatch.setenv("MUNI_CACHE_DIR", str(tmp_path / "no-cache"))
    kolada.clear_cache()
    try:
        with pytest.raises(DataError, match="not found|make data"):
            chapter_module(chapter).evaluate(data_dir=tmp_path / "deleted")
    finally:
        kolada.clear_cache()
