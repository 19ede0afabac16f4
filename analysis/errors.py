"""Error types: bad input must stop the build with a message a reader can act on."""


class DataError(Exception):
    """The data snapshot, cache or a file in it is missing, malformed or incomplete."""


class UnknownKPIError(DataError, KeyError):
    """A KPI id that is not in the catalogue or not in the data."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class UnknownMunicipalityError(DataError, KeyError):
    """A municipality code or name that does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ClaimsError(Exception):
    """The claims data file is inconsistent, or a check refers to a number it lacks."""
