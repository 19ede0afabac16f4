"""Chapter 'private-providers': do municipalities that buy more welfare from private
providers score as more efficient? (theme a: C062, C098–C103, C157, C168).

``evaluate(data_dir)`` is the single implementation of every verdict; the notebook calls it
once and narrates, and draws its figures from the same :func:`design`.

The correlation claims are tested at three levels, each its own check under the rulebook's
rule *directional-test* (the claimed sign with a one-sided p ≤ α, α = 0.05):

1. *a correlation exists* — cross-section (means 2019–2022), efficiency on purchase share;
2. *it survives controls* — the same with SKR group and structure (size, urbanisation,
   age, tax capacity, education, foreign-born);
3. *it holds within municipalities over time* — two-way fixed-effects panel.

The primary efficiency measure is RKA's composite of its sector efficiency indices (cost
and quality) and decides each level. The net cost deviation (cost only, against the cost
structure predicts) is the robustness measure: secondary, it can lower a verdict when it is
significantly of the opposite sign (Holm-adjusted over the robustness measures, rule
multiplicity), never raise it. The book's own DEA (one input, one output) ranks municipalities
almost exactly as 1/cost; by rule cost-only it is context, not a robustness measure
(``Design.robust``, ``Design.cost_only``, computed from the data).

One unit at every level (efficiency_groups.SD_UNIT): the SD across municipalities of the
measure's 2019–2022 mean; the panel outcome is the yearly value divided by that SD.

The chapter is a package: design, rules, tables, figures, claims, text (imported in that order; each
claim is one function registered with the claim registry).
"""

from .claims import (  # noqa: F401
    _c098,
    _c099,
    _c100,
    _c101,
    _c102,
    _c103,
    _c168,
    _correlation_claim,
    _fmt,
    _level_check,
    _level_summary,
    _measure_note,
    c062,
    c098,
    c099,
    c100,
    c101,
    c102,
    c103,
    c157,
    c168,
    evaluate,
)
from .design import (  # noqa: F401
    CHAPTER,
    DEA_MEASURES,
    LARGE_PCT,
    LEVELS,
    MIN_LATEST,
    PANEL_CONTROLS,
    PANEL_SPECS,
    PRIMARY,
    RAW_CS,
    ROBUST,
    SCALE,
    SHARE_TOL,
    SHORT,
    SPECS,
    STRONG_RHO,
    TITLE,
    Design,
    _design,
    _latest,
    _names_to_codes,
    _panel_years,
    clear_cache,
    design,
    latest_shares,
    panel_outcome,
    share_year,
)
from .figures import (  # noqa: F401
    fig_binscatter,
    fig_coefficients,
    fig_confounding,
    fig_coverage,
    fig_dea_vs_rka,
    fig_deciles,
    fig_extremes,
    fig_measure_correlations,
    fig_sectors,
)
from .rules import (  # noqa: F401
    RULE_TEXT,
    _alts,
    _ci,
    combined_verdict,
    sign_test,
)
from .tables import (  # noqa: F401
    bloc_table,
    chair_table,
    confounders_table,
    contrasts,
    dea_vs_rka,
    decile_slopes,
    figure34_table,
    holm,
    iv_table,
    levels_table,
    measures_table,
    primary_rho,
    sector_table,
    spec_grid,
    tail_samples,
    tail_sensitivity,
    timing_table,
)
from .text import (  # noqa: F401
    NEXT,
    THIS,
    text_contrast,
    text_cross,
    text_dea,
    text_dea_sparsity,
    text_sectors,
    text_tail,
    text_timing,
    text_top_five_ranks,
)
