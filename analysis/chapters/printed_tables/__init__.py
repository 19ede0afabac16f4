"""Chapter 'printed-tables': the tables printed in document 003 and every other numeric
claim of the ledger (theme '-') that public data in the snapshot can test.

``evaluate(data_dir)`` is the single implementation of every verdict of the chapter;
the notebook calls it once and narrates. The heavier pieces (the tax-rate panel, the
efficiency scores) are computed once per data folder and shared.

The chapter is a package: design, claims_taxes, claims_savings, claims_structure, claims_quality, claims_sector, claims_local, tables (imported in that order; each
claim is one function registered with the claim registry).
"""

from .claims_local import (  # noqa: F401
    _cap_year,
    c091,
    c094,
    c095,
    c097,
    c116,
    evaluate,
)
from .claims_quality import (  # noqa: F401
    c020,
    c021,
    c022,
    c023,
    c112,
    c145,
    quality_scores,
)
from .claims_savings import (  # noqa: F401
    c069,
    c070,
    c071,
    c159,
    c161,
    potential_arithmetic,
    users_growth,
)
from .claims_sector import (  # noqa: F401
    GRANT_BREAKS,
    _breaks_text,
    _declining,
    c015,
    c019,
    c029,
    c038,
    c043,
    c044,
    c048,
    c052,
    c092,
    c163,
    grant_windows,
)
from .claims_structure import (  # noqa: F401
    _correlate_claim,
    _measure_summary,
    c088,
    c160,
    c166,
    c167,
    c169,
    c170,
    c171,
    c176,
)
from .claims_taxes import (  # noqa: F401
    c067,
    c068,
    c073,
    c076,
    c077,
    c078,
    c080,
    c081,
    c090,
    c164,
    swap_changes,
)
from .design import (  # noqa: F401
    CHAPTER,
    COUNT_TOL,
    NACKA_KPI,
    OUTCOMES,
    PRICE_TOL,
    QUALITY,
    RANK_LIMITS,
    RATE_TOL,
    SHARE_TOL,
    SN_CATEGORIES,
    SOURCE,
    TITLE,
    TaxCheck,
    _names_list,
    _scores,
    _tax_check,
    association_verdict,
    correlates,
    outcome_means,
    population,
    scores,
    tax_check,
)
from .tables import (  # noqa: F401
    backtest_summary,
    completeness_table,
    regional_table,
    savings_table,
    tax_rows_table,
)
