"""Parity: fair recruitment, promotion and retention statistics for international organizations."""

__version__ = "0.1.0"
