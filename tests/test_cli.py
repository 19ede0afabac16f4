"""The command line (`python -m analysis claim/claims/readme-map`) on a synthetic ledger with
fake chapter modules (so the tests do not depend on which chapters exist), plus one real
claim computed by its real chapter module."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types

import pytest
import yaml

from analysis import chapters, cli, config
from analysis.build import readme_map
from analysis.rules import claims as C
from analysis.rules.claims import ClaimResult, Tolerance, check_statement, check_value

LEDGER = [
    {"id": "C001", "theme": "b", "document": "003", "where": "Figur 6", "claim": "Solna's cost was 100 kr.",
     "numbers_as_printed": "'100 kr'", "cited_source": "Kolada", "chapters": ["fake-a"], "status": "evaluated",
     "reason": "", "published": {"cost": {"value": 100, "unit": "kr", "year": 2024, "label": "Solna cost 2024"}}},
    {"id": "C002", "theme": "-", "document": "000", "where": "Kap. 2", "claim": "A literature claim.",
     "numbers_as_printed": "–", "cited_source": "Hood 1995", "chapters": [], "status": "not testable",
     "reason": "Literature claim; no data can test it.", "published": {}},
    {"id": "C003", "theme": "a", "document": "003", "where": "Sammanfattning", "claim": "Private is efficient.",
     "numbers_as_printed": "–", "cited_source": "none", "chapters": ["fake-a"], "status": "pending",
     "reason": "", "published": {}},
    {"id": "C004", "theme": "b,c", "document": "003", "where": "s. 9", "claim": "Both reforms worked.",
     "numbers_as_printed": "–", "cited_source": "none", "chapters": ["fake-a", "fake-b"], "status": "evaluated",
     "reason": "", "published": {"effect": {"value": "falls", "unit": "", "year": None, "label": "direction"}}},
    {"id": "C005", "theme": "c", "document": "004", "where": "s. 3", "claim": "A council decision.",
     "numbers_as_printed": "–", "cited_source": "none", "chapters": ["fake-b"], "status": "not testable",
     "reason": "Council decisions are not in the data.", "published": {}},
]


def _data_value(data_dir) -> float:
    """The fake chapters compute from a file in the data folder: no data, no number."""
    return float((data_dir_path(data_dir) / "fake.txt").read_text())


def data_dir_path(data_dir):
    from pathlib import Path

    return Path(data_dir)


def _fake_module(name, chapter, calls, make):
    mod = types.ModuleType(name)
    mod.CHAPTER = chapter

    def evaluate(data_dir=None):
        calls.append((chapter, data_dir))
        return make(data_dir)

    mod.evaluate = evaluate
    return mod


@pytest.fixture
def fake_book(tmp_path, monkeypatch):
    """A five-claim ledger, two fake chapter modules and a data folder holding one number."""
    ledger = tmp_path / "claims.yaml"
    ledger.write_text(yaml.safe_dump(LEDGER, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(config, "CLAIMS_FILE", ledger)
    monkeypatch.setattr(config, "CLAIMS_JSON", tmp_path / "build" / "claims.json")
    data = tmp_path / "data"
    (data / config.KOLADA_DATAPOINTS).mkdir(parents=True)
    (data / "fake.txt").write_text("97.5")
    calls = []

    def make_a(data_dir):
        v = _data_value(data_dir)
        return [
            ClaimResult("C001", [check_value("C001", "cost", v, 2022, Tolerance(rel=0.05),
                                             note="Kolada N31001, Solna.")], summary=f"data {v}"),
            ClaimResult("C004", [check_statement("C004", "effect", -v / 100, "supported",
                                                 note="Rule: the gap is negative.", year_data=2021)],
                        summary="part a"),
        ]

    def make_b(data_dir):
        v = _data_value(data_dir)
        return [
            ClaimResult("C004", [check_statement("C004", "effect", v / 100, "contradicted",
                                                 note="Rule: the gap is negative.", year_data=2020)],
                        summary="part b"),
            ClaimResult("C005", [], summary="Not testable: a council decision; proxy shown.", verdict="not testable"),
        ]

    monkeypatch.setitem(sys.modules, "fake_chapter_a", _fake_module("fake_chapter_a", "fake-a", calls, make_a))
    monkeypatch.setitem(sys.modules, "fake_chapter_b", _fake_module("fake_chapter_b", "fake-b", calls, make_b))
    monkeypatch.setattr(chapters, "CHAPTER_MODULES", {"fake-a": "fake_chapter_a", "fake-b": "fake_chapter_b",
                                                      "fake-missing": "fake_chapter_not_written"})
    return types.SimpleNamespace(data=data, calls=calls, tmp=tmp_path)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ claim
def test_claim_computes_with_the_chapter_evaluate(fake_book, capsys):
    code, out, err = run(capsys, "claim", "C001", "--data-dir", str(fake_book.data))
    assert code == 0, err
    assert fake_book.calls == [("fake-a", str(fake_book.data))]  # computed now, with the given data folder
    for text in ("C001", "Figur 6", "Solna's cost was 100 kr.", "published   100 kr  (year 2024)",
                 "reproduced  97.5 kr  (data year 2022)", "PARTLY SUPPORTED", "fake-a", "N31001", "Data years    2022"):
        assert text in out, text
    assert "evaluating chapter fake-a" in err  # progress goes to stderr


def test_claim_result_follows_the_data(fake_book, capsys):
    """The verdict is computed from the data folder: change the data, the verdict changes."""
    (fake_book.data / "fake.txt").write_text("60")
    code, out, _ = run(capsys, "claim", "C001", "--data-dir", str(fake_book.data), "--json")
    assert code == 0
    rep = json.loads(out)
    assert rep["result"]["checks"][0]["reproduced"] == 60
    # 60 is far from the published 100, but the data (2022) are older than the claim (2024):
    # older data cannot reject it (analysis.rules.claims.downgrade), so the verdict moves to 'not testable'
    assert rep["result"]["verdict"] == "not testable"
    assert rep["source"] == "computed" and rep["kpis"][0]["id"] == "N31001"


def test_claim_in_two_chapters_is_merged_like_the_book(fake_book, capsys):
    code, out, _ = run(capsys, "claim", "c4", "--data-dir", str(fake_book.data), "--json")
    assert code == 0
    res = json.loads(out)["result"]
    assert res["chapter"] == "fake-a, fake-b"
    assert len(res["checks"]) == 2
    assert res["verdict"] == C.aggregate(["supported", "contradicted"])
    assert [c for c, _ in fake_book.calls] == ["fake-a", "fake-b"]


def test_not_testable_prints_the_reason_without_computing(fake_book, capsys):
    code, out, _ = run(capsys, "claim", "2")
    assert code == 0
    assert "NOT TESTABLE" in out and "Literature claim; no data can test it." in out
    assert fake_book.calls == []


def test_not_testable_with_a_chapter_uses_the_chapters_account(fake_book, capsys):
    code, out, _ = run(capsys, "claim", "C005", "--data-dir", str(fake_book.data))
    assert code == 0
    assert "NOT TESTABLE" in out and "proxy shown" in out


def test_pending_says_so(fake_book, capsys):
    code, out, _ = run(capsys, "claim", "C003")
    assert code == 0
    assert "pending" in out and "NOT YET EVALUATED" in out
    assert fake_book.calls == []


@pytest.mark.parametrize("bad", ["C999", "C0", "x115", "", "C1155"])
def test_unknown_id_fails_clearly(fake_book, capsys, bad):
    code, _, err = run(capsys, "claim", bad)
    assert code == cli.EXIT_USAGE
    assert "Unknown claim id" in err and "C001–C005" in err


def test_missing_chapter_module_is_a_clear_error(fake_book, capsys, monkeypatch):
    monkeypatch.setattr(chapters, "CHAPTER_MODULES", {**chapters.CHAPTER_MODULES, "fake-a": "fake_chapter_not_written"})
    code, _, err = run(capsys, "claim", "C001", "--data-dir", str(fake_book.data))
    assert code == cli.EXIT_FAILED
    assert "has no module yet" in err


def test_missing_data_folder_is_a_clear_error(fake_book, capsys, tmp_path):
    code, _, err = run(capsys, "claim", "C001", "--data-dir", str(tmp_path / "nowhere"))
    assert code == cli.EXIT_BAD_INPUT
    assert "Data snapshot not found" in err and len(err.strip().splitlines()) == 1


def test_from_build_refuses_a_missing_or_stale_build(fake_book, capsys):
    code, _, err = run(capsys, "claim", "C001", "--data-dir", str(fake_book.data), "--from-build")
    assert code == cli.EXIT_FAILED
    assert "--from-build" in err and "not fresh" in err
    assert fake_book.calls == []


def test_from_build_reads_a_fresh_build(fake_book, capsys, monkeypatch):
    entries, _ = cli.evaluate_chapters(["fake-a", "fake-b"], fake_book.data)
    config.CLAIMS_JSON.parent.mkdir(parents=True)
    config.CLAIMS_JSON.write_text(json.dumps(entries))
    monkeypatch.setattr(cli, "build_staleness", lambda data_dir: None)
    fake_book.calls.clear()
    code, out, _ = run(capsys, "claim", "C001", "--data-dir", str(fake_book.data), "--from-build")
    assert code == 0 and fake_book.calls == []
    assert "Read from" in out and "PARTLY SUPPORTED" in out


# ------------------------------------------------------------------ claims (listing)
def _write_build(fake_book):
    entries, _ = cli.evaluate_chapters(["fake-a", "fake-b"], fake_book.data)
    config.CLAIMS_JSON.parent.mkdir(parents=True, exist_ok=True)
    config.CLAIMS_JSON.write_text(json.dumps(entries))
    fake_book.calls.clear()


def test_listing_needs_a_build_or_compute(fake_book, capsys):
    code, _, err = run(capsys, "claims")
    assert code == cli.EXIT_FAILED
    assert "make book" in err and "--compute" in err


def test_listing_filters(fake_book, capsys, monkeypatch):
    _write_build(fake_book)
    monkeypatch.setattr(cli, "build_staleness", lambda data_dir: None)
    code, out, _ = run(capsys, "claims", "--theme", "b", "--data-dir", str(fake_book.data), "--json")
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == ["C001", "C004"]  # 'b' matches 'b,c'
    code, out, _ = run(capsys, "claims", "--verdict", "not-testable", "--json", "--data-dir", str(fake_book.data))
    assert [r["id"] for r in json.loads(out)] == ["C002", "C005"]
    code, out, _ = run(capsys, "claims", "--verdict", "pending", "--data-dir", str(fake_book.data))
    assert "C003" in out and "1 claims: 1 not yet evaluated" in out
    code, out, _ = run(capsys, "claims", "--document", "4", "--chapter", "fake-b", "--data-dir", str(fake_book.data))
    assert "C005" in out and "C004" not in out
    code, out, _ = run(capsys, "claims", "--theme", "a", "--verdict", "supported", "--data-dir", str(fake_book.data))
    assert code == 0 and "No claims match" in out
    assert fake_book.calls == []  # read from the build


def test_listing_warns_about_a_stale_build(fake_book, capsys, monkeypatch):
    _write_build(fake_book)
    monkeypatch.setattr(cli, "build_staleness", lambda data_dir: "chapter fake-a changed")
    code, out, err = run(capsys, "claims", "--data-dir", str(fake_book.data))
    assert code == 0 and "C001" in out
    assert "out of date" in err and "chapter fake-a changed" in err


def test_listing_compute_evaluates_only_the_chapters_needed(fake_book, capsys):
    code, out, _ = run(capsys, "claims", "--compute", "--chapter", "fake-b", "--data-dir", str(fake_book.data), "--json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert set(rows) == {"C004", "C005"}
    # C004 is also in fake-a, so its merged verdict needs both chapters
    assert sorted(c for c, _ in fake_book.calls) == ["fake-a", "fake-b"]
    assert rows["C004"]["chapter"] == "fake-a, fake-b"


@pytest.mark.parametrize("args, message", [
    (["--theme", "z"], "Unknown theme"),
    (["--verdict", "maybe"], "Unknown verdict"),
    (["--document", "7"], "Unknown document"),
    (["--chapter", "nope"], "Unknown chapter"),
])
def test_listing_rejects_bad_filter_values(fake_book, capsys, args, message):
    code, _, err = run(capsys, "claims", *args)
    assert code == cli.EXIT_USAGE
    assert message in err


def test_help_states_where_verdicts_come_from(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["claims", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "make book" in out and "--compute" in out


# ------------------------------------------------------------------ one real claim
def test_real_claim_matches_its_chapter(real_data_dir, capsys):
    """C115 through the command line equals the chapter's own evaluate() result."""
    cid = "C115"
    chs = C.claims()[cid]["chapters"]
    code, out, err = run(capsys, "claim", cid, "--json", "--data-dir", str(real_data_dir))
    assert code == 0, err
    rep = json.loads(out)
    direct = [r for r in chapters.chapter_module(chs[0]).evaluate(str(real_data_dir)) if r.id == cid][0]
    assert rep["result"]["verdict"] == direct.verdict
    assert [c["reproduced"] for c in rep["result"]["checks"]] == [c.reproduced for c in direct.checks]
    published = C.claims()[cid]["published"]
    assert {c["published"] for c in rep["result"]["checks"]} == {v["value"] for v in published.values()}
    assert rep["data_years"] and rep["kpis"]


