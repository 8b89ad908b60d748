"""Level bands: the one order of levels every analysis, table and chart uses.

A grade's level band is its entry in :data:`parity.core.model.LEVEL_BANDS` (P-1/P-2 …
ASG/USG, for Professional and higher grades), or else its category (FS, NO, GS). The
order, most senior first, follows the grades' order in the model.
"""

from __future__ import annotations

from parity.core import model


def level_band(grade: str) -> str:
    """The level band of a grade (P-1/P-2 … ASG/USG), or its category (FS, NO, GS)."""
    return model.LEVEL_BANDS.get(grade) or model.CATEGORY_OF_GRADE[grade]


#: Level bands, most senior first, then the other categories:
#: ASG/USG, D-1/D-2, P-5, P-4, P-3, P-1/P-2, FS, NO, GS.
LEVEL_ORDER: tuple[str, ...] = tuple(dict.fromkeys(level_band(g) for g in model.GRADES))

#: Broad grade bands (self-identification tables), and the level bands they group.
BROAD_BAND_OF: dict[str, str] = {
    "ASG/USG": "D-1 and above", "D-1/D-2": "D-1 and above",
    "P-5": "P-4 and P-5", "P-4": "P-4 and P-5",
    "P-3": "P-1 to P-3", "P-1/P-2": "P-1 to P-3",
    "FS": "FS", "NO": "NO", "GS": "GS",
}
BROAD_BANDS: tuple[str, ...] = tuple(dict.fromkeys(BROAD_BAND_OF[b] for b in LEVEL_ORDER))

#: Level bands of the published gender parity table: the senior bands, small in most
#: organisations, are one band there ("D-1 and above", as in the broad bands).
PARITY_BAND_OF: dict[str, str] = {
    b: (BROAD_BAND_OF[b] if BROAD_BAND_OF[b] == "D-1 and above" else b) for b in LEVEL_ORDER}
PARITY_BANDS: tuple[str, ...] = tuple(dict.fromkeys(PARITY_BAND_OF[b] for b in LEVEL_ORDER))
