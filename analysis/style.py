"""The book's colours, defined once: chapters draw with them, presentation pages too
(a base module, so that no layer imports upward for a colour)."""

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
