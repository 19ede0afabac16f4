"""What a reader meets, without a browser: numbers and headers in tables, figures as <figure>
with alt text and readable text, claim cards, the plain bottom lines and the findings, and a
verdict palette that stays distinguishable for colour-blind readers."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell  # noqa: F401 (display() needs IPython)

from analysis.presentation import cards, plotting, summary
from analysis.rules import claims as C
from analysis.style import VERDICT_COLOURS

THIN = plotting.THIN


@pytest.fixture
def shown(monkeypatch, tmp_path):
    """What display() would show, as HTML strings; downloads go to a temporary folder."""
    out = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: out.extend(getattr(o, "data", o) for o in objs))
    monkeypatch.setattr(plotting, "DOWNLOADS", tmp_path)
    monkeypatch.setenv(plotting.PAGE_ENV_VAR, "demo")
    plotting.setup("demo")
    return out


def test_numbers_years_and_p_values_as_a_reader_reads_them():
    assert plotting.fmt_year(2024.0) == "2024" and plotting.fmt_year("2019–2022") == "2019–2022"
    assert plotting.fmt_p(0.0002) == "< 0.001" and plotting.fmt_p(0.0314) == "0.031"
    assert plotting.fmt_number(295327.36, 2) == f"295{THIN}327.36"
    assert plotting.fmt_number(271737.5, 2) == f"271{THIN}737.50"
    assert plotting.fmt_number(2024) == f"2{THIN}024"  # a count, not a year column
    df = pd.DataFrame({"year_published": [2024.0, np.nan], "p": [0.0001, 0.2], "kr": [295327.36, 12.0],
                       "name": ["Växjö", "Skurup"]})
    f = plotting.formatted(df, precision=2)
    assert list(f.columns) == ["year (published)", "p", "kr", "name"]
    assert list(f["year (published)"]) == ["2024", "–"]
    assert list(f["p"]) == ["< 0.001", "0.200"]
    assert f["kr"][0] == f"295{THIN}327.36" and f["name"][0] == "Växjö"


def test_table_has_a_caption_its_own_scroll_box_and_a_csv(shown, tmp_path):
    plotting.table(pd.DataFrame({"year": [2021.0, 2022.0], "value": [1234.5, 5.25]}), "Table: a **test**", source="S.")
    html = "".join(shown)
    assert "<caption>Table: a <b>test</b></caption>" in html
    assert 'class="table-box"' in html and "../downloads/demo/table-1.csv" in html
    assert "<details" not in html  # short tables are shown open
    csv = (tmp_path / "demo" / "table-1.csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0] == "year,value" and "2021" in csv and "2021.0" not in csv


def test_a_long_table_is_collapsed_behind_its_caption(shown):
    plotting.table(pd.DataFrame({"x": range(60)}), "Table: long", source="S.")
    html = "".join(shown)
    assert "<details" in html and "<summary>Table: long" in html and "table-1.csv" in html


def test_figure_is_a_figure_with_alt_text_readable_text_and_its_data(shown, tmp_path):
    fig, ax = plt.subplots(figsize=(12, 4))
    x = np.arange(2010, 2023)
    ax.plot(x, x * 0 + 5, label="Solna")
    ax.plot(x, x * 0 + 6, label="Sundbyberg")
    ax.legend(loc="center")  # on top of the lines
    ax.set_xlabel("year")
    ax.set_ylabel("kr per inhabitant")
    ax.tick_params(labelsize=5)
    plotting.show(fig, "Two flat lines.", units="kr")
    html = "".join(shown)
    assert html.startswith('<figure class="book-figure"') and "<figcaption><b>Figure 1.</b> Two flat lines." in html
    alt = re.search(r'alt="([^"]+)"', html).group(1)
    assert alt.startswith("Line chart") and "kr per inhabitant against year" in alt and "Two flat lines." in alt
    assert "../downloads/demo/figure-1.csv" in html
    data = pd.read_csv(tmp_path / "demo" / "figure-1.csv", encoding="utf-8-sig")
    assert set(data["series"]) == {"Solna", "Sundbyberg"} and len(data) == 2 * len(x)
    # every text at least MIN_PT at the displayed size (the figure is shrunk to the column)
    scale = plotting._display_scale(fig)
    sizes = [t.get_fontsize() for t in fig.findobj(plt.Text) if t.get_text()]
    assert min(sizes) * scale >= plotting.MIN_PT - 1e-6
    leg = fig.axes[0].get_legend()
    assert leg is not None and not plotting._covers_data(fig.axes[0], leg)


def test_claim_card_has_anchor_badge_numbers_rule_and_collapsed_notes():
    entry = {"id": "C115", "verdict": "partly supported", "summary": "Because.", "chapter": "solna-sundbyberg",
             "stability": {"label": "robust", "flips": [], "alternatives": ["tolerance halved"]},
             "checks": [{"label": "Gap", "published": 18.0, "reproduced": 17.96, "unit": "points",
                         "year_published": 2024.0, "year_data": 2022, "verdict": "supported",
                         "note": "Rule numeric-match. Long note.", "rule": "numeric-match", "role": "primary",
                         "alternatives": {}}]}
    md = cards.card_markdown(entry, "solna-sundbyberg")
    assert '<span id="C115"' in md and 'class="verdict-badge"' in md and ">partly supported<" in md
    assert "| Gap | 18 points (2024) | 17.96 points (data 2022) | supported |" in md
    assert 'href="rulebook.html#numeric-match"' in md and "**Stability:** robust" in md
    assert ":::{dropdown}" in md and "Long note." in md


def test_bottom_lines_and_findings_are_plain_and_computed(built_claims):
    for lang in summary.LANGS:
        for theme in summary.THEMES:
            text, entries = summary.bottom_line(built_claims, theme, lang)
            assert entries and 2 <= text.count(". ") + 1 <= 4, text
            assert not re.search(r"\b[NU]\d{5}\b|p ≤|RMSPE|\bSD\b", text), text
        html = summary.findings_html(built_claims, lang)
        for f in summary.findings(built_claims):
            assert f'#{f["id"]}"' in html
    sv = summary.bottom_lines_html(built_claims, "sv")
    assert "Växjö" in sv and "håller" in sv


@pytest.fixture
def built_claims():
    import json

    from analysis import config

    if not config.CLAIMS_JSON.is_file():
        pytest.skip("no _build/claims.json (run `make book`)")
    return json.loads(config.CLAIMS_JSON.read_text(encoding="utf-8"))


def _deuteranopia(hex_colour: str) -> np.ndarray:
    """Machado et al. (2009) simulation of deuteranopia (severity 1), on linear RGB."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]])
    return np.clip(m @ lin, 0, 1)


def test_verdict_colours_stay_apart_for_colour_blind_readers():
    verdicts = [v for v in C.VERDICTS]
    sims = {v: _deuteranopia(VERDICT_COLOURS[v]) for v in verdicts}
    for i, a in enumerate(verdicts):
        for b in verdicts[i + 1:]:
            assert np.linalg.norm(sims[a] - sims[b]) > 0.08, (a, b)


def test_a_not_testable_from_rule_power_is_not_called_untestable_with_public_data():
    """Rule power: the data exist but the test is too weak; the bottom line must say so."""
    weak = {"verdict": "not testable", "checks": [{"note": "placebo p = 0.14; MDE at 80 % power 0.51 log points"}]}
    missing = {"verdict": "not testable", "checks": [{"note": "not in the snapshot"}]}
    assert summary.underpowered(weak) and not summary.underpowered(missing)
    assert not summary.underpowered(dict(weak, verdict="not supported"))
