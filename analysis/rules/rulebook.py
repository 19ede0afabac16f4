"""The rulebook: every rule that turns published and reproduced numbers into a verdict.

This module is the one place where thresholds live. The book's page *How verdicts are
decided* is generated from :data:`RULES` (name, statement, thresholds, worked example),
and every check records the name of the rule it applied. A rule may not change after a
result has been seen without an entry in ``CHANGELOG.md`` naming the rule, the verdicts it
moved (old → new) and why.

Verdict strength, strongest first: supported > partly supported > not supported >
contradicted; 'not testable' stands apart (no data can decide).
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

SUPPORTED, PARTLY, NOT_SUPPORTED, CONTRADICTED, NOT_TESTABLE = (
    "supported", "partly supported", "not supported", "contradicted", "not testable")
VERDICTS = (SUPPORTED, PARTLY, NOT_SUPPORTED, CONTRADICTED, NOT_TESTABLE)
STRENGTH = {SUPPORTED: 3, PARTLY: 2, NOT_SUPPORTED: 1, CONTRADICTED: 0}

# ------------------------------------------------------------------ declared constants
ALPHA = 0.05
"""The book's one significance level: a one-sided test in the direction the claim states."""
ALPHA_ALTERNATIVES = {"significance level 0.10": 0.10, "significance level 0.01": 0.01}
"""The other conventional levels, used only to report a verdict's stability."""
TOLERANCE_ALTERNATIVES = {"tolerance halved": 0.5, "tolerance doubled": 2.0}
"""Tolerance scales used only to report a verdict's stability."""
FIT_FACTOR = 2.0
"""Placebo units whose pre-period fit (RMSPE) is more than this many times the treated unit's are left out."""
POWER = 0.80
"""The power at which a test's minimum detectable effect (MDE) is stated."""
PLAUSIBLE_EFFECT = 0.20
"""The effect an effect claim about a reform asks the data to see: a 20 % change, the 'kraftigt' (sharply)
threshold of the wording table — the documents call these effects sharp, large, clear or quick."""
RM_MBAR = 1.0
"""Pre-trend sensitivity (relative magnitudes): post-period violations may change by at most this many times
the largest change between consecutive pre-period event-study coefficients."""
DONOR_POOL_PREFIXES = ("donor pool:", "estimator:")
"""Stability alternatives that re-run a synthetic control on another donor pool or with a second estimator."""


def plausible_log_effect(direction: int = -1, effect: float = PLAUSIBLE_EFFECT) -> float:
    """The plausible effect in log points (a fall of 20 % is −log(0.8) = 0.223, a rise log(1.2) = 0.182)."""
    return float(-math.log(1 - effect)) if direction < 0 else float(math.log(1 + effect))
COST_ONLY_RHO = 0.9
"""An efficiency score whose Spearman rank correlation with 1/cost is at least this measures cost alone."""


@dataclass(frozen=True)
class Tolerance:
    """How close a reproduced number must be: absolute (in the unit) and/or relative.

    With both, the larger limit applies.
    """

    abs: float | None = None
    rel: float | None = None

    def limit(self, published: float) -> float:
        limits = []
        if self.abs is not None:
            limits.append(self.abs)
        if self.rel is not None:
            limits.append(self.rel * abs(published))
        if not limits:
            raise ValueError("A tolerance needs abs or rel")
        return max(limits)

    def scaled(self, factor: float) -> Tolerance:
        return Tolerance(None if self.abs is None else self.abs * factor, None if self.rel is None else self.rel * factor)

    def describe(self) -> str:
        parts = []
        if self.abs is not None:
            parts.append(f"±{self.abs:g}")
        if self.rel is not None:
            parts.append(f"±{self.rel:.0%}")
        return " or ".join(parts)


