"""The book's colours, defined once: chapters draw with them, presentation pages too
(a base module, so that no layer imports upward for a colour); and the one way a
synthetic control's donor-pool variants are drawn, so both chapters that have them agree."""

PALETTE = {
    "Solna": "#1b6ca8",
    "Sundbyberg": "#d1495b",
    "Riket": "#444444",
    "Växjö": "#2a9d8f",
    "Skurup": "#e9a03b",
    "synthetic": "#7a5195",
    "group median": "#8d99ae",
}
# Verdict colours from the Okabe–Ito palette (safe for the common colour-vision deficiencies:
# each pair also differs in lightness), one set for badges, tables and figures alike.
VERDICT_COLOURS = {
    "supported": "#009E73",         # bluish green
    "partly supported": "#F0E442",  # yellow
    "not supported": "#E69F00",     # orange
    "contradicted": "#D55E00",      # vermillion
    "not testable": "#BBBBBB",      # grey
    "not yet evaluated": "#E5E5E5",
}
# Text colour that stays readable on each verdict colour (contrast ratio ≥ 4.5).
VERDICT_TEXT = {v: "#000000" for v in VERDICT_COLOURS}

# Donor-pool variants (methods.donorpool.Variant.kind), Okabe–Ito; leave-one-out runs in grey.
VARIANT_COLOURS = {
    "same SKR group": "#0072B2",
    "population ½–2×": "#E69F00",
    "structural nearest neighbours": "#009E73",
    "all municipalities": "#CC79A7",
    "ridge-augmented synthetic control": "#D55E00",
}


def draw_variant_gaps(ax, variants) -> None:
    """Each variant's gap on ``ax``: leave-one-out runs thin and grey (one legend entry), the
    declared pools and the second estimator dashed in their own colour, labelled by kind."""
    first = True
    for v in variants:
        if not v.ok:
            continue
        g = v.placebo.fit.gap
        if v.family == "leave-one-out":
            ax.plot(g.index, g.values, color="#aaaaaa", lw=0.9, label=v.kind if first else None)
            first = False
        else:
            ax.plot(g.index, g.values, ls="--", lw=1.2, color=VARIANT_COLOURS.get(v.kind), label=v.kind)


def legend_panel(ax, axes, ncol: int = 1) -> None:
    """Turn ``ax`` into the figure's legend: every label drawn on ``axes``, once."""
    handles = {}
    for other in axes:
        for h, lab in zip(*other.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    ax.axis("off")
    ax.legend(list(handles.values()), list(handles.keys()), loc="center", fontsize=10, frameon=False,
              ncol=ncol)