def test_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "analysis", "claim", "C999"], capture_output=True, text=True,
                          cwd=config.REPO_ROOT)
    assert proc.returncode == cli.EXIT_USAGE
    assert "Unknown claim id 'C999'" in proc.stderr


# ------------------------------------------------------------------ readme-map
MD = '''
# A chapter

```{code-cell} ipython3
:tags: [hide-cell]

from analysis.presentation import plotting
from analysis.chapters import solna_sundbyberg as ch
```

```{code-cell} ipython3
fig = ch.fig_long_series(data_dir)
```

Text.

```{code-cell} ipython3
:tags: [hide-input]

plotting.show(fig, "First figure.", units="kr")
plotting.table(ch.tax_table(data_dir), f"Taxes in {year}", source="SCB")
for k in ks:
    plotting.show(ch.fig_placebo(k), "Per " "unit.", units="%")
```
'''


def test_exhibits_are_found_with_their_producers():
    ex = readme_map.exhibits("demo", MD)
    assert [(e.kind, e.number) for e in ex] == [("Figure", 1), ("Table", None), ("Figure", 2)]
    assert ex[0].caption == "First figure."
    assert ex[0].producers == ["analysis.chapters.solna_sundbyberg.fig_long_series"]  # assigned in an earlier cell
    assert ex[1].caption == "Taxes in …" and ex[1].producers == ["analysis.chapters.solna_sundbyberg.tax_table"]
    assert ex[2].in_loop and ex[2].caption == "Per unit."
    lines = MD.splitlines()
    assert lines[ex[0].line - 1].startswith("plotting.show(fig")