TOLERANCES: dict[str, tuple[Tolerance, str]] = {
    "level": (Tolerance(rel=0.02), "amounts and index levels: Kolada revises values silently and documents round"),
    "share": (Tolerance(abs=1.0), "percentages and shares, in percentage points: printed to one decimal or whole "
                                  "percent, and revised"),
    "change": (Tolerance(abs=1.0), "changes in % or percentage points, and net cost deviations (recalculated "
                                   "every year)"),
    "rate": (Tolerance(abs=0.005), "tax rates in kr per 100 kr: printed with two decimals, so half a unit of the "
                                   "last digit"),
    "ratio": (Tolerance(abs=0.1), "ratios to a base year ('halved' = 0.5): one decimal"),
    "rank": (Tolerance(abs=0.5), "ranks: exact"),
    "count": (Tolerance(abs=0.5), "counts (municipalities, years, rows): exact"),
    "arithmetic": (Tolerance(abs=0.015), "a document's own sums and ratios of printed, rounded numbers: the rounding "
                                         "of the parts (three half-units of two decimals)"),
}
"""One tolerance policy per kind of number (the kind is declared in data/claims.yaml)."""
TOLERANCE_UNITS = {"share": "pp", "change": "pp (or % for a % change)",
                   "rate": "kr per 100 kr", "rank": "ranks", "count": "units", "ratio": "", "level": "",
                   "arithmetic": "in the unit of the parts"}


def tolerance(kind: str) -> Tolerance:
    """The declared tolerance for a kind of number."""
    if kind not in TOLERANCES:
        raise ValueError(f"No tolerance policy for kind {kind!r}; kinds: {', '.join(TOLERANCES)}")
    return TOLERANCES[kind][0]


# ------------------------------------------------------------------ the rules themselves
def numeric_match(published: float, reproduced: float, tol: Tolerance, direction_matters: bool = True) -> str:
    """Rule ``numeric-match``: within the tolerance → supported; the opposite sign (a change or
    difference going the other way) → contradicted; otherwise not supported."""
    if reproduced is None or (isinstance(reproduced, float) and math.isnan(reproduced)):
        raise ValueError("A reproduced value is missing (NaN): refusing to give a verdict")
    if abs(reproduced - published) <= tol.limit(published):
        return SUPPORTED
    if direction_matters and published != 0 and reproduced != 0 and (published > 0) != (reproduced > 0):
        return CONTRADICTED
    return NOT_SUPPORTED


def year_mismatch(verdict: str, data_older: bool) -> str:
    """Rule ``year-mismatch``: a match made with another year than claimed is at most partly
    supported; a mismatch with data older than the claimed year is not testable (the claimed
    change may have come later: older data cannot reject a claim about a later year)."""
    if verdict == SUPPORTED:
        return PARTLY
    if data_older and verdict in (NOT_SUPPORTED, CONTRADICTED):
        return NOT_TESTABLE
    return verdict


def widen_for_drift(tol: Tolerance, drift: float, relative: bool = True) -> Tolerance:
    """Rule ``year-drift``: when the data end before the claimed year, the tolerance widens by
    the series' own typical move over that many years (the median absolute change, computed by
    the caller from the series); a match then means 'consistent', and year-mismatch caps it."""
    if relative:
        return Tolerance(abs=tol.abs, rel=(tol.rel or 0.0) + drift)
    return Tolerance(abs=(tol.abs or 0.0) + drift, rel=tol.rel)


def cannot_fail(tol: Tolerance, published: float) -> bool:
    """Rule ``cannot-fail``: a check whose tolerance is at least the printed value's own size
    could not fail (even zero would match), so it cannot discriminate: not testable."""
    return tol.limit(published) >= abs(published)


def at_most(verdict: str, cap: str) -> str:
    """The weaker of a verdict and a cap (rules that bound what a design can show)."""
    if verdict == NOT_TESTABLE or cap == NOT_TESTABLE:
        return NOT_TESTABLE if cap == NOT_TESTABLE else verdict
    return verdict if STRENGTH[verdict] <= STRENGTH[cap] else cap


