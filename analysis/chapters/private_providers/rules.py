"""private-providers: the directional test on the primary measure."""

from __future__ import annotations

from ...methods import regressions as R
from ...rules import rulebook as RB


# ------------------------------------------------------------------ the rules the checks apply
def sign_test(e: R.Estimate, alpha: float = RB.ALPHA, claimed: int = 1) -> str:
    """Rule directional-test on one estimate: the claimed sign with a one-sided p ≤ α (from the
    estimate's two-sided p), contradicted by the opposite sign with a one-sided p ≤ α."""
    p_claimed, p_opposite = RB.one_sided_from_two_sided(e.coef, e.p, claimed)
    return RB.directional_test(e.coef * claimed > 0, p_claimed, p_opposite, alpha)


def opposite_p(e: R.Estimate, claimed: int = 1) -> float:
    """One-sided p of an estimate in the direction opposite to the claim."""
    return RB.one_sided_from_two_sided(e.coef, e.p, claimed)[1]


def combined_verdict(primary: R.Estimate, robust: list[R.Estimate], primary_opposite: bool = False,
                     alpha: float = RB.ALPHA) -> str:
    """Rule directional-test on the primary measure; robustness measures are secondary (rule
    secondary-checks): they can lower a supported verdict to partly supported when one of them is
    significantly of the opposite sign after Holm's adjustment over the robustness measures (rule
    multiplicity), or when another test of the primary measure (its rank correlation:
    ``primary_opposite``) is; they never raise a verdict."""
    v = sign_test(primary, alpha)
    movers = RB.multiplicity({i: opposite_p(e) for i, e in enumerate(robust)}, alpha)
    if v == RB.SUPPORTED and (primary_opposite or movers):
        return RB.PARTLY
    return v


def _alts(primary: R.Estimate, robust: list[R.Estimate], primary_opposite: bool = False,
          names: tuple[str, ...] = ()) -> dict[str, str]:
    """The verdict at the other significance levels, and with each robustness measure (named in
    ``names``, in the order of ``robust``) in the primary measure's place (rule stability)."""
    out = RB.alpha_alternatives(lambda a: combined_verdict(primary, robust, primary_opposite, a))
    for name, est in zip(names, robust):
        out[f"alternative measure: {name}"] = sign_test(est)
    return out


RULE_TEXT = (f"Rule directional-test (α = {RB.ALPHA:g}): supported = the primary measure in the claimed direction with a "
             f"one-sided p ≤ {RB.ALPHA:g} (a {1 - 2 * RB.ALPHA:.0%} CI excluding zero); contradicted = the opposite "
             "direction with the same strength; otherwise not supported. Robustness measures are secondary: they can "
             "lower a supported verdict to partly supported when one is significantly of the opposite sign after Holm's "
             "adjustment over the robustness measures (rule multiplicity), never raise one. Scores that follow cost "
             "alone (rule cost-only) are context, not robustness measures.")


def _ci(e) -> str:
    return f"{e['coef']:+.2f} [{e['CI low']:+.2f}, {e['CI high']:+.2f}]"
