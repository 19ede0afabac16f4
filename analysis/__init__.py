"""Re-testing claims about Swedish municipalities against public data.

All logic behind the book lives here; the chapter notebooks only call these
functions and narrate the results.
"""

__version__ = "0.1.0"
