"""Chapter 'solna-sundbyberg': the ★b claims of document 003 (and C165 of document 004).

``evaluate(data_dir)`` is the single implementation of every verdict of the chapter;
the notebook calls it once and narrates, the command line calls the same function.
The heavier pieces (matching, synthetic comparison, placebo runs) are computed once in
:func:`design` and shared by the claims that need them.

The chapter is a package: design, claims_levels, claims_comparison, figures, text (imported in that order; each
claim is one function registered with the claim registry).
"""

from .claims_comparison import (  # noqa: F401
    _departure_rule,
    _synth_summary,
    c065,
    c066,
    c126,
    c127,
    c140,
    c141,
    c154,
    c155,
    c165,
    donor_text,
    donors_dropped,
    evaluate,
    ifo_caveat,
    outranking_units,
    variant_decision,
)
from .claims_levels import (  # noqa: F401
    _closest_check,
    c079,
    c113,
    c114,
    c115,
    c117,
    c118,
    c119,
    c120,
    c121,
    c122,
    c123,
    c124,
    c125,
    household_estimate_1998,
    labour_market,
    nka_gaps,
    tax_arithmetic,
)
from .design import (  # noqa: F401
    ASSISTANCE_KPIS,
    CHAPTER,
    K_NEIGHBOURS,
    LEVEL_TOL,
    NKA_AREAS,
    NKA_TOL,
    OUTCOME_LIKE,
    PRE_END,
    PROXY_RULE,
    RATE_TOL,
    SYNTH_OUTCOMES,
    TITLE,
    Design,
    Synthetic,
    _design,
    _drift,
    _drift_note,
    _finish,
    _gap_years,
    _level_check,
    _name,
    _synth,
    _synthetic,
    design,
    synthetic,
)
from .figures import (  # noqa: F401
    MEASURE_NAMES,
    PRINTED_ASSISTANCE,
    _unit_colour,
    balance_table,
    donor_pool_table,
    fig_donor_pool,
    fig_efficiency,
    fig_long_series,
    fig_measures,
    fig_nka,
    fig_placebo,
    fig_structure,
    fig_synthetic,
    measures_sentence,
    measures_table,
    neighbours_table,
    tax_table,
)
from .text import (  # noqa: F401
    outlier_sensitivity,
    series_outliers,
    synthetic_caveats,
)