def directional_test(right_direction: bool, p_claimed: float, p_opposite: float, alpha: float = ALPHA,
                     cap: str = SUPPORTED, n_units: int | None = None) -> str:
    """Rule ``directional-test``: for a claimed direction (an effect, a slope, a departure).

    Supported when the estimate goes the claimed way with a one-sided p ≤ α; contradicted when
    it goes the other way with a one-sided p ≤ α; not supported otherwise (a sign alone is no
    evidence). ``cap`` is the best verdict the design allows (a comparison that cannot
    attribute a gap to a policy is capped at partly supported). With ``n_units`` placebo units
    the smallest attainable p is 1/n_units; when it exceeds α the test cannot decide: not
    testable (too few comparison units), whatever the estimate.
    """
    if n_units is not None and 1 / n_units > alpha:
        return NOT_TESTABLE
    if right_direction and p_claimed <= alpha:
        return cap
    if not right_direction and p_opposite <= alpha:
        return CONTRADICTED
    return NOT_SUPPORTED


def power_rule(verdict: str, mde: float, effect: float) -> str:
    """Rule ``power``: a test that finds nothing is evidence against an effect only if it could have
    found it. A 'not supported' verdict whose minimum detectable effect at 80 % power (``mde``, in
    the claimed direction) exceeds the effect the claim asks for (``effect``, same units) becomes
    not testable (too weak); every other verdict stands (a significant estimate is significant
    whatever the power)."""
    if verdict == NOT_SUPPORTED and not (mde <= effect):
        return NOT_TESTABLE
    return verdict


def holm_any(ps: Iterable[float], alpha: float = ALPHA) -> bool:
    """Rule ``multiplicity`` for a claim met by *any* of m tests (C156: the event year or the year
    after): it holds when the smallest Holm-adjusted p is at most α, i.e. the smallest p ≤ α / m."""
    ps = list(ps)
    return bool(ps) and min(holm(ps)) <= alpha


def one_sided_from_two_sided(coef: float, p_two_sided: float, claimed: int) -> tuple[float, float]:
    """(p in the claimed direction, p in the opposite direction) from a symmetric two-sided p."""
    half = p_two_sided / 2
    return (half, 1 - half) if coef * claimed > 0 else (1 - half, half)


def rank_position(position: float, top: float = 0.10, claimed_top: bool = True) -> str:
    """Rule ``rank-position``: 'one of the most …' holds within the top ``top`` share of the
    ranking (position 0 = first, 1 = last); the other half of the ranking contradicts it; in
    between, not supported."""
    pos = position if claimed_top else 1 - position
    if pos <= top:
        return SUPPORTED
    if pos > 0.5:
        return CONTRADICTED
    return NOT_SUPPORTED


def cost_only(rho_with_inverse_cost: float, threshold: float = COST_ONLY_RHO) -> bool:
    """Rule ``cost-only``: an efficiency score that ranks municipalities (almost) as 1/cost does
    is a cost measure, whatever its construction (a DEA with one input and one output)."""
    if rho_with_inverse_cost is None or math.isnan(rho_with_inverse_cost):
        raise ValueError("The rank correlation with 1/cost is missing")
    return rho_with_inverse_cost >= threshold


def holm(pvalues) -> list[float]:
    """Holm's step-down adjustment of a family of p-values (family-wise error rate), in the
    order given: p_(i) × (m − i + 1) for the i-th smallest, made monotone, capped at 1."""
    ps = [float(p) for p in pvalues]
    if any(math.isnan(p) for p in ps):
        raise ValueError("A p-value of the family is missing (NaN)")
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        adjusted[i] = running
    return adjusted


def multiplicity(secondary_p: dict[str, float], alpha: float = ALPHA) -> list[str]:
    """Rule ``multiplicity``: the secondary measures that may move a verdict — those whose p (in
    the direction that would move it) stays at or below α after Holm's adjustment over every
    secondary measure that could have moved it. The declared primary measure is not adjusted."""
    names = list(secondary_p)
    adj = holm([secondary_p[n] for n in names]) if names else []
    return [n for n, p in zip(names, adj) if p <= alpha]


