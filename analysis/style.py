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
VERDICT_COLOURS = {
    "supported": "#2a9d8f",
    "partly supported": "#e9c46a",
    "not supported": "#f4a261",
    "contradicted": "#d1495b",
    "not testable": "#adb5bd",
}
