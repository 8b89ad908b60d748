"""The core library: data model, ingest, store and analytics.

Nothing under ``parity.core`` may import the edges (``parity.cli``, ``parity.web``,
``parity.reports``); ``tests/test_architecture.py`` enforces it.
"""