# ------------------------------------------------------------------ wording
@dataclass(frozen=True)
class Phrase:
    """What a verbal quantity allows: a closed interval for the value it qualifies, and where a
    value says the opposite of the words (beyond ``denies_above`` / below ``denies_below``).

    Bounds are multiples of the printed number X when ``relative``, else absolute (shares as
    fractions, changes as fractions in magnitude, ranking positions from 0 = first to 1 = last).
    """

    phrase: str
    meaning: str
    low: float
    high: float
    relative: bool = True
    denies_above: float | None = None
    denies_below: float | None = None
    magnitude: bool = False  # judged on |value| (a change of either sign)

    def _scale(self, v: float | None, x: float | None) -> float | None:
        if v is None or not self.relative:
            return v
        if x is None:
            raise ValueError(f"'{self.phrase}' qualifies a printed number, and none was given")
        return v * x

    def bounds(self, x: float | None) -> tuple[float, float]:
        lo, hi = self._scale(self.low, x), self._scale(self.high, x)
        return (min(lo, hi), max(lo, hi))


WORDING: dict[str, Phrase] = {p.phrase: p for p in (
    Phrase("nästan hälften", "almost half: 45 % to 50 % (as every 'nästan X': 0.9·X to X); more than half "
           "says the opposite", 0.45, 0.50, relative=False, denies_above=0.50),
    Phrase("nästan en tredjedel", "almost a third: 30 % to 33.3 % (0.9·X to X); more than a third says the opposite",
           0.30, 1 / 3, relative=False, denies_above=1 / 3),
    Phrase("uppemot", "up to about X: 0.90·X to X; above X says the opposite", 0.90, 1.0, denies_above=1.0),
    Phrase("knappt", "a little under X: 0.90·X to X; above X says the opposite", 0.90, 1.0, denies_above=1.0),
    Phrase("drygt", "a little over X: X to 1.10·X; below X says the opposite", 1.0, 1.10, denies_below=1.0),
    Phrase("omkring", "about X: 0.90·X to 1.10·X", 0.90, 1.10),
    Phrase("cirka", "about X: 0.90·X to 1.10·X", 0.90, 1.10),
    Phrase("ungefär", "about X: 0.90·X to 1.10·X", 0.90, 1.10),
    Phrase("kraftigt", "sharply: a change of at least 20 % in magnitude", 0.20, math.inf, relative=False,
           magnitude=True),
    Phrase("inte förändrats markant", "not changed markedly: a change under 5 % in magnitude; 10 % or more says "
           "the opposite", 0.0, 0.05, relative=False, denies_above=0.10, magnitude=True),
    Phrase("en av de … mest", "one of the most: within the top 10 % of the ranking (position 0 = first); the "
           "lower half says the opposite", 0.0, 0.10, relative=False, denies_above=0.5),
)}
"""The declared table of what each verbal quantity allows."""


def wording(phrase: str, value: float, x: float | None = None, own_number: bool = False,
            slack: float = 0.0) -> str:
    """Rule ``wording``: the value lies within what the phrase allows → supported. Against the
    document's own printed number (``own_number``) a mismatch is contradicted (the words say
    something the number does not) and a fit is not testable (whether the number is true needs
    data). Against data, a value beyond what the words deny (above X
    for 'knappt', below X for 'drygt') is contradicted, and otherwise not supported. ``slack`` (the
    kind's tolerance, for rounding and revisions) widens every bound when judging data."""
    if phrase not in WORDING:
        raise ValueError(f"Phrase {phrase!r} is not in the wording table; add it to rulebook.WORDING first")
    p = WORDING[phrase]
    lo, hi = p.bounds(x)
    v = abs(value) if p.magnitude else value
    eps = 1e-12 + (0.0 if own_number else slack)
    if own_number:  # words against the document's own number: only a contradiction can be shown
        return NOT_TESTABLE if lo - eps <= v <= hi + eps else CONTRADICTED
    if lo - eps <= v <= hi + eps:
        return SUPPORTED
    above, below = p._scale(p.denies_above, x), p._scale(p.denies_below, x)
    if (above is not None and v > above + eps) or (below is not None and v < below - eps):
        return CONTRADICTED
    return NOT_SUPPORTED


