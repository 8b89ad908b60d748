"""Generated documentation matches the code."""

from __future__ import annotations

from pathlib import Path

from parity.core import docgen

ROOT = Path(__file__).resolve().parents[1]


def test_data_model_doc_is_generated_from_the_model() -> None:
    committed = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert committed == docgen.render(), (
        "docs/data-model.md is stale: run python -m parity.core.docgen docs/data-model.md")


def test_dimensions_doc_is_generated_from_the_registry() -> None:
    from parity.core.dimensions import docgen as dimensions_docgen

    committed = (ROOT / "docs" / "dimensions.md").read_text(encoding="utf-8")
    assert committed == dimensions_docgen.render(), (
        "docs/dimensions.md is stale: run python -m parity.core.dimensions.docgen "
        "docs/dimensions.md")
