"""Command-line edge: formats what the core computes."""
