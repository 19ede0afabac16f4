"""Chapter 'activation-reforms': the ★c claims of document 003 (Växjö 2012/2015, Skurup 2019).

``evaluate(data_dir)`` is the single implementation of every verdict; the notebook calls
it once and narrates. The heavy part (synthetic controls, in-space and in-time placebos,
event-study regressions for three events and several outcomes) is computed once by
:func:`design` and shared by the claims.

Every outcome is analysed in **logs**: Kolada's kr-per-inhabitant values are in current
prices and the national caseload moved a lot over 1998–2022; with donor weights that sum
to one (synthetic control) or year fixed effects (event study), any change common to all
municipalities in proportion — prices, the national business cycle, national rules —
drops out of a log gap. Effects are reported in log points, in % (exp(gap) − 1) and, for
kr outcomes, in kr per inhabitant (actual − exp(synthetic log)).

The chapter is a package: panels, threats, checks, design, claims, figures (imported in that order; each
claim is one function registered with the claim registry).
"""

from .checks import (  # noqa: F401
    EFFECT_RULE,
    REGISTER_KPIS,
    SENS_ENDS,
    SENS_STARTS,
    change_table,
    effect_alternatives,
    effect_decision,
    effect_verdict,
    names,  # noqa: F401
    one_year_changes,
    power_text,
    rank_summary,
    ranking_sensitivity,
    unusable_years,
)
from .claims import (  # noqa: F401
    _D,
    CLEAR,
    NOT_TESTABLE,
    _descriptive_check,
    _effect_check,
    _immediate_check,
    _inference_phrase,
    _model_check,
    _nt,
    _open_phrase,
    _rank_check,
    _threat_note,
    before_after,
    c065,
    c066,
    c128,
    c129,
    c130,
    c131,
    c132,
    c133,
    c134,
    c136,
    c137,
    c138,
    c139,
    c140,
    c141,
    c154,
    c156,
    evaluate,
    illustrative_saving,
    weak_design,
)
from .design import (  # noqa: F401
    RUN_PLAN,
    Design,
    design,
)
from .figures import (  # noqa: F401
    EXACT_FIT,
    _colour,
    _plt,
    context_adult_education,
    decomposition,
    donor_pool_table,
    exclusions_table,
    fig_donor_pools,
    fig_event_study,
    fig_placebo_distribution,
    fig_placebo_gaps,
    fig_ranking,
    fig_series,
    fig_synthetic,
    in_time_table,
    near_exact_share,
    placebo_summary,
    threats_table,
    weights_table,
)

# names the notebooks and tests read from the chapter (imported by its modules)
from .panels import (  # noqa: F401  # noqa: F401
    CHAPTER,
    EVENT,
    EVENTS,
    LAST,
    OUTCOMES,
    PRIMARY,
    REFORM_UNITS,
    SKURUP,
    SPIKE,
    TITLE,
    TOP,
    VAXJO,
    Event,
    Outcome,
    Panel,
    Run,
    event_panel,
    level_panel,
    level_panel_kpi,
    run,
    spike_years,
    suspect_years,
)
from .threats import (  # noqa: F401
    PEAK,
    Threat,
    cost_peak,
    in_time_comparison,
    refugees_excluded,
    relative_to_riket,
    threats,
    weighted_change,
)
