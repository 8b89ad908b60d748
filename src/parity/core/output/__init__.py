"""One writer per file format, used by the CLI, releases and the dashboard's downloads.

A :class:`Result` is what a command answers: its parameters, named sections (polars
frames), notes and the data it was computed from (:class:`DataAsOf`). Every writer
takes a result (or one frame) and returns text or bytes; :func:`write_atomic` puts them
in a file so that a failure never leaves a cut-off file behind.

- JSON (:func:`to_json`): one object ``{"parameters", "data_as_of", "sections", "notes"}``;
  NaN and infinities are ``null``.
- CSV (:func:`frame_to_csv`): the section's columns as they are; text cells that a
  spreadsheet would run as a formula (first character ``= + - @``, tab or carriage
  return) are prefixed with a single quote.
- XLSX (:func:`to_xlsx`): an "About" sheet (title, parameters, data version, notes) and
  one sheet per section, with readable headers in row 1 and field names in row 2.
"""

from __future__ import annotations

from parity.core.output.atomic import write_atomic
from parity.core.output.cells import is_share, neutralise
from parity.core.output.csv_out import frame_to_csv
from parity.core.output.json_out import to_json
from parity.core.output.result import DataAsOf, Result, data_as_of
from parity.core.output.xlsx_out import to_xlsx

__all__ = ["DataAsOf", "Result", "data_as_of", "frame_to_csv", "is_share", "neutralise",
           "to_json", "to_xlsx", "write_atomic"]