# ------------------------------------------------------------------ claims from checks
def combine_primaries(verdicts: Iterable[str], mode: str = "all") -> str:
    """Rule ``primary-checks``: a claim's verdict is its primary check's verdict.

    With several primaries (``combine: all``, every part of the claim must hold): all
    supported → supported; none supported or partly → the weakest tested part (contradicted
    when any part is contradicted and none holds); otherwise partly supported. Parts that are
    not testable are set aside; a claim with an untested part is at most partly supported.
    ``combine: each`` (the same claim tested in several places, e.g. reform events) uses the
    same rule.
    """
    vs = list(verdicts)
    tested = [v for v in vs if v != NOT_TESTABLE]
    if not tested:
        return NOT_TESTABLE
    if mode not in ("all", "each"):
        raise ValueError(f"Unknown combination {mode!r}")
    if all(v == SUPPORTED for v in tested):
        return PARTLY if len(tested) < len(vs) else SUPPORTED
    if any(v in (SUPPORTED, PARTLY) for v in tested):
        return PARTLY
    return CONTRADICTED if CONTRADICTED in tested else NOT_SUPPORTED


def apply_secondaries(verdict: str, secondary: Iterable[str]) -> str:
    """Rule ``secondary-checks``: secondary checks (robustness, other measures, context) may
    lower a verdict, never raise it: a supported verdict with a contradicted secondary becomes
    partly supported."""
    if verdict == SUPPORTED and CONTRADICTED in set(secondary):
        return PARTLY
    return verdict


def is_primary(label: str, primary: list[str]) -> bool:
    """A check label matches a declared primary label exactly, or a pattern with '*' (for a
    label that names a year taken from the data)."""
    return any(fnmatch.fnmatchcase(label, p) if "*" in p else label == p for p in primary)


def claim_verdict(checks: list[tuple[str, str]], primary: list[str] | None, mode: str = "all") -> str:
    """The claim's verdict from (label, verdict) pairs and its declared primary labels
    (undeclared: the first check is primary)."""
    if not checks:
        return NOT_TESTABLE
    if not primary:
        primary = [checks[0][0]]
    prim = [v for lab, v in checks if is_primary(lab, primary)]
    if not prim:
        raise ValueError(f"None of the declared primary checks {primary} was computed")
    sec = [v for lab, v in checks if not is_primary(lab, primary)]
    return apply_secondaries(combine_primaries(prim, mode), sec)


# ------------------------------------------------------------------ the rule table for the book
@dataclass(frozen=True)
class Rule:
    name: str
    applies_to: str
    statement: str
    thresholds: dict = field(default_factory=dict)
    example: Callable[[], str] | None = None


def _ex_numeric() -> str:
    t = tolerance("share")
    return (f"Published 43.1 %, reproduced 42.4 % (share, tolerance {t.describe()} pp): "
            f"{numeric_match(43.1, 42.4, t)}; reproduced 40.9 %: {numeric_match(43.1, 40.9, t)}; "
            f"published −5.0 % change, reproduced +3.0 %: {numeric_match(-5.0, 3.0, tolerance('change'))}.")


def _ex_year() -> str:
    return (f"A 2024 claim matched with 2022 data: {year_mismatch(SUPPORTED, True)}; a 2024 claim that 2022 data "
            f"do not match: {year_mismatch(NOT_SUPPORTED, True)}.")


def _ex_directional() -> str:
    return (f"A claimed fall of −25 % with one-sided placebo p = 0.14: {directional_test(True, 0.14, 0.86)}; with "
            f"p = 0.03: {directional_test(True, 0.03, 0.97)}; a rise with p = 0.02 in the opposite direction: "
            f"{directional_test(False, 0.98, 0.02)}; a comparison design (capped) with p = 0.03: "
            f"{directional_test(True, 0.03, 0.97, cap=PARTLY)}; with only 10 placebo units (smallest p 0.10): "
            f"{directional_test(True, 0.10, 0.90, n_units=10)}.")


def _ex_power() -> str:
    e = plausible_log_effect()
    return (f"A claimed sharp fall (at least 20 %: {e:.3f} log points) tested with p = 0.14 and MDE 0.51 log points: "
            f"{power_rule(NOT_SUPPORTED, 0.51, e)}; the same p with MDE 0.20: {power_rule(NOT_SUPPORTED, 0.20, e)}; "
            f"a significant fall with MDE 0.51: {power_rule(SUPPORTED, 0.51, e)}.")


