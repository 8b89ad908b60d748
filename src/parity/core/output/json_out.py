"""JSON: one object per result; NaN and infinities are null (``allow_nan=False``)."""

from __future__ import annotations

import json
from typing import Any

from parity.core.output.cells import plain
from parity.core.output.result import Result


def document(result: Result) -> dict[str, Any]:
    """``{"parameters", "data_as_of", "sections": {name: [records]}, "notes"}``."""
    return {
        "parameters": plain(result.parameters),
        "data_as_of": result.data_as_of.as_dict() if result.data_as_of else None,
        "sections": {name: [plain(row) for row in frame.to_dicts()]
                     for name, frame in result.sections.items()},
        "notes": [str(n) for n in result.notes],
    }


def to_json(result: Result) -> str:
    """The result as JSON text; raises ValueError rather than write a NaN or Infinity."""
    return json.dumps(document(result), ensure_ascii=False, indent=2, allow_nan=False,
                      default=str) + "\n"