def test_readme_map_lists_every_claim_with_a_chapter(fake_book):
    text = readme_map.markdown()
    assert "| C001 | b | 003 | evaluated | fake-a |" in text
    assert text.count("| C004 |") == 2  # one row per chapter
    assert "(not written yet)" in text  # no fake module file on disk
    assert "C002" in text.split("Not testable, no chapter")[1]


def test_readme_map_covers_the_real_book():
    text = readme_map.markdown()
    ledger = C.claims()
    for cid in ledger:
        assert cid in text, cid
    shows = sum(src.read_text(encoding="utf-8").count("plotting.show(")
                for src in [*(config.REPO_ROOT / "book" / "src").glob("*.md"),
                            *(config.REPO_ROOT / "analysis" / "presentation" / "pages").glob("*.py")])
    assert text.count("| Figure ") == shows  # each page function that shows a figure is called once


PAGE_MD = '''
```{code-cell} ipython3
from analysis.chapters import printed_tables as ch
from analysis.presentation import plotting
from analysis.presentation.pages import common
from analysis.presentation.pages import printed_tables as page
```

```{code-cell} ipython3
common.verdict_table(results, ch.CHAPTER, "Verdicts here.", part="Solna")
page.burden_figure(tc)
plotting.show(ch.fig_x(data_dir), "After.", units="%")
```
'''


