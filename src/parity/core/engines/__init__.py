"""Engines other than the DuckDB store: PostgreSQL and Apache Spark, through Ibis."""
