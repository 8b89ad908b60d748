"""Validated, atomic, repeatable ingest of interchange files."""

from parity.core.ingest.load import FileReport, LoadReport, ingest, pseudonymise

__all__ = ["FileReport", "LoadReport", "ingest", "pseudonymise"]
