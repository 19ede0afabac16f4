"""Codes used across the book, defined once: Kolada's code for the whole country and the
municipalities the documents single out (SCB municipality codes)."""

RIKET = "0000"  # Kolada's 'Riket' (Sweden as a whole)
SOLNA = "0184"
SUNDBYBERG = "0183"
VAXJO = "0780"
SKURUP = "1264"
