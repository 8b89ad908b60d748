"""One registry of the dimensions every analysis, table, chart and document counts by.

:mod:`.registry` declares each dimension (name, aliases, label, meaning, natural order,
source column per table) and which commands accept it; :mod:`.levels` holds the one
order of level bands; :mod:`.entity_type` the one rule that classes an entity as field
or non-field. ``docs/dimensions.md`` is generated from here
(``python -m parity.core.dimensions.docgen docs/dimensions.md``).
"""

from parity.core.dimensions.entity_type import (
    ENTITY_TYPES,
    FIELD,
    NON_FIELD,
    entity_type_table,
    entity_types,
)
from parity.core.dimensions.levels import BROAD_BAND_OF, BROAD_BANDS, LEVEL_ORDER, level_band
from parity.core.dimensions.registry import (
    ALIASES,
    COMMANDS,
    DIMENSIONS,
    UNKNOWN,
    Dimension,
    canonical,
    invalid,
    is_dimension,
    label_of,
    listing,
    order_of,
    resolve,
    sort_rank,
)

__all__ = [
    "ALIASES", "BROAD_BANDS", "BROAD_BAND_OF", "COMMANDS", "DIMENSIONS", "ENTITY_TYPES",
    "FIELD", "LEVEL_ORDER", "NON_FIELD", "UNKNOWN", "Dimension", "canonical",
    "entity_type_table", "entity_types", "invalid", "is_dimension", "label_of",
    "level_band", "listing", "order_of", "resolve", "sort_rank",
]