def test_exhibits_inside_page_functions_are_followed():
    """A cell that calls a page function (analysis/presentation/pages) lists the exhibits that
    function shows, at their line in the page module, numbered in order with the cell's own."""
    ex = readme_map.exhibits("demo", PAGE_MD)
    assert [(e.kind, e.number) for e in ex] == [("Table", None), ("Figure", 1), ("Figure", 2)]
    table, burden, after = ex
    assert table.caption == "Verdicts here."  # the caption passed at the call
    assert table.producers == ["analysis.rules.claims.verdict_table"]
    assert table.path == "analysis/presentation/pages/common.py"
    assert burden.path == "analysis/presentation/pages/printed_tables.py"
    assert burden.caption.startswith("The printed change of the municipal rate")
    assert burden.producers == ["analysis.presentation.pages.printed_tables.burden_figure"]  # inline in the page
    page_lines = (config.REPO_ROOT / burden.path).read_text(encoding="utf-8").splitlines()
    assert "plotting.show(" in page_lines[burden.line - 1]
    assert after.path is None and after.producers == ["analysis.chapters.printed_tables.fig_x"]


def test_readme_update_rewrites_only_the_marked_section(fake_book, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nkept\n\n{readme_map.BEGIN}\nold map\n{readme_map.END}\n\n## After\nkept too\n")
    assert readme_map.update_file(readme) is True
    text = readme.read_text()
    assert text.startswith("# Title\n\nkept\n\n") and text.endswith("\n\n## After\nkept too\n")
    assert "old map" not in text and "| C001 | b | 003 | evaluated | fake-a |" in text
    assert readme_map.update_file(readme) is False  # idempotent
    readme.write_text("# no markers\n")
    code, _, err = run(capsys, "readme-map", "--update", str(readme))
    assert code == cli.EXIT_FAILED and "BEGIN readme-map" in err


def test_producer_names_the_helper_that_builds_the_check(tmp_path):
    src = tmp_path / "mod.py"
    src.write_text('def table():\n    return "C007"\n\n'
                   'def c007(d):\n    return ClaimResult("C007", [check_value("C007", "k", 1, 2022, T)], "s")\n\n'
                   'def evaluate(d=None):\n    return [c007(d), ClaimResult("C008", [], "x")]\n')
    names, builders = readme_map._functions_naming(src)
    assert readme_map._producer("m", names["C007"], builders) == "`m.evaluate` → `c007` (line 5)"
    assert readme_map._producer("m", names["C008"], builders) == "`m.evaluate` (line 8)"
    assert readme_map._producer("m", [], builders) == "`m.evaluate`"


def test_producer_is_the_function_registered_for_the_claim(tmp_path):
    """A claim's function is the one decorated with @claim_check(CHAPTER, "Cxxx"), even when it
    delegates the checks to a shared helper that another claim's function names first."""
    src = tmp_path / "mod.py"
    src.write_text('def _shared(d, cid):\n    return ClaimResult(cid, [], "s")\n\n'
                   'def table():\n    return "C010"\n\n'
                   '@claim_check(CHAPTER, "C010")\ndef c010(d):\n    return _shared(d, "C010")\n\n'
                   '@registry.claim_check(CHAPTER, "C011")\ndef c011(d):\n    return _shared(d, "C011")\n')
    names, builders = readme_map._functions_naming(src)
    assert readme_map._producer("m", names["C010"], builders) == "`m.evaluate` → `c010` (line 7)"
    assert readme_map._producer("m", names["C011"], builders) == "`m.evaluate` → `c011` (line 11)"


def test_claim_map_is_the_books_last_page_without_line_numbers():
    """The generated claim/figure map is the book's appendix (last in _toc.yml), not part of
    README; the committed page is current (run `python -m analysis readme-map --page`)."""
    toc = yaml.safe_load((config.REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert toc["chapters"][-1]["file"] == "book/claim-map"
    text = readme_map.page_text()
    assert "(line " not in text and not re.search(r"\.(md|py):\d+", text)
    for cid in C.claims():
        assert cid in text, cid
    assert readme_map.PAGE.read_text(encoding="utf-8") == text, (
        "book/claim-map.md is stale: run `.venv/bin/python -m analysis readme-map --page`")
    assert readme_map.BEGIN not in (config.REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_is_short_with_the_two_commands_first():
    readme = (config.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 15_500, "README.md should stay at most ~15 KB"
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert [ln.split()[:2] for ln in first_block.strip().splitlines()[:2]] == [["make", "book"], ["make", "test"]]
