"""A household's current cadre and unit on the exit pages: the units app's pairings."""

from units.pairings import Pairing, current_pairings

pairings = current_pairings

__all__ = ["Pairing", "pairings"]