def alpha_alternatives(decide: Callable[[float], str]) -> dict[str, str]:
    """A rule's verdict at each alternative significance level (for the claim's stability)."""
    return {name: decide(a) for name, a in ALPHA_ALTERNATIVES.items()}


def _ex_rank() -> str:
    return (f"Rank 12 of 290 (position 0.04) for 'one of the most': {rank_position(11 / 289)}; rank 200 of 290: "
            f"{rank_position(199 / 289)}.")


def _ex_wording() -> str:
    return (f"the document's own 28 % called 'nästan en tredjedel': {wording('nästan en tredjedel', 0.28, own_number=True)}; "
            f"its own 31 %: {wording('nästan en tredjedel', 0.31, own_number=True)}; "
            f"'drygt 2 700' against data of 2 750: {wording('drygt', 2750, 2700)}, of 2 680: {wording('drygt', 2680, 2700)}, "
            f"of 3 200: {wording('drygt', 3200, 2700)}; 'kraftigt' for a −4 % change: {wording('kraftigt', -0.04)}.")


def _ex_primary() -> str:
    return (f"Three reform events, each its own primary part, all not supported: "
            f"{combine_primaries([NOT_SUPPORTED] * 3)}; two parts, one supported and one not: "
            f"{combine_primaries([SUPPORTED, NOT_SUPPORTED])}; one part untested: "
            f"{combine_primaries([SUPPORTED, NOT_TESTABLE])}.")


def _ex_cost_only() -> str:
    return (f"A school DEA with cost per pupil as its only input, rank correlation 0.998 with 1/cost: "
            f"{'cost only' if cost_only(0.998) else 'an efficiency measure'}; a score at 0.62: "
            f"{'cost only' if cost_only(0.62) else 'an efficiency measure'}.")


def _ex_multiplicity() -> str:
    p = {"net cost deviation": 0.030, "DEA school": 0.020, "DEA elderly care": 0.400}
    adj = holm(list(p.values()))
    return ("Three secondary measures with p = 0.030, 0.020 and 0.400 could each raise a verdict: Holm-adjusted "
            + ", ".join(f"{a:.2f}" for a in adj) + f"; at α = {ALPHA:g} the ones that may move it: "
            + (", ".join(multiplicity(p)) or "none")
            + " (unadjusted, two of three would have).")


def _ex_secondary() -> str:
    return (f"Primary not supported, a robustness measure supported: "
            f"{claim_verdict([('main', NOT_SUPPORTED), ('robust', SUPPORTED)], ['main'])} (never raised); primary "
            f"supported, a secondary contradicted: "
            f"{claim_verdict([('main', SUPPORTED), ('robust', CONTRADICTED)], ['main'])}.")


RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("numeric-match", "a printed number (level, share, change, rate, rank, count, arithmetic)",
         "Supported when the reproduced number lies within the tolerance declared for its kind; contradicted when "
         "it has the opposite sign (a change or difference going the other way); not supported otherwise. There is "
         "no wider 'partly' band: a number outside its tolerance does not match.",
         {k: f"{t.describe()} — {why}" for k, (t, why) in TOLERANCES.items()}, _ex_numeric),
    Rule("year-mismatch", "a check made with data for another year than the claim",
         "A match with another year than claimed is at most partly supported (consistent, not verified for the "
         "claimed year); a mismatch with data older than the claimed year is not testable (older data cannot "
         "reject a claim about a later year). Re-evaluated automatically when newer data arrive.", {}, _ex_year),
    Rule("year-drift", "a printed level for a year after the data end",
         "The tolerance widens by the median absolute change of the series' own over as many years as separate the "
         "data from the claim (its last ten years, or the years since a method break); a match then only means "
         "'consistent with the latest data', and year-mismatch caps it at partly supported.", {}, None),
    Rule("cannot-fail", "any numeric check",
         "A check whose tolerance is at least as large as the printed value itself could not fail (even zero would "
         "match): it cannot discriminate and is not testable.", {}, None),
    Rule("consistency-only", "a printed number whose underlying values are not public",
         "When the data can only show that a printed number is consistent with others (for example an average "
         "between two printed endpoints), the check is at most partly supported.", {}, None),
    Rule("directional-test", "a claimed direction: an effect of a reform, a slope, a departure from a comparison",
         "Supported when the estimate goes the claimed way with a one-sided p ≤ α (placebo permutation p for "
         "synthetic controls, the regression's p for slopes); contradicted when it goes the other way with a "
         "one-sided p ≤ α; not supported otherwise: a sign alone is no evidence. Designs that cannot attribute a "
         "gap to a policy (a comparison of two municipalities) are capped at partly supported. A permutation test "
         "whose smallest attainable p (1 / number of units in the comparison, the treated unit counted: the floor, "
         "printed beside every permutation p) exceeds α cannot decide: not testable. The post/pre RMSPE ratio p "
         "is context only; its floor is raised by every placebo unit fitted (almost) exactly, whose ratio divides "
         "by ~0.",
         {"α (one-sided)": ALPHA, "placebo units kept": f"pre-period RMSPE at most {FIT_FACTOR:g}× the treated unit's (the cut-off never "
          "below the placebo units' median, so that an almost exact fit of the treated unit leaves a comparison)",
          "stability alternatives": ", ".join(f"{k}" for k in ALPHA_ALTERNATIVES)}, _ex_directional),
    Rule("effect-event", "an effect claim about one reform event (activation chapter)",
         "The directional test on the synthetic-control gap decides supported / not supported / contradicted, and "
         "the power rule turns a 'not supported' from a test too weak to see the claimed effect into not testable. "
         "A supported test stays supported only if the event study's mean post coefficient also has a placebo "
         "interval (1 − 2α) on the claimed side with both reference periods, that interval stays on the claimed "
         "side when widened for pre-trend violations as large as the largest change between consecutive "
         f"pre-period coefficients (Rambachan–Roth relative magnitudes, M̄ = {RM_MBAR:g}; the breakdown M̄ is "
         "reported), and no probed threat stays open; when one of these fails it is partly supported. (A test of "
         "the leads is reported as description only: it has little power, so passing it says little.)",
         {"α": ALPHA, "event-study interval": f"{1 - 2 * ALPHA:.0%} placebo interval",
          "pre-trend sensitivity": f"relative magnitudes, M̄ = {RM_MBAR:g}"}, None),
    Rule("power", "every 'not supported' from a directional test of an effect (synthetic controls)",
         "A test that finds nothing is evidence against an effect only if it could have found it. The minimum "
         f"detectable effect (MDE) is the smallest effect the one-sided placebo test at α detects with {POWER * 100:.0f} % "
         "power: the effect is planted in every placebo unit fitted about as well as the treated unit and the test "
         "is run with that unit as the treated one; the MDE is the smallest effect detected in 80 % of them. When "
         f"the MDE exceeds the effect the claim asks for (a {PLAUSIBLE_EFFECT * 100:.0f} % change, the 'kraftigt' "
         "threshold: the documents call these effects sharp, large, clear or quick), 'not supported' becomes not "
         "testable (the test is too weak). Supported and contradicted verdicts stand. The MDE is printed beside "
         "every effect verdict.",
         {"power": f"{POWER * 100:.0f} %", "claimed effect": f"{PLAUSIBLE_EFFECT * 100:.0f} % change "
          f"({plausible_log_effect(-1):.3f} log points for a fall, {plausible_log_effect(1):.3f} for a rise)",
          "α": ALPHA}, _ex_power),
    Rule("rank-position", "'one of the most …', 'among those that cut most', a position in a ranking",
         "Supported within the top 10 % of the relevant ranking; contradicted in the other half of the ranking; "
         "not supported in between.", {"top": "10 %", "other side": "beyond the median"}, _ex_rank),
    Rule("wording", "the documents' verbal quantities, against data or against the document's own number",
         "The value the phrase qualifies must lie within what the phrase allows (table below). A phrase that "
         "qualifies a printed number X ('drygt 2 700') is judged against the data, every bound widened by the "
         "tolerance of the number's kind (rounding and revisions): outside the band it is not supported, and on the side the words deny (below X for 'drygt') contradicted. A phrase that names a "
         "share ('nästan en tredjedel') is also judged against the number the document itself prints for it: a "
         "document can contradict itself without any data, and then the verdict is contradicted (when the words fit "
         "the document's own number, that check alone cannot say whether the number is true: not testable).",
         {p.phrase: p.meaning for p in WORDING.values()}, _ex_wording),
    Rule("document-statement", "a verbal statement checked against a described piece of evidence",
         "Supported when the data show what the sentence says, in the way the check's note specifies; contradicted "
         "when they show the opposite; not supported when they show neither; not testable when the data cannot "
         "show it (for example only a proxy of the claimed measure exists: a proxy is context, never evidence).",
         {}, None),
    Rule("primary-checks", "every claim",
         "Each claim declares in data/claims.yaml which check(s) answer it as worded. The claim's verdict is its "
         "primary check's verdict; several primaries are combined: all supported → supported; some supported or "
         "partly → partly supported; none → not supported, or contradicted when a part is contradicted. An "
         "untested part caps the claim at partly supported.", {}, _ex_primary),
    Rule("secondary-checks", "every claim",
         "Secondary checks (robustness, other measures, context) may lower a verdict, never raise it: a supported "
         "claim with a contradicted secondary check is partly supported.", {}, _ex_secondary),
    Rule("stability", "every evaluated claim",
         "A verdict is robust when it is unchanged under each reasonable alternative: the tolerance halved and "
         "doubled, the other conventional significance levels, the alternative measures the chapter already "
         "computes (the same test on another measure: RKA's composite → the net cost deviation, or the book's DEA "
         "when it is not cost-only; N31001 → N31004) and, for synthetic controls, the donor-pool variants: each donor with a positive weight "
         "left out in turn, the pools declared in advance (the same SKR group; population within ½–2× the treated "
         "unit's; the 40 nearest structural neighbours) and a second estimator (the ridge-augmented synthetic "
         "control), each with its own placebo run, MDE and verdict; otherwise fragile, and the alternatives that "
         "flip it are listed. A reform dated at a cost peak also has its estimate from the pre-peak baseline as an "
         "alternative.",
         {"alternatives": ", ".join([*TOLERANCE_ALTERNATIVES, *ALPHA_ALTERNATIVES, "alternative measures",
                                     "donor-pool variants (leave-one-out, declared pools, ridge-augmented)",
                                     "pre-peak baseline"])}, None),
    Rule("cost-only", "an efficiency score used as a measure or an alternative measure of efficiency",
         "An efficiency score whose Spearman rank correlation with 1/cost across municipalities is at least the "
         "threshold measures cost alone, whatever its construction (a DEA with one input and one output ranks "
         "municipalities by their input unless the output varies a lot). It is labelled 'cost only', is shown as "
         "context, and is neither a robustness measure nor a stability alternative for a claim about efficiency "
         "(cost against results); the net cost deviation, cost against the cost expected from structure, is the "
         "book's declared cost-only measure. The rank correlation is computed for every score and printed on the "
         "page.", {"threshold (Spearman rho with 1/cost)": COST_ONLY_RHO}, _ex_cost_only),
    Rule("multiplicity", "a verdict that more than one measure or test could decide",
         "One measure is declared primary and decides. A secondary measure may move a verdict (raise it, or lower "
         "it under secondary-checks) only when its p-value, in the direction that would move it, stays at or below "
         "α after Holm's adjustment over all the secondary measures that could have moved it; otherwise it is "
         "reported and ignored. A verdict is never taken from the best of several measures or years unadjusted.",
         {"α": ALPHA, "adjustment": "Holm (step-down, family-wise error rate)"}, _ex_multiplicity),
)}


def rule(name: str) -> Rule:
    if name not in RULES:
        raise ValueError(f"Unknown rule {name!r}; the rulebook has {', '.join(RULES)}")
    return RULES[name]


def rule_tag(name: str) -> str:
    """The prefix every check's note starts with: 'Rule numeric-match.'"""
    rule(name)
    return f"Rule {name}."
