"""Validated, atomic, repeatable ingest of interchange files."""

from parity.core.ingest.load import FileReport, LoadReport, StrictRefusal, ingest, pseudonymise

__all__ = ["FileReport", "LoadReport", "StrictRefusal", "ingest", "pseudonymise"]
