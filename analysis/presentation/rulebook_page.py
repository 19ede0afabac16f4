"""The page *How verdicts are decided*, written from the rulebook (analysis/rules/rulebook.py).

Nothing on the page is typed by hand: each rule's name, statement, thresholds and worked
example come from :data:`analysis.rules.rulebook.RULES`, so the page cannot drift from the
code that gives the verdicts.
"""

from __future__ import annotations

from ..rules import rulebook as R

VERDICT_MEANINGS = {
    R.SUPPORTED: "the data show what the claim says, as worded",
    R.PARTLY: "part of the claim holds, or it holds only with a caveat the rules name (another year, a design "
              "that cannot attribute cause, an untested part)",
    R.NOT_SUPPORTED: "the data do not show it (a number outside its tolerance, an effect that is not unusual)",
    R.CONTRADICTED: "the data show the opposite (an opposite sign, a significant effect the other way, a ranking on "
                    "the other side, words the number does not fit)",
    R.NOT_TESTABLE: "no public data can decide it (the reason is given)",
}


def _cell(x) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def verdicts_markdown() -> str:
    rows = ["| verdict | meaning |", "|---|---|"]
    rows += [f"| **{v}** | {_cell(m)} |" for v, m in VERDICT_MEANINGS.items()]
    return "\n".join(rows)


def constants_markdown() -> str:
    return "\n".join([
        f"* **Significance level α = {R.ALPHA:g}**, one-sided in the direction the claim states, for every test in "
        f"the book (placebo permutation p-values, regression slopes). For a regression this is a "
        f"{1 - 2 * R.ALPHA:.0%} confidence interval on the claimed side of zero.",
        f"* **Placebo rule**: in-space placebo runs; units whose pre-period fit is more than {R.FIT_FACTOR:g} times "
        "worse than the treated unit's are left out; the treated unit is counted, so the smallest attainable p is "
        "1 / (number of units kept).",
        "* **Stability alternatives**: " + ", ".join([*R.TOLERANCE_ALTERNATIVES, *R.ALPHA_ALTERNATIVES])
        + "; donor-pool variants for synthetic controls enter the same slot.",
    ])


def tolerance_markdown() -> str:
    rows = ["| kind of number | tolerance | why |", "|---|---|---|"]
    rows += [f"| {k} | {t.describe()} {R.TOLERANCE_UNITS.get(k, '')} | {_cell(why)} |".replace("  |", " |")
             for k, (t, why) in R.TOLERANCES.items()]
    return "\n".join(rows)


def wording_markdown() -> str:
    rows = ["| phrase (as printed) | allows |", "|---|---|"]
    rows += [f"| *{p.phrase}* | {_cell(p.meaning)} |" for p in R.WORDING.values()]
    return "\n".join(rows)


def rules_markdown() -> str:
    """One section per rule: name, where it applies, statement, thresholds, worked example."""
    parts = []
    for r in R.RULES.values():
        block = [f"### `{r.name}`", "", f"*Applies to:* {r.applies_to}.", "", r.statement, ""]
        if r.thresholds:
            block += ["| setting | value |", "|---|---|"]
            block += [f"| {_cell(k)} | {_cell(v)} |" for k, v in r.thresholds.items()]
            block.append("")
        if r.example is not None:
            block += [f"*Worked example (computed by the rule itself):* {r.example()}", ""]
        parts.append("\n".join(block))
    return "\n".join(parts)
