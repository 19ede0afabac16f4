"""The 'Claims at a glance' page covers every ledger claim exactly once: evaluated claims with
their verdict, the rest with the reason they are not testable (or 'not yet evaluated')."""

from __future__ import annotations

import json
import os
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.presentation import glance
from analysis.rules import claims as C


class _Rows(HTMLParser):
    """Rows of the claims table: (tr id, data-* attributes, cell texts), and select options."""

    def __init__(self):
        super().__init__()
        self.rows, self.options, self.links = [], {}, []
        self._select = None
        self._in_table = False
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "claims-table":
            self._in_table = True
        elif tag == "tr" and self._in_table and "id" in a:
            self.rows.append({"id": a["id"], "attrs": a, "cells": []})
        elif tag == "td" and self._in_table and self.rows:
            self._cell = []
        elif tag == "a" and self._in_table and self.rows:
            self.links.append((self.rows[-1]["id"], a.get("href")))
        elif tag == "select":
            self._select = a.get("id")
            self.options[self._select] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(a.get("value"))

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1]["cells"].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> _Rows:
    p = _Rows()
    p.feed(html)
    return p


def _result(cid, verdict, chapter, summary="computed summary"):
    return {"id": cid, "theme": C.claims()[cid]["theme"], "chapter": chapter, "verdict": verdict,
            "summary": summary, "checks": [{"label": "x"}]}


# ------------------------------------------------------------------ glance_table
def test_every_ledger_claim_once_without_any_results():
    ledger = C.claims()
    table = glance.glance_table([])
    assert list(table["id"]) == list(ledger)
    assert table["id"].is_unique
    for r in table.itertuples():
        status = ledger[r.id]["status"]
        if status == "not testable":
            assert r.verdict == "not testable" and r.summary, r.id  # the reason is shown
            if ledger[r.id].get("reason"):
                assert r.summary == ledger[r.id]["reason"]
        else:
            assert r.verdict == glance.PENDING, r.id  # nothing computed: no verdict claimed


def test_results_give_the_verdicts():
    ledger = C.claims()
    evaluated = next(cid for cid, e in ledger.items() if e["status"] == "evaluated")
    untestable = next(cid for cid, e in ledger.items() if e["status"] == "not testable" and not e.get("chapters"))
    results = [_result(evaluated, "contradicted", "solna-sundbyberg"),
               _result(untestable, "not testable", "", ledger[untestable]["reason"])]
    table = glance.glance_table(results).set_index("id")
    assert table.loc[evaluated, "verdict"] == "contradicted"
    assert table.loc[evaluated, "summary"] == "computed summary"
    assert table.loc[evaluated, "checks"] == 1
    assert table.loc[untestable, "verdict"] == "not testable"
    assert table.loc[untestable, "summary"] == ledger[untestable]["reason"]
    assert len(table) == len(ledger)


def test_verdict_counts_add_up():
    table = glance.glance_table([])
    counts = glance.verdict_counts(table)
    assert counts["claims"].sum() == len(table)
    assert list(counts["verdict"]) == [*C.VERDICTS, glance.PENDING]


# ------------------------------------------------------------------ the HTML
def test_html_lists_every_claim_once_with_filters():
    ledger = C.claims()
    html = glance.filterable_html(glance.glance_table([]))
    page = parse(html)
    ids = [r["id"] for r in page.rows]
    assert ids == list(ledger)
    assert not [i for i, n in Counter(ids).items() if n > 1]
    assert set(page.options["f-theme"]) - {""} <= {"a", "b", "c", "-"}  # atomic themes: 'b' also finds 'b,c'
    assert set(page.options["f-document"]) - {""} == {str(e["document"]) for e in ledger.values()}
    assert set(page.options["f-verdict"]) - {""} <= set(C.VERDICTS) | {glance.PENDING}
    for r in page.rows:
        assert r["attrs"]["data-theme"] == ledger[r["id"]]["theme"]
        assert r["cells"][0] == r["id"]
    assert "<script>" in html and "f-text" in html


def test_chapter_links_only_to_pages_in_the_book():
    html = glance._chapter_links("solna-sundbyberg, private-providers", {"solna-sundbyberg"})
    assert html.count("<a ") == 1 and 'href="solna-sundbyberg.html"' in html
    assert "Private providers" in html and "not in this edition" in html
    assert glance._chapter_links("", set()) == "–"


def test_built_chapters_come_from_the_table_of_contents():
    chapters = glance.built_chapters()
    assert {"glance", "data"} <= chapters


def test_text_is_escaped():
    table = glance.glance_table([])
    table.loc[0, "claim"] = "<script>alert('x')</script> & co"
    html = glance.filterable_html(table)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


# ------------------------------------------------------------------ the built page
@pytest.fixture(scope="session")
def site(request) -> Path:
    env = os.environ.get("MUNI_SITE_DIR")
    return Path(env) if env else request.getfixturevalue("built_book")


def test_built_page_lists_every_ledger_id_once(site):
    ledger = C.claims()
    page = parse((site / "book" / "glance.html").read_text(encoding="utf-8"))
    ids = [r["id"] for r in page.rows]
    assert Counter(ids) == Counter(list(ledger))
    built = {e["id"]: e for e in json.loads((site.parent / "claims.json").read_text(encoding="utf-8"))}
    verdicts = {cid: e["verdict"] for cid, e in built.items()}
    for r in page.rows:
        cid = r["id"]
        shown = r["cells"][4]
        stability = glance.stability_text(built[cid].get("stability")) if cid in built else ""
        assert r["cells"][7] == (stability or "–"), cid
        unrecorded = "not testable" if ledger[cid]["status"] == "not testable" else glance.PENDING
        assert shown == verdicts.get(cid, unrecorded), cid
        if shown == "not testable":
            assert r["cells"][5], f"{cid}: no reason shown"
    for cid, href in page.links:
        path, _, anchor = href.partition("#")
        assert (site / "book" / path).is_file(), (cid, href)
        assert anchor == cid, (cid, href)  # the link lands on the claim's card in the chapter
        assert f'id="{cid}"' in (site / "book" / path).read_text(encoding="utf-8"), (cid, href)


def test_theme_summary_counts_every_claim_of_each_theme():
    table = glance.glance_table([])
    summary = glance.theme_summary(table).set_index("theme")
    for code, label in glance.THEME_LABELS.items():
        expected = table["theme"].str.split(",").apply(lambda ts, c=code: c in ts).sum()
        assert summary.loc[label, "claims"] == expected
        verdict_cols = [c for c in summary.columns if c != "claims"]
        assert summary.loc[label, verdict_cols].sum() == expected


def test_headline_table_shows_the_recorded_verdicts(tmp_path):
    table = glance.glance_table([])
    out = glance.headline_html(table, {"a": ["C001"]})
    assert 'href="glance.html#C001"' in out and table.set_index("id").loc["C001", "verdict"] in out
    with pytest.raises(ValueError, match="C999"):
        glance.headline_html(table, {"a": ["C999"]})


def test_headline_claims_exist_in_the_ledger():
    table = glance.glance_table([])
    glance.headline_html(table)  # raises if an id is not in the ledger
